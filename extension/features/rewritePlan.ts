/**
 * Which text edits a rewrite makes (pure; no vscode import). The extension only ever applies
 * the scanner's own edits, so it changes exactly what `mixflow rewrite` changes and never the
 * maths: for a whole file, the edits of the findings the scanner applied (identical helper
 * insertions once), checked against the scanner's rewritten text before anything is applied.
 */
import type { BlockerId, Finding, PatternId, RewriteResult, TextEdit } from '../scanner/index.js';

/** What identifies a finding across rescans (a code lens carries it to the command). */
export interface FindingKey {
  readonly line: number;
  readonly column: number;
  readonly pattern: string;
}

export function findingKey(f: Finding): FindingKey {
  return { line: f.line, column: f.column, pattern: f.pattern };
}

export function isFindingKey(v: unknown): v is FindingKey {
  const k = v as FindingKey;
  return typeof k === 'object' && k !== null && Number.isInteger(k.line) && Number.isInteger(k.column) && typeof k.pattern === 'string';
}

export function findByKey(findings: readonly Finding[], key: FindingKey): Finding | undefined {
  return findings.find((f) => f.line === key.line && f.column === key.column && f.pattern === key.pattern);
}

/** The finding whose lines contain `line` (1-based); the innermost when several do. */
export function findingAtLine(findings: readonly Finding[], line: number): Finding | undefined {
  const here = findings.filter((f) => f.line <= line && line <= f.endLine);
  return here.sort((a, b) => a.endLine - a.line - (b.endLine - b.line))[0];
}

/** Rewritable findings whose lines meet lines `first`..`last` (1-based): the quick fixes offered there. */
export function rewritableOnLines(findings: readonly Finding[], first: number, last: number): Finding[] {
  return findings.filter((f) => f.rewritable && f.line <= last && first <= f.endLine);
}

function editKey(e: TextEdit): string {
  return `${e.range.start.offset}:${e.range.end.offset}:${e.newText}`;
}

/** Edits of the given findings, identical ones once, in the scanner's order. */
export function uniqueEdits(findings: readonly Finding[]): TextEdit[] {
  const seen = new Set<string>();
  return findings.flatMap((f) => f.edits).filter((e) => !seen.has(editKey(e)) && !!seen.add(editKey(e)));
}

/**
 * Applies edits the way an editor applies one batch: positions refer to the original text,
 * inserts at one position appear in the order given. Throws on overlapping edits.
 */
export function applyTextEdits(text: string, edits: readonly TextEdit[]): string {
  const ordered = edits.map((e, i) => ({ e, i })).sort((a, b) => a.e.range.start.offset - b.e.range.start.offset || a.i - b.i);
  let out = '';
  let at = 0;
  for (const { e } of ordered) {
    if (e.range.start.offset < at) throw new Error(`overlapping edits at offset ${e.range.start.offset}`);
    out += text.slice(at, e.range.start.offset) + e.newText;
    at = e.range.end.offset;
  }
  return out + text.slice(at);
}

export type FilePlan = { readonly edits: TextEdit[]; readonly applied: number; readonly notRewritten: readonly Finding[] } | { readonly error: string };

/** The edits that turn `text` into the scanner's rewrite of it, or why there are none. */
export function planFileRewrite(text: string, result: RewriteResult): FilePlan {
  if (result.text === null) {
    return {
      error: result.findings.length === 0
        ? 'no reverse-over-reverse meta-gradient code found, nothing to rewrite'
        : `none of the ${result.findings.length} finding(s) can be rewritten without changing the maths`,
    };
  }
  const edits = uniqueEdits(result.applied);
  if (applyTextEdits(text, edits) !== result.text) return { error: "the scanner's edits do not reproduce its rewrite; nothing was changed" };
  return { edits, applied: result.applied.length, notRewritten: result.notRewritten };
}

/** What a site is, in a few words (the lens and the Problems entry lead with it). */
const WHAT: Record<PatternId, string> = {
  'torch-create-graph-hvp': 'Hessian-vector product', 'torch-functional-hvp': 'Hessian-vector product',
  'jax-hvp': 'Hessian-vector product', 'torch-func-hvp': 'Hessian-vector product',
  'torch-double-backward-jvp': 'JVP by double backward',
  'torch-unrolled-inner-loop': 'inner loop', 'torch-func-unrolled-inner-loop': 'inner loop', 'jax-unrolled-inner-loop': 'inner loop',
  'torch-create-graph-double-backward': 'double backward', 'torch-backward-create-graph': 'backward(create_graph=True)',
  'torch-functional-hessian': 'Hessian', 'jax-jacrev-jacrev': 'Hessian', 'torch-func-jacrev-jacrev': 'Hessian',
  'jax-grad-of-grad': 'grad of grad', 'torch-func-grad-of-grad': 'grad of grad',
  'higher-innerloop': 'higher inner loop', 'learn2learn-maml-second-order': 'learn2learn MAML', 'torchopt-meta-optimizer': 'torchopt meta-optimiser',
  'torchmeta-gradient-update': 'torchmeta inner step', 'tfjs-nested-grad': 'nested tf.grad',
};

/** Why a site is blocked, in a few words. */
const WHY: Record<BlockerId, string> = {
  'custom-function-without-jvp': 'autograd.Function without jvp', 'fused-attention': 'fused attention', 'custom-vjp-in-inner-loss': 'custom_vjp in the loss',
  'torch-compile': 'torch.compile', 'in-place-parameter-update': 'in-place parameter update', 'tracked-batchnorm-stats': 'BatchNorm running stats',
  'random-in-loss': 'randomness in the loss', 'tensor-to-python': '.item() in the loss', 'inner-loss-not-a-function': 'loss not liftable',
  'unsupported-site': 'shape not supported', 'library-inner-step': 'a library-owned inner step',
  'functional-outer-transform': 'outer torch.func transform', 'captured-differentiated-tensor': 'a captured differentiated value',
};

/**
 * What the rewrite turns a site into, in a few words. TF.js has no forward mode: its rewrite keeps
 * MixFlow's memory shape (a per-step local HVP backward), not its forward-over-reverse arithmetic.
 */
export function rewriteTarget(f: Finding): string {
  return f.pattern === 'tfjs-nested-grad' ? 'a local-HVP backward' : 'mixed mode';
}

/** The quick fix's title for a rewritable finding. */
export function quickFixTitle(f: Finding): string {
  return `MixFlow: rewrite to ${rewriteTarget(f)}`;
}

/** A code lens's title for a finding: what, and what to do, in a few words. */
export function lensTitle(f: Finding): string {
  const what = `MixFlow: reverse-over-reverse ${WHAT[f.pattern]}`;
  if (f.rewritable) return `${what}: rewrite to ${rewriteTarget(f)}`;
  const b = f.blockers[0];
  if (!b) return `${what}: explain`;
  return `${what}: blocked by ${WHY[b.id]}${b.line === f.line ? '' : ` (line ${b.line})`}`;
}

/**
 * The reason and the fix, one short paragraph: what the hover and the Problems entry lead with
 * (the detail follows in the hover).
 */
export function summary(f: Finding): string {
  const what = `Reverse-over-reverse ${WHAT[f.pattern]}`;
  if (f.rewritable && f.pattern === 'tfjs-nested-grad') {
    return `${what}: the outer gradient keeps every intermediate of every inner backward pass. ` +
      "Fix: rewrite the inner gradient to a custom op whose backward computes each step's Hessian-vector product locally and frees it: " +
      "the same numbers with less memory and more time. TF.js has no forward mode, so this is MixFlow's memory shape, not its forward-mode arithmetic.";
  }
  if (f.rewritable) {
    return `${what}: the outer gradient keeps every intermediate of the inner backward pass. ` +
      'Fix: rewrite it to mixed mode (forward-over-reverse), the same numbers with less memory.';
  }
  const reasons = f.blockers.map((b) => `${b.message} (line ${b.line})`).join('; ');
  return `${what}, not rewritable: ${reasons}.`;
}

/** Markdown-escapes text without turning spaces into &nbsp; (so hovers wrap between words). */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-!<>|~]/g, (c) => `\\${c}`);
}
