"""Six workflows written the way AWS's SageMaker Python SDK v2 example notebooks write them (issue 11, "What done looks like").

Each test is a port of one example notebook's SDK calls, with tiny generated data. The only change allowed is the import:
`import sagemaker` -> `import sagestudy.sagemaker as sagemaker` (and `from sagemaker.x import y` -> `from sagestudy.sagemaker.x
import y`). Every line that calls the SDK ends with `# SDK`; a line that had to change from the example ends with
`# CHANGED: <why>` instead. `test_sdk_calls_run_unchanged` counts them (target: at least 95% unchanged), and the platform
chapter nbs/70_sdk/74_amazon_estimators.ipynb lists every changed call with its reason.
"""
import io, json, os, re
from pathlib import Path
import numpy as np
import pytest

import sagestudy.sagemaker as sagemaker                                        # the one change: `import sagemaker`
from sagestudy.sagemaker import get_execution_role
from sagestudy.sagemaker.serializers import CSVSerializer, IdentitySerializer
from sagestudy.sagemaker.deserializers import JSONDeserializer
from sagestudy.sagemaker.inputs import TrainingInput
from sagestudy.sagemaker.s3 import S3Downloader, S3Uploader
import sagestudy.sagemaker.amazon.common as smac

@pytest.fixture(autouse=True)
def sagemaker_home(tmp_path, monkeypatch):
    "A fresh local AWS for each workflow: `sagemaker.Session()` with no arguments uses it"
    monkeypatch.setenv('SAGESTUDY_HOME', str(tmp_path/'home'))
    yield tmp_path

def _digits():
    "MNIST's small cousin (8x8 digits, bundled with scikit-learn): float32 features, 'is it a zero' as the MNIST notebooks ask"
    from sklearn.datasets import load_digits
    d = load_digits()
    X, y = (d.data / 16).astype('float32'), d.target
    return (X[:1200], y[:1200]), (X[1200:], y[1200:])

# 1. "An Introduction to Linear Learner with MNIST" (high-level: sagemaker.LinearLearner + record_set) ----------------------
def test_linear_learner_record_set_mnist():
    role = get_execution_role()                                                                         # SDK
    sess = sagemaker.Session()                                                                          # SDK
    train_set, test_set = _digits()
    train_vectors, train_labels = train_set[0], np.where(train_set[1] == 0, 1, 0).astype('float32')
    linear = sagemaker.LinearLearner(role=role, instance_count=1, instance_type='ml.c4.xlarge',        # SDK
                                     predictor_type='binary_classifier', sagemaker_session=sess)
    train_records = linear.record_set(train_vectors, labels=train_labels, channel='train')             # SDK
    linear.fit(train_records, mini_batch_size=200)                                                      # SDK
    linear_predictor = linear.deploy(initial_instance_count=1, instance_type='ml.m4.xlarge')            # SDK
    predictions = []
    for array in np.array_split(test_set[0], 4):
        result = linear_predictor.predict(array)                                                        # SDK
        predictions += [r.label['predicted_label'].float32_tensor.values[0] for r in result]
    predictions = np.array(predictions)
    truth = np.where(test_set[1] == 0, 1, 0)
    accuracy = (predictions == truth).mean()
    assert accuracy > 0.95, accuracy                                        # a zero is linearly separable from the rest
    assert type(linear_predictor).__name__ == 'LinearLearnerPredictor'
    req = sess.last_request('CreateTrainingJob')
    assert req['HyperParameters']['feature_dim'] == '64' and req['HyperParameters']['mini_batch_size'] == '200'
    assert 'ContentType' not in req['InputDataConfig'][0]                   # RecordIO protobuf is the default: none sent
    linear_predictor.delete_endpoint()                                                                  # SDK
    assert sess.sagemaker_client.list_endpoints()['Endpoints'] == []

# 2. XGBoost on libsvm files with no ContentType (the abalone / direct-marketing notebooks) -----------------------------------
def test_xgboost_libsvm_no_content_type(sagemaker_home):
    from sklearn.datasets import dump_svmlight_file
    role = get_execution_role()                                                                         # SDK
    sess = sagemaker.Session()                                                                          # SDK
    region = sess.boto_region_name                                                                      # SDK
    bucket, prefix = sess.default_bucket(), 'sagemaker/DEMO-xgboost-libsvm'                              # SDK
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 6)); y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    for name, rows in (('train', slice(0, 400)), ('validation', slice(400, 500))):
        dump_svmlight_file(X[rows], y[rows], str(sagemaker_home/f'{name}.libsvm'), zero_based=True)   # column i of a CSV request = index i
        sess.upload_data(str(sagemaker_home/f'{name}.libsvm'), bucket=bucket, key_prefix=f'{prefix}/{name}')  # SDK
    container = sagemaker.image_uris.retrieve('xgboost', region, '1.7-1')                               # SDK
    xgb = sagemaker.estimator.Estimator(container, role, instance_count=1, instance_type='ml.m5.xlarge',  # SDK
                                        output_path=f's3://{bucket}/{prefix}/output', sagemaker_session=sess)
    xgb.set_hyperparameters(max_depth=3, eta=0.3, objective='binary:logistic', num_round=20)           # SDK
    s3_input_train = TrainingInput(s3_data=f's3://{bucket}/{prefix}/train', s3_data_type='S3Prefix')   # SDK
    s3_input_validation = TrainingInput(s3_data=f's3://{bucket}/{prefix}/validation')                   # SDK
    xgb.fit({'train': s3_input_train, 'validation': s3_input_validation})                               # SDK
    xgb_predictor = xgb.deploy(initial_instance_count=1, instance_type='ml.m4.xlarge', serializer=CSVSerializer())  # SDK
    raw = xgb_predictor.predict(X[500:])                                                                # SDK
    scores = np.array([float(v) for v in raw.decode('utf-8').replace('\n', ',').split(',') if v])
    assert len(scores) == 100 and ((scores > 0.5) == y[500:]).mean() > 0.85
    inv = sess.last_request('InvokeEndpoint')
    assert inv['Accept'] == '*/*' and inv['ContentType'] == 'text/csv'       # the Predictor's defaults: bytes back, Accept */*
    channel = sess.last_request('CreateTrainingJob')['InputDataConfig'][0]
    assert 'ContentType' not in channel                                     # read as text/libsvm, XGBoost's default
    xgb_predictor.delete_endpoint()                                                                     # SDK

# 3. Managed spot training with checkpoints ------------------------------------------------------------------------------------
def test_managed_spot_training_with_checkpoints(sagemaker_home):
    role = get_execution_role()                                                                         # SDK
    sess = sagemaker.Session()                                                                          # SDK
    bucket, prefix = sess.default_bucket(), 'DEMO-spot'                                                 # SDK
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 4)); y = X @ np.array([1.0, -2.0, 0.5, 0.0]) + rng.normal(0, 0.1, 300)
    np.savetxt(sagemaker_home/'train.csv', np.c_[y, X], delimiter=',')
    train = S3Uploader.upload(str(sagemaker_home/'train.csv'), f's3://{bucket}/{prefix}/train', sagemaker_session=sess)  # SDK
    checkpoint_s3_uri = f's3://{bucket}/{prefix}/checkpoints'
    estimator = sagemaker.estimator.Estimator(                                                          # SDK
        image_uri=sagemaker.image_uris.retrieve('linear-learner', sess.boto_region_name), role=role,
        instance_count=1, instance_type='ml.m5.xlarge', use_spot_instances=True, max_run=3600, max_wait=7200,
        checkpoint_s3_uri=checkpoint_s3_uri, output_path=f's3://{bucket}/{prefix}/output', sagemaker_session=sess,
        hyperparameters={'predictor_type': 'regressor', 'epochs': 5, 'mini_batch_size': 50})
    estimator.fit({'train': TrainingInput(train, content_type='text/csv')})                             # SDK
    desc = sess.describe_training_job(estimator.latest_training_job.name)                               # SDK
    assert desc['TrainingJobStatus'] == 'Completed' and desc['EnableManagedSpotTraining'] is True
    assert desc['StoppingCondition'] == {'MaxRuntimeInSeconds': 3600, 'MaxWaitTimeInSeconds': 7200}
    assert desc['BillableTimeInSeconds'] >= 1
    checkpoints = S3Downloader.list(checkpoint_s3_uri, sagemaker_session=sess)                          # CHANGED: the example runs `!aws s3 ls`; the AWS CLI is not emulated
    assert checkpoints, 'no checkpoint reached S3'

# 4. Batch transform ("Batch Transform with ... built-in algorithms") -------------------------------------------------------
def test_batch_transform(sagemaker_home):
    role = get_execution_role()                                                                         # SDK
    sess = sagemaker.Session()                                                                          # SDK
    bucket, prefix = sess.default_bucket(), 'DEMO-batch-transform'                                      # SDK
    rng = np.random.default_rng(2)
    X = rng.normal(size=(400, 5)); y = (X[:, 0] - X[:, 2] > 0).astype(int)
    np.savetxt(sagemaker_home/'train.csv', np.c_[y[:300], X[:300]], delimiter=',', fmt='%.6f')
    np.savetxt(sagemaker_home/'batch.csv', X[300:], delimiter=',', fmt='%.6f')
    train = sess.upload_data(str(sagemaker_home/'train.csv'), key_prefix=f'{prefix}/train')             # SDK
    batch_input = sess.upload_data(str(sagemaker_home/'batch.csv'), key_prefix=f'{prefix}/batch')       # SDK
    container = sagemaker.image_uris.retrieve('xgboost', sess.boto_region_name, '1.7-1')               # SDK
    xgb = sagemaker.estimator.Estimator(container, role, instance_count=1, instance_type='ml.m4.xlarge',  # SDK
                                        output_path=f's3://{bucket}/{prefix}/output', sagemaker_session=sess)
    xgb.set_hyperparameters(objective='binary:logistic', max_depth=3, num_round=15)                    # SDK
    xgb.fit({'train': TrainingInput(train, content_type='text/csv')})                                   # SDK
    batch_output = f's3://{bucket}/{prefix}/batch-out'
    transformer = xgb.transformer(instance_count=1, instance_type='ml.m4.xlarge', output_path=batch_output)  # SDK
    transformer.transform(data=batch_input, data_type='S3Prefix', content_type='text/csv', split_type='Line')  # SDK
    transformer.wait()                                                                                  # SDK
    out = S3Downloader.read_file(f'{batch_output}/batch.csv.out', sagemaker_session=sess)               # SDK
    scores = np.array([float(l) for l in out.splitlines() if l.strip()])
    assert len(scores) == 100 and ((scores > 0.5) == y[300:]).mean() > 0.85

# 5. DeepAR with a Predictor subclass (the DeepAR electricity notebook's DeepARPredictor) -------------------------------------
def test_deepar_predictor_subclass():
    import pandas as pd
    role = get_execution_role()                                                                         # SDK
    sess = sagemaker.Session()                                                                          # SDK
    region = sess.boto_region_name                                                                      # SDK
    bucket, prefix = sess.default_bucket(), 'deepar-demo'                                               # SDK
    freq, prediction_length, context_length = 'H', 12, 24
    rng = np.random.default_rng(3)
    t = np.arange(400)
    timeseries = [pd.Series(10 + 3 * np.sin(2 * np.pi * t / 24 + k) + rng.normal(0, 0.3, len(t)),
                            index=pd.date_range('2024-01-01', periods=len(t), freq='h')) for k in range(3)]
    def series_to_obj(ts, cat=None):
        obj = {'start': str(ts.index[0]), 'target': list(ts)}
        if cat is not None: obj['cat'] = cat
        return obj
    train_lines = ''.join(json.dumps(series_to_obj(ts[:-prediction_length])) + '\n' for ts in timeseries)
    test_lines = ''.join(json.dumps(series_to_obj(ts)) + '\n' for ts in timeseries)
    S3Uploader.upload_string_as_file_body(train_lines, f's3://{bucket}/{prefix}/data/train/train.json', sagemaker_session=sess)  # SDK
    S3Uploader.upload_string_as_file_body(test_lines, f's3://{bucket}/{prefix}/data/test/test.json', sagemaker_session=sess)     # SDK
    image_name = sagemaker.image_uris.retrieve('forecasting-deepar', region)                            # SDK
    estimator = sagemaker.estimator.Estimator(image_uri=image_name, sagemaker_session=sess, role=role,  # SDK
        instance_count=1, instance_type='ml.c4.2xlarge', base_job_name='deepar-electricity-demo',
        output_path=f's3://{bucket}/{prefix}/output')
    hyperparameters = {'time_freq': freq, 'epochs': '3', 'early_stopping_patience': '40', 'mini_batch_size': '32',
                       'learning_rate': '5E-3', 'context_length': str(context_length), 'prediction_length': str(prediction_length),
                       'num_cells': '16', 'num_layers': '1'}
    estimator.set_hyperparameters(**hyperparameters)                                                    # SDK
    data_channels = {'train': f's3://{bucket}/{prefix}/data/train/', 'test': f's3://{bucket}/{prefix}/data/test/'}
    estimator.fit(inputs=data_channels, wait=True)                                                      # SDK

    class DeepARPredictor(sagemaker.predictor.Predictor):                                               # SDK
        def __init__(self, *args, **kwargs):
            super().__init__(*args, serializer=IdentitySerializer(content_type='application/json'), **kwargs)  # SDK
        def predict(self, ts, cat=None, num_samples=100, quantiles=('0.1', '0.5', '0.9')):
            prediction_time = ts.index[-1] + ts.index.freq
            req = {'instances': [series_to_obj(ts, cat)], 'configuration': {'num_samples': num_samples,
                   'output_types': ['quantiles'], 'quantiles': [str(q) for q in quantiles]}}
            res = super().predict(json.dumps(req).encode('utf-8'))                                      # SDK
            pred = json.loads(res.decode('utf-8'))['predictions'][0]
            index = pd.date_range(start=prediction_time, freq=ts.index.freq, periods=prediction_length)
            return pd.DataFrame(data=pred['quantiles'], index=index)

    predictor = estimator.deploy(initial_instance_count=1, instance_type='ml.m5.large', predictor_cls=DeepARPredictor)  # SDK
    assert isinstance(predictor, DeepARPredictor)
    forecast = predictor.predict(ts=timeseries[0][:-prediction_length], quantiles=[0.1, 0.5, 0.9])
    assert list(forecast.columns) == ['0.1', '0.5', '0.9'] and len(forecast) == prediction_length
    assert (forecast['0.1'] <= forecast['0.5'] + 1e-6).all() and (forecast['0.5'] <= forecast['0.9'] + 1e-6).all()
    truth = timeseries[0][-prediction_length:].values
    naive = np.abs(truth - timeseries[0][-prediction_length - 24:-24].values).mean()   # seasonal-naive (one day back)
    mae = np.abs(forecast['0.5'].values - truth).mean()
    assert mae < 3 * naive + 1.0, (mae, naive)            # 3 epochs on a smoke budget: in the range of the seasonal baseline
    assert sess.last_request('InvokeEndpoint')['ContentType'] == 'application/json'
    predictor.delete_endpoint()                                                                         # SDK

# 6. k-NN with record_set (the k-NN "covertype" notebook, high-level API) ---------------------------------------------------
def test_knn_record_set():
    role = get_execution_role()                                                                         # SDK
    sess = sagemaker.Session()                                                                          # SDK
    rng = np.random.default_rng(4)
    centers = rng.normal(0, 4, size=(3, 6))
    labels = rng.integers(0, 3, 500)
    X = (centers[labels] + rng.normal(size=(500, 6))).astype('float32')
    knn = sagemaker.KNN(role=role, instance_count=1, instance_type='ml.m5.2xlarge', k=5, sample_size=400,  # SDK
                        predictor_type='classifier', sagemaker_session=sess)
    train = knn.record_set(X[:400], labels=labels[:400].astype('float32'))                              # SDK
    knn.fit(train, mini_batch_size=100)                                                                 # SDK
    predictor = knn.deploy(initial_instance_count=1, instance_type='ml.m5.xlarge')                      # SDK
    result = predictor.predict(X[400:])                                                                 # SDK
    predicted = np.array([r.label['predicted_label'].float32_tensor.values[0] for r in result])
    assert (predicted == labels[400:]).mean() > 0.9
    predictor.serializer, predictor.deserializer = CSVSerializer(), JSONDeserializer()                   # SDK
    answer = predictor.predict(X[400:405])                                                              # SDK
    assert [p['predicted_label'] for p in answer['predictions']] == list(predicted[:5])
    predictor.delete_endpoint()                                                                         # SDK

# --- the count ----------------------------------------------------------------------------------------------------------
def sdk_call_lines()->tuple[list, list, list]:
    "(unchanged, changed, blocked) SDK-call lines of the workflows above; blocked: unchanged lines of a test marked xfail"
    src = Path(__file__).read_text().split('"""', 2)[2].split('# --- the count')[0]      # the workflows, without the docstring
    unchanged, changed, blocked, pending, xfail = [], [], [], False, False
    for l in src.splitlines():
        if l.startswith('@pytest.mark.xfail'): pending = True
        elif l.startswith('def '): xfail, pending = pending, False          # a test (or helper) starts: is it marked xfail?
        if re.search(r'#\s*SDK\s*$', l): (blocked if xfail else unchanged).append(l)
        elif re.search(r'#\s*CHANGED: \S', l): changed.append(l)
    return unchanged, changed, blocked

def test_sdk_calls_run_unchanged():
    unchanged, changed, blocked = sdk_call_lines()
    total = len(unchanged) + len(changed) + len(blocked)
    written = (len(unchanged) + len(blocked)) / total
    print(f'{len(unchanged) + len(blocked)} of {total} SDK calls written unchanged ({written:.1%}); '
          f'{len(unchanged)} of {total} run unchanged today ({len(unchanged) / total:.1%}); '
          f'{len(blocked)} wait in xfail workflows for a missing piece (see their reasons)')
    assert written >= 0.95, written
    chapter = (Path(__file__).parent.parent/'nbs/70_sdk/74_amazon_estimators.ipynb').read_text()
    for line in changed:                                             # every changed call is explained in the platform chapter
        why = line.split('# CHANGED:')[1].strip()
        assert json.dumps(why)[1:-1] in chapter, f'not listed in 74_amazon_estimators: {why}'

# --- issue 11's fidelity defects 2, 3, 4 and 6 (the hosting side), one check each ---------------------------------------------
@pytest.fixture
def ll_artifact(sagemaker_home):
    "A Linear Learner model.tar.gz in the default bucket (trained in-process: these checks are about the SDK, not the job)"
    from sagestudy.algorithms.linear_learner import LinearLearner
    rng = np.random.default_rng(5)
    X = rng.normal(size=(100, 3)).astype('float32'); y = (X[:, 0] > 0).astype('float32')
    est = LinearLearner(predictor_type='binary_classifier', epochs=2, mini_batch_size=25).fit(X, y)
    sess = sagemaker.Session()
    return sess, sess.upload_data(str(est.save(sagemaker_home/'model.tar.gz')), key_prefix='ll'), X, est

def test_defect2_predictor_defaults(ll_artifact):
    from sagestudy.sagemaker.predictor import Predictor
    sess, data, X, est = ll_artifact
    p = Predictor('x', sagemaker_session=sess)
    assert (type(p.serializer).__name__, type(p.deserializer).__name__, p.content_type, p.accept) == \
           ('IdentitySerializer', 'BytesDeserializer', 'application/octet-stream', ('*/*',))
    model = sagemaker.Model(sagemaker.image_uris.retrieve('linear-learner', sess.boto_region_name), data, get_execution_role(),
                            predictor_cls=Predictor, sagemaker_session=sess)
    pred = model.deploy(1, 'ml.m5.large')
    body = pred.predict(CSVSerializer().serialize(X[:2]), initial_args={'ContentType': 'text/csv'})   # bytes: the container's default (JSON)
    assert isinstance(body, bytes) and json.loads(body) == est.predict_response(X[:2])
    assert sess.last_request('InvokeEndpoint')['Accept'] == '*/*'
    pred.delete_model(); pred.delete_endpoint()

def test_defect3_model_positional_order(ll_artifact):
    sess, data, X, est = ll_artifact
    image = sagemaker.image_uris.retrieve('linear-learner', sess.boto_region_name)
    m = sagemaker.model.Model(image, data, 'arn:aws:iam::000000000000:role/r', env={'A': 'b'}, sagemaker_session=sess)
    assert (m.image_uri, m.model_data, m.role) == (image, data, 'arn:aws:iam::000000000000:role/r')
    assert m.prepare_container_def() == {'Image': image, 'Environment': {'A': 'b'}, 'ModelDataUrl': data}
    with pytest.raises(ValueError, match=r"The SDK's order is Model\(image_uri, model_data, role\)"): sagemaker.Model(data)
    assert m.deploy(1, 'ml.m5.large', endpoint_name='no-predictor-cls') is None          # the SDK returns None without predictor_cls
    assert sess.sagemaker_client.describe_model(ModelName=m.name)['PrimaryContainer']['Environment'] == {'A': 'b'}
    sess.delete_endpoint('no-predictor-cls')

def test_defect4_json_serializers_send_bare_json():
    from sagestudy.sagemaker.serializers import JSONSerializer, JSONLinesSerializer, NumpySerializer
    assert JSONSerializer().serialize(np.array([[1.0, 2.0]])) == '[[1.0, 2.0]]'
    assert JSONSerializer().serialize({'instances': [{'features': [1, 2]}]}) == '{"instances": [{"features": [1, 2]}]}'
    assert JSONLinesSerializer().serialize('{"a": 1}\n') == '{"a": 1}\n'
    with pytest.raises(ValueError, match='not JSON Lines serializable'): JSONLinesSerializer().serialize([{'a': 1}])
    for cls, ct in ((JSONSerializer, 'application/jsonlines'), (CSVSerializer, 'text/plain'), (NumpySerializer, 'application/npy')):
        assert cls(content_type=ct).CONTENT_TYPE == ct                    # defect 6: serializers take content_type
    assert JSONDeserializer(accept='application/jsonlines').ACCEPT == ('application/jsonlines',)

def test_defect6_missing_arguments_and_methods(ll_artifact):
    from sagestudy.sagemaker.predictor import Predictor
    from sagestudy.sagemaker.model_monitor import DataCaptureConfig
    sess, data, X, est = ll_artifact
    image = sagemaker.image_uris.retrieve('linear-learner')                    # the session's region by default
    assert image == sagemaker.image_uris.retrieve('linear-learner', sess.boto_region_name)
    assert 'pytorch-inference:2.1.0-gpu-py310' in sagemaker.image_uris.retrieve('pytorch', version='2.1', py_version='py310',
                                                                                 instance_type='ml.g5.xlarge', image_scope='inference')
    model = sagemaker.Model(image, model_data=data, role=get_execution_role(), sagemaker_session=sess)
    pred = model.deploy(initial_instance_count=1, instance_type='ml.m5.large', endpoint_name='defect6', predictor_cls=Predictor,
                        serializer=CSVSerializer(), deserializer=JSONDeserializer(),
                        data_capture_config=DataCaptureConfig(enable_capture=True, sampling_percentage=100, sagemaker_session=sess))
    assert pred.predict(X[:1], target_variant='AllTraffic', custom_attributes='c=1') == est.predict_response(X[:1])
    assert sess.last_request('InvokeEndpoint')['TargetVariant'] == 'AllTraffic'
    assert S3Downloader.list(f's3://{sess.default_bucket()}/model-monitor/data-capture/defect6/', sagemaker_session=sess)
    pred.update_endpoint(initial_instance_count=2, instance_type='ml.m5.xlarge')
    d = sess.sagemaker_client.describe_endpoint(EndpointName='defect6')
    assert d['EndpointStatus'] == 'InService' and d['ProductionVariants'][0]['CurrentInstanceCount'] == 2
    assert pred.predict(X[:1]) == est.predict_response(X[:1])
    config = d['EndpointConfigName']
    pred.delete_model(); pred.delete_endpoint()
    c = sess.sagemaker_client
    assert (c.list_models()['Models'], c.list_endpoints()['Endpoints']) == ([], [])
    assert [e['EndpointConfigName'] for e in c.list_endpoint_configs()['EndpointConfigs']] == ['defect6']   # the first config stays
    assert config != 'defect6'

def test_failed_endpoint_raises_what_the_sdk_raises(ll_artifact):
    from sagestudy.sagemaker.exceptions import UnexpectedStatusException
    sess, data, X, est = ll_artifact
    sess.s3.put_bytes(f's3://{sess.default_bucket()}/bad/model.tar.gz', b'not a tar file')
    model = sagemaker.Model(sagemaker.image_uris.retrieve('linear-learner'), f's3://{sess.default_bucket()}/bad/model.tar.gz',
                            sagemaker_session=sess)
    with pytest.raises(UnexpectedStatusException, match='Error hosting endpoint bad-model: Failed. Reason: ') as e:
        model.deploy(1, 'ml.m5.large', endpoint_name='bad-model')
    assert e.value.actual_status == 'Failed'
    from sagestudy.core.errors import ClientError
    with pytest.raises(ClientError) as e: sess.sagemaker_client.create_endpoint(EndpointName='bad-model', EndpointConfigName='bad-model')
    assert e.value.response['Error']['Code'] == 'ValidationException' and 'already existing' in e.value.response['Error']['Message']

def test_first_party_estimators_check_what_they_are_given():
    "Hyperparameters are checked against the catalog when set (named), before any upload or job; paths cannot leave their bucket"
    from sagestudy.core.errors import HyperparameterError
    sess = sagemaker.Session()
    kw = dict(role=get_execution_role(), instance_count=1, instance_type='ml.m5.xlarge', sagemaker_session=sess)
    with pytest.raises(HyperparameterError, match="'k'"): sagemaker.KNN(k=0, sample_size=10, predictor_type='classifier', **kw)
    with pytest.raises(HyperparameterError, match="'predictor_type'"): sagemaker.LinearLearner(predictor_type='classifier', **kw)
    knn = sagemaker.KNN(k=3, sample_size=10, predictor_type='classifier', **kw)
    with pytest.raises(HyperparameterError, match="'index_metric'"): knn.index_metric = 'manhattan'
    with pytest.raises(TypeError, match='wdd'): sagemaker.LinearLearner(predictor_type='regressor', wdd=0.1, **kw)
    with pytest.raises(ValueError, match='s3://'): sagemaker.KNN(k=3, sample_size=10, predictor_type='classifier', data_location='/tmp/x', **kw)
    knn.data_location = 's3://sagemaker-us-east-1-000000000000/../../etc/'
    with pytest.raises(ValueError, match=r"'\.' or '\.\.'|\.\."): knn.record_set(np.ones((4, 2), dtype='float32'))
    assert knn.hyperparameters() == {'k': '3', 'sample_size': '10', 'predictor_type': 'classifier'}
    assert sess.requests == []                                                 # nothing was sent

def test_record_set_writes_what_the_sdk_writes():
    "One RecordIO shard per instance and a manifest listing them, as the SDK's upload_numpy_to_s3_shards"
    sess = sagemaker.Session()
    ll = sagemaker.LinearLearner(get_execution_role(), 3, 'ml.m5.xlarge', predictor_type='regressor', sagemaker_session=sess)
    X, y = np.arange(20, dtype='float32').reshape(10, 2), np.arange(10, dtype='float32')
    rs = ll.record_set(X, labels=y, channel='validation')
    assert (rs.num_records, rs.feature_dim, rs.channel, rs.s3_data_type) == (10, 2, 'validation', 'ManifestFile')
    manifest = json.loads(S3Downloader.read_file(rs.s3_data, sagemaker_session=sess))
    assert manifest[1:] == ['matrix_0.pbr', 'matrix_1.pbr', 'matrix_2.pbr'] and manifest[0]['prefix'].endswith('/')
    rows = [r for name in manifest[1:] for r in smac.read_records(io.BytesIO(S3Downloader.read_bytes(manifest[0]['prefix'] + name, sagemaker_session=sess)))]
    assert np.array([r.features['values'].float32_tensor.values for r in rows]).tolist() == X.tolist()
    assert [r.label['values'].float32_tensor.values[0] for r in rows] == y.tolist()
    ch = rs.records_s3_input().config
    assert ch == {'DataSource': {'S3DataSource': {'S3DataType': 'ManifestFile', 'S3Uri': rs.s3_data, 'S3DataDistributionType': 'ShardedByS3Key'}}}
