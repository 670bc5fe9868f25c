"""Automatic Model Tuning: sagestudy's strategies (sagestudy.service.tuning) against Random search and Optuna (TPE, GP).

Three problems, each with the same search space and the same number of trials for every method, seeds 0..4:
  synthetic  -- the chapter's toy validation error (learning_rate log 1e-5..1, max_depth 1..10, subsample 0.5..1), optimum 0.05
  xgboost    -- XGBoost on scikit-learn's breast-cancer data (400 train / 169 validation rows): validation logloss after 50 rounds,
                tuning eta (log 0.01..0.5), max_depth (1..8), min_child_weight (1..10), subsample (0.5..1)
  linear     -- sagestudy's Linear Learner on scikit-learn's diabetes data (standardized; 300 train / 142 validation):
                validation MSE after 8 epochs, tuning learning_rate (log 1e-4..1) and wd (log 1e-7..1)
Trials run in-process (the objective a training job would log), one at a time; the strategies are the service's own
classes driven by `simulate`. Hyperband vs Random: job-seconds (simulated: one unit per epoch or boosting round) spent
until the best full-course objective reaches Random's final best.
Usage: python bench/bench_tuning.py [--quick]      (writes bench/RESULTS-tuning.json)
"""
import json, math, sys, time, warnings
from pathlib import Path
import numpy as np
warnings.simplefilter('ignore')
from sagestudy.service.tuning import (Space, RandomSearch, Bayesian, Hyperband, Search, simulate, TOY_RANGES, toy_curve, toy_error)

def xgb_problem():
    import xgboost as xgb
    from sklearn.datasets import load_breast_cancer
    X, y = load_breast_cancer(return_X_y=True)
    o = np.random.default_rng(0).permutation(len(y)); tr, va = o[:400], o[400:]
    dtr, dva = xgb.DMatrix(X[tr], y[tr]), xgb.DMatrix(X[va], y[va])
    ranges = {'ContinuousParameterRanges': [{'Name': 'eta', 'MinValue': '0.01', 'MaxValue': '0.5', 'ScalingType': 'Logarithmic'},
                                            {'Name': 'min_child_weight', 'MinValue': '1', 'MaxValue': '10'},
                                            {'Name': 'subsample', 'MinValue': '0.5', 'MaxValue': '1'}],
              'IntegerParameterRanges': [{'Name': 'max_depth', 'MinValue': '1', 'MaxValue': '8'}]}
    cache = {}
    def curve(c):
        key = tuple(sorted((k, str(v)) for k, v in c.items()))
        if key not in cache:
            ev = {}
            xgb.train({'objective': 'binary:logistic', 'eval_metric': 'logloss', 'nthread': 1, 'seed': 0, **{k: float(v) for k, v in c.items()},
                       'max_depth': int(c['max_depth'])}, dtr, 50, evals=[(dva, 'validation')], evals_result=ev, verbose_eval=False)
            cache[key] = ev['validation']['logloss']
        return cache[key]
    return ranges, curve

def linear_problem():
    from sklearn.datasets import load_diabetes
    from sagestudy.algorithms.linear_learner import LinearLearner
    X, y = load_diabetes(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0); y = (y - y.mean()) / y.std()
    ranges = {'ContinuousParameterRanges': [{'Name': 'learning_rate', 'MinValue': '0.0001', 'MaxValue': '1', 'ScalingType': 'Logarithmic'},
                                            {'Name': 'wd', 'MinValue': '1e-07', 'MaxValue': '1', 'ScalingType': 'Logarithmic'}]}
    def curve(c):
        est = LinearLearner(predictor_type='regressor', epochs=8, mini_batch_size=32, num_models=1, learning_rate=float(c['learning_rate']),
                            wd=float(c['wd']), early_stopping_patience=9, device='cpu', random_state=0)
        est.fit(X[:300], y[:300])
        mse = float(np.mean((est.predict(X[300:]) - y[300:]) ** 2))
        return [mse]
    return ranges, curve

def optuna_best(ranges, curve, sampler, n, seed):
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    space = Space.from_ranges(ranges)
    def objective(trial):
        c = {}
        for d in space.dims:
            if d.kind == 'integer': c[d.name] = trial.suggest_int(d.name, int(d.low), int(d.high))
            else: c[d.name] = trial.suggest_float(d.name, d.low, d.high, log=d.scaling == 'Logarithmic')
        return curve(c)[-1]
    s = {'tpe': lambda: optuna.samplers.TPESampler(seed=seed), 'gp': lambda: optuna.samplers.GPSampler(seed=seed)}[sampler]()
    study = optuna.create_study(direction='minimize', sampler=s)
    study.optimize(objective, n_trials=n)
    return study.best_value

def ours_best(ranges, curve, strategy, n, seed):
    space = Space.from_ranges(ranges)
    s = {'random': RandomSearch, 'bayesian': Bayesian}[strategy](space, seed)
    trials = simulate(Search(s, maximize=False), curve, n)
    return min(t['final'] for t in trials if t['full'])

def hyperband_vs_random(ranges, curve, n, seed, max_resource):
    "Job-seconds until each reaches Random's final best (Hyperband may never reach it: inf)"
    space = Space.from_ranges(ranges)
    def spent_until(trials, target):
        done = sorted(trials, key=lambda t: t['end'])
        best, spent = math.inf, 0.0
        for t in sorted(trials, key=lambda t: t['start']): pass
        events = sorted(done, key=lambda t: t['end'])
        for t in events:
            if t['full']: best = min(best, t['final'])
            if best <= target + 1e-12:
                return sum(min(u['end'], t['end']) - u['start'] for u in trials if u['start'] <= t['end'])
        return math.inf
    rnd = simulate(Search(RandomSearch(space, seed), maximize=False), curve, n)
    target = min(t['final'] for t in rnd if t['full'])
    hb = simulate(Search(Hyperband(space, seed, 1, max_resource), maximize=False), curve, n)
    hb_best = min(t['final'] for t in hb if t['full'])
    return {'random': spent_until(rnd, target), 'hyperband': spent_until(hb, target), 'random_total': sum(t['end'] - t['start'] for t in rnd),
            'hyperband_total': sum(t['end'] - t['start'] for t in hb), 'random_best': target, 'hyperband_best': hb_best}

def main(quick=False):
    seeds = range(2 if quick else 5)
    problems = {'synthetic': (TOY_RANGES, lambda c: toy_curve(c, seed=0), 30, 27),
                'xgboost': (*xgb_problem(), 20, 50),
                'linear': (*linear_problem(), 15, None)}
    out = {}
    for name, (ranges, curve, n, max_res) in problems.items():
        if quick: n = max(6, n // 3)
        t0 = time.time(); row = {}
        for method in ('random', 'bayesian', 'optuna-tpe', 'optuna-gp'):
            vals = [ours_best(ranges, curve, method, n, s) if not method.startswith('optuna') else optuna_best(ranges, curve, method[7:], n, s)
                    for s in seeds]
            row[method] = {'mean': float(np.mean(vals)), 'sd': float(np.std(vals, ddof=1)), 'values': [float(v) for v in vals]}
        if max_res:
            hb = [hyperband_vs_random(ranges, curve, n, s, max_res) for s in seeds]
            row['hyperband_vs_random'] = {k: [float(h[k]) for h in hb] for k in hb[0]}
        row['trials'], row['seconds'] = n, round(time.time() - t0, 1)
        out[name] = row
        print(name, json.dumps({k: (round(v['mean'], 5), round(v['sd'], 5)) if isinstance(v, dict) and 'mean' in v else v for k, v in row.items()}), flush=True)
    Path(__file__).parent.joinpath('RESULTS-tuning.json').write_text(json.dumps(out, indent=1))
    return out

if __name__ == '__main__': main('--quick' in sys.argv)
