"""Random Cut Forest: sagestudy's batched forest against rrcf (pure Python) for scores and speed, and scikit-learn's
IsolationForest for detection quality, on labelled real anomaly data shipped with `river`.

Same run, same machine, seeds stated. Two data sets:
- Shuttle (UCI Statlog, cast by ODDS: 49,097 x 9, 7.2% anomalies): 500 anomalies + 500 normal records held out (seed 0),
  the forests trained without labels on the other 48,097.
- WaterFlow (1,268 hourly values, 24-hour shingles; a window is anomalous when it overlaps one of the four documented
  anomalous stretches): trained and scored on all 1,245 windows, as an unsupervised detector is used on a series.
Equal settings for all three: num_trees / n_estimators = 100, num_samples_per_tree / max_samples = 256 (SageMaker's
defaults). rrcf scores a record by insert_point + codisp + forget_point in every tree (its documented use); sagestudy
computes the expectation of that random score. Speed: the same work for both (build the trees on equal samples,
score the same held-out records), one torch thread, best of 3 runs for sagestudy, one run for rrcf (minutes).
Usage: python bench/bench_rcf.py [--quick]
"""
import json, platform, sys, time
import numpy as np, torch
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score, average_precision_score
from sagestudy.algorithms.random_cut_forest import (RandomCutForest, Reservoir, build_forest, forest_scores, rrcf_module,
                                                    shingle, shuttle, water_flow)

from _timing import best_of

def rrcf_scores(rrcf, Xtr, Xq, num_trees, n, rng):
    "rrcf's forest on random samples of `Xtr`, and the mean CoDisp of every query (inserted, scored, forgotten): (scores, build s, score s)"
    t0 = time.perf_counter()
    trees = [rrcf.RCTree(Xtr[rng.choice(len(Xtr), n, replace=False)].astype(np.float64), random_state=int(rng.integers(2**31)))
             for _ in range(num_trees)]
    t1 = time.perf_counter()
    s = np.zeros(len(Xq))
    for tree in trees:
        for i, x in enumerate(Xq.astype(np.float64)):
            tree.insert_point(x, index='q'); s[i] += tree.codisp('q'); tree.forget_point('q')
    return s / num_trees, t1 - t0, time.perf_counter() - t1

def ours_build_and_score(Xtr, Xq, num_trees, n, seed):
    "The same work as rrcf: sample, build, score the queries (no three-sigma threshold pass): (scores, build s, score s)"
    g = torch.Generator().manual_seed(seed)
    t0 = time.perf_counter()
    res = Reservoir(num_trees, n, g)
    for lo in range(0, len(Xtr), 10_000): res.add(torch.from_numpy(Xtr[lo:lo + 10_000]))
    F = build_forest(res.rows, g)
    t1 = time.perf_counter()
    s = forest_scores(F, Xq)
    return s, t1 - t0, time.perf_counter() - t1

def compare(name, Xtr, Xq, yq, num_trees, n, seed, repeat):
    rrcf, rng = rrcf_module(), np.random.default_rng(seed)
    runs = [ours_build_and_score(Xtr, Xq, num_trees, n, seed) for _ in range(repeat)]
    s_ours, b_ours, q_ours = runs[-1][0], min(r[1] for r in runs), min(r[2] for r in runs)
    s_rrcf, b_rrcf, q_rrcf = rrcf_scores(rrcf, Xtr, Xq, num_trees, n, rng)
    t_fit, est = best_of(lambda: RandomCutForest(num_trees=num_trees, num_samples_per_tree=n, random_state=seed).fit(Xtr), 1)
    iso = IsolationForest(n_estimators=num_trees, max_samples=n, random_state=seed).fit(Xtr)
    s_iso = -iso.score_samples(Xq)
    f1 = lambda p: float(2 * (p & (yq == 1)).sum() / max(p.sum() + (yq == 1).sum(), 1))
    return {'data': name, 'train rows': len(Xtr), 'scored rows': len(Xq), 'anomalies scored': int(yq.sum()),
            'num_trees': num_trees, 'num_samples_per_tree': n, 'seed': seed,
            'ROC AUC sagestudy': round(roc_auc_score(yq, s_ours), 4), 'ROC AUC rrcf': round(roc_auc_score(yq, s_rrcf), 4),
            'ROC AUC IsolationForest': round(roc_auc_score(yq, s_iso), 4),
            'AP sagestudy': round(average_precision_score(yq, s_ours), 4), 'AP rrcf': round(average_precision_score(yq, s_rrcf), 4),
            'AP IsolationForest': round(average_precision_score(yq, s_iso), 4),
            'score correlation sagestudy/rrcf': round(float(np.corrcoef(s_ours, s_rrcf)[0, 1]), 4),
            'F1 sagestudy three-sigma labels': round(f1(est.predict(Xq) == 1), 4),
            "F1 IsolationForest contamination='auto'": round(f1(iso.predict(Xq) == -1), 4),
            'build s sagestudy': round(b_ours, 3), 'build s rrcf': round(b_rrcf, 2),
            'score s sagestudy': round(q_ours, 3), 'score s rrcf': round(q_rrcf, 2),
            'speed ratio build (rrcf/sagestudy)': round(b_rrcf / b_ours, 1),
            'speed ratio score (rrcf/sagestudy)': round(q_rrcf / q_ours, 1),
            'speed ratio build+score (rrcf/sagestudy)': round((b_rrcf + q_rrcf) / (b_ours + q_ours), 1),
            'RandomCutForest.fit s (incl. threshold pass)': round(t_fit, 3)}

def main(quick=False, seed=0, repeat=3, threads=1):
    torch.set_num_threads(threads)          # 1: like-for-like with rrcf's single-threaded Python
    T, n, per_class = (50, 64, 100) if quick else (100, 256, 500)
    X, y = shuttle()
    rng = np.random.default_rng(seed)
    test = np.r_[rng.choice(np.flatnonzero(y == 1), per_class, replace=False), rng.choice(np.flatnonzero(y == 0), per_class, replace=False)]
    train = np.setdiff1d(np.arange(len(X)), test)
    out = {'machine': f'{platform.processor() or platform.machine()}, {torch.get_num_threads()} torch threads',
           'shuttle': compare('Shuttle (ODDS, river)', X[train], X[test], y[test], T, n, seed, repeat)}
    wf = water_flow()
    W = shingle(wf.flow.to_numpy(), 24)
    lab = np.array([wf.anomaly.to_numpy()[e - 23:e + 1].any() for e in range(23, len(wf))]).astype(int)
    if quick: W, lab = W[:400], lab[:400]
    out['water_flow'] = compare('WaterFlow 24-hour shingles (river)', W, W, lab, T, n, seed, repeat)
    print(json.dumps(out, indent=1))
    return out

if __name__ == '__main__': main(quick='--quick' in sys.argv)
