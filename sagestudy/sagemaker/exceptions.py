"`sagemaker.exceptions` at the SDK's module path (hand-written re-export; the code lives in nbs/70_sdk/76_hosting.ipynb)."
from sagestudy.sagemaker.hosting import UnexpectedStatusException

__all__ = ['UnexpectedStatusException']
