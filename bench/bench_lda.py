"""LDA: sagestudy's spectral method against scikit-learn's and gensim's variational LDA, same data, same process.

1. Planted corpora (drawn from LDA's own story, alpha0 = 1, word concentration 0.1): matched topic distance to the planted
   topics (mean total variation after Hungarian matching; lower is better) and fit seconds.
2. The extra 25% topics: recovery with the extra directions scaled as sagestudy does, unscaled, and with no extra topics,
   on corpora holding exactly num_topics topics and on one asked for fewer topics than it holds.
3. Reuters (395 articles x 4,258 words from the `lda` package; 300 train / 95 held out): held-out per-word log likelihood
   (document completion, the same function for every model), NPMI coherence of the top 10 words, fit seconds.

Seeds: corpora seed 0, every model random_state 0. scikit-learn: batch variational Bayes, max_iter=10 (its default);
gensim: LdaModel passes=10. Planted corpora: seeds 0, 1, 2 per model (gensim: seed 0). Usage:
python bench/bench_lda.py [--quick] [--planted-only]
"""
import json, math, platform, sys, time, warnings
import numpy as np, scipy.sparse as sp, torch
import sklearn.decomposition as skd
import gensim
from gensim.matutils import Sparse2Corpus
from sagestudy.algorithms.lda import (LDA, Corpus, whiten, whitened_third_moment, decompose, unwhiten, planted_corpus, match_topics,
                                      per_word_log_likelihood, npmi_coherence, MIN_WORD_PROB)

def timed(fn):
    t0 = time.perf_counter(); out = fn(); return out, time.perf_counter() - t0

def peers(X, k, alpha0=1.0, seed=0, with_gensim=True):
    "{name: (topics (k, V), seconds)} for scikit-learn and gensim"
    sk, t_sk = timed(lambda: skd.LatentDirichletAllocation(k, doc_topic_prior=alpha0 / k, learning_method='batch', random_state=seed).fit(X))
    out = {'scikit-learn': (sk.components_ / sk.components_.sum(1, keepdims=True), t_sk)}
    if with_gensim:
        gs, t_gs = timed(lambda: gensim.models.LdaModel(Sparse2Corpus(sp.csc_matrix(X.T).astype(np.int64)), num_topics=k,
                                                        id2word={i: str(i) for i in range(X.shape[1])}, alpha=np.full(k, alpha0 / k),
                                                        passes=10, random_state=seed))
        out['gensim'] = (gs.get_topics(), t_gs)
    return out

def planted(grid, seeds=(0, 1, 2)):
    "Per corpus and model: matched distance of each seed (gensim: seed 0 only) and mean fit seconds"
    rows = []
    for D, V, k, L in grid:
        X, beta, _ = planted_corpus(D, V, k, L, seed=0)
        dist, secs = {}, {}
        for seed in seeds:
            ours, t = timed(lambda: LDA(num_topics=k, random_state=seed, device='cpu').fit(X))
            dist.setdefault('sagestudy', []).append(round(match_topics(ours.beta_.numpy(), beta)[0], 4)); secs.setdefault('sagestudy', []).append(t)
            for name, (b, t) in peers(X, k, seed=seed, with_gensim=D <= 4000 and seed == seeds[0]).items():
                dist.setdefault(name, []).append(round(match_topics(b, beta)[0], 4)); secs.setdefault(name, []).append(t)
        row = {'corpus (docs x words, topics, words/doc)': f'{D} x {V}, {k}, {L}'}
        for name in dist: row[f'{name} distance by seed'], row[f'{name} mean s'] = dist[name], round(float(np.mean(secs[name])), 2)
        rows.append(row); print(json.dumps(row), flush=True)
    return rows

def spectral(X, k, extra, scaled, seed=0, alpha0=1.0):
    "The fit of sagestudy's LDA with the extra-topic handling as a switch: topics (k, V)"
    gen, c = torch.Generator().manual_seed(seed), Corpus(X)
    r = math.ceil(k * (1 + extra))
    M1, U, s = whiten(c, r, alpha0, gen)
    if scaled: s = torch.cat([s[:k], s[k:].clamp_min(s[k - 1])])
    lam, V, _, _ = decompose(whitened_third_moment(c, U / s.sqrt(), M1, alpha0), r, 10, 1000, 1e-8, gen)
    _, beta, lam = unwhiten(lam, V, U, s, alpha0)
    return beta[lam.argsort(descending=True)[:k]].numpy()

def extra_topics(grid):
    rows = []
    for D, V, k, L, asked in grid:
        X, beta, _ = planted_corpus(D, V, k, L, seed=0)
        row = {'corpus': f'{D} x {V}, {k} planted topics', 'num_topics': asked}
        for label, extra, scaled in (('extra 25%, scaled (sagestudy)', 0.25, True), ('extra 25%, unscaled', 0.25, False), ('no extra', 0.0, False)):
            row[label] = round(match_topics(beta, spectral(X, asked, extra, scaled))[0], 4)
        rows.append(row); print(json.dumps(row), flush=True)
    return rows

def reuters(ks):
    import lda.datasets
    Xr = sp.csr_matrix(lda.datasets.load_reuters().astype(np.float64))
    perm = np.random.default_rng(0).permutation(Xr.shape[0]); tr, te = Xr[perm[:300]], Xr[perm[300:]]
    def score(beta):
        beta = np.asarray(beta, np.float64)
        b = torch.tensor(beta / beta.sum(1, keepdims=True) + MIN_WORD_PROB)
        return round(per_word_log_likelihood(te, b / b.sum(1, keepdim=True), seed=0), 4), round(float(npmi_coherence(np.argsort(-beta, 1)[:, :10], tr).mean()), 4)
    rows = [dict(zip(('k', 'model', 'heldout_pwll', 'npmi', 's'), (1, 'unigram', *score(tr.sum(0).A1[None]), 0.0)))]
    for k in ks:
        ours, t = timed(lambda: LDA(num_topics=k, random_state=0, device='cpu').fit(tr))
        rows.append(dict(k=k, model='sagestudy', **dict(zip(('heldout_pwll', 'npmi'), score(ours.beta_.numpy()))), s=round(t, 3)))
        for name, (b, t) in peers(tr, k).items(): rows.append(dict(k=k, model=name, **dict(zip(('heldout_pwll', 'npmi'), score(b))), s=round(t, 3)))
        for r in rows[-3:]: print(json.dumps(r), flush=True)
    return rows

def main(quick=False, planted_only=False):
    warnings.filterwarnings('ignore')
    out = {'machine': f'{platform.processor() or platform.machine()}, {torch.get_num_threads()} torch threads'}
    out['planted'] = planted([(2000, 200, 5, 60), (4000, 600, 12, 80)] + ([] if quick else [(10000, 1000, 15, 100)]))
    if planted_only: return out
    out['extra_topics'] = extra_topics([(2000, 200, 5, 60, 5), (1500, 300, 6, 80, 6), (4000, 600, 12, 80, 12), (2000, 200, 5, 60, 3),
                                        (4000, 600, 12, 80, 9)])
    out['reuters'] = reuters([10] if quick else [10, 20])
    return out

if __name__ == '__main__':
    res = main('--quick' in sys.argv, '--planted-only' in sys.argv)
    print(json.dumps(res, indent=1))
