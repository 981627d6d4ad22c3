import type { Origin } from '../ir/graph.js';

/**
 * Dynamic context stamped on every emitted node: the scope path (for grouping in the
 * profiler and webview) and the origin (which transformation made the node).
 */
let scopePath: string[] = [];
let origin: Origin = 'primal';

export function currentScope(): string {
  return scopePath.join('/');
}

export function currentOrigin(): Origin {
  return origin;
}

/** Runs `fn` with the scope replaced wholesale (reverse passes replay a forward node's scope). */
export function atScope<T>(scope: string, fn: () => T): T {
  const saved = scopePath;
  scopePath = scope === '' ? [] : scope.split('/');
  try {
    return fn();
  } finally {
    scopePath = saved;
  }
}

/** Runs `fn` one scope level deeper, e.g. `withScope('block/1', …)`. */
export function withScope<T>(name: string, fn: () => T): T {
  return atScope(currentScope() === '' ? name : `${currentScope()}/${name}`, fn);
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
