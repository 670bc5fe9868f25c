"Fuzz the local inference server (gunicorn, `ModelServer`): every malformed request gets a 4xx, never a 5xx, and the server keeps serving."
import json, urllib.request, urllib.error
import numpy as np
import pytest
from sagestudy.algorithms.linear_learner import LinearLearner
from sagestudy.core import datasets
from sagestudy.platform.serving import ModelServer

def _post(url, body, ctype, accept=None):
    headers = {'Content-Type': ctype, **({'Accept': accept} if accept else {})}
    req = urllib.request.Request(url + '/invocations', data=body, headers=headers, method='POST')
    try:
        with urllib.request.urlopen(req, timeout=10) as r: return r.status, r.read()
    except urllib.error.HTTPError as e: return e.code, e.read()

@pytest.fixture(scope='module')
def server():
    d = datasets.load('iris')
    model = LinearLearner(predictor_type='multiclass_classifier', num_classes=3, epochs=2, mini_batch_size=16).fit(d.X, d.y)
    with ModelServer(model) as s: yield s, d.X

def _mutations(rng, good:bytes, n:int):
    "Bounded set of corrupted payloads: truncations, byte flips, insertions, random bytes"
    for _ in range(n):
        b = bytearray(good); kind = rng.integers(4)
        if kind == 0: b = b[:rng.integers(len(b))]
        elif kind == 1:
            for i in rng.integers(0, len(b), 3): b[i] = rng.integers(256)
        elif kind == 2: b[rng.integers(len(b)):rng.integers(len(b))] = rng.bytes(rng.integers(1, 8))
        else: b = bytearray(rng.bytes(rng.integers(0, 64)))
        yield bytes(b)

@pytest.mark.parametrize('ctype', ['text/csv', 'application/json', 'application/jsonlines', 'application/x-recordio-protobuf'])
def test_fuzzed_payloads_never_5xx(server, ctype):
    srv, X = server
    from sagestudy.core import formats
    import io
    if ctype == 'text/csv': good = '\n'.join(','.join(map(str, r)) for r in X[:4]).encode()
    elif ctype == 'application/json': good = json.dumps({'instances': [{'features': r.tolist()} for r in X[:4]]}).encode()
    elif ctype == 'application/jsonlines': good = '\n'.join(json.dumps({'features': r.tolist()}) for r in X[:4]).encode()
    else: buf = io.BytesIO(); formats.write_recordio_protobuf(buf, X[:4]); good = buf.getvalue()
    assert _post(srv.url, good, ctype)[0] == 200
    statuses = [_post(srv.url, body, ctype)[0] for body in _mutations(np.random.default_rng(0), good, 60)]
    assert all(s == 200 or 400 <= s < 500 for s in statuses), sorted(set(statuses))
    assert srv.errors == []                               # no 5xx was logged
    assert _post(srv.url, good, ctype)[0] == 200          # still serving

def test_xgboost_libsvm_request_with_fewer_features():
    "SageMaker's XGBoost (1.2 on) predicts a LIBSVM record that names fewer features than the model has: the rest are missing"
    from sagestudy.algorithms.xgboost import XGBoost
    from sagestudy.core.errors import InvocationError
    from sagestudy.platform.serving import invoke
    d = datasets.load('breast_cancer')
    model = XGBoost(objective='binary:logistic', num_round=5).fit(d.X, d.y)
    out, ctype = invoke(model, b'1:0.5 3:2', 'text/libsvm', None)
    assert ctype == 'text/csv'
    row = np.full((1, 30), np.nan, dtype=np.float32); row[0, 1], row[0, 3] = 0.5, 2   # libsvm is 1-based here as in the file
    missing = float(model.predict_response(row)['predictions'][0]['score'])
    zeros = float(model.predict_response(np.nan_to_num(row))['predictions'][0]['score'])
    assert abs(missing - zeros) > 1e-3                                 # the case tells the two readings apart
    assert float(out) == pytest.approx(missing, abs=1e-6)              # absent features are missing values, as in training
    with pytest.raises(InvocationError, match='must have 30 features; got 2'):   # CSV: the reference documents no such rule
        invoke(model, b'0.5,2', 'text/csv', None)
