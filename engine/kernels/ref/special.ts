/** Special functions in float64 for the reference kernels. */

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/**
 * erf to a few ulp. For |x| < 6: erf(x) = 2/√π · e^{−x²} · Σ_n x (2x²)^n / (1·3·…·(2n+1)),
 * a series of positive terms (no cancellation), summed until a term no longer changes the
 * sum. Beyond 6, erf(x) rounds to ±1 in float64 (1 − erf(6) ≈ 2e−17).
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  if (a >= 6) return Math.sign(x);
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
