/**
 * The differentiation graph of one run, drawn by scope group (layout: graphLayout.ts). A
 * collapsed group is a box coloured by its dominant origin with a bar of its origin mix; click
 * it to expand it into a frame, click a frame's title to collapse it. Memory per group or op
 * (allocated, or live at the peak) is an overlay bar along each box's top. Pan and zoom with
 * the mouse.
 */
import { select as d3select, zoom, zoomIdentity, type Selection } from 'd3';
import { ORIGINS, ORIGIN_LABELS, profileNode, type ProfileRun } from '../../engine/profile/format.js';
import { button, h, legend, select, widthOf } from '../dom.js';
import { formatBytes, formatCount } from '../format.js';
import { defaultExpanded, layoutGraph, type GraphLayout, type LayoutBox } from '../graphLayout.js';
import { buildScopeTree, dominantOrigin, type ScopeGroup, type ScopeTree } from '../scopeTree.js';

type Overlay = 'allocated' | 'atPeak' | 'none';
type G = Selection<SVGGElement, unknown, null, undefined>;

const HEIGHT = 560;

interface RunView {
  readonly run: ProfileRun;
  readonly tree: ScopeTree;
  expanded: Set<string>;
  /** Per node: bytes its execution allocated, bytes of it live at the peak. */
  readonly allocated: Float64Array;
  readonly atPeak: Float64Array;
}

function runView(run: ProfileRun): RunView {
  const tree = buildScopeTree(run);
  const n = run.graph.nodes.id.length;
  const allocated = new Float64Array(n);
  run.steps.node.forEach((node, i) => (allocated[node] = run.steps.allocated_bytes[i]!));
  const atPeak = new Float64Array(n);
  run.peak.live.node.forEach((node, i) => {
    if (node >= 0) atPeak[node] += run.peak.live.bytes[i]!;
  });
  return { run, tree, expanded: defaultExpanded(tree), allocated, atPeak };
}

function memOf(v: RunView, b: LayoutBox, overlay: Overlay): number {
  if (overlay === 'none') return 0;
  if (b.kind === 'op') return (overlay === 'allocated' ? v.allocated : v.atPeak)[b.node!]!;
  if (b.kind === 'more') return 0;
  const g = v.tree.byId.get(b.id)!;
  return overlay === 'allocated' ? g.allocated : g.atPeak;
}

function summary(g: ScopeGroup): string {
  const mix = ORIGINS.map((o, i) => [o, g.origins[i]!] as const).filter(([, c]) => c > 0).map(([o, c]) => `${o} ${formatCount(c)}`).join(', ');
  return `${g.id.replace(/#ops$/, ' (own ops)') || '(top level)'}\n${formatCount(g.size)} nodes (${formatCount(g.executed)} executed): ${mix}\n` +
    `allocated ${formatBytes(g.allocated)}, live at the peak ${formatBytes(g.atPeak)}`;
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

function drawMem(sel: G, b: LayoutBox, bytes: number, maxBytes: number): void {
  if (bytes <= 0 || maxBytes <= 0) return;
  sel.append('rect').attr('class', 'mem').attr('x', b.x).attr('y', b.y).attr('height', 5).attr('width', Math.max(2, (b.width * bytes) / maxBytes));
}

function drawGroup(layer: G, v: RunView, b: LayoutBox, bytes: number, maxBytes: number, toggle: (id: string) => void): void {
  const grp = v.tree.byId.get(b.id)!;
  const g = layer.append('g').attr('class', `node-group o-${ORIGINS[dominantOrigin(grp)]}`).attr('data-group', b.id).on('click', () => toggle(b.id));
  g.append('title').text(`${summary(grp)}\nclick to expand`);
  g.append('rect').attr('class', 'group').attr('x', b.x).attr('y', b.y).attr('width', b.width).attr('height', b.height).attr('rx', 4);
  drawMem(g, b, bytes, maxBytes);
  g.append('text').attr('x', b.x + 8).attr('y', b.y + 18).text(`▸ ${truncate(grp.label, 20)}`);
  g.append('text').attr('class', 'sub').attr('x', b.x + 8).attr('y', b.y + 32)
    .text(`${formatCount(grp.size)} nodes${bytes > 0 ? ` · ${formatBytes(bytes)}` : ''}`);
  let x = b.x + 1;
  grp.origins.forEach((c, i) => {
    const w = ((b.width - 2) * c) / grp.size;
    if (w > 0) g.append('rect').attr('class', `origin-mix o-${ORIGINS[i]}`).attr('x', x).attr('y', b.y + b.height - 6).attr('width', w).attr('height', 5);
    x += w;
  });
}

function drawFrame(layer: G, v: RunView, b: LayoutBox, bytes: number, toggle: (id: string) => void): void {
  const grp = v.tree.byId.get(b.id)!;
  const g = layer.append('g').attr('class', 'frame').attr('data-frame', b.id);
  g.append('rect').attr('class', 'frame').attr('x', b.x).attr('y', b.y).attr('width', b.width).attr('height', b.height).attr('rx', 6);
  const t = g.append('g').attr('class', 'frame-title').on('click', () => toggle(b.id));
  t.append('title').text(`${summary(grp)}\nclick to collapse`);
  t.append('text').attr('x', b.x + 8).attr('y', b.y + 16)
    .text(`▾ ${truncate(grp.label, 28)} · ${formatCount(grp.size)} nodes${bytes > 0 ? ` · ${formatBytes(bytes)}` : ''}`);
}

function drawOp(layer: G, v: RunView, b: LayoutBox, bytes: number, maxBytes: number): void {
  if (b.kind === 'more') {
    const g = layer.append('g').attr('class', 'node-more');
    g.append('rect').attr('class', 'more').attr('x', b.x).attr('y', b.y).attr('width', b.width).attr('height', b.height).attr('rx', 3);
    g.append('text').attr('class', 'sub').attr('x', b.x + 8).attr('y', b.y + 17).text(`+${formatCount(b.hidden!)} more ops`);
    return;
  }
  const node = profileNode(v.run.graph, b.node!);
  const g = layer.append('g').attr('class', `node-op o-${node.origin}`).attr('data-node', String(b.node));
  g.append('title').text(`${node.op} [${node.shape.join('×')}] ${node.dtype}, ${formatBytes(node.bytes)}\n${node.scope || '(top level)'} · ${node.origin}` +
    `${v.atPeak[b.node!]! > 0 ? '\nlive at the peak' : ''}`);
  g.append('rect').attr('class', 'op').attr('x', b.x).attr('y', b.y).attr('width', b.width).attr('height', b.height).attr('rx', 3);
  g.append('rect').attr('class', 'op-fill').attr('x', b.x).attr('y', b.y).attr('width', b.width).attr('height', b.height).attr('rx', 3);
  drawMem(g, b, bytes, maxBytes);
  g.append('text').attr('x', b.x + 6).attr('y', b.y + 17).text(truncate(node.op, 16));
}

function draw(root: G, v: RunView, layout: GraphLayout, overlay: Overlay, toggle: (id: string) => void): void {
  root.selectAll('*').remove();
  const frames = root.append('g');
  const edges = root.append('g');
  const boxes = root.append('g');
  const mem = layout.boxes.map((b) => memOf(v, b, overlay));
  const maxBytes = Math.max(0, ...layout.boxes.map((b, i) => (b.kind === 'frame' ? 0 : mem[i]!)));
  layout.boxes.forEach((b, i) => {
    if (b.kind === 'frame') drawFrame(frames, v, b, mem[i]!, toggle);
    else if (b.kind === 'group') drawGroup(boxes, v, b, mem[i]!, maxBytes, toggle);
    else drawOp(boxes, v, b, mem[i]!, maxBytes);
  });
  for (const e of layout.edges) {
    const [[x0, y0], [x1, y1]] = e.points as [[number, number], [number, number]];
    // Forward edges curve from side to side; the few running back are straight.
    const dx = (x1 - x0) / 2;
    const d = dx > 0 ? `M${x0},${y0}C${x0 + dx},${y0} ${x1 - dx},${y1} ${x1},${y1}` : `M${x0},${y0}L${x1},${y1}`;
    edges.append('path').attr('class', 'edge').attr('d', d).attr('stroke-width', Math.min(4, 0.8 + Math.log2(e.count) * 0.4))
      .append('title').text(`${formatCount(e.count)} edge${e.count > 1 ? 's' : ''}`);
  }
}

export function graphView(runs: readonly ProfileRun[]): HTMLElement {
  const views = new Map<number, RunView>();
  const viewOf = (i: number) => views.get(i) ?? views.set(i, runView(runs[i]!)).get(i)!;
  let current = 0;
  let overlay: Overlay = 'allocated';
  const svgEl = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svgEl.setAttribute('data-testid', 'graph');
  const box = h('div', { class: 'graph-box' }, svgEl);
  const status = h('span', { class: 'muted', 'data-testid': 'graph-status' });
  const svg = d3select(svgEl).attr('height', HEIGHT);
  const viewport = svg.append('g').attr('class', 'viewport');
  const zoomer = zoom<SVGSVGElement, unknown>().scaleExtent([0.02, 4]).on('zoom', (e) => viewport.attr('transform', e.transform.toString()));
  svg.call(zoomer).on('dblclick.zoom', null);
  let layout: GraphLayout | null = null;

  const fit = () => {
    if (!layout) return;
    const w = widthOf(box);
    svg.attr('width', w);
    const k = Math.min((w - 20) / Math.max(1, layout.width), (HEIGHT - 20) / Math.max(1, layout.height), 1.2);
    svg.call(zoomer.transform, zoomIdentity.translate((w - layout.width * k) / 2, (HEIGHT - layout.height * k) / 2).scale(k));
  };
  const render = (refit: boolean) => {
    const v = viewOf(current);
    layout = layoutGraph(v.run, v.tree, v.expanded);
    draw(viewport, v, layout, overlay, toggle);
    const groups = layout.boxes.filter((b) => b.kind === 'group').length;
    status.textContent = `${runs[current]!.mode}: ${formatCount(v.tree.root.size)} nodes shown as ${groups} groups and ${layout.boxes.filter((b) => b.kind === 'op').length} ops`;
    if (refit) fit();
  };
  const toggle = (id: string) => {
    const e = viewOf(current).expanded;
    if (!e.delete(id)) e.add(id);
    render(false);
  };
  const toolbar = h('div', { class: 'toolbar' },
    select(runs.map((r, i) => [String(i), `run: ${r.mode}`] as const), '0', (i) => { current = Number(i); render(true); }, 'graph run'),
    select([['allocated', 'memory: allocated'], ['atPeak', 'memory: live at the peak'], ['none', 'memory: off']] as const, overlay, (o) => { overlay = o; render(false); }, 'memory overlay'),
    button('Collapse all', () => { viewOf(current).expanded.clear(); render(true); }, true),
    button('Reset', () => { const v = viewOf(current); v.expanded = defaultExpanded(v.tree); render(true); }, true),
    button('Fit', fit, true),
    status);
  const origins = legend(ORIGINS.map((o) => [`o-${o}`, ORIGIN_LABELS[o]]));
  requestAnimationFrame(fit);
  render(true);
  return h('div', { 'data-testid': 'graph-view' }, toolbar, origins, box);
}
