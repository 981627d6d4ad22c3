/**
 * A segment tree over per-step byte counts: add a constant over a range of steps and ask
 * the maximum over a range, each in O(log n). CSE uses it to keep a value alive across
 * steps only where that stays under the planned peak.
 */
export class RangeMax {
  private readonly size: number;
  private readonly max: Float64Array;
  private readonly pending: Float64Array;

  constructor(values: ArrayLike<number>) {
    let size = 1;
    while (size < Math.max(1, values.length)) size *= 2;
    this.size = size;
    this.max = new Float64Array(2 * size).fill(-Infinity);
    this.pending = new Float64Array(2 * size);
    for (let i = 0; i < values.length; i++) this.max[size + i] = values[i];
    for (let i = size - 1; i >= 1; i--) this.max[i] = Math.max(this.max[2 * i], this.max[2 * i + 1]);
  }

  /** Maximum over steps lo..hi inclusive (-Infinity when empty). */
  query(lo: number, hi: number, node = 1, nodeLo = 0, nodeHi = this.size - 1): number {
    if (hi < nodeLo || nodeHi < lo || lo > hi) return -Infinity;
    if (lo <= nodeLo && nodeHi <= hi) return this.max[node];
    const mid = (nodeLo + nodeHi) >> 1;
    const m = Math.max(this.query(lo, hi, 2 * node, nodeLo, mid), this.query(lo, hi, 2 * node + 1, mid + 1, nodeHi));
    return m + this.pending[node];
  }

  /** Adds `delta` to steps lo..hi inclusive. */
  add(lo: number, hi: number, delta: number, node = 1, nodeLo = 0, nodeHi = this.size - 1): void {
    if (hi < nodeLo || nodeHi < lo || lo > hi) return;
    if (lo <= nodeLo && nodeHi <= hi) {
      this.max[node] += delta;
      this.pending[node] += delta;
      return;
    }
    const mid = (nodeLo + nodeHi) >> 1;
    this.add(lo, hi, delta, 2 * node, nodeLo, mid);
    this.add(lo, hi, delta, 2 * node + 1, mid + 1, nodeHi);
    this.max[node] = Math.max(this.max[2 * node], this.max[2 * node + 1]) + this.pending[node];
  }
}
