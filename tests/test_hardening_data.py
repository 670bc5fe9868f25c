"""The data path under attack (issue 10, data defects): every malformed file, request body and artifact in
tests/corpus/data/ must give sagestudy's named error, saying where (file, line or record, channel).

The corpus is listed in tests/corpus/data/cases.json (written by make_corpus.py next to it). Cases whose old
behaviour was to allocate memory the input asked for (a libsvm index of four billion, a sparse shape of 2**40,
a RecordIO length word of 512 MB, a model member declaring 2 GiB) run in a subprocess under RLIMIT_AS, so a
regression fails the test instead of exhausting the machine."""
import json, os, resource, shutil, subprocess, sys, textwrap
from pathlib import Path
import numpy as np, pandas as pd, pytest, scipy.sparse as sp

CORPUS = Path(__file__).resolve().parent/'corpus'/'data'
CASES = json.loads((CORPUS/'cases.json').read_text())
ERRORS = ('DataFormatError', 'HyperparameterError', 'InvocationError', 'AlgorithmError')


def run_case(c:dict, tmp:Path):
    "Read corpus case `c` the way its `mode` says; returns whatever it returns (the tests expect it to raise)"
    from sagestudy.core import formats
    from sagestudy.core.estimator import read_model_tar
    path = CORPUS/c['file']
    if c['mode'] == 'read': return formats.read(path, c['content_type'])
    if c['mode'] == 'inference': return formats.parse_inference_request(path.read_bytes(), c['content_type'], n_features=c.get('n_features'))
    if c['mode'] == 'model': return read_model_tar(path)
    if c['mode'] == 'deepar':
        from sagestudy.algorithms.deepar import parse_series, read_series_channel
        return parse_series(read_series_channel(path))
    if c['mode'] in ('channel', 'deepar_fit'):               # a channel folder holding this file (and its siblings)
        train = tmp/'train'; train.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, train/path.name)
        for name, text in c.get('with_files', {}).items(): (train/name).write_text(text)
        return _estimator(c).fit_channels({'train': (train, c.get('content_type', 'application/jsonlines'))})
    if c['mode'] == 'xgboost_hp':
        from sagestudy.algorithms.xgboost import XGBoost
        X = np.random.default_rng(0).normal(size=(20, 3)).astype(np.float32)
        return XGBoost.from_hyperparameters(json.loads(path.read_text())).fit(X, (X[:, 0] > 0).astype(np.float32))
    raise ValueError(f"unknown mode {c['mode']!r}")

def _estimator(c:dict):
    "A small estimator of the case's algorithm"
    if c['mode'] == 'deepar_fit':
        from sagestudy.algorithms.deepar import DeepAR
        return DeepAR(time_freq='D', prediction_length=5, context_length=5, epochs=1, likelihood='negative-binomial')
    if c['algorithm'] == 'knn':
        from sagestudy.algorithms.knn import KNN
        return KNN(predictor_type='classifier', k=1)
    if c['algorithm'] == 'xgboost':
        from sagestudy.algorithms.xgboost import XGBoost
        return XGBoost(num_round=2, nthread=1)
    from sagestudy.algorithms.factorization_machines import FactorizationMachines
    return FactorizationMachines(predictor_type='regressor', num_factors=2, epochs=1)

def outcome(c:dict, tmp:Path)->tuple[str, str]:
    "(exception class name, message), or ('accepted', '') when the case was read without an error"
    try: run_case(c, tmp)
    except Exception as e: return type(e).__name__, str(e)
    return 'accepted', ''


# ---------------------------------------------------------------- every corpus case, in process
@pytest.mark.parametrize('case', [c for c in CASES if not c.get('memory_limited')], ids=lambda c: c['file'])
def test_corpus_case(case, tmp_path):
    kind, message = outcome(case, tmp_path)
    assert kind == case['error'], f"{case['file']}: expected {case['error']}, got {kind}: {message}"
    assert case['expect'] in message, f"{case['file']}: {message!r} does not say {case['expect']!r}"


# ---------------------------------------------------------------- the memory-dangerous cases, under RLIMIT_AS
_LIMITED = [c for c in CASES if c.get('memory_limited')]
_CHILD = textwrap.dedent('''
    import json, resource, sys, tempfile
    from pathlib import Path
    sys.path.insert(0, sys.argv[1])
    import test_hardening_data as t                        # imports numpy, pandas, scipy
    import sagestudy.algorithms.xgboost, sagestudy.algorithms.deepar, sagestudy.core.formats, sagestudy.core.estimator
    import numpy as np, scipy.sparse as sp
    from sagestudy.algorithms.xgboost import XGBoost
    XGBoost(num_round=1, nthread=1).fit(np.eye(4, dtype=np.float32), np.arange(4.0))   # warm the library before the cap
    size = int(next(l for l in open('/proc/self/status') if l.startswith('VmSize')).split()[1]) * 1024
    margin = int(sys.argv[2])
    resource.setrlimit(resource.RLIMIT_AS, (size + margin, size + margin))
    results = {}
    for c in t._LIMITED:
        with tempfile.TemporaryDirectory() as d: results[c['file']] = t.outcome(c, Path(d))
    with tempfile.TemporaryDirectory() as d:               # the control: honest work still fits under the same cap
        (Path(d)/'train').mkdir(); (Path(d)/'train/ok.libsvm').write_text(''.join(f'{i % 2} 0:{i} 3:1\\n' for i in range(200)))
        try: XGBoost(num_round=5, nthread=1).fit_channels({'train': (Path(d)/'train', 'text/libsvm')}); results['control'] = ('ok', '')
        except Exception as e: results['control'] = (type(e).__name__, str(e))
    print(json.dumps(results))
''')
MARGIN = 384 << 20   # address space the cases may add to what the process already maps: far below any of the old allocations

@pytest.fixture(scope='module')
def limited_results():
    r = subprocess.run([sys.executable, '-c', _CHILD, str(Path(__file__).parent), str(MARGIN)],
                       capture_output=True, text=True, timeout=300, cwd=CORPUS)   # not the repo root: '' on sys.path must not pick the package
    assert r.returncode == 0, f'the capped subprocess died (rc {r.returncode}): {r.stderr[-3000:]}'
    return json.loads(r.stdout.strip().splitlines()[-1])

def test_memory_cap_leaves_room_for_honest_work(limited_results):
    assert limited_results['control'] == ['ok', ''], limited_results['control']

@pytest.mark.parametrize('case', _LIMITED, ids=lambda c: c['file'])
def test_memory_dangerous_case(case, limited_results):
    kind, message = limited_results[case['file']]
    assert kind == case['error'], f"{case['file']}: expected {case['error']}, got {kind}: {message}"
    assert case['expect'] in message, f"{case['file']}: {message!r} does not say {case['expect']!r}"


# ---------------------------------------------------------------- the same request bodies through the endpoint's code
@pytest.fixture(scope='module')
def knn5():
    from sagestudy.algorithms.knn import KNN
    X = np.random.default_rng(0).normal(size=(40, 5)).astype(np.float32)
    return KNN(predictor_type='classifier', k=3).fit(X, (X[:, 0] > 0).astype(int))

@pytest.fixture(scope='module')
def xgb5():
    from sagestudy.algorithms.xgboost import XGBoost
    X = np.random.default_rng(0).normal(size=(40, 5)).astype(np.float32)
    return XGBoost(num_round=3, nthread=1, objective='binary:logistic').fit(X, (X[:, 0] > 0).astype(np.float32))

_REQUESTS = [c for c in CASES if c['mode'] == 'inference' and c.get('n_features') == 5]

@pytest.mark.parametrize('case', _REQUESTS, ids=lambda c: c['file'])
def test_request_is_a_400_naming_the_record(case, knn5, xgb5):
    from sagestudy.core.errors import InvocationError
    from sagestudy.platform.serving import invoke
    model = xgb5 if case['content_type'] == 'text/libsvm' else knn5
    with pytest.raises(InvocationError) as e: invoke(model, (CORPUS/case['file']).read_bytes(), case['content_type'], 'application/json')
    assert e.value.status == 400 and case['expect'] in e.value.message, (e.value.status, e.value.message)


# ---------------------------------------------------------------- defect 8: data errors reach the job's FailureReason
def test_training_job_failure_names_channel_file_and_line(tmp_path, monkeypatch):
    from sagestudy.service.training import container_train
    ml = tmp_path/'opt/ml'
    (ml/'input/config').mkdir(parents=True); (ml/'input/data/train').mkdir(parents=True)
    (ml/'input/config/hyperparameters.json').write_text(json.dumps({'predictor_type': 'classifier', 'k': '1', 'feature_dim': '2', 'sample_size': '3'}))
    (ml/'input/config/inputdataconfig.json').write_text(json.dumps({'train': {'ContentType': 'text/csv', 'TrainingInputMode': 'File'}}))
    (ml/'input/data/train/a.csv').write_text('1,0.5,1\n0,0.1,2\n')
    (ml/'input/data/train/b.csv').write_text('1,0.5,1\n\n0,nan,2\n')
    monkeypatch.setenv('SAGESTUDY_OPT_ML', str(ml)); monkeypatch.setenv('SAGESTUDY_ALGORITHM', 'knn')
    assert container_train() == 1
    reason = (ml/'output/failure').read_text()
    assert reason.startswith("ClientError: channel 'train', file b.csv, line 3: column 2 is nan"), reason
    assert 'Input X contains NaN' not in reason

def test_deepar_names_the_file_and_line_not_a_global_record(tmp_path):
    case = next(c for c in CASES if c['file'] == 'deepar/b.json')
    kind, message = outcome(case, tmp_path)
    assert kind == 'DataFormatError' and message.startswith("channel 'train', file b.json, line 7: "), message
    assert 'record 12' not in message

def test_xgboost_errors_are_restated_without_a_cpp_stack_trace():
    from sagestudy.algorithms.xgboost import XGBoost
    from sagestudy.core.errors import AlgorithmError
    X = np.random.default_rng(0).normal(size=(20, 3)).astype(np.float32)
    with pytest.raises(AlgorithmError) as e: XGBoost(num_round=2, nthread=1, objective='reg:logistic').fit(X, np.r_[np.zeros(19), 3.0])
    text = str(e.value)
    assert text.startswith('xgboost: label must be in (0, 1) for logistic regression'), text
    assert 'Stack trace' not in text and '.cc:' not in text and '[bt]' not in text, text

def test_xgboost_refuses_a_width_that_would_exhaust_memory():
    from sagestudy.algorithms.xgboost import XGBoost
    from sagestudy.core.errors import DataFormatError
    with pytest.raises(DataFormatError, match='1,099,511,627,776 feature columns'):
        XGBoost(num_round=1).fit(sp.csr_matrix((1, 2**40), dtype=np.float32), [1.0])


# ---------------------------------------------------------------- defect 11: a row's prediction does not depend on its batch
@pytest.mark.parametrize('seed', range(6))
def test_factorization_machines_predict_is_batch_independent(seed):
    from sklearn.utils.estimator_checks import check_methods_subset_invariance
    from sagestudy.algorithms.factorization_machines import FactorizationMachines
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(150, 20)).astype(np.float32), rng.normal(size=150)
    fm = FactorizationMachines(predictor_type='regressor', num_factors=8, epochs=3, random_state=seed).fit(X, y)
    whole = fm.predict(X)
    for step in (1, 7, 32):
        assert (np.concatenate([fm.predict(X[i:i + step]) for i in range(0, len(X), step)]) == whole).all(), step
    check_methods_subset_invariance('FactorizationMachines', FactorizationMachines(predictor_type='regressor', num_factors=4, epochs=10,
                                    mini_batch_size=50, bias_lr=0.1, linear_lr=0.1, factors_lr=0.01, random_state=seed))


# ---------------------------------------------------------------- defect 12: clarify's group variable as a Series
def test_posttraining_bias_takes_the_group_variable_as_a_series():
    from sagestudy.clarify.posttraining import posttraining_bias
    rng = np.random.default_rng(0)
    df = pd.DataFrame(dict(sex=rng.choice(['f', 'm'], 400), y=rng.integers(0, 2, 400), p=rng.integers(0, 2, 400),
                           dept=rng.choice(['a', 'b', 'c'], 400)))
    by_name = posttraining_bias(df, 'y', 'sex', 'p', [1], ['f'], group_variable='dept', methods=['CDDPL'])
    by_series = posttraining_bias(df.drop(columns='dept'), 'y', 'sex', 'p', [1], ['f'], group_variable=df['dept'], methods=['CDDPL'])
    shuffled = df['dept'].sample(frac=1, random_state=0)                         # same index, other order: aligned by index
    by_shuffled = posttraining_bias(df.drop(columns='dept'), 'y', 'sex', 'p', [1], ['f'], group_variable=shuffled, methods=['CDDPL'])
    assert by_name['CDDPL'] == by_series['CDDPL'] == by_shuffled['CDDPL']
    from sagestudy.core.errors import DataFormatError
    with pytest.raises(DataFormatError, match='holds 10 values; the data has 400 rows'):
        posttraining_bias(df, 'y', 'sex', 'p', [1], ['f'], group_variable=df['dept'][:10], methods=['CDDPL'])


# ---------------------------------------------------------------- issue 11, defect 5: response options that were ignored
def test_knn_verbose_in_accept_reaches_the_response(knn5):
    from sagestudy.platform.serving import invoke
    body = b'0.1,0.2,0.3,0.4,0.5'
    plain = json.loads(invoke(knn5, body, 'text/csv', 'application/json')[0])['predictions'][0]
    loud = json.loads(invoke(knn5, body, 'text/csv', 'application/json; verbose=true')[0])['predictions'][0]
    assert set(plain) == {'predicted_label'} and set(loud) == {'predicted_label', 'distances', 'labels'}
    assert len(loud['distances']) == 3 and loud['distances'] == sorted(loud['distances'])

def test_xgboost_selectable_inference_output(xgb5, monkeypatch):
    from sagestudy.platform.serving import invoke
    from sagestudy.core.errors import InvocationError
    row = np.random.default_rng(1).normal(size=(1, 5)).astype(np.float32)
    body = ','.join(map(str, row[0])).encode()
    p = float(xgb5.predict_score(row)[0])
    monkeypatch.setenv('SAGEMAKER_INFERENCE_OUTPUT', 'predicted_label,labels,probabilities')
    out = json.loads(invoke(xgb5, body, 'text/csv', 'application/json')[0])['predictions'][0]
    assert list(out) == ['predicted_label', 'labels', 'probabilities']
    assert out['predicted_label'] == int(p > 0.5) and out['labels'] == [0, 1]
    assert np.allclose(out['probabilities'], [1 - p, p], atol=1e-6)
    monkeypatch.setenv('SAGEMAKER_INFERENCE_OUTPUT', 'predicted_score')
    with pytest.raises(ValueError, match="'predicted_score' is not an output of objective 'binary:logistic'"):
        invoke(xgb5, body, 'text/csv', 'application/json')
    monkeypatch.delenv('SAGEMAKER_INFERENCE_OUTPUT')
    assert list(json.loads(invoke(xgb5, body, 'text/csv', 'application/json')[0])['predictions'][0]) == ['score']
