/**
 * `mixflow init [DIR]`: writes example setups into DIR (created if needed), refusing to
 * overwrite any existing file (nothing is written then; exit 2). The examples are the bundled
 * files of engine/setup/examples/, imported so that a bundled CLI carries them.
 */
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import mlpHyper from '../engine/setup/examples/mlp-hyper.mixflow.json';
import transformerDataweight from '../engine/setup/examples/transformer-dataweight.mixflow.json';
import mamlCnn from '../engine/setup/examples/maml-cnn.mixflow.json';
import { EXAMPLE_MODELS } from '../engine/setup/examples/models.js';
import { stringifyJson } from '../engine/setup/result.js';
import { UsageError } from './args.js';

/** A setup (`json`) or a model file a setup names (`bytes`, generated). */
export type InitExample =
  | { file: string; description: string; json: unknown }
  | { file: string; description: string; bytes: () => Uint8Array };

export const INIT_EXAMPLES: readonly InitExample[] = [
  {
    file: 'mlp-hyper.mixflow.json',
    description: 'MLP, momentum, synthetic data: meta-gradients of per-tensor learning rates and weight decay',
    json: mlpHyper,
  },
  {
    file: 'transformer-dataweight.mixflow.json',
    description: 'small transformer, Adam, T = 2, synthetic data: meta-gradients of per-token example weights',
    json: transformerDataweight,
  },
  {
    file: 'maml-cnn.mixflow.json',
    description: 'MAML on the 4-conv CNN of maml-cnn.onnx (ONNX import), SGD, T = 2: meta-gradients of θ₀ and per-tensor learning rates',
    json: mamlCnn,
  },
  { file: 'maml-cnn.onnx', ...EXAMPLE_MODELS['maml-cnn.onnx']! },
];

/** The setups among the examples. */
export function exampleSetups(examples: readonly InitExample[] = INIT_EXAMPLES): { file: string; description: string; json: unknown }[] {
  return examples.flatMap((e) => ('json' in e ? [e] : []));
}

/** Raised when a target file exists; the CLI exits 2 on it like on any UsageError. */
export class InitError extends UsageError {
  constructor(message: string) {
    super(message);
    this.name = 'InitError';
  }
}

/** Writes the examples into `dir`; returns the written paths. Throws InitError, writing nothing, if any exists. */
export function writeExamples(dir: string, examples: readonly InitExample[] = INIT_EXAMPLES): string[] {
  const paths = examples.map((e) => join(dir, e.file));
  const existing = paths.filter((p) => existsSync(p));
  if (existing.length) {
    throw new InitError(`mixflow init: ${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''}; not overwriting (remove ${existing.length === 1 ? 'it' : 'them'} or choose another DIR)`);
  }
  mkdirSync(dir, { recursive: true });
  examples.forEach((e, i) => writeFileSync(paths[i]!, 'json' in e ? `${stringifyJson(e.json, 2)}\n` : e.bytes(), { flag: 'wx' }));
  return paths;
}

/** The `init` command: returns the exit status (0, or 2 when a file exists). */
export function runInit(dir: string, log: (line: string) => void = console.log, logError: (line: string) => void = console.error): number {
  try {
    const written = writeExamples(dir);
    written.forEach((p, i) => log(`wrote ${p}: ${INIT_EXAMPLES[i]!.description}`));
    log(`try: npx mixflow run ${written[0]} --json`);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      logError(e.message);
      return e.exitCode;
    }
    throw e;
  }
}
