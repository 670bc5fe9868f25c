"""PCA on the local platform (issue 14): training jobs from RecordIO-protobuf (the default, no ContentType) and CSV channels,
File and Pipe mode, two instances, model.tar.gz, an endpoint answering `{"projections": ...}`, batch transform, the SDK's
`sagemaker.PCA` with `record_set`; and hostile inputs: malformed channel files, bad hyperparameters, bad HTTP payloads."""
import io, json, urllib.error, urllib.request
from pathlib import Path
import numpy as np
import pytest
import sagestudy.sagemaker as sagemaker
from sagestudy.algorithms.pca import PCA
from sagestudy.core import formats
from sagestudy.core.errors import DataFormatError, HyperparameterError
from sagestudy.platform.serving import ModelServer, ping
from sagestudy.sagemaker.deserializers import JSONDeserializer
from sagestudy.sagemaker.estimator import Estimator, UnexpectedStatusException
from sagestudy.sagemaker.inputs import TrainingInput
from sagestudy.sagemaker.serializers import CSVSerializer
from sagestudy.sagemaker.session import Session, get_execution_role

RIO = 'application/x-recordio-protobuf'

@pytest.fixture()
def sess(tmp_path): return Session(tmp_path/'home')

@pytest.fixture(scope='module')
def data():
    "300 rows of 12 features that live near a planted 3-dimensional subspace, offset from the origin; float32 as the SDK sends"
    rng = np.random.default_rng(0)
    basis = np.linalg.qr(rng.normal(size=(12, 3)))[0]
    return ((rng.normal(size=(300, 3)) * [4.0, 2.0, 1.0]) @ basis.T + 0.05 * rng.normal(size=(300, 12)) + 3.0).astype(np.float32)

def put(sess, key:str, X, content_type:str=RIO)->str:
    "Write `X` as one object in `content_type`; its S3 URI"
    buf = io.BytesIO()
    formats.write(buf, content_type, X)
    return sess.s3.put_bytes(f's3://{sess.default_bucket()}/{key}', buf.getvalue())

def pca_estimator(sess, count:int=1, **hp):
    hp = {'num_components': '3', 'feature_dim': '12', 'mini_batch_size': '64'} | hp
    return Estimator(sagemaker.image_uris.retrieve('pca', sess.boto_region_name), get_execution_role(), instance_count=count,
                     instance_type='ml.c5.xlarge', sagemaker_session=sess, hyperparameters=hp)

def trained(sess, est)->PCA:
    "The PCA inside the job's model.tar.gz"
    return PCA.load(sess.s3.path(est.model_data))

def test_recordio_default_csv_in_pipe_mode_and_two_instances(sess, data):
    ref = PCA(num_components=3, mini_batch_size=64).fit(data)
    rec = put(sess, 'pca/rec/part-0.rec', data).rsplit('/', 1)[0]
    est = pca_estimator(sess)
    est.fit({'train': TrainingInput(rec)}, logs=False)                     # no ContentType: RecordIO-protobuf, the catalog default
    assert 'ContentType' not in sess.last_request('CreateTrainingJob')['InputDataConfig'][0]
    np.testing.assert_array_equal(trained(sess, est).components_, ref.components_)
    csv = put(sess, 'pca/csv/part-0.csv', data, 'text/csv;label_size=0').rsplit('/', 1)[0]
    ct = 'text/csv;label_size=0'
    est.fit({'train': TrainingInput(csv, content_type=ct, input_mode='Pipe'), 'test': TrainingInput(csv, content_type=ct)}, logs=False)
    model = trained(sess, est)                                                   # Pipe mode: one pass over the FIFO train_0
    as_text = PCA(num_components=3, mini_batch_size=64).fit(data.astype(str).astype(np.float64))   # CSV holds the shortest decimal text
    np.testing.assert_array_equal(model.components_, as_text.components_)                          # of each float32, read as float64
    assert model.test_explained_variance_ratio_.sum() > 0.99                                        # the test channel was read
    put(sess, 'pca/two/part-0.rec', data[:150]); two = put(sess, 'pca/two/part-1.rec', data[150:]).rsplit('/', 1)[0]
    est2 = pca_estimator(sess, count=2)                                          # each instance sums half the rows; summaries are summed
    est2.fit({'train': TrainingInput(two, distribution='ShardedByS3Key')}, logs=False)
    np.testing.assert_allclose(trained(sess, est2).components_, ref.components_, atol=1e-9)
    np.testing.assert_allclose(trained(sess, est2).explained_variance_, ref.explained_variance_, rtol=1e-9)

def test_sdk_record_set_endpoint_and_transform(sess, data):
    pca = sagemaker.PCA(role=get_execution_role(), instance_count=1, instance_type='ml.c5.xlarge', num_components=3,
                        algorithm_mode='randomized', extra_components=5, sagemaker_session=sess)
    pca.fit(pca.record_set(data), logs=False)                                   # no mini_batch_size: the SDK's min(500, rows)
    hp = sess.last_request('CreateTrainingJob')['HyperParameters']
    assert hp == {'num_components': '3', 'algorithm_mode': 'randomized', 'extra_components': '5', 'feature_dim': '12',
                  'mini_batch_size': '300'}, hp
    ref = PCA(num_components=3, mini_batch_size=300, algorithm_mode='randomized', extra_components=5).fit(data)
    model = PCA.load(sess.s3.path(pca.model_data))
    assert model.sketch_size_ == 8                                               # 3 + 5 rows in the sketch
    np.testing.assert_array_equal(model.components_, ref.components_)            # the same seeded signs: the same one-pass sketch
    predictor = pca.deploy(initial_instance_count=1, instance_type='ml.m5.large')
    try:
        result = predictor.predict(data[:4])                                       # RecordIO both ways
        served = np.array([r.label['projection'].float32_tensor.values for r in result])
        np.testing.assert_allclose(served, ref.transform(data[:4]), rtol=1e-5, atol=1e-4)
        predictor.serializer, predictor.deserializer = CSVSerializer(), JSONDeserializer()
        answer = predictor.predict(data[:2])
        assert list(answer) == ['projections'] and len(answer['projections']) == 2 and len(answer['projections'][0]['projection']) == 3
    finally: predictor.delete_endpoint()
    batch = put(sess, 'pca/batch/rows.csv', data[:10], 'text/csv;label_size=0').rsplit('/', 1)[0]
    out = f's3://{sess.default_bucket()}/pca/batch-out'
    transformer = pca.transformer(instance_count=1, instance_type='ml.m5.large', output_path=out, accept='application/jsonlines',
                                  assemble_with='Line')
    transformer.transform(batch, content_type='text/csv', split_type='Line')
    transformer.wait()
    lines = sess.s3.get_bytes(f'{out}/rows.csv.out').decode().splitlines()
    got = np.array([json.loads(l)['projection'] for l in lines if l.strip()])
    np.testing.assert_allclose(got, ref.transform(data[:10]), rtol=1e-6, atol=1e-5)

def failure(sess, est, channels)->str:
    with pytest.raises(UnexpectedStatusException): est.fit(channels, logs=False)
    return sess.describe_training_job(est.latest_training_job.name)['FailureReason']

def test_malformed_channels_fail_the_job_by_name(sess, data, tmp_path):
    rows = '\n'.join(','.join(map(str, r)) for r in data[:20]).splitlines()
    bad = rows[:6] + [rows[6].replace(rows[6].split(',')[2], 'abc', 1)] + rows[7:]
    uri = sess.s3.put_bytes(f's3://{sess.default_bucket()}/bad/csv/part-0.csv', '\n'.join(bad).encode()).rsplit('/', 1)[0]
    reason = failure(sess, pca_estimator(sess), {'train': TrainingInput(uri, content_type='text/csv;label_size=0')})
    assert reason.startswith('ClientError') and 'part-0.csv, line 7' in reason and "'abc'" in reason, reason
    # the rest through the container's own path (fit_channels, then failure_reason), without starting a job each
    from sagestudy.service.training import failure_reason
    def reason_for(name, write, content_type=RIO, **hp):
        ch = tmp_path/name; ch.mkdir(); write(ch)
        with pytest.raises(Exception) as e: PCA.from_hyperparameters({'num_components': '3', 'feature_dim': '12', 'mini_batch_size': '64'} | hp).fit_channels({'train': (ch, content_type)})
        return failure_reason(e.value)
    nan = data[:20].copy(); nan[4, 5] = np.nan
    reason = reason_for('nan', lambda ch: formats.write(ch/'part-0.rec', RIO, nan))
    assert reason.startswith('ClientError') and 'part-0.rec, record 5' in reason and 'feature 5 (from 0) is nan' in reason, reason
    reason = reason_for('junk', lambda ch: (ch/'part-0.rec').write_bytes(b'\x00not recordio at all'))
    assert reason.startswith('ClientError') and 'part-0.rec' in reason, reason
    reason = reason_for('label', lambda ch: formats.write(ch/'part-0.csv', 'text/csv;label_size=0', data[:20]), 'text/csv')   # no label_size=0
    assert reason.startswith('ClientError') and "'feature_dim' = 12" in reason and 'label_size=0' in reason, reason
    reason = reason_for('widths', lambda ch: (formats.write(ch/'a.rec', RIO, data[:5]), formats.write(ch/'b.rec', RIO, data[:5, :4])))
    assert "file b.rec, record 1: rows have 4 features; the first file has 12" in reason, reason

def test_bad_hyperparameters_are_named(data):
    from sagestudy.service.training import failure_reason                      # what a job's FailureReason says, in-process
    with pytest.raises(HyperparameterError) as e: PCA(num_components=13).fit(data)   # known only with the data
    assert failure_reason(e.value) == "ClientError: pca: hyperparameter 'num_components' = 13: must be at most feature_dim (12)"
    for hp, words in (({'num_components': '0'}, "'num_components' = '0'"), ({'algorithm_mode': 'fast'}, "'algorithm_mode' = 'fast'"),
                      ({'subtract_means': 'true'}, 'did you mean')):
        with pytest.raises(HyperparameterError, match=words):                   # the container's first check, in-process
            PCA.from_hyperparameters({'num_components': '3', 'feature_dim': '12', 'mini_batch_size': '64'} | hp)
    with pytest.raises(HyperparameterError, match='mini_batch_size'):
        PCA.from_hyperparameters({'num_components': '3', 'feature_dim': '12'})
    with pytest.raises(HyperparameterError, match='must equal the number of features'):
        PCA.from_hyperparameters({'num_components': '3', 'feature_dim': '10', 'mini_batch_size': '64'}).fit(data)

def test_fit_refuses_bad_input(data, tmp_path):
    with pytest.raises(ValueError, match='refine_passes'): PCA(num_components=2, refine_passes=-1).fit(data)
    with pytest.raises(ValueError): PCA(num_components=2).fit(np.where(np.arange(12) == 3, np.nan, data))
    (tmp_path/'empty.csv').write_text('')
    with pytest.raises(DataFormatError, match='empty.csv'): PCA(num_components=2).fit_channels({'train': (tmp_path/'empty.csv', 'text/csv;label_size=0')})
    formats.write(tmp_path/'narrow.csv', 'text/csv;label_size=0', data[:5, :4])
    formats.write(tmp_path/'wide.csv', 'text/csv;label_size=0', data[:5])
    with pytest.raises(DataFormatError, match="channel 'test'.*4 features; channel 'train' has 12"):
        PCA(num_components=2).fit_channels({'train': tmp_path/'wide.csv', 'test': tmp_path/'narrow.csv'}, 'text/csv;label_size=0')
    with pytest.raises(DataFormatError, match='label_size must be a non-negative integer'):
        PCA(num_components=2).fit_channels({'train': (tmp_path/'wide.csv', 'text/csv;label_size=x')})

def post(url:str, body:bytes, content_type:str, accept:str='application/json')->tuple[int, bytes]:
    req = urllib.request.Request(url + '/invocations', data=body, headers={'Content-Type': content_type, 'Accept': accept})
    try:
        with urllib.request.urlopen(req, timeout=30) as r: return r.status, r.read()
    except urllib.error.HTTPError as e: return e.code, e.read()

def test_endpoint_refuses_bad_payloads_and_stays_up(data):
    model = PCA(num_components=3).fit(data)
    with ModelServer(model, workers=1) as server:
        ok = ','.join(map(str, data[0])).encode()
        status, body = post(server.url, ok, 'text/csv')
        assert status == 200 and list(json.loads(body)) == ['projections']
        status, body = post(server.url, ok, 'text/csv', 'application/jsonlines')
        assert status == 200 and set(json.loads(body)) == {'projection'}
        for payload, ct, accept, code, words in (
                (b'1,2,3', 'text/csv', 'application/json', 400, 'must have 12 features; got 3'),
                (ok.replace(b',', b',x', 1), 'text/csv', 'application/json', 400, 'column 2'),
                (b'{"instances": [{"features": [1, 2]}', 'application/json', 'application/json', 400, 'invalid JSON'),
                (b'{"instances": []}', 'application/json', 'application/json', 400, 'no instances'),
                (ok.replace(b',', b',nan,', 1).rsplit(b',', 1)[0], 'text/csv', 'application/json', 400, 'NaN'),
                (b'\x00\x01garbage', RIO, 'application/json', 400, 'request body'),
                (ok, 'text/libsvm', 'application/json', 415, 'text/libsvm'),
                (ok, 'text/csv', 'text/csv', 406, 'text/csv')):
            status, body = post(server.url, payload, ct, accept)
            assert status == code and words in body.decode(), (payload[:40], status, body[:200])
        assert ping('127.0.0.1', server.port) in server.worker_pids() and server.alive()   # ping names the worker that answered
