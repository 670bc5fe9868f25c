"""Loopback latency and throughput of a local endpoint serving Linear Learner on gunicorn (bounded: N requests).

Usage: python bench/bench_endpoint.py [total_requests] [workers ...]     e.g.  python bench/bench_endpoint.py 4000 1 2

The endpoint is `WorkerPool`: gunicorn's arbiter in a child process and `workers` pre-forked workers
(gunicorn's threaded `gthread` worker with keep-alive: I/O threads, one prediction at a time), each
loading model.tar.gz itself (as `sagestudy serve --workers N` and SageMaker's scikit-learn/XGBoost
containers run). The load generator is this process. For each number of workers:
- latency: one client sending single-record CSV requests one after another (p50, p99);
- paced: 8 concurrent clients sending at 500 requests/s in all (the issue's rate); latency counts
  from each request's scheduled send time, so a request delayed behind a slow one is charged for
  its wait (no "coordinated omission");
- saturation: the same 8 clients sending as fast as they can (p50, p99, requests/s);
- burst: 200 connections opened at once, each sending one request before any answer is read.
One request in 20 of each client is a malformed payload (wrong number of features) that must get a
400. During the paced and saturation runs a ninth thread sends garbage every 20 ms on connections of
its own (broken framing, bytes that are not HTTP, JSON nested 100,000 deep), each of which must get
a 4xx. A 5xx, an unanswered request or a wrong status fails the run (exit code 1).
The clients keep their connection open between requests (http.client reconnects only when the
server closes it). Caveat: the client threads share this process's GIL and the same cores as the workers.

Baseline in the same run: "before" is the server this bench measured until gunicorn replaced it, taken
from git (commit 90c4ef6): `workers` processes each running the standard library's ThreadingHTTPServer
(keep-alive connections, listen backlog 5) on one port shared with SO_REUSEPORT. Its failures are
reported, not counted in the exit code. "sync" is the first gunicorn server (commit bd4b16a): gunicorn's
sync worker, which closes the connection after every answer, so each of its requests pays a new TCP
connection. Both are skipped when git or the commit is not available.
"""
import http.client, os, socket, subprocess, sys, tempfile, threading, time
from pathlib import Path
import numpy as np

TOTAL = int(sys.argv[1]) if len(sys.argv) > 1 else 4000
WORKERS = [int(w) for w in sys.argv[2:]] or [1, 2]
CLIENTS, RATE, BURST = 8, 500, 200

GARBAGE = [b'POST /invocations HTTP/1.1\r\nHost: b\r\nContent-Type: text/csv\r\nContent-Length: abc\r\n\r\n',
           b'POST /invocations HTTP/1.1\r\nHost: b\r\nContent-Type: text/csv\r\nContent-Length: -1\r\n\r\n',
           bytes(range(1, 256)) + b'\r\n\r\n',
           b'POST /invocations HTTP/1.1\r\nHost: b\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n' + b'[' * 100000,
           b'POST /invocations HTTP/1.1\r\nHost: b\r\nContent-Type: text/csv\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n0\r\n\r\n']

def exchange(port, data:bytes, timeout=10)->int|None:
    "Send raw bytes on a new connection, read the answer until the server closes; its status (None: no answer)"
    out = b''
    try:
        with socket.create_connection(('127.0.0.1', port), timeout=timeout) as s:
            s.sendall(data); s.shutdown(socket.SHUT_WR)
            while chunk := s.recv(65536): out += chunk
    except OSError: pass
    return int(out.split()[1]) if out.startswith(b'HTTP/1.') else None

def garbage(port, stop:threading.Event, statuses:list):
    "Until `stop`: one garbage request every 20 ms, recording each status"
    i = 0
    while not stop.is_set():
        statuses.append(exchange(port, GARBAGE[i % len(GARBAGE)])); i += 1
        stop.wait(0.02)

def client(port, rows, n, seed, latencies, statuses, lock, rate=None):
    "Send n requests (http.client reconnects after each `Connection: close`); `rate` (requests/s): on a schedule"
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=30)
    rng = np.random.default_rng(seed)
    start = time.perf_counter() + (rng.random() / rate if rate else 0)    # clients out of phase
    for i in range(n):
        bad = i % 20 == 19
        body = b'1,2,3' if bad else rows[rng.integers(len(rows))]
        if rate:
            t0 = start + i / rate                                          # the scheduled send time
            time.sleep(max(0.0, t0 - time.perf_counter()))
        else: t0 = time.perf_counter()
        try:
            conn.request('POST', '/invocations', body=body, headers={'Content-Type': 'text/csv', 'Accept': 'application/json'})
            r = conn.getresponse(); r.read(); status, worker = r.status, r.getheader('X-Sagestudy-Worker')
        except OSError as e: status, worker = None, repr(e)               # reset, refused, timed out: counted as errors
        dt = time.perf_counter() - t0
        with lock:
            statuses.append((bad, status, worker))
            if not bad and status == 200: latencies.append(dt)
    conn.close()

def run(port, rows, n_clients, total, rate=None, with_garbage=False):
    "n_clients threads sending `total` requests in all; `rate`: requests/s in all (None: as fast as possible)"
    latencies, statuses, lock, junk, stop = [], [], threading.Lock(), [], threading.Event()
    threads = [threading.Thread(target=client, args=(port, rows, total // n_clients, s, latencies, statuses, lock,
                                                     rate and rate / n_clients))
               for s in range(n_clients)]
    noise = threading.Thread(target=garbage, args=(port, stop, junk))
    t0 = time.perf_counter()
    if with_garbage: noise.start()
    for t in threads: t.start()
    for t in threads: t.join()
    wall = time.perf_counter() - t0
    stop.set()
    if with_garbage: noise.join()
    return latencies, statuses, wall, junk

def burst(port, rows)->list:
    "BURST connections opened at once, each sending one request before any answer is read; their statuses"
    req = b'POST /invocations HTTP/1.1\r\nHost: b\r\nContent-Type: text/csv\r\nContent-Length: %d\r\n\r\n%s' % (len(rows[0]), rows[0])
    socks = []
    for _ in range(BURST):
        try: socks.append(socket.create_connection(('127.0.0.1', port), timeout=10))
        except OSError: socks.append(None)
    for s in socks:
        try: s and s.sendall(req)
        except OSError: pass
    out = []
    for s in socks:
        data = b''
        try:
            while s and (chunk := s.recv(65536)):
                data += chunk
                if b'\r\n\r\n' in data and len(data.split(b'\r\n\r\n', 1)[1]) >= int(data.lower().split(b'content-length:')[1].split()[0]): break
        except (OSError, IndexError, ValueError): pass
        if s: s.close()
        out.append(int(data.split()[1]) if data.startswith(b'HTTP/1.') else None)
    return out

def report(name, latencies, statuses, wall, junk)->int:
    "Print one line; returns the number of failures (5xx, no answer, or a status that is not the expected one)"
    ok = sum(1 for bad, s, _ in statuses if not bad and s == 200)
    bad_4xx = sum(1 for bad, s, _ in statuses if bad and s == 400)
    junk_4xx = sum(1 for s in junk if s is not None and 400 <= s < 500)
    failures = (len(statuses) - ok - bad_4xx) + (len(junk) - junk_4xx)
    per_worker = sorted(np.unique([w for *_, w in statuses], return_counts=True)[1].tolist(), reverse=True)
    q = np.quantile(latencies, [0.5, 0.99]) * 1000
    print(f'{name}: {len(statuses)} requests in {wall:.2f} s = {len(statuses) / wall:.0f} req/s; '
          f'200: {ok}, malformed answered 400: {bad_4xx}, garbage answered 4xx: {junk_4xx}/{len(junk)}, failures: {failures}; '
          f'requests per worker {per_worker}; good single-record CSV latency p50 {q[0]:.2f} ms, p99 {q[1]:.2f} ms', flush=True)
    return failures

BEFORE = '90c4ef6'   # the last commit with the http.server model server
SYNC = 'bd4b16a'     # the last commit with gunicorn's sync worker

def from_git(commit:str, name:str):
    "sagestudy/platform/serving.py as it was at `commit`, imported as the module `sagestudy.platform.<name>`"
    import importlib.util
    root = Path(__file__).resolve().parent.parent
    src = subprocess.run(['git', 'show', f'{commit}:sagestudy/platform/serving.py'], cwd=root, capture_output=True, text=True, check=True).stdout
    f = Path(tempfile.mkdtemp())/f'{name}.py'; f.write_text(src)
    spec = importlib.util.spec_from_file_location(f'sagestudy.platform.{name}', f)
    m = importlib.util.module_from_spec(spec); sys.modules[spec.name] = m; spec.loader.exec_module(m)
    return m

class Before:
    "The model server before gunicorn, from git: `workers` processes of ThreadingHTTPServer sharing a port (SO_REUSEPORT)"
    def __init__(self, path, workers:int):
        from sagestudy.platform.serving import ping
        root = Path(__file__).resolve().parent.parent
        src = subprocess.run(['git', 'show', f'{BEFORE}:sagestudy/platform/serving.py'], cwd=root, capture_output=True, text=True, check=True).stdout
        f = Path(tempfile.mkdtemp())/'serving_before.py'; f.write_text(src)
        holder = socket.socket(); holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1); holder.bind(('127.0.0.1', 0))
        self.port = holder.getsockname()[1]
        code = ('import importlib.util, sys\n'
                f'spec = importlib.util.spec_from_file_location("sagestudy.platform.serving_before", {str(f)!r})\n'
                'm = importlib.util.module_from_spec(spec); sys.modules[spec.name] = m; spec.loader.exec_module(m)\n'
                'from sagestudy.algorithms.linear_learner import LinearLearner\n'
                f'm._worker(LinearLearner, {str(path)!r}, "127.0.0.1", {self.port})\n')
        self.procs = [subprocess.Popen([sys.executable, '-c', code], stderr=subprocess.DEVNULL) for _ in range(workers)]   # its tracebacks: counted, not printed
        answered, deadline = set(), time.monotonic() + 120
        while answered != {p.pid for p in self.procs} and time.monotonic() < deadline:
            try: answered.add(ping('127.0.0.1', self.port, timeout=2))
            except OSError: time.sleep(0.05)
        holder.close()
    def __enter__(self): return self
    def __exit__(self, *exc):
        for p in self.procs: p.terminate()
        for p in self.procs: p.wait(30)

def measure(name, port, rows)->int:
    "The four measurements on one server; returns the failures"
    run(port, rows, 1, 100)                                               # warm-up
    f = report(f'{name}, 1 client (latency)', *run(port, rows, 1, TOTAL // 4))
    f += report(f'{name}, {CLIENTS} clients paced at {RATE} req/s + garbage', *run(port, rows, CLIENTS, TOTAL // 2, RATE, with_garbage=True))
    f += report(f'{name}, {CLIENTS} clients (saturation) + garbage', *run(port, rows, CLIENTS, TOTAL, with_garbage=True))
    b = burst(port, rows)
    print(f'{name}, {BURST} simultaneous connections: {b.count(200)} answered 200, {sum(s is None for s in b)} unanswered', flush=True)
    return f + BURST - b.count(200)

if __name__ == '__main__':
    from sagestudy.algorithms.linear_learner import LinearLearner
    from sagestudy.core import datasets
    from sagestudy.platform.serving import WorkerPool
    d = datasets.load('breast_cancer')
    rows = [','.join(map(str, r)).encode() for r in d.X[:100]]
    path = LinearLearner(predictor_type='binary_classifier', epochs=3, mini_batch_size=64).fit(d.X, d.y).save(
        Path(tempfile.mkdtemp())/'model.tar.gz')
    print(f'{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f} before the first run', flush=True)
    failures = 0
    for w in WORKERS:
        try:
            with Before(path, w) as before: measure(f'before (http.server), workers={w}', before.port, rows)
        except (OSError, subprocess.CalledProcessError) as e: print(f'before: skipped ({e})')
        try:
            with from_git(SYNC, 'serving_sync').WorkerPool(path, LinearLearner, workers=w) as sync:
                measure(f'gunicorn sync worker ({SYNC}), workers={w}', sync.port, rows)
        except (OSError, subprocess.CalledProcessError) as e: print(f'sync: skipped ({e})')
        with WorkerPool(path, LinearLearner, workers=w) as pool:
            failures += measure(f'gunicorn gthread + keep-alive, workers={w}', pool.port, rows)
            assert pool.alive() and pool.errors == [], pool.errors
        assert pool.returncode == 0, pool.returncode
    print(f'failures in total (gunicorn): {failures}')
    sys.exit(1 if failures else 0)
