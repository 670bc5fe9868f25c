"`sagemaker.xgboost` (hand-written, as the SDK's package __init__): the framework estimator for your own XGBoost script lives in sagestudy.sagemaker.frameworks (nbs/70_sdk/75_script_mode.ipynb)."
from sagestudy.sagemaker.frameworks import XGBoost  # noqa: F401
