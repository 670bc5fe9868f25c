"""Write the malformed-input corpus that tests/test_hardening_data.py reads: `python tests/corpus/data/make_corpus.py`.

Text cases are written verbatim; binary ones (RecordIO-protobuf, Parquet, gzip, tar.gz) are built here from a
known-good file and then damaged, so a reader can see exactly what each one gets wrong. `cases.json` lists every
file with how it is read and the error (class and text, including where) that sagestudy must give."""
import gzip, io, json, struct, tarfile
from pathlib import Path
import numpy as np, pandas as pd
from sagestudy.core import formats
from sagestudy.core.formats import encode_record, write_records, write_recordio_protobuf, MAGIC

HERE = Path(__file__).resolve().parent
CASES = []

def case(path, mode, expect, error='DataFormatError', data=None, **kw):
    "Write `data` (bytes or str) at `path` (when given) and record how it is read and what must come back"
    p = HERE/path
    p.parent.mkdir(parents=True, exist_ok=True)
    if data is not None: p.write_bytes(data.encode() if isinstance(data, str) else data)
    CASES.append(dict(file=path, mode=mode, error=error, expect=expect, **kw))

def frame(payload:bytes, cflag:int=0)->bytes:
    return struct.pack('<II', MAGIC, cflag << 29 | len(payload)) + payload + b'\0' * (-len(payload) % 4)

def sparse(keys, shape, values=None):
    values = np.ones(len(keys), np.float32) if values is None else np.asarray(values, np.float32)
    return encode_record({'features': {'values': dict(values=values, keys=keys, shape=shape)}})

def instance(keys, shape, values): return {'data': {'features': {'keys': keys, 'shape': shape, 'values': values}}}
def body(*instances): return json.dumps({'instances': list(instances)})

# ---------------------------------------------------------------- CSV (training files)
csv = dict(mode='read', content_type='text/csv')
case('csv/header.csv', expect='header.csv, line 1: looks like a header row', data='label,a,b\n1,2,3\n', **csv)
case('csv/nonnumeric.csv', expect="nonnumeric.csv, line 2: non-numeric value 'abc' in column 2", data='1,2,3\n0,abc,4\n', **csv)
case('csv/ragged.csv', expect='ragged.csv, line 3: expected 3 columns, got 2', data='1,2,3\n\n0,1\n', **csv)
case('csv/underscore.csv', expect="underscore.csv, line 2: non-numeric value '1_0' in column 2", data='1,2\n1,1_0\n', **csv)
case('csv/inf.csv', expect="inf.csv, line 2: value 'inf' in column 2 is infinite", data='1,2\n0,inf\n', **csv)
case('csv/overflow.csv', expect="overflow.csv, line 2: value '1e400' in column 2 is infinite or out of the float32 range", data='1,2\n0,1e400\n', **csv)
case('csv/float32_overflow.csv', expect="float32_overflow.csv, line 1: value '1e39' in column 2", data='1,1e39\n', **csv)
case('csv/label_only.csv', expect='label_only.csv, line 1: 1 columns leave no features', data='1\n2\n', **csv)
case('csv/not_utf8.csv', expect='not_utf8.csv, line 2: not UTF-8 text', data=b'1,2\n\xff\xfe,3\n', **csv)
case('csv/empty_field.csv', expect="empty_field.csv, line 2: non-numeric value '' in column 2", data='1,2,3\n1,,2\n', **csv)
case('csv/hex.csv', expect="hex.csv, line 2: non-numeric value '0x10' in column 2", data='1,2\n1,0x10\n', **csv)
chan = dict(mode='channel', content_type='text/csv', algorithm='knn')
case('csv/empty.csv', expect="channel 'train', file empty.csv: the file holds no records (it is empty)", data='', **chan)
case('csv/blank_lines.csv', expect="channel 'train', file blank_lines.csv: the file holds no records", data='\n\n \n', **chan)
case('csv/nan_feature.csv', expect="channel 'train', file nan_feature.csv, line 3: column 3 is nan: this algorithm does not accept missing",
     data='1,2,3\n\n0,1,nan\n', **chan)
case('csv/nan_label.csv', expect="channel 'train', file nan_label.csv, line 2: the label is [nan]", data='1,2\nnan,3\n', **chan)
case('csv/wide_second_file.csv', with_files={'a.csv': '1,2\n0,3\n'}, expect="channel 'train', file wide_second_file.csv, line 1: rows have 2 features; a.csv has 1",
     data='1,2,3\n', **chan)

# ---------------------------------------------------------------- libsvm
svm = dict(mode='read', content_type='text/libsvm')
case('libsvm/huge_index.libsvm', expect='huge_index.libsvm, line 1: feature index 4,000,000,000 is beyond the limit of 16,777,216 features',
     data='1 4000000000:1', **svm)
case('libsvm/duplicate.libsvm', expect='duplicate.libsvm, line 1: feature index 2 appears twice in one row', data='1 2:1 2:5\n', **svm)
case('libsvm/negative_index.libsvm', expect="negative_index.libsvm, line 1: feature index '-1' is not a non-negative integer", data='1 -1:1\n', **svm)
case('libsvm/bad_value.libsvm', expect="bad_value.libsvm, line 1: value of feature 0 'x' is not a number", data='1 0:x\n', **svm)
case('libsvm/inf_value.libsvm', expect="inf_value.libsvm, line 2: value of feature 0 'inf' is infinite", data='0 1:1\n1 0:inf\n', **svm)
case('libsvm/overflow.libsvm', expect="overflow.libsvm, line 1: value of feature 3 '1e400' is out of the float32 range", data='1 3:1e400\n', **svm)
case('libsvm/underscore_label.libsvm', expect="underscore_label.libsvm, line 1: label '1_0' is not a number", data='1_0 0:1\n', **svm)
case('libsvm/weights.libsvm', expect='weights.libsvm, line 1: label \'1:0.5\': instance weights', data='1:0.5 0:1\n', **svm)
case('libsvm/no_colon.libsvm', expect="no_colon.libsvm, line 2: expected index:value, got '2-3'", data='1 0:1\n1 2-3\n', **svm)
case('libsvm/unicode_digit.libsvm', expect="unicode_digit.libsvm, line 1: feature index '\u0663' is not a non-negative integer",
     data='1 \u0663:1\n', **svm)
case('libsvm/empty.libsvm', mode='channel', content_type='text/libsvm', algorithm='xgboost',
     expect="channel 'train', file empty.libsvm: the file holds no records", data='# only a comment\n')
case('libsvm/typo_31_bytes.libsvm', mode='channel', content_type='text/libsvm', algorithm='xgboost', memory_limited=True,
     expect="channel 'train', file typo_31_bytes.libsvm, line 2: feature index 4,000,000,000 is beyond the limit",
     data='0 1:1\n1 4000000000:1\n0 2:1 3:1\n')

# ---------------------------------------------------------------- RecordIO-protobuf
rio = dict(mode='read', content_type='application/x-recordio-protobuf')
good = io.BytesIO(); write_recordio_protobuf(good, np.eye(3, dtype=np.float32), np.ones(3, np.float32)); good = good.getvalue()
case('recordio/bad_magic.rec', expect='bad_magic.rec, record 2: bad magic number 0xced72300', data=good[:56] + b'\0' + good[57:], **rio)
case('recordio/truncated_header.rec', expect='truncated_header.rec, record 3: truncated record: only 4 of the 8 header bytes', data=good[:116], **rio)
case('recordio/truncated_payload.rec', expect='truncated_payload.rec, record 3: truncated record: length word says 48 bytes, only 38 left', data=good[:-10], **rio)
case('recordio/huge_length.rec', expect='huge_length.rec, record 1: truncated record: length word says 536870911 bytes, only 4 left',
     data=struct.pack('<II', MAGIC, (1 << 29) - 1) + b'abcd', memory_limited=True, **rio)
case('recordio/bad_protobuf.rec', expect='bad_protobuf.rec, record 4: invalid protobuf payload', data=good + frame(b'\x07'), **rio)
case('recordio/sparse_negative_key.rec', expect='sparse_negative_key.rec, record 1: key 18446744073709551615 out of range for shape [5]',
     data=frame(sparse([-1], [5])), **rio)
case('recordio/sparse_huge_shape.rec', expect='sparse_huge_shape.rec, record 1: shape [1,099,511,627,776] exceeds the limit of 16,777,216 features',
     data=frame(sparse([1], [2**40])), memory_limited=True, **rio)
case('recordio/sparse_dup_key.rec', expect='sparse_dup_key.rec, record 2: key 1 appears more than once',
     data=frame(sparse([0, 1], [5])) + frame(sparse([1, 1], [5])), **rio)
case('recordio/sparse_count_mismatch.rec', expect='sparse_count_mismatch.rec, record 1: 2 keys for 1 values', data=frame(sparse([0, 1], [5], [1.0])), **rio)
case('recordio/sparse_zero_shape.rec', expect='sparse_zero_shape.rec, record 1: shape [0] must be positive', data=frame(sparse([], [0], [])), **rio)
case('recordio/mixed_layout.rec', expect='mixed_layout.rec, record 4: record is dense float32[4], no label but the first was dense float32[3], label float32[1]',
     data=good + frame(encode_record({'features': {'values': np.ones(4, np.float32)}})), **rio)
bytes_value = formats._len_field(1, formats._len_field(1, b'values') + formats._len_field(2, formats._len_field(9, formats._len_field(1, b'abc'))))
case('recordio/bytes_tensor.rec', expect='bytes_tensor.rec, record 1: unsupported tensor type Bytes', data=frame(bytes_value), **rio)
case('recordio/unterminated_multipart.rec', expect='unterminated_multipart.rec, record 1: file ends inside a multi-part record',
     data=frame(b'\x0a\x00', cflag=1), **rio)
case('recordio/not_recordio.rec', expect='not_recordio.rec, record 1: bad magic number', data='1,2,3\n4,5,6\n', **rio)
case('recordio/empty.rec', mode='channel', content_type='application/x-recordio-protobuf', algorithm='factorization-machines',
     expect="channel 'train', file empty.rec: the file holds no records", data=b'')

# ---------------------------------------------------------------- DeepAR JSON Lines
ok = '{"start": "2021-01-01 00:00:00", "target": [1, 2, 3]}\n'
dar = dict(mode='deepar')
case('deepar/start_now.json', expect="start_now.json, line 3: field 'start' = 'now' is not a date", data=ok + '\n' + '{"start": "now", "target": [1]}\n', **dar)
case('deepar/start_int.json', expect="start_int.json, line 1: field 'start' = 12345 is not a date", data='{"start": 12345, "target": [1]}\n', **dar)
case('deepar/start_timezone.json', expect="start_timezone.json, line 1: field 'start' = '2021-01-01 00:00:00+02:00' is not a date",
     data='{"start": "2021-01-01 00:00:00+02:00", "target": [1]}\n', **dar)
case('deepar/start_invalid_day.json', expect="start_invalid_day.json, line 1: field 'start' = '2021-02-30' is not a valid date",
     data='{"start": "2021-02-30", "target": [1]}\n', **dar)
case('deepar/infinity_target.json', expect="infinity_target.json, line 2: field 'target' (position 1) holds inf, which is infinite",
     data=ok + '{"start": "2021-01-01", "target": [1, Infinity]}\n', **dar)
case('deepar/overflow_target.json', expect="overflow_target.json, line 1: field 'target' (position 0) holds inf", data='{"start": "2021-01-01", "target": [1e400]}\n', **dar)
case('deepar/string_target.json', expect="string_target.json, line 1: field 'target' (position 1) holds '1_0'; expected a number",
     data='{"start": "2021-01-01", "target": [1, "1_0"]}\n', **dar)
case('deepar/bad_json.json', expect='bad_json.json, line 2: invalid JSON', data=ok + '{"start": "2021-01-01", "target": [1,\n', **dar)
case('deepar/not_object.json', expect='not_object.json, line 1: expected a JSON object, got list', data='[1, 2]\n', **dar)
case('deepar/unknown_field.json', expect="unknown_field.json, line 1: unknown field 'targt'", data='{"start": "2021-01-01", "targt": [1]}\n', **dar)
case('deepar/deep_nesting.json', expect='deep_nesting.json, line 1: invalid JSON: nested too deeply', data='[' * 100_000 + '\n', **dar)
case('deepar/gzip_truncated.json.gz', expect='gzip_truncated.json.gz: not a readable gzip file', data=gzip.compress((ok * 50).encode())[:40], **dar)
case('deepar/empty.json', expect='empty.json: the file holds no records', data='\n', **dar)
b_lines = [json.dumps({'start': '2021-01-01 00:00:00', 'target': [float(i)] * 40}) for i in range(6)]
b_lines.insert(6, json.dumps({'start': '2021-01-01 00:00:00', 'target': [0.5] * 40}))   # line 7: not a count
case('deepar/b.json', mode='deepar_fit', with_files={'a.json': '\n'.join(json.dumps({'start': '2021-01-01 00:00:00', 'target': [1.0] * 40}) for _ in range(6)) + '\n'},
     expect="channel 'train', file b.json, line 7: likelihood='negative-binomial' needs non-negative integer counts", data='\n'.join(b_lines) + '\n')

# ---------------------------------------------------------------- Parquet
def parquet(df): buf = io.BytesIO(); df.to_parquet(buf); return buf.getvalue()
pq_ = dict(mode='read', content_type='application/x-parquet')
case('parquet/uint64_label.parquet', expect="uint64_label.parquet, record 2: column 'label' holds the integer 18446744073709551615, which float32 cannot hold exactly",
     data=parquet(pd.DataFrame({'label': np.array([1, 2**64 - 1], np.uint64), 'x': [0.5, 1.5]})), **pq_)
case('parquet/big_int_feature.parquet', expect="big_int_feature.parquet, record 1: column 'x' holds the integer 16777217",
     data=parquet(pd.DataFrame({'label': [1.0], 'x': np.array([2**24 + 1], np.int64)})), **pq_)
case('parquet/label_only.parquet', expect='label_only.parquet: 1 column(s) leave no features after 1 label column(s)', data=parquet(pd.DataFrame({'label': [1.0, 0.0]})), **pq_)
case('parquet/string_column.parquet', expect="string_column.parquet: column 'city' has type", data=parquet(pd.DataFrame({'label': [1.0], 'city': ['Oslo']})), **pq_)
case('parquet/not_parquet.parquet', expect='not_parquet.parquet: not a readable Parquet file', data='1,2,3\n', **pq_)
whole = parquet(pd.DataFrame({'label': np.arange(50.0), 'x': np.arange(50.0)}))
case('parquet/truncated.parquet', expect='truncated.parquet: not a readable Parquet file', data=whole[:len(whole) // 2], **pq_)
case('parquet/inf_value.parquet', expect='inf_value.parquet, record 2: a value is infinite', data=parquet(pd.DataFrame({'label': [1.0, 0.0], 'x': [0.5, np.inf]})), **pq_)

# ---------------------------------------------------------------- inference request bodies (a model with 5 features)
inf = dict(mode='inference', content_type='application/json', n_features=5)
case('request/negative_keys.json', expect='request body, record 1: key -40 is negative; keys must satisfy 0 <= key < 5',
     data='{"instances":[{"data":{"features":{"keys":[-1,-40],"shape":[5],"values":[1,1]}}}]}', **inf)
case('request/huge_shape.json', expect='request body, record 1: shape [4000000000] is wider than the model, which has 5 features',
     data=body(instance([1], [4_000_000_000], [1])), memory_limited=True, **inf)
case('request/huge_shape_no_model.json', mode='inference', content_type='application/json',
     expect='request body, record 1: shape [4,000,000,000] exceeds the limit of 16,777,216 features', data=body(instance([1], [4_000_000_000], [1])))
case('request/key_beyond_shape.json', expect='request body, record 2: key 5 out of range for shape [5]', data=body(instance([0], [5], [1]), instance([5], [5], [1])), **inf)
case('request/dup_keys.json', expect='request body, record 1: key 2 appears more than once', data=body(instance([2, 2], [5], [1, 5])), **inf)
case('request/string_value.json', expect="request body, record 1: 'values'[0] = '1_0': expected a number", data=body({'features': ['1_0', 2, 3, 4, 5]}), **inf)
case('request/bool_value.json', expect="request body, record 1: 'values'[1] = True: expected a number", data=body({'features': [1, True, 3, 4, 5]}), **inf)
case('request/float_key.json', expect="request body, record 1: 'keys'[0] = 1.5: expected an integer", data=body(instance([1.5], [5], [1])), **inf)
case('request/string_shape.json', expect="request body, record 1: 'shape'[0] = '5': expected an integer", data=body(instance([1], ['5'], [1])), **inf)
case('request/no_shape.json', expect="request body, record 1: sparse features need 'shape' next to 'keys'",
     data=json.dumps({'instances': [{'data': {'features': {'keys': [1], 'values': [1]}}}]}), **inf)
case('request/shape_2d.json', expect='request body, record 1: a sparse row needs shape [n_cols], got [2, 3]', data=body(instance([1], [2, 3], [1])), **inf)
case('request/overflow_value.json', expect="request body, record 1: 'values'[2] = inf is infinite", data='{"instances": [{"features": [1, 2, 1e400, 4, 5]}]}', **inf)
case('request/huge_key.json', expect="request body, record 1: 'keys' holds an integer beyond 64 bits", data=body(instance([2**70], [5], [1])), **inf)
case('request/nested.json', expect='request body: invalid JSON: nested too deeply', data='[' * 100_000, **inf)
case('request/not_instances.json', expect='request body: expected a JSON object {"instances": [...]}', data='[1, 2]', **inf)
case('request/empty_instances.json', expect='request body: the request holds no instances', data='{"instances": []}', **inf)
case('request/wide_dense.json', expect='request body: records have 6 features; the model has 5', data=body({'features': [1, 2, 3, 4, 5, 6]}), **inf)
case('request/values_not_list.json', expect="request body, record 1: 'values' must be a list, got dict", data=body({'features': {'a': 1}}), **inf)
case('request/negative_keys.jsonl', mode='inference', content_type='application/jsonlines', n_features=5,
     expect='request body, record 2: key -3 is negative', data='{"features": [1, 2, 3, 4, 5]}\n{"data": {"features": {"keys": [-3], "shape": [5], "values": [1]}}}\n')
case('request/huge_index.libsvm', mode='inference', content_type='text/libsvm', n_features=5, memory_limited=True,
     expect='request body, line 1: feature index 4000000000 >= n_features=5', data='1 4000000000:1')
case('request/huge_index_no_model.libsvm', mode='inference', content_type='text/libsvm',
     expect='request body, line 1: feature index 4,000,000,000 is beyond the limit', data='1 4000000000:1')
case('request/wide_sparse_no_model.json', mode='inference', content_type='application/json',
     expect='request body: 10 sparse records of width 10,000,000 would densify to 100,000,000 numbers', data=body(*[instance([0], [10_000_000], [1])] * 10))
case('request/negative_key.rec', mode='inference', content_type='application/x-recordio-protobuf', n_features=5,
     expect='request body, record 1: key 18446744073709551615 out of range for shape [5]', data=frame(sparse([-1], [5])))
case('request/too_wide.csv', mode='inference', content_type='text/csv', n_features=5, expect='request body: records have 6 features; the model has 5', data='1,2,3,4,5,6\n')

# ---------------------------------------------------------------- model.tar.gz
def targz(members)->bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w:gz') as tar:
        for name, data, kind in members:
            info = tarfile.TarInfo(name)
            if kind == 'link': info.type, info.linkname = tarfile.SYMTYPE, '/etc/passwd'; tar.addfile(info)
            else: info.size = len(data); tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()
def declares(size)->bytes:
    "A tar.gz whose model.safetensors header declares `size` bytes, followed by almost none of them"
    info = tarfile.TarInfo('model.safetensors'); info.size = size
    return gzip.compress(info.tobuf(format=tarfile.GNU_FORMAT) + bytes(1024), mtime=0)
mod = dict(mode='model')
case('model/declares_2gib.tar.gz', expect='declares_2gib.tar.gz: model.safetensors declares 2,147,483,648 bytes; a model may hold at most 1,073,741,824',
     data=declares(2**31), memory_limited=True, **mod)
case('model/missing_json.tar.gz', expect='missing_json.tar.gz: not a sagestudy model.tar.gz (missing model.json)', data=targz([('model.safetensors', b'{}', 'file')]), **mod)
case('model/symlink.tar.gz', expect='symlink.tar.gz: model.json must appear once, as a regular file',
     data=targz([('model.safetensors', b'', 'file'), ('model.json', b'', 'link')]), **mod)
case('model/duplicate.tar.gz', expect='duplicate.tar.gz: model.json must appear once, as a regular file',
     data=targz([('model.json', b'{}', 'file'), ('model.json', b'{}', 'file'), ('model.safetensors', b'', 'file')]), **mod)
case('model/not_gzip.tar.gz', expect='not_gzip.tar.gz: not a readable model.tar.gz', data='this is not an archive', **mod)
case('model/corrupt_safetensors.tar.gz', expect='corrupt_safetensors.tar.gz: a model file is corrupt',
     data=targz([('model.safetensors', b'\xff' * 16, 'file'), ('model.json', b'{}', 'file')]), **mod)
case('model/corrupt_json.tar.gz', expect='corrupt_json.tar.gz: a model file is corrupt: JSONDecodeError',
     data=targz([('model.safetensors', b'\x02\x00\x00\x00\x00\x00\x00\x00{}', 'file'), ('model.json', b'{"a": ', 'file')]), **mod)

# ---------------------------------------------------------------- hyperparameters read in files this corpus owns (XGBoost)
hp = dict(mode='xgboost_hp', error='HyperparameterError')
case('hyperparameters/eval_metric_unknown.json', expect="xgboost: hyperparameter 'eval_metric' = 'rmse,acuracy': unknown metric 'acuracy'",
     data=json.dumps({'num_round': '2', 'eval_metric': 'rmse,acuracy'}), **hp)
case('hyperparameters/eval_metric_container_only.json', expect="'f1' is computed by SageMaker's container, not by the xgboost library",
     data=json.dumps({'num_round': '2', 'eval_metric': 'f1', 'objective': 'binary:logistic'}), **hp)
case('hyperparameters/eval_metric_wrong_objective.json', expect="'auc' needs a classification or ranking objective, not 'reg:squarederror'",
     data=json.dumps({'num_round': '2', 'eval_metric': 'auc'}), **hp)

(HERE/'cases.json').write_text(json.dumps(CASES, indent=1, ensure_ascii=False) + '\n')
print(f'{len(CASES)} cases written to {HERE}')
