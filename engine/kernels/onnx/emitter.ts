import type { Aval } from '../../core/aval.js';
import type { DType } from '../../core/dtype.js';
import { DATA_TYPE, encodeAttribute, type OnnxAttr } from '../../import/onnx/schema.js';

export type { OnnxAttr };

/** The Microsoft contrib domain of onnxruntime (FusedMatMul: batched matmul with transpose flags). */
export const MS_DOMAIN = 'com.microsoft';

/** ONNX element types of our two dtypes, and the bool masks `Where` takes. */
export const ONNX_TYPE = { float32: DATA_TYPE.FLOAT, int32: DATA_TYPE.INT32, int64: DATA_TYPE.INT64, bool: DATA_TYPE.BOOL } as const;

export function onnxType(dtype: DType): number {
  return ONNX_TYPE[dtype];
}

/**
 * What a primitive's `onnx` rule writes into: nodes (each returns the name of its one output)
 * and constant initializers, deduplicated by a key so a graph of 50 000 nodes does not carry
 * 5 000 copies of the same shape vector.
 */
export interface OnnxEmitter {
  node(opType: string, inputs: readonly string[], attrs?: Readonly<Record<string, OnnxAttr>>, domain?: string): string;
  /** A node with `count` outputs (e.g. MaxPool's values and indices). */
  nodeOutputs(opType: string, inputs: readonly string[], count: number, attrs?: Readonly<Record<string, OnnxAttr>>): string[];
  /** A 1-D int64 initializer (shapes, axes, pads, slice bounds). */
  int64s(values: readonly number[]): string;
  /** A float32 initializer; `key` deduplicates it (omit it for one-off values). */
  floats(values: ArrayLike<number>, shape: readonly number[], key?: string): string;
  /** A float32 scalar initializer (deduplicated by value); broadcasting ops take it as is. */
  scalar(value: number): string;
  /** `x` converted to one of the element types (a Cast node). */
  cast(x: string, to: keyof typeof ONNX_TYPE): string;
}

/** Plain objects shaped like `onnx.NodeProto` / `onnx.TensorProto`, for protobufjs' `fromObject`. */
export interface NodeObject {
  name: string;
  op_type: string;
  domain?: string;
  input: string[];
  output: string[];
  attribute: Record<string, unknown>[];
}

export interface TensorObject {
  name: string;
  dims: number[];
  data_type: number;
  raw_data: Uint8Array;
}

function rawBytes(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** Collects nodes and initializers; names are `t<k>` for temporaries, chosen by the caller otherwise. */
export class GraphEmitter implements OnnxEmitter {
  readonly nodes: NodeObject[] = [];
  readonly initializers: TensorObject[] = [];
  private readonly byKey = new Map<string, string>();
  private readonly byNode = new Map<string, string>();
  /**
   * Nodes are only merged within one scope: the lowering gives recomputed (rematerialised) ops
   * their own, so a recomputation the user asked for to save memory is never merged away.
   */
  cseScope = '';
  private nextName = 0;

  fresh(prefix = 't'): string {
    return `${prefix}${this.nextName++}`;
  }

  node(opType: string, inputs: readonly string[], attrs: Readonly<Record<string, OnnxAttr>> = {}, domain?: string, output?: string): string {
    // The same op on the same values is emitted once (e.g. one bool Cast of a mask that several
    // selects share): every op lowered here is a pure function of its inputs.
    const key = output === undefined ? `${this.cseScope}|${domain ?? ''}:${opType}(${inputs.join(',')})${JSON.stringify(attrs)}` : undefined;
    const known = key === undefined ? undefined : this.byNode.get(key);
    if (known !== undefined) return known;
    const out = output ?? this.fresh();
    if (key !== undefined) this.byNode.set(key, out);
    this.nodes.push({
      name: out,
      op_type: opType,
      ...(domain ? { domain } : {}),
      input: [...inputs],
      output: [out],
      attribute: Object.entries(attrs).map(([k, a]) => encodeAttribute(k, a)),
    });
    return out;
  }

  nodeOutputs(opType: string, inputs: readonly string[], count: number, attrs: Readonly<Record<string, OnnxAttr>> = {}): string[] {
    const outs = Array.from({ length: count }, () => this.fresh());
    this.nodes.push({ name: outs[0], op_type: opType, input: [...inputs], output: outs, attribute: Object.entries(attrs).map(([k, a]) => encodeAttribute(k, a)) });
    return outs;
  }

  private initializer(key: string | undefined, make: () => Omit<TensorObject, 'name'>): string {
    const known = key === undefined ? undefined : this.byKey.get(key);
    if (known) return known;
    const name = this.fresh('c');
    this.initializers.push({ name, ...make() });
    if (key !== undefined) this.byKey.set(key, name);
    return name;
  }

  int64s(values: readonly number[]): string {
    return this.initializer(`i64:${values.join(',')}`, () => ({
      dims: [values.length],
      data_type: ONNX_TYPE.int64,
      raw_data: rawBytes(BigInt64Array.from(values, (v) => BigInt(v))),
    }));
  }

  floats(values: ArrayLike<number>, shape: readonly number[], key?: string): string {
    return this.initializer(key === undefined ? undefined : `f32:${shape.join(',')}:${key}`, () => ({
      dims: [...shape],
      data_type: ONNX_TYPE.float32,
      raw_data: rawBytes(Float32Array.from(values)),
    }));
  }

  scalar(value: number): string {
    return this.floats([value], [], `${value}`);
  }

  cast(x: string, to: keyof typeof ONNX_TYPE): string {
    return this.node('Cast', [x], { to: { int: ONNX_TYPE[to] } });
  }
}

/** What an `onnx` rule knows about the values it lowers. */
export interface OnnxContext {
  readonly inputs: readonly Aval[];
  readonly out: Aval;
}
