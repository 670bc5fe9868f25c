"""The model server under attack: HTTP framing mistakes sent as raw bytes on 127.0.0.1, bounded bursts,
killed workers, a model that cannot load, a caller that dies. Each case asserts the exact status (or the
survival) and that the server still answers /ping afterwards. No timing asserts: timeouts are generous."""
import copy, gc, json, os, re, signal, socket, subprocess, sys, tempfile, threading, time, urllib.error, urllib.request
from pathlib import Path
import numpy as np
import psutil
import pytest
from sagestudy.algorithms.linear_learner import LinearLearner
from sagestudy.core import datasets
from sagestudy.platform.serving import MAX_PAYLOAD, ModelServer, WorkerPool, ping

READ_TIMEOUT = 2          # the test servers drop a silent client after 2 s
KEEPALIVE = 2             # ...and an idle keep-alive connection after 2 s

@pytest.fixture(scope='module')
def trained():
    d = datasets.load('breast_cancer')
    model = LinearLearner(predictor_type='binary_classifier', epochs=2, mini_batch_size=64).fit(d.X, d.y)
    return model, d.X

@pytest.fixture(scope='module')
def server(trained):
    with ModelServer(trained[0], workers=2, read_timeout=READ_TIMEOUT, keepalive=KEEPALIVE) as s: yield s

@pytest.fixture(scope='module')
def csv_body(trained):
    return '\n'.join(','.join(map(str, r)) for r in trained[1][:3]).encode()

@pytest.fixture(scope='module')
def model_path(trained):
    return trained[0].save(Path(tempfile.mkdtemp())/'model.tar.gz')

def read_answer(s:socket.socket, out:bytes=b'')->bytes:
    "Read one HTTP answer from `s`: its head and the body its Content-Length announces (or what comes until the server closes)"
    try:
        while True:
            head, sep, body = out.partition(b'\r\n\r\n')
            n = re.search(rb'(?im)^content-length:\s*(\d+)', head) if sep else None
            if n and len(body) >= int(n.group(1)): return out
            if not (chunk := s.recv(65536)): return out
            out += chunk
    except ConnectionResetError: return out

def read_all(s:socket.socket)->bytes:
    "Read until the server closes the connection"
    out = []
    try:
        while chunk := s.recv(65536): out.append(chunk)
    except ConnectionResetError: pass
    return b''.join(out)

def raw(port:int, data:bytes, half_close:bool=False, timeout:float=60)->bytes:
    "Send `data` on a new connection (then shut our side if `half_close`); read one answer (keep-alive: the server may not close)"
    with socket.create_connection(('127.0.0.1', port), timeout=timeout) as s:
        s.sendall(data)
        if half_close: s.shutdown(socket.SHUT_WR)
        return read_answer(s)

def status_of(answer:bytes)->int|None: return int(answer.split()[1]) if answer.startswith(b'HTTP/1.') else None
def body_of(answer:bytes)->bytes: return answer.split(b'\r\n\r\n', 1)[1]

def post_head(headers:str, ctype:str='text/csv')->bytes:
    return f'POST /invocations HTTP/1.1\r\nHost: t\r\nContent-Type: {ctype}\r\n{headers}\r\n'.encode()

def chunked(body:bytes, size:int=40)->bytes:
    return b''.join(b'%x\r\n%s\r\n' % (len(body[i:i + size]), body[i:i + size]) for i in range(0, len(body), size)) + b'0\r\n\r\n'

def post(url, body, ctype='text/csv', accept=None):
    headers = {'Content-Type': ctype, **({'Accept': accept} if accept else {})}
    req = urllib.request.Request(url + '/invocations', data=body, headers=headers, method='POST')
    try:
        with urllib.request.urlopen(req, timeout=60) as r: return r.status, r.read()
    except urllib.error.HTTPError as e: return e.code, e.read()

def still_serving(s):
    assert ping(s.host, s.port, timeout=60) in s.worker_pids()
    assert s.alive()

# --- framing ------------------------------------------------------------------------------------------

@pytest.mark.parametrize('length, status', [('abc', 400), ('-1', 400), ('1e3', 400), ('12 34', 400),
                                            (str(10**20), 413), (str(MAX_PAYLOAD + 1), 413)])
def test_bad_content_length(server, length, status):
    answer = raw(server.port, post_head(f'Content-Length: {length}\r\n'), half_close=True)
    assert status_of(answer) == status, answer[:200]
    still_serving(server)

def test_two_content_lengths(server, csv_body):
    answer = raw(server.port, post_head(f'Content-Length: {len(csv_body)}\r\nContent-Length: 5\r\n') + csv_body)
    assert status_of(answer) == 400
    still_serving(server)

def test_no_content_length(server):
    answer = raw(server.port, post_head(''), half_close=True)
    assert status_of(answer) == 411 and b'Content-Length' in body_of(answer)
    still_serving(server)

def test_slow_headers_are_cut_off(server):
    "Headers that stop halfway: the connection is closed after the read timeout, without holding a worker"
    t0 = time.monotonic()
    answer = raw(server.port, b'POST /invocations HTTP/1.1\r\nHost: t\r\nContent-Le')
    assert answer == b'' or status_of(answer) in (400, 408), answer[:200]
    assert time.monotonic() - t0 < 60
    still_serving(server)

def test_short_body_then_silence_is_408(server, csv_body):
    answer = raw(server.port, post_head(f'Content-Length: {len(csv_body) + 100}\r\n') + csv_body)
    assert status_of(answer) == 408, answer[:200]
    still_serving(server)

def test_short_body_then_hangup_is_400(server, csv_body):
    answer = raw(server.port, post_head(f'Content-Length: {len(csv_body) + 100}\r\n') + csv_body, half_close=True)
    assert status_of(answer) == 400 and b'ended after' in body_of(answer), answer[:300]
    still_serving(server)

def test_chunked_body_is_one_request(server, trained, csv_body):
    model, X = trained
    with socket.create_connection(('127.0.0.1', server.port), timeout=60) as s:
        s.sendall(post_head('Transfer-Encoding: chunked\r\n') + chunked(csv_body))
        answer = read_answer(s)
        s.settimeout(1)                                   # a chunk misread as a second request would get a second answer
        try: more = s.recv(65536)
        except TimeoutError: more = b''
    assert status_of(answer) == 200 and answer.count(b'HTTP/1.1 ') == 1 and more == b'', (answer[:300], more[:100])
    assert json.loads(body_of(answer)) == model.predict_response(X[:3])
    still_serving(server)

@pytest.mark.parametrize('bad', [b'zz\r\nabc\r\n0\r\n\r\n', b'5\r\nabc\r\n0\r\n\r\n', b'-5\r\nabcde\r\n0\r\n\r\n'])
def test_malformed_chunks(server, bad):
    answer = raw(server.port, post_head('Transfer-Encoding: chunked\r\n') + bad, half_close=True)
    assert status_of(answer) == 400, answer[:300]
    still_serving(server)

def test_chunked_over_6mb_is_413(server):
    answer = raw(server.port, post_head('Transfer-Encoding: chunked\r\n') + chunked(b'1,' * (MAX_PAYLOAD // 2 + 10), 1 << 20))
    assert status_of(answer) == 413, answer[:300]
    still_serving(server)

def test_chunked_and_content_length_together(server, csv_body):
    answer = raw(server.port, post_head(f'Transfer-Encoding: chunked\r\nContent-Length: {len(csv_body)}\r\n') + chunked(csv_body))
    assert status_of(answer) == 400
    still_serving(server)

def test_pipelined_requests_are_answered_in_order(server, csv_body):
    "Keep-alive: requests sent back to back on one connection get one answer each, in order; `Connection: close` ends it"
    pipelined = (b'GET /ping HTTP/1.1\r\nHost: t\r\n\r\n' + post_head(f'Content-Length: 5\r\n') + b'1,2,3'
                 + post_head(f'Content-Length: {len(csv_body)}\r\nConnection: close\r\n') + csv_body)
    with socket.create_connection(('127.0.0.1', server.port), timeout=60) as s:
        s.sendall(pipelined)
        answer = read_all(s)                              # the server closes after the third answer
    heads = re.findall(rb'HTTP/1\.1 (\d+)[^\r]*\r\n((?:[^\r]+\r\n)*)', answer)
    assert [int(code) for code, _ in heads] == [200, 400, 200], answer[:600]
    assert [b'connection: keep-alive' in h.lower() for _, h in heads] == [True, True, False]
    assert b'connection: close' in heads[-1][1].lower()
    still_serving(server)

@pytest.mark.parametrize('garbage', [bytes(range(256)) + b'\r\n\r\n', b'\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03' + b'\0' * 40 + b'\r\n\r\n',
                                     b'POST /invocations HTTP/9.9\r\n\r\n', b'GET / HTTP/1.1\r\nBad Header\r\n\r\n',
                                     b'GET /' + b'a' * 10000 + b' HTTP/1.1\r\n\r\n'])
def test_garbage_bytes(server, garbage):
    answer = raw(server.port, garbage, half_close=True)
    assert status_of(answer) in (400, 414), answer[:200]
    still_serving(server)

def test_wrong_paths_and_methods(server):
    assert status_of(raw(server.port, b'GET /admin HTTP/1.1\r\nHost: t\r\n\r\n')) == 404
    assert status_of(raw(server.port, b'DELETE /invocations HTTP/1.1\r\nHost: t\r\n\r\n')) == 405
    assert status_of(raw(server.port, b'POST /ping HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n')) == 405
    still_serving(server)

# --- payloads -----------------------------------------------------------------------------------------

@pytest.mark.parametrize('ctype', ['application/json', 'application/jsonlines'])
def test_deeply_nested_json_is_400(server, ctype):
    status, text = post(server.url, b'[' * 100_000, ctype)
    assert status == 400, text[:200]
    still_serving(server)

def test_oversized_payload_is_413_and_readable(server):
    status, text = post(server.url, b'0' * (MAX_PAYLOAD + 1))     # the client sends all of it, then reads the 413
    assert status == 413 and b'6 MB' in text
    still_serving(server)

def test_content_type_415_and_accept_406(server, csv_body):
    assert post(server.url, csv_body, 'image/png')[0] == 415
    assert post(server.url, csv_body, 'text/csv', accept='image/png')[0] == 406
    assert status_of(raw(server.port, post_head(f'Content-Length: {len(csv_body)}\r\n', ctype='') + csv_body)) == 415
    still_serving(server)

def test_sparse_request_wider_than_model_is_400(server):
    body = json.dumps({'instances': [{'data': {'features': {'keys': [4_000_000_000], 'shape': [4_000_000_001], 'values': [1.0]}}}]}).encode()
    assert post(server.url, body, 'application/json')[0] == 400
    assert post(server.url, b'1 4000000000:1', 'text/libsvm')[0] in (400, 415)
    still_serving(server)

def test_fuzzed_csv_never_5xx(server, csv_body):
    rng = np.random.default_rng(0)
    for _ in range(40):
        b = bytearray(csv_body)
        for i in rng.integers(0, len(b), 4): b[i] = rng.integers(256)
        assert post(server.url, bytes(b))[0] in (200, 400)
    assert server.errors == []
    still_serving(server)

def test_unexpected_exception_is_a_named_500_logged(trained, csv_body):
    model = copy.copy(trained[0])
    model.predict_response = lambda X: 1 / 0              # a bug in the model, not the caller's mistake
    with ModelServer(model) as s:
        status, text = post(s.url, csv_body)
        assert status == 500 and b'model error: ZeroDivisionError' in text
        assert any('500 on POST /invocations' in l for l in s.errors)
        assert any('ZeroDivisionError' in l for l in s.log)
        still_serving(s)

# --- load and faults ----------------------------------------------------------------------------------

def test_200_simultaneous_connections_all_answered(server, trained, csv_body):
    model, X = trained
    expected = json.dumps(model.predict_response(X[:3])).encode()
    request = post_head(f'Content-Length: {len(csv_body)}\r\nAccept: application/json\r\n') + csv_body
    socks = [socket.create_connection(('127.0.0.1', server.port), timeout=120) for _ in range(200)]
    try:
        for s in socks: s.sendall(request)               # 200 requests in flight before any answer is read
        answers = []
        for s in socks:                                  # read each answer, then close, as an HTTP client does
            answers.append(read_answer(s)); s.close()
    finally:
        for s in socks: s.close()
    assert [status_of(a) for a in answers] == [200] * 200
    assert {json.dumps(json.loads(body_of(a))).encode() for a in answers} == {expected}
    still_serving(server)

# --- keep-alive (the gthread worker) ------------------------------------------------------------------

PING = b'GET /ping HTTP/1.1\r\nHost: t\r\n\r\n'

def test_idle_keepalive_connection_is_closed_and_others_are_served(server):
    "A connection left idle after its answer is closed after `keepalive` s; meanwhile new clients are answered at once"
    idle = [socket.create_connection(('127.0.0.1', server.port), timeout=60) for _ in range(20)]   # more than 2 workers x 4 threads
    try:
        for s in idle: s.sendall(PING)
        assert all(status_of(a := read_answer(s)) == 200 and b'connection: keep-alive' in a.lower() for s in idle)
        t0 = time.monotonic()
        for _ in range(10): still_serving(server)            # the idle connections hold no thread
        closed = [read_all(s) for s in idle]                 # b'': the server closed the connection, nothing more was sent
        waited = time.monotonic() - t0
    finally:
        for s in idle: s.close()
    assert closed == [b''] * 20
    assert KEEPALIVE - 1 < waited < 30, waited
    still_serving(server)

def test_second_request_stalling_on_a_kept_alive_connection_is_cut_off(server):
    "After a first answer, a second request that stops halfway through its headers is dropped after the read timeout"
    with socket.create_connection(('127.0.0.1', server.port), timeout=60) as s:
        s.sendall(PING)
        assert status_of(read_answer(s)) == 200
        s.sendall(b'POST /invocations HTTP/1.1\r\nHost: t\r\nContent-Le')      # ...and nothing more
        t0 = time.monotonic()
        rest = read_all(s)
        waited = time.monotonic() - t0
    assert rest == b'' or status_of(rest) in (400, 408), rest[:200]
    assert READ_TIMEOUT - 1 < waited < 30, waited
    still_serving(server)

def test_silent_new_connections_hold_no_thread(server):
    "Connections that never send a byte wait in the poller, not in a thread, and are closed after the read timeout"
    silent = [socket.create_connection(('127.0.0.1', server.port), timeout=60) for _ in range(50)]
    try:
        t0 = time.monotonic()
        still_serving(server)
        assert time.monotonic() - t0 < READ_TIMEOUT          # not queued behind them
        assert [read_all(s) for s in silent] == [b''] * 50   # each closed without an answer
    finally:
        for s in silent: s.close()
    still_serving(server)

def test_many_keepalive_connections_beyond_the_threads_all_answered(server, trained, csv_body):
    "100 connections (12x the 8 I/O threads), 3 requests each on the same connection, sent in rounds: every one answered"
    model, X = trained
    expected = model.predict_response(X[:3])
    request = post_head(f'Content-Length: {len(csv_body)}\r\nAccept: application/json\r\n') + csv_body
    socks = [socket.create_connection(('127.0.0.1', server.port), timeout=120) for _ in range(100)]
    try:
        answers = []
        for _ in range(3):
            for s in socks: s.sendall(request)
            answers += [read_answer(s) for s in socks]
    finally:
        for s in socks: s.close()
    assert [status_of(a) for a in answers] == [200] * 300
    assert all(json.loads(body_of(a)) == expected for a in answers)
    assert all(b'connection: keep-alive' in a.lower() for a in answers)   # the connections were reused, not reopened
    still_serving(server)

def test_trickled_headers_end_at_the_request_timeout(trained):
    "A client sending one header byte every 0.5 s never trips the read timeout; the request timeout still ends it"
    with ModelServer(trained[0], timeout=3, read_timeout=2) as srv:
        t0 = time.monotonic()
        with socket.create_connection(('127.0.0.1', srv.port), timeout=60) as s:
            try:
                for b in b'POST /invocations HTTP/1.1\r\nHost: t\r\nX-Slow: ' + b'a' * 200:
                    s.sendall(bytes([b])); time.sleep(0.5)
                answer = read_all(s)
            except (BrokenPipeError, ConnectionResetError): answer = b''
        cut = time.monotonic() - t0
        assert status_of(answer) in (None, 400, 408) and cut < 30, (answer[:200], cut)
        assert any('stopped sending' in l for l in srv.log)
        still_serving(srv)

def test_requests_queued_behind_a_timed_out_prediction_get_503(trained, csv_body):
    "One worker: the prediction past the timeout is answered 500, the request waiting behind it 503; a new worker serves"
    model = copy.copy(trained[0])
    real = model.predict_response
    model.predict_response = lambda X: time.sleep(30) if X.shape[0] == 3 else real(X)
    one = csv_body.split(b'\n')[0]
    with ModelServer(model, workers=1, timeout=3) as s:
        results = {}
        stuck = threading.Thread(target=lambda: results.update(stuck=post(s.url, csv_body)))
        stuck.start(); time.sleep(0.5)
        queued = threading.Thread(target=lambda: results.update(queued=post(s.url, one)))
        queued.start()
        stuck.join(60); queued.join(60)
        assert results['stuck'][0] == 500 and b'request timeout' in results['stuck'][1], results
        assert results['queued'][0] == 503 and b'retry' in results['queued'][1], results
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if post(s.url, one)[0] == 200: break
            except OSError: pass
            time.sleep(0.2)
        assert post(s.url, one)[0] == 200
        assert any('WORKER TIMEOUT' in l for l in s.log)
        still_serving(s)

def test_killed_worker_is_replaced_while_the_other_serves(trained, csv_body):
    with ModelServer(trained[0], workers=2) as s:
        victim, survivor = s.worker_pids()
        os.kill(victim, signal.SIGKILL)
        psutil.Process(victim).wait(30) if psutil.pid_exists(victim) else None
        assert [post(s.url, csv_body)[0] for _ in range(20)] == [200] * 20     # the survivor answers meanwhile
        deadline = time.monotonic() + 60
        while (len(s.worker_pids()) < 2 or victim in s.worker_pids()) and time.monotonic() < deadline: time.sleep(0.1)
        pids = s.worker_pids()
        assert len(pids) == 2 and victim not in pids and survivor in pids
        assert any(f'Worker (pid:{victim}) was sent SIGKILL' in l for l in s.log)
        still_serving(s)
    assert s.returncode == 0

def test_model_that_cannot_load_exits_nonzero_with_reason():
    broken = Path(tempfile.mkdtemp())/'model.tar.gz'
    broken.write_bytes(b'\x1f\x8b but not really gzip')
    with pytest.raises(RuntimeError) as e: WorkerPool(broken, LinearLearner, workers=2)
    assert 'exited with code 3' in str(e.value) and 'Worker failed to boot' in str(e.value), str(e.value)

def test_environment_variables_map_onto_the_server(trained, monkeypatch):
    monkeypatch.setenv('SAGEMAKER_MODEL_SERVER_WORKERS', '2'); monkeypatch.setenv('SAGEMAKER_MODEL_SERVER_TIMEOUT', '17')
    with ModelServer(trained[0]) as s:
        assert (s.workers, s.timeout, len(s.worker_pids())) == (2, 17, 2)
    monkeypatch.setenv('SAGEMAKER_MODEL_SERVER_TIMEOUT', '-3')
    with pytest.raises(ValueError, match="SAGEMAKER_MODEL_SERVER_TIMEOUT='-3'"): ModelServer(trained[0])

def test_loopback_only(trained):
    with pytest.raises(ValueError, match='loopback only'): ModelServer(trained[0], host='0.0.0.0')

def test_garbage_collected_server_stops(trained):
    s = ModelServer(trained[0])
    pids = [s.pid, *s.worker_pids()]
    del s; gc.collect()
    deadline = time.monotonic() + 30
    while any(psutil.pid_exists(p) for p in pids) and time.monotonic() < deadline: time.sleep(0.1)
    assert not any(psutil.pid_exists(p) for p in pids)

def test_dead_caller_leaves_no_orphans(model_path):
    "SIGKILL the process that started a server: its arbiter notices and stops its workers"
    code = ('import sys, time; from sagestudy.algorithms.linear_learner import LinearLearner; '
            'from sagestudy.platform.serving import WorkerPool; '
            f's = WorkerPool({str(model_path)!r}, LinearLearner, workers=2); '
            'print(s.pid, *s.worker_pids(), flush=True); time.sleep(600)')
    proc = subprocess.Popen([sys.executable, '-c', code], stdout=subprocess.PIPE, text=True)
    try: pids = [int(p) for p in proc.stdout.readline().split()]
    finally: proc.kill(); proc.wait(30)
    assert len(pids) == 3
    deadline = time.monotonic() + 60
    while any(psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE for p in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE for p in pids)

# --- the CLI (defect 5) -------------------------------------------------------------------------------

def _cli(*args):
    cmd = [sys.executable, '-c', 'import sys; from sagestudy.cli import main; sys.exit(main())']
    return subprocess.Popen([*cmd, '--home', tempfile.mkdtemp(), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

def _arbiter_and_workers(cli_pid:int)->tuple[int, list[int]]:
    arbiter = psutil.Process(cli_pid).children()[0]
    return arbiter.pid, sorted(p.pid for p in arbiter.children())

def _running(pid:int, since:dict[int, float])->bool:
    "Whether the process `pid` seen at `since[pid]` still runs: not a recycled pid, not a zombie waiting for init to collect it"
    try:
        p = psutil.Process(pid)
        return p.create_time() == since[pid] and p.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess: return False

def _started(pids)->dict[int, float]: return {p: psutil.Process(p).create_time() for p in pids}

def _all_gone(since:dict[int, float], timeout:float=60)->bool:
    "Wait until none of the processes runs (orphans are collected by init, which may take a moment under load)"
    deadline = time.monotonic() + timeout
    while any(_running(p, since) for p in since) and time.monotonic() < deadline: time.sleep(0.2)
    return not any(_running(p, since) for p in since)

def test_cli_replaces_a_killed_worker_and_stops_cleanly(model_path, csv_body):
    proc = _cli('serve', '--model-data', str(model_path), '--port', '0', '--workers', '2')
    try:
        url = proc.stdout.readline().split(' on ')[1].split()[0]
        arbiter, workers = _arbiter_and_workers(proc.pid)
        assert len(workers) == 2
        os.kill(workers[0], signal.SIGKILL)
        assert [post(url, csv_body)[0] for _ in range(10)] == [200] * 10
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            now = _arbiter_and_workers(proc.pid)[1]
            if len(now) == 2 and workers[0] not in now: break
            time.sleep(0.2)
        assert len(now) == 2 and workers[0] not in now and workers[1] in now
        assert proc.poll() is None                           # the command keeps serving
        since = _started([arbiter, *now])
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0 and out.strip() == 'stopped', (proc.returncode, out, err)
    assert f'Worker (pid:{workers[0]}) was sent SIGKILL' in err
    assert _all_gone(since), [p for p in since if _running(p, since)]

def test_cli_exits_nonzero_when_the_server_dies(model_path):
    proc = _cli('serve', '--model-data', str(model_path), '--port', '0', '--workers', '2')
    try:
        proc.stdout.readline()
        arbiter, workers = _arbiter_and_workers(proc.pid)
        since = _started(workers)
        os.kill(arbiter, signal.SIGKILL)                     # the server itself, not one worker
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None: proc.kill(); proc.wait()
    assert proc.returncode != 0 and 'stopped' not in out
    assert 'the model server stopped with exit code -9' in err, err
    assert _all_gone(since), [p for p in since if _running(p, since)]   # its workers notice and leave

def test_cli_model_that_cannot_load(tmp_path):
    broken = tmp_path/'model.tar.gz'; broken.write_bytes(b'not a model')
    proc = _cli('serve', '--model-data', str(broken), '--port', '0')
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1 and 'not a gzip file' in err and 'Traceback' not in err, (proc.returncode, err)

def test_request_past_the_timeout_is_cut_off_and_the_server_recovers(trained, csv_body):
    "SAGEMAKER_MODEL_SERVER_TIMEOUT: a request that takes longer gets its worker killed and replaced"
    model = copy.copy(trained[0])
    real = model.predict_response
    model.predict_response = lambda X: time.sleep(30) if X.shape[0] == 3 else real(X)   # 3 records: hang
    with ModelServer(model, timeout=2) as s:
        before = s.worker_pids()
        status, _ = post(s.url, csv_body)                   # cut off after about 2 s, not 30
        assert status == 500
        one = csv_body.split(b'\n')[0]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if post(s.url, one)[0] == 200: break
            except OSError: pass
            time.sleep(0.2)
        assert post(s.url, one)[0] == 200
        assert s.worker_pids() != before and any('WORKER TIMEOUT' in l for l in s.log)
        still_serving(s)
