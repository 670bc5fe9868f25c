"""k-means on the local platform (issue 14): training jobs from RecordIO-protobuf (the default) and `text/csv;label_size=0`
channels, the model.tar.gz, an endpoint answering in SageMaker's shapes, batch transform, the SDK's `sagemaker.KMeans` with
`record_set`, a 2-instance job with the quality of one instance, and hostile inputs (malformed files, bad hyperparameters,
bad HTTP payloads)."""
import io, json
from pathlib import Path
import numpy as np
import pytest

import sagestudy.sagemaker as sagemaker
from sagestudy.sagemaker import get_execution_role
from sagestudy.sagemaker.estimator import Estimator
from sagestudy.sagemaker.inputs import TrainingInput
from sagestudy.core import formats
from sagestudy.core.errors import ClientError, HyperparameterError
from sagestudy.algorithms.kmeans import KMeans

@pytest.fixture(autouse=True)
def sagemaker_home(tmp_path, monkeypatch):
    "A fresh local AWS for each test: `sagemaker.Session()` with no arguments uses it"
    monkeypatch.setenv('SAGESTUDY_HOME', str(tmp_path/'home'))
    yield tmp_path

def _blobs(n=400, d=5, k=4, seed=0):
    "Rows around `k` planted centres (float32), the centres, and each row's group"
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 6, size=(k, d))
    group = rng.integers(0, k, n)
    return (centres[group] + rng.normal(size=(n, d))).astype(np.float32), centres, group

def _ssd(X, C): return float(((X[:, None, :].astype(np.float64) - C[None]) ** 2).sum(-1).min(1).sum())

def _model(sess, uri, tmp_path)->KMeans:
    "The trained model.tar.gz at `uri`, loaded in this process"
    tmp_path.mkdir(parents=True, exist_ok=True); p = tmp_path/'model.tar.gz'; p.write_bytes(sess.s3.get_bytes(uri))
    return KMeans.load(p)

def _put(sess, key, data:bytes)->str:
    "Upload `data` to the default bucket; returns its folder's s3:// URI"
    return sess.s3.put_bytes(f's3://{sess.default_bucket()}/{key}', data).rsplit('/', 1)[0]

def _rec(X)->bytes:
    buf = io.BytesIO(); formats.write_recordio_protobuf(buf, X); return buf.getvalue()

def _csv(X)->bytes:
    return ''.join(','.join(f'{v:.6f}' for v in row) + '\n' for row in X).encode()

def _fit(sess, est, channels):
    "est.fit, with the job's FailureReason in the message when it fails"
    try: est.fit(channels, logs=False)
    except Exception as e:
        d = sess.sagemaker_client.describe_training_job(TrainingJobName=est.latest_training_job.name)
        raise AssertionError(f"{d['TrainingJobStatus']}: {d.get('FailureReason')}") from e

def _estimator(sess, hp, count=1):
    return Estimator('kmeans', instance_count=count, instance_type='ml.c5.xlarge', sagemaker_session=sess, hyperparameters=hp)

# --- the SDK's first-party estimator: record_set (RecordIO-protobuf, the default), deploy, predict -------------------------
def test_sdk_kmeans_record_set(sagemaker_home):
    role, sess = get_execution_role(), sagemaker.Session()
    X, centres, group = _blobs()
    kmeans = sagemaker.KMeans(role=role, instance_count=1, instance_type='ml.c5.xlarge', k=4, center_factor=4,  # the SDK's name
                              sagemaker_session=sess)
    kmeans.fit(kmeans.record_set(X), mini_batch_size=100)
    req = sess.last_request('CreateTrainingJob')
    assert req['HyperParameters']['feature_dim'] == '5' and req['HyperParameters']['k'] == '4'
    assert req['HyperParameters']['extra_center_factor'] == '4'          # center_factor travels under the API's name
    assert 'ContentType' not in req['InputDataConfig'][0]                 # RecordIO-protobuf is the default: none sent
    model = _model(sess, kmeans.model_data, sagemaker_home)
    assert model.K_centers_.shape == (16, 5)                              # k x extra_center_factor centres were streamed
    assert np.abs(np.sort(model.cluster_centers_.sum(1)) - np.sort(centres.sum(1))).max() < 1.0   # the planted centres
    predictor = kmeans.deploy(initial_instance_count=1, instance_type='ml.m5.xlarge')
    result = predictor.predict(X[:50])
    got = np.array([r.label['closest_cluster'].float32_tensor.values[0] for r in result])
    dist = np.array([r.label['distance_to_cluster'].float32_tensor.values[0] for r in result])
    assert got.tolist() == model.predict(X[:50]).astype(float).tolist()
    np.testing.assert_allclose(dist, model.transform(X[:50]).min(1), rtol=1e-5)
    predictor.delete_endpoint()

# --- a training job from text/csv;label_size=0 with a test channel; the endpoint in every response type; batch transform -------
def test_csv_job_metrics_endpoint_and_transform(sagemaker_home):
    sess = sagemaker.Session()
    X, _, _ = _blobs()
    train, test = _put(sess, 'km/train/part-0.csv', _csv(X[:300])), _put(sess, 'km/test/part-0.csv', _csv(X[300:]))
    est = _estimator(sess, {'k': '4', 'feature_dim': '5', 'eval_metrics': '["msd","ssd"]', 'mini_batch_size': '100'})
    _fit(sess, est, {'train': TrainingInput(train, content_type='text/csv;label_size=0'),
                     'test': TrainingInput(test, content_type='text/csv;label_size=0')})
    d = sess.sagemaker_client.describe_training_job(TrainingJobName=est.latest_training_job.name)
    metrics = {m['MetricName']: m['Value'] for m in d['FinalMetricDataList']}
    model = _model(sess, est.model_data, sagemaker_home)
    ssd = _ssd(X[300:], model.cluster_centers_)
    assert set(metrics) == {'test:msd', 'test:ssd'}
    assert metrics['test:ssd'] == pytest.approx(ssd, rel=1e-4) and metrics['test:msd'] == pytest.approx(ssd / 100, rel=1e-4)

    est.deploy(initial_instance_count=1, instance_type='ml.m5.xlarge', endpoint_name='km-csv')
    rt = sess.sagemaker_runtime_client
    call = lambda body, ct, accept: rt.invoke_endpoint(EndpointName='km-csv', Body=body, ContentType=ct, Accept=accept)['Body'].read()
    body = _csv(X[:3])
    js = json.loads(call(body, 'text/csv', 'application/json'))
    want = model.predict_response(X[:3])
    assert [p['closest_cluster'] for p in js['predictions']] == [p['closest_cluster'] for p in want['predictions']]
    assert all(isinstance(p['closest_cluster'], float) for p in js['predictions'])
    lines = call(body, 'text/csv', 'application/jsonlines').decode().splitlines()
    assert [json.loads(l) for l in lines] == js['predictions']
    rows = [r.split(',') for r in call(body, 'text/csv', 'text/csv').decode().splitlines()]
    assert [float(r[0]) for r in rows] == [p['closest_cluster'] for p in js['predictions']] and all(len(r) == 2 for r in rows)
    recs = [formats.decode_record(r) for r in formats.read_records(io.BytesIO(call(_rec(X[:3]), 'application/x-recordio-protobuf',
                                                                                  'application/x-recordio-protobuf')))]
    assert [float(r['label']['closest_cluster'][0]) for r in recs] == [p['closest_cluster'] for p in js['predictions']]
    jreq = json.dumps({'instances': [{'features': X[0].tolist()}]}).encode()
    one = json.loads(call(jreq, 'application/json', 'application/json'))['predictions'][0]   # the CSV held 6 decimals, the JSON all
    assert one['closest_cluster'] == js['predictions'][0]['closest_cluster']
    assert one['distance_to_cluster'] == pytest.approx(js['predictions'][0]['distance_to_cluster'], rel=1e-5)

    tr = est.transformer(1, 'ml.m5.xlarge', accept='application/jsonlines')
    data = _put(sess, 'km/batch/a.csv', _csv(X[:40]))
    assert tr.transform(data, content_type='text/csv', split_type='Line')['TransformJobStatus'] == 'Completed'
    out = [json.loads(l) for l in sess.s3.get_bytes(f'{tr.output_path}/a.csv.out').decode().splitlines()]
    assert [o['closest_cluster'] for o in out] == model.predict(X[:40]).astype(float).tolist()

# --- several instances: two processes, each with its shard, one model ------------------------------------------------------
def test_two_instances_train_one_model_of_the_same_quality(sagemaker_home):
    sess = sagemaker.Session()
    X, _, _ = _blobs(n=2000, d=8, k=6, seed=3)
    for i, part in enumerate(np.array_split(X, 2)): _put(sess, f'km2/train/part-{i}.rec', _rec(part))
    uri = f's3://{sess.default_bucket()}/km2/train'
    hp = {'k': '6', 'feature_dim': '8', 'mini_batch_size': '200', 'epochs': '2'}
    one, two = _estimator(sess, hp, 1), _estimator(sess, hp, 2)
    _fit(sess, one, {'train': TrainingInput(uri)})
    _fit(sess, two, {'train': TrainingInput(uri, distribution='ShardedByS3Key')})
    m1, m2 = _model(sess, one.model_data, sagemaker_home/'one'), _model(sess, two.model_data, sagemaker_home/'two')
    assert m2.K_weights_.sum() == pytest.approx(2 * len(X))      # 2 epochs of both shards: the hosts' batches were summed
    assert m1.K_weights_.sum() == pytest.approx(2 * len(X))
    s1, s2 = _ssd(X, m1.cluster_centers_), _ssd(X, m2.cluster_centers_)
    assert s2 <= 1.01 * s1, (s1, s2)                             # the same quality as one instance
    ref = KMeans(k=6, mini_batch_size=200, epochs=2).fit(X)
    assert s2 <= 1.01 * ref.inertia_


# --- hostile inputs ---------------------------------------------------------------------------------------------------------
def _failure(sess, est, channels)->str:
    "The FailureReason of a job that must fail"
    with pytest.raises(Exception): est.fit(channels, logs=False)
    d = sess.sagemaker_client.describe_training_job(TrainingJobName=est.latest_training_job.name)
    assert d['TrainingJobStatus'] == 'Failed'
    return d['FailureReason']

def test_malformed_files_fail_the_job_naming_file_and_line(sagemaker_home):
    sess = sagemaker.Session()
    X, _, _ = _blobs(n=20)
    bad = _csv(X[:2]) + b'1.0,2.0,oops,4.0,5.0\n' + _csv(X[2:])
    uri = _put(sess, 'bad/train/part-7.csv', bad)
    why = _failure(sess, _estimator(sess, {'k': '2', 'feature_dim': '5'}), {'train': TrainingInput(uri, content_type='text/csv;label_size=0')})
    assert why.startswith('ClientError') and 'part-7.csv' in why and 'line 3' in why, why
    short = _put(sess, 'short/train/a.csv', _csv(X[:5]) + b'1,2,3\n')
    why = _failure(sess, _estimator(sess, {'k': '2', 'feature_dim': '5'}), {'train': TrainingInput(short, content_type='text/csv;label_size=0')})
    assert 'a.csv' in why and 'line 6' in why, why
    trunc = _put(sess, 'trunc/train/b.rec', _rec(X)[:-7])
    why = _failure(sess, _estimator(sess, {'k': '2', 'feature_dim': '5'}), {'train': TrainingInput(trunc)})
    assert why.startswith('ClientError') and 'b.rec' in why, why
    nanfile = _put(sess, 'nan/train/c.csv', _csv(X[:4]) + b'1,2,nan,4,5\n')
    why = _failure(sess, _estimator(sess, {'k': '2', 'feature_dim': '5'}), {'train': TrainingInput(nanfile, content_type='text/csv;label_size=0')})
    assert 'c.csv' in why and 'line 5' in why, why

def test_csv_without_label_size_and_bad_hyperparameters_are_named(sagemaker_home):
    sess = sagemaker.Session()
    X, _, _ = _blobs(n=60)
    uri = _put(sess, 'lab/train/a.csv', _csv(X))
    why = _failure(sess, _estimator(sess, {'k': '2', 'feature_dim': '5'}), {'train': TrainingInput(uri, content_type='text/csv')})
    assert "'feature_dim'" in why and 'label_size=0' in why, why
    for hp, name in [({'k': '0', 'feature_dim': '5'}, "'k'"), ({'feature_dim': '5'}, "'k'"),
                     ({'k': '2', 'feature_dim': '5', 'init_method': 'k-means++'}, "'init_method'"),
                     ({'k': '2', 'feature_dim': '5', 'eval_metrics': '["msd","rmse"]'}, "'eval_metrics'"),
                     ({'k': '2', 'feature_dim': '5', 'extra_center_factor': 'lots'}, "'extra_center_factor'"),
                     ({'k': '2', 'feature_dim': '5', 'local_lloyd_tol': '2'}, "'local_lloyd_tol'"),
                     ({'k': '2', 'feature_dim': '5', 'center_factor': '4'}, "'center_factor'"),
                     ({'k': '61', 'feature_dim': '5'}, "'k'")]:
        why = _failure(sess, _estimator(sess, hp), {'train': TrainingInput(uri, content_type='text/csv;label_size=0')})
        assert why.startswith('ClientError') and name in why, (hp, why)
    with pytest.raises(HyperparameterError, match="'k'"):           # the SDK class checks before anything is sent
        sagemaker.KMeans(role=get_execution_role(), instance_count=1, instance_type='ml.c5.xlarge', k=0, sagemaker_session=sess)

def test_bad_http_payloads_get_a_4xx_and_the_server_stays_up(sagemaker_home):
    sess = sagemaker.Session()
    X, _, _ = _blobs(n=100)
    model = KMeans(k=3, random_state=0).fit(X)
    uri = sess.upload_data(str(model.save(sagemaker_home/'model.tar.gz')), key_prefix='kmodel')
    image = sagemaker.image_uris.retrieve('kmeans', sess.boto_region_name)
    sess.sagemaker_client.create_model(ModelName='km', ExecutionRoleArn=get_execution_role(), PrimaryContainer={'Image': image, 'ModelDataUrl': uri})
    sess.sagemaker_client.create_endpoint_config(EndpointConfigName='km', ProductionVariants=[
        {'VariantName': 'v', 'ModelName': 'km', 'InitialInstanceCount': 1, 'InstanceType': 'ml.m5.xlarge'}])
    sess.sagemaker_client.create_endpoint(EndpointName='km', EndpointConfigName='km')
    sess.wait_for_endpoint('km')
    rt = sess.sagemaker_runtime_client
    call = lambda body, ct='text/csv', accept='application/json': rt.invoke_endpoint(EndpointName='km', Body=body, ContentType=ct, Accept=accept)
    for body, ct, accept, words in [
            (b'1,2,3\n', 'text/csv', 'application/json', ('400', '5 features')),
            (b'1,2,x,4,5\n', 'text/csv', 'application/json', ('400', 'line 1')),
            (b'1,2,nan,4,5\n', 'text/csv', 'application/json', ('400', 'NaN')),
            (b'{"instances": [{"features": [1, 2]}', 'application/json', 'application/json', ('400', 'JSON')),
            (b'{"instances": []}', 'application/json', 'application/json', ('400', 'no instances')),
            (b'\x00\x01garbage', 'application/x-recordio-protobuf', 'application/json', ('400',)),
            (b'1,2,3,4,5\n', 'text/plain', 'application/json', ('415', 'text/plain')),
            (b'1,2,3,4,5\n', 'text/csv', 'image/png', ('406', 'image/png'))]:
        with pytest.raises(ClientError) as e: call(body, ct, accept)
        msg = str(e.value)
        assert all(w in msg for w in words), (body, ct, accept, msg)
    ok = json.loads(call(_csv(X[:2]))['Body'].read())                  # still serving
    sent = np.loadtxt(io.StringIO(_csv(X[:2]).decode()), delimiter=',', dtype=np.float32, ndmin=2)   # what the CSV carried
    assert ok == json.loads(json.dumps(model.predict_response(sent)))
    sess.sagemaker_client.delete_endpoint(EndpointName='km')
