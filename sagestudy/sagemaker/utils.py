"`sagemaker.utils` at the SDK's module path (hand-written re-export; the code and its lesson live in nbs/70_sdk/70_image_uris.ipynb)."
from sagestudy.sagemaker.image_uris import (sagemaker_timestamp, sagemaker_short_timestamp, name_from_base, unique_name_from_base,
                                            base_name_from_image, base_from_name)

__all__ = ['sagemaker_timestamp', 'sagemaker_short_timestamp', 'name_from_base', 'unique_name_from_base', 'base_name_from_image',
           'base_from_name']
