/** Bytes of an `.onnx` file → the decoded ModelProto (plain objects), or why not. */
import { OnnxImportError } from './errors.js';
import { modelProtoType, type ModelProto } from './schema.js';

export function decodeModel(bytes: Uint8Array): ModelProto {
  const type = modelProtoType();
  let message;
  try {
    message = type.decode(bytes);
  } catch (e) {
    // protobufjs reports a length or varint running past the end as "index out of range".
    const detail = (e as Error).message;
    const truncated = /index out of range|invalid wire type|premature/i.test(detail);
    throw new OnnxImportError('the file', `${truncated ? 'truncated or corrupt' : 'not a valid'} ONNX protobuf (${bytes.length} bytes; ${detail})`);
  }
  const model = type.toObject(message, { longs: Number, arrays: true }) as ModelProto;
  if (!model.graph) throw new OnnxImportError('the file', `no graph in the ONNX model (${bytes.length} bytes; truncated, or not an ONNX model)`);
  return model;
}
