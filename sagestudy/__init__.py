"""sagestudy: SageMaker's built-in algorithms and platform, re-implemented in the open (hand-written; nbdev-export leaves it alone).

The names below are imported on first use (PEP 562), so `import sagestudy.service.training` in a
training-job process or the `sagestudy` command does not pay for torch, xgboost and scikit-learn
until an algorithm is actually needed.
"""
import importlib

__version__ = "0.1.0"

_EXPORTS = {   # public name -> module that defines it
    'HyperparameterError': 'sagestudy.core.errors', 'DataFormatError': 'sagestudy.core.errors',
    'InstanceTypeError': 'sagestudy.core.errors',
    'catalog': 'sagestudy.core.catalog', 'formats': 'sagestudy.core.formats',
    'LinearLearner': 'sagestudy.algorithms.linear_learner', 'XGBoost': 'sagestudy.algorithms.xgboost',
    'KNN': 'sagestudy.algorithms.knn', 'FactorizationMachines': 'sagestudy.algorithms.factorization_machines',
    'Seq2Seq': 'sagestudy.algorithms.seq2seq', 'DeepAR': 'sagestudy.algorithms.deepar',
    'KMeans': 'sagestudy.algorithms.kmeans', 'PCA': 'sagestudy.algorithms.pca',
    'RandomCutForest': 'sagestudy.algorithms.random_cut_forest', 'IPInsights': 'sagestudy.algorithms.ip_insights',
    'BlazingText': 'sagestudy.algorithms.blazingtext', 'LDA': 'sagestudy.algorithms.lda', 'NTM': 'sagestudy.algorithms.ntm',
    'clarify': 'sagestudy.clarify', 'pretraining_bias': 'sagestudy.clarify', 'posttraining_bias': 'sagestudy.clarify',
    'BiasReport': 'sagestudy.clarify',
}
__all__ = list(_EXPORTS)

def __getattr__(name):
    if name not in _EXPORTS: raise AttributeError(f"module 'sagestudy' has no attribute {name!r}")
    module = importlib.import_module(_EXPORTS[name])
    value = module if module.__name__.rsplit('.', 1)[-1] == name else getattr(module, name)
    globals()[name] = value            # cache: the next lookup is a plain attribute
    return value

def __dir__(): return sorted(set(globals()) | set(__all__))
