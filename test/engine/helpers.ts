/**
 * Shared test utilities for the engine: a seeded PRNG, float64 evaluation of traced
 * functions through `runRef`, and `checkPrimitive`, which verifies a primitive's JVP
 * against central finite differences and its VJP by the dot-product test, so each
 * primitive's test is one line.
 */
import assert from 'node:assert/strict';
import * as E from '../../engine/index.js';
import type { DType } from '../../engine/core/dtype.js';
import { sizeOf } from '../../engine/core/shape.js';

/** Deterministic PRNG (mulberry32): failures reproduce from the seed. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Rand = () => number;

/** Uniform in [lo, hi), rounded to float32 so both executors see identical inputs. */
export function uniform(rand: Rand, n: number, lo = -2, hi = 2): number[] {
  return Array.from({ length: n }, () => Math.fround(lo + (hi - lo) * rand()));
}

/** Uniform magnitudes in [lo, hi) with a random sign: keeps values away from 0 (relu's kink). */
export function awayFromZero(rand: Rand, n: number, lo = 0.2, hi = 2): number[] {
  return uniform(rand, n, lo, hi).map((v) => (rand() < 0.5 ? -v : v));
}

/** Distinct values at least `gap` apart in a random order: no ties, so max is smooth there. */
export function distinct(rand: Rand, n: number, gap = 0.1): number[] {
  const vals = Array.from({ length: n }, (_, i) => Math.fround((i - n / 2) * gap + 0.3 * gap * rand()));
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [vals[i], vals[j]] = [vals[j], vals[i]];
  }
  return vals;
}

export function randInt(rand: Rand, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}

export function randomShape(rand: Rand, rank: number, maxDim = 4): number[] {
  return Array.from({ length: rank }, () => randInt(rand, 1, maxDim));
}

/** A graph input: its abstract value, its data, and whether it is differentiated. */
export interface Input {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly data: number[];
  /** False for int32 ids and for inputs the test must not perturb. */
  readonly diff: boolean;
}

export function f32(shape: readonly number[], data: number[]): Input {
  assert.equal(data.length, sizeOf(shape), `data for [${shape}]`);
  return { shape, dtype: 'float32', data, diff: true };
}

export function i32(shape: readonly number[], data: number[]): Input {
  assert.equal(data.length, sizeOf(shape), `ids for [${shape}]`);
  return { shape, dtype: 'int32', data, diff: false };
}

/** A float32 input that is held fixed (e.g. a mask or an argument with no derivative). */
export function fixed(shape: readonly number[], data: number[]): Input {
  return { ...f32(shape, data), diff: false };
}

const avalOf = (x: { shape: readonly number[]; dtype: DType }) => ({ shape: [...x.shape], dtype: x.dtype });

type Fn = (...xs: E.Tensor[]) => E.Tensor | E.Tensor[];
const asList = (o: E.Tensor | E.Tensor[]): E.Tensor[] => (Array.isArray(o) ? o : [o]);

/** A traced and scheduled function with float64 evaluation on any inputs of its avals. */
export interface Compiled {
  readonly graph: E.Graph;
  readonly sched: E.Schedule;
  run(data: readonly (readonly number[] | Float64Array)[]): Float64Array[];
}

export function compile(fn: Fn, avals: readonly { shape: readonly number[]; dtype: DType }[]): Compiled {
  const { graph } = E.traceGraph((...xs: E.Tensor[]) => asList(fn(...xs)), avals.map(avalOf));
  const sched = E.schedule(graph);
  return {
    graph,
    sched,
    run: (data) =>
      E.runRef(sched, data.map((d, i) => ({ shape: avals[i].shape, data: d }))).outputs.map((o) => o.data),
  };
}

/** One-shot float64 evaluation of `fn` on `inputs`. */
export function evalRef(fn: Fn, inputs: readonly Input[]): Float64Array[] {
  return compile(fn, inputs).run(inputs.map((x) => x.data));
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'dot: lengths differ');
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** max|a − b| / max(max|b|, floor): relative error in the infinity norm. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-30): number {
  assert.equal(a.length, b.length, 'relErr: lengths differ');
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i] - b[i]);
    if (Number.isNaN(e)) return Infinity;
    d = Math.max(d, e);
  }
  return d / Math.max(maxAbs(b), floor);
}

export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, label: string): void {
  const err = relErr(actual, expected);
  assert.ok(
    err <= tol,
    `${label}: relative error ${err.toExponential(2)} > ${tol} ` +
      `(actual ${fmt(actual)}, expected ${fmt(expected)})`,
  );
}

/** Scalars: |a − b| ≤ tol · max(|a|, |b|, floor). */
export function assertCloseScalar(a: number, b: number, tol: number, label: string, floor = 1e-12): void {
  const err = Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), floor);
  assert.ok(err <= tol, `${label}: ${a} vs ${b} (relative error ${err.toExponential(2)} > ${tol})`);
}

function fmt(a: ArrayLike<number>): string {
  const xs = Array.from(a).slice(0, 6).map((v) => v.toPrecision(6));
  return `[${xs.join(', ')}${a.length > 6 ? ', …' : ''}]`;
}

const axpy = (x: readonly number[], h: number, v: readonly number[]) => x.map((xi, i) => xi + h * v[i]);

export interface CheckOptions {
  readonly seed?: number;
  /**
   * Tolerance of the JVP against finite differences (relative, ∞-norm). The issue asks
   * ≤ 1e-6; the 5-point stencil in float64 is good to ~1e-11 here, so the default is
   * tighter and catches rules that are off by 1e-7.
   */
  readonly tol?: number;
  /** Finite-difference step along a unit-size direction. */
  readonly h?: number;
}

/**
 * Verifies one primitive, reached through `f` (which must emit a node `name`), in float64:
 *  - the JVP, along a random direction in all differentiable inputs together and in each
 *    one alone (the others' tangents are symbolic zeros), against the 5-point central
 *    difference (f(x−2hv) − 8f(x−hv) + 8f(x+hv) − f(x+2hv)) / 12h, to `tol` relative
 *    (default 1e-8, stricter than the 1e-6 asked for);
 *  - the VJP by the dot-product test ⟨ct, J_i v_i⟩ = ⟨J_iᵀ ct, v_i⟩ for every input i,
 *    with J_i v_i from finite differences, to `tol`, and from the JVP to 1e-12;
 *  - cotangent shapes equal the input shapes (broadcasting is summed back), and non-
 *    differentiated inputs (int32 ids) get no cotangent from the rule.
 * Returns the number of assertions it made.
 */
export function checkPrimitive(name: string, f: (...xs: E.Tensor[]) => E.Tensor, inputs: readonly Input[], opts: CheckOptions = {}): number {
  const rand = rng(opts.seed ?? hashString(name));
  const tol = opts.tol ?? 1e-8;
  const h = opts.h ?? 1e-3;
  let checks = 0;
  const primal = compile(f, inputs);
  assert.ok(
    primal.graph.nodes.some((n) => n.op === name),
    `${name}: f does not emit a '${name}' node (ops: ${[...new Set(primal.graph.nodes.map((n) => n.op))]})`,
  );
  const diffIdx = inputs.flatMap((x, i) => (x.diff ? [i] : []));
  assert.ok(diffIdx.length > 0, `${name}: nothing to differentiate`);
  const outAval = primal.graph.nodes.find((n) => n.id === primal.graph.outputs[0])?.aval ?? inputs[0];
  const outSize = sizeOf(outAval.shape);
  const xs = inputs.map((x) => x.data);

  // Random directions for every differentiable input and a random output cotangent.
  const dirs = inputs.map((x) => (x.diff ? uniform(rand, x.data.length, -1, 1) : x.data.map(() => 0)));
  const ct = uniform(rand, outSize, -1, 1);

  const fd = (which: readonly number[]): Float64Array => {
    const at = (s: number) => primal.run(xs.map((x, i) => (which.includes(i) ? axpy(x, s * h, dirs[i]) : x)))[0];
    const [m2, m1, p1, p2] = [at(-2), at(-1), at(1), at(2)];
    return m2.map((_, k) => (m2[k] - 8 * m1[k] + 8 * p1[k] - p2[k]) / (12 * h));
  };

  // JVP: tangents for the inputs in `which`, symbolic zeros (null) elsewhere.
  const jvpGraph = (which: readonly number[]) =>
    compile(
      (...args: E.Tensor[]) => {
        const ps = args.slice(0, inputs.length);
        const ts = which.map((_, k) => args[inputs.length + k]);
        const tangents = ps.map((_, i) => (which.includes(i) ? ts[which.indexOf(i)] : null));
        const [, tout] = E.jvp(f, ps, tangents);
        return tout as E.Tensor;
      },
      [...inputs, ...which.map((i) => inputs[i])],
    );
  const jvpAt = (which: readonly number[]) =>
    jvpGraph(which).run([...xs, ...which.map((i) => dirs[i])])[0];

  const sets = diffIdx.length > 1 ? [diffIdx, ...diffIdx.map((i) => [i])] : [diffIdx];
  const jvIndividual = new Map<number, { fd: Float64Array; jvp: Float64Array }>();
  for (const which of sets) {
    const want = fd(which);
    const got = jvpAt(which);
    assert.ok(maxAbs(want) > 1e-8, `${name}: directional derivative along inputs ${which} vanishes; pick other inputs`);
    assertClose(got, want, tol, `${name}: JVP along inputs [${which}] vs finite differences`);
    checks++;
    if (which.length === 1) jvIndividual.set(which[0], { fd: want, jvp: got });
    else if (diffIdx.length === 1) jvIndividual.set(diffIdx[0], { fd: want, jvp: got });
  }

  // VJP: J_iᵀ ct for every input, from one traced pullback.
  const vjpGraph = compile(
    (...args: E.Tensor[]) => {
      const ps = args.slice(0, inputs.length);
      const { pullback } = E.vjp(f, ...ps);
      const cts = pullback(args[inputs.length]) as E.Tensor[];
      cts.forEach((c, i) => assert.deepEqual([...c.shape], [...inputs[i].shape], `${name}: cotangent ${i} shape`));
      return diffIdx.map((i) => cts[i]);
    },
    [...inputs, { shape: outAval.shape, dtype: 'float32' }],
  );
  const cts = vjpGraph.run([...xs, ct]);
  diffIdx.forEach((i, k) => {
    const { fd: jvFd, jvp: jvJvp } = jvIndividual.get(i)!;
    const lhs = dot(cts[k], dirs[i]);
    const scale = Math.sqrt(dot(ct, ct) * dot(jvFd, jvFd));
    const rhsFd = dot(ct, jvFd);
    const rhsJvp = dot(ct, jvJvp);
    assert.ok(
      Math.abs(lhs - rhsFd) <= tol * Math.max(scale, 1e-12),
      `${name}: <J^T ct, v> = ${lhs} but <ct, J v> = ${rhsFd} by finite differences (input ${i})`,
    );
    assert.ok(
      Math.abs(lhs - rhsJvp) <= 1e-12 * Math.max(scale, 1e-12),
      `${name}: <J^T ct, v> = ${lhs} but <ct, J v> = ${rhsJvp} by the JVP (input ${i})`,
    );
    checks += 2;
  });

  // The rule itself gives no cotangent for non-differentiable (int32) inputs.
  inputs.forEach((x, i) => {
    if (x.dtype === 'int32') {
      assertNoIntCotangent(name, f, inputs, i);
      checks++;
    }
  });
  return checks;
}

/** The VJP of `f` leaves int32 input `i` without a cotangent: the pullback returns zeros. */
function assertNoIntCotangent(name: string, f: (...xs: E.Tensor[]) => E.Tensor, inputs: readonly Input[], i: number): void {
  const outs = evalRef((...xs: E.Tensor[]) => {
    const { outputs, pullback } = E.vjp(f, ...xs);
    return (pullback(E.full((outputs as E.Tensor).shape, 1)) as E.Tensor[])[i];
  }, inputs);
  assert.equal(maxAbs(outs[0]), 0, `${name}: int32 input ${i} got a non-zero cotangent`);
}

function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Host arrays for `runTfjs`/`runRef` from inputs. */
export function hostInputs(inputs: readonly Input[]): E.HostArray[] {
  return inputs.map((x) => ({ shape: x.shape, data: x.data }));
}

/**
 * Runs `fn` on the current TF.js backend (float32) and on the float64 reference with the
 * same (float32-representable) inputs, and asserts every output agrees to `tol` relative.
 */
export function compareExecutors(label: string, fn: Fn, inputs: readonly Input[], tol = 1e-5): number {
  const c = compile(fn, inputs);
  const want = c.run(inputs.map((x) => x.data));
  const got = E.runTfjs(c.sched, hostInputs(inputs)).outputs;
  assert.equal(got.length, want.length, `${label}: output count`);
  want.forEach((w, k) => {
    assert.ok(maxAbs(w) > 0, `${label}: output ${k} is all zeros; the comparison would be vacuous`);
    assertClose(got[k], w, tol, `${label}: float32 TF.js vs float64 reference, output ${k}`);
  });
  return want.length;
}
