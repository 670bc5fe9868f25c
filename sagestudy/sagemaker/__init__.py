"The SageMaker Python SDK v2's shapes, running locally (hand-written re-exports; the code lives in the notebooks)."
from sagestudy.platform.storage import Session
from sagestudy.sagemaker.hosting import (Model, Predictor, DataCaptureConfig, production_variant, endpoint_from_production_variants, CSVSerializer, JSONSerializer, JSONLinesSerializer,
    RecordSerializer, NumpySerializer, JSONDeserializer, JSONLinesDeserializer, CSVDeserializer, BytesDeserializer, NumpyDeserializer)
from sagestudy.sagemaker.training import Estimator, TrainingInput, ShuffleConfig, describe_training_job, shard_objects, feed_pipes
from sagestudy.sagemaker.frameworks import Framework, PyTorch, SKLearn
from sagestudy.sagemaker.transform import Transformer
from sagestudy.sagemaker.pipeline import FrameworkModel, SKLearnModel, PyTorchModel, PipelineModel
from sagestudy.sagemaker.processing import ScriptProcessor, SKLearnProcessor, ProcessingInput, ProcessingOutput
from sagestudy.sagemaker import image_uris
