"""BlazingText on the local platform (issue 15): training jobs from SageMaker's channels (text/plain, the default, and the
augmented manifest), model.tar.gz with fastText's files, an endpoint and a batch transform in the documented shapes, the
SDK's generic Estimator, batch_skipgram on two instances, and hostile files, hyperparameters and requests."""
import json, tarfile
from pathlib import Path
import numpy as np
import pytest
from sagestudy.core.errors import ClientError, DataFormatError, HyperparameterError, InvocationError
from sagestudy.algorithms.blazingtext import BlazingText, gensim_data
from sagestudy.platform.serving import invoke
import sagestudy.sagemaker as sagemaker
from sagestudy.sagemaker.session import Session, get_execution_role
from sagestudy.sagemaker.estimator import Estimator
from sagestudy.sagemaker.inputs import TrainingInput
from sagestudy.sagemaker.transformer import Transformer
from sagestudy.sagemaker.serializers import JSONSerializer
from sagestudy.sagemaker.deserializers import JSONDeserializer

IMAGE = '811284229777.dkr.ecr.us-east-1.amazonaws.com/blazingtext:1'

@pytest.fixture()
def sess(tmp_path): return Session(tmp_path/'home')

def polarity()->list:
    "gensim's 200 movie-review sentences, already in BlazingText's supervised format (__label__pos / __label__neg)"
    return [l for l in gensim_data('pang_lee_polarity.cor').read_bytes().decode('cp1252').splitlines() if l.strip()]   # not UTF-8: Windows-1252

def lee(n:int=120)->list:
    return [l.lower() for l in gensim_data('lee_background.cor').read_text().splitlines() if l.strip()][:n]

def put(sess, key:str, text:str)->str:
    "Upload `text` under s3://bucket/key; return the channel prefix (the key's folder)"
    return sess.s3.put_bytes(f's3://{sess.default_bucket()}/{key}', text.encode()).rsplit('/', 1)[0]

def code_of(e:ClientError)->tuple: return e.response['Error']['Code'], e.response['Error']['Message']

# ---- the supervised workflow: SDK Estimator, job, artifact, endpoint, batch transform -------------------------------------

def test_supervised_job_endpoint_and_batch_transform(sess, tmp_path):
    lines = polarity()
    train = put(sess, 'bt/train/train.txt', '\n'.join(lines[::2][:80] + lines[1::2][:80]) + '\n')
    valid = put(sess, 'bt/validation/valid.txt', '\n'.join(lines[160:]) + '\n')
    image = sagemaker.image_uris.retrieve('blazingtext', sess.boto_region_name)
    assert image.endswith('/blazingtext:1')
    bt = Estimator(image, get_execution_role(), instance_count=1, instance_type='ml.c5.xlarge', sagemaker_session=sess)
    bt.set_hyperparameters(mode='supervised', epochs=8, min_count=1, buckets=20000, learning_rate=0.5,
                           early_stopping=True, patience=2, min_epochs=3)
    bt.fit({'train': TrainingInput(train, content_type='text/plain'), 'validation': TrainingInput(valid, content_type='text/plain')}, logs=False)
    d = sess.describe_training_job(bt.latest_training_job.name)
    assert d['TrainingJobStatus'] == 'Completed', d.get('FailureReason')
    assert [m['MetricName'] for m in d['FinalMetricDataList']] == ['validation:accuracy']
    with tarfile.open(sess.s3.path(bt.model_data)) as tar: names = set(tar.getnames())
    assert {'model.bin', 'model.json', 'model.safetensors'} <= names and 'vectors.bin' not in names
    predictor = bt.deploy(1, 'ml.m5.xlarge', serializer=JSONSerializer(), deserializer=JSONDeserializer())
    try:
        out = predictor.predict({'instances': ['a gripping , funny film', 'dull and tedious .'], 'configuration': {'k': 2}})
        assert len(out) == 2 and all(len(o['label']) == 2 == len(o['prob']) for o in out), out
        assert all(set(o['label']) == {'__label__pos', '__label__neg'} and o['prob'][0] >= o['prob'][1] for o in out)
        assert len(predictor.predict({'instances': ['fine']})[0]['label']) == 1          # k defaults to 1
        client = sess.sagemaker_runtime_client
        for body, ctype, words in [(b'not json', 'application/json', 'not JSON'),
                                   (b'{"instances": [1, 2]}', 'application/json', 'instances[0]'),
                                   (b'{"instances": ["x"], "configuration": {"k": -1}}', 'application/json', 'k must be a positive integer'),
                                   (b'{"source": "x"}\n{"text": "y"}\n', 'application/jsonlines', 'request line 2'),
                                   (b'1,2,3', 'text/csv', 'text/csv')]:
            with pytest.raises(ClientError) as e:
                client.invoke_endpoint(EndpointName=predictor.endpoint_name, Body=body, ContentType=ctype, Accept=ctype)
            assert words in str(e.value), (words, str(e.value))
        assert predictor.predict({'instances': ['still up']})[0]['label']                  # the server survived them all
    finally:
        predictor.delete_endpoint()
    model_name = bt.latest_training_job.name
    sess.sagemaker_client.create_model(ModelName=model_name, ExecutionRoleArn=get_execution_role(),
                                       PrimaryContainer={'Image': image, 'ModelDataUrl': bt.model_data})
    data = put(sess, 'bt/batch/in.jsonl', '{"source": "a gripping , funny film"}\n{"source": "dull and tedious .", "k": 2}\n')
    tr = Transformer(model_name, 1, 'ml.m5.xlarge', assemble_with='Line', accept='application/jsonlines', sagemaker_session=sess)
    tr.transform(data, content_type='application/jsonlines', split_type='Line')
    out = [json.loads(l) for l in sess.s3.get_bytes(f'{tr.output_path}/in.jsonl.out').decode().splitlines()]
    assert [len(o['label']) for o in out] == [1, 2] and all(set(o) == {'label', 'prob'} for o in out), out

def test_supervised_model_bin_is_fasttext(tmp_path):
    fasttext = pytest.importorskip('fasttext')
    lines = polarity()
    est = BlazingText(mode='supervised', epochs=3, min_count=1, buckets=5000, word_ngrams=3).fit(lines)
    est.save(tmp_path/'m.tar.gz')
    with tarfile.open(tmp_path/'m.tar.gz') as tar: tar.extract('model.bin', tmp_path, filter='data')
    ft = fasttext.load_model(str(tmp_path/'model.bin'))
    texts = [' '.join(t for t in l.split() if not t.startswith('__label__')) for l in lines[:50]] + ['words nobody wrote']
    theirs = [ft.f.predict(t + '\n', 2, 0.0, 'strict') for t in texts]
    labels, probs = est.predict_top(texts, 2)
    assert [[l for _, l in r] for r in theirs] == labels
    np.testing.assert_allclose([[p for p, _ in r] for r in theirs], probs, atol=1e-5)

def test_augmented_manifest_channel(sess):
    lines = polarity()
    manifest = ''.join(json.dumps({'source': ' '.join(l.split()[1:]), 'label': int(l.startswith('__label__pos'))}) + '\n' for l in lines)
    uri = put(sess, 'man/train/data.jsonl', manifest)
    est = Estimator(IMAGE, instance_count=1, instance_type='ml.c5.xlarge', sagemaker_session=sess,
                    hyperparameters={'mode': 'supervised', 'epochs': 2, 'min_count': 1, 'buckets': 5000})
    est.fit({'train': TrainingInput(uri, content_type='application/jsonlines')}, logs=False)
    assert sess.describe_training_job(est.latest_training_job.name)['TrainingJobStatus'] == 'Completed'

# ---- Word2Vec: the default content type, the artifact, word vectors, two batch_skipgram instances ----------------------

def test_word2vec_default_content_type_artifacts_and_vectors(sess, tmp_path):
    uri = put(sess, 'w2v/train/corpus.txt', '\n'.join(lee()) + '\n')
    est = Estimator(IMAGE, instance_count=1, instance_type='ml.c5.xlarge', sagemaker_session=sess,
                    hyperparameters={'mode': 'skipgram', 'epochs': 1, 'min_count': 2, 'vector_dim': 20, 'subwords': True,
                                     'buckets': 5000})
    est.fit({'train': uri}, logs=False)                                      # no ContentType: text/plain, the catalog's default
    d = sess.describe_training_job(est.latest_training_job.name)
    assert d['TrainingJobStatus'] == 'Completed', d.get('FailureReason')
    assert 'ContentType' not in sess.last_request('CreateTrainingJob')['InputDataConfig'][0]
    assert [m['MetricName'] for m in d['FinalMetricDataList']] == ['train:mean_rho']
    path = sess.s3.path(est.model_data)
    with tarfile.open(path) as tar:
        names = set(tar.getnames()); tar.extractall(tmp_path/'m', filter='data')
    assert {'vectors.txt', 'vectors.bin', 'eval.json', 'model.json', 'model.safetensors'} <= names
    assert json.loads((tmp_path/'m'/'eval.json').read_text())['pairs_evaluated'] > 0
    model = BlazingText.load(path)
    head = (tmp_path/'m'/'vectors.txt').read_text().splitlines()
    assert head[0] == f'{len(model.words_)} 20' and head[1].split()[0] == model.words_[0]
    body, ct = invoke(model, json.dumps({'instances': ['fire', 'firefightering']}).encode(), 'application/json', 'application/json')
    out = json.loads(body)
    assert ct == 'application/json' and [o['word'] for o in out] == ['fire', 'firefightering']
    assert all(len(o['vector']) == 20 and any(o['vector']) for o in out)     # subwords: the unseen word has a vector too
    with pytest.raises(InvocationError, match='415'): invoke(model, b'fire', 'text/plain', 'application/json')

def test_batch_skipgram_on_two_instances_and_the_instance_rules(sess):
    uri = put(sess, 'multi/train/corpus.txt', '\n'.join(lee(80)) + '\n')
    hp = {'mode': 'batch_skipgram', 'epochs': 1, 'min_count': 2, 'vector_dim': 16, 'evaluation': False}
    est = Estimator(IMAGE, instance_count=2, instance_type='ml.c5.xlarge', sagemaker_session=sess, hyperparameters=hp)
    est.fit({'train': TrainingInput(uri, content_type='text/plain', distribution='FullyReplicated')}, logs=False)
    d = sess.describe_training_job(est.latest_training_job.name)
    assert d['TrainingJobStatus'] == 'Completed', d.get('FailureReason')
    assert d['ResourceConfig']['InstanceCount'] == 2
    model = BlazingText.load(sess.s3.path(est.model_data))
    assert model.W_in_.shape[1] == 16 and np.isfinite(model.vectors_).all()
    for itype, n, mode, words in [('ml.c5.xlarge', 2, 'skipgram', 'single instance'), ('ml.c5.xlarge', 2, 'supervised', 'single instance'),
                                  ('ml.p3.2xlarge', 1, 'batch_skipgram', 'CPU')]:
        bad = Estimator(IMAGE, instance_count=n, instance_type=itype, sagemaker_session=sess, hyperparameters={**hp, 'mode': mode})
        with pytest.raises(ClientError) as e: bad.fit({'train': uri}, logs=False)
        code, msg = code_of(e.value)
        assert code == 'ValidationException' and words in msg, msg

# ---- hostile files and hyperparameters ---------------------------------------------------------------------------------

@pytest.mark.parametrize('content, hp, words', [
    (b'__label__a good\nno label on this line\n', {'mode': 'supervised'}, 'train.txt, line 2: no __label__ token'),
    (b'fine words\ncaf\xe9 au lait\n', {'mode': 'cbow'}, 'train.txt, line 2: not UTF-8'),
    (b'\n\n', {'mode': 'skipgram'}, 'holds no text'),
    (b'rare words only\n', {'mode': 'skipgram'}, 'min_count=5'),
    (b'__label__a x\n', {'mode': 'skipgrams'}, "'mode' = 'skipgrams'"),
    (b'__label__a x\n', {'mode': 'supervised', 'early_stopping': 'True'}, 'needs a validation channel'),
    (b'a b\n', {'mode': 'batch_skipgram', 'subwords': 'True'}, 'subwords'),
    (b'a b\n', {'mode': 'cbow', 'vector_dim': '0'}, 'vector_dim'),
])
def test_bad_files_and_hyperparameters_fail_the_job_with_a_named_reason(sess, content, hp, words):
    uri = sess.s3.put_bytes(f's3://{sess.default_bucket()}/bad/train/train.txt', content).rsplit('/', 1)[0]
    est = Estimator(IMAGE, instance_count=1, instance_type='ml.c5.xlarge', sagemaker_session=sess, hyperparameters=hp)
    try:
        est.fit({'train': uri}, logs=False)
        reason = sess.describe_training_job(est.latest_training_job.name).get('FailureReason', '')
    except Exception as e: reason = str(e)
    assert words in reason, reason

def test_local_errors_name_the_problem(tmp_path):
    with pytest.raises(HyperparameterError, match="'mode'"): BlazingText().fit(['a b'])
    with pytest.raises(DataFormatError, match='line 2: no __label__'): BlazingText(mode='supervised').fit(['__label__x a', 'b'])
    with pytest.raises(DataFormatError, match='takes only the train channel'): BlazingText(mode='cbow').fit(['a b'], validation=['a'])
    (tmp_path/'m.jsonl').write_text('{"source": "x", "label": 1}\n{"source": "y", "label": true}\n')
    with pytest.raises(DataFormatError, match="m.jsonl, line 2: 'label' must be"):
        BlazingText(mode='supervised').fit_channels({'train': (tmp_path/'m.jsonl', 'application/jsonlines')})
    with pytest.raises(DataFormatError, match='for mode=.supervised.'):
        BlazingText(mode='cbow').fit_channels({'train': (tmp_path/'m.jsonl', 'application/jsonlines')})
    w2v = BlazingText(mode='cbow', min_count=1, epochs=1, vector_dim=8, evaluation=False).fit(['a b c', 'b c d'])
    for body, words in [(b'{"instances": "a"}', 'expected {"instances"'), (b'[1]', 'expected {"instances"'),
                        (b'{"instances": ["a"], "configuration": 3}', "'configuration' must be an object"), (b'\xff', 'could not read it')]:
        with pytest.raises(InvocationError) as e: invoke(w2v, body, 'application/json', 'application/json')
        assert e.value.status == 400 and words in e.value.message, e.value.message
    assert json.loads(invoke(w2v, b'{"instances": ["zzz"]}', 'application/json', 'application/json')[0])[0]['vector'] == [0.0] * 8
    assert w2v.save(tmp_path/'w.tar.gz').exists() and not (tmp_path/'w.tar.gz.tmp').exists()
