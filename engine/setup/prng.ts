/**
 * The deterministic generator behind `{"init":"glorot","seed":S}` and
 * `{"synthetic":{"seed":S,"batch":B}}`. Everything is 32-bit integer arithmetic plus IEEE
 * float64, so any language reproduces it bit for bit:
 *
 * splitmix32 (state x, a uint32):  x ← x + 0x9E3779B9;  z ← x;
 *     z ← (z ⊕ (z ≫ 16)) · 0x85EBCA6B;  z ← (z ⊕ (z ≫ 13)) · 0xC2B2AE35;  return z ⊕ (z ≫ 16)
 *     (all mod 2³², ≫ logical). `sm1(v)` denotes its first output from state v.
 *
 * A stream is named by (seed, stream id), both uint32. Its generator is xoshiro128**
 * (Blackman & Vigna) with state
 *     s0 = sm1(seed), s1 = sm1(seed + 0x9E3779B9), s2 = sm1(id), s3 = sm1(id + 0x9E3779B9)
 * (the first two outputs of splitmix32 started at `seed`, then at `id`), which is never all
 * zero and differs for every (seed, id) pair; the first 8 outputs are then discarded (warm-up).
 * Each `next()` is one xoshiro128** output:
 *     r = rotl(s1 · 5, 7) · 9;  t = s1 ≪ 9;  s2 ⊕= s0;  s3 ⊕= s1;  s1 ⊕= s2;  s0 ⊕= s3;
 *     s2 ⊕= t;  s3 = rotl(s3, 11);  return r.
 *
 * Derived draws, with u = next() / 2³² ∈ [0, 1):
 *   uniform(lo, hi) = lo + (hi − lo)·u
 *   int(n)          = ⌊u·n⌋ ∈ [0, n)                       (one next() each)
 *   normal()        Box–Muller in pairs: u1 = (next() + 1) / 2³² ∈ (0, 1], u2 = next() / 2³²,
 *                   r = √(−2·ln u1), φ = 2π·u2; returns r·cos φ, and keeps r·sin φ for the
 *                   following normal() call. int() and uniform() don't touch that spare.
 *
 * Stream ids (see materialise.ts): parameter k of θ₀ → 0x10000000 + k; inner step t →
 * 0x20000000 + t; the outer batch → 0x30000000. Within a batch stream, x is drawn first
 * (row-major), then y.
 */

const GOLDEN = 0x9e3779b9;

/** First output of splitmix32 started at state `x`. */
export function splitmix32(x: number): number {
  let z = (x + GOLDEN) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

export const STREAM_PARAM = 0x10000000;
export const STREAM_INNER = 0x20000000;
export const STREAM_OUTER = 0x30000000;

const TWO_32 = 4294967296;
const WARM_UP = 8;

export class Prng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | undefined;

  constructor(seed: number, stream = 0) {
    if (!Number.isInteger(seed) || seed < 0 || seed >= TWO_32) throw new Error(`Prng: seed ${seed} is not a uint32`);
    if (!Number.isInteger(stream) || stream < 0 || stream >= TWO_32) throw new Error(`Prng: stream ${stream} is not a uint32`);
    this.s0 = splitmix32(seed);
    this.s1 = splitmix32(seed + GOLDEN);
    this.s2 = splitmix32(stream);
    this.s3 = splitmix32(stream + GOLDEN);
    for (let i = 0; i < WARM_UP; i++) this.next();
  }

  /** The next uint32 (xoshiro128**). */
  next(): number {
    const r = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return r;
  }

  /** u ∈ [0, 1). */
  uniform01(): number {
    return this.next() / TWO_32;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform01();
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform01() * n);
  }

  /** A standard normal (Box–Muller, cos then sin of each pair). */
  normal(): number {
    if (this.spare !== undefined) {
      const z = this.spare;
      this.spare = undefined;
      return z;
    }
    const u1 = (this.next() + 1) / TWO_32;
    const u2 = this.next() / TWO_32;
    const r = Math.sqrt(-2 * Math.log(u1));
    const phi = 2 * Math.PI * u2;
    this.spare = r * Math.sin(phi);
    return r * Math.cos(phi);
  }

  fillNormal(out: Float64Array, mean = 0, std = 1): Float64Array {
    for (let i = 0; i < out.length; i++) out[i] = mean + std * this.normal();
    return out;
  }

  fillUniform(out: Float64Array, lo: number, hi: number): Float64Array {
    for (let i = 0; i < out.length; i++) out[i] = this.uniform(lo, hi);
    return out;
  }

  fillInt(out: Float64Array, n: number): Float64Array {
    for (let i = 0; i < out.length; i++) out[i] = this.int(n);
    return out;
  }
}
