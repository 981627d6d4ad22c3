/**
 * Host evaluation of the ops whose inputs are all known at import (initializers, Constant
 * nodes, Shape of any value): shape arithmetic such as Shape → Gather → Unsqueeze → Concat →
 * Reshape is folded to plain numbers and never becomes a graph node. Plain row-major loops:
 * these arrays are shapes and small constants.
 */
import { constArray, sizeOf, type ConstArray, type ConstKind } from './constArray.js';

export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** NumPy broadcasting of two shapes; undefined when they do not broadcast. */
export function broadcastShape(a: readonly number[], b: readonly number[]): number[] | undefined {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const x = a[a.length - r + i] ?? 1;
    const y = b[b.length - r + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return undefined;
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** Values of `t` broadcast to `shape`, row-major. */
export function broadcastData(t: ConstArray, shape: readonly number[]): Float64Array {
  const out = new Float64Array(sizeOf(shape));
  const lead = shape.length - t.shape.length;
  const src = stridesOf(t.shape);
  const dst = stridesOf(shape);
  for (let i = 0; i < out.length; i++) {
    let j = 0;
    for (let d = 0; d < t.shape.length; d++) {
      const coord = Math.floor(i / dst[d + lead]!) % shape[d + lead]!;
      j += (t.shape[d] === 1 ? 0 : coord) * src[d]!;
    }
    out[i] = t.data[j]!;
  }
  return out;
}

export function elementwise(inputs: readonly ConstArray[], kind: ConstKind, f: (...xs: number[]) => number): ConstArray {
  let shape: number[] = [];
  for (const t of inputs) {
    const s = broadcastShape(shape, t.shape);
    if (!s) throw new Error(`shapes [${inputs.map((x) => `[${x.shape}]`).join(', ')}] do not broadcast`);
    shape = s;
  }
  const data = inputs.map((t) => broadcastData(t, shape));
  const out = new Float64Array(sizeOf(shape));
  for (let i = 0; i < out.length; i++) out[i] = f(...data.map((d) => d[i]!));
  return { kind, shape, data: out };
}

export function axisOf(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new Error(`axis ${axis} is out of range for rank ${rank}`);
  return a;
}

/** ONNX Gather along `axis` with integer indices (negative ones count from the end). */
export function gather(t: ConstArray, indices: ConstArray, axis: number): ConstArray {
  const ax = axisOf(axis, t.shape.length);
  const n = t.shape[ax]!;
  const outer = sizeOf(t.shape.slice(0, ax));
  const inner = sizeOf(t.shape.slice(ax + 1));
  const ids = Array.from(indices.data, (i) => (i < 0 ? i + n : i));
  if (ids.some((i) => i < 0 || i >= n)) throw new Error(`Gather index out of range [0, ${n})`);
  const out: number[] = [];
  for (let o = 0; o < outer; o++) for (const i of ids) for (let k = 0; k < inner; k++) out.push(t.data[(o * n + i) * inner + k]!);
  return constArray(t.kind, [...t.shape.slice(0, ax), ...indices.shape, ...t.shape.slice(ax + 1)], out);
}

export function concat(ts: readonly ConstArray[], axis: number): ConstArray {
  const ax = axisOf(axis, ts[0]!.shape.length);
  const outer = sizeOf(ts[0]!.shape.slice(0, ax));
  const out: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const t of ts) {
      const chunk = sizeOf(t.shape.slice(ax));
      for (let k = 0; k < chunk; k++) out.push(t.data[o * chunk + k]!);
    }
  }
  const shape = [...ts[0]!.shape];
  shape[ax] = ts.reduce((a, t) => a + t.shape[ax]!, 0);
  return constArray(ts.some((t) => t.kind === 'float') ? 'float' : ts[0]!.kind, shape, out);
}

export function transpose(t: ConstArray, perm: readonly number[]): ConstArray {
  const shape = perm.map((p) => t.shape[p]!);
  const src = stridesOf(t.shape);
  const dst = stridesOf(shape);
  const out = new Float64Array(t.data.length);
  for (let i = 0; i < out.length; i++) {
    let j = 0;
    for (let d = 0; d < shape.length; d++) j += (Math.floor(i / dst[d]!) % shape[d]!) * src[perm[d]!]!;
    out[i] = t.data[j]!;
  }
  return { kind: t.kind, shape, data: out };
}

/** Resolved [start, end, step] of one ONNX Slice axis of length n. */
export function sliceBounds(start: number, end: number, step: number, n: number): [number, number, number] {
  const clamp = (x: number, lo: number, hi: number) => Math.min(Math.max(x, lo), hi);
  let s = start < 0 ? start + n : start;
  let e = end < 0 ? end + n : end;
  if (step > 0) {
    s = clamp(s, 0, n);
    e = clamp(e, 0, n);
  } else {
    s = clamp(s, 0, n - 1);
    e = clamp(e, -1, n - 1);
  }
  return [s, e, step];
}

export function slice(t: ConstArray, bounds: readonly ([number, number, number] | undefined)[]): ConstArray {
  const picks = t.shape.map((n, d) => {
    const b = bounds[d];
    if (!b) return [...Array(n).keys()];
    const [s, e, step] = b;
    const out: number[] = [];
    for (let i = s; step > 0 ? i < e : i > e; i += step) out.push(i);
    return out;
  });
  const shape = picks.map((p) => p.length);
  const src = stridesOf(t.shape);
  const dst = stridesOf(shape);
  const out = new Float64Array(sizeOf(shape));
  for (let i = 0; i < out.length; i++) {
    let j = 0;
    for (let d = 0; d < shape.length; d++) j += picks[d]![Math.floor(i / dst[d]!) % shape[d]!]! * src[d]!;
    out[i] = t.data[j]!;
  }
  return { kind: t.kind, shape, data: out };
}

export function reshaped(t: ConstArray, shape: readonly number[]): ConstArray {
  return { kind: t.kind, shape: [...shape], data: t.data };
}

/** [start, limit) by delta. */
export function range(start: number, limit: number, delta: number, kind: ConstKind): ConstArray {
  const n = Math.max(Math.ceil((limit - start) / delta), 0);
  return constArray(kind, [n], Array.from({ length: n }, (_, i) => start + i * delta));
}

/** Reads a rank-0/1 constant as a list of integers (shapes, axes, pads). */
export function ints(t: ConstArray): number[] {
  return Array.from(t.data);
}
