"""Words per second: sagestudy's BlazingText against gensim's Word2Vec, one CPU thread each, same corpus and settings.

Corpus: the text8 excerpt gensim ships (head500.noblanks.cor: 250 lines, 331,339 stemmed words). Settings: BlazingText's
defaults (vector_dim 100, window_size 5, negative_samples 5, sampling_threshold 1e-4, min_count 5, learning_rate 0.05),
epochs 3, seed 0. Words/second = corpus words x epochs / wall seconds of the whole fit (vocabulary included).
Also the WS-353 Spearman (stemmed pairs) of both, to show the speed is not bought with quality.
Run: OMP_NUM_THREADS=1 .venv/bin/python bench/bench_blazingtext.py [--device cuda]
"""
import argparse, json, os, platform, time
import numpy as np
import torch

def main():
    ap = argparse.ArgumentParser(); ap.add_argument('--device', default='cpu'); ap.add_argument('--epochs', type=int, default=3)
    ap.add_argument('--lines', type=int, default=250); args = ap.parse_args()
    torch.set_num_threads(1)
    from gensim.models import Word2Vec
    from gensim.parsing.porter import PorterStemmer
    from sagestudy.algorithms.blazingtext import BlazingText, gensim_data, read_pairs, similarity_score
    stem = lambda w, p=PorterStemmer(): p.stem(w.lower())
    lines = gensim_data('head500.noblanks.cor').read_text().splitlines()[:args.lines]
    n = sum(len(l.split()) for l in lines) * args.epochs
    ws = read_pairs(gensim_data('wordsim353.tsv'), stem)
    rows = []
    for mode in ('skipgram', 'cbow', 'batch_skipgram'):
        t0 = time.perf_counter()
        ours = BlazingText(mode=mode, epochs=args.epochs, evaluation=False, device=args.device).fit(lines)
        dt = time.perf_counter() - t0
        rows.append(dict(library='sagestudy', device=args.device, mode=mode, seconds=round(dt, 2), words_per_second=round(n / dt),
                         ws353_rho=round(similarity_score(ours.vectors_, ours.words_, ws)[0], 4)))
        if mode == 'batch_skipgram': continue
        t0 = time.perf_counter()
        g = Word2Vec([l.split() for l in lines], vector_size=100, window=5, negative=5, hs=0, sample=1e-4, min_count=5,
                     epochs=args.epochs, alpha=0.05, min_alpha=5e-6, sg=int(mode == 'skipgram'), workers=1, seed=0)
        dt = time.perf_counter() - t0
        rows.append(dict(library='gensim', device='cpu', mode=mode, seconds=round(dt, 2), words_per_second=round(n / dt),
                         ws353_rho=round(similarity_score(g.wv.vectors, g.wv.index_to_key, ws)[0], 4)))
    for r in rows: print(json.dumps(r))
    g = {r['mode']: r['words_per_second'] for r in rows if r['library'] == 'gensim'}
    for r in rows:
        if r['library'] == 'sagestudy':
            peer = g['skipgram' if r['mode'] == 'batch_skipgram' else r['mode']]
            print(f"{r['mode']:15s} {r['device']}: {r['words_per_second']:>9,} words/s = {r['words_per_second'] / peer:.2f} x gensim's")
    print('machine:', platform.processor() or platform.machine(), os.cpu_count(), 'cores;', torch.__version__)

if __name__ == '__main__': main()
