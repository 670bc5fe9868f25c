"The scikit-learn estimator contract (`parametrize_with_checks`) for every estimator sagestudy exports."
import importlib, inspect, pkgutil
import pytest
from sklearn.base import BaseEstimator
from sklearn.utils.estimator_checks import parametrize_with_checks

def _estimator_classes():
    "Classes in `sagestudy.algorithms.*` that subclass `BaseEstimator` and provide `_check_instances()`"
    try: pkg = importlib.import_module('sagestudy.algorithms')
    except ModuleNotFoundError as e:
        if e.name in ('sagestudy.algorithms', 'sagestudy'): return []
        raise
    found = {}
    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):
        for cls in vars(importlib.import_module(m.name)).values():
            if inspect.isclass(cls) and issubclass(cls, BaseEstimator) and hasattr(cls, '_check_instances'):
                found[f'{cls.__module__}.{cls.__qualname__}'] = cls
    return [found[k] for k in sorted(found)]

ESTIMATORS = [est for cls in _estimator_classes() for est in cls._check_instances()]
if not ESTIMATORS:
    pytest.skip('no estimator in sagestudy.algorithms yet (a BaseEstimator subclass with a _check_instances() '
                'classmethod); export one from nbs/ first', allow_module_level=True)

def _expected_failed_checks(est) -> dict:
    "The estimator's own `_expected_failed_checks()` (check name -> reason), if it has one"
    f = getattr(est, '_expected_failed_checks', None)
    return f() if f else {}

@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_contract(estimator, check):
    check(estimator)
