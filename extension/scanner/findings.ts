/**
 * The Finding type shared by the scanner, the rewriter, the CLI and (later)
 * the VS Code extension. Everything here is plain JSON-serialisable data.
 */

/** Every pattern the scanner can report. Stable ids: tests, docs and quick fixes key on them. */
export type PatternId =
  // PyTorch, reverse-mode autograd with create_graph=True
  | 'torch-create-graph-hvp'
  | 'torch-double-backward-jvp'
  | 'torch-unrolled-inner-loop'
  | 'torch-create-graph-double-backward'
  | 'torch-backward-create-graph'
  // PyTorch, torch.autograd.functional
  | 'torch-functional-hvp'
  | 'torch-functional-hessian'
  // PyTorch meta-learning libraries
  | 'higher-innerloop'
  | 'learn2learn-maml-second-order'
  | 'torchopt-meta-optimizer'
  | 'torchmeta-gradient-update'
  // Functional transforms (JAX and torch.func share one analysis)
  | 'jax-hvp'
  | 'jax-jacrev-jacrev'
  | 'jax-grad-of-grad'
  | 'jax-unrolled-inner-loop'
  | 'torch-func-hvp'
  | 'torch-func-jacrev-jacrev'
  | 'torch-func-grad-of-grad'
  | 'torch-func-unrolled-inner-loop'
  // TensorFlow.js
  | 'tfjs-nested-grad';

export type BlockerId =
  | 'custom-function-without-jvp'
  | 'fused-attention'
  | 'custom-vjp-in-inner-loss'
  | 'torch-compile'
  | 'in-place-parameter-update'
  // The inner loss changes state or draws random numbers: the mixed-mode backward re-runs it.
  | 'tracked-batchnorm-stats'
  | 'random-in-loss'
  | 'tensor-to-python'
  // Not a blocker in the code itself: the rewriter cannot serve this shape (the message says why and what to do).
  | 'inner-loss-not-a-function'
  | 'unsupported-site'
  | 'library-inner-step'
  | 'functional-outer-transform'
  // TF.js: the inner loss reads a differentiated value the custom op cannot take as an input.
  | 'captured-differentiated-tensor';

/** 1-based line and column, plus the 0-based character offset into the file text. */
export interface Position {
  line: number;
  column: number;
  offset: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/** Replace the text in `range` with `newText` (an insertion when the range is empty). */
export interface TextEdit {
  range: Range;
  newText: string;
}

export interface Blocker {
  id: BlockerId;
  /** What blocks and what to do, one sentence; names the expression when there is one. */
  message: string;
  /** The source text of the blocking expression (shortened), when the blocker is one. */
  expression?: string;
  line: number;
  column: number;
}

export interface Finding {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  pattern: PatternId;
  message: string;
  /** What reverse-over-reverse stores here and why mixed mode does not. */
  explanation: string;
  rewritable: boolean;
  blockers: Blocker[];
  /** Edits that rewrite this site to mixed mode; empty when not rewritable. */
  edits: TextEdit[];
  /**
   * "Extract inner loss into a function": edits that only move the inline inner loss into a
   * local function and call it (the maths unchanged); after them the site rewrites through the
   * named function. Present when the inner loss is inline.
   */
  extract?: TextEdit[];
}
