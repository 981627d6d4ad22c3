/**
 * Layout of the grouped differentiation graph, in two halves:
 *
 * - `layoutRequest` (main thread, linear in the graph): the visible items are the children of
 *   every expanded group, down from the root. A collapsed group is one box standing for all its
 *   nodes; an expanded group is a frame around its own items; a node of an expanded group is an
 *   op box (at most `maxOps` per group, the rest one "more" box). Node-level edges are lifted to
 *   the items standing for their ends and counted; an edge between two items counts, for the
 *   layering, between the siblings that hold them.
 * - `layoutFrames` (the layout worker, graphLayoutWorker.ts; pure, so tests run it in node):
 *   each frame is laid out on its own with dagre, inside out (a frame's size is its contents'),
 *   left to right: inputs at the left, the outer loss and the meta-backward pass to the right.
 *   Sibling groups are disjoint stretches of trace order (scopeTree.ts), so every edge runs
 *   forward except those touching an `#ops` lump or a "more" box, which may hold nodes from
 *   either side of a sibling: those are marked `back`.
 */
import dagre from '@dagrejs/dagre';
import { type ProfileRun } from '../engine/profile/format.js';
import type { ScopeGroup, ScopeTree } from './scopeTree.js';

export interface LayoutOptions {
  readonly groupSize: readonly [number, number];
  readonly opSize: readonly [number, number];
  /** Space between boxes of a layer, between layers, around a frame's contents, and above them for the frame's title. */
  readonly gap: number;
  readonly rankGap: number;
  readonly padding: number;
  readonly header: number;
  readonly maxOps: number;
  /** The top-level drawing wraps into rows when wider than this × its height, each row at least `rootMinWidth`. */
  readonly rootAspect: number;
  readonly rootMinWidth: number;
}

export const DEFAULT_LAYOUT: LayoutOptions = { groupSize: [176, 48], opSize: [120, 28], gap: 14, rankGap: 34, padding: 10, header: 24, maxOps: 600, rootAspect: 2, rootMinWidth: 900 };

export type BoxKind = 'group' | 'frame' | 'op' | 'more';
/** `param`: from an optimiser update (θ_t, m_t, v_t) or a top-level op (η and its slices), drawn only on request. */
export type EdgeKind = 'flow' | 'param';

export interface LayoutBox {
  /** Group id for `group` and `frame`, `n:<node index>` for `op`, `<group id>#more` for `more`. */
  readonly id: string;
  readonly kind: BoxKind;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly depth: number;
  /** The group it is, or the group it sits in (for ops). */
  readonly group: string;
  /** Node index for `op`; nodes hidden for `more`. */
  readonly node?: number;
  readonly hidden?: number;
  /** Row of the wrapped top-level layout (see `wrapRows`). */
  readonly row: number;
}

export interface LayoutEdge {
  readonly from: string;
  readonly to: string;
  /** Node-level edges it stands for. */
  readonly count: number;
  readonly kind: EdgeKind;
  /** Runs backward in reading order (an earlier row, or right to left in one row; see the module comment for when). */
  readonly back: boolean;
  readonly points: readonly (readonly [number, number])[];
}

export interface GraphLayout {
  readonly boxes: readonly LayoutBox[];
  readonly edges: readonly LayoutEdge[];
  readonly width: number;
  readonly height: number;
}

/** One box to place (serialisable: it crosses to the worker). */
export interface RequestItem {
  readonly id: string;
  readonly kind: BoxKind;
  readonly group: string;
  readonly depth: number;
  readonly first: number;
  readonly node?: number;
  readonly hidden?: number;
  readonly width: number;
  readonly height: number;
  /** The items of an expanded group's frame. */
  readonly inner?: RequestFrame;
}

export interface RequestFrame {
  readonly items: RequestItem[];
  /** Sibling edges for the layering: [from, to] indices into `items`, each pair once. */
  readonly edges: [number, number][];
}

export interface LayoutRequest {
  readonly root: RequestFrame;
  readonly edges: { readonly from: string; readonly to: string; readonly count: number; readonly kind: EdgeKind }[];
  readonly options: LayoutOptions;
}

interface Item {
  readonly id: string;
  readonly kind: BoxKind;
  readonly group: ScopeGroup;
  readonly first: number;
  readonly node?: number;
  readonly hidden?: number;
  readonly parent: Item | null;
  inner?: Item[];
  index: number;
}

/** Visible items of `g`'s frame (recursively), and the item standing for each node. */
function buildItems(g: ScopeGroup, parent: Item | null, expanded: ReadonlySet<string>, o: LayoutOptions, rep: Item[]): Item[] {
  const items: Item[] = [];
  for (const child of g.children) {
    const box: Item = { id: child.id, kind: expanded.has(child.id) ? 'frame' : 'group', group: child, first: child.first, parent, index: 0 };
    if (box.kind === 'frame') box.inner = buildItems(child, box, expanded, o, rep);
    else markAll(child, box, rep);
    items.push(box);
  }
  const shown = g.ops.length > o.maxOps ? o.maxOps - 1 : g.ops.length;
  for (let i = 0; i < shown; i++) {
    const n = g.ops[i]!;
    const box: Item = { id: `n:${n}`, kind: 'op', group: g, node: n, first: n, parent, index: 0 };
    rep[n] = box;
    items.push(box);
  }
  if (shown < g.ops.length) {
    const rest = g.ops.slice(shown);
    const more: Item = { id: `${g.id}#more`, kind: 'more', group: g, hidden: rest.length, first: rest[0]!, parent, index: 0 };
    for (const n of rest) rep[n] = more;
    items.push(more);
  }
  items.sort((a, b) => a.first - b.first);
  items.forEach((it, i) => (it.index = i));
  return items;
}

function markAll(g: ScopeGroup, box: Item, rep: Item[]): void {
  for (const n of g.ops) rep[n] = box;
  for (const c of g.children) markAll(c, box, rep);
}

const PARAM_SCOPE = /(^|\/)update(\/|$)/;

/** Node-level edges lifted to visible items, counted, with their kind (a pair is `param` when all its edges are). */
function itemEdges(run: ProfileRun, rep: readonly Item[]): Map<Item, Map<Item, { count: number; flow: number }>> {
  const nodes = run.graph.nodes;
  const scopes = run.graph.scopes;
  const indexOfId = new Map<number, number>();
  nodes.id.forEach((id, i) => indexOfId.set(id, i));
  const paramScope = scopes.map((s) => s === '' || PARAM_SCOPE.test(s));
  const out = new Map<Item, Map<Item, { count: number; flow: number }>>();
  for (let n = 0; n < nodes.id.length; n++) {
    const to = rep[n]!;
    for (const id of nodes.inputs[n]!) {
      const src = indexOfId.get(id);
      if (src === undefined) continue; // a graph input
      const from = rep[src]!;
      if (from === to) continue;
      let m = out.get(from);
      if (!m) out.set(from, (m = new Map()));
      const e = m.get(to) ?? { count: 0, flow: 0 };
      e.count++;
      if (!paramScope[nodes.scope[src]!]!) e.flow++;
      m.set(to, e);
    }
  }
  return out;
}

/** The chain of frames holding an item, outermost first (null is the root frame). */
function frames(item: Item): (Item | null)[] {
  const chain: (Item | null)[] = [];
  for (let f = item.parent; f; f = f.parent) chain.unshift(f);
  return [null, ...chain];
}

function toRequest(items: Item[], within: Map<Item | null, Set<string>>, frame: Item | null, o: LayoutOptions): RequestFrame {
  const pairs = within.get(frame) ?? new Set<string>();
  const edges = [...pairs].map((p) => p.split(',').map(Number) as [number, number]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return {
    items: items.map((it): RequestItem => {
      const size = it.kind === 'group' ? o.groupSize : o.opSize;
      return {
        id: it.id, kind: it.kind, group: it.group.id, depth: it.group.depth, first: it.first,
        ...(it.node !== undefined ? { node: it.node } : {}), ...(it.hidden !== undefined ? { hidden: it.hidden } : {}),
        width: size[0], height: size[1],
        ...(it.inner ? { inner: toRequest(it.inner, within, it, o) } : {}),
      };
    }),
    edges,
  };
}

/** What the worker needs to lay out `run` with `expanded` groups open. */
export function layoutRequest(run: ProfileRun, tree: ScopeTree, expanded: ReadonlySet<string>, options: LayoutOptions = DEFAULT_LAYOUT): LayoutRequest {
  const rep: Item[] = new Array(run.graph.nodes.id.length);
  const items = buildItems(tree.root, null, expanded, options, rep);
  const lifted = itemEdges(run, rep);
  const within = new Map<Item | null, Set<string>>();
  const edges: LayoutRequest['edges'] = [];
  for (const [from, tos] of lifted) {
    const fa = [...frames(from), from];
    for (const [to, e] of tos) {
      edges.push({ from: from.id, to: to.id, count: e.count, kind: e.flow > 0 ? 'flow' : 'param' });
      const ta = [...frames(to), to];
      let k = 0;
      while (k < fa.length && k < ta.length && fa[k] === ta[k]) k++;
      const a = fa[k] as Item;
      const b = ta[k] as Item;
      // Layering runs forward in trace order (siblings are disjoint stretches of it, but lumps and "more" boxes are not).
      if (a.first >= b.first) continue;
      const frame = fa[k - 1] ?? null;
      let set = within.get(frame);
      if (!set) within.set(frame, (set = new Set()));
      set.add(`${a.index},${b.index}`);
    }
  }
  edges.sort((p, q) => (p.from < q.from ? -1 : p.from > q.from ? 1 : p.to < q.to ? -1 : p.to > q.to ? 1 : 0));
  return { root: toRequest(items, within, null, options), edges, options };
}

interface Placed {
  readonly item: RequestItem;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly inner?: Placed[];
}

/**
 * Layers by longest path from the sources (items are in
 * trace order, so a single pass), then only the edges joining adjacent layers. Every item
 * past the first layer keeps one, so dagre's layering over them is the same, and dagre never
 * sees an edge spanning layers: those would add a dummy node per layer crossed, and its
 * ordering step slows down with the square of them (seconds for a few hundred ops). Long
 * edges are drawn directly from box to box.
 */
function layers(frame: RequestFrame): { layer: Int32Array; tight: [number, number][] } {
  const layer = new Int32Array(frame.items.length);
  for (const [a, b] of frame.edges) if (layer[a]! + 1 > layer[b]!) layer[b] = layer[a]! + 1;
  return { layer, tight: frame.edges.filter(([a, b]) => layer[b] === layer[a]! + 1) };
}

type PlacedFrame = { placed: Placed[]; width: number; height: number };

/** A frame's contents as a string: equal strings lay out alike, so a frame unchanged by an expansion is not laid out again. */
function signature(frame: RequestFrame): string {
  return `${frame.items.map((it) => `${it.id}:${it.kind}:${it.width}x${it.height}${it.inner ? `{${signature(it.inner)}}` : ''}`).join(',')}|${frame.edges.join(';')}`;
}

/** Frames laid out so far, by signature (the worker keeps one for its lifetime). */
export class FrameCache {
  private readonly frames = new Map<string, PlacedFrame>();
  get(key: string): PlacedFrame | undefined {
    return this.frames.get(key);
  }
  set(key: string, value: PlacedFrame): void {
    if (this.frames.size > 4000) this.frames.clear();
    this.frames.set(key, value);
  }
}

/** Lays out one frame after its expanded items (inside out); coordinates from 0. */
function placeFrame(frame: RequestFrame, o: LayoutOptions, cache: FrameCache | null): PlacedFrame {
  const key = cache ? signature(frame) : '';
  const known = cache?.get(key);
  if (known) return known;
  const result = placeFrameUncached(frame, o, cache);
  cache?.set(key, result);
  return result;
}

function placeFrameUncached(frame: RequestFrame, o: LayoutOptions, cache: FrameCache | null): PlacedFrame {
  const sized = frame.items.map((it) => {
    if (!it.inner) return { it, width: it.width, height: it.height, inner: undefined };
    const r = placeFrame(it.inner, o, cache);
    return { it, width: Math.max(r.width + 2 * o.padding, o.groupSize[0]), height: r.height + 2 * o.padding + o.header, inner: r.placed };
  });
  if (sized.length === 0) return { placed: [], width: 0, height: 0 };
  const { layer, tight } = layers(frame);
  const pos = sized.length <= DAGRE_MAX_ITEMS ? dagrePlace(sized, layer, tight, o) : columnPlace(sized, layer, frame.edges, o);
  let minX = Infinity;
  let minY = Infinity;
  let maxX = 0;
  let maxY = 0;
  sized.forEach((s, i) => {
    const [x, y] = pos[i]!;
    minX = Math.min(minX, x);
    minY = Math.min(minY, y);
    maxX = Math.max(maxX, x + s.width);
    maxY = Math.max(maxY, y + s.height);
  });
  const placed = sized.map((s, i): Placed => ({
    item: s.it, x: Math.round(pos[i]![0] - minX), y: Math.round(pos[i]![1] - minY), width: s.width, height: s.height, ...(s.inner ? { inner: s.inner } : {}),
  }));
  return { placed, width: Math.ceil(maxX - minX), height: Math.ceil(maxY - minY) };
}

/**
 * Frames of more items than this (a 500-op scope) are placed by `columnPlace`: dagre's
 * ordering step rebuilds a graph per layer, which costs nodes × layers (seconds for a chain of
 * a few hundred ops).
 */
export const DAGRE_MAX_ITEMS = 24;

interface Sized {
  readonly width: number;
  readonly height: number;
}

function dagrePlace(sized: readonly Sized[], layer: Int32Array, tight: readonly [number, number][], o: LayoutOptions): [number, number][] {
  const g = new dagre.graphlib.Graph();
  // Our layers, not dagre's ranker (which pulls sources right, next to their first consumer); dagre doubles
  // every rank span to make room for edge labels.
  const ranker = (graph: InstanceType<typeof dagre.graphlib.Graph>) => graph.nodes().forEach((v: string) => ((graph.node(v) as { rank: number }).rank = 2 * (layer[Number(v)] ?? 0)));
  g.setGraph({ rankdir: 'LR', nodesep: o.gap, ranksep: o.rankGap, marginx: 0, marginy: 0, ranker });
  g.setDefaultEdgeLabel(() => ({}));
  sized.forEach((s, i) => g.setNode(String(i), { width: s.width, height: s.height }));
  for (const [a, b] of tight) g.setEdge(String(a), String(b), { minlen: 1, weight: 1 });
  dagre.layout(g);
  return sized.map((s, i) => {
    const n = g.node(String(i)) as { x: number; y: number };
    return [n.x - s.width / 2, n.y - s.height / 2];
  });
}

/** Layers as columns left to right; within one, items by the mean position of their predecessors (then trace order). Linear. */
function columnPlace(sized: readonly Sized[], layer: Int32Array, edges: readonly [number, number][], o: LayoutOptions): [number, number][] {
  const layerCount = Math.max(...layer) + 1;
  const colWidth = new Float64Array(layerCount);
  sized.forEach((s, i) => (colWidth[layer[i]!] = Math.max(colWidth[layer[i]!]!, s.width)));
  const colX = new Float64Array(layerCount);
  for (let r = 1; r < layerCount; r++) colX[r] = colX[r - 1]! + colWidth[r - 1]! + o.rankGap;
  const preds: number[][] = sized.map(() => []);
  for (const [a, b] of edges) preds[b]!.push(a);
  const cols: number[][] = Array.from({ length: layerCount }, () => []);
  sized.forEach((_, i) => cols[layer[i]!]!.push(i));
  const y = new Float64Array(sized.length);
  const pos: [number, number][] = new Array(sized.length);
  for (const col of cols) {
    const key = (i: number) => (preds[i]!.length ? preds[i]!.reduce((s, p) => s + y[p]!, 0) / preds[i]!.length : -1);
    const keys = new Map(col.map((i) => [i, key(i)]));
    col.sort((a, b) => keys.get(a)! - keys.get(b)! || a - b);
    let at = 0;
    for (const i of col) {
      y[i] = at;
      pos[i] = [colX[layer[i]!]!, at];
      at += sized[i]!.height + o.gap;
    }
  }
  return pos;
}

function emit(placed: readonly Placed[], x0: number, y0: number, o: LayoutOptions, out: Omit<LayoutBox, 'row'>[]): void {
  for (const p of placed) {
    const it = p.item;
    out.push({
      id: it.id, kind: it.kind, x: x0 + p.x, y: y0 + p.y, width: p.width, height: p.height, depth: it.depth, group: it.group,
      ...(it.node !== undefined ? { node: it.node } : {}), ...(it.hidden !== undefined ? { hidden: it.hidden } : {}),
    });
    if (p.inner) emit(p.inner, x0 + p.x + o.padding, y0 + p.y + o.padding + o.header, o, out);
  }
}

/** The worker's half: places every frame and routes the lifted edges from right side to left side. */
export function layoutFrames(req: LayoutRequest, cache: FrameCache | null = null): GraphLayout {
  const o = req.options;
  const root = wrapRows(placeFrame(req.root, o, cache), o);
  const boxes: Omit<LayoutBox, 'row'>[] = [];
  emit(root.placed, 0, 0, o, boxes);
  const rowOfTop = new Map(root.placed.map((p, i) => [p.item.id, root.rows[i]!]));
  // Every box takes its top-level item's row.
  const rowOf = new Map<string, number>();
  let row = 0;
  for (const b of boxes) {
    const r = rowOfTop.get(b.id);
    if (r !== undefined) row = r;
    rowOf.set(b.id, row);
  }
  const out = boxes.map((b) => ({ ...b, row: rowOf.get(b.id)! }));
  const at = new Map(out.map((b) => [b.id, b]));
  const edges = req.edges.map((e): LayoutEdge => {
    const a = at.get(e.from)!;
    const b = at.get(e.to)!;
    const back = b.row < a.row || (b.row === a.row && b.x < a.x + a.width);
    return { ...e, back, points: [[a.x + a.width, a.y + a.height / 2], [b.x, b.y + b.height / 2]] };
  });
  return { boxes: out, edges, width: root.width, height: root.height };
}

/**
 * Wraps the top-level layout into rows, read like lines of text, when it is much wider than
 * `rootAspect`: cut only between columns (where no box spans the cut), each row about as wide
 * as a drawing of that aspect would be. Edges into a later row run forward in reading order.
 */
function wrapRows(frame: PlacedFrame, o: LayoutOptions): PlacedFrame & { rows: number[] } {
  const rows = frame.placed.map(() => 0);
  if (frame.width <= o.rootAspect * Math.max(frame.height, 1) || frame.width <= o.rootMinWidth) return { ...frame, rows };
  const target = Math.max(o.rootMinWidth, Math.sqrt(frame.width * frame.height * o.rootAspect));
  const order = frame.placed.map((_, i) => i).sort((a, b) => frame.placed[a]!.x - frame.placed[b]!.x);
  const starts: number[] = [0];
  let right = 0;
  for (const i of order) {
    const p = frame.placed[i]!;
    const start = starts[starts.length - 1]!;
    if (p.x >= right && p.x > start && p.x + p.width - start > target) starts.push(p.x);
    right = Math.max(right, p.x + p.width);
  }
  const rowOfX = (x: number) => {
    let r = 0;
    while (r + 1 < starts.length && x >= starts[r + 1]!) r++;
    return r;
  };
  const top = starts.map(() => Infinity);
  const bottom = starts.map(() => -Infinity);
  frame.placed.forEach((p, i) => {
    const r = (rows[i] = rowOfX(p.x));
    top[r] = Math.min(top[r]!, p.y);
    bottom[r] = Math.max(bottom[r]!, p.y + p.height);
  });
  const offsetY: number[] = [];
  let y = 0;
  starts.forEach((_, r) => {
    offsetY[r] = y - top[r]!;
    y += bottom[r]! - top[r]! + 3 * o.rankGap;
  });
  let width = 0;
  const placed = frame.placed.map((p, i) => {
    const r = rows[i]!;
    const q = { ...p, x: p.x - starts[r]!, y: p.y + offsetY[r]! };
    width = Math.max(width, q.x + q.width);
    return q;
  });
  return { placed, width, height: Math.max(0, y - 3 * o.rankGap), rows };
}

/** Both halves on this thread (tests, and the fallback when no worker can start). */
export function layoutGraph(run: ProfileRun, tree: ScopeTree, expanded: ReadonlySet<string>, options: LayoutOptions = DEFAULT_LAYOUT): GraphLayout {
  return layoutFrames(layoutRequest(run, tree, expanded, options));
}

/**
 * Groups that start expanded: breadth-first from the root, a group opens when it is not
 * large (`largeGroup` nodes or fewer) and opening it keeps the visible items within `budget`.
 */
export function defaultExpanded(tree: ScopeTree, budget = 40, largeGroup = 300, maxOps = 40): Set<string> {
  const open = new Set<string>();
  const itemsOf = (g: ScopeGroup) => g.children.length + Math.min(g.ops.length, maxOps);
  let visible = itemsOf(tree.root);
  const queue = [...tree.root.children];
  while (queue.length > 0) {
    const g = queue.shift()!;
    const more = itemsOf(g) - 1;
    if (g.size > largeGroup || visible + more > budget) continue;
    open.add(g.id);
    visible += more;
    queue.push(...g.children);
  }
  return open;
}
