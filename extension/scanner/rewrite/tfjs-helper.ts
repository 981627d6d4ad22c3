/**
 * Source text of the TF.js helper inserted by the rewriter. TF.js has no forward mode, so this is
 * not MixFlow's forward-over-reverse: the inner gradient becomes one op whose backward
 * computes that step's Hessian-vector product by a local reverse-over-reverse pass on a tape of
 * its own and frees it. The outer tape then keeps each step's inputs only (MixFlow's memory shape).
 * Written once in TypeScript; JavaScript files get the same text with the types stripped.
 */
import ts from 'typescript';

export const TFJS_HELPERS = {
  grad: 'gradWithLocalHvp',
  grads: 'gradsWithLocalHvp',
  valueAndGrad: 'valueAndGradWithLocalHvp',
  valueAndGrads: 'valueAndGradsWithLocalHvp',
} as const;
/** Wraps a loss that reads tensors of the enclosing function so they become inputs of the op. */
export const TFJS_CAPTURING = 'capturing';
/** Every name the helper declares (a rescan skips their bodies; the rewrite checks they are free). */
export const TFJS_HELPER_NAMES = ['onOwnTape', TFJS_CAPTURING, 'valueAndGradsOnOwnTape', ...Object.values(TFJS_HELPERS)];
export const TFJS_HELPER_MARK = '// MixFlow Studio (`mixflow rewrite`): inner gradients with a per-step local HVP backward.';

const HELPER_TS = `${TFJS_HELPER_MARK}
// TF.js has no forward mode, so this is MixFlow's memory shape, not its forward-mode arithmetic:
// each inner gradient is one op whose backward computes that step's Hessian-vector product
// by a local reverse-over-reverse pass on a tape of its own and frees it. The outer gradient's tape
// keeps each step's inputs, not every intermediate of every inner backward pass. Same numbers as
// tf.grad/grads/valueAndGrad(s); the result can be differentiated once more (not twice).

/** Runs f on a tape of its own: nothing it records reaches (or stays on) an enclosing tape. */
function onOwnTape<T>(f: () => T): T {
  // Nested tf.grad calls share one tape, and an op's own forward records nothing (kernelDepth > 0).
  const s = (tf.engine() as any).state;
  const saved = [s.activeTape, s.gradientDepth, s.kernelDepth];
  s.activeTape = []; s.gradientDepth = 0; s.kernelDepth = 0;
  try { return f(); } finally { [s.activeTape, s.gradientDepth, s.kernelDepth] = saved; }
}

interface Capturing<F> { read: () => unknown[]; bind: (...values: any[]) => F }
/** A loss reading tensors of its enclosing function: bind(...read()) is the loss; those tensors become inputs of the op. */
function capturing<F>(read: () => unknown[], bind: (...values: any[]) => F): Capturing<F> { return { read, bind }; }
type LossArg = ((...args: any[]) => tf.Tensor) | Capturing<(...args: any[]) => tf.Tensor>;

/** tf.valueAndGrads(loss)(args, dy) as one op of args, dy and the tensors the loss reads (TF.js engine internals, 3.x/4.x). */
function valueAndGradsOnOwnTape(loss: LossArg, args: tf.Tensor[], dy: tf.Tensor | undefined, withValue: boolean): { value: tf.Tensor; grads: tf.Tensor[] } {
  const values = 'read' in loss ? loss.read() : [];
  const isTensor = (v: unknown): v is tf.Tensor => v instanceof tf.Tensor;
  const read = values.flatMap((v) => (isTensor(v) ? [v] : Array.isArray(v) ? v.filter(isTensor) : []));
  // The loss with the read tensors replaced by \`xs\` (arrays of tensors rebuilt in place).
  const lossOn = (xs: tf.Tensor[]) => {
    if (!('read' in loss)) return loss;
    let i = 0;
    return loss.bind(...values.map((v) => (isTensor(v) ? xs[i++] : Array.isArray(v) ? v.map((u) => (isTensor(u) ? xs[i++] : u)) : v)));
  };
  const inputs = [...args, ...(dy ? [dy] : []), ...read];
  const split = (xs: tf.Tensor[]) => ({ args: xs.slice(0, args.length), dy: dy && xs[args.length], read: xs.slice(args.length + (dy ? 1 : 0)) });
  // One multi-output op (tf.customGrad allows one output): the engine records it as a single tape
  // node holding its inputs; its outputs are the value (when asked for) and the gradients.
  const outputs: tf.Tensor[] = (tf.engine() as any).runKernelFunc({
    inputs: { ...inputs },
    forwardFunc: (_backend: unknown, save: (t: tf.Tensor[]) => void) => {
      save(inputs);
      const x = split(inputs);
      const out = onOwnTape(() => tf.valueAndGrads(lossOn(x.read))(x.args, x.dy));
      return [...(withValue ? [out.value] : []), ...out.grads];
    },
    // This step's HVP (plus the cross terms for dy and the read tensors): the gradient of
    // <value, dValue> + <grads, dGrads> over every input, computed on a tape of its own and freed.
    backwardsFunc: (dOut: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => onOwnTape(() => {
      const d = Array.isArray(dOut) ? dOut : [dOut];
      const dGrads = withValue ? d.slice(1) : d;
      const s = split(saved);
      const { grads } = tf.engine().gradients(() => {
        const o = tf.valueAndGrads(lossOn(s.read))(s.args, s.dy);
        const terms = o.grads.map((g, i) => tf.sum(tf.mul(g, dGrads[i])));
        return tf.addN(withValue ? [tf.sum(tf.mul(o.value, d[0])), ...terms] : terms);
      }, saved, undefined, true);
      return Object.fromEntries(grads.map((g, i) => [i, () => g ?? tf.zerosLike(saved[i])]));
    }),
  });
  const all = Array.isArray(outputs) ? outputs : [outputs];
  // Without the value, \`value\` is a placeholder the callers do not read.
  return { value: all[0], grads: withValue ? all.slice(1) : all };
}

/** Like tf.grad(f): pass the loss, or capturing(() => [t], (t) => loss) when the loss reads differentiated tensors t. */
function gradWithLocalHvp<I extends tf.Tensor>(loss: LossArg) {
  return (x: I, dy?: tf.Tensor): I => valueAndGradsOnOwnTape(loss, [x], dy, false).grads[0] as I;
}
function gradsWithLocalHvp(loss: LossArg) {
  return (args: tf.Tensor[], dy?: tf.Tensor): tf.Tensor[] => valueAndGradsOnOwnTape(loss, args, dy, false).grads;
}
function valueAndGradWithLocalHvp<I extends tf.Tensor, O extends tf.Tensor = tf.Scalar>(loss: LossArg) {
  return (x: I, dy?: tf.Tensor): { value: O; grad: I } => {
    const { value, grads } = valueAndGradsOnOwnTape(loss, [x], dy, true);
    return { value: value as O, grad: grads[0] as I };
  };
}
function valueAndGradsWithLocalHvp<O extends tf.Tensor = tf.Scalar>(loss: LossArg) {
  return (args: tf.Tensor[], dy?: tf.Tensor): { value: O; grads: tf.Tensor[] } => {
    const { value, grads } = valueAndGradsOnOwnTape(loss, args, dy, true);
    return { value: value as O, grads };
  };
}`;

let helperJs: string | undefined;

/** The helper for a TypeScript or JavaScript file whose TF.js namespace is bound to `ns`. */
export function tfjsHelper(ns: string, typed: boolean): string {
  // JavaScript: the same text with the types stripped (made on first use; the scanner loads lazily too).
  helperJs ??= ts.transpileModule(HELPER_TS, {
    compilerOptions: { target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.ESNext, removeComments: false },
  }).outputText.trim();
  const text = typed ? HELPER_TS : helperJs;
  return ns === 'tf' ? text : text.replace(/\btf\./g, `${ns}.`);
}
