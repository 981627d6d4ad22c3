/**
 * Periodic structure of a family of op sequences. A model with n identical blocks traces to a
 * schedule S(n); when S(n+1) is S(n) with one more copy of each block's ops in every pass over
 * the blocks, S(n) = G₀ U₁^{c₁(n)} G₁ U₂^{c₂(n)} … G_m with fixed gaps G_k, fixed units U_k and
 * counts c_k(n) = c_k + g_k·(n − n₀). `findPeriodicStructure` derives that decomposition from
 * two consecutive sequences and `predicts` checks it reproduces further ones token for token.
 * Tokens are integers standing for everything the memory plan depends on (bytes allocated and
 * freed at the step, plus the op and scope for a faithful alignment).
 */

export type Segment =
  | { readonly kind: 'gap'; readonly tokens: readonly number[] }
  | { readonly kind: 'repeat'; readonly unit: readonly number[]; readonly count: number; readonly growth: number };

/** S(n₀) as gaps and repeated units; counts are at n₀ and grow by `growth` per unit of n. */
export type Structure = readonly Segment[];

/** How many tokens after an insertion must match before the insertion is believed. */
const WINDOW = 48;

function equalRuns(a: readonly number[], ai: number, b: readonly number[], bi: number, len: number): boolean {
  if (ai < 0 || bi < 0 || ai + len > a.length || bi + len > b.length) return false;
  for (let t = 0; t < len; t++) if (a[ai + t] !== b[bi + t]) return false;
  return true;
}

/** How many tokens (at most WINDOW) agree from a[ai] and b[bi] on. */
function agreement(a: readonly number[], ai: number, b: readonly number[], bi: number): number {
  let t = 0;
  while (t < WINDOW && ai + t < a.length && bi + t < b.length && a[ai + t] === b[bi + t]) t++;
  return t;
}

interface Insertion {
  /** Position in S(n₀) before which the extra copy goes. */
  readonly at: number;
  readonly unit: readonly number[];
}

/**
 * Aligns S(n₀) with S(n₀+1): walks both in step; at a mismatch, the shortest stretch of S(n₀+1)
 * that repeats the stretch just before it (a tandem copy) and after which the sequences agree
 * again is taken as an inserted copy. Returns undefined when no such reading exists.
 */
function insertions(s0: readonly number[], s1: readonly number[]): Insertion[] | undefined {
  const found: Insertion[] = [];
  let i = 0;
  let j = 0;
  while (i < s0.length || j < s1.length) {
    if (i < s0.length && j < s1.length && s0[i] === s1[j]) {
      i++;
      j++;
      continue;
    }
    // Prefer the shortest copy after which WINDOW tokens agree (or both sequences end); another
    // insertion may follow closely, so otherwise take the copy followed by the longest agreement.
    let best = { u: 0, agree: 0 };
    for (let u = 1; u <= j && j + u <= s1.length; u++) {
      if (!equalRuns(s1, j, s1, j - u, u)) continue;
      const agree = agreement(s1, j + u, s0, i);
      const complete = agree === WINDOW || (i + agree === s0.length && j + u + agree === s1.length);
      if (complete) {
        best = { u, agree: WINDOW + 1 };
        break;
      }
      if (agree > best.agree) best = { u, agree };
    }
    if (best.u === 0 || (best.agree === 0 && i < s0.length)) return undefined;
    const u = best.u;
    found.push({ at: i, unit: s1.slice(j, j + u) });
    j += u;
  }
  return found;
}

/** The decomposition of S(n₀) that S(n₀+1) implies, or undefined. */
export function findPeriodicStructure(s0: readonly number[], s1: readonly number[]): Structure | undefined {
  const ins = insertions(s0, s1);
  if (!ins || ins.length === 0) return undefined;
  const segments: Segment[] = [];
  let pos = 0;
  for (let k = 0; k < ins.length; k++) {
    const { at, unit } = ins[k]!;
    let growth = 1;
    while (k + 1 < ins.length && ins[k + 1]!.at === at && equalRuns(ins[k + 1]!.unit, 0, unit, 0, unit.length) && ins[k + 1]!.unit.length === unit.length) {
      growth++;
      k++;
    }
    const u = unit.length;
    // The copies of the unit already in S(n₀) end at `at`: count them back to where the run starts.
    let count = 0;
    while (at - (count + 1) * u >= pos && equalRuns(s0, at - (count + 1) * u, unit, 0, u)) count++;
    const start = at - count * u;
    if (start < pos) return undefined;
    if (start > pos) segments.push({ kind: 'gap', tokens: s0.slice(pos, start) });
    segments.push({ kind: 'repeat', unit, count, growth });
    pos = at;
  }
  if (pos < s0.length) segments.push({ kind: 'gap', tokens: s0.slice(pos) });
  return segments;
}

/** The count of a repeat segment at n = n₀ + d. */
export function countAt(seg: Extract<Segment, { kind: 'repeat' }>, d: number): number {
  return seg.count + seg.growth * d;
}

/** Number of tokens of S(n₀ + d). */
export function lengthAt(structure: Structure, d: number): number {
  let n = 0;
  for (const s of structure) n += s.kind === 'gap' ? s.tokens.length : s.unit.length * countAt(s, d);
  return n;
}

/** Whether the structure at n₀ + d is exactly `seq`, token for token. */
export function predicts(structure: Structure, d: number, seq: readonly number[]): boolean {
  if (lengthAt(structure, d) !== seq.length) return false;
  let p = 0;
  for (const s of structure) {
    if (s.kind === 'gap') {
      if (!equalRuns(seq, p, s.tokens, 0, s.tokens.length)) return false;
      p += s.tokens.length;
      continue;
    }
    const c = countAt(s, d);
    if (c < 0) return false;
    for (let r = 0; r < c; r++, p += s.unit.length) if (!equalRuns(seq, p, s.unit, 0, s.unit.length)) return false;
  }
  return true;
}

/** Where a step of S(n₀ + d) lies: segment, copy (0 or the last) and offset in it. */
export interface Place {
  readonly segment: number;
  /** Which copy of a repeat: the first or the last (a gap's is 'first'). */
  readonly copy: 'first' | 'last';
  readonly offset: number;
}

/** The step index of a place in S(n₀ + d). */
export function stepAt(structure: Structure, d: number, place: Place): number {
  let p = 0;
  for (let k = 0; k < place.segment; k++) {
    const s = structure[k]!;
    p += s.kind === 'gap' ? s.tokens.length : s.unit.length * countAt(s, d);
  }
  const s = structure[place.segment]!;
  if (s.kind === 'repeat' && place.copy === 'last') p += s.unit.length * (countAt(s, d) - 1);
  return p + place.offset;
}

/**
 * The highest high-water mark of S(n₀ + d) and the first step reaching it, without walking the
 * copies: within a run of identical copies the high-water mark at a fixed offset changes by
 * the same net bytes Δ per copy, so its maximum is at the last copy when Δ > 0, else at the
 * first (which is also the earliest when Δ = 0). `start` is the live bytes before the first step
 * (the graph inputs); `bytes(token)` gives a step's allocated and freed bytes. A peak before any
 * step (nothing allocated beyond the inputs) is returned as undefined place.
 */
export function peakAt(
  structure: Structure,
  d: number,
  start: number,
  bytes: (token: number) => { allocated: number; freed: number },
): { peakBytes: number; place: Place | undefined } {
  let live = start;
  let best = { peakBytes: start, place: undefined as Place | undefined };
  const consider = (hw: number, place: Place) => {
    if (hw > best.peakBytes) best = { peakBytes: hw, place };
  };
  structure.forEach((s, k) => {
    const tokens = s.kind === 'gap' ? s.tokens : s.unit;
    const copies = s.kind === 'gap' ? 1 : countAt(s, d);
    if (copies <= 0) return;
    let net = 0;
    for (const t of tokens) {
      const b = bytes(t);
      net += b.allocated - b.freed;
    }
    const copy = s.kind === 'repeat' && net > 0 ? 'last' : 'first';
    const base = live + (copy === 'last' ? net * (copies - 1) : 0);
    let within = 0;
    tokens.forEach((t, offset) => {
      const b = bytes(t);
      consider(base + within + b.allocated, { segment: k, copy, offset });
      within += b.allocated - b.freed;
    });
    live += net * copies;
  });
  return best;
}
