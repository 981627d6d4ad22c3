/**
 * Host arrays of the import: initializers, Constant nodes and everything folded from them
 * (shape arithmetic). Numbers are float64 whatever the file stores; int64 values beyond 2^53
 * (PyTorch's "to the end" slice bound 2^63−1) are clamped to ±2^53, which every consumer
 * reads as "past the end".
 */
import { DATA_TYPE, type TensorProto } from './schema.js';
import { OnnxImportError } from './errors.js';

export type ConstKind = 'float' | 'int' | 'bool';

export interface ConstArray {
  readonly kind: ConstKind;
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

export function constArray(kind: ConstKind, shape: readonly number[], data: ArrayLike<number>): ConstArray {
  const n = shape.reduce((a, d) => a * d, 1);
  if (data.length !== n) throw new Error(`constArray: ${data.length} values for shape [${shape}]`);
  return { kind, shape: [...shape], data: Float64Array.from(data) };
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, d) => a * d, 1);
}

const FLOATS = new Set<number>([DATA_TYPE.FLOAT, DATA_TYPE.DOUBLE, DATA_TYPE.FLOAT16]);
const INTS = new Set<number>([DATA_TYPE.INT8, DATA_TYPE.UINT8, DATA_TYPE.INT16, DATA_TYPE.UINT16, DATA_TYPE.INT32, DATA_TYPE.INT64, DATA_TYPE.UINT32, DATA_TYPE.UINT64]);

/** The kind of an ONNX element type, or undefined for strings and other non-numbers. */
export function kindOf(dataType: number): ConstKind | undefined {
  if (FLOATS.has(dataType)) return 'float';
  if (INTS.has(dataType)) return 'int';
  if (dataType === DATA_TYPE.BOOL) return 'bool';
  return undefined;
}

const BIG = 2 ** 53;

function clampInt(x: bigint): number {
  return x > BigInt(BIG) ? BIG : x < -BigInt(BIG) ? -BIG : Number(x);
}

/** IEEE half precision to a number. */
function half(bits: number): number {
  const s = bits & 0x8000 ? -1 : 1;
  const e = (bits >> 10) & 0x1f;
  const f = bits & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

function fromRaw(raw: Uint8Array, dataType: number, n: number, where: string): Float64Array {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const width: Record<number, number> = {
    [DATA_TYPE.FLOAT]: 4, [DATA_TYPE.DOUBLE]: 8, [DATA_TYPE.FLOAT16]: 2, [DATA_TYPE.INT8]: 1, [DATA_TYPE.UINT8]: 1,
    [DATA_TYPE.INT16]: 2, [DATA_TYPE.UINT16]: 2, [DATA_TYPE.INT32]: 4, [DATA_TYPE.UINT32]: 4, [DATA_TYPE.INT64]: 8,
    [DATA_TYPE.UINT64]: 8, [DATA_TYPE.BOOL]: 1,
  };
  const w = width[dataType]!;
  if (raw.byteLength !== n * w) throw new OnnxImportError(where, `raw_data holds ${raw.byteLength} bytes, the shape needs ${n * w}`);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * w;
    switch (dataType) {
      case DATA_TYPE.FLOAT: out[i] = view.getFloat32(o, true); break;
      case DATA_TYPE.DOUBLE: out[i] = view.getFloat64(o, true); break;
      case DATA_TYPE.FLOAT16: out[i] = half(view.getUint16(o, true)); break;
      case DATA_TYPE.INT8: out[i] = view.getInt8(o); break;
      case DATA_TYPE.UINT8: case DATA_TYPE.BOOL: out[i] = view.getUint8(o); break;
      case DATA_TYPE.INT16: out[i] = view.getInt16(o, true); break;
      case DATA_TYPE.UINT16: out[i] = view.getUint16(o, true); break;
      case DATA_TYPE.INT32: out[i] = view.getInt32(o, true); break;
      case DATA_TYPE.UINT32: out[i] = view.getUint32(o, true); break;
      case DATA_TYPE.INT64: out[i] = clampInt(view.getBigInt64(o, true)); break;
      case DATA_TYPE.UINT64: out[i] = clampInt(view.getBigUint64(o, true)); break;
    }
  }
  return out;
}

/** A TensorProto's values; `where` names it in errors (external data and strings are refused). */
export function fromTensorProto(t: TensorProto, where: string): ConstArray {
  const dataType = t.data_type ?? 0;
  const kind = kindOf(dataType);
  if (!kind) throw new OnnxImportError(where, `tensor of element type ${dataType} (only numbers and booleans are supported)`);
  if (t.data_location === 1) throw new OnnxImportError(where, 'tensor data stored in an external file (save the model with its data embedded)');
  const shape = (t.dims ?? []).map(Number);
  const n = sizeOf(shape);
  let data: Float64Array;
  if (t.raw_data && t.raw_data.length > 0) data = fromRaw(t.raw_data, dataType, n, where);
  else {
    const field =
      dataType === DATA_TYPE.FLOAT ? t.float_data
        : dataType === DATA_TYPE.DOUBLE ? t.double_data
          : dataType === DATA_TYPE.INT64 ? t.int64_data
            : dataType === DATA_TYPE.UINT64 || dataType === DATA_TYPE.UINT32 ? t.uint64_data
              : t.int32_data;
    const values = (field ?? []).map(Number);
    if (dataType === DATA_TYPE.FLOAT16) values.forEach((v, i) => (values[i] = half(v)));
    if (values.length !== n) throw new OnnxImportError(where, `tensor holds ${values.length} values, its shape [${shape}] needs ${n}`);
    data = Float64Array.from(values, (v) => (Math.abs(v) > BIG && kind === 'int' ? Math.sign(v) * BIG : v));
  }
  return { kind, shape, data };
}
