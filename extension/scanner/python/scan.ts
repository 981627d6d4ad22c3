/** All Python patterns over one file. */
import type { Finding } from '../findings.js';
import { parsePython } from './parse.js';
import { PyContext } from './context.js';
import { findCreateGraph } from './patterns/torch-create-graph.js';
import { findTorchFunctional } from './patterns/torch-functional.js';
import { findLibraries } from './patterns/libraries.js';
import { findFunctional } from './patterns/functional.js';

export function scanPython(path: string, text: string): Finding[] {
  const ctx = new PyContext(parsePython(path, text));
  return [...findCreateGraph(ctx), ...findTorchFunctional(ctx), ...findLibraries(ctx), ...findFunctional(ctx)];
}
