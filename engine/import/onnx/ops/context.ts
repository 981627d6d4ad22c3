/**
 * What an op's mapping sees: its node, the opset, and its inputs as `Value`s, either engine
 * tensors (computed from x and θ at run time) or host constants (initializers that are not
 * parameters, Constant nodes, and everything folded from them and from shapes).
 */
import * as E from '../../../index.js';
import type { ConstArray } from '../constArray.js';
import { OnnxImportError, nodeLabel } from '../errors.js';
import type { OnnxNode } from '../nodes.js';

export type Value = E.Tensor | ConstArray;

export function isConst(v: Value): v is ConstArray {
  return !(v instanceof E.Tensor);
}

export function shapeOf(v: Value): readonly number[] {
  return v.shape;
}

/** A host constant as an engine constant (float32 graph values; int32 only for ids). */
export function lift(v: Value): E.Tensor {
  if (!isConst(v)) return v;
  return E.constant(Array.from(v.data), v.shape);
}

export class OpContext {
  constructor(
    readonly node: OnnxNode,
    readonly opset: number,
    private readonly values: readonly (Value | undefined)[],
  ) {}

  get arity(): number {
    return this.values.length;
  }

  fail(reason: string): never {
    throw new OnnxImportError(nodeLabel(this.node), reason);
  }

  /** Input k, or undefined when omitted. */
  maybe(k: number): Value | undefined {
    return this.values[k];
  }

  input(k: number): Value {
    const v = this.values[k];
    if (!v) this.fail(`input ${k} is required`);
    return v;
  }

  /** Input k as an engine tensor (constants lifted). */
  tensor(k: number): E.Tensor {
    return lift(this.input(k));
  }

  /** Input k, which must be known at import (`what` says what it is, for the error). */
  constant(k: number, what: string): ConstArray {
    const v = this.input(k);
    if (!isConst(v)) this.fail(`${what} (input ${k}) must be a constant known at import; here it is computed from the model's input or parameters`);
    return v;
  }

  maybeConstant(k: number, what: string): ConstArray | undefined {
    return this.values[k] === undefined ? undefined : this.constant(k, what);
  }

  /** Whether every given input is a host constant (then the op folds). */
  allConst(): boolean {
    return this.values.every((v) => v === undefined || isConst(v));
  }

  /** Runs `f` with errors from shape checks reported at this node. */
  guard<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (e instanceof OnnxImportError) throw e;
      this.fail((e as Error).message);
    }
  }
}

export type OpRule = (c: OpContext) => Value[];
