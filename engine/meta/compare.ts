import type { HostTensor, MetaName } from '../setup/types.js';

type MetaGrads = Partial<Record<MetaName, HostTensor | HostTensor[]>>;

function values(g: HostTensor | HostTensor[] | undefined): number[] {
  if (!g) return [];
  return (Array.isArray(g) ? g : [g]).flatMap((t) => Array.from(t.data));
}

/**
 * The largest elementwise difference between two sets of meta-gradients, relative to the
 * largest magnitude of the same meta-gradient (elementwise ratios blow up on entries that
 * are zero up to rounding). NaN when either side is non-finite.
 */
export function maxRelativeDifference(a: MetaGrads, b: MetaGrads): number {
  let worst = 0;
  for (const name of Object.keys(a) as MetaName[]) {
    const x = values(a[name]);
    const y = values(b[name]);
    if (x.length !== y.length) throw new Error(`${name}: ${x.length} values against ${y.length}`);
    // A loop, not Math.max(...x): spreading a large θ₀ (10⁵ values) overflows the stack.
    let scale = Number.MIN_VALUE;
    for (let i = 0; i < x.length; i++) scale = Math.max(scale, Math.abs(x[i]), Math.abs(y[i]));
    for (let i = 0; i < x.length; i++) {
      const d = Math.abs(x[i] - y[i]) / scale;
      if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) return NaN;
      worst = Math.max(worst, d);
    }
  }
  return worst;
}
