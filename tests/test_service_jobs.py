"""The jobs service's API shapes and the SDK classes on top of it (issue 11): DescribeTrainingJob fields, pagination,
transform and processing jobs, the SDK's arguments and defaults, and DeepAR batch transform reading its inference
configuration from the model's / the job's Environment."""
import io, json, os, tarfile, tempfile, textwrap, time, warnings
from pathlib import Path
import numpy as np
import pytest
from sagestudy.core.errors import ClientError
from sagestudy.service import storage, training, transform, processing
from sagestudy.sagemaker.session import Session, get_execution_role
from sagestudy.sagemaker.estimator import Estimator, UnexpectedStatusException
from sagestudy.sagemaker.inputs import TrainingInput
from sagestudy.sagemaker.transformer import Transformer
from sagestudy.sagemaker.frameworks import PyTorch

@pytest.fixture()
def sess(tmp_path): return Session(tmp_path/'home', default_bucket_prefix='team')

@pytest.fixture()
def csv_uri(sess):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3)); y = (X[:, 0] + 0.2 * X[:, 1] > 0).astype(int)
    rows = ''.join(f'{l},' + ','.join(f'{v:.4f}' for v in x) + '\n' for l, x in zip(y, X))
    return sess.s3.put_bytes(f's3://{sess.default_bucket()}/d/train/part-0.csv', rows.encode()).rsplit('/', 1)[0]

def test_session_region_and_prefix(sess, tmp_path):
    assert sess.boto_region_name == 'us-east-1' and sess.default_bucket_prefix == 'team'
    (tmp_path/'x.csv').write_text('1,2\n')
    assert sess.upload_data(tmp_path/'x.csv', key_prefix='d') == f's3://{sess.default_bucket()}/team/d/x.csv'
    assert get_execution_role().startswith('arn:aws:iam::000000000000:role/')

def test_estimator_request_and_describe_shape(sess, csv_uri, tmp_path):
    (tmp_path/'env.py').write_text(textwrap.dedent('''
        import json, os
        json.dump({k: os.environ.get(k) for k in ("MY_SETTING", "SM_HP_LR")}, open(os.path.join(os.environ["SM_MODEL_DIR"], "env.json"), "w"))
        print("accuracy=0.75")
    '''))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        est = PyTorch(entry_point=str(tmp_path/'env.py'), framework_version='2.5', py_version='py311', train_instance_count=1,
                      train_instance_type='ml.m5.xlarge', volume_size=50, max_run=600, use_spot_instances=True, max_wait=1200,
                      environment={'MY_SETTING': 'on'}, hyperparameters={'lr': 0.1}, sagemaker_session=sess,
                      metric_definitions=[{'Name': 'train:accuracy', 'Regex': r'accuracy=([0-9.]+)'}])
    assert any('train_instance_count has been renamed' in str(x.message) for x in w)
    assert est.hyperparameters() == {'lr': '0.1'}
    desc = est.fit({'train': TrainingInput(csv_uri, content_type='text/csv')}, logs=False)
    req = sess.last_request('CreateTrainingJob')
    assert req['ResourceConfig'] == {'InstanceCount': 1, 'InstanceType': 'ml.m5.xlarge', 'VolumeSizeInGB': 50}
    assert req['StoppingCondition'] == {'MaxRuntimeInSeconds': 600, 'MaxWaitTimeInSeconds': 1200} and req['EnableManagedSpotTraining'] is True
    assert req['Environment'] == {'MY_SETTING': 'on'} and req['HyperParameters']['lr'] == '0.1'
    assert req['OutputDataConfig']['S3OutputPath'] == f's3://{sess.default_bucket()}/team/'     # default_bucket_prefix
    name = est.latest_training_job.name
    d = sess.describe_training_job(name)
    for k in ('TrainingJobName', 'TrainingJobArn', 'TrainingJobStatus', 'SecondaryStatus', 'ModelArtifacts', 'FinalMetricDataList',
              'CreationTime', 'TrainingStartTime', 'TrainingEndTime', 'LastModifiedTime', 'TrainingTimeInSeconds', 'SecondaryStatusTransitions'):
        assert k in d, k
    assert not any(k.startswith('_') for k in d)
    assert d['TrainingJobArn'] == f'arn:aws:sagemaker:us-east-1:000000000000:training-job/{name}'
    assert [(m['MetricName'], m['Value']) for m in d['FinalMetricDataList']] == [('train:accuracy', 0.75)]
    with tarfile.open(sess.s3.path(est.model_data)) as tar: seen = json.load(tar.extractfile('env.json'))
    assert seen == {'MY_SETTING': 'on', 'SM_HP_LR': '0.1'}
    assert est.model_data == f's3://{sess.default_bucket()}/team/{name}/output/model.tar.gz' == d['ModelArtifacts']['S3ModelArtifacts']
    assert Estimator.attach(name, sagemaker_session=sess).model_data == est.model_data

def test_estimator_needs_instances_and_logs(sess, csv_uri, capsys):
    with pytest.raises(ValueError, match='instance_count and instance_type'): Estimator('linear-learner', sagemaker_session=sess)
    est = Estimator('linear-learner', instance_count=1, instance_type='ml.m5.xlarge', sagemaker_session=sess,
                    hyperparameters={'predictor_type': 'binary_classifier', 'epochs': 1})
    est.fit({'train': TrainingInput(csv_uri, content_type='text/csv')}, logs=False)
    capsys.readouterr(); est.logs()
    assert f'[algo-1-' in capsys.readouterr().out

def test_list_training_jobs_pages_and_filters(sess, csv_uri):
    for i in range(3):
        storage.save_record(sess.home, 'training-jobs', f'j-{i}', {'TrainingJobName': f'j-{i}', 'TrainingJobStatus': 'Completed',
                            'TrainingJobArn': f'arn/j-{i}', 'CreationTime': f'2026-01-0{i + 1}T00:00:00+00:00'})
    page = training.list_training_jobs(sess.home, MaxResults=2)
    assert [s['TrainingJobName'] for s in page['TrainingJobSummaries']] == ['j-2', 'j-1'] and page['NextToken'] == '2'
    rest = training.list_training_jobs(sess.home, MaxResults=2, NextToken=page['NextToken'])
    assert [s['TrainingJobName'] for s in rest['TrainingJobSummaries']] == ['j-0'] and 'NextToken' not in rest
    assert training.list_training_jobs(sess.home, NameContains='j-1')['TrainingJobSummaries'][0]['TrainingJobName'] == 'j-1'

def test_training_input_fields_and_unsupported_types(sess, csv_uri):
    ti = TrainingInput(csv_uri, 'ShardedByS3Key', 'Gzip', 'text/csv', 'RecordIO', input_mode='Pipe')
    assert ti.config == {'DataSource': {'S3DataSource': {'S3DataType': 'S3Prefix', 'S3Uri': csv_uri, 'S3DataDistributionType': 'ShardedByS3Key'}},
                         'CompressionType': 'Gzip', 'ContentType': 'text/csv', 'RecordWrapperType': 'RecordIO', 'InputMode': 'Pipe'}
    est = Estimator('linear-learner', instance_count=1, instance_type='ml.m5.xlarge', sagemaker_session=sess)
    with pytest.raises(ClientError, match='AugmentedManifestFile'): est.fit({'train': TrainingInput(csv_uri, s3_data_type='AugmentedManifestFile')})
    with pytest.raises(ClientError, match='Gzip needs Pipe'): est.fit({'train': TrainingInput(csv_uri, compression='Gzip')})

def test_manifest_file_channel(sess, csv_uri):
    b = sess.default_bucket()
    sess.s3.put_bytes(f's3://{b}/m/data/junk.csv', b'not,listed\n')
    sess.s3.put_bytes(f's3://{b}/m/manifest', json.dumps([{'prefix': csv_uri + '/'}, 'part-0.csv']).encode())
    est = Estimator('linear-learner', instance_count=1, instance_type='ml.m5.xlarge', sagemaker_session=sess,
                    hyperparameters={'predictor_type': 'binary_classifier', 'epochs': 1})
    d = est.fit({'train': TrainingInput(f's3://{b}/m/manifest', content_type='text/csv', s3_data_type='ManifestFile')}, logs=False)
    assert d['TrainingJobStatus'] == 'Completed'
    assert [p.name for p in (sess.home/'jobs'/d['TrainingJobName']/'algo-1/opt/ml/input/data/train').iterdir()] == ['part-0.csv']
    sess.s3.put_bytes(f's3://{b}/m/escape', json.dumps([{'prefix': csv_uri + '/'}, '../../../x']).encode())
    with pytest.raises(UnexpectedStatusException, match="'..'"):
        est.fit({'train': TrainingInput(f's3://{b}/m/escape', content_type='text/csv', s3_data_type='ManifestFile')}, logs=False)

def test_gzip_pipe_channel_arrives_decompressed(sess, tmp_path):
    import gzip
    uri = sess.s3.put_bytes(f's3://{sess.default_bucket()}/gz/a.csv.gz', gzip.compress(b'1,2\n3,4\n'))
    (tmp_path/'read.py').write_text(textwrap.dedent('''
        import os
        data = open(os.environ["SM_CHANNEL_TRAIN"] + "_0", "rb").read()
        open(os.path.join(os.environ["SM_MODEL_DIR"], "got.txt"), "wb").write(data)
    '''))
    est = PyTorch(entry_point=str(tmp_path/'read.py'), framework_version='2.5', py_version='py311', instance_count=1,
                  instance_type='ml.m5.xlarge', input_mode='Pipe', sagemaker_session=sess)
    est.fit({'train': TrainingInput(uri.rsplit('/', 1)[0], compression='Gzip')}, logs=False)
    with tarfile.open(sess.s3.path(est.model_data)) as tar: assert tar.extractfile('got.txt').read() == b'1,2\n3,4\n'

def test_xgboost_channel_without_content_type_is_libsvm(sess):
    rows = ''.join(f'{i % 2} 1:{i * 0.1:.1f} 2:{(i % 5):.1f}\n' for i in range(40))
    uri = sess.s3.put_bytes(f's3://{sess.default_bucket()}/x/train.libsvm', rows.encode()).rsplit('/', 1)[0]
    est = Estimator('683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1', instance_count=1, instance_type='ml.m5.xlarge',
                    hyperparameters={'num_round': 3, 'objective': 'binary:logistic'}, sagemaker_session=sess)
    est.fit({'train': uri}, logs=False)
    assert est.latest_training_job.describe()['TrainingJobStatus'] == 'Completed'

# ---- batch transform ----

def _deepar_model(sess, tmp_path, env:dict)->str:
    from sagestudy.algorithms.deepar import DeepAR
    rng = np.random.default_rng(0)
    series = [{'start': '2020-01-01 00:00:00', 'target': (10 + np.sin(np.arange(100) / 4) + rng.normal(0, .1, 100)).round(3).tolist()} for _ in range(4)]
    (tmp_path/'train.json').write_text(''.join(json.dumps(s) + '\n' for s in series))
    est = DeepAR(time_freq='H', context_length=8, prediction_length=4, epochs=1, num_cells=8, num_layers=1, mini_batch_size=4)
    est.fit_channels({'train': (tmp_path, 'application/jsonlines')})
    uri = sess.upload_data(est.save(tmp_path/'model.tar.gz'), key_prefix='deepar/model')
    sess.sagemaker_client.create_model(ModelName='deepar-m', ExecutionRoleArn=get_execution_role(),
        PrimaryContainer={'Image': '522234722520.dkr.ecr.us-east-1.amazonaws.com/forecasting-deepar:1', 'ModelDataUrl': uri, 'Environment': env})
    sess.s3.put_bytes(f's3://{sess.default_bucket()}/deepar/in/series.json', ''.join(json.dumps({'start': s['start'], 'target': s['target'][:50]}) + '\n' for s in series[:2]).encode())
    return f's3://{sess.default_bucket()}/deepar/in'

def test_deepar_batch_transform_reads_its_environment(sess, tmp_path, monkeypatch):
    monkeypatch.setenv('DEEPAR_INFERENCE_CONFIG', json.dumps({'num_samples': 3, 'output_types': ['samples']}))   # the notebook's: ignored
    data = _deepar_model(sess, tmp_path, {'DEEPAR_INFERENCE_CONFIG': json.dumps({'num_samples': 20, 'output_types': ['quantiles'], 'quantiles': ['0.1', '0.9']})})
    t1 = Transformer('deepar-m', 1, 'ml.m5.xlarge', strategy='MultiRecord', assemble_with='Line', accept='application/jsonlines', sagemaker_session=sess)
    t1.transform(data, content_type='application/jsonlines', split_type='Line')
    out = [json.loads(l) for l in sess.s3.get_bytes(f'{t1.output_path}/series.json.out').decode().splitlines()]
    assert len(out) == 2 and all(set(o) == {'quantiles'} and set(o['quantiles']) == {'0.1', '0.9'} for o in out), out
    t2 = Transformer('deepar-m', 1, 'ml.m5.xlarge', assemble_with='Line', accept='application/jsonlines', sagemaker_session=sess,
                     env={'DEEPAR_INFERENCE_CONFIG': json.dumps({'output_types': ['mean']})})     # the job's Environment wins
    t2.transform(data, content_type='application/jsonlines', split_type='Line')
    out2 = [json.loads(l) for l in sess.s3.get_bytes(f'{t2.output_path}/series.json.out').decode().splitlines()]
    assert all(set(o) == {'mean'} and len(o['mean']) == 4 for o in out2), out2

def test_transform_job_describe_and_refusals(sess, tmp_path):
    from sagestudy.algorithms.xgboost import XGBoost
    rng = np.random.default_rng(1); X = rng.normal(size=(50, 2)); y = (X[:, 0] > 0).astype(int)
    uri = sess.upload_data(XGBoost(num_round=3, objective='binary:logistic', nthread=1).fit(X, y).save(tmp_path/'model.tar.gz'), key_prefix='xgb')
    sess.sagemaker_client.create_model(ModelName='xgb-m', ExecutionRoleArn='r', PrimaryContainer={
        'Image': '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1', 'ModelDataUrl': uri})
    data = sess.s3.put_bytes(f's3://{sess.default_bucket()}/t/in/a.csv', b'0.5,0.1\n-0.5,0.2\n').rsplit('/', 1)[0]
    tr = Transformer(model_name='xgb-m', instance_count=1, instance_type='ml.m5.xlarge', sagemaker_session=sess)
    tr.transform(data, content_type='text/csv', split_type='Line', wait=False)
    d = tr.wait()
    assert d['TransformJobStatus'] == 'Completed' and tr.output_path == f's3://{sess.default_bucket()}/team/{tr.latest_transform_job.name}'
    for k in ('TransformJobName', 'TransformJobArn', 'ModelName', 'TransformInput', 'TransformOutput', 'TransformResources',
              'CreationTime', 'TransformStartTime', 'TransformEndTime'): assert k in d, k
    assert len(sess.s3.get_bytes(f'{tr.output_path}/a.csv.out').decode().split()) == 2
    with pytest.raises(ClientError, match='Could not find model'):
        Transformer('nope', 1, 'ml.m5.xlarge', sagemaker_session=sess).transform(data, content_type='text/csv')
    assert transform.list_transform_jobs(sess.home)['TransformJobSummaries'][0]['TransformJobStatus'] == 'Completed'

def test_estimator_transformer(sess, csv_uri):
    pytest.importorskip('sagestudy.sagemaker.model')
    from sagestudy.sagemaker.model import Model
    if not hasattr(Model, '_create_sagemaker_model'): pytest.skip('the SDK Model (hosting engineer) has no _create_sagemaker_model yet')
    est = Estimator('linear-learner', instance_count=1, instance_type='ml.m5.xlarge', sagemaker_session=sess,
                    hyperparameters={'predictor_type': 'binary_classifier', 'epochs': 1})
    est.fit({'train': TrainingInput(csv_uri, content_type='text/csv')}, logs=False)
    tr = est.transformer(1, 'ml.m5.xlarge', accept='application/json')
    assert sess.sagemaker_client.describe_model(ModelName=tr.model_name)['PrimaryContainer']['ModelDataUrl'] == est.model_data
    sess.s3.put_bytes(f's3://{sess.default_bucket()}/tin/a.csv', b'0.1,0.2,0.3\n')
    assert tr.transform(f's3://{sess.default_bucket()}/tin', content_type='text/csv', split_type='Line')['TransformJobStatus'] == 'Completed'

# ---- processing ----

def test_processing_job_describe_shape_and_stop(sess, tmp_path):
    from sagestudy.sagemaker.processing import ScriptProcessor, ProcessingOutput
    (tmp_path/'slow.py').write_text('import time\ntime.sleep(300)\n')
    proc = ScriptProcessor(image_uri='sagemaker-scikit-learn', command=['python3'], instance_count=1, instance_type='ml.m5.xlarge',
                           sagemaker_session=sess, env={'A': 'b'})
    proc.run(str(tmp_path/'slow.py'), outputs=[ProcessingOutput('/opt/ml/processing/out')], wait=False)
    name = proc.latest_job.job_name
    assert processing.describe_processing_job(sess.home, name)['ProcessingJobStatus'] == 'InProgress'
    proc.latest_job.stop()
    d = proc.latest_job.wait(logs=False)
    assert d['ProcessingJobStatus'] == 'Stopped'
    for k in ('ProcessingJobName', 'ProcessingJobArn', 'ProcessingInputs', 'ProcessingOutputConfig', 'AppSpecification',
              'ProcessingResources', 'RoleArn', 'CreationTime', 'ProcessingEndTime', 'Environment'): assert k in d, k
    assert d['ProcessingOutputConfig']['Outputs'][0]['S3Output']['S3Uri'] == f's3://{sess.default_bucket()}/team/{name}/output/output-1'
    with pytest.raises(ClientError, match='status Stopped'): proc.latest_job.stop()
