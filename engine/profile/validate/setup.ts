/** `$.setup` of a profile: the summary of the setup its runs measured. */
import { int, ints, oneOf, record, str, strings } from './readers.js';

export function validateSetup(v: unknown): void {
  const s = record(v, '$.setup');
  if (s.path !== null) str(s.path, '$.setup.path');
  const m = record(s.model, '$.setup.model');
  const kind = oneOf(m.kind, '$.setup.model.kind', ['mlp', 'transformer', 'onnx'] as const);
  if (kind === 'onnx') {
    str(m.file, '$.setup.model.file');
    int(m.nodes, '$.setup.model.nodes', 1);
    int(m.blocks, '$.setup.model.blocks', 1);
    ints(m.input, '$.setup.model.input', undefined, undefined, 1);
    ints(m.output, '$.setup.model.output', undefined, undefined, 1);
  } else if (kind === 'mlp') {
    ints(m.sizes, '$.setup.model.sizes', undefined, undefined, 1);
    str(m.activation, '$.setup.model.activation');
  } else {
    for (const k of ['vocab', 'd_model', 'heads', 'layers', 'seq', 'd_ff']) int(m[k], `$.setup.model.${k}`, 1);
  }
  oneOf(s.loss, '$.setup.loss', ['mse', 'xent'] as const);
  str(s.optimizer, '$.setup.optimizer');
  for (const k of ['inner_steps', 'inner_batch', 'outer_batch']) int(s[k], `$.setup.${k}`, 1);
  strings(s.wrt, '$.setup.wrt');
  int(s.parameters, '$.setup.parameters');
}
