"`sagemaker.model` at the SDK's module path (hand-written re-export; the code lives in nbs/60_platform/63_hosting.ipynb and 68_inference_pipelines.ipynb)."
from sagestudy.sagemaker.hosting import Model, container_def, production_variant

__all__ = ['Model', 'container_def', 'production_variant']
