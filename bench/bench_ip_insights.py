"""IP Insights against the rules a security team writes first, on generated logins placed on real GeoLite2 networks.

For each seed: `make_logins(users, team_size=20, seed)` (each user's last 20% of logins held out as benign test events, plus
10% injected account takeovers), then the takeover ROC AUC of IP Insights (-dot_product) and of each rule (new /24 for the
user, new ASN for the user, rare address for the user, the three combined), all on the same rows, with the time each takes.
Usage: python bench/bench_ip_insights.py [users] [seeds]    (defaults: 2000 users, seeds 0 1 2)
"""
import json, platform, sys, time
import numpy as np, torch
import sklearn.metrics as skm
from sagestudy.algorithms.ip_insights import IPInsights, make_logins, login_baselines

HP = dict(vector_dim=64, epochs=10, mini_batch_size=1000, learning_rate=0.01)   # the chapter's full-size settings

def one(users:int, seed:int)->dict:
    df = make_logins(users, team_size=20, seed=seed)
    train, test = df[df.split == 'train'], df[df.split == 'test']
    t0 = time.perf_counter()
    est = IPInsights(num_entity_vectors=2 * users, random_state=seed, device='cpu', **HP).fit(train[['entity', 'ip']])
    t_fit = time.perf_counter() - t0
    t0 = time.perf_counter(); s = est.predict(test[['entity', 'ip']]); t_score = time.perf_counter() - t0
    t0 = time.perf_counter(); rules = login_baselines(train, test); t_rules = time.perf_counter() - t0
    auc = {c: float(skm.roc_auc_score(test.label, rules[c])) for c in rules}
    auc['IP Insights'] = float(skm.roc_auc_score(test.label, -s))
    return {'seed': seed, 'train rows': len(train), 'test rows': len(test), 'takeovers': int(test.label.sum()),
            'auc': auc, 'fit s': round(t_fit, 1), 'score s': round(t_score, 2), 'rules s': round(t_rules, 2)}

def main(users:int=2000, seeds=(0, 1, 2)):
    runs = []
    for s in seeds:
        runs.append(one(users, s)); print(json.dumps(runs[-1]), flush=True)      # each seed as it finishes
    names = list(runs[0]['auc'])
    out = {'machine': f'{platform.processor() or platform.machine()}, {torch.get_num_threads()} torch threads, CPU',
           'users': users, 'hyperparameters': HP, 'runs': runs,
           'mean auc': {n: round(float(np.mean([r['auc'][n] for r in runs])), 4) for n in names},
           'IP Insights above the best rule in every seed': all(r['auc']['IP Insights'] > max(v for k, v in r['auc'].items() if k != 'IP Insights') for r in runs)}
    print(json.dumps(out, indent=1))
    return out

if __name__ == '__main__':
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000, tuple(int(s) for s in sys.argv[2:]) or (0, 1, 2))
