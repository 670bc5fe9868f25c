"""The SageMaker Python SDK v2, class for class at the SDK's module paths, running locally: `import sagestudy.sagemaker as sagemaker`.

Hand-written (nbdev-export leaves it alone); the code lives in the notebooks of nbs/70_sdk. This is the SDK layer: its
classes build the API requests the SDK sends and hand them to the service (`sagestudy.service`) through
`session.sagemaker_client` / `session.sagemaker_runtime_client`. Names are imported on first use (PEP 562), so
`import sagestudy.sagemaker` stays cheap and a notebook pays only for what it touches.
"""
import importlib

_EXPORTS = {   # public name -> module that defines it (the SDK's own top-level names)
    'Session': 'sagestudy.sagemaker.session', 'get_execution_role': 'sagestudy.sagemaker.session',
    'Model': 'sagestudy.sagemaker.model', 'container_def': 'sagestudy.sagemaker.model',
    'production_variant': 'sagestudy.sagemaker.model',
    'Predictor': 'sagestudy.sagemaker.predictor',
    'Estimator': 'sagestudy.sagemaker.estimator',
    'Framework': 'sagestudy.sagemaker.estimator',
    'TrainingInput': 'sagestudy.sagemaker.inputs', 'TransformInput': 'sagestudy.sagemaker.inputs',
    'ShuffleConfig': 'sagestudy.sagemaker.inputs',
    'Transformer': 'sagestudy.sagemaker.transformer',
    'PipelineModel': 'sagestudy.sagemaker.pipeline',
    'FrameworkModel': 'sagestudy.sagemaker.pipeline',
    'HyperparameterTuner': 'sagestudy.sagemaker.tuner', 'HyperparameterTuningJobAnalytics': 'sagestudy.sagemaker.tuner',
    'RecordSet': 'sagestudy.sagemaker.amazon.amazon_estimator',
    'AmazonAlgorithmEstimatorBase': 'sagestudy.sagemaker.amazon.amazon_estimator',
    'LinearLearner': 'sagestudy.sagemaker.amazon.linear_learner', 'LinearLearnerModel': 'sagestudy.sagemaker.amazon.linear_learner',
    'LinearLearnerPredictor': 'sagestudy.sagemaker.amazon.linear_learner',
    'KNN': 'sagestudy.sagemaker.amazon.knn', 'KNNModel': 'sagestudy.sagemaker.amazon.knn', 'KNNPredictor': 'sagestudy.sagemaker.amazon.knn',
    'FactorizationMachines': 'sagestudy.sagemaker.amazon.factorization_machines',
    'FactorizationMachinesModel': 'sagestudy.sagemaker.amazon.factorization_machines',
    'FactorizationMachinesPredictor': 'sagestudy.sagemaker.amazon.factorization_machines',
    **{n + kind: 'sagestudy.sagemaker.amazon.amazon_estimator' for n in ('KMeans', 'PCA', 'RandomCutForest', 'LDA', 'NTM',
       'Object2Vec', 'IPInsights') for kind in ('', 'Model', 'Predictor')},   # each appears when its algorithm chapter lands
}
_SUBMODULES = ('session', 's3', 'model', 'predictor', 'serializers', 'deserializers', 'model_monitor', 'exceptions', 'utils',
               'image_uris', 'estimator', 'inputs', 'transformer', 'processing', 'pipeline', 'amazon', 'sklearn', 'pytorch',
               'xgboost', 'tuner', 'analytics', 'hosting', 'frameworks')
_LATER = ('Object2Vec', 'Object2VecModel', 'Object2VecPredictor')   # no container here yet
__all__ = [n for n in _EXPORTS if n not in _LATER]
def __getattr__(name):
    if name in _SUBMODULES:
        try: value = importlib.import_module(f'{__name__}.{name}')
        except ModuleNotFoundError as e:
            if e.name != f'{__name__}.{name}': raise
            raise AttributeError(f"sagestudy.sagemaker.{name} is not built yet (the SDK has it; sagestudy's chapter for it is still to come)") from None
    elif name in _EXPORTS:
        try: value = getattr(importlib.import_module(_EXPORTS[name]), name)
        except AttributeError: raise AttributeError(f"sagestudy.sagemaker.{name} is not available yet: its algorithm chapter has not landed") from None
    else: raise AttributeError(f"module 'sagestudy.sagemaker' has no attribute {name!r}")
    globals()[name] = value            # cache: the next lookup is a plain attribute
    return value

def __dir__(): return sorted(set(globals()) | set(__all__) | set(_SUBMODULES))
