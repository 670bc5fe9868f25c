"`sagemaker.amazon.linear_learner` at the SDK's module path (hand-written re-export; the classes are made from the catalog in nbs/70_sdk/74_amazon_estimators.ipynb)."
from sagestudy.sagemaker.amazon.amazon_estimator import LinearLearner, LinearLearnerModel, LinearLearnerPredictor

__all__ = ['LinearLearner', 'LinearLearnerModel', 'LinearLearnerPredictor']
