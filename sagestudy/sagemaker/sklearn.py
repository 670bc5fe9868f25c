"`sagemaker.sklearn` (hand-written, as the SDK's package __init__): the framework estimator lives in sagestudy.sagemaker.frameworks (nbs/70_sdk/75_script_mode.ipynb)."
from sagestudy.sagemaker.frameworks import SKLearn  # noqa: F401
from sagestudy.sagemaker.pipeline import SKLearnModel  # noqa: F401
from sagestudy.sagemaker.processing import SKLearnProcessor  # noqa: F401
