"""Time a Clarify pre-training bias report on 1M rows x 20 columns (target: < 5 s on CPU), with peak memory.

Run: .venv/bin/python bench/bench_clarify.py [rows]
"""
import sys, time, resource, tracemalloc
import numpy as np
import pandas as pd
from sagestudy.clarify import pretraining_bias

def make_table(n:int, seed:int=0)->pd.DataFrame:
    "n rows x 20 columns: a 0/1 label, a 3-valued facet, a 10-valued group variable and 17 numeric features"
    rng = np.random.default_rng(seed)
    cols = {'label': rng.integers(0, 2, n), 'sex': pd.Categorical(rng.choice(['f', 'm', 'x'], n)),
            'dept': rng.integers(0, 10, n)}
    cols.update({f'x{i}': rng.normal(size=n) for i in range(17)})
    return pd.DataFrame(cols)

def main(n:int=1_000_000):
    df = make_table(n)
    pretraining_bias(df.head(10_000), 'label', 'sex', [1], ['f'], group_variable='dept')   # warm-up
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        rep = pretraining_bias(df, 'label', 'sex', [1], ['f'], group_variable='dept')
        times.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    ova = pretraining_bias(df, 'label', 'sex', [1], group_variable='dept')                 # one-vs-all: 3 blocks
    t_ova = time.perf_counter() - t0
    tracemalloc.start()
    pretraining_bias(df, 'label', 'sex', [1], ['f'], group_variable='dept')
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"rows {n:,} x {df.shape[1]} columns ({df.memory_usage().sum() / 2**20:.0f} MiB table)")
    print(f"pre-training report, one facet value, 8 metrics: best {min(times):.3f} s (runs {', '.join(f'{t:.3f}' for t in times)})")
    print(f"pre-training report, one-vs-all (3 facet values): {t_ova:.3f} s")
    print(f"peak memory allocated during one report (tracemalloc): {peak / 2**20:.1f} MiB")
    print(f"process max RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    print('values:', {k: round(v, 6) for k, v in rep.blocks[0]['metrics'].items()})
    try:                                  # the peer, AWS's smclarify, only if it happens to be importable
        from smclarify.bias import report as R
    except ImportError:
        print('smclarify not importable: no peer timing'); return
    sdf = df.assign(sex=df.sex.astype(object))
    t0 = time.perf_counter()
    R.bias_report(sdf, R.FacetColumn('sex', ['f']), R.LabelColumn('label', sdf.label, [1]), R.StageType.PRE_TRAINING,
                  group_variable=sdf.dept)
    t_peer = time.perf_counter() - t0
    print(f"smclarify 0.5 bias_report, same data: {t_peer:.3f} s ({t_peer / min(times):.1f}x sagestudy's time)")

if __name__ == '__main__':
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
