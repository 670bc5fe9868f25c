"`sagemaker.amazon.lda` at the SDK's module path (hand-written re-export; the classes are made from the catalog in nbs/70_sdk/74_amazon_estimators.ipynb)."
from sagestudy.sagemaker.amazon.amazon_estimator import LDA, LDAModel, LDAPredictor

__all__ = ['LDA', 'LDAModel', 'LDAPredictor']
