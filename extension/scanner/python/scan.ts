/** All Python patterns over one file. */
import type { Finding } from '../findings.js';
import { parsePython, type PythonParser } from './parse.js';
import { PyContext } from './context.js';
import type { RewriteOptions } from '../rewrite/helper-module.js';
import { findCreateGraph } from './patterns/torch-create-graph.js';
import { findTorchFunctional } from './patterns/torch-functional.js';
import { findLibraries } from './patterns/libraries.js';
import { findFunctional } from './patterns/functional.js';
import { findTorchFuncInner } from './patterns/torch-func-inner.js';

/** Every pattern needs one of these words; files without any are not parsed at all. */
const TRIGGERS = /grad|hvp|vhp|hessian|jacrev|vjp|innerloop_ctx|diff_optim|MAML|MetaSGD|MetaAdam|MetaRMSProp|MetaOptimizer|adapt|create_graph/;

export function scanPython(path: string, text: string, prefer: PythonParser = 'fast', options: RewriteOptions = {}): Finding[] {
  if (!TRIGGERS.test(text)) return [];
  const ctx = new PyContext(parsePython(path, text, prefer), options);
  const functional = findFunctional(ctx);
  const reported = new Set(functional.map((f) => offsetOf(ctx, f)));
  return [...findCreateGraph(ctx), ...findTorchFunctional(ctx), ...findLibraries(ctx), ...functional, ...findTorchFuncInner(ctx, reported)];
}

function offsetOf(ctx: PyContext, f: Finding): number {
  return ctx.doc.lines.offsetOf(f.line, f.column);
}
