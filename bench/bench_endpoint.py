"""Loopback latency and throughput of a local endpoint serving Linear Learner (bounded: N requests).

Usage: python bench/bench_endpoint.py [total_requests]

The endpoint runs in its own process, as a SageMaker container does; the load generator is this
process. (An earlier version ran client threads inside the server's process, so clients and server
fought over one GIL and the latency measured the load generator as much as the server.)
Two measurements:
- latency: one client sending single-record CSV requests one after another (p50, p99);
- load: 8 concurrent clients (p50, p99 under load, requests/s).
One request in 20 is malformed on purpose: it must get a 4xx, and no request may get a 5xx.
"""
import http.client, multiprocessing as mp, sys, threading, time
import numpy as np

TOTAL = int(sys.argv[1]) if len(sys.argv) > 1 else 4000
CLIENTS = 8

def _rows():
    from sagestudy.core import datasets
    d = datasets.load('breast_cancer')
    return d, [','.join(map(str, r)).encode() for r in d.X[:100]]

def serve(port_q, stop_ev):
    "The endpoint process: train Linear Learner, serve it, report the port, run until told to stop"
    from sagestudy.algorithms.linear_learner import LinearLearner
    from sagestudy.platform.serving import ModelServer
    import os
    if os.environ.get('SWITCH'): sys.setswitchinterval(float(os.environ['SWITCH']))
    d, _ = _rows()
    model = LinearLearner(predictor_type='binary_classifier', epochs=3, mini_batch_size=64).fit(d.X, d.y)
    with ModelServer(model) as server:
        port_q.put(server.httpd.server_address[1])
        stop_ev.wait()
        port_q.put(len(server.httpd.errors))

def client(port, rows, n, seed, latencies, statuses, lock):
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=10)
    rng = np.random.default_rng(seed)
    for i in range(n):
        bad = i % 20 == 19
        body = b'1,2,3' if bad else rows[rng.integers(len(rows))]
        t0 = time.perf_counter()
        conn.request('POST', '/invocations', body=body, headers={'Content-Type': 'text/csv', 'Accept': 'application/json'})
        r = conn.getresponse(); r.read()
        dt = time.perf_counter() - t0
        with lock:
            statuses.append((bad, r.status))
            if not bad: latencies.append(dt)
    conn.close()

def run(port, rows, n_clients, total):
    latencies, statuses, lock = [], [], threading.Lock()
    t0 = time.perf_counter()
    threads = [threading.Thread(target=client, args=(port, rows, total // n_clients, s, latencies, statuses, lock))
               for s in range(n_clients)]
    for t in threads: t.start()
    for t in threads: t.join()
    return latencies, statuses, time.perf_counter() - t0

def report(name, latencies, statuses, wall):
    ok = sum(1 for bad, s in statuses if not bad and s == 200)
    bad_4xx = sum(1 for bad, s in statuses if bad and 400 <= s < 500)
    five = sum(1 for _, s in statuses if s >= 500)
    q = np.quantile(latencies, [0.5, 0.99]) * 1000
    print(f'{name}: {len(statuses)} requests in {wall:.2f} s = {len(statuses) / wall:.0f} req/s; '
          f'200: {ok}, malformed answered 4xx: {bad_4xx}, 5xx: {five}; '
          f'good single-record CSV latency p50 {q[0]:.2f} ms, p99 {q[1]:.2f} ms')
    return five

if __name__ == '__main__':
    ctx = mp.get_context('spawn')
    port_q, stop_ev = ctx.Queue(), ctx.Event()
    proc = ctx.Process(target=serve, args=(port_q, stop_ev)); proc.start()
    port = port_q.get(timeout=120)
    _, rows = _rows()
    run(port, rows, 1, 100)                                   # warm-up
    five = report('1 client (latency)', *run(port, rows, 1, TOTAL // 4))
    five += report(f'{CLIENTS} clients (load)', *run(port, rows, CLIENTS, TOTAL))
    stop_ev.set()
    print(f'server-side errors logged: {port_q.get(timeout=30)}; 5xx total: {five}')
    proc.join(timeout=30)
