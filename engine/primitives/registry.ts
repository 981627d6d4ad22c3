import type { Primitive } from './types.js';

const byName = new Map<string, Primitive>();

export function registerPrimitives(prims: readonly Primitive[]): void {
  for (const p of prims) {
    if (byName.has(p.name)) throw new Error(`primitive '${p.name}' is defined twice`);
    byName.set(p.name, p);
  }
}

export function getPrimitive(name: string): Primitive {
  const p = byName.get(name);
  if (!p) throw new Error(`unknown primitive '${name}'`);
  return p;
}

export function primitiveNames(): string[] {
  return [...byName.keys()];
}
