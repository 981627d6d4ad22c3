import type { Params } from './graph.js';

/**
 * A node's parameters as a string, equal for equal parameters: part of the keys that CSE and
 * onnxruntime's session sharing compare. Most nodes have none, and for them this skips
 * JSON.stringify. (Memoising by parameter object in a WeakMap cost more than it saved.)
 */
export function paramsKey(params: Params): string {
  for (const _ in params) return JSON.stringify(params);
  return '{}';
}
