"`sagemaker.model` at the SDK's module path (hand-written re-export; the code lives in nbs/70_sdk/76_hosting.ipynb and 79_inference_pipelines.ipynb)."
from sagestudy.sagemaker.hosting import Model, container_def, production_variant

__all__ = ['Model', 'container_def', 'production_variant']
