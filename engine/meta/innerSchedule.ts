import { rematPolicy, type Remat } from './remat.js';
import { revolveSchedule } from './revolve.js';

/**
 * How a policy treats the T inner steps, for profiles and plans: which steps start at a
 * snapshot (a checkpointed state: θ_t and the optimiser state), and how often each step's
 * forward is evaluated in all (1: taped once; 2: once plain and once recomputed; more under
 * revolve with few snapshots).
 */
export interface InnerSchedule {
  /** `taped`: no step checkpointing; `each`: every step checkpointed; `revolve`: binomial. */
  readonly kind: 'taped' | 'each' | 'revolve';
  /** K for revolve, else null. */
  readonly snapshots: number | null;
  /** Most snapshots held at once (0 when taped). */
  readonly maxHeld: number;
  readonly forwardSteps: number;
  readonly evaluations: readonly number[];
  readonly snapshotted: readonly number[];
}

export function innerSchedule(remat: Remat, T: number): InnerSchedule {
  const { steps } = rematPolicy(remat);
  const all = [...Array(T).keys()];
  if (steps === 'none') return { kind: 'taped', snapshots: null, maxHeld: 0, forwardSteps: T, evaluations: all.map(() => 1), snapshotted: [] };
  if (steps === 'each') return { kind: 'each', snapshots: null, maxHeld: T, forwardSteps: 2 * T, evaluations: all.map(() => 2), snapshotted: all };
  const s = revolveSchedule(T, steps.snapshots);
  return { kind: 'revolve', snapshots: steps.snapshots, maxHeld: s.maxHeld, forwardSteps: s.forwardSteps, evaluations: s.evaluations, snapshotted: s.snapshotted };
}
