/**
 * The differentiation graph grouped by hierarchical scope as a call tree (pure):
 * `step/2/grad/block/1/attn` is the group chain `step/2` › `grad` › `block/1` › `attn` (a
 * numeric segment belongs to the name before it), and every group is one *visit* of its scope:
 * a contiguous stretch of trace order. When the trace leaves a scope for a sibling and comes
 * back later (the outer backward pass re-enters `step/4` after the outer loss; an inner
 * backward pass re-enters `layer/1`), the return is a new group, `step/4~1`, labelled by what
 * it does ("step/4 · backward"). Because siblings are disjoint stretches of trace order and a
 * node reads only earlier nodes, every edge between siblings runs forward: the layout needs
 * no cycle breaking, and inner steps and blocks come out in data-flow order.
 *
 * A node traced directly in a group while one of its child visits is open (gradient
 * accumulation `add`s at the top level during the backward pass) joins that visit as a
 * "stray" own op rather than splitting it. A group's own ops beyond `OPS_LUMP`, when it also
 * has subgroups, go into a synthetic `#ops` child.
 */
import { ORIGINS, type ProfileRun } from '../engine/profile/format.js';

export const OPS_LUMP = 6;

export interface ScopeGroup {
  /** `` for the root; the parent's id, `/`, the segment and `~visit` for returns (`step/4~1/grad`); `<parent>#ops` for a lump. */
  readonly id: string;
  readonly label: string;
  /** The scope prefix the group stands for (`step/4/grad`), shared by all visits. */
  readonly scope: string;
  readonly parent: ScopeGroup | null;
  readonly depth: number;
  /** Subgroups, in trace order. */
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

/** What a stretch of nodes does, by its dominant origin (for labels of returning visits). */
export const ORIGIN_PHASE = ['forward', 'mixed-mode backward', 'backward', 'recompute', 'mixed-mode backward'] as const;

function newGroup(id: string, label: string, scope: string, parent: ScopeGroup | null): ScopeGroup {
  const g: ScopeGroup = {
    id, label, scope, parent, depth: parent ? parent.depth + 1 : 0, children: [], ops: [], size: 0,
    first: Number.MAX_SAFE_INTEGER, origins: ORIGINS.map(() => 0), executed: 0, allocated: 0, atPeak: 0,
  };
  parent?.children.push(g);
  return g;
}

/**
 * Splits `nodes` (trace order) of group `g` at segment depth `d` into child visits and own ops.
 * `stray` marks nodes absorbed from an ancestor: they stay own ops of the visit that took them.
 */
function split(g: ScopeGroup, nodes: readonly number[], segs: readonly (readonly string[])[], d: number, stray: Uint8Array, byId: Map<string, ScopeGroup>): void {
  const visits = new Map<string, number>();
  const own: number[] = [];
  const parts: { group: ScopeGroup; nodes: number[] }[] = [];
  let open: { key: string; group: ScopeGroup; nodes: number[] } | null = null;
  for (const n of nodes) {
    const key = stray[n] ? undefined : segs[n]![d];
    if (key === undefined) {
      if (open) {
        stray[n] = 1;
        open.nodes.push(n);
      } else own.push(n);
      continue;
    }
    if (open && open.key === key) {
      open.nodes.push(n);
      continue;
    }
    const visit = visits.get(key) ?? 0;
    visits.set(key, visit + 1);
    const id = `${g.id === '' ? '' : `${g.id}/`}${key}${visit > 0 ? `~${visit}` : ''}`;
    const scope = segs[n]!.slice(0, d + 1).join('/');
    const group = newGroup(id, key, scope, g);
    (group as { visit?: number }).visit = visit;
    group.first = n;
    byId.set(id, group);
    open = { key, group, nodes: [n] };
    parts.push(open);
  }
  if (own.length > OPS_LUMP && parts.length > 0) {
    const lump = newGroup(`${g.id}#ops`, g.id === '' ? 'top-level ops' : 'ops', g.scope, g);
    byId.set(lump.id, lump);
    lump.ops.push(...own);
    lump.first = own[0]!;
    g.children.sort((a, b) => a.first - b.first);
  } else g.ops.push(...own);
  for (const p of parts) {
    split(p.group, p.nodes, segs, d + 1, stray, byId);
  }
}

/** Adds each node's counts to its group and every ancestor; labels returning visits by what they do. */
function accumulate(run: ProfileRun, groupOf: readonly ScopeGroup[], all: Iterable<ScopeGroup>): void {
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
  for (const g of all) g.first = Number.MAX_SAFE_INTEGER;
  for (let n = 0; n < nodes.id.length; n++) {
    for (let g: ScopeGroup | null = groupOf[n]!; g; g = g.parent) {
      g.size++;
      if (n < g.first) g.first = n;
      g.origins[nodes.origin[n]!]!++;
      g.executed += executed[n]!;
      g.allocated += allocated[n]!;
      g.atPeak += atPeak[n]!;
    }
  }
  for (const g of all) {
    if (((g as { visit?: number }).visit ?? 0) > 0) (g as { label: string }).label = `${g.label} · ${ORIGIN_PHASE[dominantOrigin(g)]}`;
  }
}

function collect(g: ScopeGroup, groupOf: ScopeGroup[]): void {
  for (const n of g.ops) groupOf[n] = g;
  for (const c of g.children) collect(c, groupOf);
}

export function buildScopeTree(run: ProfileRun): ScopeTree {
  const root = newGroup('', '(all)', '', null);
  const byId = new Map<string, ScopeGroup>([['', root]]);
  const { graph } = run;
  const segsOfScope = graph.scopes.map(scopeSegments);
  const n = graph.nodes.id.length;
  const segs = graph.nodes.scope.map((s) => segsOfScope[s]!);
  const order = Array.from({ length: n }, (_, i) => i);
  split(root, order, segs, 0, new Uint8Array(n), byId);
  const groupOf: ScopeGroup[] = new Array(n);
  collect(root, groupOf);
  accumulate(run, groupOf, [...byId.values()]);
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

/** The group and its ancestors' ids, root excluded (to expand down to a node). */
export function ancestry(g: ScopeGroup): string[] {
  const out: string[] = [];
  for (let x: ScopeGroup | null = g; x && x.parent; x = x.parent) out.unshift(x.id);
  return out;
}
