"""What the service layer costs per request: the same endpoint called three ways, one client, in the same run.

  direct   : POST /invocations to the container's URL (a new connection per request, as the runtime forwards it)
  runtime  : session.sagemaker_runtime_client.invoke_endpoint (the service: record lookup, routing, HTTP, response stream)
  predictor: Predictor.predict with CSVSerializer / JSONDeserializer (the SDK on top of the runtime)

Run: .venv/bin/python bench/bench_hosting.py [n_requests]
"""
import http.client, statistics, sys, tempfile, time
from pathlib import Path
from urllib.parse import urlsplit
import numpy as np

def timed(f, n:int)->list:
    out = []
    for _ in range(n):
        t = time.perf_counter(); f(); out.append((time.perf_counter() - t) * 1000)
    return out

def main(n:int=300):
    import sagestudy.sagemaker as sagemaker
    from sagestudy.algorithms.linear_learner import LinearLearner
    from sagestudy.core import datasets
    from sagestudy.sagemaker.serializers import CSVSerializer
    from sagestudy.sagemaker.deserializers import JSONDeserializer
    from sagestudy.service import hosting
    bc = datasets.load('breast_cancer')
    est = LinearLearner(predictor_type='binary_classifier', epochs=2, mini_batch_size=64).fit(bc.X, bc.y)
    sess = sagemaker.Session(tempfile.mkdtemp())
    data = sess.upload_data(str(est.save(Path(tempfile.mkdtemp())/'model.tar.gz')), key_prefix='bench')
    model = sagemaker.Model(sagemaker.image_uris.retrieve('linear-learner'), data, predictor_cls=sagemaker.Predictor, sagemaker_session=sess)
    p = model.deploy(1, 'ml.m5.large', serializer=CSVSerializer(), deserializer=JSONDeserializer(), endpoint_name='bench')
    row = CSVSerializer().serialize(bc.X[:1])
    url = urlsplit(hosting._FLEETS['bench']['AllTraffic'][1][0].url)
    def direct():
        c = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
        c.request('POST', '/invocations', body=row, headers={'Content-Type': 'text/csv', 'Accept': 'application/json'})
        r = c.getresponse(); r.read(); c.close(); assert r.status == 200
    rt = sess.sagemaker_runtime_client
    def runtime(): rt.invoke_endpoint(EndpointName='bench', Body=row, ContentType='text/csv', Accept='application/json')['Body'].read()
    def predictor(): p.predict(bc.X[:1])
    for f in (direct, runtime, predictor): timed(f, 20)           # warm up
    sess.requests.clear()
    results = {name: timed(f, n) for name, f in (('direct', direct), ('runtime', runtime), ('predictor', predictor))}
    p.delete_model(); p.delete_endpoint()
    base = statistics.median(results['direct'])
    print(f'{n} sequential single-row requests, one client; milliseconds')
    print(f"{'path':10} {'median':>8} {'p99':>8} {'median / direct':>16}")
    for name, ms in results.items():
        q = np.percentile(ms, [50, 99])
        print(f'{name:10} {q[0]:8.2f} {q[1]:8.2f} {q[0] / base:16.2f}')

if __name__ == '__main__': main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
