import { Tensor } from '../trace/tensor.js';

/**
 * Pytrees, lite: transformations take and return nested arrays and plain objects of
 * tensors (parameter lists, optimiser states). `null` leaves stand for symbolic zeros.
 */
export type Tree<T = Tensor> = T | null | readonly Tree<T>[] | { readonly [key: string]: Tree<T> };

export type TreeDef =
  | { kind: 'leaf' }
  | { kind: 'array'; children: TreeDef[] }
  | { kind: 'object'; keys: string[]; children: TreeDef[] };

function isLeaf(x: unknown): boolean {
  return x === null || x instanceof Tensor || typeof x !== 'object';
}

/** Splits a tree into leaves and structure; `leaf` decides what counts as a leaf. */
export function flatten<T>(tree: Tree<T>, leaf: (x: unknown) => boolean = isLeaf): { leaves: (T | null)[]; def: TreeDef } {
  const leaves: (T | null)[] = [];
  const walk = (t: unknown): TreeDef => {
    if (t === null || leaf(t)) {
      leaves.push(t as T | null);
      return { kind: 'leaf' };
    }
    if (Array.isArray(t)) return { kind: 'array', children: t.map(walk) };
    const keys = Object.keys(t as object);
    return { kind: 'object', keys, children: keys.map((k) => walk((t as Record<string, unknown>)[k])) };
  };
  const def = walk(tree);
  return { leaves, def };
}

export function unflatten<T>(def: TreeDef, leaves: readonly (T | null)[]): Tree<T> {
  let i = 0;
  const build = (d: TreeDef): Tree<T> => {
    if (d.kind === 'leaf') return leaves[i++];
    if (d.kind === 'array') return d.children.map(build);
    const obj: Record<string, Tree<T>> = {};
    d.keys.forEach((k, j) => (obj[k] = build(d.children[j])));
    return obj;
  };
  const out = build(def);
  if (i !== leaves.length) throw new Error(`tree has ${i} leaves, got ${leaves.length}`);
  return out;
}

export function leafCount(def: TreeDef): number {
  return def.kind === 'leaf' ? 1 : def.children.reduce((n, c) => n + leafCount(c), 0);
}

/** Maps the leaves of one tree. */
export function mapTree<A, B>(tree: Tree<A>, fn: (x: A) => B): Tree<B> {
  const { leaves, def } = flatten(tree);
  return unflatten(def, leaves.map((x) => (x === null ? null : fn(x))));
}
