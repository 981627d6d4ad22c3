/**
 * `exportPytorch`: a setup as one self-contained, readable PyTorch program that computes the
 * same meta-gradient (both modes, remat, data parallel under torchrun). The program embeds the
 * setup and re-implements the spec's maths, so it needs nothing of MixFlow Studio.
 */
import type { Mode, Remat } from '../../meta/problem.js';
import type { Setup } from '../../setup/types.js';
import { dataPy } from './data.js';
import { GENERATOR_PY } from './generator.js';
import { headerPy } from './header.js';
import { INNER_GRADIENT_PY } from './innerGradient.js';
import { MAIN_GUARD, metaGradientPy } from './metaGradient.js';
import { modelPy } from './model.js';
import { onnxModelPy } from './onnxModel.js';
import { objectivePy } from './objective.js';
import { parallelPy } from './parallel.js';

/** The remat policies an exported program implements (its `--remat` choices). */
export const EXPORTED_REMATS: readonly string[] = ['none', 'step', 'block', 'step+block'];

export interface ExportOptions {
  readonly mode: Mode;
  readonly remat: Remat;
  /** The setup's file name, for the program's header. */
  readonly source: string;
  /** The program's own file name, for its usage lines. */
  readonly file: string;
}

/**
 * The program for a validated setup. `setupText` is the setup file's JSON (re-serialised
 * compactly into the program). An ONNX model is written out as PyTorch code, its weights embedded.
 */
export function exportPytorch(setup: Setup, setupText: string, opts: ExportOptions): string {
  if (!EXPORTED_REMATS.includes(opts.remat)) throw new Error(`remat ${opts.remat} is not exported (${EXPORTED_REMATS.join(', ')})`);
  const json = JSON.stringify(JSON.parse(setupText));
  if (json.includes('"""')) throw new Error('the setup contains """ and cannot be embedded in a Python string');
  const onnx = setup.model.kind === 'onnx' ? onnxModelPy(setup.model.graph, setup.model.file) : undefined;
  return [
    headerPy(setup, json, opts),
    GENERATOR_PY,
    dataPy(setup.model),
    onnx ? onnx.model : modelPy(setup.model),
    objectivePy(setup.loss, setup.optimizer),
    INNER_GRADIENT_PY,
    parallelPy(onnx?.wholeBatch),
    metaGradientPy(setup.model, opts),
    onnx?.weights ?? '',
    MAIN_GUARD,
  ].join('');
}
