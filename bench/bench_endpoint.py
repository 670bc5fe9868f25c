"""Loopback latency and throughput of a local endpoint serving Linear Learner, with 1, 2 and 3 worker processes (bounded: N requests).

Usage: python bench/bench_endpoint.py [total_requests] [workers ...]     e.g.  python bench/bench_endpoint.py 4000 1 2 3

The endpoint runs in worker processes of its own (`WorkerPool`: each worker loads model.tar.gz and
listens on the same port with SO_REUSEPORT), as a SageMaker container's model-server workers do;
the load generator is this process. workers=1 is the single-process server (one `ThreadingHTTPServer`,
its handler threads sharing one GIL), the server measured before worker pools existed.
For each number of workers, three measurements:
- latency: one client sending single-record CSV requests one after another (p50, p99);
- paced: 8 concurrent clients, each on its own keep-alive connection, sending at 500 requests/s in
  all (the issue's rate); latency counts from each request's scheduled send time, so a request
  delayed behind a slow one is charged for its wait (no "coordinated omission");
- saturation: the same 8 clients sending as fast as they can (p50, p99, requests/s): the most the
  endpoint can take, where latency is mostly queueing (8 requests in flight / throughput).
One request in 20 is malformed on purpose: it must get a 4xx, and no request may get a 5xx (a server
error in a worker is answered 500, so the clients' count of 5xx is the check).
Target (the issue): p99 under 10 ms and at least 500 requests/s with 8 concurrent clients on 2 cores.
Caveat: the 8 client threads share this process's GIL and the same 2 cores as the workers, so the
figures include the load generator's own waiting.
"""
import http.client, os, sys, tempfile, threading, time
from pathlib import Path
import numpy as np

TOTAL = int(sys.argv[1]) if len(sys.argv) > 1 else 4000
WORKERS = [int(w) for w in sys.argv[2:]] or [1, 2, 3]
CLIENTS, RATE = 8, 500

def client(port, rows, n, seed, latencies, statuses, lock, rate=None):
    "Send n requests on one connection; `rate` (requests/s): send on a schedule, not as fast as possible"
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=10)
    rng = np.random.default_rng(seed)
    start = time.perf_counter() + (rng.random() / rate if rate else 0)    # clients out of phase
    for i in range(n):
        bad = i % 20 == 19
        body = b'1,2,3' if bad else rows[rng.integers(len(rows))]
        if rate:
            t0 = start + i / rate                                          # the scheduled send time
            time.sleep(max(0.0, t0 - time.perf_counter()))
        else: t0 = time.perf_counter()
        conn.request('POST', '/invocations', body=body, headers={'Content-Type': 'text/csv', 'Accept': 'application/json'})
        r = conn.getresponse(); r.read()
        dt = time.perf_counter() - t0
        with lock:
            statuses.append((bad, r.status, r.getheader('X-Sagestudy-Worker')))
            if not bad: latencies.append(dt)
    conn.close()

def run(port, rows, n_clients, total, rate=None):
    "n_clients threads sending `total` requests in all; `rate`: requests/s in all (None: as fast as possible)"
    latencies, statuses, lock = [], [], threading.Lock()
    t0 = time.perf_counter()
    threads = [threading.Thread(target=client, args=(port, rows, total // n_clients, s, latencies, statuses, lock,
                                                     rate and rate / n_clients))
               for s in range(n_clients)]
    for t in threads: t.start()
    for t in threads: t.join()
    return latencies, statuses, time.perf_counter() - t0

def report(name, latencies, statuses, wall):
    ok = sum(1 for bad, s, _ in statuses if not bad and s == 200)
    bad_4xx = sum(1 for bad, s, _ in statuses if bad and 400 <= s < 500)
    five = sum(1 for _, s, _ in statuses if s >= 500)
    per_worker = sorted(np.unique([w for *_, w in statuses], return_counts=True)[1].tolist(), reverse=True)
    q = np.quantile(latencies, [0.5, 0.99]) * 1000
    print(f'{name}: {len(statuses)} requests in {wall:.2f} s = {len(statuses) / wall:.0f} req/s; '
          f'200: {ok}, malformed answered 4xx: {bad_4xx}, 5xx: {five}; requests per worker {per_worker}; '
          f'good single-record CSV latency p50 {q[0]:.2f} ms, p99 {q[1]:.2f} ms', flush=True)
    return five

if __name__ == '__main__':
    from sagestudy.algorithms.linear_learner import LinearLearner
    from sagestudy.core import datasets
    from sagestudy.platform.serving import WorkerPool
    d = datasets.load('breast_cancer')
    rows = [','.join(map(str, r)).encode() for r in d.X[:100]]
    path = LinearLearner(predictor_type='binary_classifier', epochs=3, mini_batch_size=64).fit(d.X, d.y).save(
        Path(tempfile.mkdtemp())/'model.tar.gz')
    print(f'{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f} before the first run', flush=True)
    five = 0
    for w in WORKERS:
        with WorkerPool(path, LinearLearner, workers=w) as pool:
            run(pool.port, rows, 1, 100)                                  # warm-up
            five += report(f'workers={w}, 1 client (latency)', *run(pool.port, rows, 1, TOTAL // 4))
            five += report(f'workers={w}, {CLIENTS} clients paced at {RATE} req/s', *run(pool.port, rows, CLIENTS, TOTAL // 2, RATE))
            five += report(f'workers={w}, {CLIENTS} clients (saturation)', *run(pool.port, rows, CLIENTS, TOTAL))
            assert pool.alive()
        assert [p.exitcode for p in pool.procs] == [0] * w, [p.exitcode for p in pool.procs]
    print(f'5xx total: {five}')
    sys.exit(1 if five else 0)
