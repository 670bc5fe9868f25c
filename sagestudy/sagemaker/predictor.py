"`sagemaker.predictor` at the SDK's module path (hand-written re-export; the code and its lesson live in nbs/70_sdk/76_hosting.ipynb)."
from sagestudy.sagemaker.hosting import Predictor

__all__ = ['Predictor']
