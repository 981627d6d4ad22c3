/** Special functions in float64 for the reference kernels. */

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** Below this |x| the series is used, above it 1 − erfc from the continued fraction. */
const SERIES_LIMIT = 1.5;

/**
 * erfc(x) for x ≥ 1.5 from its continued fraction
 * erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + (2/2)/(x + (3/2)/(x + …)))), evaluated from a
 * fixed depth backwards (200 levels: converged to double precision from x = 1.5 on).
 */
function erfcLarge(x: number): number {
  let f = x;
  for (let n = 200; n >= 1; n--) f = x + n / 2 / f;
  return Math.exp(-x * x) / (Math.sqrt(Math.PI) * f);
}

/**
 * erf to about an ulp. For |x| < 1.5: erf(x) = 2/√π · e^{−x²} · Σ_n x (2x²)^n / (1·3·…·(2n+1)),
 * a series of positive terms (no cancellation), summed until a term no longer changes the
 * sum; above, 1 − erfc(x), whose small erfc keeps the rounding of 1 − ε exact.
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  if (a >= 6) return Math.sign(x);
  if (a >= SERIES_LIMIT) return Math.sign(x) * (1 - erfcLarge(a));
  const twoX2 = 2 * a * a;
  let term = a;
  let sum = a;
  for (let n = 1; n < 500; n++) {
    term *= twoX2 / (2 * n + 1);
    const next = sum + term;
    if (next === sum) break;
    sum = next;
  }
  const r = TWO_OVER_SQRT_PI * Math.exp(-a * a) * sum;
  return x < 0 ? -r : r;
}
