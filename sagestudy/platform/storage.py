# TEMPORARY shim (lead removes): storage moved to sagestudy.service.storage, Session to sagestudy.sagemaker.session
from sagestudy.service.storage import parse_s3_uri, name_from_base, LocalS3, check_name, home_dir  # noqa: F401
from sagestudy.sagemaker.session import Session  # noqa: F401
