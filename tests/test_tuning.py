"""Automatic Model Tuning (issue 19): the service's tuning actions and the SDK's HyperparameterTuner on real training jobs.

The first test is a held-out port of AWS's SDK v2 tuning example notebooks ("Hyperparameter Tuning with the SageMaker
Python SDK" for XGBoost on direct-marketing data, then "Analyze results of a hyperparameter tuning job"). Its only change
is the import: `import sagemaker` -> `import sagestudy.sagemaker as sagemaker` (and `from sagemaker.tuner import ...` ->
`from sagestudy.sagemaker.tuner import ...`). Each SDK line ends with `# SDK`; a line that had to change ends with
`# CHANGED: <why>`. The data is tiny and generated; the budgets are smaller than the notebook's (max_jobs 20 -> 3).
"""
import json, os, textwrap, time
from pathlib import Path
import numpy as np
import pytest

import sagestudy.sagemaker as sagemaker                                        # the one change: `import sagemaker`
from sagestudy.sagemaker.tuner import (IntegerParameter, CategoricalParameter, ContinuousParameter,   # `from sagemaker.tuner import ...`
                                       HyperparameterTuner, WarmStartConfig, WarmStartTypes, HyperbandStrategyConfig, StrategyConfig)
from sagestudy.core.errors import ClientError
from sagestudy.service import tuning, training
from sagestudy.service.storage import load_record

XGB = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1'

@pytest.fixture(autouse=True)
def sagemaker_home(tmp_path, monkeypatch):
    "A fresh local AWS for each test: `sagemaker.Session()` with no arguments uses it"
    monkeypatch.setenv('SAGESTUDY_HOME', str(tmp_path/'home'))
    yield tmp_path

def _wait(home, name, timeout=300):
    t0 = time.monotonic()
    while (d := tuning.describe_hyper_parameter_tuning_job(home, HyperParameterTuningJobName=name))['HyperParameterTuningJobStatus'] in ('InProgress', 'Stopping'):
        assert time.monotonic() - t0 < timeout, f'tuning job {name} still {d["HyperParameterTuningJobStatus"]}'
        time.sleep(0.2)
    return d

def _bank_marketing(n=600, seed=0):
    "Direct-marketing-like rows: label first (did the client subscribe), then numeric features"
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 6))
    y = (X[:, 0] + 0.8 * X[:, 1] - 0.5 * X[:, 2] + rng.normal(0, 0.7, n) > 0.6).astype(int)
    return np.c_[y, X]

# 1. The held-out SDK v2 example -------------------------------------------------------------------------------------------
def test_held_out_sdk_tuning_example(sagemaker_home):
    sess = sagemaker.Session()                                                                          # SDK
    region = sess.boto_region_name                                                                      # SDK
    bucket = sess.default_bucket()                                                                      # SDK
    prefix = 'sagemaker/DEMO-hpo-xgboost-dm'
    role = sagemaker.get_execution_role()                                                               # SDK
    data = _bank_marketing()
    np.savetxt(sagemaker_home/'train.csv', data[:450], delimiter=',', fmt='%.5g')
    np.savetxt(sagemaker_home/'validation.csv', data[450:], delimiter=',', fmt='%.5g')
    sess.upload_data(str(sagemaker_home/'train.csv'), bucket=bucket, key_prefix=f'{prefix}/train')     # SDK
    sess.upload_data(str(sagemaker_home/'validation.csv'), bucket=bucket, key_prefix=f'{prefix}/validation')  # SDK
    container = sagemaker.image_uris.retrieve('xgboost', region, '1.7-1')                               # SDK
    xgb = sagemaker.estimator.Estimator(container, role, instance_count=1, instance_type='ml.m4.xlarge',  # SDK
                                        output_path='s3://{}/{}/output'.format(bucket, prefix), sagemaker_session=sess)
    xgb.set_hyperparameters(eval_metric='auc', objective='binary:logistic', num_round=10, rate_drop=0.3,  # SDK
                            tweedie_variance_power=1.4)
    hyperparameter_ranges = {'eta': ContinuousParameter(0, 1), 'min_child_weight': ContinuousParameter(1, 10),  # SDK
                             'alpha': ContinuousParameter(0, 2), 'max_depth': IntegerParameter(1, 10)}
    objective_metric_name = 'validation:auc'
    tuner = HyperparameterTuner(xgb, objective_metric_name, hyperparameter_ranges, max_jobs=3, max_parallel_jobs=3)  # SDK
    s3_input_train = sagemaker.inputs.TrainingInput(s3_data='s3://{}/{}/train'.format(bucket, prefix), content_type='csv')  # SDK
    s3_input_validation = sagemaker.inputs.TrainingInput(s3_data='s3://{}/{}/validation/'.format(bucket, prefix), content_type='csv')  # SDK
    tuner.fit({'train': s3_input_train, 'validation': s3_input_validation}, include_cls_metadata=False)  # SDK
    # "Analyze results of a hyperparameter tuning job"
    tuning_job_name = tuner.latest_tuning_job.job_name                                                  # SDK
    sage_client = sess.sagemaker_client                                                                 # CHANGED: the example builds boto3.Session().client('sagemaker'); boto3 is not emulated
    tuning_job_result = sage_client.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=tuning_job_name)  # SDK
    status = tuning_job_result['HyperParameterTuningJobStatus']
    job_count = tuning_job_result['TrainingJobStatusCounters']['Completed']
    assert status == 'Completed' and job_count == 3
    best = tuning_job_result['BestTrainingJob']
    tuner_analytics = sagemaker.HyperparameterTuningJobAnalytics(tuning_job_name)                       # SDK
    full_df = tuner_analytics.dataframe()                                                               # SDK
    is_minimize = tuning_job_result['HyperParameterTuningJobConfig']['HyperParameterTuningJobObjective']['Type'] != 'Maximize'
    df = full_df[full_df['FinalObjectiveValue'] > -float('inf')]
    df = df.sort_values('FinalObjectiveValue', ascending=is_minimize)
    assert len(df) == 3 and df['TrainingJobName'].iloc[0] == best['TrainingJobName'] == tuner.best_training_job()
    assert df['FinalObjectiveValue'].iloc[0] > 0.75                                                     # a learnable signal
    assert set(df.columns) >= {'eta', 'alpha', 'max_depth', 'min_child_weight', 'TrainingElapsedTimeSeconds'}
    req = sess.last_request('CreateHyperParameterTuningJob')
    cfg = req['HyperParameterTuningJobConfig']
    attached = HyperparameterTuner.attach(tuning_job_name, sagemaker_session=sess)                     # e.g. after a kernel restart
    as_numbers = lambda rs: {r['Name']: (float(r['MinValue']), float(r['MaxValue']), r['ScalingType']) for k in rs for r in rs[k]}
    assert attached.best_training_job() == best['TrainingJobName'] and as_numbers(attached.hyperparameter_ranges()) == as_numbers(cfg['ParameterRanges'])
    assert attached.best_estimator().model_data == sess.describe_training_job(best['TrainingJobName'])['ModelArtifacts']['S3ModelArtifacts']
    assert cfg['Strategy'] == 'Bayesian' and cfg['HyperParameterTuningJobObjective'] == {'Type': 'Maximize', 'MetricName': 'validation:auc'}
    assert cfg['ResourceLimits'] == {'MaxParallelTrainingJobs': 3, 'MaxNumberOfTrainingJobs': 3} and cfg['TrainingJobEarlyStoppingType'] == 'Off'
    assert req['TrainingJobDefinition']['StaticHyperParameters'] == {'eval_metric': 'auc', 'objective': 'binary:logistic', 'num_round': '10',
                                                                     'rate_drop': '0.3', 'tweedie_variance_power': '1.4'}
    for s in tuning.list_training_jobs_for_hyper_parameter_tuning_job(sess.home, HyperParameterTuningJobName=tuning_job_name)['TrainingJobSummaries']:
        job = sess.describe_training_job(s['TrainingJobName'])                                          # each trial is a real training job
        assert job['TrainingJobStatus'] == 'Completed' and job['ModelArtifacts']['S3ModelArtifacts'].endswith('/model.tar.gz')
        assert job['HyperParameters']['_tuning_objective_metric'] == 'validation:auc'
        final = {m['MetricName']: m['Value'] for m in job['FinalMetricDataList']}             # the training service reads XGBoost's log too
        assert final['validation:auc'] == pytest.approx(s['FinalHyperParameterTuningJobObjectiveMetric']['Value'])
        assert job['Environment']['OMP_NUM_THREADS'] == str(max(1, (os.cpu_count() or 1) // 3))    # threads per trial: cores / parallel
        assert s['TrainingJobName'].startswith(tuning_job_name + '-') and len(s['TrainingJobName'].split('-')[-1]) == 8

# 2. The service: validation as SageMaker's errors ---------------------------------------------------------------------------
def _xgb_request(tmp, name='tj', **cfg_changes):
    "A valid XGBoost tuning request on tiny CSV channels (uploaded), with `cfg_changes` to its config"
    from sagestudy.service.storage import LocalS3
    home = Path(os.environ['SAGESTUDY_HOME'])
    s3 = LocalS3(home/'s3')
    data = _bank_marketing(300)
    for c, rows in (('train', data[:200]), ('validation', data[200:])):
        s3.put_bytes(f's3://tuning-tests/{c}/part-0.csv', ''.join(','.join(f'{v:.5g}' for v in r) + '\n' for r in rows).encode())
    definition = {'AlgorithmSpecification': {'TrainingImage': XGB, 'TrainingInputMode': 'File'}, 'RoleArn': 'arn:aws:iam::000000000000:role/r',
                  'InputDataConfig': [{'ChannelName': c, 'ContentType': 'text/csv', 'DataSource': {'S3DataSource': {'S3DataType': 'S3Prefix',
                                       'S3Uri': f's3://tuning-tests/{c}'}}} for c in ('train', 'validation')],
                  'OutputDataConfig': {'S3OutputPath': 's3://tuning-tests/out'}, 'StoppingCondition': {'MaxRuntimeInSeconds': 600},
                  'ResourceConfig': {'InstanceCount': 1, 'InstanceType': 'ml.m5.xlarge', 'VolumeSizeInGB': 5},
                  'StaticHyperParameters': {'objective': 'binary:logistic', 'eval_metric': 'auc', 'num_round': '5'}}
    cfg = {'Strategy': 'Random', 'ResourceLimits': {'MaxNumberOfTrainingJobs': 2, 'MaxParallelTrainingJobs': 2},
           'HyperParameterTuningJobObjective': {'Type': 'Maximize', 'MetricName': 'validation:auc'},
           'ParameterRanges': {'ContinuousParameterRanges': [{'Name': 'eta', 'MinValue': '0.05', 'MaxValue': '0.5', 'ScalingType': 'Logarithmic'}]}}
    for k, v in cfg_changes.items(): (definition if k in definition else cfg)[k] = v
    return home, {'HyperParameterTuningJobName': name, 'HyperParameterTuningJobConfig': cfg, 'TrainingJobDefinition': definition}

def _refusal(home, request, code='ValidationException'):
    with pytest.raises(ClientError) as e:
        tuning.create_hyper_parameter_tuning_job(home, **request)
        tuning.stop_hyper_parameter_tuning_job(home, HyperParameterTuningJobName=request['HyperParameterTuningJobName'])
        pytest.fail(f"accepted: {request['HyperParameterTuningJobConfig']}")
    assert e.value.response['Error']['Code'] == code, e.value
    assert load_record(home, tuning.KIND, request.get('HyperParameterTuningJobName', 'x') if isinstance(request.get('HyperParameterTuningJobName'), str) and len(request['HyperParameterTuningJobName']) <= 32 else 'x') is None
    return e.value.response['Error']['Message']

def test_create_refuses_what_sagemaker_refuses(tmp_path):
    cont = lambda **r: {'ContinuousParameterRanges': [{'Name': 'eta', 'MinValue': '0.1', 'MaxValue': '0.3', **r}]}
    cases = [
        (dict(HyperParameterTuningJobObjective={'Type': 'Maximize', 'MetricName': 'validation:bleu'}), ['validation:bleu', 'not emitted']),
        (dict(ParameterRanges=cont(MaxValue='3')), ['eta', 'outside']),                              # eta is in [0, 1]
        (dict(ParameterRanges={'ContinuousParameterRanges': [{'Name': 'scale_pos_weight', 'MinValue': '1', 'MaxValue': '3'}]}), ['not tunable']),
        (dict(ParameterRanges={'IntegerParameterRanges': [{'Name': 'no_such_thing', 'MinValue': '1', 'MaxValue': '3'}]}), ['not a hyperparameter']),
        (dict(Strategy='Grid'), ['Grid', 'Categorical']),
        (dict(Strategy='Grid', ParameterRanges={'CategoricalParameterRanges': [{'Name': 'max_depth', 'Values': ['2', '4', '6']}]}), ['number of combinations (3)']),
        (dict(Strategy='Hyperband', TrainingJobEarlyStoppingType='Auto'), ['Off', 'Hyperband']),
        (dict(Strategy='Hyperband'), ['MaxResource']),                                               # XGBoost has no `epochs` to infer it from
        (dict(Strategy='Random', StrategyConfig={'HyperbandStrategyConfig': {'MaxResource': 5}}), ['only for the Hyperband']),
        (dict(ParameterRanges=cont(ScalingType='Logarithmic', MinValue='0')), ['Logarithmic', 'MinValue > 0']),
        (dict(ParameterRanges=cont(ScalingType='Sideways')), ['ScalingType']),
        (dict(ParameterRanges=cont(MinValue='0.4')), ['greater than MaxValue']),
        (dict(ParameterRanges=cont(MinValue='a lot')), ['numbers written as strings']),
        (dict(ParameterRanges={}), ['at least one range']),
        (dict(Strategy='Sequential'), ['Strategy']),
        (dict(ResourceLimits={'MaxNumberOfTrainingJobs': 2, 'MaxParallelTrainingJobs': 0}), ['MaxParallelTrainingJobs']),
        (dict(ResourceLimits={'MaxNumberOfTrainingJobs': '2', 'MaxParallelTrainingJobs': 1}), ['MaxNumberOfTrainingJobs']),
        (dict(ResourceLimits={'MaxParallelTrainingJobs': 1}), ['MaxNumberOfTrainingJobs', 'null']),
        (dict(HyperParameterTuningJobObjective={'Type': 'Biggest', 'MetricName': 'validation:auc'}), ['Maximize or Minimize']),
        (dict(TrainingJobEarlyStoppingType='Sometimes'), ['Off or Auto']),
        (dict(StaticHyperParameters={'objective': 'binary:logistic', 'num_round': '5', 'eta': '0.1'}), ['both static']),
        (dict(StaticHyperParameters={'objective': 'binary:logistic', 'num_round': 5}), ['valid types: str']),
        (dict(StaticHyperParameters={'objective': 'binary:logistic', 'num_round': '5', 'max_depht': '3'}), ['max_depht', 'did you mean']),
        (dict(StaticHyperParameters={'objective': 'binary:logistic'}), ['num_round', 'required']),
        (dict(TuningJobCompletionCriteria={'BestObjectiveNotImproving': {'MaxNumberOfTrainingJobsNotImproving': 1}}), ['MaxNumberOfTrainingJobsNotImproving']),
        (dict(OutputDataConfig={'S3OutputPath': 'not-s3'}), ['S3OutputPath']),
        (dict(ResourceConfig={'InstanceCount': 0, 'InstanceType': 'ml.m5.xlarge'}), ['ResourceConfig.InstanceCount']),
    ]
    for change, words in cases:
        home, req = _xgb_request(tmp_path, **change)
        msg = _refusal(home, req)
        assert all(w in msg for w in words), (change, msg)
    home, req = _xgb_request(tmp_path)
    assert 'length less than or equal to 32' in _refusal(home, {**req, 'HyperParameterTuningJobName': 'x' * 33})
    assert 'regular expression' in _refusal(home, {**req, 'HyperParameterTuningJobName': 'bad_name'})
    assert 'Unknown parameter' in _refusal(home, {**req, 'Surprise': 1})
    assert 'must not be null' in _refusal(home, {**req, 'TrainingJobDefinition': None})
    # Hyperband's resource: Linear Learner's `epochs` is tunable, but not under Hyperband
    home, req = _xgb_request(tmp_path, Strategy='Hyperband', StaticHyperParameters={'predictor_type': 'regressor'},
                             AlgorithmSpecification={'TrainingImage': 'linear-learner', 'TrainingInputMode': 'File'},
                             HyperParameterTuningJobObjective={'Type': 'Minimize', 'MetricName': 'validation:rmse'},
                             ParameterRanges={'IntegerParameterRanges': [{'Name': 'epochs', 'MinValue': '1', 'MaxValue': '9'}]})
    assert "'epochs' cannot be a tuned range" in _refusal(home, req)
    # warm start: the parent must exist
    home, req = _xgb_request(tmp_path)
    req['WarmStartConfig'] = {'WarmStartType': 'TransferLearning', 'ParentHyperParameterTuningJobs': [{'HyperParameterTuningJobName': 'nobody'}]}
    assert 'nobody' in _refusal(home, req, 'ResourceNotFound')
    req['WarmStartConfig'] = {'WarmStartType': 'Warmish', 'ParentHyperParameterTuningJobs': [{'HyperParameterTuningJobName': 'nobody'}]}
    assert 'WarmStartType' in _refusal(home, req)

def test_unknown_jobs_and_bad_pagination(tmp_path):
    home = tmp_path/'home'
    for call in (tuning.describe_hyper_parameter_tuning_job, tuning.stop_hyper_parameter_tuning_job,
                 tuning.list_training_jobs_for_hyper_parameter_tuning_job):
        with pytest.raises(ClientError) as e: call(home, HyperParameterTuningJobName='ghost')
        assert e.value.response['Error']['Code'] == 'ResourceNotFound'
    with pytest.raises(ClientError) as e: tuning.list_hyper_parameter_tuning_jobs(home, NextToken='; drop table')
    assert 'pagination token' in str(e.value)
    with pytest.raises(ClientError) as e: tuning.list_hyper_parameter_tuning_jobs(home, MaxResults=0)
    assert e.value.response['Error']['Code'] == 'ValidationException'
    assert tuning.list_hyper_parameter_tuning_jobs(home) == {'HyperParameterTuningJobSummaries': []}

# 3. Stopping a tuning job stops its trials and leaves no process behind ---------------------------------------------------
def test_stop_stops_running_trials_without_orphans(tmp_path):
    home, req = _xgb_request(tmp_path, name='to-stop', ResourceLimits={'MaxNumberOfTrainingJobs': 4, 'MaxParallelTrainingJobs': 2})
    req['TrainingJobDefinition']['StaticHyperParameters']['num_round'] = '100000'      # trials that would run for minutes
    tuning.create_hyper_parameter_tuning_job(home, **req)
    t0 = time.monotonic()
    while True:                                                                         # both trials' containers have started
        trials = load_record(home, tuning.KIND, 'to-stop')['_sagestudy']['trials']
        jobs = [load_record(home, training.KIND, t['name']) for t in trials]
        if len(jobs) == 2 and all(j and j['_sagestudy']['containers'] for j in jobs): break
        assert time.monotonic() - t0 < 120, 'trials did not start'
        time.sleep(0.2)
    pids = [tuple(c) for j in jobs for c in j['_sagestudy']['containers']]
    assert all(training._proc_start(pid) == start for pid, start in pids)              # running now
    tuning.stop_hyper_parameter_tuning_job(home, HyperParameterTuningJobName='to-stop')
    assert tuning.describe_hyper_parameter_tuning_job(home, HyperParameterTuningJobName='to-stop')['HyperParameterTuningJobStatus'] in ('Stopping', 'Stopped')
    d = _wait(home, 'to-stop', timeout=60)
    assert d['HyperParameterTuningJobStatus'] == 'Stopped'
    assert d['TrainingJobStatusCounters'] == {'Completed': 0, 'InProgress': 0, 'RetryableError': 0, 'NonRetryableError': 0, 'Stopped': 2}
    assert all(training.describe_training_job(home, TrainingJobName=t['name'])['TrainingJobStatus'] == 'Stopped' for t in trials)
    assert not any(training._proc_start(pid) == start for pid, start in pids)          # no container outlived the stop
    with pytest.raises(ClientError, match='in status Stopped'): tuning.stop_hyper_parameter_tuning_job(home, HyperParameterTuningJobName='to-stop')

# 4. Script mode: metric definitions, Grid, Auto early stopping (the median rule) on real jobs ---------------------------
SCRIPT = '''
import argparse, time
p = argparse.ArgumentParser(); p.add_argument('--lr', type=float); p.add_argument('--epochs', type=int, default=6)
a, _ = p.parse_known_args()
for e in range(1, a.epochs + 1):
    print(f"epoch={e} loss={a.lr + 1.0 / e:.4f}", flush=True)
    time.sleep(0.4)
'''

def test_script_mode_grid_with_auto_early_stopping(sagemaker_home):
    (sagemaker_home/'train.py').write_text(SCRIPT)
    sess = sagemaker.Session()
    est = sagemaker.sklearn.SKLearn(entry_point=str(sagemaker_home/'train.py'), framework_version='1.2-1', instance_count=1,
                                    instance_type='ml.m5.xlarge', role=sagemaker.get_execution_role(), sagemaker_session=sess,
                                    hyperparameters={'epochs': 6})
    tuner = HyperparameterTuner(est, 'loss', {'lr': CategoricalParameter([0.1, 0.2, 0.9, 1.0])}, strategy='Grid', objective_type='Minimize',
                                metric_definitions=[{'Name': 'loss', 'Regex': r'loss=([0-9.]+)'}], max_parallel_jobs=1,
                                early_stopping_type='Auto')
    tuner.fit()
    req = sess.last_request('CreateHyperParameterTuningJob')
    assert req['HyperParameterTuningJobConfig']['ParameterRanges']['CategoricalParameterRanges'] == [{'Name': 'lr', 'Values': ['0.1', '0.2', '0.9', '1.0']}]
    assert 'MaxNumberOfTrainingJobs' not in req['HyperParameterTuningJobConfig']['ResourceLimits']      # Grid infers it
    assert json.loads(req['TrainingJobDefinition']['StaticHyperParameters']['sagemaker_estimator_class_name']) == 'SKLearn'
    df = tuner.analytics().dataframe().sort_values('lr')
    assert list(df['lr']) == [0.1, 0.2, 0.9, 1.0]
    assert list(df['TrainingJobStatus']) == ['Completed', 'Completed', 'Stopped', 'Stopped']             # worse than the median of earlier trials
    assert df['FinalObjectiveValue'].iloc[0] == pytest.approx(0.1 + 1 / 6, abs=1e-4)
    assert df['TrainingElapsedTimeSeconds'].iloc[2:].max() < df['TrainingElapsedTimeSeconds'].iloc[:2].min()   # early stopping saved time
    d = tuner.describe()
    assert d['BestTrainingJob']['TunedHyperParameters'] == {'lr': '0.1'} and d['HyperParameterTuningJobConfig']['ResourceLimits']['MaxNumberOfTrainingJobs'] == 4
    assert d['ObjectiveStatusCounters'] == {'Succeeded': 4, 'Pending': 0, 'Failed': 0}

def test_script_mode_hyperband_stops_at_rungs(sagemaker_home):
    (sagemaker_home/'train.py').write_text(SCRIPT.replace('time.sleep(0.4)', 'time.sleep(0.15)'))
    sess = sagemaker.Session()
    est = sagemaker.sklearn.SKLearn(entry_point=str(sagemaker_home/'train.py'), framework_version='1.2-1', instance_count=1,
                                    instance_type='ml.m5.xlarge', role=sagemaker.get_execution_role(), sagemaker_session=sess,
                                    hyperparameters={'epochs': 9})
    tuner = HyperparameterTuner(est, 'loss', {'lr': ContinuousParameter(0.0, 1.0)}, strategy='Hyperband', objective_type='Minimize',
                                metric_definitions=[{'Name': 'loss', 'Regex': r'loss=([0-9.]+)'}], max_jobs=7, max_parallel_jobs=1, random_seed=3,
                                strategy_config=StrategyConfig(HyperbandStrategyConfig(max_resource=9, min_resource=1)))
    tuner.fit()
    d = tuner.describe()
    trials = load_record(sess.home, tuning.KIND, tuner.latest_tuning_job.name)['_sagestudy']['trials']
    cut = [t for t in trials if not t['full']]
    assert cut and all(len(t['curve']) < 9 for t in cut)                                # some trials were cut at a rung
    full = [t for t in trials if t['full']]
    assert d['BestTrainingJob']['TrainingJobName'] == min(full, key=lambda t: t['final'])['name']
    assert d['HyperParameterTuningJobConfig']['StrategyConfig'] == {'HyperbandStrategyConfig': {'MinResource': 1, 'MaxResource': 9}}

# 5. A first-party estimator with record_set: feature_dim from the RecordSet, num_models forced to 1 -----------------------
def test_linear_learner_record_set_tuning(sagemaker_home):
    sess = sagemaker.Session()
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4)).astype('float32'); y = (X @ np.array([1.5, -2.0, 0.5, 0.0]) + rng.normal(0, 0.1, 300)).astype('float32')
    ll = sagemaker.LinearLearner(role=sagemaker.get_execution_role(), instance_count=1, instance_type='ml.m5.xlarge',
                                 predictor_type='regressor', epochs=3, num_models=8, sagemaker_session=sess)
    train, test = ll.record_set(X[:200], labels=y[:200]), ll.record_set(X[200:], labels=y[200:], channel='test')
    tuner = HyperparameterTuner(ll, 'test:mse', {'learning_rate': ContinuousParameter(1e-2, 0.5, 'Logarithmic')},
                                objective_type='Minimize', max_jobs=1, random_seed=0)
    tuner.fit([train, test], mini_batch_size=50)
    static = sess.last_request('CreateHyperParameterTuningJob')['TrainingJobDefinition']['StaticHyperParameters']
    assert static['feature_dim'] == '4' and static['mini_batch_size'] == '50' and static['num_models'] == '8'
    job = sess.describe_training_job(tuner.best_training_job())
    assert job['HyperParameters']['num_models'] == '1'                                 # AMT switches Linear Learner's own search off
    assert '_tuning_objective_metric' not in job['HyperParameters']                    # Linear Learner's catalog does not take it
    best = tuner.describe()['BestTrainingJob']['FinalHyperParameterTuningJobObjectiveMetric']
    final = {m['MetricName']: m['Value'] for m in job['FinalMetricDataList']}
    assert best['MetricName'] == 'test:mse' and best['Value'] == pytest.approx(final['test:mse'])   # read from the first-party log lines
    est = tuner.best_estimator()
    assert type(est).__name__ == 'LinearLearner' and est.model_data.endswith('model.tar.gz')
    with pytest.raises(ValueError, match='not valid'):
        HyperparameterTuner(ll, 'test:mse', {'learning_rate': ContinuousParameter(-1, 0.5)}, objective_type='Minimize')

# 6. Warm start through the service, and the listing actions --------------------------------------------------------------
def test_warm_start_and_listings(tmp_path):
    home, req = _xgb_request(tmp_path, name='parent', RandomSeed=1)
    tuning.create_hyper_parameter_tuning_job(home, **req)
    with pytest.raises(ClientError) as e:                                             # a parent still running cannot be warm-started from
        tuning.create_hyper_parameter_tuning_job(home, **{**req, 'HyperParameterTuningJobName': 'child',
            'WarmStartConfig': {'WarmStartType': 'TransferLearning', 'ParentHyperParameterTuningJobs': [{'HyperParameterTuningJobName': 'parent'}]}})
    assert 'terminal state' in str(e.value)
    parent = _wait(home, 'parent')
    with pytest.raises(ClientError, match='ResourceInUse'): tuning.create_hyper_parameter_tuning_job(home, **req)
    other = json.loads(json.dumps(req['TrainingJobDefinition'])); other['InputDataConfig'][0]['ContentType'] = 'csv'
    ws = {'WarmStartType': 'IdenticalDataAndAlgorithm', 'ParentHyperParameterTuningJobs': [{'HyperParameterTuningJobName': 'parent'}]}
    with pytest.raises(ClientError, match='use TransferLearning for new data'):
        tuning.create_hyper_parameter_tuning_job(home, **{**req, 'HyperParameterTuningJobName': 'child', 'TrainingJobDefinition': other, 'WarmStartConfig': ws})
    cfg = {**req['HyperParameterTuningJobConfig'], 'Strategy': 'Bayesian', 'ResourceLimits': {'MaxNumberOfTrainingJobs': 1, 'MaxParallelTrainingJobs': 1}}
    tuning.create_hyper_parameter_tuning_job(home, **{**req, 'HyperParameterTuningJobName': 'child', 'HyperParameterTuningJobConfig': cfg, 'WarmStartConfig': ws})
    child = _wait(home, 'child')
    vals = [parent['BestTrainingJob'], child['BestTrainingJob']]
    value = lambda s: s['FinalHyperParameterTuningJobObjectiveMetric']['Value']
    assert child['OverallBestTrainingJob'] in vals and value(child['OverallBestTrainingJob']) == max(map(value, vals))
    page = tuning.list_hyper_parameter_tuning_jobs(home, MaxResults=1)
    assert [s['HyperParameterTuningJobName'] for s in page['HyperParameterTuningJobSummaries']] == ['child'] and page['NextToken'] == '1'
    summary = page['HyperParameterTuningJobSummaries'][0]
    assert summary['Strategy'] == 'Bayesian' and summary['HyperParameterTuningJobStatus'] == 'Completed' and summary['ResourceLimits']['MaxNumberOfTrainingJobs'] == 1
    rows = tuning.list_training_jobs_for_hyper_parameter_tuning_job(home, HyperParameterTuningJobName='parent', MaxResults=1, SortBy='FinalObjectiveMetricValue',
                                                                    SortOrder='Descending')
    assert rows['NextToken'] == '1' and rows['TrainingJobSummaries'][0]['TrainingJobName'] == parent['BestTrainingJob']['TrainingJobName']
    s = rows['TrainingJobSummaries'][0]
    assert set(s) >= {'TrainingJobName', 'TrainingJobArn', 'TunedHyperParameters', 'TrainingJobStatus', 'CreationTime', 'TrainingStartTime',
                      'TrainingEndTime', 'FinalHyperParameterTuningJobObjectiveMetric', 'ObjectiveStatus'}
    assert not any(k.startswith('_') for k in tuning.describe_hyper_parameter_tuning_job(home, HyperParameterTuningJobName='child'))
    with pytest.raises(ClientError, match='SortBy'):
        tuning.list_training_jobs_for_hyper_parameter_tuning_job(home, HyperParameterTuningJobName='parent', SortBy='Luck')

def test_killed_tuning_process_leaves_no_orphans(tmp_path):
    "The Python process running a tuning job dies (kill -9): its trials' containers die with it, and the job reads Failed"
    import signal, subprocess, sys
    home, req = _xgb_request(tmp_path, name='killed', ResourceLimits={'MaxNumberOfTrainingJobs': 2, 'MaxParallelTrainingJobs': 2})
    req['TrainingJobDefinition']['StaticHyperParameters']['num_round'] = '100000'
    (tmp_path/'req.json').write_text(json.dumps(req))
    script = textwrap.dedent(f'''
        import json, time
        from sagestudy.service import tuning
        tuning.create_hyper_parameter_tuning_job({str(home)!r}, **json.load(open({str(tmp_path/'req.json')!r})))
        time.sleep(600)
    ''')
    proc = subprocess.Popen([sys.executable, '-c', script])
    try:
        t0 = time.monotonic()
        while True:
            rec = load_record(home, tuning.KIND, 'killed')
            jobs = [load_record(home, training.KIND, t['name']) for t in (rec or {}).get('_sagestudy', {}).get('trials', [])]
            if len(jobs) == 2 and all(j and j['_sagestudy']['containers'] for j in jobs): break
            assert time.monotonic() - t0 < 120 and proc.poll() is None, 'trials did not start'
            time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGKILL); proc.wait()
    pids = [tuple(c) for j in jobs for c in j['_sagestudy']['containers']]
    t0 = time.monotonic()
    while any(training._proc_start(pid) == start for pid, start in pids) and time.monotonic() - t0 < 20: time.sleep(0.2)
    assert not any(training._proc_start(pid) == start for pid, start in pids)          # the containers died with their parent
    d = tuning.describe_hyper_parameter_tuning_job(home, HyperParameterTuningJobName='killed')
    assert d['HyperParameterTuningJobStatus'] == 'Failed' and 'ended while it was running' in d['FailureReason']
    assert all(training.describe_training_job(home, TrainingJobName=j['TrainingJobName'])['TrainingJobStatus'] == 'Failed' for j in jobs)
