/**
 * Elementwise ONNX ops: folded on the host when every input is a constant, else the engine's
 * op (which broadcasts as ONNX does, NumPy-style).
 */
import * as E from '../../../index.js';
import { kindOf, type ConstArray, type ConstKind } from '../constArray.js';
import { elementwise } from '../fold.js';
import { attrFloat, attrInt } from '../nodes.js';
import { isConst, type OpContext, type OpRule, type Value } from './context.js';

const resultKind = (xs: readonly ConstArray[]): ConstKind => (xs.some((x) => x.kind === 'float') ? 'float' : xs[0]!.kind);

function consts(c: OpContext): ConstArray[] {
  return [...Array(c.arity).keys()].map((k) => c.input(k) as ConstArray);
}

function binary(host: (a: number, b: number, kind: ConstKind) => number, engine: (a: E.Tensor, b: E.Tensor) => E.Tensor): OpRule {
  return (c) => {
    if (c.allConst()) {
      const xs = consts(c);
      const kind = resultKind(xs);
      return [c.guard(() => elementwise(xs, kind, (a, b) => host(a, b, kind)))];
    }
    return [c.guard(() => engine(c.tensor(0), c.tensor(1)))];
  };
}

function comparison(host: (a: number, b: number) => boolean, engine: (a: E.Tensor, b: E.Tensor) => E.Tensor): OpRule {
  return (c) => {
    if (c.allConst()) return [c.guard(() => elementwise(consts(c), 'bool', (a, b) => (host(a, b) ? 1 : 0)))];
    return [c.guard(() => engine(c.tensor(0), c.tensor(1)))];
  };
}

function unary(host: ((x: number) => number) | undefined, engine: (x: E.Tensor) => E.Tensor): OpRule {
  return (c) => {
    const x = c.input(0);
    if (isConst(x) && host) return [elementwise([x], x.kind === 'bool' ? 'int' : x.kind, host)];
    return [engine(c.tensor(0))];
  };
}

function foldOnly(host: (x: number) => number, what: string): OpRule {
  return (c) => {
    const x = c.constant(0, `${what}'s input`);
    return [elementwise([x], x.kind, host)];
  };
}

/** Ops the engine only needs on constants (shape arithmetic). */
function foldAll(c: OpContext, what: string, f: (...xs: number[]) => number): Value[] {
  const xs = [...Array(c.arity).keys()].map((k) => c.constant(k, `${what}'s input`));
  return [c.guard(() => elementwise(xs, resultKind(xs), f))];
}

/** max(x,0) + α·min(x,0), with min(x,0) = x − relu(x) exactly, so the slope at 0 is α (as PyTorch's). */
function leakyRelu(x: E.Tensor, alpha: number): E.Tensor {
  const r = E.relu(x);
  return E.add(r, E.mul(E.sub(x, r), alpha));
}

function cast(c: OpContext): Value[] {
  const to = kindOf(attrInt(c.node, 'to'));
  if (!to) c.fail(`cast to element type ${attrInt(c.node, 'to')} (only numbers and booleans are supported)`);
  const x = c.input(0);
  if (isConst(x)) {
    const f = to === 'float' ? (v: number) => v : to === 'int' ? Math.trunc : (v: number) => (v !== 0 ? 1 : 0);
    return [elementwise([x], to, f)];
  }
  if (to !== 'float') c.fail('a cast of a computed tensor to integers or booleans (the engine computes in floating point)');
  return [x];
}

function pow(c: OpContext): Value[] {
  const base = c.input(0);
  const exponent = c.constant(1, 'the exponent');
  if (isConst(base)) return [c.guard(() => elementwise([base, exponent], resultKind([base, exponent]), (a, b) => a ** b))];
  if (exponent.data.length !== 1) c.fail(`a tensor exponent of shape [${exponent.shape}] (only one constant exponent is supported)`);
  return [E.pow(base, exponent.data[0]!)];
}

export const elementwiseOps: Record<string, OpRule> = {
  Add: binary((a, b) => a + b, E.add),
  Sub: binary((a, b) => a - b, E.sub),
  Mul: binary((a, b) => a * b, E.mul),
  Div: binary((a, b, kind) => (kind === 'float' ? a / b : Math.trunc(a / b)), E.div),
  Pow: pow,
  Equal: comparison((a, b) => a === b, E.equal),
  Less: comparison((a, b) => a < b, (a, b) => E.compare(a, b, 'lt')),
  Greater: comparison((a, b) => a > b, E.greater),
  LessOrEqual: comparison((a, b) => a <= b, (a, b) => E.compare(a, b, 'le')),
  GreaterOrEqual: comparison((a, b) => a >= b, (a, b) => E.compare(a, b, 'ge')),
  Neg: unary((x) => -x, E.neg),
  Sqrt: unary(Math.sqrt, E.sqrt),
  Exp: unary(Math.exp, E.exp),
  Log: unary(Math.log, E.log),
  Tanh: unary(Math.tanh, E.tanh),
  Sigmoid: unary((x) => 1 / (1 + Math.exp(-x)), E.sigmoid),
  Relu: unary((x) => Math.max(x, 0), E.relu),
  Reciprocal: unary((x) => 1 / x, (x) => E.div(1, x)),
  Erf: unary(undefined, E.erf),
  LeakyRelu: (c) => {
    const alpha = attrFloat(c.node, 'alpha', 0.01);
    return [leakyRelu(c.tensor(0), alpha)];
  },
  Identity: (c) => [c.input(0)],
  Cast: cast,
  Not: foldOnly((x) => (x ? 0 : 1), 'Not'),
  Floor: foldOnly(Math.floor, 'Floor'),
  Ceil: foldOnly(Math.ceil, 'Ceil'),
  Abs: foldOnly(Math.abs, 'Abs'),
  And: (c) => [elementwise([c.constant(0, 'And'), c.constant(1, 'And')], 'bool', (a, b) => (a && b ? 1 : 0))],
  Or: (c) => [elementwise([c.constant(0, 'Or'), c.constant(1, 'Or')], 'bool', (a, b) => (a || b ? 1 : 0))],
  Min: (c) => foldAll(c, 'Min', Math.min),
  Max: (c) => foldAll(c, 'Max', Math.max),
  Where: (c) => {
    if (c.allConst()) {
      const [m, a, b] = consts(c);
      return [c.guard(() => elementwise([m!, a!, b!], resultKind([a!, b!]), (mm, x, y) => (mm ? x : y)))];
    }
    return [c.guard(() => E.select(c.tensor(0), c.tensor(1), c.tensor(2)))];
  },
};
