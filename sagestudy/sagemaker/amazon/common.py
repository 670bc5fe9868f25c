"`sagemaker.amazon.common` at the SDK's module path (hand-written re-export; the code lives in nbs/70_sdk/74_amazon_estimators.ipynb)."
from sagestudy.sagemaker.amazon.amazon_estimator import (RecordSerializer, RecordDeserializer, Record, Value, Tensor,
    write_numpy_to_dense_tensor, write_spmatrix_to_sparse_tensor, read_records, read_recordio)

__all__ = ['RecordSerializer', 'RecordDeserializer', 'Record', 'Value', 'Tensor', 'write_numpy_to_dense_tensor',
           'write_spmatrix_to_sparse_tensor', 'read_records', 'read_recordio']
