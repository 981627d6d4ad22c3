/**
 * Insertions at module level: a missing `import torch` / `import jax`, and the
 * MixFlow helper, placed once after the file's top-level imports.
 */
import type { TextEdit } from '../findings.js';
import type { PyContext } from '../python/context.js';
import { children } from '../python/parse.js';
import { HELPER_MODULE, HELPER_NAMES } from './helper-module.js';

/** Offset just after the last top-level import (or after the module docstring). */
const insertionPoints = new WeakMap<PyContext, number>();

export function afterImports(ctx: PyContext): number {
  const known = insertionPoints.get(ctx);
  if (known !== undefined) return known;
  const at = findAfterImports(ctx);
  insertionPoints.set(ctx, at);
  return at;
}

function findAfterImports(ctx: PyContext): number {
  const top = ctx.doc.tree.topNode;
  let offset = 0;
  for (const stmt of children(top)) {
    const isDocstring = offset === 0 && stmt.name === 'ExpressionStatement' && stmt.firstChild?.name === 'String';
    if (stmt.name === 'ImportStatement' || isDocstring) offset = stmt.to;
    else if (stmt.name !== 'Comment') break;
  }
  return offset;
}

/** `import <module>` unless `<module>` is already bound to that module. */
export function ensureImport(ctx: PyContext, module: 'torch' | 'jax'): TextEdit[] {
  if (ctx.names.binds(module, module)) return [];
  const at = afterImports(ctx);
  return [ctx.edit(at, at, at === 0 ? `import ${module}\n` : `\nimport ${module}`)];
}

/**
 * Inserts `helper` after the imports (identical insertions are merged when edits are applied), or
 * with `helper: 'module'` an import of it from mixflow_mg.py, which the rewrite writes beside the file.
 */
export function insertHelper(ctx: PyContext, module: 'torch' | 'jax', helper: string): TextEdit[] {
  const at = afterImports(ctx);
  if (ctx.options.helper === 'module') {
    const line = `from ${HELPER_MODULE} import ${HELPER_NAMES[module].join(', ')}`;
    return [...ensureImport(ctx, module), ctx.edit(at, at, at === 0 ? `${line}\n` : `\n${line}`)];
  }
  const text = at === 0 ? `${helper}\n\n` : `\n\n\n${helper}`;
  return [...ensureImport(ctx, module), ctx.edit(at, at, text)];
}
