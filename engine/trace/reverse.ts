import type { Params } from '../ir/graph.js';
import type { Primitive } from '../primitives/types.js';
import { bind, bindCheckpoint } from './bind.js';
import { atScope, currentScope, withOrigin } from './context.js';
import { fullRaise, Tensor, Trace, withNewMain, type CustomVjpRule, type TensorFn } from './tensor.js';

type Cotangents = (Tensor | null)[];

/** One recorded application: which tape ids it read and wrote, and how to pull back through it. */
interface TapeEntry {
  readonly what: string;
  readonly inIds: readonly number[];
  readonly outIds: readonly number[];
  readonly scope: string;
  readonly vjp: (cts: Cotangents) => Cotangents;
}

/**
 * Reverse mode as a tape of closures over lower-level values. The pullback's rules are
 * ordinary engine ops, so lower levels (reverse or forward) differentiate the backward
 * pass itself: this is what makes reverse-over-reverse and forward-over-reverse work.
 */
export class ReverseTensor extends Tensor {
  constructor(readonly trace: ReverseTrace, readonly primal: Tensor, readonly id: number) {
    super();
  }
  get aval() {
    return this.primal.aval;
  }
}

export class ReverseTrace extends Trace {
  private readonly entries: TapeEntry[] = [];
  private nextId = 0;

  newInput(primal: Tensor): ReverseTensor {
    return new ReverseTensor(this, primal, this.nextId++);
  }

  lift(x: Tensor): Tensor {
    return new ReverseTensor(this, x, -1);
  }

  /** Records an entry when any input is differentiable; else passes the lower values through. */
  private record(what: string, inputs: ReverseTensor[], outs: Tensor[], vjp: TapeEntry['vjp']): Tensor[] {
    if (inputs.every((x) => x.id < 0)) return outs;
    const outIds = outs.map(() => this.nextId++);
    this.entries.push({ what, inIds: inputs.map((x) => x.id), outIds, scope: currentScope(), vjp });
    return outs.map((o, k) => new ReverseTensor(this, o, outIds[k]));
  }

  processPrimitive(prim: Primitive, inputs: Tensor[], params: Params): Tensor {
    const ins = inputs as ReverseTensor[];
    const primals = ins.map((x) => x.primal);
    const out = bind(prim.name, primals, params);
    // A constant input's cotangent would be built and dropped: the rule is told to skip it.
    const needs = ins.map((x) => x.id >= 0);
    return this.record(prim.name, ins, [out], (cts) => prim.vjp(cts[0] as Tensor, primals, out, params, needs))[0];
  }

  /** Keeps only the region's inputs; its backward recomputes the region and pulls back through it. */
  processCheckpoint(f: TensorFn, inputs: Tensor[]): Tensor[] {
    const ins = inputs as ReverseTensor[];
    const primals = ins.map((x) => x.primal);
    const outs = bindCheckpoint(f, primals);
    return this.record('checkpoint', ins, outs, (cts) => {
      const [, pullback] = withOrigin('remat', () => vjpCall(f, primals));
      return pullback(cts);
    });
  }

  processCustomVjp(rule: CustomVjpRule, inputs: Tensor[]): Tensor[] {
    const ins = inputs as ReverseTensor[];
    const { outputs, residuals } = rule.fwd(...ins.map((x) => x.primal));
    const needed = ins.map((x) => x.id >= 0);
    return this.record('customVjp', ins, outputs, (cts) => withOrigin('customVjp', () => rule.bwd(residuals, cts, needed)));
  }

  backprop(outIds: readonly number[], outCts: Cotangents, inIds: readonly number[]): Cotangents {
    const acc = new Map<number, Tensor>();
    const accumulate = (id: number, ct: Tensor | null) => {
      if (id < 0 || ct === null) return;
      const prev = acc.get(id);
      acc.set(id, prev === undefined ? ct : bind('add', [prev, ct]));
    };
    outIds.forEach((id, k) => accumulate(id, outCts[k]));
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i];
      const cts = e.outIds.map((id) => acc.get(id) ?? null);
      if (cts.every((c) => c === null)) continue;
      for (const id of e.outIds) acc.delete(id);
      const inCts = atScope(e.scope, () => withOrigin('cotangent', () => e.vjp(cts)));
      if (inCts.length !== e.inIds.length) {
        throw new Error(`${e.what}: VJP gave ${inCts.length} cotangents for ${e.inIds.length} inputs`);
      }
      e.inIds.forEach((id, j) => accumulate(id, inCts[j]));
    }
    return inIds.map((id) => acc.get(id) ?? null);
  }
}

export type Pullback = (cts: Cotangents) => Cotangents;

/** Pushes a reverse-mode level, evaluates `f` and returns its outputs and pullback. */
export function vjpCall(f: TensorFn, primals: readonly Tensor[]): [Tensor[], Pullback] {
  return withNewMain(
    (main) => new ReverseTrace(main),
    (main) => {
      const trace = main.trace as ReverseTrace;
      const ins = primals.map((p) => trace.newInput(p));
      const outs = f(...ins).map((o) => fullRaise(trace, o) as ReverseTensor);
      const outIds = outs.map((o) => o.id);
      const inIds = ins.map((x) => x.id);
      const pullback: Pullback = (cts) => trace.backprop(outIds, cts, inIds);
      return [outs.map((o) => o.primal), pullback];
    },
  );
}
