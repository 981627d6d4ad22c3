/**
 * Writes an ONNX model file (protobuf, the same schema the importer reads) from a plain
 * description: float32 initializers, nodes with typed attributes, one input whose first
 * dimension is the symbolic batch, one output. The bundled example models are generated with
 * it, so nothing is downloaded.
 */
import { DATA_TYPE, encodeAttribute, modelProtoType, type OnnxAttr } from '../../import/onnx/schema.js';


export interface NodeSpec {
  readonly name: string;
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs?: Readonly<Record<string, OnnxAttr>>;
}

export interface InitializerSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly values: ArrayLike<number>;
}

export interface ModelSpec {
  readonly producer: string;
  readonly opset: number;
  /** Shape without the batch dimension, which is written as the symbol `batch`. */
  readonly input: { readonly name: string; readonly shape: readonly number[] };
  readonly output: { readonly name: string; readonly shape: readonly number[] };
  readonly initializers: readonly InitializerSpec[];
  readonly nodes: readonly NodeSpec[];
}

function float32Bytes(values: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return bytes;
}

function valueInfo(name: string, dims: { dim_value?: number; dim_param?: string }[]): Record<string, unknown> {
  return { name, type: { tensor_type: { elem_type: DATA_TYPE.FLOAT, shape: { dim: dims } } } };
}

export function encodeModel(spec: ModelSpec): Uint8Array {
  const type = modelProtoType();
  const batch = { dim_param: 'batch' };
  const model = {
    ir_version: 8,
    producer_name: spec.producer,
    opset_import: [{ domain: '', version: spec.opset }],
    graph: {
      name: spec.producer,
      node: spec.nodes.map((n) => ({
        name: n.name,
        op_type: n.opType,
        input: [...n.inputs],
        output: [...n.outputs],
        attribute: Object.entries(n.attrs ?? {}).map(([k, a]) => encodeAttribute(k, a)),
      })),
      initializer: spec.initializers.map((t) => ({ name: t.name, dims: [...t.shape], data_type: DATA_TYPE.FLOAT, raw_data: float32Bytes(t.values) })),
      input: [valueInfo(spec.input.name, [batch, ...spec.input.shape.map((d) => ({ dim_value: d }))])],
      output: [valueInfo(spec.output.name, [batch, ...spec.output.shape.map((d) => ({ dim_value: d }))])],
    },
  };
  return type.encode(type.fromObject(model)).finish();
}
