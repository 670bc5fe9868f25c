# TEMPORARY shim (lead removes): the training job moved to sagestudy.service.training (the service) and
# sagestudy.sagemaker.estimator / sagestudy.sagemaker.inputs (the SDK). Old callers keep working until they move.
from sagestudy.sagemaker.estimator import Estimator  # noqa: F401
from sagestudy.sagemaker.inputs import ShuffleConfig, TrainingInput as _TrainingInput
from sagestudy.service.training import shard_objects, feed_pipes, container_train  # noqa: F401

class TrainingInput(_TrainingInput):
    "TEMPORARY: the old positional order (s3_data, content_type, distribution, input_mode); use sagestudy.sagemaker.inputs.TrainingInput"
    def __init__(self, s3_data, content_type=None, distribution=None, input_mode=None, shuffle_config=None, **kw):
        super().__init__(s3_data, distribution=distribution, content_type=content_type, input_mode=input_mode, shuffle_config=shuffle_config, **kw)

def describe_training_job(session, job_name:str)->dict:
    "TEMPORARY: use session.describe_training_job(job_name) or session.sagemaker_client.describe_training_job(TrainingJobName=...)"
    return session.describe_training_job(job_name)
