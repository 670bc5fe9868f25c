"`sagemaker.amazon.ipinsights` at the SDK's module path (hand-written re-export; the classes are made from the catalog in nbs/70_sdk/74_amazon_estimators.ipynb)."
from sagestudy.sagemaker.amazon.amazon_estimator import IPInsights, IPInsightsModel, IPInsightsPredictor

__all__ = ['IPInsights', 'IPInsightsModel', 'IPInsightsPredictor']
