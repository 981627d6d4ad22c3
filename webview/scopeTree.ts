/**
 * The differentiation graph grouped by hierarchical scope (pure): `step/2/grad/block/1/attn`
 * is the group chain `step/2` › `grad` › `block/1` › `attn` (a numeric segment belongs to the
 * name before it). Each group knows its nodes' count by origin and their memory, so the view
 * can draw groups instead of tens of thousands of nodes. When a group holds both subgroups
 * and more than `OPS_LUMP` nodes of its own, those nodes go into a synthetic `#ops` child.
 */
import { ORIGINS, type ProfileRun } from '../engine/profile/format.js';

export const OPS_LUMP = 6;

export interface ScopeGroup {
  /** The scope prefix (`step/2/grad`), `` for the root, `<scope>#ops` for a synthetic group. */
  readonly id: string;
  readonly label: string;
  readonly parent: ScopeGroup | null;
  readonly depth: number;
  /** Subgroups, in trace order of their first node. */
  readonly children: ScopeGroup[];
  /** Node indices directly in this group, in trace order. */
  readonly ops: number[];
  /** Nodes in the group and all its subgroups. */
  size: number;
  /** Smallest node index under the group (its place in trace order). */
  first: number;
  /** Node counts by origin (index into `ORIGINS`), subgroups included. */
  readonly origins: number[];
  /** Nodes executed, bytes their execution allocated, bytes of their outputs live at the peak. */
  executed: number;
  allocated: number;
  atPeak: number;
}

export interface ScopeTree {
  readonly root: ScopeGroup;
  readonly byId: ReadonlyMap<string, ScopeGroup>;
  /** Group holding each node directly (by node index). */
  readonly groupOf: readonly ScopeGroup[];
}

/** `step/2/grad/block/1` → [`step/2`, `grad`, `block/1`]. */
export function scopeSegments(scope: string): string[] {
  const out: string[] = [];
  for (const part of scope.split('/')) {
    if (part === '') continue;
    if (/^\d+$/.test(part) && out.length > 0) out[out.length - 1] += `/${part}`;
    else out.push(part);
  }
  return out;
}

function newGroup(id: string, label: string, parent: ScopeGroup | null): ScopeGroup {
  const g: ScopeGroup = {
    id, label, parent, depth: parent ? parent.depth + 1 : 0, children: [], ops: [], size: 0,
    first: Number.MAX_SAFE_INTEGER, origins: ORIGINS.map(() => 0), executed: 0, allocated: 0, atPeak: 0,
  };
  parent?.children.push(g);
  return g;
}

function groupForScope(scope: string, byId: Map<string, ScopeGroup>, root: ScopeGroup): ScopeGroup {
  let g = root;
  let id = '';
  for (const seg of scopeSegments(scope)) {
    id = id === '' ? seg : `${id}/${seg}`;
    let next = byId.get(id);
    if (!next) {
      next = newGroup(id, seg, g);
      byId.set(id, next);
    }
    g = next;
  }
  return g;
}

/** Moves a group's own nodes into an `#ops` child when it also has subgroups. */
function lumpOps(g: ScopeGroup, byId: Map<string, ScopeGroup>, groupOf: ScopeGroup[]): void {
  for (const c of [...g.children]) lumpOps(c, byId, groupOf);
  if (g.children.length === 0 || g.ops.length <= OPS_LUMP) return;
  const lump = newGroup(`${g.id}#ops`, g.id === '' ? 'top-level ops' : 'ops', g);
  byId.set(lump.id, lump);
  lump.ops.push(...g.ops.splice(0));
  for (const n of lump.ops) groupOf[n] = lump;
}

/** Adds each node's counts to its group and every ancestor. */
function accumulate(run: ProfileRun, groupOf: readonly ScopeGroup[]): void {
  const nodes = run.graph.nodes;
  const allocated = new Float64Array(nodes.id.length);
  const executed = new Uint8Array(nodes.id.length);
  run.steps.node.forEach((n, i) => {
    executed[n] = 1;
    allocated[n] = run.steps.allocated_bytes[i]!;
  });
  const atPeak = new Float64Array(nodes.id.length);
  run.peak.live.node.forEach((n, i) => {
    if (n >= 0) atPeak[n] += run.peak.live.bytes[i]!;
  });
  for (let n = 0; n < nodes.id.length; n++) {
    for (let g: ScopeGroup | null = groupOf[n]!; g; g = g.parent) {
      g.size++;
      g.first = Math.min(g.first, n);
      g.origins[nodes.origin[n]!]!++;
      g.executed += executed[n]!;
      g.allocated += allocated[n]!;
      g.atPeak += atPeak[n]!;
    }
  }
}

function sortChildren(g: ScopeGroup): void {
  g.children.sort((a, b) => a.first - b.first);
  g.children.forEach(sortChildren);
}

export function buildScopeTree(run: ProfileRun): ScopeTree {
  const root = newGroup('', '(all)', null);
  const byId = new Map<string, ScopeGroup>([['', root]]);
  const { graph } = run;
  const scopeGroups = graph.scopes.map((s) => groupForScope(s, byId, root));
  const groupOf = graph.nodes.scope.map((s, n) => {
    const g = scopeGroups[s]!;
    g.ops.push(n);
    return g;
  });
  lumpOps(root, byId, groupOf);
  accumulate(run, groupOf);
  sortChildren(root);
  return { root, byId, groupOf };
}

/** The origin with most nodes in a group (ties: the earlier origin). */
export function dominantOrigin(g: ScopeGroup): number {
  let best = 0;
  g.origins.forEach((c, i) => {
    if (c > g.origins[best]!) best = i;
  });
  return best;
}
