"`sagemaker.analytics` at the SDK's module path (hand-written re-export; the class is written in nbs/80_operations/82_tuner.ipynb)."
from sagestudy.sagemaker.tuner import HyperparameterTuningJobAnalytics

__all__ = ['HyperparameterTuningJobAnalytics']
