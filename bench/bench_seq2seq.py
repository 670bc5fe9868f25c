"""Seq2Seq on the date task (dates in words -> ISO tokens): test BLEU of sagestudy's attentional Seq2Seq against the
same network without attention (rnn_attention_type='fixed') and a nearest-neighbour baseline, and training throughput
in target tokens per second.

6,000 training pairs, 500 validation, 500 test; rnn_num_hidden=128, embeddings 64, batch 64, 4 epochs, beam 5.
Usage: python bench/bench_seq2seq.py [device]     (device: 'auto' (default), 'cpu' or 'cuda')
"""
import json, math, platform, sys, time
import torch
from sagestudy.algorithms.seq2seq import Seq2Seq, make_dates, nearest_neighbour_translate, corpus_bleu, to_ids

def main(device='auto', n_train=6000, n_valid=500, n_test=500, epochs=4, seed=0):
    if device in ('auto', 'cpu') and not torch.cuda.is_available(): torch.set_num_threads(1)   # tiny RNNs: 1 thread is fastest
    src, trg = make_dates(n_train + n_valid + n_test, seed=seed)
    tr = (src[:n_train], trg[:n_train])
    va = (src[n_train:n_train + n_valid], trg[n_train:n_train + n_valid])
    te = (src[n_train + n_valid:], trg[n_train + n_valid:])
    hp = dict(rnn_num_hidden=128, num_embed_source=64, num_embed_target=64, batch_size=64, learning_rate=0.005,
              max_num_epochs=epochs, checkpoint_frequency_num_batches=math.ceil(n_train / 64),
              max_seq_len_source=20, max_seq_len_target=8, random_state=seed, device=device)
    out = {'machine': f'{platform.processor() or platform.machine()}, {torch.get_num_threads()} torch threads',
           'train / valid / test pairs': f'{n_train} / {n_valid} / {n_test}', 'epochs': epochs}
    target_tokens = epochs * sum(len(t.split()) + 1 for t in tr[1])          # + </s> per sentence
    for name, kw in (('attention (mlp)', {}), ('no attention (fixed)', {'rnn_attention_type': 'fixed'})):
        t0 = time.perf_counter()
        m = Seq2Seq(**hp, **kw).fit(*tr, validation=va)
        secs = time.perf_counter() - t0                                       # includes per-epoch validation
        t0 = time.perf_counter(); hyps = m.predict(te[0]); dsecs = time.perf_counter() - t0
        out[f'{name} device'] = str(m.device_)
        out[f'{name} test BLEU'] = round(corpus_bleu(hyps, te[1]), 2)
        out[f'{name} train s'] = round(secs, 1)
        out[f'{name} train target tokens/s'] = round(target_tokens / secs)
        out[f'{name} beam-5 decode sentences/s'] = round(len(te[0]) / dsecs)
    t0 = time.perf_counter()
    out['nearest neighbour test BLEU'] = round(corpus_bleu(nearest_neighbour_translate(tr, te[0]), te[1]), 2)
    out['nearest neighbour s'] = round(time.perf_counter() - t0, 2)
    print(json.dumps(out, indent=1))
    print('\n### Seq2Seq (date task)\n\n| measure | value |\n|---|---|')
    for k, v in out.items(): print(f'| {k} | {v} |')
    return out

if __name__ == '__main__': main(*sys.argv[1:2])
