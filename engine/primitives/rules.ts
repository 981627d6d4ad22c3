import { sameShape } from '../core/shape.js';
import { add, mul } from '../ops/arith.js';
import { broadcastTo } from '../ops/shape.js';
import type { Tensor } from '../trace/tensor.js';

/** Helpers shared by the JVP/VJP rules; `null` is a symbolic zero throughout. */

export function broadcastTangent(t: Tensor, shape: readonly number[]): Tensor {
  return sameShape(t.shape, shape) ? t : broadcastTo(t, shape);
}

/** Sum of tangents (any may be zero), broadcast to the output's shape. */
export function sumTangents(out: Tensor, ...ts: (Tensor | null)[]): Tensor | null {
  const live = ts.filter((t): t is Tensor => t !== null);
  if (live.length === 0) return null;
  return broadcastTangent(live.reduce((a, b) => add(a, b)), out.shape);
}

/** Scales a possibly-zero tangent. */
export function scaleTangent(t: Tensor | null, by: Tensor): Tensor | null {
  return t === null ? null : mul(t, by);
}

/**
 * Rules of a unary elementwise primitive from its derivative: the JVP multiplies the
 * tangent by it, the VJP the cotangent.
 */
export function elementwiseRules(derivative: (x: Tensor, out: Tensor) => Tensor) {
  return {
    jvp: ([x]: Tensor[], [t]: (Tensor | null)[], out: Tensor) => scaleTangent(t, derivative(x, out)),
    vjp: (ct: Tensor, [x]: Tensor[], out: Tensor) => [mul(ct, derivative(x, out))],
  };
}

/** Rules of a primitive that is linear in its single input: apply it to the (co)tangent. */
export function linearRules(apply: (t: Tensor) => Tensor, transpose: (ct: Tensor, x: Tensor) => Tensor) {
  return {
    jvp: (_: Tensor[], [t]: (Tensor | null)[]) => (t === null ? null : apply(t)),
    vjp: (ct: Tensor, [x]: Tensor[]) => [transpose(ct, x)],
  };
}

/** `make()` where input `i`'s cotangent is wanted, else a symbolic zero (see `Primitive.vjp`). */
export function ifNeeded(needs: readonly boolean[], i: number, make: () => Tensor): Tensor | null {
  return needs[i] ? make() : null;
}

/** Rules of a primitive with no derivative (comparisons, integer outputs, constants). */
export const noDerivative = {
  jvp: () => null,
  vjp: (_ct: Tensor, primals: Tensor[]) => primals.map(() => null),
};
