import type { Params } from '../ir/graph.js';
import type { Primitive } from '../primitives/types.js';
import { bind, bindCheckpoint } from './bind.js';
import { withOrigin } from './context.js';
import { fullRaise, Tensor, Trace, withNewMain, type CustomVjpRule, type TensorFn } from './tensor.js';
import { zerosLike } from './zeros.js';

/** Forward mode: a primal and its tangent, both values of lower levels; `null` is a zero tangent. */
export class JvpTensor extends Tensor {
  constructor(readonly trace: JvpTrace, readonly primal: Tensor, readonly tangent: Tensor | null) {
    super();
  }
  get aval() {
    return this.primal.aval;
  }
}

export class JvpTrace extends Trace {
  lift(x: Tensor): Tensor {
    return new JvpTensor(this, x, null);
  }

  private split(inputs: Tensor[]): { primals: Tensor[]; tangents: (Tensor | null)[] } {
    const ts = inputs as JvpTensor[];
    return { primals: ts.map((t) => t.primal), tangents: ts.map((t) => t.tangent) };
  }

  /** Outputs with a zero tangent are returned as plain lower-level values. */
  private wrap(primal: Tensor, tangent: Tensor | null): Tensor {
    return tangent === null ? primal : new JvpTensor(this, primal, tangent);
  }

  processPrimitive(prim: Primitive, inputs: Tensor[], params: Params): Tensor {
    const { primals, tangents } = this.split(inputs);
    const out = bind(prim.name, primals, params);
    if (tangents.every((t) => t === null)) return out;
    const tangent = withOrigin('tangent', () => prim.jvp(primals, tangents, out, params));
    return this.wrap(out, tangent);
  }

  /**
   * Forward mode keeps nothing for later, so a checkpoint here only matters to reverse
   * levels below: they see one checkpointed region computing primals and tangents together.
   */
  processCheckpoint(f: TensorFn, inputs: Tensor[]): Tensor[] {
    const { primals, tangents } = this.split(inputs);
    const live = tangents.flatMap((t, i) => (t === null ? [] : [i]));
    const nOut = { n: 0 };
    const both = (...args: Tensor[]): Tensor[] => {
      const ps = args.slice(0, primals.length);
      const ts: (Tensor | null)[] = primals.map(() => null);
      live.forEach((i, k) => (ts[i] = args[primals.length + k]));
      const [outs, touts] = jvpCall(f, ps, ts);
      nOut.n = outs.length;
      return [...outs, ...touts.map((t, k) => t ?? zerosLike(outs[k]))];
    };
    const res = bindCheckpoint(both, [...primals, ...live.map((i) => tangents[i] as Tensor)]);
    return res.slice(0, nOut.n).map((p, k) => this.wrap(p, res[nOut.n + k]));
  }

  /** A custom VJP says nothing about forward mode: differentiate the function itself. */
  processCustomVjp(rule: CustomVjpRule, inputs: Tensor[]): Tensor[] {
    return rule.f(...inputs);
  }
}

/** Pushes a forward-mode level and evaluates `f` on (primal, tangent) pairs. */
export function jvpCall(
  f: TensorFn,
  primals: readonly Tensor[],
  tangents: readonly (Tensor | null)[],
): [Tensor[], (Tensor | null)[]] {
  return withNewMain(
    (main) => new JvpTrace(main),
    (main) => {
      const trace = main.trace as JvpTrace;
      const ins = primals.map((p, i) => (tangents[i] === null ? p : new JvpTensor(trace, p, tangents[i])));
      const outs = f(...ins).map((o) => fullRaise(trace, o)) as JvpTensor[];
      return [outs.map((o) => o.primal), outs.map((o) => o.tangent)];
    },
  );
}
