/**
 * Rematerialisation policies: `none`, `step`, `block`, `step+block`, and binomial checkpointing
 * of the inner steps with K snapshots, `revolve:K`, alone or with `+block`.
 */
export type BasicRemat = 'none' | 'step' | 'block' | 'step+block';
export type Remat = BasicRemat | `revolve:${number}` | `revolve:${number}+block`;
export const REMATS: readonly BasicRemat[] = ['none', 'step', 'block', 'step+block'];
/** What `--remat` accepts, for messages. */
export const REMAT_SYNTAX = 'none, step, block, step+block, revolve:K or revolve:K+block (K snapshots, an integer ≥ 1)';
/** Snapshot counts above this are refused (they gain nothing over T − 1 for any sensible T). */
export const MAX_SNAPSHOTS = 100_000;

/** How a policy treats inner steps and model blocks. */
export interface RematPolicy {
  /** `each`: every inner step checkpointed; a number: revolve with that many snapshots. */
  readonly steps: 'none' | 'each' | { readonly snapshots: number };
  readonly blocks: boolean;
}

const REVOLVE = /^revolve:([1-9][0-9]*)(\+block)?$/;

/** The policy named by `text`, or null when it names none. */
export function parseRemat(text: string): Remat | null {
  if ((REMATS as readonly string[]).includes(text)) return text as Remat;
  const m = REVOLVE.exec(text);
  if (!m || Number(m[1]) > MAX_SNAPSHOTS) return null;
  return text as Remat;
}

export function rematPolicy(remat: Remat): RematPolicy {
  const m = REVOLVE.exec(remat);
  if (m) return { steps: { snapshots: Number(m[1]) }, blocks: m[2] !== undefined };
  return {
    steps: remat === 'step' || remat === 'step+block' ? 'each' : 'none',
    blocks: remat === 'block' || remat === 'step+block',
  };
}

export function revolveRemat(snapshots: number, blocks: boolean): Remat {
  return `revolve:${snapshots}${blocks ? '+block' : ''}` as Remat;
}
