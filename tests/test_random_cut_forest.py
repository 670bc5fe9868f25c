"""Random Cut Forest on the local platform (issue 14): training jobs from RecordIO-protobuf (the default, no ContentType)
and CSV channels, a labelled test channel giving test:f1, the model.tar.gz, an endpoint answering `{"scores": [...]}`,
batch transform, the SDK's `sagemaker.RandomCutForest` with `record_set`; and hostile inputs: malformed files, bad
hyperparameters, bad HTTP payloads (4xx naming the problem, the endpoint still serving)."""
import io, json, tarfile
from pathlib import Path
import numpy as np
import pytest
import sagestudy.sagemaker as sagemaker
from sagestudy.core import formats
from sagestudy.core.errors import ClientError, DataFormatError, HyperparameterError, InvocationError
from sagestudy.algorithms.random_cut_forest import RandomCutForest, build_forest, codisp, rrcf_module, shingle
from sagestudy.sagemaker.estimator import Estimator, UnexpectedStatusException
from sagestudy.sagemaker.inputs import TrainingInput
from sagestudy.sagemaker.session import Session
from sagestudy.sagemaker.transformer import Transformer
from sagestudy.sagemaker.serializers import CSVSerializer
from sagestudy.sagemaker.deserializers import JSONDeserializer
from sagestudy.platform.serving import invoke

HP = {'feature_dim': 4, 'num_trees': 50, 'num_samples_per_tree': 64}
RIO = 'application/x-recordio-protobuf'

def planted(seed=0, n=400):
    "A Gaussian cloud in 4-D with 8 far records planted at the end: (X float32, labels with 1 = planted)"
    rng = np.random.default_rng(seed)
    X = np.concatenate([rng.normal(0, 1, (n, 4)), rng.uniform(6, 9, (8, 4)) * rng.choice([-1, 1], (8, 4))]).astype(np.float32)
    return X, np.r_[np.zeros(n), np.ones(8)].astype(np.float32)

@pytest.fixture()
def sess(tmp_path): return Session(tmp_path/'home')

@pytest.fixture(scope='module')
def model():
    X, _ = planted()
    return RandomCutForest(num_trees=50, num_samples_per_tree=64, random_state=0).fit(X)

def image(sess): return sagemaker.image_uris.retrieve('randomcutforest', sess.boto_region_name)

def job(sess, channels:dict, hyperparameters=HP)->Estimator:
    est = Estimator(image(sess), sagemaker.get_execution_role(), instance_count=1, instance_type='ml.m5.xlarge',
                    hyperparameters=hyperparameters, sagemaker_session=sess)
    est.fit(channels, logs=False)
    return est

# ---- training jobs ----

def test_recordio_default_job_with_labelled_test_channel(sess, tmp_path):
    X, y = planted()
    formats.write(tmp_path/'part-0.rec', RIO, X[:200]); formats.write(tmp_path/'part-1.rec', RIO, X[200:])   # one file per instance
    formats.write(tmp_path/'test.rec', RIO, X, y)
    train = sess.upload_data(str(tmp_path/'part-0.rec'), key_prefix='rcf/train').rsplit('/', 1)[0]
    sess.upload_data(str(tmp_path/'part-1.rec'), key_prefix='rcf/train')
    test = sess.upload_data(str(tmp_path/'test.rec'), key_prefix='rcf/test').rsplit('/', 1)[0]
    est = job(sess, {'train': TrainingInput(train, distribution='ShardedByS3Key'),                 # no ContentType: RecordIO
                     'test': TrainingInput(test, distribution='FullyReplicated')})
    req = sess.last_request('CreateTrainingJob')
    assert all('ContentType' not in c for c in req['InputDataConfig'])
    d = est.latest_training_job.describe()
    assert d['TrainingJobStatus'] == 'Completed', d.get('FailureReason')
    metrics = {m['MetricName']: m['Value'] for m in d['FinalMetricDataList']}
    assert metrics['test:f1'] > 0.8                                     # the catalog's metric definitions: test:f1
    with tarfile.open(sess.s3.path(est.model_data)) as tar: assert sorted(tar.getnames()) == ['model.json', 'model.safetensors']
    loaded = RandomCutForest.load(sess.s3.path(est.model_data))
    s = loaded.anomaly_scores(X)
    assert s[-8:].min() > np.quantile(s[:-8], 0.99)                 # the planted records rank on top
    assert loaded.hyperparameters() == {'feature_dim': '4', 'num_trees': '50', 'num_samples_per_tree': '64'}

def test_csv_job_label_size_conventions(sess):
    X, y = planted()
    rows = ''.join(','.join(f'{v:.5f}' for v in x) + '\n' for x in X)
    labelled = ''.join(f'{int(l)},' + ','.join(f'{v:.5f}' for v in x) + '\n' for l, x in zip(y, X))
    train = sess.s3.put_bytes(f's3://{sess.default_bucket()}/csv/train/a.csv', rows.encode()).rsplit('/', 1)[0]
    test = sess.s3.put_bytes(f's3://{sess.default_bucket()}/csv/test/a.csv', labelled.encode()).rsplit('/', 1)[0]
    est = job(sess, {'train': TrainingInput(train, content_type='text/csv;label_size=0', distribution='ShardedByS3Key'),
                     'test': TrainingInput(test, content_type='text/csv;label_size=1')})
    d = est.latest_training_job.describe()
    assert d['TrainingJobStatus'] == 'Completed', d.get('FailureReason')
    assert RandomCutForest.load(sess.s3.path(est.model_data)).n_features_in_ == 4

def test_malformed_file_fails_the_job_naming_file_and_line(sess):
    uri = sess.s3.put_bytes(f's3://{sess.default_bucket()}/bad/train/a.csv', b'1,2,3,4\n1,2,oops,4\n').rsplit('/', 1)[0]
    with pytest.raises(UnexpectedStatusException):
        job(sess, {'train': TrainingInput(uri, content_type='text/csv;label_size=0', distribution='ShardedByS3Key')})
    reason = sess.sagemaker_client.describe_training_job(TrainingJobName=sess.last_request('CreateTrainingJob')['TrainingJobName'])['FailureReason']
    assert 'a.csv' in reason and 'line 2' in reason and 'Traceback' not in reason, reason

def test_bad_hyperparameter_fails_the_job_with_its_name(sess):
    X, _ = planted()
    uri = sess.s3.put_bytes(f's3://{sess.default_bucket()}/hp/train/a.csv',
                            ''.join(','.join(map(str, x)) + '\n' for x in X).encode()).rsplit('/', 1)[0]
    with pytest.raises(UnexpectedStatusException, match='num_trees'):
        job(sess, {'train': TrainingInput(uri, content_type='text/csv;label_size=0', distribution='ShardedByS3Key')},
            {'feature_dim': 4, 'num_trees': 10})
    with pytest.raises(ClientError, match="must use S3DataDistributionType 'ShardedByS3Key', not 'FullyReplicated'"):
        job(sess, {'train': TrainingInput(uri, content_type='text/csv;label_size=0')})     # RCF's train channel is sharded

# ---- the estimator's own refusals ----

def test_estimator_refuses_bad_inputs(tmp_path):
    X, y = planted()
    with pytest.raises(HyperparameterError, match=r"'num_samples_per_tree' = 0"): RandomCutForest(num_samples_per_tree=0).fit(X)
    with pytest.raises(HyperparameterError, match='must equal the number of features in the data \\(4\\)'): RandomCutForest(feature_dim=3).fit(X)
    with pytest.raises(ValueError, match='NaN'): RandomCutForest().fit(np.where(X == X[5, 2], np.nan, X))
    with pytest.raises(DataFormatError, match='record 3: labels must be 0 \\(normal\\) or 1 \\(anomaly\\); got 0.5'):
        RandomCutForest().fit(X, test=(X[:4], [0, 1, 0.5, 0]))
    (tmp_path/'nan.csv').write_text('1,2,3,4\n1,nan,3,4\n')
    with pytest.raises(DataFormatError, match=r'nan.csv, line 2'): RandomCutForest().fit_channels({'train': (tmp_path/'nan.csv', 'text/csv')})
    (tmp_path/'rec.rec').write_bytes(b'\x0a\x0b\x0c')
    with pytest.raises(DataFormatError, match='rec.rec'): RandomCutForest().fit_channels({'train': tmp_path/'rec.rec'})
    with pytest.raises(DataFormatError, match='accepts application/x-recordio-protobuf, text/csv'):
        RandomCutForest().fit_channels({'train': (tmp_path/'nan.csv', 'application/jsonlines')})

def test_sparse_recordio_and_sparse_arrays(tmp_path):
    import scipy.sparse as sp
    X, _ = planted()
    formats.write_recordio_protobuf(tmp_path/'s.rec', sp.csr_matrix(X))
    a = RandomCutForest(random_state=1).fit_channels({'train': tmp_path/'s.rec'})
    b = RandomCutForest(random_state=1).fit(X)
    np.testing.assert_array_equal(a.anomaly_scores(sp.csr_matrix(X[:20])), b.anomaly_scores(X[:20]))

def test_corrupt_model_archive_is_named(tmp_path, model):
    p = model.save(tmp_path/'model.tar.gz')
    p.write_bytes(p.read_bytes()[:100])
    with pytest.raises(DataFormatError, match='model.tar.gz'): RandomCutForest.load(p)

def test_expected_codisp_matches_rrcf_on_rrcf_trees():
    "Our expectation, computed on a tree rrcf built, equals the mean of rrcf's random insertions on that tree"
    rrcf = rrcf_module()
    rng = np.random.default_rng(3)
    pts = rng.normal(size=(12, 2))
    tree = rrcf.RCTree(pts, random_state=3)
    nodes, F = {}, {k: [] for k in ('left', 'right', 'dim', 'cut', 'count', 'lo', 'hi')}
    def add(n):                                            # rrcf's tree as the flat arrays `codisp` reads
        i = len(F['left']); nodes[id(n)] = i
        for k in F: F[k].append(None)
        F['count'][i], F['lo'][i], F['hi'][i] = n.n, (n.b[0] if hasattr(n, 'b') else n.x), (n.b[-1] if hasattr(n, 'b') else n.x)
        if isinstance(n, rrcf.Leaf): F['left'][i] = F['right'][i] = -1; F['dim'][i] = 0; F['cut'][i] = 0.0
        else: F['dim'][i], F['cut'][i] = n.q, n.p; F['left'][i], F['right'][i] = add(n.l), add(n.r)
        return i
    add(tree.root)
    import torch
    T = {k: torch.tensor(np.array(v), dtype=torch.float32 if k in ('cut', 'lo', 'hi') else torch.long) for k, v in F.items()}
    T['root'] = torch.tensor([0])
    q = np.array([2.5, -1.0])
    draws = []
    for _ in range(4000):
        tree.insert_point(q, index='q'); draws.append(tree.codisp('q')); tree.forget_point('q')
    expected = float(codisp(T, torch.tensor(q[None], dtype=torch.float32))[0, 0])
    assert abs(np.mean(draws) - expected) < 4 * np.std(draws) / np.sqrt(len(draws)) + 1e-4, (np.mean(draws), expected)

# ---- inference: the model server's handler, then a real endpoint ----

def test_respond_shapes_and_refusals(model):
    X, _ = planted()
    body = '\n'.join(','.join(map(str, r)) for r in X[:3]).encode()
    out, ct = invoke(model, body, 'text/csv', 'application/json')
    assert ct == 'application/json' and list(json.loads(out)) == ['scores'] and len(json.loads(out)['scores']) == 3
    lines, _ = invoke(model, body, 'text/csv', 'application/jsonlines')
    assert [set(json.loads(l)) for l in lines.decode().splitlines()] == [{'score'}] * 3
    buf = io.BytesIO(); formats.write_recordio_protobuf(buf, X[:3])
    rec, ct = invoke(model, buf.getvalue(), RIO, RIO)
    got = [formats.decode_record(r)['label']['score'][0] for r in formats.read_records(io.BytesIO(rec))]
    np.testing.assert_allclose(got, model.anomaly_scores(X[:3]), rtol=1e-6)
    for body, ctype, status, words in [(b'1,2\n', 'text/csv', 400, 'each record must have 4 features; got 2'),
                                       (b'1,2,nan,4\n', 'text/csv', 400, 'NaN or infinite'), (b'1,2,inf,4\n', 'text/csv', 400, 'infinite'),
                                       (b'', 'text/csv', 400, 'no records'),
                                       (b'{"instances": [{"features": "x"}]}', 'application/json', 400, 'request body'),
                                       (b'\x00\x01', RIO, 400, 'request body'),
                                       (b'1,2,3,4\n', 'application/x-npy', 415, 'does not accept')]:
        with pytest.raises(InvocationError, match=words) as e: invoke(model, body, ctype, 'application/json')
        assert e.value.status == status, (body, e.value)
    with pytest.raises(InvocationError, match='cannot answer'): invoke(model, b'1,2,3,4\n', 'text/csv', 'text/html')

def test_endpoint_and_batch_transform(sess, tmp_path, model):
    X, _ = planted()
    uri = sess.upload_data(str(model.save(tmp_path/'model.tar.gz')), key_prefix='rcf/model')
    sess.sagemaker_client.create_model(ModelName='rcf-m', ExecutionRoleArn=sagemaker.get_execution_role(),
                                       PrimaryContainer={'Image': image(sess), 'ModelDataUrl': uri})
    sess.sagemaker_client.create_endpoint_config(EndpointConfigName='rcf-c', ProductionVariants=[
        {'VariantName': 'v', 'ModelName': 'rcf-m', 'InitialInstanceCount': 1, 'InstanceType': 'ml.c5.xlarge'}])
    sess.sagemaker_client.create_endpoint(EndpointName='rcf-e', EndpointConfigName='rcf-c')
    runtime = sess.sagemaker_runtime_client
    try:
        body = '\n'.join(','.join(map(str, r)) for r in X[[0, -1]]).encode()
        r = runtime.invoke_endpoint(EndpointName='rcf-e', Body=body, ContentType='text/csv', Accept='application/json')
        scores = [s['score'] for s in json.loads(r['Body'].read())['scores']]
        np.testing.assert_allclose(scores, model.anomaly_scores(X[[0, -1]]), rtol=1e-6)
        for bad in (b'1,2\n', b'1,2,x,4\n', b'\xff\xfe'):
            with pytest.raises(Exception) as e: runtime.invoke_endpoint(EndpointName='rcf-e', Body=bad, ContentType='text/csv')
            assert '400' in str(e.value) or 'ValidationError' in str(e.value) or 'ModelError' in str(e.value), e.value
        r = runtime.invoke_endpoint(EndpointName='rcf-e', Body=body, ContentType='text/csv', Accept='application/jsonlines')   # still up
        assert len(r['Body'].read().decode().splitlines()) == 2
    finally:
        sess.sagemaker_client.delete_endpoint(EndpointName='rcf-e')
    data = sess.s3.put_bytes(f's3://{sess.default_bucket()}/rcf/in/a.csv',
                             ''.join(','.join(map(str, r)) + '\n' for r in X[:50]).encode()).rsplit('/', 1)[0]
    tr = Transformer('rcf-m', 1, 'ml.c5.xlarge', accept='application/jsonlines', assemble_with='Line', sagemaker_session=sess)
    tr.transform(data, content_type='text/csv', split_type='Line')
    out = [json.loads(l)['score'] for l in sess.s3.get_bytes(f'{tr.output_path}/a.csv.out').decode().splitlines()]
    np.testing.assert_allclose(out, model.anomaly_scores(X[:50]), rtol=1e-6)

# ---- the SDK's first-party estimator ----

def test_sdk_random_cut_forest_record_set(sess):
    X, _ = planted()
    rcf = sagemaker.RandomCutForest(role=sagemaker.get_execution_role(), instance_count=1, instance_type='ml.m4.xlarge',   # SDK
                                    num_samples_per_tree=64, num_trees=50, sagemaker_session=sess)
    rcf.fit(rcf.record_set(X), logs=False)                                                                                # SDK
    req = sess.last_request('CreateTrainingJob')
    assert req['HyperParameters']['feature_dim'] == '4' and req['HyperParameters']['num_trees'] == '50'
    assert req['InputDataConfig'][0]['ChannelName'] == 'train'
    predictor = rcf.deploy(initial_instance_count=1, instance_type='ml.c5.xlarge')                                        # SDK
    try:
        records = predictor.predict(X[[0, -1]])                                                                           # RecordIO both ways
        scores = [r.label['score'].float32_tensor.values[0] for r in records]
        assert scores[1] > 3 * scores[0]
        predictor.serializer, predictor.deserializer = CSVSerializer(), JSONDeserializer()
        answer = predictor.predict(X[[0, -1]])
        assert list(answer) == ['scores'] and np.allclose([s['score'] for s in answer['scores']], scores, rtol=1e-5)
    finally:
        predictor.delete_endpoint()

def test_shingle():
    np.testing.assert_array_equal(shingle(np.arange(5), 2), [[0, 1], [1, 2], [2, 3], [3, 4]])
    with pytest.raises(ValueError, match='shingle size 0'): shingle(np.arange(5), 0)

def test_two_instances_merge_their_reservoirs(sess, tmp_path):
    "Each instance samples its own shard (ShardedByS3Key); the merged reservoirs make one forest over all the data"
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 4)).astype(np.float32)
    for i in range(2):                                         # shard 2 sits 100 units away from shard 1
        formats.write(tmp_path/f'p{i}.rec', RIO, X[i * 200:(i + 1) * 200] + 100 * i)
        sess.upload_data(str(tmp_path/f'p{i}.rec'), key_prefix='multi/train')
    est = Estimator(image(sess), sagemaker.get_execution_role(), instance_count=2, instance_type='ml.m5.xlarge',
                    hyperparameters=HP, sagemaker_session=sess)
    est.fit({'train': TrainingInput(f's3://{sess.default_bucket()}/multi/train', distribution='ShardedByS3Key')}, logs=False)
    assert est.latest_training_job.describe()['TrainingJobStatus'] == 'Completed'
    F = RandomCutForest.load(sess.s3.path(est.model_data)).forest_
    roots, leaves = F['root'], F['left'] < 0
    assert ((F['lo'][roots][:, 0] < 50) & (F['hi'][roots][:, 0] > 50)).all()        # every tree holds rows of both shards
    far = float(F['count'][leaves & (F['lo'][:, 0] > 50)].sum()) / float(F['count'][leaves].sum())
    assert 0.35 < far < 0.65, far                                                      # about half of each sample from each
