import type * as E from '../index.js';
import type { LossKind, MetaName, ModelSpec, OptimizerSpec } from '../setup/types.js';

export type { MetaName } from '../setup/types.js';
export type Mode = 'standard' | 'mixflow';
export { REMATS, type Remat } from './remat.js';

/** The static description of a bilevel problem: everything but the numbers. */
export interface MetaProblem {
  readonly model: ModelSpec;
  readonly loss: LossKind;
  readonly optimizer: OptimizerSpec;
  /** θ's tensors in order, with names (profiles and results key by them). */
  readonly params: readonly { readonly name: string; readonly shape: readonly number[]; readonly decayed: boolean }[];
  readonly steps: number;
  readonly wrt: readonly MetaName[];
  /** Whether the inner loss has a weight-decay term (the setup's η has `log_wd`). */
  readonly weightDecay: boolean;
}

/** The tensors of one bilevel problem, as the traced meta-gradient function receives them. */
export interface MetaTensors {
  readonly theta0: E.Tensor[];
  readonly eta: { readonly log_lr: E.Tensor; readonly log_wd?: E.Tensor; readonly example_logits: E.Tensor };
  readonly inner: readonly { readonly x: E.Tensor; readonly y: E.Tensor }[];
  readonly outer: { readonly x: E.Tensor; readonly y: E.Tensor };
}
