"`sagemaker.amazon.randomcutforest` at the SDK's module path (hand-written re-export; the classes are made from the catalog in nbs/70_sdk/74_amazon_estimators.ipynb)."
from sagestudy.sagemaker.amazon.amazon_estimator import RandomCutForest, RandomCutForestModel, RandomCutForestPredictor

__all__ = ['RandomCutForest', 'RandomCutForestModel', 'RandomCutForestPredictor']
