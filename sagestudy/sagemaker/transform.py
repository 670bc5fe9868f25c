# TEMPORARY shim (lead removes): batch transform moved to sagestudy.service.transform (the service) and
# sagestudy.sagemaker.transformer (the SDK's Transformer(model_name, ...)). This keeps the old in-process
# Transformer(model, ...) for callers not yet moved (the CLI, sagemaker.pipeline).
from __future__ import annotations
from sagestudy.service.transform import jsonpath, transform_object  # noqa: F401
from sagestudy.sagemaker.session import Session
from sagestudy.service.storage import parse_s3_uri
from sagestudy.service.hosting import check_hosting

def _served(model, session):
    "The loaded container of an SDK `Model` (image and model.tar.gz), as the transform job's container loads it"
    from sagestudy.service.hosting import load_container
    return load_container(session.home, {'ModelDataUrl': model.model_data, **({'Image': model.image_uri} if getattr(model, 'image_uri', None) else {})})

class Transformer:
    "Batch transform settings (as `sagemaker.transformer.Transformer`); `model` is a `sagestudy.sagemaker.Model`"
    def __init__(self, model, instance_count:int=1, instance_type:str='local', strategy:str='MultiRecord',
                 assemble_with:str|None='Line', output_path:str|None=None, accept:str='text/csv',
                 max_payload:int=6, max_concurrent_transforms:int=1, sagemaker_session:Session|None=None):
        if strategy not in ('MultiRecord', 'SingleRecord'): raise ValueError(f"strategy={strategy!r}: MultiRecord or SingleRecord")
        if not 0 < max_payload <= 100: raise ValueError(f'max_payload={max_payload}: 1 to 100 MB')
        if not 1 <= max_concurrent_transforms or max_concurrent_transforms * max_payload > 100:
            raise ValueError(f'max_concurrent_transforms={max_concurrent_transforms} x max_payload={max_payload} MB: '
                             'SageMaker needs at least 1 and a product of at most 100')
        self.max_concurrent_transforms = max_concurrent_transforms
        self.model, self.instance_count, self.instance_type = model, instance_count, instance_type
        self.strategy, self.assemble_with, self.accept, self.max_payload = strategy, assemble_with, accept, max_payload
        self.session = sagemaker_session or getattr(model, 'sagemaker_session', None) or model.session
        self.output_path = output_path

    def transform(self, data:str, content_type:str='text/csv', split_type:str|None='Line', input_filter:str='$',
                  join_source:str|None=None, output_filter:str='$')->dict:
        "Transform every object under the S3 prefix `data`; returns the job summary"
        est = self.model._load() if hasattr(self.model, '_load') else _served(self.model, self.session)
        check_hosting(est, self.instance_type, self.instance_count)
        if self.strategy == 'MultiRecord' and split_type in (None, 'None'):
            raise ValueError("strategy 'MultiRecord' needs split_type Line or RecordIO")
        objects = self.session.s3.list(data)
        if not objects: raise ValueError(f'no objects under {data}')
        out_prefix = (self.output_path or f's3://{self.session.default_bucket()}/transform-output').rstrip('/')
        _, in_prefix = parse_s3_uri(data)
        summary = {'TransformJobStatus': 'Completed', 'Outputs': [], 'FailureReason': None}
        for uri in objects:
            key = parse_s3_uri(uri)[1][len(in_prefix):].lstrip('/') or uri.rsplit('/', 1)[-1]
            try:
                out = transform_object(est, self.session.s3.get_bytes(uri), uri, content_type, self.accept, split_type,
                                       self.strategy, self.max_payload, input_filter, join_source, output_filter, self.assemble_with,
                                       self.max_concurrent_transforms)
            except ValueError as e:
                summary['TransformJobStatus'] = 'Failed'; summary['FailureReason'] = summary['FailureReason'] or str(e)
                continue
            summary['Outputs'].append(self.session.s3.put_bytes(f'{out_prefix}/{key}.out', out))
        return summary
