"""sagestudy's XGBoost wrapper against calling xgboost directly with the translated parameters.

Checks that the predictions are identical (asserted) and measures the training-time ratio wrapper / direct
(target <= 1.2x). Usage: python bench/bench_xgboost.py [rows] [out.json]
"""
import json, os, platform, sys, time, warnings
import numpy as np, xgboost as xgb
import sklearn.datasets as skd
from sagestudy.algorithms.xgboost import XGBoost, translate_params

warnings.simplefilter('ignore')

from _timing import best_of as timed

def case(name, X, y, **hp):
    "Train the same model through the wrapper and directly; assert identical predictions; time both"
    params = translate_params(hp, quiet=True)
    def direct():
        return xgb.train(params, xgb.DMatrix(X, y), hp['num_round'])
    def direct_logged():   # what the wrapper does: also evaluates the train channel every round (SageMaker's log)
        d = xgb.DMatrix(X, y)
        return xgb.train(params, d, hp['num_round'], evals=[(d, 'train')], verbose_eval=False)
    wrapper = lambda: XGBoost(**hp).fit(X, y)
    rows = []
    for _ in range(3):    # interleave to share out machine noise
        rows.append((timed(direct, 1), timed(direct_logged, 1), timed(wrapper, 1)))
    t_d, t_dl, t_w = (min(r[i][0] for r in rows) for i in range(3))
    bst, est = rows[-1][0][1], rows[-1][2][1]
    pd_, pw = bst.predict(xgb.DMatrix(X)), est.predict_score(X)
    assert np.array_equal(pd_, pw), f'{name}: predictions differ (max {np.abs(pd_ - pw).max()})'
    return {'case': name, 'rows x features': f'{X.shape[0]} x {X.shape[1]}', 'num_round': hp['num_round'],
            'tree_method': params['tree_method'], 'nthread': hp.get('nthread'), 'identical predictions': True,
            'direct s': round(t_d, 3), 'direct + train eval s': round(t_dl, 3), 'wrapper s': round(t_w, 3),
            'ratio wrapper/direct': round(t_w / t_d, 3), 'within 1.2x target': t_w / t_d <= 1.2, 'ratio wrapper/(direct + train eval)': round(t_w / t_dl, 3)}

if __name__ == '__main__':
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    X, y = skd.make_regression(n, 50, n_informative=20, noise=10.0, random_state=0)
    X = X.astype(np.float32)
    yb = (y > np.median(y)).astype(np.float32)
    nthread = os.cpu_count()
    out = {'machine': f'{platform.processor() or platform.machine()}, {nthread} CPUs', 'xgboost': xgb.__version__,
           'cases': [case('regression', X, y.astype(np.float32), num_round=100, tree_method='hist', nthread=nthread),
                     case('binary:logistic', X, yb, num_round=100, objective='binary:logistic', tree_method='hist', nthread=nthread),
                     case('regression exact', X[:20_000], y[:20_000].astype(np.float32), num_round=30, tree_method='exact', nthread=nthread)]}
    print(json.dumps(out, indent=1))
    if len(sys.argv) > 2: open(sys.argv[2], 'w').write(json.dumps(out, indent=1))
