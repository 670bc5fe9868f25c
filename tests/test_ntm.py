"""NTM on the local platform, end to end (issue 16): a training job from RecordIO-protobuf (the default, sparse) and CSV
channels with the auxiliary vocab.txt, the model.tar.gz, an endpoint answering `topic_weights` in SageMaker's documented
shapes, a batch transform, and the SDK's first-party `sagemaker.NTM` with `record_set`; then hostile inputs: malformed
files, bad hyperparameters, bad HTTP payloads."""
import io, json, tarfile
import numpy as np
import pytest
import scipy.sparse
from sagestudy.core import formats
from sagestudy.core.errors import ClientError, DataFormatError, HyperparameterError
from sagestudy.algorithms.ntm import NTM, make_planted_corpus, match_topics, read_vocab
import sagestudy.sagemaker as sagemaker
from sagestudy.sagemaker.session import Session, get_execution_role
from sagestudy.sagemaker.estimator import Estimator, UnexpectedStatusException
from sagestudy.sagemaker.inputs import TrainingInput
from sagestudy.sagemaker.serializers import CSVSerializer, JSONSerializer
from sagestudy.sagemaker.deserializers import JSONDeserializer
from sagestudy.sagemaker import image_uris
from sagestudy.sagemaker.s3 import S3Downloader

V, K = 120, 4
HP = {'num_topics': K, 'feature_dim': V, 'epochs': 12, 'mini_batch_size': 64, 'optimizer': 'adam', 'learning_rate': 0.01,
      'num_patience_epochs': 12}

@pytest.fixture(scope='module')
def corpus():
    "A planted corpus: 600 training and 150 held-out documents over 120 words, 4 topics"
    X, topics, mix = make_planted_corpus(750, V, K, seed=5)
    return X[:600], X[600:], topics

@pytest.fixture(scope='module')
def sess(tmp_path_factory):
    return Session(tmp_path_factory.mktemp('ntm')/'home')

@pytest.fixture(scope='module')
def channels(sess, corpus, tmp_path_factory):
    "S3 URIs: sparse RecordIO train and validation, a CSV copy of train, and the auxiliary vocab.txt"
    d = tmp_path_factory.mktemp('data')
    train, held, _ = corpus
    formats.write_recordio_protobuf(d/'train.rec', train)
    formats.write_recordio_protobuf(d/'validation.rec', held)
    np.savetxt(d/'train.csv', train.toarray(), delimiter=',', fmt='%d')
    (d/'vocab.txt').write_text(''.join(f'word{i}\n' for i in range(V)), encoding='utf-8')
    up = lambda name, prefix: sess.upload_data(str(d/name), key_prefix=f'ntm/{prefix}')
    return {'train': up('train.rec', 'train'), 'validation': up('validation.rec', 'validation'), 'csv': up('train.csv', 'csv'),
            'auxiliary': up('vocab.txt', 'auxiliary')}

def _estimator(sess, **hp):
    est = Estimator(image_uris.retrieve('ntm', sess.boto_region_name), get_execution_role(), instance_count=1,
                    instance_type='ml.m5.xlarge', output_path=f's3://{sess.default_bucket()}/ntm/output', sagemaker_session=sess)
    est.set_hyperparameters(**hp)
    return est

@pytest.fixture(scope='module')
def trained(sess, channels):
    "A completed job: RecordIO train (no ContentType: the default) + validation + the auxiliary vocabulary"
    est = _estimator(sess, **HP)
    est.fit({'train': TrainingInput(channels['train']), 'validation': TrainingInput(channels['validation']),
             'auxiliary': TrainingInput(channels['auxiliary'], content_type='text/plain')}, logs=False)
    return est

@pytest.fixture(scope='module')
def predictor(trained):
    p = trained.deploy(1, 'ml.m5.large', serializer=CSVSerializer(), deserializer=JSONDeserializer())
    yield p
    p.delete_endpoint()

def _model(sess, est)->NTM:
    path = sess.home/'ntm-model.tar.gz'
    path.write_bytes(sess.s3.get_bytes(est.model_data))
    return NTM.load(path)

def test_training_job_model_metric_and_topic_log(sess, trained, corpus):
    desc = sess.describe_training_job(trained.latest_training_job.name)
    assert desc['TrainingJobStatus'] == 'Completed'
    assert 'ContentType' not in sess.last_request('CreateTrainingJob')['InputDataConfig'][0]
    metrics = {m['MetricName']: m['Value'] for m in desc.get('FinalMetricDataList', [])}
    assert 'validation:total_loss' in metrics, metrics
    with tarfile.open(fileobj=io.BytesIO(sess.s3.get_bytes(trained.model_data))) as tar:
        assert sorted(tar.getnames()) == ['model.json', 'model.safetensors']          # no pickle
        info = json.loads(tar.extractfile('model.json').read())
    assert info['vocab'][:2] == ['word0', 'word1']                                      # the auxiliary channel reached the model
    model = _model(sess, trained)
    assert match_topics(model.components_, corpus[2])[1].mean() > 0.7                  # the planted topics, learnt in the job
    log = sess.logs_for_job(trained.latest_training_job.name) if hasattr(sess, 'logs_for_job') else None
    if isinstance(log, str): assert 'Topics from epoch:final' in log

def test_csv_channel_gives_the_same_model(sess, trained, channels, corpus):
    est = _estimator(sess, **HP)
    est.fit({'train': TrainingInput(channels['csv'], content_type='text/csv'),
             'validation': TrainingInput(channels['validation'])}, logs=False)
    a, b = _model(sess, trained), _model(sess, est)
    np.testing.assert_allclose(a.transform(corpus[1][:20]), b.transform(corpus[1][:20]), atol=1e-5)

def test_endpoint_answers_documented_shapes(sess, predictor, trained, corpus):
    held = corpus[1].toarray()
    answer = predictor.predict(held[:5])                                                # CSV in, JSON out
    weights = np.array([p['topic_weights'] for p in answer['predictions']])
    assert weights.shape == (5, K) and set(answer['predictions'][0]) == {'topic_weights'}
    np.testing.assert_allclose(weights.sum(1), 1, atol=1e-5)
    np.testing.assert_allclose(weights, _model(sess, trained).transform(held[:5]), atol=1e-6)
    rt = sess.sagemaker_runtime_client
    row = scipy.sparse.csr_matrix(held[:1])
    sparse_doc = {'instances': [{'data': {'features': {'keys': row.indices.tolist(), 'values': row.data.tolist(), 'shape': [V]}}}]}
    r = rt.invoke_endpoint(EndpointName=predictor.endpoint_name, Body=json.dumps(sparse_doc).encode(),
                           ContentType='application/json', Accept='application/jsonlines')
    assert r['ContentType'] == 'application/jsonlines'
    np.testing.assert_allclose(json.loads(r['Body'].read())['topic_weights'], weights[0], atol=1e-6)
    buf = io.BytesIO(); formats.write_recordio_protobuf(buf, held[:2].astype(np.float32))
    r = rt.invoke_endpoint(EndpointName=predictor.endpoint_name, Body=buf.getvalue(),
                           ContentType='application/x-recordio-protobuf', Accept='application/x-recordio-protobuf')
    recs = [formats.decode_record(p) for p in formats.read_records(io.BytesIO(r['Body'].read()))]
    np.testing.assert_allclose([x['label']['topic_weights'] for x in recs], weights[:2], atol=1e-6)

@pytest.mark.parametrize('body, ctype, accept, status, needle', [
    (b'1,2,3', 'text/csv', 'application/json', 400, 'features'),
    (b'{"instances": [{"features": [1, 2]}', 'application/json', 'application/json', 400, 'JSON'),
    (b'[' * 50_000, 'application/json', 'application/json', 400, 'JSON'),
    (b'\xff\xfe garbage', 'text/csv', 'application/json', 400, ''),
    (b'', 'text/csv', 'application/json', 400, ''),
    (b'1,2', 'text/libsvm', 'application/json', 415, 'does not accept'),
    (b'1,2', 'text/csv', 'text/csv', 406, 'cannot answer'),
])
def test_hostile_requests_named_and_server_survives(sess, predictor, corpus, body, ctype, accept, status, needle):
    rt = sess.sagemaker_runtime_client
    with pytest.raises(ClientError) as e:
        rt.invoke_endpoint(EndpointName=predictor.endpoint_name, Body=body, ContentType=ctype, Accept=accept)
    err = e.value.response
    assert err['Error']['Code'] == 'ModelError' and err['OriginalStatusCode'] == status and needle in err['OriginalMessage'], err
    assert len(predictor.predict(corpus[1][:1].toarray())['predictions']) == 1         # the server still answers

def test_batch_transform(sess, trained, corpus, tmp_path):
    held = corpus[1].toarray()
    np.savetxt(tmp_path/'batch.csv', held, delimiter=',', fmt='%d')
    data = sess.upload_data(str(tmp_path/'batch.csv'), key_prefix='ntm/batch')
    out = f's3://{sess.default_bucket()}/ntm/batch-out'
    t = trained.transformer(instance_count=1, instance_type='ml.m5.large', output_path=out, accept='application/jsonlines', assemble_with='Line')
    t.transform(data=data, data_type='S3Prefix', content_type='text/csv', split_type='Line')
    t.wait()
    lines = [l for l in S3Downloader.read_file(f'{out}/batch.csv.out', sagemaker_session=sess).splitlines() if l.strip()]
    got = np.array([json.loads(l)['topic_weights'] for l in lines])
    np.testing.assert_allclose(got, _model(sess, trained).transform(held), atol=1e-6)

def test_sdk_first_party_record_set(sess, corpus):
    role = get_execution_role()
    train, held, topics = corpus
    ntm = sagemaker.NTM(role=role, instance_count=1, instance_type='ml.c5.xlarge', num_topics=K, epochs=12,
                        optimizer='adam', learning_rate=0.01, num_patience_epochs=12, sagemaker_session=sess)
    ntm.fit(ntm.record_set(train.toarray().astype('float32'), channel='train'), mini_batch_size=64)
    req = sess.last_request('CreateTrainingJob')
    assert req['HyperParameters']['feature_dim'] == str(V) and req['HyperParameters']['num_topics'] == str(K)
    predictor = ntm.deploy(initial_instance_count=1, instance_type='ml.m5.xlarge')
    try:
        assert type(predictor).__name__ == 'NTMPredictor'
        result = predictor.predict(held[:3].toarray().astype('float32'))                 # RecordIO both ways
        weights = np.array([r.label['topic_weights'].float32_tensor.values for r in result])
        assert weights.shape == (3, K) and np.allclose(weights.sum(1), 1, atol=1e-5)
        predictor.serializer, predictor.deserializer = JSONSerializer(), JSONDeserializer()
        answer = predictor.predict({'instances': [{'features': held[0].toarray()[0].tolist()}]})
        np.testing.assert_allclose(answer['predictions'][0]['topic_weights'], weights[0], atol=1e-5)
    finally: predictor.delete_endpoint()

# ---- hostile training inputs --------------------------------------------------------------------------------------------

def _failure(sess, est, inputs)->str:
    with pytest.raises(UnexpectedStatusException):
        est.fit(inputs, logs=False)
    return sess.describe_training_job(est.latest_training_job.name)['FailureReason']

def test_malformed_training_files_are_named(sess, channels, tmp_path):
    bad = tmp_path/'bad'; bad.mkdir()
    (bad/'part-1.rec').write_bytes(b'\x0a\xd1\x57\xce' + b'\x00' * 7)                  # a truncated RecordIO header
    uri = sess.upload_data(str(bad/'part-1.rec'), key_prefix='ntm/bad-rec')
    reason = _failure(sess, _estimator(sess, **HP), {'train': TrainingInput(uri)})
    assert "channel 'train'" in reason and 'part-1.rec' in reason, reason
    (bad/'neg.csv').write_text('1,0,2\n0,-3,1\n')
    uri = sess.upload_data(str(bad/'neg.csv'), key_prefix='ntm/bad-neg')
    reason = _failure(sess, _estimator(sess, **(HP | {'feature_dim': 3})), {'train': TrainingInput(uri, content_type='text/csv')})
    assert 'negative word count' in reason and 'record 2' in reason, reason
    (bad/'vocab.txt').write_text('just\nthree\nwords\n')
    aux = sess.upload_data(str(bad/'vocab.txt'), key_prefix='ntm/bad-vocab')
    reason = _failure(sess, _estimator(sess, **HP), {'train': TrainingInput(channels['train']),
                                                     'auxiliary': TrainingInput(aux, content_type='text/plain')})
    assert 'vocab.txt' in reason and f'{V} columns' in reason, reason

@pytest.mark.parametrize('hp, needle', [
    ({'num_topics': 1}, 'num_topics'),
    ({'num_topics': None}, 'num_topics'),
    ({'encoder_layers': '30,x'}, 'encoder_layers'),
    ({'optimizer': 'lbfgs'}, 'optimizer'),
    ({'sub_sample': 1.5}, 'sub_sample'),
    ({'feature_dim': V + 1}, 'feature_dim'),
])
def test_bad_hyperparameters_are_refused(sess, channels, hp, needle):
    values = {k: v for k, v in (HP | hp).items() if v is not None}
    est = _estimator(sess, **values)
    try: reason = _failure(sess, est, {'train': TrainingInput(channels['train'])})
    except ClientError as e: reason = str(e)                                             # refused by CreateTrainingJob itself
    assert needle in reason, reason

def test_estimator_level_errors(tmp_path, corpus):
    train = corpus[0][:50]
    with pytest.raises(HyperparameterError, match='feature_dim'): NTM(num_topics=2, feature_dim=7).fit(train)
    with pytest.raises(ValueError, match='Negative values'): NTM(num_topics=2).fit(-train.toarray())
    with pytest.raises(ValueError, match='at least 2 documents'): NTM(num_topics=2).fit(train[:1])
    with pytest.raises(DataFormatError, match='text/plain'):
        NTM(num_topics=2).fit_channels({'train': tmp_path, 'auxiliary': (tmp_path, 'text/csv')})
    (tmp_path/'other.txt').write_text('a\n')
    with pytest.raises(DataFormatError, match='must hold vocab.txt; found other.txt'): read_vocab(tmp_path)
    (tmp_path/'vocab.txt').write_bytes(b'a\n\nb\n')
    with pytest.raises(DataFormatError, match='line 2: an empty line'): read_vocab(tmp_path)

def test_two_instances_train_one_model(sess, channels, corpus, tmp_path):
    "instance_count=2: two processes joined by torch.distributed, each with its shard, average their gradients"
    for i, rows in enumerate((slice(0, 300), slice(300, 600))):
        formats.write_recordio_protobuf(tmp_path/f'part-{i}.rec', corpus[0][rows])
        shards = sess.upload_data(str(tmp_path/f'part-{i}.rec'), key_prefix='ntm/shards')
    shards = shards.rsplit('/', 1)[0]
    est = Estimator(image_uris.retrieve('ntm', sess.boto_region_name), get_execution_role(), instance_count=2,
                    instance_type='ml.c5.xlarge', output_path=f's3://{sess.default_bucket()}/ntm/output2', sagemaker_session=sess)
    est.set_hyperparameters(**(HP | {'epochs': 24, 'num_patience_epochs': 24}))   # each step averages two hosts' batches: half the steps per epoch
    est.fit({'train': TrainingInput(shards, distribution='ShardedByS3Key'),
             'validation': TrainingInput(channels['validation'])}, logs=False)
    assert sess.describe_training_job(est.latest_training_job.name)['TrainingJobStatus'] == 'Completed'
    model = _model(sess, est)
    assert match_topics(model.components_, corpus[2])[1].mean() > 0.7
