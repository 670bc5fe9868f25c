"""sagestudy's DeepAR beside GluonTS's DeepAR (the open-source sibling of SageMaker's) on the world-fertility panel.

GluonTS is not a sagestudy dependency (it pulls in Lightning). To run this bench:
    .venv/bin/pip install "gluonts[torch]"          # or, without touching .venv:
    pip install --no-deps --target /tmp/gluonts_pkgs gluonts lightning lightning-utilities torchmetrics \
        pytorch-lightning pydantic pydantic-core annotated-types typing-inspection
    PYTHONPATH=/tmp/gluonts_pkgs .venv/bin/python bench/bench_deepar_gluonts.py [seeds]

Same split (SageMaker's protocol: train on each series minus its last 6 years, score those), same
architecture (2 LSTM layers of 40 cells, Student-t likelihood, context 10), same learning rate, batch
size and number of gradient steps, 200 sample paths each, scored by the same `forecast_metrics`.
"""
import sys, tempfile, time, warnings
import numpy as np
import pandas as pd
import torch
from bench_deepar import fertility_records
from sagestudy.algorithms.deepar import DeepAR, forecast_metrics, sample_quantiles, seasonal_naive_paths, make_windows, parse_series

warnings.filterwarnings('ignore')
P, CONTEXT, EPOCHS, SAMPLES = 6, 10, 20, 200
QUANTILES = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)

def fertility():
    "(train, test) records of the world-fertility panel, split as SageMaker's protocol does"
    test = fertility_records()
    return [dict(r, target=r['target'][:-P]) for r in test], test

def score(paths, test):
    z = np.stack([np.array(r['target'][-P:], dtype=np.float64) for r in test])
    return forecast_metrics(z, paths.mean(1), dict(zip(QUANTILES, sample_quantiles(paths.transpose(1, 0, 2), QUANTILES))))

def gluonts_paths(train, seed, steps_per_epoch):
    import lightning.pytorch as pl
    from gluonts.dataset.common import ListDataset
    from gluonts.torch.model.deepar import DeepAREstimator
    pl.seed_everything(seed, verbose=False)
    ds = ListDataset([{'start': '1960-01-01', 'target': np.array(r['target'], dtype=np.float32)} for r in train], freq='YE')
    est = DeepAREstimator(freq='YE', prediction_length=P, context_length=CONTEXT, num_layers=2, hidden_size=40, lr=0.005,
                          batch_size=64, num_batches_per_epoch=steps_per_epoch,
                          trainer_kwargs=dict(max_epochs=EPOCHS, accelerator='cpu', enable_progress_bar=False,
                                              enable_model_summary=False, logger=False, default_root_dir=tempfile.mkdtemp()))
    t0 = time.perf_counter()
    predictor = est.train(ds)
    seconds = time.perf_counter() - t0
    paths = np.stack([f.samples for f in predictor.predict(ds, num_samples=SAMPLES)])
    return paths, seconds

def main(seeds=3):
    import gluonts
    torch.set_num_threads(1)
    train, test = fertility()
    rows = {'sagestudy DeepAR': [], f'GluonTS {gluonts.__version__} DeepAR': []}
    for seed in range(seeds):
        t0 = time.perf_counter()
        m = DeepAR(context_length=CONTEXT, prediction_length=P, time_freq='12M', epochs=EPOCHS, num_cells=40, num_layers=2,
                   learning_rate=0.005, mini_batch_size=64, random_state=seed).fit(train)
        s = time.perf_counter() - t0
        windows = len(make_windows(parse_series(train, 'train'), m.lags_, CONTEXT, P, '12M', False, 0)[0])
        steps = -(-windows // 64)                      # our epoch: every window once, in batches of 64
        rows['sagestudy DeepAR'].append((score(m.sample_paths(train, SAMPLES), test)['test:mean_wQuantileLoss'], s))
        g, gs = gluonts_paths(train, seed, steps)
        rows[f'GluonTS {gluonts.__version__} DeepAR'].append((score(g, test)['test:mean_wQuantileLoss'], gs))
    hist = [pd.Series(r['target'], dtype=float).interpolate(limit_direction='both').to_numpy() for r in train]
    naive = score(np.stack([seasonal_naive_paths(h, P, 1, SAMPLES, 0) for h in hist]), test)['test:mean_wQuantileLoss']
    print(f'\n### DeepAR vs GluonTS (bench/bench_deepar_gluonts.py): world fertility, {len(train)} series, '
          f'{EPOCHS} epochs, {seeds} seeds, CPU 1 thread\n')
    print('| model | mean wQuantileLoss (mean of seeds, min-max) | fit s (mean) |\n|---|---|---|')
    for name, r in rows.items():
        w = [x for x, _ in r]
        print(f'| {name} | {np.mean(w):.4f} ({min(w):.4f}-{max(w):.4f}) | {np.mean([s for _, s in r]):.1f} |')
    print(f'| naive (period 1) | {naive:.4f} | - |')

if __name__ == '__main__':
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
