"""XGBoost wrapper: the cost of the first `fit` in a fresh process against the fits after it (issue 13).

Each trial is a new Python process that imports sagestudy's XGBoost, then times three fits of the same small model.
Usage: python bench/bench_xgboost_first_fit.py [trials]"""
import json, subprocess, sys

CHILD = r'''
import json, time, numpy as np
from sagestudy.algorithms.xgboost import XGBoost
rng = np.random.default_rng(0); X = rng.normal(size=(500, 5)).astype('float32'); y = (X[:, 0] + X[:, 1] > 0).astype('float32')
times = []
for _ in range(3):
    t = time.perf_counter(); XGBoost(objective='binary:logistic', num_round=10, nthread=1).fit(X, y); times.append(time.perf_counter() - t)
print(json.dumps(times))
'''

def main(trials:int=4):
    rows = [json.loads(subprocess.run([sys.executable, '-c', CHILD], capture_output=True, text=True, check=True).stdout)
            for _ in range(trials)]
    print('| trial | first fit (s) | second (s) | third (s) |\n|---|---|---|---|')
    for i, r in enumerate(rows): print(f'| {i + 1} | ' + ' | '.join(f'{t:.3f}' for t in r) + ' |')

if __name__ == '__main__': main(int(sys.argv[1]) if len(sys.argv) > 1 else 4)
