"""Pipe mode trains on a channel larger than the memory the process may use; File mode cannot (GitHub issue 6).

Writes a RecordIO-protobuf training channel of about `--gb` GB (a planted linear binary problem) to a
temporary folder under /tmp, then trains Linear Learner on it in two child processes, each allowed only
`--margin-mb` MB of address space above what it uses after importing torch and training a tiny model
(RLIMIT_AS, set by the child on itself once warmed up, so torch's start-up reservations are not counted):

- File mode: `fit_channels`, which reads the whole channel into memory first, as File mode does;
- Pipe mode: `fit_pipes`, fed through FIFOs `train_0`, `train_1`, ... by this process (SageMaker's part).

For each: outcome (finished / MemoryError), peak RSS (os.wait4's ru_maxrss of that child), wall time,
final training loss and validation accuracy (next to the accuracy of the planted rule on the same rows).
The channel is deleted afterwards. Usage: python bench/bench_pipe.py [--gb 1.5] [--epochs 2]
"""
import argparse, errno, json, os, platform, resource, shutil, signal, subprocess, sys, tempfile, threading, time
from pathlib import Path
import numpy as np

RIO = 'application/x-recordio-protobuf'

def make_channel(folder:Path, gb:float, d:int, seed:int=0)->dict:
    "Write train.rec (about `gb` GB) and validation.rec (5,000 rows) of a planted problem y = [X w + noise > 0]"
    from sagestudy.core import formats
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(d).astype(np.float32) / np.sqrt(d)
    def block(n):
        X = rng.standard_normal((n, d)).astype(np.float32)
        return X, ((X @ w + 0.3 * rng.standard_normal(n)) > 0).astype(np.float32)
    Xv, yv = block(5_000)
    formats.write_recordio_protobuf(folder/'validation.rec', Xv, yv)
    target, rows = int(gb * 1e9), 0
    with open(folder/'train.rec', 'wb') as f:
        while f.tell() < target:
            X, y = block(20_000); formats.write_recordio_protobuf(f, X, y); rows += len(X)
    return {'rows': rows, 'features': d, 'bytes': (folder/'train.rec').stat().st_size,
            'planted_rule_validation_accuracy': float(np.mean((Xv @ w > 0) == yv))}

def vm_mb(field='VmSize')->float:
    "A /proc/self/status memory field in MB"
    for line in open('/proc/self/status'):
        if line.startswith(field + ':'): return int(line.split()[1]) / 1024

def child(mode:str, folder:str, epochs:int, margin_mb:int, out:str):
    "One training run under a memory limit; writes its result as JSON to `out`"
    import torch
    torch.set_num_threads(1)
    from sagestudy.algorithms.linear_learner import LinearLearner
    hp = dict(predictor_type='binary_classifier', epochs=epochs, mini_batch_size=1000, random_state=0, device='cpu')
    rng = np.random.default_rng(1)                            # warm up: load every lazy module and thread pool
    LinearLearner(**hp).fit(rng.standard_normal((2000, 8)).astype(np.float32), rng.integers(0, 2, 2000),
                            validation=(rng.standard_normal((500, 8)).astype(np.float32), rng.integers(0, 2, 500)))
    base = vm_mb()
    limit = int((base + margin_mb) * 2**20)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    res = {'mode': mode, 'baseline_address_space_mb': round(base), 'limit_address_space_mb': round(limit / 2**20),
           'baseline_rss_mb': round(vm_mb('VmRSS'))}
    f, t0 = Path(folder), time.perf_counter()
    try:
        est = LinearLearner(**hp)
        if mode == 'file': est.fit_channels({'train': (f/'train.rec', RIO), 'validation': (f/'validation.rec', RIO)})
        else: est.fit_pipes({'train': (f/'pipe'/'train', RIO), 'validation': (f/'pipe'/'validation', RIO)})
        res |= {'outcome': 'finished', 'final_train_loss': est.history_['train:objective_loss'][-1],
                'validation_accuracy': est.metrics_['validation:binary_classification_accuracy']}
    except MemoryError: res['outcome'] = 'MemoryError'
    except RuntimeError as e:                                  # torch's allocator says it differently
        if 'alloc' not in str(e).lower(): raise
        res['outcome'] = f'MemoryError (torch: {str(e)[:80]})'
    res['seconds'] = round(time.perf_counter() - t0, 1)
    Path(out).write_text(json.dumps(res))

def serve_pipe(prefix:Path, source:Path, passes:int, stop:threading.Event):
    "SageMaker's part of Pipe mode: create `{prefix}_{e}` for each pass and copy `source` into it"
    def serve():
        for e in range(passes):
            path = f'{prefix}_{e}'; os.mkfifo(path)
            while not stop.is_set():
                try: fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK); break   # ENXIO until the reader opens it
                except OSError as err:
                    if err.errno != errno.ENXIO: raise
                    time.sleep(0.01)
            else: return
            os.set_blocking(fd, True)
            try:
                with os.fdopen(fd, 'wb') as dst, open(source, 'rb') as src: shutil.copyfileobj(src, dst, 1 << 20)
            except BrokenPipeError: pass
    threading.Thread(target=serve, daemon=True).start()

def run_child(mode:str, folder:Path, epochs:int, margin_mb:int, time_limit:float)->dict:
    "Start one child, feed its pipes if any, and collect its result with its own peak RSS"
    out, stop = folder/f'{mode}.json', threading.Event()
    if mode == 'pipe':
        (folder/'pipe').mkdir()
        serve_pipe(folder/'pipe'/'train', folder/'train.rec', epochs, stop)
        serve_pipe(folder/'pipe'/'validation', folder/'validation.rec', 1, stop)
    env = dict(os.environ, MALLOC_ARENA_MAX='2', OMP_NUM_THREADS='1')
    t0 = time.perf_counter()
    p = subprocess.Popen([sys.executable, __file__, '--child', mode, str(folder), str(epochs), str(margin_mb), str(out)], env=env)
    killer = threading.Timer(time_limit, lambda: p.send_signal(signal.SIGKILL)); killer.start()
    _, status, usage = os.wait4(p.pid, 0)
    killer.cancel(); stop.set()
    res = json.loads(out.read_text()) if out.exists() else {'mode': mode, 'outcome': f'died (status {status:#x}; time limit {time_limit:g} s?)'}
    return res | {'peak_rss_mb': round(usage.ru_maxrss / 1024), 'wall_s_incl_startup': round(time.perf_counter() - t0, 1)}

def main(gb=1.5, d=500, epochs=2, margin_mb=512, time_limit=600):
    folder = Path(tempfile.mkdtemp(prefix='bench_pipe_', dir='/tmp'))
    try:
        t0 = time.perf_counter()
        data = make_channel(folder, gb, d)
        data['write_seconds'] = round(time.perf_counter() - t0, 1)
        print(json.dumps(data), flush=True)
        runs = [run_child(m, folder, epochs, margin_mb, time_limit) for m in ('file', 'pipe')]
    finally: shutil.rmtree(folder, ignore_errors=True)
    for r in runs: print(json.dumps(r))
    print(f"\n## Pipe mode vs File mode under a memory limit (bench/bench_pipe.py)\n\n"
          f"{platform.node() or 'this machine'}, {os.cpu_count()} cores, 1 torch thread. Training channel: "
          f"{data['bytes'] / 1e9:.2f} GB of RecordIO-protobuf, {data['rows']:,} rows x {d} float32 features "
          f"(planted linear binary problem), {epochs} epochs, mini_batch_size=1000, 8 parallel models. Each run may "
          f"use {margin_mb} MB of address space above its own baseline after importing torch (RLIMIT_AS).\n\n"
          "| mode | outcome | address-space limit | peak RSS | time | final train loss | validation accuracy |\n"
          "|---|---|---|---|---|---|---|")
    for r in runs:
        loss = f"{r['final_train_loss']:.4f}" if 'final_train_loss' in r else '-'
        acc = f"{r['validation_accuracy']:.4f}" if 'validation_accuracy' in r else '-'
        lim = f"{r.get('limit_address_space_mb', '?')} MB ({r.get('baseline_address_space_mb', '?')} + {margin_mb})"
        print(f"| {r['mode']} | {r['outcome']} | {lim} | {r['peak_rss_mb']} MB | {r.get('seconds', '-')} s | {loss} | {acc} |")
    print(f"\nThe planted rule itself scores {data['planted_rule_validation_accuracy']:.4f} on the validation rows.")
    return data, runs

if __name__ == '__main__':
    if len(sys.argv) > 1 and sys.argv[1] == '--child':
        mode, folder, epochs, margin_mb, out = sys.argv[2:]
        child(mode, folder, int(epochs), int(margin_mb), out)
    else:
        ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
        ap.add_argument('--gb', type=float, default=1.5, help='size of the training channel')
        ap.add_argument('--features', type=int, default=500)
        ap.add_argument('--epochs', type=int, default=2)
        ap.add_argument('--margin-mb', type=int, default=512, help='memory allowed above the warmed-up baseline')
        ap.add_argument('--time-limit', type=float, default=600, help='seconds per child before it is killed')
        a = ap.parse_args()
        main(a.gb, a.features, a.epochs, a.margin_mb, a.time_limit)
