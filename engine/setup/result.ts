/**
 * The `mixflow-result/1` JSON that `mixflow run SETUP --json` prints, built from a computed
 * result, plus the JSON writer every mixflow output uses: non-finite numbers become the strings
 * "NaN", "Infinity", "-Infinity" (never null), typed arrays become arrays.
 *
 * `meta_grads` holds exactly the names in `wrt` (in its order), each shaped like its
 * meta-parameter: `log_lr` a number when shared, else [P] numbers; `log_wd` a number;
 * `example_logits` [T][B] or [T][B][S]; `theta0` for an MLP [{"w":…,"b":…}, …], for a transformer
 * an object keyed by the tensor names of transformerParams.ts.
 */
import { metaShapes } from './materialise.js';
import { paramSpecs } from './transformerParams.js';
import type { HostTensor, MetaName, Setup } from './types.js';

export const RESULT_FORMAT = 'mixflow-result/1';

import type { Mode, Remat } from '../meta/problem.js';
export type { Mode, Remat };
export type Precision = 'float32' | 'float64';

export type JsonNumber = number | 'NaN' | 'Infinity' | '-Infinity';
export type Nested = JsonNumber | Nested[];

/** What the engine computed, independent of the file layout. */
export interface ComputedResult {
  outer_loss: number;
  /** Must hold every name of `wrt`; `theta0` as one tensor per parameter, in order. */
  metaGrads: Partial<Record<MetaName, HostTensor | HostTensor[]>>;
  peak_bytes: number;
  active_peak_bytes: number;
  time_ms: number;
  mode: Mode;
  remat: Remat;
  /** The backend actually used (`tensorflow`, `wasm`, `cpu`, …), not `auto`. */
  backend: string;
  precision: Precision;
  /** Further fields, printed after the standard ones. */
  extra?: Record<string, unknown>;
}

export interface ResultJson {
  format: typeof RESULT_FORMAT;
  mode: Mode;
  remat: Remat;
  backend: string;
  precision: Precision;
  outer_loss: JsonNumber;
  meta_grads: Partial<Record<MetaName, unknown>>;
  peak_bytes: number;
  active_peak_bytes: number;
  time_ms: number;
  [extra: string]: unknown;
}

/** A number as JSON can hold it: non-finite values become "NaN", "Infinity", "-Infinity". */
export function jsonNumber(x: number): JsonNumber {
  if (Number.isFinite(x)) return x;
  if (Number.isNaN(x)) return 'NaN';
  return x > 0 ? 'Infinity' : '-Infinity';
}

/** Reads one of jsonNumber's outputs back. */
export function parseJsonNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  throw new Error(`not a JSON number: ${JSON.stringify(v)}`);
}

/** Row-major data as nested arrays of `shape` (a scalar for shape []). */
export function toNested(t: Pick<HostTensor, 'shape' | 'data'>, shape: readonly number[] = t.shape): Nested {
  let n = 0;
  const build = (depth: number): Nested => {
    if (depth === shape.length) return jsonNumber(t.data[n++]!);
    return Array.from({ length: shape[depth]! }, () => build(depth + 1));
  };
  return build(0);
}

/** Equal shapes up to dims of size 1 (a shared log_lr may come back as [] or [1]). */
function sameSqueezed(a: readonly number[], b: readonly number[]): boolean {
  const sa = a.filter((d) => d !== 1);
  const sb = b.filter((d) => d !== 1);
  return sa.length === sb.length && sa.every((d, i) => d === sb[i]);
}

function shaped(name: string, t: HostTensor | HostTensor[] | undefined, shape: readonly number[]): Nested {
  if (t === undefined || Array.isArray(t)) throw new Error(`result: meta-gradient "${name}" is ${t ? 'a list' : 'missing'}; expected one tensor of shape [${shape}]`);
  if (!sameSqueezed(t.shape, shape) || t.data.length !== shape.reduce((a, d) => a * d, 1)) {
    throw new Error(`result: meta-gradient "${name}" has shape [${t.shape}]; expected [${shape}]`);
  }
  return toNested(t, shape);
}

/** The `mixflow-result/1` object for `setup` (key order as the spec writes it). */
export function buildResult(setup: Setup, r: ComputedResult): ResultJson {
  const shapes = metaShapes(setup);
  const meta_grads: Partial<Record<MetaName, unknown>> = {};
  for (const name of setup.wrt) {
    const g = r.metaGrads[name];
    if (name !== 'theta0') {
      meta_grads[name] = shaped(name, g, shapes[name] as number[]);
      continue;
    }
    const specs = paramSpecs(setup.model);
    if (!Array.isArray(g) || g.length !== specs.length) {
      throw new Error(`result: meta-gradient "theta0" must be a list of ${specs.length} tensors, got ${Array.isArray(g) ? g.length : typeof g}`);
    }
    const parts = specs.map((p, k) => shaped(`theta0.${p.name}`, g[k], p.shape));
    meta_grads.theta0 = setup.model.kind === 'mlp'
      ? Array.from({ length: parts.length / 2 }, (_, k) => ({ w: parts[2 * k], b: parts[2 * k + 1] }))
      : Object.fromEntries(specs.map((p, k) => [p.name, parts[k]]));
  }
  return {
    format: RESULT_FORMAT,
    mode: r.mode,
    remat: r.remat,
    backend: r.backend,
    precision: r.precision,
    outer_loss: jsonNumber(r.outer_loss),
    meta_grads,
    peak_bytes: r.peak_bytes,
    active_peak_bytes: r.active_peak_bytes,
    time_ms: r.time_ms,
    ...r.extra,
  };
}

/** The result as JSON text (one line unless `indent` > 0). */
export function serialiseResult(setup: Setup, r: ComputedResult, indent = 0): string {
  return stringifyJson(buildResult(setup, r), indent);
}

/**
 * JSON text of any value: like JSON.stringify, but non-finite numbers print as "NaN",
 * "Infinity", "-Infinity", typed arrays as arrays, and with `indent` > 0 values that fit in
 * 80 columns and arrays of scalars (vectors, matrix rows) stay on one line. `undefined` object
 * fields are left out.
 */
export function stringifyJson(value: unknown, indent = 0): string {
  const scalar = (v: unknown): boolean => v === null || typeof v !== 'object';
  /** At most `budget` nodes below v (so the one-line attempt stays cheap on big tensors). */
  const small = (v: unknown, budget = 40): boolean => {
    let left = budget;
    const visit = (x: unknown): boolean => {
      if (--left < 0) return false;
      if (scalar(x)) return true;
      return Object.values(x as object).every(visit);
    };
    return visit(v);
  };
  // line: one line with ", " and ": "; block: one item per line (indent > 0); min: no spaces.
  const write = (v: unknown, depth: number, layout: 'min' | 'line' | 'block'): string => {
    if (typeof v === 'number') return JSON.stringify(jsonNumber(v));
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return JSON.stringify(v);
    if (typeof v !== 'object') throw new Error(`stringifyJson: cannot write a ${typeof v}`);
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) v = Array.from(v as unknown as ArrayLike<number>);
    if (layout === 'block' && small(v)) {
      const one = write(v, depth, 'line');
      if (one.length + indent * depth <= 80) return one;
    }
    const [comma, colon] = layout === 'min' ? [',', ':'] : [', ', ': '];
    const inner = layout === 'block' ? 'block' : layout;
    const isArray = Array.isArray(v);
    const items = isArray
      ? (v as unknown[]).map((x) => (x === undefined ? 'null' : write(x, depth + 1, inner)))
      : Object.entries(v as object)
        .filter(([, x]) => x !== undefined && typeof x !== 'function')
        .map(([k, x]) => `${JSON.stringify(k)}${colon}${write(x, depth + 1, inner)}`);
    const [open, close] = isArray ? ['[', ']'] : ['{', '}'];
    if (layout !== 'block' || items.length === 0 || (isArray && (v as unknown[]).every(scalar))) return open + items.join(comma) + close;
    const pad = (d: number): string => `\n${' '.repeat(indent * d)}`;
    return `${open}${items.map((x) => pad(depth + 1) + x).join(',')}${pad(depth)}${close}`;
  };
  return write(value, 0, indent > 0 ? 'block' : 'min');
}
