/**
 * An imported ONNX model as readable PyTorch: one function per remat block (the model's own
 * modules, `/features/0/...`), one line per ONNX node with the model's value names, and the
 * file's initializers and Constant nodes embedded as base64 (θ₀ is the file's values).
 */
import { evaluateNode } from '../../import/onnx/evaluate.js';
import type { ConstArray } from '../../import/onnx/constArray.js';
import type { OnnxModel } from '../../import/onnx/model.js';
import type { OnnxNode } from '../../import/onnx/nodes.js';
import { emitNode, ONNX_HELPERS, usesBatchStatistics } from './onnxOps.js';

const RESERVED = new Set([
  'False', 'None', 'True', 'and', 'as', 'assert', 'break', 'class', 'continue', 'def', 'del', 'elif', 'else', 'except', 'finally',
  'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or', 'pass', 'raise', 'return', 'try', 'while',
  'with', 'yield', 'x', 'theta', 'remat_blocks', 'torch', 'math', 'F', 'json', 'os', 'time', 'dist', 'grad', 'jvp', 'constant',
  'predict', 'ints', 'div', 'softmax', 'reshape', 'unsqueeze', 'squeeze', 'slice_', 'gather', 'pad', 'conv', 'max_pool',
  'avg_pool', 'batch_norm', 'batch_norm_stored', 'layer_norm', 'reduce', 'DECODED', 'gelu', 'DTYPE', 'DEVICE', 'PARAMS', 'WEIGHTS',
]);

/** Python identifiers for ONNX value names: readable (PyTorch's paths without `_output_0`), unique. */
class Names {
  private readonly byValue = new Map<string, string>();
  private readonly used = new Set<string>();

  constructor(inputName: string) {
    this.byValue.set(inputName, 'x');
    this.used.add('x');
  }

  of(value: string): string {
    const known = this.byValue.get(value);
    if (known !== undefined) return known;
    let base = value.replace(/_output_0$/, '').replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '').replace(/__+/g, '_') || 'v';
    if (/^[0-9]/.test(base)) base = `v${base}`;
    let name = base;
    for (let k = 2; RESERVED.has(name) || this.used.has(name); k++) name = `${base}_${k}`;
    this.byValue.set(value, name);
    this.used.add(name);
    return name;
  }
}

/** A host array as an embedded weight: float32 when every value is one, else float64; ints as int64. */
function encode(a: ConstArray): [string, number[], string] {
  if (a.kind === 'float') {
    const f32 = Float32Array.from(a.data);
    const exact = f32.every((v, i) => v === a.data[i] || (Number.isNaN(v) && Number.isNaN(a.data[i]!)));
    const arr = exact ? f32 : Float64Array.from(a.data);
    return [exact ? 'float32' : 'float64', [...a.shape], Buffer.from(arr.buffer).toString('base64')];
  }
  if (a.kind === 'bool') return ['bool', [...a.shape], Buffer.from(Uint8Array.from(a.data)).toString('base64')];
  const i64 = BigInt64Array.from(Array.from(a.data, (v) => BigInt(Math.trunc(v))));
  return ['int64', [...a.shape], Buffer.from(i64.buffer).toString('base64')];
}

interface Block {
  readonly key: string;
  readonly nodes: readonly OnnxNode[];
  readonly inputs: string[];
  readonly outputs: string[];
}

/**
 * The model's segments (its remat blocks) with inputs and outputs recomputed for the program:
 * shape values (int64 tensors here, host constants in the engine) cross blocks too.
 */
function blocks(model: OnnxModel): Block[] {
  const constants = new Set(model.constants.keys());
  const segs = model.segments.map((s) => ({ key: s.key, nodes: s.nodes, produced: new Set(s.nodes.flatMap((n) => n.outputs.filter((o) => o))) }));
  return segs.map((s, i) => {
    const inputs: string[] = [];
    for (const n of s.nodes) {
      for (const name of n.inputs) if (name && !constants.has(name) && !s.produced.has(name) && !inputs.includes(name)) inputs.push(name);
    }
    const laterReads = new Set(segs.slice(i + 1).flatMap((t) => t.nodes.flatMap((n) => n.inputs)));
    const outputs = [...s.produced].filter((name) => laterReads.has(name) || name === model.outputName);
    return { key: s.key, nodes: s.nodes, inputs, outputs };
  });
}

export interface OnnxPython {
  /** param_specs, initial params, helpers, block functions and predict. */
  readonly model: string;
  /** The WEIGHTS table (goes at the end of the file). */
  readonly weights: string;
  /** Why a batch can't be split across processes, if it can't. */
  readonly wholeBatch?: string;
}

/** Python for an imported ONNX model. */
export function onnxModelPy(model: OnnxModel, file: string): OnnxPython {
  const names = new Names(model.inputName);
  const weights = new Map<string, [string, number[], string]>();
  model.params.forEach((p) => weights.set(p.name, encode({ kind: 'float', shape: p.shape, data: p.values })));
  for (const [name, c] of model.constants) weights.set(name, encode(c));
  const helpers = new Set<string>();
  const ref = (value: string): string => (model.constants.has(value) ? `constant(${JSON.stringify(value)})` : names.of(value));

  const functions = blocks(model).map((b, k) => {
    const body: string[] = [];
    for (const node of b.nodes) {
      if (node.opType === 'Constant') {
        const [value] = evaluateNode(node, model.opset, []);
        weights.set(node.outputs[0]!, encode(value as ConstArray));
        body.push(`${names.of(node.outputs[0]!)} = constant(${JSON.stringify(node.outputs[0])})`);
        continue;
      }
      const emitted = emitNode(node, node.inputs.map((i) => (i ? ref(i) : '')), node.outputs.map((o) => (o ? names.of(o) : '')), model.opset);
      emitted.helpers.forEach((h) => helpers.add(h));
      body.push(...emitted.lines);
    }
    const ops = [...new Set(b.nodes.map((n) => n.opType))].join(', ');
    const fn = `block_${k}`;
    const args = b.inputs.map((i) => names.of(i)).join(', ');
    const outs = b.outputs.map((o) => names.of(o));
    const text = [`def ${fn}(${args}):`, `    """${b.key || '(top level)'}: ${ops}."""`, ...body.map((l) => `    ${l}`), `    return ${outs.join(', ')}`].join('\n');
    return { fn, args, outs, text };
  });

  const unpack = model.params.map((p) => names.of(p.name));
  const calls = functions.map((f) => `    ${f.outs.join(', ')} = run_block(${f.fn}, remat_blocks${f.args ? `, ${f.args}` : ''})`);
  // Helpers that call ints() need it too.
  if ([...helpers].some((h) => ['reshape'].includes(h))) helpers.add('ints');
  const helperText = Object.keys(ONNX_HELPERS).filter((h) => helpers.has(h)).map((h) => ONNX_HELPERS[h]).join('');

  const modelText = String.raw`

# --- Model: the ONNX graph of ${file} (opset ${model.opset}), one function per block ------------------
PARAMS = [${model.params.map((p) => `(${JSON.stringify(p.name)}, [${p.shape.join(', ')}], ${JSON.stringify(p.shape.length >= 2 ? 'matrix' : 'vector')})`).join(',\n          ')}]
DECAYED = [kind == "matrix" for _, _, kind in PARAMS]  # weight decay: tensors of rank >= 2
EXAMPLE_SHAPE, PREDICTION_WIDTH = [${model.inputShape.join(', ')}], ${model.outputShape[0]}


DECODED = {}


def initial_params(dtype):
    """θ₀: the model file's own values. Decodes WEIGHTS (end of this file) once, here: torch.func
    transforms can't create tensors from buffers."""
    for name, (kind, shape, data) in WEIGHTS.items():
        DECODED[name] = torch.frombuffer(bytearray(base64.b64decode(data)), dtype=getattr(torch, kind)).reshape(shape)
    return [DECODED[name].to(dtype) for name, _, _ in PARAMS]


def constant(name):
    """A constant of the model on the program's device; floats in its precision."""
    t = DECODED[name]
    return t.to(device=DEVICE, dtype=DTYPE if t.is_floating_point() else t.dtype)
${helperText}

${functions.map((f) => f.text).join('\n\n\n')}


def predict(theta, x, remat_blocks):
    """The graph's prediction for a batch x; with remat_blocks each block is recomputed in the
    backward pass instead of kept."""
    ${unpack.join(', ')}${unpack.length === 1 ? ',' : ''} = theta
${calls.join('\n')}
    return ${names.of(model.outputName)}
`;
  const rows = [...weights].map(([name, [dtype, shape, data]]) => `    ${JSON.stringify(name)}: (${JSON.stringify(dtype)}, [${shape.join(', ')}], "${data}"),`);
  const weightsText = `\n\n# --- The model file's initializers and constants (base64, little-endian) ----------------------------\nWEIGHTS = {\n${rows.join('\n')}\n}\n`;
  const batchStatistics = model.nodes.some((n) => n.opType === 'BatchNormalization' && usesBatchStatistics(n, model.opset));
  const wholeBatch = batchStatistics ? 'BatchNormalization normalises with the statistics of the whole batch' : undefined;
  return { model: modelText, weights: weightsText, wholeBatch };
}
