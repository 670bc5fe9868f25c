"""Hardening of the jobs service (issue 10): S3 keys that try to leave the storage root, bad names and paths,
interrupted and killed jobs, torch.distributed on loopback only, hyperparameter and data errors as FailureReason,
FastFile read-only, API refusals in botocore's ClientError shape."""
import io, json, os, signal, subprocess, sys, tarfile, textwrap, threading, time
from pathlib import Path
import pytest
from sagestudy.core.errors import ClientError
from sagestudy.service import storage, training, transform, processing
from sagestudy.service.storage import LocalS3, parse_s3_uri
from sagestudy.sagemaker.session import Session
from sagestudy.sagemaker.estimator import Estimator, UnexpectedStatusException
from sagestudy.sagemaker.inputs import TrainingInput
from sagestudy.sagemaker.frameworks import PyTorch

PY_IMAGE = '763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.5-cpu-py311'

def wait_until(cond, timeout=60.0):
    "Poll `cond` until true or `timeout` seconds passed; its last value (a deadline, not a timing assert)"
    end = time.monotonic() + timeout
    while not (ok := cond()) and time.monotonic() < end: time.sleep(0.05)
    return ok

def group(pgid:int)->list:
    "Live (non-zombie) pids of process group `pgid`"
    out = []
    for p in filter(str.isdigit, os.listdir('/proc')):
        try:
            if os.getpgid(int(p)) == pgid and Path(f'/proc/{p}/stat').read_text().rsplit(')', 1)[1].split()[0] != 'Z': out.append(int(p))
        except (OSError, IndexError): pass
    return out

def containers(home, name:str)->list:
    return [pid for pid, _ in storage.load_record(home, 'training-jobs', name)['_sagestudy']['containers']]

def code_error(fn, **kw)->tuple:
    "(Code, Message) of the ClientError `fn(**kw)` raises"
    with pytest.raises(ClientError) as e: fn(**kw)
    return e.value.response['Error']['Code'], e.value.response['Error']['Message']

@pytest.fixture()
def sess(tmp_path): return Session(tmp_path/'home')

@pytest.fixture()
def csv_uri(sess, tmp_path):
    rows = ''.join(f'{i % 2},{i * 0.1:.1f},{(i % 3) * 0.5:.1f}\n' for i in range(60))
    return sess.s3.put_bytes(f's3://{sess.default_bucket()}/data/train/part-0.csv', rows.encode()).rsplit('/', 1)[0]

def script_source(sess, name:str, code:str)->str:
    "Upload `code` as train.py in a sourcedir.tar.gz; its S3 URI"
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w:gz') as tar:
        data = textwrap.dedent(code).encode(); info = tarfile.TarInfo('train.py'); info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return sess.s3.put_bytes(f's3://{sess.default_bucket()}/{name}/source/sourcedir.tar.gz', buf.getvalue())

def script_request(sess, name:str, code:str, csv_uri:str, count:int=1, **extra)->dict:
    return {'TrainingJobName': name, 'RoleArn': 'arn:aws:iam::000000000000:role/r',
            'AlgorithmSpecification': {'TrainingImage': PY_IMAGE, 'TrainingInputMode': extra.pop('mode', 'File')},
            'HyperParameters': {'sagemaker_program': '"train.py"', 'sagemaker_submit_directory': json.dumps(script_source(sess, name, code))},
            'InputDataConfig': [{'ChannelName': 'train', 'DataSource': {'S3DataSource': {'S3Uri': csv_uri}}}],
            'OutputDataConfig': {'S3OutputPath': f's3://{sess.default_bucket()}/out'},
            'ResourceConfig': {'InstanceType': 'ml.m5.xlarge', 'InstanceCount': count}, 'StoppingCondition': {'MaxRuntimeInSeconds': 600},
            **extra}

CHECKPOINTING = '''
import os, time
d = os.path.join(os.environ["SAGESTUDY_OPT_ML"], "checkpoints")
for step in range(100000):
    with open(os.path.join(d, f"step-{step}.txt"), "w") as f: f.write(str(step))
    time.sleep(0.1)
'''

# ---- defect 2: S3 keys and names that try to leave their folder ----

ESCAPES = ['s3://bucket//tmp/x', 's3://bucket/a/../../x', 's3://bucket/..', 's3://bucket/./x', 's3://Bucket/x', 's3://bu/x',
           's3://192.168.0.1/x', 's3://bucket/' + 'k' * 1025, 's3://bucket/a\x00b', 's3:///x', 'file:///etc/passwd', '/etc/passwd']

@pytest.mark.parametrize('uri', ESCAPES)
def test_local_s3_refuses_escaping_keys(tmp_path, uri):
    s3 = LocalS3(tmp_path/'s3')
    for call in (lambda: s3.put_bytes(uri, b'x'), lambda: s3.get_bytes(uri), lambda: s3.path(uri), lambda: s3.list(uri),
                 lambda: s3.download(uri, tmp_path/'dl'), lambda: s3.upload(tmp_path, uri), lambda: s3.delete(uri)):
        with pytest.raises(ValueError) as e: call()
        assert repr(uri)[:40] in str(e.value) or 'S3 URI' in str(e.value)
    assert not Path('/tmp/x').exists() or Path('/tmp/x').stat().st_mtime < time.time() - 60

def test_symlink_inside_bucket_cannot_lead_out(tmp_path):
    s3, outside = LocalS3(tmp_path/'s3'), tmp_path/'outside'
    outside.mkdir(); (outside/'secret').write_text('keep')
    (tmp_path/'s3/bucket').mkdir(parents=True); (tmp_path/'s3/bucket/door').symlink_to(outside)
    for call in (lambda: s3.get_bytes('s3://bucket/door/secret'), lambda: s3.put_bytes('s3://bucket/door/secret', b'x'),
                 lambda: s3.put_bytes('s3://bucket/door/new', b'x')):
        with pytest.raises(ValueError, match='outside its bucket'): call()
    assert (outside/'secret').read_text() == 'keep' and not (outside/'new').exists()
    assert s3.list('s3://bucket/') == []                                   # a link is not an object

def test_session_upload_with_climbing_prefix(sess, tmp_path):
    (tmp_path/'f.csv').write_text('1,2\n')
    for prefix in ('../../escape', 'a/../../escape', '/../escape'):
        with pytest.raises(ValueError, match=r"'\.\.'"): sess.upload_data(tmp_path/'f.csv', key_prefix=prefix)
    assert not list(tmp_path.glob('**/escape*'))

def test_cli_upload_refuses_climbing_prefix(tmp_path):
    from sagestudy.cli import main
    (tmp_path/'f.csv').write_text('1,2\n')
    assert main(['--home', str(tmp_path/'home'), 'upload', str(tmp_path/'f.csv'), '--key-prefix', '../../../outside']) == 1
    assert not (tmp_path/'outside').exists() and not list((tmp_path/'home').rglob('f.csv'))

def test_every_training_uri_is_checked(sess, csv_uri):
    base = script_request(sess, 'uris', 'print(1)', csv_uri)
    bad = f's3://{sess.default_bucket()}//tmp/escape'
    cases = {'OutputDataConfig.S3OutputPath': {'OutputDataConfig': {'S3OutputPath': bad}},
             'CheckpointConfig.S3Uri': {'CheckpointConfig': {'S3Uri': bad}},
             'S3DataSource.S3Uri': {'InputDataConfig': [{'ChannelName': 'train', 'DataSource': {'S3DataSource': {'S3Uri': bad}}}]}}
    for field, change in cases.items():
        code, msg = code_error(training.create_training_job, home=sess.home, **{**base, **change})
        assert code == 'ValidationException' and field in msg and bad in msg, msg
    assert storage.list_records(sess.home, 'training-jobs') == []

def test_sdk_output_path_and_checkpoint_uri_refused(sess, csv_uri):
    bad = f's3://{sess.default_bucket()}//tmp/escape'
    for kw in ({'output_path': bad}, {'checkpoint_s3_uri': bad}):
        est = Estimator('linear-learner', instance_count=1, instance_type='ml.m5.xlarge', sagemaker_session=sess, **kw)
        with pytest.raises(ClientError, match='empty segment'): est.fit({'train': TrainingInput(csv_uri, content_type='text/csv')})

def test_transform_and_capture_uris_refused(sess):
    from sagestudy.service import hosting
    bad = f's3://{sess.default_bucket()}//tmp/escape'
    code, msg = code_error(transform.create_transform_job, home=sess.home, TransformJobName='t1', ModelName='m',
                           TransformInput={'DataSource': {'S3DataSource': {'S3Uri': 's3://bucket/in'}}},
                           TransformOutput={'S3OutputPath': bad}, TransformResources={'InstanceType': 'ml.m5.xlarge', 'InstanceCount': 1})
    assert code == 'ValidationException'
    code, msg = code_error(hosting.create_endpoint_config, home=sess.home, EndpointConfigName='c1',
                           ProductionVariants=[{'VariantName': 'v', 'ModelName': 'm', 'InitialInstanceCount': 1, 'InstanceType': 'ml.m5.xlarge'}],
                           DataCaptureConfig={'InitialSamplingPercentage': 100, 'DestinationS3Uri': bad, 'CaptureOptions': [{'CaptureMode': 'Input'}]})
    assert code == 'ValidationException'

@pytest.mark.parametrize('name', ['../../x', 'a/b', 'a_b', '-a', 'a' * 64, '', 'a..b', 7])
def test_bad_job_names_refused_before_anything_exists(sess, csv_uri, name):
    code, msg = code_error(training.create_training_job, home=sess.home, **script_request(sess, 'ok', 'print(1)', csv_uri) | {'TrainingJobName': name})
    assert code == 'ValidationException' and "'TrainingJobName'" in msg
    code, msg = code_error(processing.create_processing_job, home=sess.home, ProcessingJobName=name, RoleArn='r',
                           ProcessingResources={'ClusterConfig': {'InstanceCount': 1, 'InstanceType': 'ml.m5.xlarge'}},
                           AppSpecification={'ImageUri': 'x', 'ContainerEntrypoint': ['python3']})
    assert code == 'ValidationException' and "'ProcessingJobName'" in msg
    assert not (sess.home/'jobs').exists() and not (sess.home/'records'/'training-jobs').exists()

def test_sdk_job_name_refused(sess, csv_uri):
    est = Estimator('linear-learner', instance_count=1, instance_type='ml.m5.xlarge', sagemaker_session=sess)
    with pytest.raises(ClientError) as e: est.fit({'train': TrainingInput(csv_uri, content_type='text/csv')}, job_name='../../x')
    assert e.value.response['Error']['Code'] == 'ValidationException' and 'TrainingJobName' in str(e.value)

@pytest.mark.parametrize('path', ['/opt/ml/processing/../../../tmp', '/opt/ml/processing/a/../../x', '/tmp/x', '/opt/ml/processing/./x',
                                  'opt/ml/processing/x', '/opt/ml/processingx', None])
def test_processing_paths_stay_under_opt_ml_processing(sess, path):
    base = {'ProcessingJobName': 'p1', 'RoleArn': 'r', 'AppSpecification': {'ImageUri': 'x', 'ContainerEntrypoint': ['python3', 'x.py']},
            'ProcessingResources': {'ClusterConfig': {'InstanceCount': 1, 'InstanceType': 'ml.m5.xlarge'}}}
    code, msg = code_error(processing.create_processing_job, home=sess.home, **base,
                           ProcessingInputs=[{'InputName': 'a', 'S3Input': {'S3Uri': 's3://bucket/in', 'LocalPath': path}}])
    assert code == 'ValidationException' and 'ProcessingInputs[0].S3Input.LocalPath' in msg
    code, msg = code_error(processing.create_processing_job, home=sess.home, **base,
                           ProcessingOutputConfig={'Outputs': [{'OutputName': 'o', 'S3Output': {'S3Uri': 's3://bucket/o', 'LocalPath': path}}]})
    assert code == 'ValidationException' and 'Outputs[0].S3Output.LocalPath' in msg
    assert storage.load_record(sess.home, 'processing-jobs', 'p1') is None

def test_sdk_processing_destination_with_dotdot(sess, tmp_path):
    from sagestudy.sagemaker.processing import ScriptProcessor, ProcessingInput
    (tmp_path/'s.py').write_text('print(1)\n')
    proc = ScriptProcessor(image_uri='sagemaker-scikit-learn', command=['python3'], instance_count=1, instance_type='ml.m5.xlarge', sagemaker_session=sess)
    with pytest.raises(ClientError, match='LocalPath'):
        proc.run(str(tmp_path/'s.py'), inputs=[ProcessingInput('s3://bucket/in', '/opt/ml/processing/../../../etc')], logs=False)

# ---- API refusals: botocore's shape ----

def test_api_errors_have_botocore_shape(sess, csv_uri):
    req = script_request(sess, 'shape-1', 'print(1)', csv_uri)
    code, msg = code_error(training.create_training_job, home=sess.home, **{k: v for k, v in req.items() if k != 'RoleArn'})
    assert (code, "'RoleArn'" in msg) == ('ValidationException', True)
    code, msg = code_error(training.create_training_job, home=sess.home, **req, Bogus=1)
    assert code == 'ValidationException' and 'Bogus' in msg
    code, msg = code_error(training.create_training_job, home=sess.home, **req | {'HyperParameters': {'a': 1}})
    assert code == 'ValidationException' and 'HyperParameters.a' in msg
    code, msg = code_error(training.create_training_job, home=sess.home, **req | {'ResourceConfig': {'InstanceType': 'ml.m5.xlarge', 'InstanceCount': 0}})
    assert 'InstanceCount' in msg
    code, msg = code_error(training.create_training_job, home=sess.home, **req | {'EnableManagedSpotTraining': True})
    assert 'MaxWaitTimeInSeconds' in msg
    code, msg = code_error(training.describe_training_job, home=sess.home, TrainingJobName='missing')
    assert code == 'ValidationException' and 'not found' in msg
    with pytest.raises(ClientError) as e: sess.sagemaker_client.stop_training_job(TrainingJobName='missing')
    assert e.value.operation_name == 'StopTrainingJob'

# ---- defect 9 and data errors: a Failed job with a named reason ----

def test_bad_hyperparameter_fails_the_job_with_its_name(sess, csv_uri):
    est = Estimator('linear-learner', instance_count=1, instance_type='ml.m5.xlarge', sagemaker_session=sess,
                    hyperparameters={'predictor_type': 'binary_classifier', 'mini_batch_size': -5})
    with pytest.raises(UnexpectedStatusException, match='mini_batch_size'):
        est.fit({'train': TrainingInput(csv_uri, content_type='text/csv')}, logs=False)
    d = est.latest_training_job.describe()
    assert d['TrainingJobStatus'] == 'Failed' and d['FailureReason'].startswith("ClientError: linear-learner: hyperparameter 'mini_batch_size'")
    failure = sess.home/'jobs'/d['TrainingJobName']/'algo-1/opt/ml/output/failure'
    assert failure.read_text() == d['FailureReason'] and 'Traceback' not in d['FailureReason']

def test_data_error_reaches_failure_reason_unchanged(sess, tmp_path):
    uri = sess.s3.put_bytes(f's3://{sess.default_bucket()}/hdr/a.csv', b'label,x\n1,0.5\n')
    est = Estimator('linear-learner', instance_count=1, instance_type='ml.m5.xlarge', sagemaker_session=sess,
                    hyperparameters={'predictor_type': 'binary_classifier'})
    with pytest.raises(UnexpectedStatusException): est.fit({'train': TrainingInput(uri, content_type='text/csv')}, logs=False)
    d = est.latest_training_job.describe()
    reason = d['FailureReason']
    assert reason.startswith('ClientError: ') and 'a.csv' in reason and 'line 1' in reason and 'Traceback' not in reason
    assert (sess.home/'jobs'/d['TrainingJobName']/'algo-1/opt/ml/output/failure').read_text() == reason

def test_failure_reason_has_no_stack_trace():
    e = ValueError('[10:00:00] /src/data.cc:12: Check failed: x\nStack trace:\n  [bt] (0) /lib/libxgboost.so(+0x1) [0x7f]\n')
    assert training.failure_reason(e) == 'AlgorithmError: [10:00:00] /src/data.cc:12: Check failed: x'

# ---- fidelity defect 1: a channel with no ContentType ----

def test_channel_without_content_type_uses_the_catalog_default(sess, tmp_path):
    import numpy as np
    from sagestudy.core import formats
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3)).astype('float32'); y = (X[:, 0] > 0).astype('float32')
    formats.write(tmp_path/'t.rec', 'application/x-recordio-protobuf', X, y)
    rec_uri = sess.upload_data(tmp_path/'t.rec', key_prefix='rec')
    hp = {'predictor_type': 'binary_classifier', 'epochs': 1, 'mini_batch_size': 16}
    est = Estimator('linear-learner', instance_count=1, instance_type='ml.m5.xlarge', sagemaker_session=sess, hyperparameters=hp)
    est.fit({'train': rec_uri}, logs=False)                    # no content_type: RecordIO-protobuf, Linear Learner's default
    assert 'ContentType' not in sess.last_request('CreateTrainingJob')['InputDataConfig'][0]
    assert est.latest_training_job.describe()['TrainingJobStatus'] == 'Completed'

# ---- FastFile: the stored objects cannot be changed ----

def test_fastfile_channel_is_read_only(sess, csv_uri):
    before = {o: sess.s3.get_bytes(o) for o in sess.s3.list(csv_uri)}
    tamper = '''
    import os, pathlib, stat
    ch = pathlib.Path(os.environ["SM_CHANNEL_TRAIN"])
    for f in ch.iterdir():
        assert stat.S_IMODE(f.stat().st_mode) == 0o444, oct(f.stat().st_mode)
        try: f.write_text("tampered")
        except PermissionError: pass
    '''
    training.create_training_job(sess.home, **script_request(sess, 'ff-1', tamper, csv_uri, mode='FastFile'))
    d = sess.wait_for_job('ff-1')
    assert d['TrainingJobStatus'] == 'Completed', d.get('FailureReason')
    assert {o: sess.s3.get_bytes(o) for o in sess.s3.list(csv_uri)} == before

# ---- defect 6: interrupted and killed jobs ----

def test_keyboard_interrupt_stops_the_job(sess, csv_uri, tmp_path):
    (tmp_path/'ckpt.py').write_text(textwrap.dedent(CHECKPOINTING))
    est = PyTorch(entry_point=str(tmp_path/'ckpt.py'), framework_version='2.5', py_version='py311', instance_count=1,
                  instance_type='ml.m5.xlarge', sagemaker_session=sess, checkpoint_s3_uri=f's3://{sess.default_bucket()}/ck/kb')
    main = threading.get_ident()
    def interrupt():                                           # Ctrl-C once two checkpoints are in S3
        wait_until(lambda: len(sess.s3.list(f's3://{sess.default_bucket()}/ck/kb')) >= 2)
        signal.pthread_kill(main, signal.SIGINT)
    t = threading.Thread(target=interrupt, daemon=True); t.start()
    with pytest.raises(KeyboardInterrupt): est.fit({'train': csv_uri}, logs=False)
    d = est.latest_training_job.describe()
    assert d['TrainingJobStatus'] == 'Stopped'
    assert wait_until(lambda: all(group(g) == [] for g in containers(sess.home, d['TrainingJobName'])))
    assert len(sess.s3.list(f's3://{sess.default_bucket()}/ck/kb')) >= 2          # synced while it ran

CALLER = '''
import json, sys, time
from sagestudy.service.training import create_training_job
home, request = sys.argv[1], json.loads(sys.argv[2])
create_training_job(home, **request)
print('created', flush=True)
time.sleep(600)
'''

def test_killed_caller_leaves_no_container_and_a_failed_record(sess, csv_uri):
    req = script_request(sess, 'orphan-1', CHECKPOINTING, csv_uri, CheckpointConfig={'S3Uri': f's3://{sess.default_bucket()}/ck/orphan'})
    caller = subprocess.Popen([sys.executable, '-c', CALLER, str(sess.home), json.dumps(req)], stdout=subprocess.PIPE, text=True)
    assert caller.stdout.readline().strip() == 'created'
    assert wait_until(lambda: len(sess.s3.list(f's3://{sess.default_bucket()}/ck/orphan')) >= 2)
    pgids = containers(sess.home, 'orphan-1')
    assert pgids and all(group(g) for g in pgids)              # running
    caller.kill(); caller.wait()                               # SIGKILL: no cleanup code runs in the caller
    assert wait_until(lambda: all(group(g) == [] for g in pgids)), [group(g) for g in pgids]
    d = training.describe_training_job(sess.home, TrainingJobName='orphan-1')
    assert d['TrainingJobStatus'] == 'Failed' and 'ended while the job was InProgress' in d['FailureReason']
    assert len(sess.s3.list(f's3://{sess.default_bucket()}/ck/orphan')) >= 2

def test_record_left_in_progress_is_failed_on_next_look(sess, csv_uri):
    for look in ('describe', 'list'):
        name = f'ghost-{look}'
        storage.save_record(sess.home, 'training-jobs', name, {'TrainingJobName': name, 'TrainingJobStatus': 'InProgress',
            'SecondaryStatus': 'Training', 'SecondaryStatusTransitions': [{'Status': 'Training', 'StartTime': storage.now()}],
            'CreationTime': storage.now(), '_sagestudy': {'pid': 2 ** 22 + 1, 'start': '1', 'containers': []}})
        if look == 'describe': d = training.describe_training_job(sess.home, TrainingJobName=name)
        else: d = next(s for s in training.list_training_jobs(sess.home)['TrainingJobSummaries'] if s['TrainingJobName'] == name)
        assert d['TrainingJobStatus'] == 'Failed'
        assert 'ended while the job was InProgress' in storage.load_record(sess.home, 'training-jobs', name)['FailureReason']

def test_stop_training_job_kills_the_process_group(sess, csv_uri):
    spawn = '''
    import subprocess, sys, time
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])     # a grandchild
    time.sleep(300)
    '''
    training.create_training_job(sess.home, **script_request(sess, 'stop-1', spawn, csv_uri))
    assert wait_until(lambda: (r := storage.load_record(sess.home, 'training-jobs', 'stop-1'))['_sagestudy']['containers']
                      and len(group(r['_sagestudy']['containers'][0][0])) >= 3)
    pgids = containers(sess.home, 'stop-1')
    sess.sagemaker_client.stop_training_job(TrainingJobName='stop-1')
    d = sess.wait_for_job('stop-1')
    assert d['TrainingJobStatus'] == 'Stopped'
    assert wait_until(lambda: all(group(g) == [] for g in pgids))

# ---- defect 7: torch.distributed stays on loopback ----

LISTENER = '''
import json, os, time, pathlib
import torch.distributed as dist
dist.init_process_group("gloo")                               # env://, as a user script does
ml = pathlib.Path(os.environ["SAGESTUDY_OPT_ML"])
(ml/"model"/"ready").write_text("1")
time.sleep(4)                                                 # the test looks at the sockets now
dist.barrier(); dist.destroy_process_group()
'''

def test_distributed_training_listens_on_loopback_only(sess, csv_uri):
    psutil = pytest.importorskip('psutil')
    training.create_training_job(sess.home, **script_request(sess, 'ddp-1', LISTENER, csv_uri, count=2))
    ready = [sess.home/'jobs/ddp-1'/h/'opt/ml/model/ready' for h in ('algo-1', 'algo-2')]
    assert wait_until(lambda: all(r.exists() for r in ready), timeout=120), sess.wait_for_job('ddp-1').get('FailureReason')
    pids = {p for g in containers(sess.home, 'ddp-1') for p in group(g)}
    listening = [c for c in psutil.net_connections('inet') if c.status == psutil.CONN_LISTEN and c.pid in pids]
    assert listening, 'the job should have listening sockets (the store, gloo)'
    assert {c.laddr.ip for c in listening} <= {'127.0.0.1', '::1'}, [(c.pid, c.laddr) for c in listening]
    d = sess.wait_for_job('ddp-1')
    assert d['TrainingJobStatus'] == 'Completed', d.get('FailureReason')

# ---- issue 12: the instance rule follows the job's mode (BlazingText's batch_skipgram) ----

def _builtin_request(sess, name:str, image:str, hp:dict, itype:str, count:int, csv_uri:str)->dict:
    return {'TrainingJobName': name, 'RoleArn': 'arn:aws:iam::000000000000:role/r', 'HyperParameters': hp,
            'AlgorithmSpecification': {'TrainingImage': image, 'TrainingInputMode': 'File'},
            'InputDataConfig': [{'ChannelName': 'train', 'DataSource': {'S3DataSource': {'S3Uri': csv_uri}}}],
            'OutputDataConfig': {'S3OutputPath': f's3://{sess.default_bucket()}/out'},
            'ResourceConfig': {'InstanceType': itype, 'InstanceCount': count}, 'StoppingCondition': {'MaxRuntimeInSeconds': 600}}

@pytest.mark.parametrize('mode,itype,count,refused', [
    ('supervised', 'ml.c5.xlarge', 2, "in mode 'supervised' trains on a single instance only; instance_count=2"),
    ('skipgram', 'ml.c5.xlarge', 2, "in mode 'skipgram' trains on a single instance only"),
    ('batch_skipgram', 'ml.p3.2xlarge', 2, "BlazingText training runs only on CPU instances; ml.p3.2xlarge is a GPU instance"),
    ('batch_skipgram', 'ml.c5.xlarge', 3, None),                 # several CPU instances: accepted
])
def test_instance_rule_follows_the_mode(sess, csv_uri, mode, itype, count, refused):
    req = _builtin_request(sess, f'bt-{mode.replace("_", "-")}-{count}', 'blazingtext', {'mode': mode}, itype, count, csv_uri)
    if refused:
        code, msg = code_error(training.create_training_job, home=sess.home, **req)
        assert code == 'ValidationException' and 'ResourceConfig: ' in msg and refused in msg, msg
        assert storage.list_records(sess.home, 'training-jobs') == []
    else:
        training._check_resources('blazingtext', req['ResourceConfig'], req['HyperParameters'], 'CreateTrainingJob')   # no ClientError
    code, msg = code_error(training.create_training_job, home=sess.home,
                           **_builtin_request(sess, 's2s-2', 'seq2seq', {}, 'ml.p3.2xlarge', 2, csv_uri))
    assert 'trains on a single instance only' in msg and "in mode" not in msg   # one rule for every mode

# ---- the CLI: every failure is one line, no traceback, exit code 1; usage mistakes exit 2 ----

def _cli(home, *argv)->tuple:
    import contextlib
    from sagestudy.cli import main
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try: rc = main(['--home', str(home), *argv])
        except SystemExit as e: rc = e.code
    return rc, out.getvalue(), err.getvalue()

@pytest.fixture(scope='module')
def ll_model(tmp_path_factory):
    "A small Linear Learner model.tar.gz on disk"
    import numpy as np
    from sagestudy.algorithms.linear_learner import LinearLearner
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3)).astype('float32'); y = (X[:, 0] > 0).astype('float32')
    return LinearLearner(predictor_type='binary_classifier', epochs=1, mini_batch_size=16).fit(X, y).save(tmp_path_factory.mktemp('m')/'model.tar.gz')

def test_cli_transform_goes_through_create_model_and_the_transform_job(tmp_path, ll_model):
    sess = Session(tmp_path/'home')
    data = sess.s3.put_bytes(f's3://{sess.default_bucket()}/in/rows.csv', b'0.5,1.0,-2.0\n-1.0,0.0,3.0\n').rsplit('/', 1)[0]
    rc, out, err = _cli(sess.home, 'transform', '--model-data', str(ll_model), '--input', data,
                        '--output', f's3://{sess.default_bucket()}/out', '--accept', 'application/jsonlines')
    assert (rc, err) == (0, ''), err
    job = json.loads(out)
    assert job['TransformJobStatus'] == 'Completed' and job['ModelName']
    assert [r['ModelName'] for r in sess.sagemaker_client.list_models()['Models']] == [job['ModelName']]   # CreateModel was sent
    lines = sess.s3.get_bytes(f's3://{sess.default_bucket()}/out/rows.csv.out').decode().splitlines()
    assert len(lines) == 2 and all('predicted_label' in json.loads(l) for l in lines)

def test_cli_failures_are_one_line(tmp_path, ll_model):
    sess = Session(tmp_path/'home')
    bucket = sess.default_bucket()
    bad = sess.s3.put_bytes(f's3://{bucket}/bad/rows.csv', b'a,b,c\n1,2\n').rsplit('/', 1)[0]
    cases = [  # (argv, exit code, what the line must name)
        (['transform', '--model-data', str(ll_model), '--input', bad, '--output', f's3://{bucket}/o'], 1, 'Failed'),     # a failed job
        (['transform', '--model-data', str(tmp_path/'missing.tar.gz'), '--input', bad, '--output', f's3://{bucket}/o'], 1, 'missing.tar.gz'),
        (['transform', '--model-data', str(ll_model), '--input', bad, '--output', f's3://{bucket}/o', '--instance-type', 'ml.nope'], 1, 'ml.nope'),
        (['describe', 'no_such_job'], 1, 'ValidationException'),                                                         # a ClientError
        (['train', '--algorithm', 'linear-learner', '--channel', f'train={bad}', '--output-path', f's3://{bucket}//tmp'], 2, 'empty'),
        (['train', '--algorithm', 'linear-learner', '--channel', f'train={bad}', '--job-name', 'has_underscore', '--quiet'], 1, 'ValidationException'),
    ]
    for argv, code, named in cases:
        rc, out, err = _cli(sess.home, *argv)
        lines = err.strip().splitlines()
        assert rc == code, (argv, rc, err)
        assert 'Traceback' not in err and lines, (argv, err)
        if code == 1: assert len(lines) == 1 and lines[0].startswith(f'sagestudy {argv[0]}: error: ') and named in lines[0], (argv, err)
        else: assert named in lines[-1], (argv, err)
