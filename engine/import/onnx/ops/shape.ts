/**
 * Shape and layout ops. On constants they fold on the host (shape arithmetic); on tensors
 * they are the engine's reshape, transpose, slice, concat, pad and broadcast.
 */
import * as E from '../../../index.js';
import { constArray, sizeOf, type ConstArray } from '../constArray.js';
import * as fold from '../fold.js';
import { attrFloat, attrInt, attrInts, attrString, attrTensor, hasAttr, attrFloats } from '../nodes.js';
import { isConst, lift, type OpContext, type OpRule, type Value } from './context.js';

function normAxis(c: OpContext, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) c.fail(`axis ${axis} is out of range for an input of rank ${rank}`);
  return a;
}

/** Axes from the attribute (older opsets) or the second input (opset 13+). */
function axesOf(c: OpContext, inputIndex: number): number[] | undefined {
  if (hasAttr(c.node, 'axes')) return attrInts(c.node, 'axes');
  const t = c.maybeConstant(inputIndex, 'the axes');
  return t ? fold.ints(t) : undefined;
}

/** ONNX Reshape's target: 0 copies the input's dim (unless allowzero), −1 is inferred. */
function reshapeTarget(c: OpContext, inShape: readonly number[], spec: readonly number[]): number[] {
  const allowZero = attrInt(c.node, 'allowzero', 0) === 1;
  const dims = spec.map((d, i) => (d === 0 && !allowZero ? inShape[i]! : d));
  const known = dims.filter((d) => d !== -1).reduce((a, d) => a * d, 1);
  const out = dims.map((d) => (d === -1 ? sizeOf(inShape) / known : d));
  if (sizeOf(out) !== sizeOf(inShape) || out.some((d) => !Number.isInteger(d) || d < 0)) {
    c.fail(`cannot reshape [${inShape}] to [${spec}]`);
  }
  return out;
}

function reshapeValue(x: Value, shape: readonly number[]): Value {
  return isConst(x) ? fold.reshaped(x, shape) : E.reshape(x, shape);
}

function shapeOp(c: OpContext): Value[] {
  const shape = c.input(0).shape;
  const r = shape.length;
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
  const start = clamp(attrInt(c.node, 'start', 0));
  const end = clamp(attrInt(c.node, 'end', r));
  return [constArray('int', [Math.max(end - start, 0)], shape.slice(start, end))];
}

function constantOp(c: OpContext): Value[] {
  const t = attrTensor(c.node, 'value');
  if (t) return [t];
  if (hasAttr(c.node, 'value_float')) return [constArray('float', [], [attrFloat(c.node, 'value_float')])];
  if (hasAttr(c.node, 'value_floats')) {
    const f = attrFloats(c.node, 'value_floats')!;
    return [constArray('float', [f.length], f)];
  }
  if (hasAttr(c.node, 'value_int')) return [constArray('int', [], [attrInt(c.node, 'value_int')])];
  if (hasAttr(c.node, 'value_ints')) {
    const v = attrInts(c.node, 'value_ints');
    return [constArray('int', [v.length], v)];
  }
  return c.fail('a Constant with neither value, value_float(s) nor value_int(s)');
}

function gatherOp(c: OpContext): Value[] {
  const data = c.input(0);
  const indices = c.constant(1, 'the indices');
  const axis = normAxis(c, attrInt(c.node, 'axis', 0), data.shape.length);
  if (isConst(data)) return [c.guard(() => fold.gather(data, indices, axis))];
  const n = data.shape[axis]!;
  const ids = Array.from(indices.data, (i) => (i < 0 ? i + n : i));
  if (ids.some((i) => i < 0 || i >= n)) c.fail(`an index outside [0, ${n}) along axis ${axis}`);
  // Rows along `axis` by slicing (indices are few: positions, heads); one slice per index.
  const rows = ids.map((i) => E.slice(data, data.shape.map((_, d) => (d === axis ? i : 0)), data.shape.map((s, d) => (d === axis ? 1 : s))));
  const joined = E.concat(rows, axis);
  return [E.reshape(joined, [...data.shape.slice(0, axis), ...indices.shape, ...data.shape.slice(axis + 1)])];
}

function unsqueezeOp(c: OpContext): Value[] {
  const x = c.input(0);
  const axes = axesOf(c, 1) ?? c.fail('Unsqueeze without axes');
  const rank = x.shape.length + axes.length;
  const norm = axes.map((a) => normAxis(c, a, rank)).sort((a, b) => a - b);
  const shape = [...x.shape];
  for (const a of norm) shape.splice(a, 0, 1);
  return [reshapeValue(x, shape)];
}

function squeezeOp(c: OpContext): Value[] {
  const x = c.input(0);
  const axes = axesOf(c, 1);
  const drop = new Set(axes ? axes.map((a) => normAxis(c, a, x.shape.length)) : x.shape.flatMap((d, i) => (d === 1 ? [i] : [])));
  for (const a of drop) if (x.shape[a] !== 1) c.fail(`cannot squeeze axis ${a} of size ${x.shape[a]}`);
  return [reshapeValue(x, x.shape.filter((_, i) => !drop.has(i)))];
}

function sliceOp(c: OpContext): Value[] {
  const x = c.input(0);
  const rank = x.shape.length;
  let starts: number[], ends: number[], axes: number[] | undefined, steps: number[] | undefined;
  if (c.opset < 10) {
    starts = attrInts(c.node, 'starts');
    ends = attrInts(c.node, 'ends');
    axes = hasAttr(c.node, 'axes') ? attrInts(c.node, 'axes') : undefined;
  } else {
    starts = fold.ints(c.constant(1, 'the starts'));
    ends = fold.ints(c.constant(2, 'the ends'));
    const a = c.maybeConstant(3, 'the axes');
    const s = c.maybeConstant(4, 'the steps');
    axes = a && fold.ints(a);
    steps = s && fold.ints(s);
  }
  const bounds: ([number, number, number] | undefined)[] = Array(rank).fill(undefined);
  (axes ?? starts.map((_, i) => i)).forEach((a, i) => {
    const ax = normAxis(c, a, rank);
    const step = steps?.[i] ?? 1;
    if (step === 0) c.fail('a slice step of 0');
    bounds[ax] = fold.sliceBounds(starts[i]!, ends[i]!, step, x.shape[ax]!);
  });
  if (isConst(x)) return [fold.slice(x, bounds)];
  if (bounds.some((b) => b && b[2] !== 1)) c.fail('a strided slice (step ≠ 1) of a computed tensor');
  const begin = x.shape.map((_, d) => bounds[d]?.[0] ?? 0);
  const size = x.shape.map((n, d) => (bounds[d] ? Math.max(bounds[d]![1] - bounds[d]![0], 0) : n));
  if (size.some((s) => s === 0)) c.fail('an empty slice');
  return [E.slice(x, begin, size)];
}

function concatOp(c: OpContext): Value[] {
  const xs = [...Array(c.arity).keys()].map((k) => c.input(k)).filter((x) => sizeOf(x.shape) > 0 || x.shape.length > 1);
  const axis = normAxis(c, attrInt(c.node, 'axis'), xs[0]!.shape.length);
  if (xs.every(isConst)) return [c.guard(() => fold.concat(xs as ConstArray[], axis))];
  return [c.guard(() => E.concat(xs.map(lift), axis))];
}

function splitOp(c: OpContext): Value[] {
  const x = c.input(0);
  const axis = normAxis(c, attrInt(c.node, 'axis', 0), x.shape.length);
  const n = x.shape[axis]!;
  const parts = c.node.outputs.length;
  let sizes: number[];
  if (hasAttr(c.node, 'split')) sizes = attrInts(c.node, 'split');
  else if (c.maybe(1)) sizes = fold.ints(c.constant(1, 'the split sizes'));
  else {
    const each = Math.ceil(n / parts);
    sizes = [...Array(parts).keys()].map((k) => Math.min(each, n - k * each));
  }
  if (sizes.reduce((a, b) => a + b, 0) !== n) c.fail(`split sizes [${sizes}] do not add up to ${n}`);
  let at = 0;
  return sizes.map((s) => {
    const begin = x.shape.map((_, d) => (d === axis ? at : 0));
    const size = x.shape.map((d, i) => (i === axis ? s : d));
    at += s;
    return isConst(x) ? fold.slice(x, x.shape.map((d, i) => (i === axis ? [begin[i]!, begin[i]! + s, 1] : [0, d, 1]))) : E.slice(x, begin, size);
  });
}

function padOp(c: OpContext): Value[] {
  const x = c.input(0);
  const mode = attrString(c.node, 'mode', 'constant');
  if (mode !== 'constant') c.fail(`Pad mode "${mode}" (only "constant" is supported)`);
  const rank = x.shape.length;
  const pads = c.opset < 11 ? attrInts(c.node, 'pads') : fold.ints(c.constant(1, 'the pads'));
  const value = c.opset < 11 ? attrFloat(c.node, 'value', 0) : (c.maybeConstant(2, 'the pad value')?.data[0] ?? 0);
  const axesT = c.opset >= 18 ? c.maybeConstant(3, 'the axes') : undefined;
  const axes = axesT ? fold.ints(axesT).map((a) => normAxis(c, a, rank)) : [...Array(rank).keys()];
  const before = Array(rank).fill(0);
  const after = Array(rank).fill(0);
  axes.forEach((a, i) => {
    before[a] = pads[i]!;
    after[a] = pads[i + axes.length]!;
  });
  let t = lift(x);
  // Negative pads crop.
  if ([...before, ...after].some((p) => p < 0)) {
    const begin = before.map((p) => Math.max(-p, 0));
    const size = t.shape.map((d, i) => d - begin[i]! - Math.max(-after[i]!, 0));
    t = E.slice(t, begin, size);
  }
  const b = before.map((p) => Math.max(p, 0));
  const a = after.map((p) => Math.max(p, 0));
  const padded = E.pad(t, b, a);
  if (value === 0) return [padded];
  // A constant fill: add value·(1 − mask of the original region), a host constant, so x is unchanged exactly.
  const mask = E.pad(E.full(t.shape, 1), b, a);
  return [E.add(padded, E.mul(E.sub(1, mask), value))];
}

function expandOp(c: OpContext): Value[] {
  const x = c.input(0);
  const target = fold.ints(c.constant(1, 'the shape'));
  const shape = fold.broadcastShape(x.shape, target) ?? c.fail(`cannot expand [${x.shape}] to [${target}]`);
  if (isConst(x)) return [constArray(x.kind, shape, fold.broadcastData(x, shape))];
  return [E.broadcastTo(x, shape)];
}

function transposeOp(c: OpContext): Value[] {
  const x = c.input(0);
  const perm = attrInts(c.node, 'perm', [...x.shape.keys()].reverse());
  if (isConst(x)) return [fold.transpose(x, perm)];
  return [E.transpose(x, perm)];
}

function flattenOp(c: OpContext): Value[] {
  const x = c.input(0);
  const r = x.shape.length;
  const axis = attrInt(c.node, 'axis', 1);
  const a = axis < 0 ? axis + r : axis;
  if (a < 0 || a > r) c.fail(`axis ${axis} is out of range for rank ${r}`);
  return [reshapeValue(x, [sizeOf(x.shape.slice(0, a)), sizeOf(x.shape.slice(a))])];
}

function dropoutOp(c: OpContext): Value[] {
  const ratio = c.opset < 12 ? attrFloat(c.node, 'ratio', 0.5) : (c.maybeConstant(1, 'the ratio')?.data[0] ?? 0.5);
  const training = c.opset < 12 ? false : (c.maybeConstant(2, 'training_mode')?.data[0] ?? 0) !== 0;
  if (training && ratio > 0) {
    c.fail(`Dropout with ratio ${ratio} in training mode is not supported: MixFlow's backward pass recomputes the loss and would draw new masks (export with dropout p = 0, or in eval mode)`);
  }
  const x = c.input(0);
  return [x, constArray('bool', x.shape, new Float64Array(sizeOf(x.shape)).fill(1))];
}

export const shapeOps: Record<string, OpRule> = {
  Shape: shapeOp,
  Size: (c) => [constArray('int', [], [sizeOf(c.input(0).shape)])],
  Constant: constantOp,
  ConstantOfShape: (c) => {
    const shape = fold.ints(c.constant(0, 'the shape'));
    const v = attrTensor(c.node, 'value') ?? constArray('float', [1], [0]);
    return [constArray(v.kind, shape, new Float64Array(sizeOf(shape)).fill(v.data[0] ?? 0))];
  },
  Range: (c) => {
    const [s, l, d] = [0, 1, 2].map((k) => c.constant(k, ['the start', 'the limit', 'the delta'][k]!));
    return [fold.range(s!.data[0]!, l!.data[0]!, d!.data[0]!, s!.kind)];
  },
  Gather: gatherOp,
  Unsqueeze: unsqueezeOp,
  Squeeze: squeezeOp,
  Slice: sliceOp,
  Concat: concatOp,
  Split: splitOp,
  Pad: padOp,
  Expand: expandOp,
  Transpose: transposeOp,
  Flatten: flattenOp,
  Reshape: (c) => {
    const x = c.input(0);
    return [reshapeValue(x, reshapeTarget(c, x.shape, fold.ints(c.constant(1, 'the target shape'))))];
  },
  Dropout: dropoutOp,
};
