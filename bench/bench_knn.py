"""k-NN exact search: query throughput of sagestudy's KNN (faiss.Flat, PyTorch on CPU) against scikit-learn's brute force.

100,000 indexed points x 64 features, k=10, 2,000 queries, same process, best of 3 alternating runs. Usage: python bench/bench_knn.py
"""
import json, platform, time, sys
import numpy as np, torch
from sklearn.neighbors import KNeighborsClassifier
from sagestudy.algorithms.knn import KNN

from _timing import best_of

def main(n=100_000, d=64, n_queries=2_000, k=10, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)).astype(np.float32)
    y = rng.integers(0, 10, n)
    Q = rng.standard_normal((n_queries, d)).astype(np.float32)
    ours = KNN(predictor_type='classifier', k=k, device='cpu').fit(X, y)
    peer = KNeighborsClassifier(n_neighbors=k, algorithm='brute').fit(X, y)
    t_ours = t_peer = float('inf')
    for _ in range(3):   # alternate, so both see the same machine load
        t, (_, i_ours) = best_of(lambda: ours.kneighbors(Q), 1); t_ours = min(t_ours, t)
        t, (_, i_peer) = best_of(lambda: peer.kneighbors(Q), 1); t_peer = min(t_peer, t)
    same = float(np.mean([set(a) == set(b) for a, b in zip(i_ours, i_peer)]))
    tp_ours, tp_peer = best_of(lambda: ours.predict(Q))[0], best_of(lambda: peer.predict(Q))[0]
    out = {'machine': f'{platform.processor() or platform.machine()}, {torch.get_num_threads()} torch threads',
           'index x dim': f'{n} x {d}', 'queries': n_queries, 'k': k,
           'sagestudy KNN kneighbors queries/s': round(n_queries / t_ours), 'sklearn brute kneighbors queries/s': round(n_queries / t_peer),
           'ratio sagestudy/sklearn (kneighbors)': round(t_peer / t_ours, 2),
           'sagestudy KNN predict queries/s': round(n_queries / tp_ours), 'sklearn brute predict queries/s': round(n_queries / tp_peer),
           'same neighbour sets': same}
    print(json.dumps(out, indent=1))
    return out

if __name__ == '__main__': main()
