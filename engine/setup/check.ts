/**
 * Building blocks of the setup validator: `SetupError`, JSON paths, and checks of objects,
 * scalars and nested numeric arrays that name the offending path and what was expected.
 */
import { hostTensor, type HostTensor } from './types.js';

/** A malformed setup: `path` is a JSON path (`$.inner[2].x[0][3]`), `expected` plain words. */
export class SetupError extends Error {
  readonly path: string;
  readonly expected: string;
  readonly got: string | undefined;

  constructor(path: string, expected: string, got?: string) {
    super(`setup ${path}: expected ${expected}${got === undefined ? '' : `, got ${got}`}`);
    this.name = 'SetupError';
    this.path = path;
    this.expected = expected;
    this.got = got;
  }
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: unknown };

export function key(path: string, name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `${path}.${name}` : `${path}[${JSON.stringify(name)}]`;
}

export function index(path: string, i: number): string {
  return `${path}[${i}]`;
}

/** Shape of a nested array as `[4][6]`. */
export function dims(shape: readonly number[]): string {
  return shape.map((d) => `[${d}]`).join('');
}

/** A short description of any JSON value, for the "got …" part of a message. */
export function describe(v: unknown): string {
  if (v === undefined) return 'nothing (the field is missing)';
  if (v === null) return 'null';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : `${v} (a number too large for float64)`;
  if (typeof v === 'string') {
    const s = v.length > 40 ? `${v.slice(0, 40)}…` : v;
    return `${JSON.stringify(s)} (a string)`;
  }
  if (typeof v === 'boolean') return `${v} (a boolean)`;
  if (Array.isArray(v)) {
    const shape = observedShape(v, 8);
    return shape.leaf === 'number' || shape.leaf === 'empty' ? dims(shape.dims) : `an array of ${v.length}`;
  }
  return 'an object';
}

/** Descends through first elements, up to `rank` levels. */
export function observedShape(v: unknown, rank: number): { dims: number[]; leaf: 'number' | 'empty' | 'other' } {
  const out: number[] = [];
  let cur: unknown = v;
  while (Array.isArray(cur) && out.length < rank) {
    out.push(cur.length);
    if (cur.length === 0) return { dims: out, leaf: 'empty' };
    cur = cur[0];
  }
  return { dims: out, leaf: typeof cur === 'number' ? 'number' : 'other' };
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function object(v: unknown, path: string, what = 'an object'): JsonObject {
  if (!isObject(v)) throw new SetupError(path, what, describe(v));
  return v;
}

/** Refuses fields outside `allowed` (naming the first unknown one) and requires `required`. */
export function fields(obj: JsonObject, path: string, allowed: readonly string[], required: readonly string[] = allowed): void {
  for (const name of Object.keys(obj)) {
    if (!allowed.includes(name)) {
      const known = allowed.map((a) => `"${a}"`).join(', ');
      throw new SetupError(key(path, name), `no field "${name}" here (known fields: ${known})`, 'an unknown field');
    }
  }
  for (const name of required) {
    if (!(name in obj)) throw new SetupError(key(path, name), `the required field "${name}"`, 'nothing (the field is missing)');
  }
}

export function oneOf<T extends string>(v: unknown, path: string, choices: readonly T[]): T {
  if (typeof v !== 'string' || !choices.includes(v as T)) {
    throw new SetupError(path, choices.length === 1 ? `"${choices[0]}"` : `one of ${choices.map((c) => `"${c}"`).join(', ')}`, describe(v));
  }
  return v as T;
}

export function finite(v: unknown, path: string, what = 'a finite number'): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new SetupError(path, what, describe(v));
  return v;
}

export function integer(v: unknown, path: string, min: number, max = Number.MAX_SAFE_INTEGER, what?: string): number {
  const text = what ?? (max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer in [${min}, ${max}]`);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new SetupError(path, text, describe(v));
  return v;
}

export const MAX_SEED = 0xffffffff;

export function seed(v: unknown, path: string): number {
  return integer(v, path, 0, MAX_SEED, `an integer seed in [0, ${MAX_SEED}]`);
}

/** How each leaf of a numeric tensor is checked. */
export type Leaf =
  | { kind: 'float' }
  | { kind: 'int'; below: number; one: string; many: string };

export const FLOAT: Leaf = { kind: 'float' };

/**
 * Checks a nested array against `shape` (a `null` dim is free, ≥ 1, and reported back as
 * observed) and converts it into a HostTensor. Shape errors are reported at `path`
 * ("expected [4][5] numbers, got [4][6]"), ragged rows at the row, bad leaves at the leaf
 * ("expected a finite number, got null"). `note` is appended to the expected text.
 */
export function tensor(v: unknown, path: string, shape: readonly (number | null)[], leaf: Leaf = FLOAT, note = ''): HostTensor {
  const obs = observedShape(v, shape.length);
  const resolved = shape.map((d, i) => d ?? obs.dims[i] ?? 0);
  if (obs.dims.length !== shape.length || resolved.some((d, i) => d < 1 || d !== obs.dims[i])) {
    const want = shape.map((d, i) => (d === null && resolved[i]! < 1 ? '[B ≥ 1]' : `[${resolved[i]}]`)).join('');
    const got = Array.isArray(v) ? dims(obs.dims) : describe(v);
    throw new SetupError(path, `${want} ${many(leaf)}${note}`, got);
  }
  const out = hostTensor(resolved, leaf.kind === 'int' ? 'int32' : 'float32');
  let n = 0;
  const walk = (x: unknown, p: string, depth: number): void => {
    if (depth === resolved.length) {
      out.data[n++] = leafValue(x, p, leaf);
      return;
    }
    const d = resolved[depth]!;
    if (!Array.isArray(x) || x.length !== d) {
      const rest = resolved.slice(depth);
      const got = Array.isArray(x) ? dims(observedShape(x, rest.length).dims) : describe(x);
      throw new SetupError(p, `${dims(rest)} ${many(leaf)}`, got);
    }
    for (let i = 0; i < d; i++) walk(x[i], index(p, i), depth + 1);
  };
  walk(v, path, 0);
  return out;
}

function many(leaf: Leaf): string {
  return leaf.kind === 'float' ? 'numbers' : leaf.many;
}

function leafValue(x: unknown, path: string, leaf: Leaf): number {
  if (leaf.kind === 'float') return finite(x, path);
  if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x >= leaf.below) {
    throw new SetupError(path, `${leaf.one}, an integer in [0, ${leaf.below})`, describe(x));
  }
  return x;
}
