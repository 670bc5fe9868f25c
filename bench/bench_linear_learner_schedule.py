"""Linear Learner's `lr_scheduler_factor=auto`: which per-pass decay factor, measured against the peer on real data.

SageMaker does not publish what `auto` means. sagestudy decays the rate once per pass over the data; this script measures
the factor on held-out data: test accuracy against LogisticRegression on four classification sets (10 stratified
train/validation/test splits each) and test RMSE against Ridge (alpha chosen on validation) on four regression sets
(5 splits; 3 for the large ones), for factors 0.8, 0.9, 0.95 and no decay. Usage: python bench/bench_linear_learner_schedule.py
"""
import math, time, warnings
import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
import sklearn.linear_model as sklm, sklearn.metrics as skm
from sagestudy.core import datasets
from sagestudy.algorithms.linear_learner import LinearLearner

FACTORS = (0.8, 0.9, 0.95, 'off')
CLASSIFICATION = [('breast_cancer', dict(predictor_type='binary_classifier', mini_batch_size=32)),
                  ('wine', dict(predictor_type='multiclass_classifier', num_classes=3, mini_batch_size=16)),
                  ('iris', dict(predictor_type='multiclass_classifier', num_classes=3, mini_batch_size=16)),
                  ('digits', dict(predictor_type='multiclass_classifier', num_classes=10, mini_batch_size=64))]

def schedule(f): return dict(use_lr_scheduler=False) if f == 'off' else dict(lr_scheduler_factor=f)

def classification():
    for name, hp in CLASSIFICATION:
        d, res = datasets.load(name), {}
        for f in (*FACTORS, 'LogisticRegression'):
            accs = []
            for split in range(10):
                Xtr, Xte, ytr, yte = train_test_split(d.X, d.y, test_size=0.25, stratify=d.y, random_state=split)
                Xtr, Xva, ytr, yva = train_test_split(Xtr, ytr, test_size=0.2, stratify=ytr, random_state=split)
                if f == 'LogisticRegression': m = make_pipeline(StandardScaler(), sklm.LogisticRegression(max_iter=5000)).fit(Xtr, ytr)
                else: m = LinearLearner(**hp, epochs=40, early_stopping_patience=10, random_state=split, device='cpu', **schedule(f)).fit(Xtr, ytr, validation=(Xva, yva))
                accs.append((m.predict(Xte) == yte).mean())
            res[f] = round(float(np.mean(accs)), 4)
        print(f'| {name} | ' + ' | '.join(f'{res[f]:.4f}' for f in (*FACTORS, 'LogisticRegression')) + ' |', flush=True)

def regression():
    rmse = lambda a, b: math.sqrt(skm.mean_squared_error(a, b))
    for name in ('concrete', 'ames', 'cps1988', 'diamonds'):
        r, res = datasets.load_regression(name), {}
        for f in FACTORS:
            ratios = []
            for split in range(3 if len(r.X) > 20_000 else 5):
                Xtr, Xte, ytr, yte = train_test_split(r.X, r.y, test_size=0.2, random_state=split)
                Xtr, Xva, ytr, yva = train_test_split(Xtr, ytr, test_size=0.25, random_state=split)
                fits = [make_pipeline(StandardScaler(), sklm.Ridge(alpha=a)).fit(Xtr, ytr) for a in np.logspace(-3, 3, 13)]
                ridge = min(fits, key=lambda m: rmse(yva, m.predict(Xva)))
                ours = LinearLearner(predictor_type='regressor', random_state=split, device='cpu', **schedule(f)).fit(Xtr, ytr, validation=(Xva, yva))
                ratios.append(rmse(yte, ours.predict(Xte)) / rmse(yte, ridge.predict(Xte)))
            res[f] = float(np.mean(ratios))
        print(f'| {name} | ' + ' | '.join(f'{res[f]:.4f}' for f in FACTORS) + ' |', flush=True)

if __name__ == '__main__':
    warnings.filterwarnings('ignore')
    print('| classification, test accuracy | 0.8 | 0.9 | 0.95 | no decay | LogisticRegression |'); classification()
    print('| regression, test RMSE / Ridge | 0.8 | 0.9 | 0.95 | no decay |'); regression()
