"""LDA end to end on the platform (issue 16): the SDK's first-party `LDA` with `record_set`, training jobs from RecordIO-protobuf
(the default) and CSV channels, CSV refused in Pipe mode, the model.tar.gz, an endpoint answering `topic_mixture`, batch
transform, and hostile inputs (malformed files, bad hyperparameters, bad payloads) each refused with a named error."""
import io, json, tarfile
import numpy as np
import pytest
import scipy.sparse as sp

import sagestudy.sagemaker as sagemaker
from sagestudy.sagemaker import get_execution_role
from sagestudy.sagemaker.inputs import TrainingInput
from sagestudy.sagemaker.estimator import Estimator, UnexpectedStatusException
from sagestudy.sagemaker.serializers import CSVSerializer
from sagestudy.sagemaker.deserializers import JSONDeserializer
from sagestudy.sagemaker.transformer import Transformer
from sagestudy.core import formats
from sagestudy.core.errors import ClientError, DataFormatError, HyperparameterError, InvocationError
from sagestudy.algorithms.lda import LDA, planted_corpus, match_topics
from sagestudy.service import hosting as h

K, V, D = 4, 60, 600

@pytest.fixture(autouse=True)
def sagemaker_home(tmp_path, monkeypatch):
    "A fresh local AWS for each test: `sagemaker.Session()` with no arguments uses it"
    monkeypatch.setenv('SAGESTUDY_HOME', str(tmp_path/'home'))
    yield tmp_path

@pytest.fixture(scope='module')
def corpus():
    "A planted corpus: (counts CSR float32, planted topics)"
    X, beta, _ = planted_corpus(D, V, K, 60, seed=3)
    return X.astype(np.float32), beta

def _image(sess): return sagemaker.image_uris.retrieve('lda', sess.boto_region_name)

def _put(sess, key, data:bytes)->str:
    "Put one object; return its folder's URI (the channel)"
    return sess.s3.put_bytes(f's3://{sess.default_bucket()}/{key}', data).rsplit('/', 1)[0]

def _recordio(X)->bytes:
    buf = io.BytesIO(); formats.write_recordio_protobuf(buf, X); return buf.getvalue()

def _csv(X)->bytes:
    buf = io.BytesIO(); formats.write_csv(buf, X.toarray() if sp.issparse(X) else X); return buf.getvalue()

def _estimator(sess, **hp):
    est = Estimator(_image(sess), get_execution_role(), instance_count=1, instance_type='ml.c5.xlarge', sagemaker_session=sess,
                    **({'input_mode': hp.pop('input_mode')} if 'input_mode' in hp else {}))
    est.set_hyperparameters(**({'num_topics': K, 'feature_dim': V, 'mini_batch_size': D} | hp))
    return est

def _failure(est)->str: return est.latest_training_job.describe()['FailureReason']

# --- the SDK workflow the exam shows ---------------------------------------------------------------------------------
def test_record_set_fit_deploy_predict(corpus):
    X, beta = corpus
    sess = sagemaker.Session()
    lda = sagemaker.LDA(role=get_execution_role(), instance_count=1, instance_type='ml.c5.2xlarge', num_topics=K, sagemaker_session=sess)
    lda.fit(lda.record_set(X.toarray()), mini_batch_size=D)
    req = sess.last_request('CreateTrainingJob')
    assert req['HyperParameters'] == {'num_topics': str(K), 'feature_dim': str(V), 'mini_batch_size': str(D)} | {
        k: v for k, v in req['HyperParameters'].items() if k not in ('num_topics', 'feature_dim', 'mini_batch_size')}
    assert 'ContentType' not in req['InputDataConfig'][0]                      # RecordIO-protobuf: the default, none sent
    with tarfile.open(sess.s3.path(lda.model_data)) as tar: assert {'model.safetensors', 'model.json'} <= set(tar.getnames())
    predictor = lda.deploy(initial_instance_count=1, instance_type='ml.m5.xlarge')
    try:
        result = predictor.predict(X[:5].toarray())
        mix = np.array([r.label['topic_mixture'].float32_tensor.values for r in result])
        assert mix.shape == (5, K) and np.allclose(mix.sum(1), 1, atol=1e-5)
        predictor.serializer, predictor.deserializer = CSVSerializer(), JSONDeserializer()
        answer = predictor.predict(X[:5].toarray())
        assert np.allclose([p['topic_mixture'] for p in answer['predictions']], mix, atol=1e-6)
    finally: predictor.delete_endpoint()
    from sagestudy.algorithms.lda import LDA as Local
    est = Local.load(sess.s3.path(lda.model_data))
    assert match_topics(est.beta_.numpy(), beta)[0] < 0.1                      # the job found the planted topics

def test_sdk_needs_mini_batch_size(corpus):
    X, _ = corpus
    lda = sagemaker.LDA(role=get_execution_role(), instance_count=1, instance_type='ml.c5.2xlarge', num_topics=K)
    with pytest.raises((ValueError, ClientError, HyperparameterError), match='mini_batch_size'):
        lda.fit(lda.record_set(X[:50].toarray()))

def test_gpu_and_several_instances_refused(corpus):
    X, _ = corpus
    for kw in (dict(instance_count=1, instance_type='ml.p3.2xlarge'), dict(instance_count=2, instance_type='ml.c5.2xlarge')):
        lda = sagemaker.LDA(role=get_execution_role(), num_topics=K, **kw)
        with pytest.raises(Exception, match='CPU|single instance'): lda.fit(lda.record_set(X[:50].toarray()), mini_batch_size=50)

# --- training jobs from channels -------------------------------------------------------------------------------------
@pytest.fixture(scope='module')
def rec_job(tmp_path_factory, corpus):
    "One File-mode job on sparse RecordIO-protobuf (the default type, no ContentType sent) with a test channel"
    X, _ = corpus
    sess = sagemaker.Session(tmp_path_factory.mktemp('home'))
    est = _estimator(sess)
    est.fit({'train': TrainingInput(_put(sess, 'lda/rec-train/train.rec', _recordio(X))),
             'test': TrainingInput(_put(sess, 'lda/rec-test/test.rec', _recordio(X[:100])))}, logs=False)
    return sess, est

def test_recordio_job_reports_test_pwll(rec_job):
    sess, est = rec_job
    metrics = {m['MetricName']: m['Value'] for m in est.latest_training_job.describe().get('FinalMetricDataList', [])}
    assert 'test:pwll' in metrics and -np.log(V) < metrics['test:pwll'] < 0, metrics
    assert 'ContentType' not in sess.last_request('CreateTrainingJob')['InputDataConfig'][0]

def test_csv_channel_gives_the_same_model(rec_job, corpus):
    X, _ = corpus
    sess, rec = rec_job
    csv = _estimator(sess)
    csv.fit({'train': TrainingInput(_put(sess, 'lda/csv-train/train.csv', _csv(X)), content_type='text/csv;label_size=0')}, logs=False)
    a, b = (LDA.load(sess.s3.path(e.model_data)) for e in (rec, csv))
    assert np.allclose(a.beta_.numpy(), b.beta_.numpy(), atol=1e-9)

def test_pipe_mode_recordio_trains_csv_fails(corpus):
    X, _ = corpus
    sess = sagemaker.Session()
    ok = _estimator(sess, input_mode='Pipe')
    ok.fit({'train': TrainingInput(_put(sess, 'lda/p/train.rec', _recordio(X)))}, logs=False)
    assert ok.latest_training_job.describe()['TrainingJobStatus'] == 'Completed'
    bad = _estimator(sess, input_mode='Pipe')
    with pytest.raises(UnexpectedStatusException):
        bad.fit({'train': TrainingInput(_put(sess, 'lda/pc/train.csv', _csv(X)), content_type='text/csv;label_size=0')}, logs=False)
    assert 'File mode only' in _failure(bad) and _failure(bad).startswith('ClientError')

def test_batch_transform(rec_job, corpus):
    X, _ = corpus
    sess, est = rec_job
    data = _put(sess, 'lda/bt-in/docs.csv', _csv(X[:7]))
    tr = est.transformer(instance_count=1, instance_type='ml.m5.xlarge', accept='application/json', assemble_with='Line')
    tr.transform(data, content_type='text/csv', split_type='Line')
    out = sess.s3.get_bytes(f'{tr.output_path}/docs.csv.out').decode()
    mixes = [p['topic_mixture'] for line in out.splitlines() if line.strip() for p in json.loads(line)['predictions']]
    local = LDA.load(sess.s3.path(est.model_data)).transform(X[:7])
    assert np.allclose(mixes, local, atol=1e-6)

# --- hostile inputs ----------------------------------------------------------------------------------------------------
BAD_FILES = [
    ('plain-csv', b'1,2,3\n', 'text/csv', 'label_size=0'),
    ('not-a-number', b'1,2,3\n4,x,6\n', 'text/csv;label_size=0', 'line 2'),
    ('negative', b'1,2,3\n4,-5,6\n', 'text/csv;label_size=0', 'count -5'),
    ('ragged', b'1,2,3\n4,5\n', 'text/csv;label_size=0', 'line 2'),
    ('truncated-recordio', None, 'application/x-recordio-protobuf', 'train.rec'),
    ('wrong-width', b'1,2\n3,4\n', 'text/csv;label_size=0', 'feature_dim'),
]

def _bad_data(data): return _recordio(np.ones((4, 3), np.float32))[:-7] if data is None else data

@pytest.mark.parametrize('name, data, ct, needle', BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_malformed_channel_named(tmp_path, name, data, ct, needle):
    "The container's reading path (fit_channels), in process: every malformed file is a named error"
    fname = 'train.rec' if 'recordio' in ct else 'train.csv'
    (tmp_path/'train').mkdir(); (tmp_path/'train'/fname).write_bytes(_bad_data(data))
    est = LDA.from_hyperparameters({'num_topics': '2', 'feature_dim': '3', 'mini_batch_size': '2'})
    with pytest.raises((DataFormatError, HyperparameterError), match=needle.replace('.', r'\.')):
        est.fit_channels({'train': (tmp_path/'train', ct)})

@pytest.mark.parametrize('name, data, ct, needle', [BAD_FILES[2]], ids=['negative'])
def test_malformed_files_fail_the_job_named(name, data, ct, needle):
    "One of them as a real training job: FailureReason is a ClientError naming the file and the problem"
    sess = sagemaker.Session()
    est = _estimator(sess, num_topics=2, feature_dim=3, mini_batch_size=2)
    fname = 'train.rec' if 'recordio' in ct else 'train.csv'
    with pytest.raises(UnexpectedStatusException):
        est.fit({'train': TrainingInput(_put(sess, f'bad/{name}/{fname}', _bad_data(data)), content_type=ct)}, logs=False)
    reason = _failure(est)
    assert reason.startswith('ClientError') and needle in reason and fname in reason, reason

@pytest.mark.parametrize('hp, needle', [
    (dict(num_topics='0'), 'num_topics'), (dict(alpha0='-1'), 'alpha0'), (dict(tol='0'), 'tol'),
    (dict(max_restarts='many'), 'max_restarts'), (dict(num_topic='3'), 'num_topic'), (dict(mini_batch_size='0'), 'mini_batch_size'),
])
def test_bad_hyperparameters_named(hp, needle):
    with pytest.raises(HyperparameterError, match=needle):
        LDA.from_hyperparameters({'num_topics': '4', 'feature_dim': '60', 'mini_batch_size': '600'} | hp)

def test_bad_hyperparameter_fails_the_job(corpus):
    X, _ = corpus
    sess = sagemaker.Session()
    est = _estimator(sess, alpha0=-1)
    with pytest.raises((ClientError, UnexpectedStatusException)) as e:
        est.fit({'train': TrainingInput(_put(sess, 'hp/train.rec', _recordio(X[:50])))}, logs=False)
    text = str(e.value)
    assert 'alpha0' in text, text

def test_local_errors_name_the_problem():
    with pytest.raises(HyperparameterError, match='mini_batch_size'): LDA.from_hyperparameters({'num_topics': '2', 'feature_dim': '3'})
    with pytest.raises(HyperparameterError, match='num_topics'): LDA(num_topics=5).fit(np.ones((10, 3)))
    with pytest.raises(DataFormatError, match=r'record 2.*count -1'): LDA(num_topics=2).fit(np.array([[1, 2, 3], [1, -1, 0], [2, 2, 2]]))
    with pytest.raises(DataFormatError, match='nan'): LDA(num_topics=2).fit(np.array([[1, 2, 3], [1, np.nan, 0], [2, 2, 2]]))

@pytest.fixture(scope='module')
def endpoint(tmp_path_factory, corpus):
    "An LDA endpoint on the hosting service"
    X, _ = corpus
    home = tmp_path_factory.mktemp('home')
    sess = sagemaker.Session(home)
    uri = sess.upload_data(LDA(num_topics=K, random_state=0).fit(X).save(tmp_path_factory.mktemp('art')/'model.tar.gz'), key_prefix='lda')
    h.create_model(home, ModelName='lda-m', PrimaryContainer={'Image': _image(sess), 'ModelDataUrl': uri})
    h.create_endpoint_config(home, EndpointConfigName='lda-c', ProductionVariants=[{'VariantName': 'A', 'ModelName': 'lda-m',
                             'InstanceType': 'ml.m5.large', 'InitialInstanceCount': 1, 'InitialVariantWeight': 1.0}])
    h.create_endpoint(home, EndpointName='lda-e', EndpointConfigName='lda-c')
    yield home, X
    h.delete_endpoint(home, EndpointName='lda-e')

ROW = ','.join(['1'] * V)

@pytest.mark.parametrize('kw, status, needle', [
    (dict(Body=ROW.replace('1', '-2', 1), ContentType='text/csv'), 400, 'count -2'),
    (dict(Body=','.join(['1'] * (V + 1)), ContentType='text/csv'), 400, f'{V}'),
    (dict(Body='{"instances": [{"features": [1, "a"]}]}', ContentType='application/json'), 400, "'a'"),
    (dict(Body='{"instances": [{"data": {"features": {"keys": [70], "shape": [80], "values": [1]}}}]}', ContentType='application/json'), 400, 'feature'),
    (dict(Body=ROW, ContentType='text/csv', Accept='text/csv'), 406, 'Accept'),
    (dict(Body=ROW, ContentType='application/jsonlines'), 415, 'Content-Type'),
    (dict(Body=b'\x00\x01garbage', ContentType='application/x-recordio-protobuf'), 400, ''),
])
def test_hostile_payloads_4xx_and_server_survives(endpoint, kw, status, needle):
    home, X = endpoint
    with pytest.raises(ClientError) as e: h.invoke_endpoint(home, EndpointName='lda-e', **kw)
    err = e.value.response
    assert err['Error']['Code'] == 'ModelError' and err['OriginalStatusCode'] == status and needle in err['OriginalMessage'], err
    r = h.invoke_endpoint(home, EndpointName='lda-e', Body=ROW, ContentType='text/csv', Accept='application/json')
    assert len(json.loads(r['Body'].read())['predictions'][0]['topic_mixture']) == K

def test_endpoint_sparse_json_and_recordio(endpoint):
    home, X = endpoint
    row = X[0].tocoo()
    body = json.dumps({'instances': [{'data': {'features': {'keys': row.col.tolist(), 'shape': [V], 'values': row.data.tolist()}}}]})
    r = h.invoke_endpoint(home, EndpointName='lda-e', Body=body, ContentType='application/json', Accept='application/json')
    sparse_mix = json.loads(r['Body'].read())['predictions'][0]['topic_mixture']
    r = h.invoke_endpoint(home, EndpointName='lda-e', Body=_recordio(X[:1]), ContentType='application/x-recordio-protobuf',
                          Accept='application/x-recordio-protobuf')
    rec = list(formats.read_records(io.BytesIO(r['Body'].read())))
    mix = formats.decode_record(rec[0])['label']['topic_mixture']
    assert np.allclose(np.asarray(mix['values'] if isinstance(mix, dict) else mix).ravel(), sparse_mix, atol=1e-6)

def test_predict_refuses_bad_counts_in_process():
    est = LDA(num_topics=2, random_state=0).fit(np.random.default_rng(0).integers(0, 5, (40, 6)))
    with pytest.raises(InvocationError, match='count -1'): est.respond(b'1,2,3,4,5,-1', 'text/csv', 'application/json')
