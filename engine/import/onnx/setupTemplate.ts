/**
 * A starting `mixflow-setup/1` for an `.onnx` file (the editor's "New Setup from Model…"):
 * the model by file name, cross-entropy over its outputs, SGD with a learned log_lr,
 * synthetic batches of the input's shape, meta-gradients of θ₀ and log_lr. Reads only the
 * protobuf header (inputs, outputs, initializer names), so the editor needs no engine for it.
 */
import { decodeModel } from './decode.js';
import { OnnxImportError } from './errors.js';

export interface SetupTemplate {
  readonly json: Record<string, unknown>;
  /** The input's shape, batch first (`B` for a symbolic or unknown batch dimension). */
  readonly input: readonly (number | string)[];
  /** The first output's shape as the file declares it (may be partly unknown). */
  readonly output: readonly (number | string)[];
}

type Dim = { dim_value?: number; dim_param?: string };

function dims(ds: readonly Dim[] | undefined): (number | string)[] {
  return (ds ?? []).map((d, i) => (d.dim_value ? Number(d.dim_value) : i === 0 ? 'B' : (d.dim_param ?? '?')));
}

export function setupTemplate(bytes: Uint8Array, fileName: string): SetupTemplate {
  const graph = decodeModel(bytes).graph!;
  const inits = new Set((graph.initializer ?? []).map((t) => t.name));
  const inputs = (graph.input ?? []).filter((i) => !inits.has(i.name ?? ''));
  if (inputs.length !== 1) {
    throw new OnnxImportError('graph inputs', `the graph has ${inputs.length} inputs that are not initializers; a setup feeds exactly one, the batch x`);
  }
  const input = dims(inputs[0]!.type?.tensor_type?.shape?.dim);
  input[0] = 'B';
  const output = dims(graph.output?.[0]?.type?.tensor_type?.shape?.dim);
  const json = {
    format: 'mixflow-setup/1',
    model: { kind: 'onnx', file: fileName, block_depth: 1 },
    loss: 'xent',
    theta0: { from: 'model' },
    optimizer: { kind: 'sgd' },
    inner: { synthetic: { seed: 1, batch: 8 }, steps: 3 },
    outer: { synthetic: { seed: 2, batch: 8 } },
    eta: { log_lr: Math.log(0.01) },
    wrt: ['theta0', 'log_lr'],
  };
  return { json, input, output };
}
