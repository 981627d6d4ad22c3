/**
 * A run's remat policy and its `inner_schedule`: the schedule must be exactly the one the
 * policy gives for the setup's T (recomputed here), so a profile cannot show a schedule the
 * engine did not run.
 */
import { innerSchedule } from '../../meta/innerSchedule.js';
import { REMATS, REVOLVE_REMAT, type ProfileRemat } from '../format.js';
import { fail } from './error.js';
import { record, type Rec } from './readers.js';

export function remat(v: unknown, path: string): ProfileRemat {
  if (typeof v !== 'string' || !((REMATS as readonly string[]).includes(v) || REVOLVE_REMAT.test(v))) {
    fail(path, `one of ${REMATS.map((c) => JSON.stringify(c)).join(', ')}, "revolve:K" or "revolve:K+block" (K an integer ≥ 1)`, v);
  }
  return v as ProfileRemat;
}

export function validateInnerSchedule(v: unknown, path: string, policy: ProfileRemat, innerSteps: number): void {
  const s = record(v, path);
  const want = innerSchedule(policy, innerSteps);
  const expected: Rec = {
    kind: want.kind,
    snapshots: want.snapshots,
    max_held: want.maxHeld,
    snapshotted: want.snapshotted,
    evaluations: want.evaluations,
    forward_steps: want.forwardSteps,
  };
  for (const [k, e] of Object.entries(expected)) {
    if (JSON.stringify(s[k]) !== JSON.stringify(e)) fail(`${path}.${k}`, `${JSON.stringify(e)} (remat ${policy} of ${innerSteps} steps)`, s[k]);
  }
}
