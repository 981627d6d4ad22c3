/**
 * Griewank's binomial checkpointing (revolve) of T inner steps with K snapshots, computed by
 * dynamic programming rather than written out by hand.
 *
 * The schedule is a recursion the engine expresses with nested `checkpoint` regions. Reversing
 * n steps from a held state with k snapshots (the held one counted, as revolve counts them):
 * one step is run taped and pulled back at once; otherwise the first j steps become one
 * checkpointed region (only its input state is kept) and the remaining n − j steps are
 * reversed with k − 1 snapshots; when their backward pass is done the region is recomputed
 * from its input and reversed with k snapshots. Counting every forward step evaluation, taped
 * or not:
 *
 *   F(1, k) = 1,   F(n, 1) = n + F(n − 1, 1) (j = n − 1, the only split without a snapshot),
 *   F(n, k) = min over 1 ≤ j < n of  j + F(j, k) + F(n − j, k − 1).
 *
 * The minimum equals Griewank's optimum t(n, k) + n, where t(n, k) = r·n − β(k + 1, r − 1) counts
 * the advances, β(s, r) = C(s + r, s) and r is the repetition number with β(k, r − 1) < n ≤ β(k, r)
 * (the tests check the DP against it). At most k states are held at once; with k ≥ n − 1 every
 * step but the last runs twice, as under `step` remat.
 */

/** The reversal of steps [start, start + length) as nested checkpoint regions. */
export type RevolveNode =
  | { readonly kind: 'step'; readonly t: number }
  | {
    readonly kind: 'split';
    readonly start: number;
    readonly length: number;
    /** Checkpointed region: the first steps, reversed later with the same snapshots. */
    readonly first: RevolveNode;
    /** The rest, reversed first, with one snapshot fewer. */
    readonly rest: RevolveNode;
  };

export interface RevolveSchedule {
  readonly steps: number;
  readonly snapshots: number;
  readonly root: RevolveNode;
  /** Forward step evaluations in all, taped or not: F(T, K). */
  readonly forwardSteps: number;
  /** Evaluations of each step t's forward (1 under `none`). */
  readonly evaluations: readonly number[];
  /** Steps whose input state is a snapshot (the start of a checkpointed region), ascending. */
  readonly snapshotted: readonly number[];
  /** Most snapshots held at once (≤ K). */
  readonly maxHeld: number;
}

/** Cost table F[k][n] and best first-region length J[k][n] for n ≤ T, k ≤ K. */
function table(T: number, K: number): { F: number[][]; J: number[][] } {
  const F: number[][] = [];
  const J: number[][] = [];
  for (let k = 0; k <= K; k++) {
    F.push(new Array<number>(T + 1).fill(Infinity));
    J.push(new Array<number>(T + 1).fill(0));
    F[k][1] = 1;
  }
  for (let k = 1; k <= K; k++) {
    for (let n = 2; n <= T; n++) {
      // Ties go to the longest first region: its nested regions end up holding fewer states.
      for (let j = n - 1; j >= 1; j--) {
        const cost = j + F[k][j] + F[k - 1][n - j];
        if (cost < F[k][n]) {
          F[k][n] = cost;
          J[k][n] = j;
        }
      }
    }
  }
  return { F, J };
}

/** The revolve schedule of T steps with K ≥ 1 snapshots (K above T − 1 gains nothing). */
export function revolveSchedule(T: number, K: number): RevolveSchedule {
  if (!Number.isInteger(T) || T < 1) throw new Error(`revolve needs at least one step, got ${T}`);
  if (!Number.isInteger(K) || K < 1) throw new Error(`revolve needs at least one snapshot, got ${K}`);
  const k0 = Math.min(K, Math.max(1, T - 1));
  const { F, J } = table(T, k0);
  const evaluations = new Array<number>(T).fill(0);
  const snap = new Set<number>();
  let maxHeld = 0;
  /** Builds the tree; `times` is how often this subtree's forward is evaluated, `held` the states held. */
  const build = (start: number, n: number, k: number, times: number, held: number): RevolveNode => {
    if (n === 1) {
      evaluations[start] += times;
      return { kind: 'step', t: start };
    }
    const j = J[k][n];
    snap.add(start);
    maxHeld = Math.max(maxHeld, held + 1);
    // The region's forward runs once plain, then once more (with its own schedule) when reversed.
    const first = buildRegion(start, j, k, times, held + 1);
    const rest = build(start + j, n - j, k - 1, times, held + 1);
    return { kind: 'split', start, length: n, first, rest };
  };
  // A region evaluated plain costs each of its steps once; reversing it costs its own schedule.
  const buildRegion = (start: number, n: number, k: number, times: number, held: number): RevolveNode => {
    for (let t = start; t < start + n; t++) evaluations[t] += times;
    return build(start, n, k, times, held - 1);
  };
  const root = build(0, T, k0, 1, 0);
  return { steps: T, snapshots: K, root, forwardSteps: F[k0][T], evaluations, snapshotted: [...snap].sort((a, b) => a - b), maxHeld };
}

/** β(s, r) = C(s + r, s): the most steps s snapshots reverse with each step advanced at most r times. */
export function binomialReach(s: number, r: number): number {
  let b = 1;
  for (let i = 1; i <= s; i++) b = (b * (r + i)) / i;
  return Math.round(b);
}

/** Griewank's minimal number of forward steps (advances and taped steps) to reverse n steps with s snapshots. */
export function griewankForwardSteps(n: number, s: number): number {
  if (n === 1) return 1;
  let r = 0;
  while (binomialReach(s, r) < n) r++;
  return r * n - binomialReach(s + 1, r - 1) + n;
}

/**
 * The snapshot counts worth planning for T steps: for each repetition number r, the fewest
 * snapshots that reverse T steps advancing each at most r times (smallest K with β(K, r) ≥ T).
 * Larger K between two of them only lowers the recomputation within the same r.
 */
export function usefulSnapshotCounts(T: number): number[] {
  const ks = new Set<number>();
  for (let r = 1; T > 1; r++) {
    let k = 1;
    while (binomialReach(k, r) < T) k++;
    ks.add(Math.min(k, T - 1));
    if (k === 1) break;
  }
  return [...ks].sort((a, b) => a - b);
}
