"""Factorization Machines, sparse path: train one epoch on a 1,000,000-row x 100,000-feature CSR set (~10 non-zeros a row) on CPU.

Records data generation time, training time, rows/s and peak memory (process peak RSS, and how much training added to it).
The data is never densified (a dense float32 copy would take 400 GB). Usage: python bench/bench_fm.py [rows]
"""
import json, platform, resource, sys, time
import numpy as np, torch
from sagestudy.algorithms.factorization_machines import FactorizationMachines, make_fm_data

def peak_rss_mb(): return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # Linux: KiB

def main(n=1_000_000, d=100_000, nnz=10, num_factors=16, epochs=1, seed=0):
    t0 = time.perf_counter()
    X, y, _ = make_fm_data(n, d, nnz=nnz, k=4, seed=seed)
    t_data = time.perf_counter() - t0
    ntr = int(0.9 * n)
    Xtr, ytr, Xte, yte = X[:ntr], y[:ntr], X[ntr:], y[ntr:]
    rss_before = peak_rss_mb()
    t0 = time.perf_counter()
    fm = FactorizationMachines(predictor_type='regressor', num_factors=num_factors, epochs=epochs, mini_batch_size=1000,
                               bias_lr=0.05, linear_lr=0.01, factors_lr=0.005, factors_init_sigma=0.01, device='cpu').fit(Xtr, ytr)
    t_fit = time.perf_counter() - t0
    t0 = time.perf_counter(); p = fm.predict(Xte); t_pred = time.perf_counter() - t0
    out = {'machine': f'{platform.processor() or platform.machine()}, {torch.get_num_threads()} torch threads',
           'rows x features': f'{n} x {d}', 'non-zeros': int(X.nnz), 'CSR MB': round((X.data.nbytes + X.indices.nbytes + X.indptr.nbytes) / 2**20),
           'num_factors': num_factors, 'epochs': epochs, 'mini_batch_size': 1000,
           'data generation s': round(t_data, 1), 'train s': round(t_fit, 1), 'train s per epoch': round(t_fit / epochs, 1), 'train rows/s': round(epochs * ntr / t_fit),
           'predict rows/s': round((n - ntr) / t_pred), 'test RMSE': round(float(np.sqrt(np.mean((p - yte) ** 2))), 3),
           'label std': round(float(yte.std()), 3),
           'peak RSS MB before training': round(rss_before), 'peak RSS MB after training': round(peak_rss_mb()),
           'model MB (w0, w, V)': round((1 + d + d * num_factors) * 4 / 2**20, 1)}
    print(json.dumps(out, indent=1))
    return out

if __name__ == '__main__': main(*(int(a) for a in sys.argv[1:2]))
