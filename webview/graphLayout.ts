/**
 * Layout of the grouped differentiation graph (pure and deterministic; golden-tested).
 *
 * Visible items: the children of every expanded group, down from the root. A collapsed group
 * is one box standing for all its nodes; an expanded group is a frame around its own items;
 * a node of an expanded group is an op box (at most `maxOps` per group, the rest one "more"
 * box). Each frame is laid out on its own, inside out: its items go on layers by longest
 * path over the edges between them that run forward in trace order (so the layering is
 * acyclic), ordered within a layer by the mean position of their predecessors; layers run
 * left to right and wrap into bands so each frame's shape comes near `aspect`. Edges join the boxes that stand for each
 * node's producer and consumer, counted, from the producer's right side to the consumer's left.
 */
import { type ProfileRun } from '../engine/profile/format.js';
import type { ScopeGroup, ScopeTree } from './scopeTree.js';
import { layoutFrame, type FrameItem, type Placed } from './layerLayout.js';

export interface LayoutOptions {
  readonly groupSize: readonly [number, number];
  readonly opSize: readonly [number, number];
  /** Space between boxes, around a frame's contents, and above them for the frame's title. */
  readonly gap: number;
  readonly padding: number;
  readonly header: number;
  readonly maxOps: number;
  /** Width ÷ height each frame's layout aims for, and the whole drawing's. */
  readonly aspect: number;
  readonly rootAspect: number;
  /** The drawing's bands are at least this wide. */
  readonly rootMinWidth: number;
}

export const DEFAULT_LAYOUT: LayoutOptions = { groupSize: [168, 46], opSize: [112, 26], gap: 16, padding: 10, header: 22, maxOps: 40, aspect: 1.6, rootAspect: 2.2, rootMinWidth: 900 };

export type BoxKind = 'group' | 'frame' | 'op' | 'more';

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
}

export interface LayoutEdge {
  readonly from: string;
  readonly to: string;
  /** Node-level edges it stands for. */
  readonly count: number;
  readonly points: readonly (readonly [number, number])[];
}

export interface GraphLayout {
  readonly boxes: readonly LayoutBox[];
  readonly edges: readonly LayoutEdge[];
  readonly width: number;
  readonly height: number;
}

interface Item extends FrameItem {
  readonly id: string;
  readonly kind: BoxKind;
  readonly group: ScopeGroup;
  readonly node?: number;
  readonly hidden?: number;
  /** Items of an expanded group's frame. */
  readonly inner?: Item[];
  /** The frame that holds the item. */
  readonly parent: Item | null;
}

/** Visible items of `g`'s frame (recursively), and the item standing for each node. */
function buildItems(g: ScopeGroup, parent: Item | null, expanded: ReadonlySet<string>, o: LayoutOptions, rep: Item[]): Item[] {
  const items: Item[] = [];
  const frameOf = (child: ScopeGroup): Item => ({ id: child.id, kind: 'frame', group: child, first: child.first, parent, width: 0, height: 0 });
  for (const child of g.children) {
    if (expanded.has(child.id)) {
      const frame = frameOf(child);
      (frame as { inner?: Item[] }).inner = buildItems(child, frame, expanded, o, rep);
      items.push(frame);
    } else {
      const box: Item = { id: child.id, kind: 'group', group: child, first: child.first, parent, width: o.groupSize[0], height: o.groupSize[1] };
      markAll(child, box, rep);
      items.push(box);
    }
  }
  const shown = g.ops.length > o.maxOps ? o.maxOps - 1 : g.ops.length;
  g.ops.slice(0, shown).forEach((n) => {
    const box: Item = { id: `n:${n}`, kind: 'op', group: g, node: n, first: n, parent, width: o.opSize[0], height: o.opSize[1] };
    rep[n] = box;
    items.push(box);
  });
  if (shown < g.ops.length) {
    const rest = g.ops.slice(shown);
    const more: Item = { id: `${g.id}#more`, kind: 'more', group: g, hidden: rest.length, first: rest[0]!, parent, width: o.opSize[0], height: o.opSize[1] };
    for (const n of rest) rep[n] = more;
    items.push(more);
  }
  return items.sort((a, b) => a.first - b.first);
}

function markAll(g: ScopeGroup, box: Item, rep: Item[]): void {
  for (const n of g.ops) rep[n] = box;
  for (const c of g.children) markAll(c, box, rep);
}

/** Node-level edges lifted to visible items: key `from\tto` → count. */
function itemEdges(run: ProfileRun, rep: readonly Item[]): Map<Item, Map<Item, number>> {
  const nodes = run.graph.nodes;
  const indexOfId = new Map<number, number>();
  nodes.id.forEach((id, i) => indexOfId.set(id, i));
  const out = new Map<Item, Map<Item, number>>();
  for (let n = 0; n < nodes.id.length; n++) {
    const to = rep[n]!;
    for (const id of nodes.inputs[n]!) {
      const src = indexOfId.get(id);
      if (src === undefined) continue; // a graph input
      const from = rep[src]!;
      if (from === to) continue;
      let m = out.get(from);
      if (!m) out.set(from, (m = new Map()));
      m.set(to, (m.get(to) ?? 0) + 1);
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

/** Edges between siblings of each frame: an edge between any two items counts between the siblings that hold them. */
function siblingEdges(edges: Map<Item, Map<Item, number>>): Map<Item | null, [Item, Item][]> {
  const out = new Map<Item | null, [Item, Item][]>();
  for (const [from, tos] of edges) {
    const fa = [...frames(from), from];
    for (const to of tos.keys()) {
      const ta = [...frames(to), to];
      let k = 0;
      while (k < fa.length && k < ta.length && fa[k] === ta[k]) k++;
      const a = fa[k] as Item;
      const b = ta[k] as Item;
      const list = out.get(fa[k - 1] ?? null) ?? [];
      list.push([a, b]);
      out.set(fa[k - 1] ?? null, list);
    }
  }
  return out;
}

/** Sizes and places every frame inside out; returns the root frame's placed items. */
function place(items: Item[], frame: Item | null, within: Map<Item | null, [Item, Item][]>, o: LayoutOptions): { placed: Placed<Item>[]; width: number; height: number } {
  for (const it of items) {
    if (!it.inner) continue;
    const r = place(it.inner, it, within, o);
    (it as { width: number }).width = Math.max(r.width + 2 * o.padding, o.groupSize[0]);
    (it as { height: number }).height = r.height + 2 * o.padding + o.header;
    (it as { placedInner?: Placed<Item>[] }).placedInner = r.placed;
  }
  return frame ? layoutFrame(items, within.get(frame) ?? [], o.gap, o.aspect) : layoutFrame(items, within.get(null) ?? [], o.gap, o.rootAspect, o.rootMinWidth);
}

function emit(placed: Placed<Item>[], x0: number, y0: number, o: LayoutOptions, out: LayoutBox[], at: Map<Item, LayoutBox>): void {
  for (const p of placed) {
    const it = p.item;
    const box: LayoutBox = {
      id: it.id, kind: it.kind, x: x0 + p.x, y: y0 + p.y, width: it.width, height: it.height, depth: it.group.depth, group: it.group.id,
      ...(it.node !== undefined ? { node: it.node } : {}), ...(it.hidden !== undefined ? { hidden: it.hidden } : {}),
    };
    out.push(box);
    at.set(it, box);
    const inner = (it as { placedInner?: Placed<Item>[] }).placedInner;
    if (inner) emit(inner, box.x + o.padding, box.y + o.padding + o.header, o, out, at);
  }
}

export function layoutGraph(run: ProfileRun, tree: ScopeTree, expanded: ReadonlySet<string>, options: LayoutOptions = DEFAULT_LAYOUT): GraphLayout {
  const rep: Item[] = new Array(run.graph.nodes.id.length);
  const items = buildItems(tree.root, null, expanded, options, rep);
  const edges = itemEdges(run, rep);
  const root = place(items, null, siblingEdges(edges), options);
  const boxes: LayoutBox[] = [];
  const at = new Map<Item, LayoutBox>();
  emit(root.placed, 0, 0, options, boxes, at);
  const drawn: LayoutEdge[] = [];
  for (const [from, tos] of edges) {
    const a = at.get(from)!;
    for (const [to, count] of tos) {
      const b = at.get(to)!;
      drawn.push({ from: a.id, to: b.id, count, points: [[a.x + a.width, a.y + a.height / 2], [b.x, b.y + b.height / 2]] });
    }
  }
  drawn.sort((p, q) => (p.from < q.from ? -1 : p.from > q.from ? 1 : p.to < q.to ? -1 : p.to > q.to ? 1 : 0));
  return { boxes, edges: drawn, width: root.width, height: root.height };
}

/**
 * Groups that start expanded: breadth-first from the root, a group opens when it is not
 * large (`largeGroup` nodes or fewer) and opening it keeps the visible items within `budget`.
 */
export function defaultExpanded(tree: ScopeTree, budget = 40, largeGroup = 300, maxOps = DEFAULT_LAYOUT.maxOps): Set<string> {
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
