"`sagemaker.exceptions` at the SDK's module path (hand-written re-export; the code lives in nbs/60_platform/63_hosting.ipynb)."
from sagestudy.sagemaker.hosting import UnexpectedStatusException

__all__ = ['UnexpectedStatusException']
