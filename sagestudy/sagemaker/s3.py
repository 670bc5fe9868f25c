"`sagemaker.s3` at the SDK's module path (hand-written re-export; the code lives in nbs/70_sdk/70_image_uris.ipynb)."
from sagestudy.sagemaker.image_uris import S3Uploader, S3Downloader

__all__ = ['S3Uploader', 'S3Downloader']
