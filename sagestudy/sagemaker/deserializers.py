"`sagemaker.deserializers` at the SDK's module path (hand-written re-export; the code and its lesson live in nbs/70_sdk/76_hosting.ipynb)."
from sagestudy.sagemaker.hosting import (BaseDeserializer, SimpleBaseDeserializer, BytesDeserializer, StringDeserializer,
                                         StreamDeserializer, CSVDeserializer, JSONDeserializer, JSONLinesDeserializer, NumpyDeserializer,
                                         PandasDeserializer)

__all__ = ['BaseDeserializer', 'SimpleBaseDeserializer', 'BytesDeserializer', 'StringDeserializer', 'StreamDeserializer',
           'CSVDeserializer', 'JSONDeserializer', 'JSONLinesDeserializer', 'NumpyDeserializer', 'PandasDeserializer']
