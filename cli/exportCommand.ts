import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { EXPORTED_REMATS, exportPytorch } from '../engine/export/pytorch/index.js';
import { UsageError, type Options } from './args.js';
import { readSetup, writeFileAtomic } from './io.js';

/** `mixflow export SETUP --to pytorch`: the setup as one PyTorch program, to -o FILE or stdout. */
export function exportCommand(path: string, options: Options): number {
  const setup = readSetup(path);
  if (options.to !== 'pytorch') throw new UsageError(`--to: expected pytorch, got ${JSON.stringify(options.to)}`);
  if (!EXPORTED_REMATS.includes(options.remat)) {
    throw new UsageError(`--remat: expected ${EXPORTED_REMATS.join(', ')} for an exported program (binomial checkpointing is the engine's own), got ${JSON.stringify(options.remat)}`);
  }
  const file = options.output ?? `${basename(path).replace(/\.mixflow\.json$|\.json$/, '')}_meta.py`;
  const program = exportPytorch(setup, readFileSync(path, 'utf8'), { mode: options.mode, remat: options.remat, source: basename(path), file: basename(file) });
  if (options.output === undefined) {
    process.stdout.write(program);
    return 0;
  }
  writeFileAtomic(options.output, program);
  process.stderr.write(`mixflow: wrote ${options.output} (run it with python3, or torchrun --nproc_per_node N)\n`);
  return 0;
}
