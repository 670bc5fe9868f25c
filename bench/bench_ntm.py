"""NTM beside scikit-learn's LatentDirichletAllocation on the Reuters document-term matrix shipped with the `lda` package.

395 stories, words in fewer than 3 stories dropped (4,042 words); the same 316 stories train both models (split seed 0),
79 are held out. For each seed: NPMI coherence of the 10 top words (document co-occurrence over all 395 stories), topic
uniqueness (TU), held-out perplexity (each model's own upper bound, not a fair contest) and training time. NTM also at
SageMaker's defaults (adadelta, mini-batches of 256, 50 epochs, early stopping on the validation loss).
Usage: python bench/bench_ntm.py [seeds] [device]     (default: 3 seeds, device 'auto')
"""
import json, platform, sys, time, warnings
import numpy as np, torch
import sklearn.decomposition as skd
from sagestudy.algorithms.ntm import NTM, load_reuters, npmi_coherence, top_words, topic_uniqueness

warnings.simplefilter('ignore')
K = 10

def one_seed(news, tr, te, seed:int, device:str)->dict:
    "The three models trained with `seed`: {name: {NPMI, TU, perplexity, seconds}}"
    Xtr, Xte, out = news.X[tr], news.X[te], {}
    def score(name, t, top, perplexity):
        out[name] = {'NPMI': float(npmi_coherence(top, news.X).mean()), 'TU': topic_uniqueness(top),
                     'held-out perplexity': float(perplexity), 'seconds': t}
    t0 = time.perf_counter()
    ntm = NTM(num_topics=K, optimizer='adam', learning_rate=0.001, mini_batch_size=32, epochs=100, num_patience_epochs=101,
              random_state=seed, device=device).fit(Xtr, validation=Xte)
    score('NTM (adam, 32, 100 epochs)', time.perf_counter() - t0, top_words(ntm.beta_), ntm.perplexity(Xte))
    t0 = time.perf_counter()
    ntm_d = NTM(num_topics=K, random_state=seed, device=device).fit(Xtr, validation=Xte)
    score("NTM (SageMaker's defaults)", time.perf_counter() - t0, top_words(ntm_d.beta_), ntm_d.perplexity(Xte))
    t0 = time.perf_counter()
    lda = skd.LatentDirichletAllocation(K, learning_method='batch', max_iter=100, random_state=seed).fit(Xtr)
    score('scikit-learn LDA (batch VB, 100 passes)', time.perf_counter() - t0, top_words(lda.components_), lda.perplexity(Xte))
    return out

def main(seeds:int=3, device:str='auto'):
    news = load_reuters()
    perm = np.random.default_rng(0).permutation(news.X.shape[0])
    tr, te = perm[:316], perm[316:]
    runs = [one_seed(news, tr, te, s, device) for s in range(seeds)]
    summary = {name: {k: f'{np.mean([r[name][k] for r in runs]):.3f} ± {np.std([r[name][k] for r in runs]):.3f}' for k in runs[0][name]}
               for name in runs[0]}
    out = {'machine': f'{platform.processor() or platform.machine()}, {torch.get_num_threads()} torch threads, device {device}',
           'corpus': f'Reuters (lda package): {news.X.shape[0]} stories x {news.X.shape[1]} words, 316 train / 79 held out',
           'topics': K, 'seeds': list(range(seeds)), 'mean ± std over seeds': summary,
           'NPMI per seed': {name: [round(r[name]['NPMI'], 3) for r in runs] for name in runs[0]}}
    print(json.dumps(out, indent=1))
    return out

if __name__ == '__main__': main(*(int(a) for a in sys.argv[1:2]), *sys.argv[2:3])
