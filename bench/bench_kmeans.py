"""k-means: time per epoch of sagestudy's KMeans (SageMaker's streaming pass, PyTorch) against scikit-learn's MiniBatchKMeans,
and the SSD both reach, with scikit-learn's KMeans (Lloyd's, n_init=10) as the quality reference.

Data: 100,000 x 50 rows around 20 planted centres (seeded), k=20, mini-batches of 5,000 (SageMaker's default), seed 0.
Time per epoch = (fit with 6 epochs - fit with 1 epoch) / 5, so seeding and the final reduction (sagestudy) or the
initialisation (scikit-learn) cancel out; best of 3 alternating runs in one process. A GPU is used when present
(device='auto'); the CPU figure is always measured. Usage: python bench/bench_kmeans.py [rows]
"""
import json, platform, sys
import numpy as np, torch
import sklearn.cluster as skc
from threadpoolctl import threadpool_info
from sagestudy.algorithms.kmeans import KMeans

from _timing import best_of

def _ssd(X, C):
    X64, C64 = torch.tensor(X, dtype=torch.float64), torch.tensor(C, dtype=torch.float64)
    return float(torch.cdist(X64, C64).min(1).values.pow(2).sum())

def main(n=100_000, d=50, k=20, batch=5_000, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 4, size=(k, d))
    X = (centres[rng.integers(0, k, n)] + rng.normal(size=(n, d))).astype(np.float32)
    ours = lambda epochs, dev: KMeans(k=k, mini_batch_size=batch, epochs=epochs, random_state=seed, device=dev).fit(X)
    peer = lambda epochs: skc.MiniBatchKMeans(k, batch_size=batch, max_iter=epochs, n_init=1, max_no_improvement=None,
                                              tol=0.0, random_state=seed).fit(X)
    devices = ['cpu'] + (['cuda'] if torch.cuda.is_available() else [])
    t = {}
    for _ in range(3):   # alternate, so both see the same machine load
        for dev in devices:
            for e in (1, 6): t[dev, e] = min(t.get((dev, e), np.inf), best_of(lambda: ours(e, dev), 1)[0])
        for e in (1, 6): t['mbk', e] = min(t.get(('mbk', e), np.inf), best_of(lambda: peer(e), 1)[0])
    per_epoch = {key: (t[key, 6] - t[key, 1]) / 5 for key in devices + ['mbk']}
    ref = skc.KMeans(k, n_init=10, random_state=seed).fit(X)
    ssd_ref = _ssd(X, ref.cluster_centers_)
    out = {'machine': f'{platform.processor() or platform.machine()}, {torch.get_num_threads()} torch threads, '
                      f'BLAS threads {[i["num_threads"] for i in threadpool_info()]}',
           'data': f'{n} x {d}, {k} planted centres, k={k}, mini-batch {batch}, seed {seed}',
           'sagestudy s/epoch (CPU)': round(per_epoch['cpu'], 4),
           'MiniBatchKMeans s/epoch': round(per_epoch['mbk'], 4),
           'ratio sagestudy/MiniBatchKMeans time per epoch (CPU)': round(per_epoch['cpu'] / per_epoch['mbk'], 2),
           'sagestudy fit s (1 epoch, SageMaker defaults but the batch)': round(t['cpu', 1], 3),
           'MiniBatchKMeans fit s (1 epoch)': round(t['mbk', 1], 3),
           'SSD / KMeans(n_init=10): sagestudy 1 epoch': round(_ssd(X, ours(1, 'cpu').cluster_centers_) / ssd_ref, 4),
           'SSD / KMeans(n_init=10): MiniBatchKMeans 1 epoch': round(_ssd(X, peer(1).cluster_centers_) / ssd_ref, 4)}
    if 'cuda' in devices:
        out |= {'GPU': torch.cuda.get_device_name(), 'sagestudy s/epoch (GPU)': round(per_epoch['cuda'], 4),
                'ratio MiniBatchKMeans/sagestudy GPU time per epoch': round(per_epoch['mbk'] / per_epoch['cuda'], 2)}
    print(json.dumps(out, indent=1))
    return out

if __name__ == '__main__': main(*(int(a) for a in sys.argv[1:2]))
