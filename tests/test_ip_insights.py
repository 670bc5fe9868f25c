"""IP Insights on the local platform, end to end (issue 14): a training job from CSV channels (with and without a ContentType),
the model.tar.gz, an endpoint answering SageMaker's documented shapes, a batch transform, and the SDK's first-party
`sagemaker.IPInsights`; then hostile inputs: malformed files, bad hyperparameters, bad HTTP payloads."""
import io, json, tarfile
import numpy as np
import pytest
import sklearn.metrics as skm
from sagestudy.core.errors import ClientError, DataFormatError, HyperparameterError, InvocationError
from sagestudy.algorithms.ip_insights import IPInsights, make_logins, write_pairs, request_pairs
from sagestudy.sagemaker.session import Session, get_execution_role
from sagestudy.sagemaker.estimator import Estimator, UnexpectedStatusException
from sagestudy.sagemaker.inputs import TrainingInput
from sagestudy.sagemaker.serializers import CSVSerializer, JSONSerializer
from sagestudy.sagemaker.deserializers import JSONDeserializer
from sagestudy.sagemaker import image_uris
from sagestudy.sagemaker.s3 import S3Downloader

HP = {'num_entity_vectors': 240, 'vector_dim': 16, 'epochs': 6, 'mini_batch_size': 300, 'learning_rate': 0.01}

@pytest.fixture(scope='module')
def logins():
    "Generated logins on real ASN networks (120 users): train, benign test and takeover rows"
    df = make_logins(120, team_size=12, seed=3)
    return df[df.split == 'train'], df[(df.split == 'test')]

@pytest.fixture(scope='module')
def sess(tmp_path_factory):
    return Session(tmp_path_factory.mktemp('ipi')/'home')

@pytest.fixture(scope='module')
def channels(sess, logins, tmp_path_factory):
    "S3 URIs of the train and validation channels (headerless entity,ip CSV)"
    d = tmp_path_factory.mktemp('data')
    train, test = logins
    write_pairs(d/'train.csv', train.entity, train.ip)
    ok = test[test.label == 0]
    write_pairs(d/'validation.csv', ok.entity, ok.ip)
    return (sess.upload_data(str(d/'train.csv'), key_prefix='ipi/train'), sess.upload_data(str(d/'validation.csv'), key_prefix='ipi/validation'))

def _estimator(sess, **hp):
    est = Estimator(image_uris.retrieve('ipinsights', sess.boto_region_name), get_execution_role(), instance_count=1,
                    instance_type='ml.m5.xlarge', output_path=f's3://{sess.default_bucket()}/ipi/output', sagemaker_session=sess)
    est.set_hyperparameters(**hp)
    return est

@pytest.fixture(scope='module')
def trained(sess, channels):
    "A completed training job on CSV train + validation channels (the AWS tutorial's calls)"
    est = _estimator(sess, **HP)
    est.fit({'train': TrainingInput(channels[0], content_type='text/csv'),
             'validation': TrainingInput(channels[1], content_type='text/csv')}, logs=False)
    return est

@pytest.fixture(scope='module')
def predictor(trained):
    p = trained.deploy(1, 'ml.m5.large', serializer=CSVSerializer(), deserializer=JSONDeserializer())
    yield p
    p.delete_endpoint()

def test_training_job_model_and_metric(sess, trained, logins):
    desc = sess.describe_training_job(trained.latest_training_job.name)
    assert desc['TrainingJobStatus'] == 'Completed'
    assert desc['AlgorithmSpecification']['TrainingImage'].split('/')[-1].startswith('ipinsights:')
    metrics = {m['MetricName']: m['Value'] for m in desc.get('FinalMetricDataList', [])}
    assert metrics['validation:discriminator_auc'] > 0.9, metrics
    with tarfile.open(fileobj=io.BytesIO(sess.s3.get_bytes(trained.model_data))) as tar:
        assert sorted(tar.getnames()) == ['model.json', 'model.safetensors']         # no pickle

def test_endpoint_answers_documented_shapes(sess, predictor, logins):
    train, test = logins
    rows = test[['entity', 'ip']].values.tolist()
    answer = predictor.predict(rows)                                                     # CSV in, JSON out (IPInsightsPredictor's pair)
    scores = np.array([p['dot_product'] for p in answer['predictions']])
    assert len(scores) == len(rows) and set(answer['predictions'][0]) == {'dot_product'}
    assert skm.roc_auc_score(test.label, -scores) > 0.9                                 # the takeovers score lowest
    rt = sess.sagemaker_runtime_client
    doc = {'instances': [{'features': rows[0]}, {'data': {'features': {'values': rows[1]}}}]}
    r = rt.invoke_endpoint(EndpointName=predictor.endpoint_name, Body=json.dumps(doc).encode(), ContentType='application/json',
                           Accept='application/json; verbose=True')
    preds = json.loads(r['Body'].read())['predictions']
    assert [sorted(p) for p in preds] == [['dot_product', 'entity_embedding', 'ip_embedding']] * 2
    assert len(preds[0]['entity_embedding']) == HP['vector_dim']
    np.testing.assert_allclose([p['dot_product'] for p in preds], scores[:2], rtol=1e-5, atol=1e-5)
    lines = ''.join(json.dumps({'features': r}) + '\n' for r in rows[:3]).encode()
    r = rt.invoke_endpoint(EndpointName=predictor.endpoint_name, Body=lines, ContentType='application/jsonlines', Accept='application/jsonlines')
    assert r['ContentType'] == 'application/jsonlines'
    got = [json.loads(l)['dot_product'] for l in r['Body'].read().decode().splitlines()]
    np.testing.assert_allclose(got, scores[:3], rtol=1e-5, atol=1e-5)

@pytest.mark.parametrize('body, ctype, accept, status, needle', [
    (b'user_00001,2001:db8::1', 'text/csv', 'application/json', 400, '"2001:db8::1" is not an IPv4'),
    (b'user_00001,10.0.0.1\nuser_00002', 'text/csv', 'application/json', 400, 'line 2: 1 column'),
    (b'{"instances": [{"features": ["u", "10.0.0.1"]}, {"feature": ["u", "10.0.0.2"]}]}', 'application/json', 'application/json', 400, 'instance 2'),
    (b'{"instances": [{"features": [true, "10.0.0.1"]}]}', 'application/json', 'application/json', 400, 'entity must be'),
    (b'[' * 50_000, 'application/json', 'application/json', 400, 'not valid JSON'),
    (b'\xff\xfe garbage', 'text/csv', 'application/json', 400, 'UTF-8'),
    (b'', 'text/csv', 'application/json', 400, 'no records'),
    (b'u,10.0.0.1', 'application/x-recordio-protobuf', 'application/json', 415, 'does not accept'),
    (b'u,10.0.0.1', 'text/csv', 'text/csv', 406, 'cannot answer'),
    (b'u,10.0.0.1', 'text/csv', 'application/json; verbose=maybe', 400, 'verbose must be'),
])
def test_hostile_requests_named_and_server_survives(sess, predictor, body, ctype, accept, status, needle):
    rt = sess.sagemaker_runtime_client
    with pytest.raises(ClientError) as e:
        rt.invoke_endpoint(EndpointName=predictor.endpoint_name, Body=body, ContentType=ctype, Accept=accept)
    err = e.value.response
    assert err['Error']['Code'] == 'ModelError' and err['OriginalStatusCode'] == status and needle in err['OriginalMessage'], err
    assert len(predictor.predict([['user_00001', '10.0.0.1']])['predictions']) == 1          # the server still answers

def test_batch_transform(sess, trained, logins, tmp_path):
    train, test = logins
    write_pairs(tmp_path/'batch.csv', test.entity, test.ip)
    data = sess.upload_data(str(tmp_path/'batch.csv'), key_prefix='ipi/batch')
    out = f's3://{sess.default_bucket()}/ipi/batch-out'
    t = trained.transformer(instance_count=1, instance_type='ml.m5.large', output_path=out, accept='application/jsonlines', assemble_with='Line')
    t.transform(data=data, data_type='S3Prefix', content_type='text/csv', split_type='Line')
    t.wait()
    lines = S3Downloader.read_file(f'{out}/batch.csv.out', sagemaker_session=sess).splitlines()
    scores = np.array([json.loads(l)['dot_product'] for l in lines if l.strip()])
    assert len(scores) == len(test) and skm.roc_auc_score(test.label, -scores) > 0.9

def test_channel_without_content_type_is_csv_and_first_party_sdk(sess, channels, logins):
    "The SDK's own integration test for IP Insights: `sagemaker.IPInsights` on a RecordSet of CSV files (no ContentType sent)"
    import sagestudy.sagemaker as sagemaker
    from sagestudy.sagemaker.amazon.amazon_estimator import RecordSet
    train, test = logins
    ipinsights = sagemaker.IPInsights(role=get_execution_role(), instance_count=1, instance_type='ml.c5.xlarge',
                                      num_entity_vectors=HP['num_entity_vectors'], vector_dim=HP['vector_dim'], epochs=HP['epochs'],
                                      learning_rate=HP['learning_rate'], sagemaker_session=sess)
    record_set = RecordSet(channels[0], num_records=len(train), feature_dim=None, s3_data_type='S3Prefix')
    ipinsights.fit(records=record_set, mini_batch_size=HP['mini_batch_size'], logs=False)
    req = sess.last_request('CreateTrainingJob')
    assert 'ContentType' not in req['InputDataConfig'][0] and 'feature_dim' not in req['HyperParameters']
    assert req['HyperParameters']['mini_batch_size'] == str(HP['mini_batch_size'])
    predictor = ipinsights.deploy(1, 'ml.m5.large')                                          # an IPInsightsPredictor: CSV in, JSON out
    try:
        result = predictor.predict([['user_00001', '1.1.1.1']])
        assert len(result['predictions']) == 1 and isinstance(result['predictions'][0]['dot_product'], float)
    finally: predictor.delete_endpoint()

def test_first_party_predictor_defaults(sess):
    "As the SDK's IPInsightsPredictor: CSV requests, JSON answers"
    import sagestudy.sagemaker as sagemaker
    p = sagemaker.IPInsightsPredictor('any', sagemaker_session=sess)
    assert (type(p.serializer).__name__, type(p.deserializer).__name__) == ('CSVSerializer', 'JSONDeserializer')

@pytest.mark.parametrize('text, needle', [
    ('user_1,10.0.0.1\nuser_2,10.0.0.300\n', 'train.csv, line 2'),
    ('', 'holds no (entity, IP) pairs'),
])
def test_malformed_file_fails_the_job_naming_file_and_line(sess, tmp_path, text, needle):
    (tmp_path/'train.csv').write_text(text)
    uri = sess.upload_data(str(tmp_path/'train.csv'), key_prefix=f'bad/{abs(hash(text))}')
    est = _estimator(sess, **HP)
    with pytest.raises(UnexpectedStatusException):
        est.fit({'train': TrainingInput(uri, content_type='text/csv')}, logs=False)
    reason = sess.describe_training_job(est.latest_training_job.name)['FailureReason']
    assert reason.startswith('ClientError') and needle in reason, reason

@pytest.mark.parametrize('hp, needle', [
    ({'vector_dim': 16}, "'num_entity_vectors' = (missing)"),
    ({'num_entity_vectors': 240, 'vector_dim': 16, 'random_negative_sampling_rate': 0, 'shuffled_negative_sampling_rate': 0}, 'must be in [1, 500]'),
])
def test_bad_hyperparameters_fail_the_job_named(sess, channels, hp, needle):
    est = _estimator(sess, **hp)
    with pytest.raises(UnexpectedStatusException):
        est.fit({'train': TrainingInput(channels[0], content_type='text/csv')}, logs=False)
    reason = sess.describe_training_job(est.latest_training_job.name)['FailureReason']
    assert reason.startswith('ClientError') and needle in reason, reason

def test_recordio_channel_refused(sess, channels):
    est = _estimator(sess, **HP)
    with pytest.raises(UnexpectedStatusException):
        est.fit({'train': TrainingInput(channels[0], content_type='application/x-recordio-protobuf')}, logs=False)
    reason = sess.describe_training_job(est.latest_training_job.name)['FailureReason']
    assert 'accepts text/csv' in reason, reason

def test_sdk_refuses_bad_hyperparameter_before_any_job(sess):
    import sagestudy.sagemaker as sagemaker
    with pytest.raises(HyperparameterError, match='vector_dim'):
        sagemaker.IPInsights(role=get_execution_role(), instance_count=1, instance_type='ml.p3.2xlarge', num_entity_vectors=10,
                             vector_dim=5000, sagemaker_session=sess)

@pytest.mark.parametrize('text, needle', [
    ('entity,ip\nuser_1,10.0.0.1\n', 'line 1: \'ip\' is not an IPv4 address in dotted decimal (a header line?'),
    ('user_1,10.0.0.1,extra\n', 'line 1: 3 column(s)'),
    ('user_1,10.0.0.1\n\nuser_2\n', 'line 3: 1 column(s)'),
    (' ,10.0.0.1\n', 'line 1: the entity (column 1) is empty'),
    ('user_1,::ffff:10.0.0.1\n', "line 1: '::ffff:10.0.0.1' is not an IPv4"),
])
def test_malformed_file_named_in_process(tmp_path, text, needle):
    (tmp_path/'part-0.csv').write_text(text)
    with pytest.raises(DataFormatError) as e: IPInsights(num_entity_vectors=4, vector_dim=4).fit_channels({'train': tmp_path})
    assert "channel 'train', file part-0.csv" in str(e.value) and needle in str(e.value), str(e.value)

@pytest.mark.parametrize('hp, needle', [
    ({'num_entity_vectors': 240, 'vector_dim': 2}, "'vector_dim' = 2"),
    ({'num_entity_vectors': 240, 'vector_dim': 16, 'learning_rate': 20}, "'learning_rate' = 20"),
    ({'num_entity_vectors': 0, 'vector_dim': 16}, "'num_entity_vectors' = 0"),
    ({'num_entity_vectors': 240, 'vector_dim': 16, 'random_negative_sampling_rate': 400, 'shuffled_negative_sampling_rate': 101}, '= 501'),
])
def test_bad_hyperparameters_named_in_process(hp, needle):
    with pytest.raises(HyperparameterError) as e: IPInsights(**hp).fit([['a', '10.0.0.1']])
    assert needle in str(e.value), str(e.value)

def test_in_process_refusals():
    "The estimator and the request parser without the platform: each mistake named with its row"
    est = IPInsights(num_entity_vectors=4, vector_dim=4, epochs=1)
    with pytest.raises(DataFormatError, match='record 2'): est.fit([['a', '10.0.0.1'], ['b', 'not-an-ip']])
    with pytest.raises(DataFormatError, match=r'shape \(2, 3\)'): est.fit([['a', '10.0.0.1', 'x'], ['b', '10.0.0.2', 'y']])
    with pytest.raises(InvocationError, match='instance 1'): request_pairs(b'{"instances": [{"features": ["a"]}]}', 'application/json')
    with pytest.raises(InvocationError, match='line 1'): request_pairs(b'{"features": ["a", 7]}\n', 'application/jsonlines')
