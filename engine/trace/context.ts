import type { Origin } from '../ir/graph.js';

/**
 * Dynamic context stamped on every emitted node: the scope path (for grouping in the
 * profiler and webview) and the origin (which transformation made the node).
 */
let scope = ''; // kept joined: every emitted node reads it
let origin: Origin = 'primal';

export function currentScope(): string {
  return scope;
}

export function currentOrigin(): Origin {
  return origin;
}

/** Runs `fn` with the scope replaced wholesale (reverse passes replay a forward node's scope). */
export function atScope<T>(to: string, fn: () => T): T {
  const saved = scope;
  scope = to;
  try {
    return fn();
  } finally {
    scope = saved;
  }
}

/** Runs `fn` one scope level deeper, e.g. `withScope('block/1', …)`. */
export function withScope<T>(name: string, fn: () => T): T {
  return atScope(scope === '' ? name : `${scope}/${name}`, fn);
}

export function withOrigin<T>(o: Origin, fn: () => T): T {
  const saved = origin;
  origin = o;
  try {
    return fn();
  } finally {
    origin = saved;
  }
}
