/**
 * Small typed readers of a parsed profile: each checks one value at a JSON path and returns
 * it typed, or throws the `ProfileError` saying what was expected there.
 */
import { fail } from './error.js';

export type Rec = Record<string, unknown>;

export function record(v: unknown, path: string): Rec {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(path, 'an object', v);
  return v as Rec;
}

export function str(v: unknown, path: string): string {
  if (typeof v !== 'string') fail(path, 'a string', v);
  return v;
}

export function oneOf<T extends string>(v: unknown, path: string, choices: readonly T[]): T {
  if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) fail(path, `one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`, v);
  return v as T;
}

export function nonNeg(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(path, 'a number ≥ 0', v);
  return v;
}

export function int(v: unknown, path: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    fail(path, max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`, v);
  }
  return v;
}

export function array(v: unknown, path: string, length?: number, lengthWhy?: string): unknown[] {
  if (!Array.isArray(v)) fail(path, length === undefined ? 'an array' : `an array of ${length}${lengthWhy ? ` (${lengthWhy})` : ''}`, v);
  if (length !== undefined && v.length !== length) fail(path, `an array of ${length}${lengthWhy ? ` (${lengthWhy})` : ''}`, v);
  return v;
}

export function ints(v: unknown, path: string, length?: number, why?: string, min = 0, max?: number): number[] {
  const a = array(v, path, length, why);
  for (let i = 0; i < a.length; i++) int(a[i], `${path}[${i}]`, min, max);
  return a as number[];
}

export function intLists(v: unknown, path: string, length: number, why: string): number[][] {
  const a = array(v, path, length, why);
  for (let i = 0; i < a.length; i++) ints(a[i], `${path}[${i}]`);
  return a as number[][];
}

export function strings(v: unknown, path: string, length?: number, why?: string): string[] {
  const a = array(v, path, length, why);
  a.forEach((x, i) => str(x, `${path}[${i}]`));
  return a as string[];
}

export function sameList(v: unknown, path: string, expected: readonly string[]): void {
  const a = array(v, path);
  if (a.length !== expected.length || a.some((x, i) => x !== expected[i])) fail(path, JSON.stringify(expected), v, JSON.stringify(v));
}

/** A record of byte counts that sums to `total`; with `keys`, exactly those keys. */
export function byteGroups(v: unknown, path: string, total: number, keys?: readonly string[]): void {
  const r = record(v, path);
  let sum = 0;
  for (const k of keys ?? Object.keys(r)) sum += int(r[k], `${path}[${JSON.stringify(k)}]`);
  if (sum !== total) fail(path, `byte counts summing to the peak, ${total}`, v, `a sum of ${sum}`);
}
