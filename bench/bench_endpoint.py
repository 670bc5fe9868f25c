"""Loopback latency and throughput of a local endpoint serving Linear Learner (bounded: N requests, 8 clients).

Usage: python bench/bench_endpoint.py [total_requests]   Prints p50/p99 latency, requests/s, error counts.
One request in 20 is malformed on purpose: it must get a 4xx, and no request may get a 5xx.
"""
import http.client, statistics, sys, threading, time
import numpy as np
from sagestudy.algorithms.linear_learner import LinearLearner
from sagestudy.core import datasets
from sagestudy.platform.serving import ModelServer

TOTAL = int(sys.argv[1]) if len(sys.argv) > 1 else 4000
CLIENTS = 8

d = datasets.load('breast_cancer')
model = LinearLearner(predictor_type='binary_classifier', epochs=3, mini_batch_size=64).fit(d.X, d.y)
rows = [','.join(map(str, r)).encode() for r in d.X[:100]]
latencies, statuses, lock = [], [], threading.Lock()

def client(server, n, seed):
    host, port = server.httpd.server_address
    conn = http.client.HTTPConnection(host, port, timeout=10)
    rng = np.random.default_rng(seed)
    for i in range(n):
        bad = i % 20 == 19
        body = b'1,2,3' if bad else rows[rng.integers(len(rows))]
        t0 = time.perf_counter()
        conn.request('POST', '/invocations', body=body, headers={'Content-Type': 'text/csv', 'Accept': 'application/json'})
        r = conn.getresponse(); r.read()
        dt = time.perf_counter() - t0
        with lock: statuses.append((bad, r.status)); latencies.append(dt) if not bad else None
    conn.close()

with ModelServer(model) as server:
    client(server, 50, 99)                              # warm-up
    latencies.clear(); statuses.clear()
    t0 = time.perf_counter()
    threads = [threading.Thread(target=client, args=(server, TOTAL // CLIENTS, s)) for s in range(CLIENTS)]
    for t in threads: t.start()
    for t in threads: t.join()
    wall = time.perf_counter() - t0
    errors = server.httpd.errors

ok = sum(1 for bad, s in statuses if not bad and s == 200)
bad_4xx = sum(1 for bad, s in statuses if bad and 400 <= s < 500)
five = sum(1 for _, s in statuses if s >= 500)
q = np.quantile(latencies, [0.5, 0.99]) * 1000
print(f'requests {len(statuses)} in {wall:.2f} s = {len(statuses) / wall:.0f} req/s with {CLIENTS} clients')
print(f'good requests 200: {ok}; malformed answered 4xx: {bad_4xx}; 5xx: {five}; server errors: {len(errors)}')
print(f'latency of good single-record CSV requests: p50 {q[0]:.2f} ms, p99 {q[1]:.2f} ms')
