import { REMATS, revolveRemat, type Remat } from '../meta/remat.js';
import { usefulSnapshotCounts } from '../meta/revolve.js';

/**
 * The policies worth planning for T inner steps: the four basic ones, then revolve with each
 * useful snapshot count (the fewest snapshots for each number of recomputations per step; see
 * `usefulSnapshotCounts`), alone and with block remat.
 */
export function plannedPolicies(T: number): Remat[] {
  const ks = usefulSnapshotCounts(T);
  return [...REMATS, ...ks.flatMap((k) => [revolveRemat(k, false), revolveRemat(k, true)])];
}
