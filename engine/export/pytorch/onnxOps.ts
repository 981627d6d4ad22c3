/**
 * ONNX nodes as lines of PyTorch: one small rule per op type (the importer's table,
 * engine/import/onnx/ops/, read the same attributes), plus the few helper functions a rule may
 * need, emitted once and only when used. Values are torch tensors throughout, shape arithmetic
 * included (int64 tensors), so a program runs at any batch size.
 */
import { attrFloat, attrInt, attrInts, attrString, hasAttr, type OnnxNode } from '../../import/onnx/nodes.js';
import { DATA_TYPE } from '../../import/onnx/schema.js';

/** Python helpers by name. */
export const ONNX_HELPERS: Readonly<Record<string, string>> = {
  ints: `
def ints(t):
    """An int64 tensor (shape arithmetic) as a list of Python ints (element by element: torch.func
    transforms refuse tolist())."""
    flat = t.reshape(-1)
    return [int(flat[i]) for i in range(flat.numel())]
`,
  div: `
def div(a, b):
    """ONNX Div: integer division truncates."""
    if a.is_floating_point() or b.is_floating_point():
        return a / b
    return torch.div(a, b, rounding_mode="trunc")
`,
  softmax: `
def softmax(x, axis):
    e = torch.exp(x - x.amax(axis, keepdim=True).detach())  # the shift cancels
    return e / e.sum(axis, keepdim=True)
`,
  reshape: `
def reshape(x, shape, allowzero=0):
    """ONNX Reshape: 0 copies the input's dimension (unless allowzero), -1 is inferred."""
    dims = ints(shape)
    return x.reshape([x.shape[i] if d == 0 and not allowzero else d for i, d in enumerate(dims)])
`,
  unsqueeze: `
def unsqueeze(x, axes):
    rank = x.dim() + len(axes)
    for a in sorted(a % rank for a in axes):
        x = x.unsqueeze(a)
    return x
`,
  squeeze: `
def squeeze(x, axes=None):
    axes = [i for i, d in enumerate(x.shape) if d == 1] if axes is None else [a % x.dim() for a in axes]
    for a in sorted(axes, reverse=True):
        x = x.squeeze(a)
    return x
`,
  slice: `
def slice_(x, starts, ends, axes=None, steps=None):
    """ONNX Slice with positive steps (bounds past the end clamp, as in Python)."""
    index = [slice(None)] * x.dim()
    for k, a in enumerate(range(len(starts)) if axes is None else axes):
        step = 1 if steps is None else steps[k]
        if step < 0:
            raise ValueError("Slice with a negative step is not exported")
        index[a] = slice(starts[k], ends[k], step)
    return x[tuple(index)]
`,
  gather: `
def gather(x, indices, axis):
    """ONNX Gather: x's entries along axis at indices (negative ones count from the end)."""
    n = x.shape[axis]
    idx = torch.where(indices < 0, indices + n, indices).long()
    out = torch.index_select(x, axis, idx.reshape(-1).to(x.device))
    return out.reshape([*x.shape[:axis], *idx.shape, *x.shape[axis + 1:]])
`,
  pad: `
def pad(x, pads, value=0.0):
    """ONNX Pad (constant): pads = [begin of each axis…, end of each axis…]."""
    r = x.dim()
    return F.pad(x, [p for a in reversed(range(r)) for p in (pads[a], pads[a + r])], value=value)
`,
  conv: `
def conv(x, w, b, strides, pads, dilations, groups):
    """2-D convolution, NCHW; pads = [top, left, bottom, right]."""
    top, left, bottom, right = pads
    if (top, left) != (bottom, right):
        x, top, left = F.pad(x, [left, right, top, bottom]), 0, 0
    return F.conv2d(x, w, b, strides, (top, left), dilations, groups)
`,
  maxPool: `
def max_pool(x, kernel, strides, pads, dilations, ceil_mode):
    top, left, bottom, right = pads
    if (top, left) != (bottom, right):
        x, top, left = F.pad(x, [left, right, top, bottom], value=-math.inf), 0, 0
    return F.max_pool2d(x, kernel, strides, (top, left), dilations, ceil_mode)
`,
  avgPool: `
def avg_pool(x, kernel, strides, pads, ceil_mode, count_include_pad):
    top, left, bottom, right = pads
    if (top, left) != (bottom, right):
        raise ValueError("AveragePool with asymmetric pads is not exported")
    return F.avg_pool2d(x, kernel, strides, (top, left), ceil_mode, count_include_pad)
`,
  batchNorm: `
def batch_norm(x, scale, bias, eps):
    """BatchNormalization on the batch's statistics (biased variance) over every axis but 1."""
    axes = [0, *range(2, x.dim())]
    centred = x - x.mean(axes, keepdim=True)
    variance = (centred * centred).mean(axes, keepdim=True)
    shape = [1, -1] + [1] * (x.dim() - 2)
    return centred / torch.sqrt(variance + eps) * scale.reshape(shape) + bias.reshape(shape)


def batch_norm_stored(x, scale, bias, mean, var, eps):
    """BatchNormalization with the stored running statistics (constants)."""
    shape = [1, -1] + [1] * (x.dim() - 2)
    return (x - mean.reshape(shape)) / torch.sqrt(var.reshape(shape) + eps) * scale.reshape(shape) + bias.reshape(shape)
`,
  layerNorm: `
def layer_norm(x, scale, bias, axis, eps):
    """LayerNormalization over the axes from axis to the last, biased variance."""
    axes = list(range(axis % x.dim(), x.dim()))
    centred = x - x.mean(axes, keepdim=True)
    y = centred / torch.sqrt((centred * centred).mean(axes, keepdim=True) + eps) * scale
    return y if bias is None else y + bias
`,
  reduce: `
def reduce(f, x, axes, keepdims):
    return f(x, dim=list(range(x.dim())) if axes is None else axes, keepdim=bool(keepdims))
`,
};

/** One node's Python: assignment lines and the helpers they call. */
export interface EmittedNode {
  readonly lines: string[];
  readonly helpers: string[];
}

type Rule = (node: OnnxNode, a: readonly string[], opset: number) => { expr: string; helpers?: string[] } | { lines: string[]; helpers?: string[] };

const list = (xs: readonly number[]): string => `[${xs.join(', ')}]`;
const num = (x: number): string => (Number.isInteger(x) ? `${x}.0` : String(x));

function unary(f: (x: string) => string): Rule {
  return (_, [x]) => ({ expr: f(x!) });
}

function binary(op: string): Rule {
  return (_, [x, y]) => ({ expr: `${x} ${op} ${y}` });
}

/** ONNX element types as torch dtypes; floats take the program's precision. */
function torchDtype(to: number): string {
  if (to === DATA_TYPE.FLOAT || to === DATA_TYPE.DOUBLE || to === DATA_TYPE.FLOAT16) return 'DTYPE';
  if (to === DATA_TYPE.BOOL) return 'torch.bool';
  return 'torch.long';
}

/** Axes from the attribute (older opsets) or an input (newer ones): Python for a list, or None. */
function axesArg(node: OnnxNode, input: string | undefined): { code: string; helpers: string[] } {
  if (hasAttr(node, 'axes')) return { code: list(attrInts(node, 'axes')), helpers: [] };
  if (input) return { code: `ints(${input})`, helpers: ['ints'] };
  return { code: 'None', helpers: [] };
}

function explicitPads(node: OnnxNode): number[] {
  const auto = attrString(node, 'auto_pad', 'NOTSET');
  if (auto === 'VALID') return [0, 0, 0, 0];
  if (auto !== 'NOTSET') throw new Error(`${node.opType} "${node.name}": auto_pad ${auto} is not exported (export the model with explicit pads)`);
  return attrInts(node, 'pads', [0, 0, 0, 0]);
}

function reduceRule(f: string): Rule {
  return (node, [x, axes], opset) => {
    const noop = attrInt(node, 'noop_with_empty_axes', 0) === 1;
    if (noop && !axes && !hasAttr(node, 'axes')) return { expr: x! };
    const ax = axesArg(node, opset >= 13 && f === 'torch.sum' ? axes : opset >= 18 ? axes : undefined);
    return { expr: `reduce(${f}, ${x}, ${ax.code}, ${attrInt(node, 'keepdims', 1)})`, helpers: ['reduce', ...ax.helpers] };
  };
}

/** Whether a BatchNormalization normalises with the batch's statistics (as the importer reads it). */
export function usesBatchStatistics(node: OnnxNode, opset: number): boolean {
  const extra = node.outputs.slice(1).filter((o) => o).length;
  return hasAttr(node, 'training_mode') ? attrInt(node, 'training_mode') === 1 : opset < 14 && extra > 0;
}

const RULES: Readonly<Record<string, Rule>> = {
  Add: binary('+'),
  Sub: binary('-'),
  Mul: binary('*'),
  Div: (_, [x, y]) => ({ expr: `div(${x}, ${y})`, helpers: ['div'] }),
  Pow: binary('**'),
  Equal: binary('=='),
  Less: binary('<'),
  Greater: binary('>'),
  LessOrEqual: binary('<='),
  GreaterOrEqual: binary('>='),
  And: binary('&'),
  Or: binary('|'),
  Not: unary((x) => `~${x}`),
  Neg: unary((x) => `-${x}`),
  Sqrt: unary((x) => `torch.sqrt(${x})`),
  Exp: unary((x) => `torch.exp(${x})`),
  Log: unary((x) => `torch.log(${x})`),
  Tanh: unary((x) => `torch.tanh(${x})`),
  Sigmoid: unary((x) => `torch.sigmoid(${x})`),
  Relu: unary((x) => `torch.relu(${x})`),
  Reciprocal: unary((x) => `1 / ${x}`),
  Erf: unary((x) => `torch.erf(${x})`),
  Floor: unary((x) => `torch.floor(${x})`),
  Ceil: unary((x) => `torch.ceil(${x})`),
  Abs: unary((x) => `torch.abs(${x})`),
  LeakyRelu: (node, [x]) => ({ expr: `torch.where(${x} >= 0, ${x}, ${x} * ${num(attrFloat(node, 'alpha', 0.01))})` }),
  Identity: unary((x) => x),
  Dropout: unary((x) => x), // the importer refuses a training-mode dropout with ratio > 0
  Cast: (node, [x]) => ({ expr: `${x}.to(${torchDtype(attrInt(node, 'to'))})` }),
  Min: (_, xs) => ({ expr: xs.slice(1).reduce((acc, x) => `torch.minimum(${acc}, ${x})`, xs[0]!) }),
  Max: (_, xs) => ({ expr: xs.slice(1).reduce((acc, x) => `torch.maximum(${acc}, ${x})`, xs[0]!) }),
  Where: (_, [c, x, y]) => ({ expr: `torch.where(${c}, ${x}, ${y})` }),
  Gemm: (node, [a, b, c]) => {
    const ta = attrInt(node, 'transA', 0) ? `${a}.t()` : a!;
    const tb = attrInt(node, 'transB', 0) ? `${b}.t()` : b!;
    const alpha = attrFloat(node, 'alpha', 1);
    const beta = attrFloat(node, 'beta', 1);
    let expr = `${ta} @ ${tb}`;
    if (alpha !== 1) expr = `(${expr}) * ${num(alpha)}`;
    if (c) expr = `${expr} + ${beta === 1 ? c : `${c} * ${num(beta)}`}`;
    return { expr };
  },
  MatMul: binary('@'),
  Softmax: (node, [x], opset) => {
    if (opset >= 13) return { expr: `softmax(${x}, ${attrInt(node, 'axis', -1)})`, helpers: ['softmax'] };
    const axis = attrInt(node, 'axis', 1);
    return { expr: `softmax(${x}.flatten(${axis}), -1).reshape(${x}.shape)`, helpers: ['softmax'] };
  },
  LogSoftmax: (node, [x], opset) => {
    const axis = opset >= 13 ? attrInt(node, 'axis', -1) : -1;
    const flat = opset >= 13 ? x! : `${x}.flatten(${attrInt(node, 'axis', 1)})`;
    const expr = `${flat} - torch.logsumexp(${flat}, ${axis}, keepdim=True)`;
    return { expr: opset >= 13 ? expr : `(${expr}).reshape(${x}.shape)` };
  },
  ReduceMean: reduceRule('torch.mean'),
  ReduceSum: reduceRule('torch.sum'),
  Conv: (node, [x, w, b]) => {
    const strides = attrInts(node, 'strides', [1, 1]);
    const dilations = attrInts(node, 'dilations', [1, 1]);
    return { expr: `conv(${x}, ${w}, ${b ?? 'None'}, ${list(strides)}, ${list(explicitPads(node))}, ${list(dilations)}, ${attrInt(node, 'group', 1)})`, helpers: ['conv'] };
  },
  MaxPool: (node, [x]) => ({
    expr: `max_pool(${x}, ${list(attrInts(node, 'kernel_shape'))}, ${list(attrInts(node, 'strides', [1, 1]))}, ${list(explicitPads(node))}, ${list(attrInts(node, 'dilations', [1, 1]))}, ${attrInt(node, 'ceil_mode', 0) === 1 ? 'True' : 'False'})`,
    helpers: ['maxPool'],
  }),
  AveragePool: (node, [x]) => ({
    expr: `avg_pool(${x}, ${list(attrInts(node, 'kernel_shape'))}, ${list(attrInts(node, 'strides', [1, 1]))}, ${list(explicitPads(node))}, ${attrInt(node, 'ceil_mode', 0) === 1 ? 'True' : 'False'}, ${attrInt(node, 'count_include_pad', 0) === 1 ? 'True' : 'False'})`,
    helpers: ['avgPool'],
  }),
  GlobalAveragePool: unary((x) => `${x}.mean((2, 3), keepdim=True)`),
  BatchNormalization: (node, [x, scale, bias, mean, variance], opset) => {
    const training = usesBatchStatistics(node, opset);
    const eps = num(attrFloat(node, 'epsilon', 1e-5));
    const expr = training ? `batch_norm(${x}, ${scale}, ${bias}, ${eps})` : `batch_norm_stored(${x}, ${scale}, ${bias}, ${mean}, ${variance}, ${eps})`;
    return { expr, helpers: ['batchNorm'] };
  },
  LayerNormalization: (node, [x, scale, bias]) => ({
    expr: `layer_norm(${x}, ${scale}, ${bias ?? 'None'}, ${attrInt(node, 'axis', -1)}, ${num(attrFloat(node, 'epsilon', 1e-5))})`,
    helpers: ['layerNorm'],
  }),
  Shape: (node, [x]) => {
    const start = attrInt(node, 'start', 0);
    const end = hasAttr(node, 'end') ? attrInt(node, 'end') : undefined;
    const range = start === 0 && end === undefined ? '' : `[${start}:${end ?? ''}]`;
    return { expr: `torch.tensor(${x}.shape${range})` };
  },
  Size: unary((x) => `torch.tensor(${x}.numel())`),
  ConstantOfShape: (node, [shape]) => ({ expr: `torch.full(ints(${shape}), CONSTANT_OF_SHAPE[${JSON.stringify(node.outputs[0])}])`, helpers: ['ints'] }),
  Range: (_, [start, limit, delta]) => ({ expr: `torch.arange(${start}.item(), ${limit}.item(), ${delta}.item())` }),
  Gather: (node, [x, idx]) => ({ expr: `gather(${x}, ${idx}, ${attrInt(node, 'axis', 0)})`, helpers: ['gather'] }),
  Unsqueeze: (node, [x, axes]) => {
    const ax = axesArg(node, axes);
    return { expr: `unsqueeze(${x}, ${ax.code})`, helpers: ['unsqueeze', ...ax.helpers] };
  },
  Squeeze: (node, [x, axes]) => {
    const ax = axesArg(node, axes);
    return { expr: `squeeze(${x}, ${ax.code})`, helpers: ['squeeze', ...ax.helpers] };
  },
  Slice: (node, [x, starts, ends, axes, steps], opset) => {
    if (opset < 10) {
      const ax = hasAttr(node, 'axes') ? list(attrInts(node, 'axes')) : 'None';
      return { expr: `slice_(${x}, ${list(attrInts(node, 'starts'))}, ${list(attrInts(node, 'ends'))}, ${ax})`, helpers: ['slice'] };
    }
    const opt = (v: string | undefined) => (v ? `ints(${v})` : 'None');
    return { expr: `slice_(${x}, ints(${starts}), ints(${ends}), ${opt(axes)}, ${opt(steps)})`, helpers: ['slice', 'ints'] };
  },
  Concat: (node, xs) => ({ expr: `torch.cat([${xs.join(', ')}], ${attrInt(node, 'axis')})` }),
  Split: (node, [x, split]) => {
    const axis = attrInt(node, 'axis', 0);
    const outs = node.outputs.length;
    const sizes = hasAttr(node, 'split') ? list(attrInts(node, 'split')) : split ? `ints(${split})` : `-(-${x}.shape[${axis}] // ${outs})`;
    return { expr: `torch.split(${x}, ${sizes}, ${axis})`, helpers: split ? ['ints'] : [] };
  },
  Pad: (node, [x, pads, value], opset) => {
    const mode = attrString(node, 'mode', 'constant');
    if (mode !== 'constant') throw new Error(`Pad "${node.name}": mode ${mode} is not exported`);
    if (opset < 11) return { expr: `pad(${x}, ${list(attrInts(node, 'pads'))}, ${num(attrFloat(node, 'value', 0))})`, helpers: ['pad'] };
    return { expr: `pad(${x}, ints(${pads}), ${value ? `${value}.item()` : '0.0'})`, helpers: ['pad', 'ints'] };
  },
  Expand: (_, [x, shape]) => ({ expr: `${x}.expand(torch.broadcast_shapes(${x}.shape, tuple(ints(${shape}))))`, helpers: ['ints'] }),
  Transpose: (node, [x]) => ({ expr: hasAttr(node, 'perm') ? `${x}.permute(${list(attrInts(node, 'perm'))})` : `${x}.permute(*reversed(range(${x}.dim())))` }),
  Flatten: (node, [x]) => {
    const axis = attrInt(node, 'axis', 1);
    return { expr: axis === 0 ? `${x}.reshape(1, -1)` : `${x}.reshape(math.prod(${x}.shape[:${axis}]), -1)` };
  },
  Reshape: (node, [x, shape]) => ({ expr: `reshape(${x}, ${shape}, ${attrInt(node, 'allowzero', 0)})`, helpers: ['reshape', 'ints'] }),
};

/** The op types the exporter writes. */
export const EXPORTED_OPS: readonly string[] = [...Object.keys(RULES), 'Constant'].sort();

/**
 * Python for one node, given the Python names of its inputs ('' for an omitted optional one)
 * and outputs. Constant nodes are the caller's (their values live with the weights).
 */
export function emitNode(node: OnnxNode, inputs: readonly string[], outputs: readonly string[], opset: number): EmittedNode {
  const rule = RULES[node.opType];
  if (!rule) throw new Error(`${node.opType} "${node.name}": no PyTorch export for this op (exported: ${EXPORTED_OPS.join(', ')})`);
  const args = inputs.map((s) => s || undefined) as string[];
  const r = rule(node, args, opset);
  const live = outputs.filter((o) => o);
  if ('lines' in r) return { lines: r.lines, helpers: r.helpers ?? [] };
  const target = node.opType === 'Split' ? outputs.map((o, i) => o || `_unused${i}`).join(', ') : live[0] ?? '_';
  // BatchNormalization's running-statistics outputs and Dropout's mask are not part of the prediction.
  return { lines: [`${target} = ${r.expr}`], helpers: r.helpers ?? [] };
}
