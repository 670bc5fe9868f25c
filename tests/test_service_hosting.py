"The hosting service under attack: bad names, bad requests, hostile bodies, dead servers, a process that ends (issue 11)."
import json, subprocess, sys, textwrap
from pathlib import Path
import numpy as np
import pytest
from sagestudy.core.errors import ClientError
from sagestudy.service import hosting as h
from sagestudy.service.client import SageMakerClient, SageMakerRuntimeClient
from sagestudy.service.storage import LocalS3

IMAGE = '382416733822.dkr.ecr.us-east-1.amazonaws.com/linear-learner:1'
DATA = 's3://sagemaker-us-east-1-000000000000/ll/model.tar.gz'
N_FEATURES = 5

def code(f):
    "The error code of the ClientError `f()` raises (fails the test if none)"
    with pytest.raises(ClientError) as e: f()
    return e.value.response['Error']['Code']

def message(f):
    with pytest.raises(ClientError) as e: f()
    return e.value.response['Error']['Message']

@pytest.fixture(scope='module')
def home(tmp_path_factory):
    "A service home holding one Linear Learner artifact and the model 'll'"
    from sagestudy.algorithms.linear_learner import LinearLearner
    home = tmp_path_factory.mktemp('home')
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, N_FEATURES)).astype(np.float32); y = (X[:, 0] > 0).astype(np.float32)
    est = LinearLearner(predictor_type='binary_classifier', epochs=2, mini_batch_size=50).fit(X, y)
    LocalS3(home/'s3').put_bytes(DATA, est.save(tmp_path_factory.mktemp('art')/'model.tar.gz').read_bytes())
    h.create_model(home, ModelName='ll', PrimaryContainer={'Image': IMAGE, 'ModelDataUrl': DATA,
                                                           'Environment': {'SAGEMAKER_SOMETHING': 'x'}})
    yield home
    for e in h.list_endpoints(home)['Endpoints']: h.delete_endpoint(home, EndpointName=e['EndpointName'])

def variant(name='AllTraffic', model='ll', weight=1.0, count=1, instance='ml.m5.large'):
    return {'VariantName': name, 'ModelName': model, 'InstanceType': instance, 'InitialInstanceCount': count, 'InitialVariantWeight': weight}

@pytest.fixture
def endpoint(home, request):
    "A fresh endpoint with two variants (A 3:1 B), deleted afterwards"
    name = request.node.name.replace('_', '-').replace('[', '-').replace(']', '')[:50].strip('-')
    h.create_endpoint_config(home, EndpointConfigName=name, ProductionVariants=[variant('A', weight=3.0), variant('B', weight=1.0)])
    h.create_endpoint(home, EndpointName=name, EndpointConfigName=name)
    yield name
    if h._exists(home, 'endpoint', name): h.delete_endpoint(home, EndpointName=name)
    h.delete_endpoint_config(home, EndpointConfigName=name)

ROW = ','.join(['0.5'] * N_FEATURES)

# --- names -------------------------------------------------------------------------------------------------------------
BAD_NAMES = [None, '', '../etc', 'a/b', 'a_b', '-lead', 'a' * 64, 'é', 'x\n', 'x' * 10_000, 12, ['x']]

@pytest.mark.parametrize('bad', BAD_NAMES, ids=repr)
def test_bad_names_refused_everywhere(home, bad):
    calls = [lambda: h.create_model(home, ModelName=bad, PrimaryContainer={'Image': IMAGE, 'ModelDataUrl': DATA}),
             lambda: h.describe_model(home, ModelName=bad), lambda: h.delete_model(home, ModelName=bad),
             lambda: h.create_endpoint_config(home, EndpointConfigName=bad, ProductionVariants=[variant()]),
             lambda: h.describe_endpoint_config(home, EndpointConfigName=bad),
             lambda: h.create_endpoint(home, EndpointName=bad, EndpointConfigName='x'),
             lambda: h.describe_endpoint(home, EndpointName=bad), lambda: h.delete_endpoint(home, EndpointName=bad)]
    for f in calls: assert code(f) == 'ValidationException'
    assert code(lambda: h.invoke_endpoint(home, EndpointName=bad, Body=b'1')) == 'ValidationError'
    records = home/'records'
    assert all(p.is_relative_to(records) for p in home.rglob('*.json'))

def test_name_error_quotes_field_and_value(home):
    m = message(lambda: h.create_model(home, ModelName='my_model', PrimaryContainer={'Image': IMAGE}))
    assert "'my_model'" in m and "'modelName'" in m and 'regular expression' in m

# --- CreateModel -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize('kw, needle', [
    (dict(PrimaryContainer={'Image': IMAGE, 'ModelDataUrl': DATA + 'x'}), 'Could not find model data'),
    (dict(PrimaryContainer={'Image': 'docker.io/me/my-image:1', 'ModelDataUrl': DATA}), 'not a SageMaker image'),
    (dict(PrimaryContainer={'ModelDataUrl': DATA}), "'primaryContainer.image'"),
    (dict(PrimaryContainer={'Image': IMAGE, 'ModelDataUrl': 's3://sagemaker-us-east-1-000000000000/../../etc/passwd'}), 'modelDataUrl'),
    (dict(PrimaryContainer={'Image': IMAGE, 'ModelDataUrl': '/etc/passwd'}), 'modelDataUrl'),
    (dict(PrimaryContainer={'Image': IMAGE, 'Environment': {'A': 1}}), 'environment'),
    (dict(PrimaryContainer={'Image': IMAGE, 'Environment': {f'K{i}': 'v' for i in range(101)}}), 'environment'),
    (dict(PrimaryContainer={'Image': IMAGE, 'Evironment': {}}), 'Unknown parameter'),
    (dict(PrimaryContainer={'Image': IMAGE}, Containers=[{'Image': IMAGE}] * 2), 'Exactly one of'),
    (dict(), 'Exactly one of'),
    (dict(Containers=[{'Image': IMAGE}] * 16), 'between 1 and 15'),
    (dict(PrimaryContainer='linear-learner'), 'ContainerDefinition'),
    (dict(PrimaryContainer={'Image': IMAGE, 'Mode': 'MultiModel'}), 'multi-model'),
])
def test_create_model_refusals(home, kw, needle):
    with pytest.raises(ClientError) as e: h.create_model(home, ModelName='refused', **kw)
    assert e.value.response['Error']['Code'] == 'ValidationException'
    assert needle in str(e.value), str(e.value)
    assert not h._exists(home, 'model', 'refused')

def test_duplicate_model_and_describe_shape(home):
    assert 'Cannot create already existing model' in message(
        lambda: h.create_model(home, ModelName='ll', PrimaryContainer={'Image': IMAGE, 'ModelDataUrl': DATA}))
    d = h.describe_model(home, ModelName='ll')
    assert d['ModelArn'] == 'arn:aws:sagemaker:us-east-1:000000000000:model/ll'
    assert d['PrimaryContainer']['Environment'] == {'SAGEMAKER_SOMETHING': 'x'}
    assert not any(k.startswith('_') for k in d)

# --- CreateEndpointConfig ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize('pv, needle', [
    ([], 'between 1 and 10'), ([variant(f'v{i}') for i in range(11)], 'between 1 and 10'), ('AllTraffic', 'between 1 and 10'),
    ([variant(weight=-1)], 'initialVariantWeight'), ([variant(weight=float('nan'))], 'initialVariantWeight'),
    ([variant(weight=float('inf'))], 'initialVariantWeight'), ([variant(weight='1')], 'initialVariantWeight'),
    ([variant(weight=True)], 'initialVariantWeight'), ([variant(count=0)], 'initialInstanceCount'),
    ([variant(count=1.5)], 'initialInstanceCount'), ([variant(count=True)], 'initialInstanceCount'),
    ([variant(instance='m5.large')], 'instanceType'), ([variant(instance='ml.m5.large; rm -rf /')], 'instanceType'),
    ([variant(model='nope')], 'Could not find model'), ([variant('A'), variant('A')], 'must be unique'),
    ([variant(name='bad name')], 'variantName'), (['x'], 'ProductionVariant structure'),
])
def test_endpoint_config_refusals(home, pv, needle):
    with pytest.raises(ClientError) as e: h.create_endpoint_config(home, EndpointConfigName='refused', ProductionVariants=pv)
    assert e.value.response['Error']['Code'] == 'ValidationException' and needle in str(e.value), str(e.value)
    assert not h._exists(home, 'endpoint-config', 'refused')

@pytest.mark.parametrize('dc, needle', [
    ({'InitialSamplingPercentage': 101, 'DestinationS3Uri': 's3://bkt/x', 'CaptureOptions': [{'CaptureMode': 'Input'}]}, 'initialSamplingPercentage'),
    ({'InitialSamplingPercentage': 50, 'DestinationS3Uri': 's3://bkt/../../x', 'CaptureOptions': [{'CaptureMode': 'Input'}]}, 'destinationS3Uri'),
    ({'InitialSamplingPercentage': 50, 'DestinationS3Uri': '/tmp/capture', 'CaptureOptions': [{'CaptureMode': 'Input'}]}, 'destinationS3Uri'),
    ({'InitialSamplingPercentage': 50, 'DestinationS3Uri': 's3://bkt/x', 'CaptureOptions': [{'CaptureMode': 'Everything'}]}, 'captureOptions'),
    ({'InitialSamplingPercentage': 50, 'DestinationS3Uri': 's3://bkt/x', 'CaptureOptions': []}, 'captureOptions'),
    ('yes', 'DataCaptureConfig structure'),
])
def test_data_capture_refusals(home, dc, needle):
    with pytest.raises(ClientError) as e:
        h.create_endpoint_config(home, EndpointConfigName='refused', ProductionVariants=[variant()], DataCaptureConfig=dc)
    assert needle in str(e.value), str(e.value)
    assert not h._exists(home, 'endpoint-config', 'refused')

def test_unsupported_features_named(home):
    assert 'serverless endpoints are not emulated' in message(lambda: h.create_endpoint_config(home, EndpointConfigName='sv',
        ProductionVariants=[{**variant(), 'ServerlessConfig': {'MemorySizeInGB': 2048}}]))
    assert 'AsyncInferenceConfig' in message(lambda: h.create_endpoint_config(home, EndpointConfigName='sv',
        ProductionVariants=[variant()], AsyncInferenceConfig={'OutputConfig': {}}))

# --- endpoints ---------------------------------------------------------------------------------------------------------
def test_endpoint_lifecycle_and_shapes(home, endpoint):
    d = h.describe_endpoint(home, EndpointName=endpoint)
    assert d['EndpointStatus'] == 'InService'
    assert [(v['VariantName'], v['CurrentWeight'], v['CurrentInstanceCount']) for v in d['ProductionVariants']] == [('A', 3.0, 1), ('B', 1.0, 1)]
    assert d['ProductionVariants'][0]['DeployedImages'][0]['SpecifiedImage'] == IMAGE
    assert not any(k.startswith('_') for v in d['ProductionVariants'] for k in v)
    assert 'Cannot create already existing endpoint' in message(lambda: h.create_endpoint(home, EndpointName=endpoint, EndpointConfigName=endpoint))
    assert code(lambda: h.create_endpoint(home, EndpointName='x-missing-config', EndpointConfigName='missing')) == 'ValidationException'
    assert any(e['EndpointName'] == endpoint for e in h.list_endpoints(home, StatusEquals='InService')['Endpoints'])

def test_environment_reaches_the_container(home, endpoint):
    served = h._FLEETS[endpoint]['A'][0]
    assert served.environment == {'SAGEMAKER_SOMETHING': 'x'}

def test_routing_by_weight_and_target_variant(home, endpoint):
    got = [h.invoke_endpoint(home, EndpointName=endpoint, Body=ROW, ContentType='text/csv')['InvokedProductionVariant'] for _ in range(200)]
    share_b = got.count('B') / len(got)
    assert abs(share_b - 0.25) < 4 * (0.25 * 0.75 / 200) ** 0.5, share_b
    assert {h.invoke_endpoint(home, EndpointName=endpoint, Body=ROW, ContentType='text/csv', TargetVariant='B')['InvokedProductionVariant']
            for _ in range(5)} == {'B'}
    assert code(lambda: h.invoke_endpoint(home, EndpointName=endpoint, Body=ROW, ContentType='text/csv', TargetVariant='C')) == 'ValidationError'

def test_zero_weights_need_a_target(home, endpoint):
    h.update_endpoint_weights_and_capacities(home, EndpointName=endpoint, DesiredWeightsAndCapacities=[
        {'VariantName': 'A', 'DesiredWeight': 0}, {'VariantName': 'B', 'DesiredWeight': 0}])
    assert 'TargetVariant' in message(lambda: h.invoke_endpoint(home, EndpointName=endpoint, Body=ROW, ContentType='text/csv'))
    assert h.invoke_endpoint(home, EndpointName=endpoint, Body=ROW, ContentType='text/csv', TargetVariant='A')['InvokedProductionVariant'] == 'A'
    for bad in ([{'VariantName': 'Z', 'DesiredWeight': 1}], [{'VariantName': 'A', 'DesiredWeight': -2}],
                [{'VariantName': 'A', 'DesiredInstanceCount': 0}], []):
        assert code(lambda: h.update_endpoint_weights_and_capacities(home, EndpointName=endpoint, DesiredWeightsAndCapacities=bad)) == 'ValidationException'

def test_instance_count_changes_start_and_stop_servers(home, endpoint):
    h.update_endpoint_weights_and_capacities(home, EndpointName=endpoint, DesiredWeightsAndCapacities=[{'VariantName': 'A', 'DesiredInstanceCount': 3}])
    servers = h._FLEETS[endpoint]['A'][1]
    assert len(servers) == 3 and all(s.alive() for s in servers)
    for _ in range(6): assert h.invoke_endpoint(home, EndpointName=endpoint, Body=ROW, ContentType='text/csv', TargetVariant='A')['InvokedProductionVariant'] == 'A'
    h.update_endpoint_weights_and_capacities(home, EndpointName=endpoint, DesiredWeightsAndCapacities=[{'VariantName': 'A', 'DesiredInstanceCount': 1}])
    assert not any(s.alive() for s in servers[1:])
    assert h.describe_endpoint(home, EndpointName=endpoint)['ProductionVariants'][0]['CurrentInstanceCount'] == 1

@pytest.mark.parametrize('kw, code_, needle', [
    (dict(Body=12), 'ValidationError', 'Body must be'),
    (dict(Body=b'0' * (h.MAX_PAYLOAD + 1), ContentType='text/csv'), 'ValidationError', '6 MB'),
    (dict(Body=ROW, ContentType='text/csv', CustomAttributes='é'), 'ValidationError', 'customAttributes'),
    (dict(Body=ROW, ContentType='text/csv', CustomAttributes='x' * 1025), 'ValidationError', 'customAttributes'),
    (dict(Body=ROW, ContentType='text/csv\r\nX-Evil: 1'), 'ValidationError', 'contentType'),
    (dict(Body=ROW, ContentType='text/csv', Accept='application/json\nX: y'), 'ValidationError', 'accept'),
    (dict(Body=ROW, ContentType=['text/csv']), 'ValidationError', 'contentType'),
    (dict(Body=ROW, ContentType='text/csv', TargetModel='a.tar.gz'), 'ValidationError', 'TargetModel'),
    (dict(Body=ROW, ContentType='application/x-npy'), 'ModelError', '(415)'),
    (dict(Body=ROW, ContentType='text/csv', Accept='image/png'), 'ModelError', '(406)'),
    (dict(Body='1,2', ContentType='text/csv'), 'ModelError', '(400)'),
    (dict(Body=b'\xff\xfe\x00garbage', ContentType='text/csv'), 'ModelError', '(400)'),
    (dict(Body='[' * 100_000, ContentType='application/json'), 'ModelError', '(400)'),
    (dict(Body=b'', ContentType='text/csv'), 'ModelError', '(400)'),
    (dict(Body=ROW), 'ModelError', '(415)'),
])
def test_hostile_invocations_named_and_server_survives(home, endpoint, kw, code_, needle):
    with pytest.raises(ClientError) as e: h.invoke_endpoint(home, EndpointName=endpoint, TargetVariant='A', **kw)
    err = e.value.response
    assert err['Error']['Code'] == code_ and needle in err['Error']['Message'], err
    if code_ == 'ModelError': assert 400 <= err['OriginalStatusCode'] < 500 and err['OriginalMessage']
    r = h.invoke_endpoint(home, EndpointName=endpoint, Body=ROW, ContentType='text/csv', Accept='application/json', TargetVariant='A')
    assert 'predictions' in json.loads(r['Body'].read())

def test_body_as_file_and_custom_attributes(home, endpoint):
    import io
    r = h.invoke_endpoint(home, EndpointName=endpoint, Body=io.BytesIO(ROW.encode()), ContentType='text/csv', CustomAttributes='trace=1')
    assert r['ContentType'] == 'application/json' and r['InvokedProductionVariant'] in ('A', 'B')

def test_dead_servers_mark_the_endpoint_failed(home, endpoint):
    h._stop_fleet(h._FLEETS.pop(endpoint))                     # as if the process that hosted them had ended
    assert 'not in service' in message(lambda: h.invoke_endpoint(home, EndpointName=endpoint, Body=ROW, ContentType='text/csv'))
    d = h.describe_endpoint(home, EndpointName=endpoint)
    assert d['EndpointStatus'] == 'Failed' and 'Delete the endpoint' in d['FailureReason']
    assert code(lambda: h.update_endpoint(home, EndpointName=endpoint, EndpointConfigName=endpoint)) == 'ValidationException'

def test_endpoint_of_an_ended_process(home, tmp_path):
    "A real kernel restart: another Python process creates an endpoint and exits; this one finds it Failed"
    script = textwrap.dedent(f'''
        from sagestudy.service import hosting as h
        h.create_endpoint_config({str(home)!r}, EndpointConfigName='other-proc', ProductionVariants=[{variant()!r}])
        h.create_endpoint({str(home)!r}, EndpointName='other-proc', EndpointConfigName='other-proc')
        print(h.describe_endpoint({str(home)!r}, EndpointName='other-proc')['EndpointStatus'])
    ''')
    out = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True, timeout=300)
    assert out.stdout.strip() == 'InService', out.stderr[-2000:]
    d = h.describe_endpoint(home, EndpointName='other-proc')
    assert d['EndpointStatus'] == 'Failed' and 'Python process' in d['FailureReason']
    h.delete_endpoint(home, EndpointName='other-proc'); h.delete_endpoint_config(home, EndpointConfigName='other-proc')

def test_failed_creation_and_failed_update(home, endpoint):
    h.create_endpoint_config(home, EndpointConfigName='gpu-cfg', ProductionVariants=[variant(instance='ml.p3.2xlarge')])
    try:
        # Linear Learner hosts on GPU too: make a config whose model cannot load instead
        LocalS3(home/'s3').put_bytes('s3://sagemaker-us-east-1-000000000000/junk/model.tar.gz', b'not a tarball')
        h.create_model(home, ModelName='junk', PrimaryContainer={'Image': IMAGE, 'ModelDataUrl': 's3://sagemaker-us-east-1-000000000000/junk/model.tar.gz'})
        h.create_endpoint_config(home, EndpointConfigName='junk', ProductionVariants=[variant(model='junk')])
        h.create_endpoint(home, EndpointName='junk', EndpointConfigName='junk')
        d = h.describe_endpoint(home, EndpointName='junk')
        assert d['EndpointStatus'] == 'Failed' and d['FailureReason']
        assert 'not in service' in message(lambda: h.invoke_endpoint(home, EndpointName='junk', Body=ROW, ContentType='text/csv'))
        h.update_endpoint(home, EndpointName=endpoint, EndpointConfigName='junk')          # blue/green: the old fleet stays
        d = h.describe_endpoint(home, EndpointName=endpoint)
        assert d['EndpointStatus'] == 'InService' and d['EndpointConfigName'] == endpoint and 'still runs' in d['FailureReason']
        assert h.invoke_endpoint(home, EndpointName=endpoint, Body=ROW, ContentType='text/csv')['ContentType'] == 'application/json'
        h.update_endpoint(home, EndpointName=endpoint, EndpointConfigName='gpu-cfg')
        d = h.describe_endpoint(home, EndpointName=endpoint)
        assert d['EndpointConfigName'] == 'gpu-cfg' and 'FailureReason' not in d
    finally:
        if h._exists(home, 'endpoint', 'junk'): h.delete_endpoint(home, EndpointName='junk')
        for c in ('junk', 'gpu-cfg'): h.delete_endpoint_config(home, EndpointConfigName=c)
        h.delete_model(home, ModelName='junk')

def test_delete_stops_servers(home, endpoint):
    urls = [s.url for _, servers in h._FLEETS[endpoint].values() for s in servers]
    assert all(h.ping_url(u) for u in urls)
    h.delete_endpoint(home, EndpointName=endpoint)
    assert not any(h.ping_url(u, timeout=0.5) for u in urls)
    assert code(lambda: h.delete_endpoint(home, EndpointName=endpoint)) == 'ValidationException'
    assert code(lambda: h.invoke_endpoint(home, EndpointName=endpoint, Body=ROW, ContentType='text/csv')) == 'ValidationError'

def test_data_capture_layout_and_sampling(home):
    dest = 's3://sagemaker-us-east-1-000000000000/capture-test'
    for pct, name in ((100, 'cap-all'), (0, 'cap-none')):
        h.create_endpoint_config(home, EndpointConfigName=name, ProductionVariants=[variant()], DataCaptureConfig={
            'EnableCapture': True, 'InitialSamplingPercentage': pct, 'DestinationS3Uri': f'{dest}/{name}',
            'CaptureOptions': [{'CaptureMode': 'Input'}, {'CaptureMode': 'Output'}]})
        h.create_endpoint(home, EndpointName=name, EndpointConfigName=name)
        for _ in range(5): h.invoke_endpoint(home, EndpointName=name, Body=ROW, ContentType='text/csv', InferenceId='id-1')
    s3 = LocalS3(home/'s3')
    files = s3.list(f'{dest}/cap-all/')
    assert len(files) == 5 and s3.list(f'{dest}/cap-none/') == []
    rel = files[0].removeprefix(f'{dest}/cap-all/cap-all/AllTraffic/').split('/')
    assert len(rel) == 5 and all(p.isdigit() for p in rel[:4]) and rel[-1].endswith('.jsonl')        # yyyy/mm/dd/hh/file
    rec = json.loads(s3.get_bytes(files[0]))
    assert rec['captureData']['endpointInput'] == {'observedContentType': 'text/csv', 'mode': 'INPUT', 'encoding': 'CSV', 'data': ROW}
    assert rec['captureData']['endpointOutput']['encoding'] == 'JSON' and rec['eventMetadata']['inferenceId'] == 'id-1'
    assert h.describe_endpoint(home, EndpointName='cap-all')['DataCaptureConfig']['CaptureStatus'] == 'Started'
    for name in ('cap-all', 'cap-none'):
        h.delete_endpoint(home, EndpointName=name); h.delete_endpoint_config(home, EndpointConfigName=name)

def test_clients_route_to_the_service(home, endpoint):
    log = []
    sm, rt = SageMakerClient(home, log=log), SageMakerRuntimeClient(home, log=log)
    assert sm.describe_endpoint(EndpointName=endpoint)['EndpointStatus'] == 'InService'
    r = rt.invoke_endpoint(EndpointName=endpoint, Body=ROW, ContentType='text/csv')
    assert json.loads(r['Body'].read())['predictions']
    assert [op for op, _ in log] == ['DescribeEndpoint', 'InvokeEndpoint']
    with pytest.raises(ClientError) as e: sm.describe_endpoint(EndpointName='missing-one')
    assert e.value.response['Error']['Code'] == 'ValidationException' and e.value.operation_name == 'DescribeEndpoint'

def test_container_environment_reaches_the_algorithm(home, tmp_path):
    "Issue 11 defect 5: the model's Environment is the server's environment (XGBoost reads SAGEMAKER_INFERENCE_OUTPUT from it)"
    from sagestudy.algorithms.xgboost import XGBoost
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 3)); y = (X[:, 0] > 0).astype(int)
    xgb = XGBoost(objective='binary:logistic', num_round=5).fit(X, y)
    uri = 's3://sagemaker-us-east-1-000000000000/xgb/model.tar.gz'
    LocalS3(home/'s3').put_bytes(uri, xgb.save(tmp_path/'model.tar.gz').read_bytes())
    image = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1'
    for name, env in (('xgb-plain', {}), ('xgb-labels', {'SAGEMAKER_INFERENCE_OUTPUT': 'predicted_label,probability'})):
        h.create_model(home, ModelName=name, PrimaryContainer={'Image': image, 'ModelDataUrl': uri, 'Environment': env})
        h.create_endpoint_config(home, EndpointConfigName=name, ProductionVariants=[variant(model=name)])
        h.create_endpoint(home, EndpointName=name, EndpointConfigName=name)
    body = '\n'.join(','.join(map(str, r)) for r in X[:3])
    ask = lambda name: json.loads(h.invoke_endpoint(home, EndpointName=name, Body=body, ContentType='text/csv', Accept='application/json')['Body'].read())
    plain, labels = ask('xgb-plain'), ask('xgb-labels')
    try:
        assert set(plain['predictions'][0]) == {'score'}
        assert set(labels['predictions'][0]) == {'predicted_label', 'probability'}
        assert [p['predicted_label'] for p in labels['predictions']] == [int(p['score'] > 0.5) for p in plain['predictions']]
        import os
        assert 'SAGEMAKER_INFERENCE_OUTPUT' not in os.environ          # the caller's own environment is untouched
    finally:
        for name in ('xgb-plain', 'xgb-labels'):
            h.delete_endpoint(home, EndpointName=name); h.delete_endpoint_config(home, EndpointConfigName=name); h.delete_model(home, ModelName=name)
