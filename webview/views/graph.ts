/**
 * The differentiation graph (layout: graphLayout.ts, in a worker): one pane per run, side by
 * side on request, with the same groups expanded in both. A collapsed group is a box coloured
 * by its dominant origin with a bar of its origin mix; click it to expand it into a frame,
 * click a frame's title to collapse it; click an op to select it (details at the right, and
 * the timeline and tables follow). Labels follow the zoom (semantic zoom): zoomed out, only
 * group and frame names, drawn larger; op names appear when they would be readable. A
 * minimap shows where the view is; click it to move there.
 */
import { select as d3select, zoom, zoomIdentity, zoomTransform, type Selection, type ZoomBehavior } from 'd3';
import { ORIGINS, ORIGIN_LABELS, profileNode, type ProfileRun } from '../../engine/profile/format.js';
import { h, legend, widthOf } from '../dom.js';
import { formatBytes, formatCount } from '../format.js';
import { layoutRequest, type GraphLayout, type LayoutBox } from '../graphLayout.js';
import { LayoutClient } from '../graph/layoutClient.js';
import type { Overlay } from '../protocol.js';
import { dominantOrigin, type ScopeGroup } from '../scopeTree.js';
import type { Store } from '../store.js';
import { uiButton, uiCheckbox, uiDropdown, uiTextField } from '../ui/components.js';
import { detailsPanel } from './details.js';

type G = Selection<SVGGElement, unknown, null, undefined>;

const HEIGHT = 520;
/** Screen size of labels, and the smallest a label may be drawn at. */
const LABEL_PX = 12;
const MIN_LABEL_PX = 9;
const MINI = [200, 90] as const;

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, Math.max(1, n - 1))}…` : s;
}

function summary(g: ScopeGroup): string {
  const mix = ORIGINS.map((o, i) => [o, g.origins[i]!] as const).filter(([, c]) => c > 0).map(([o, c]) => `${o} ${formatCount(c)}`).join(', ');
  return `${g.scope || '(top level)'}${g.id.endsWith('#ops') ? ' (own ops)' : ''}\n${formatCount(g.size)} nodes (${formatCount(g.executed)} executed): ${mix}\n` +
    `allocated ${formatBytes(g.allocated)}, live at the peak ${formatBytes(g.atPeak)}`;
}

/** One run's graph: an svg with pan and zoom, and its minimap. */
class Pane {
  readonly element: HTMLElement;
  private readonly svg: Selection<SVGSVGElement, unknown, null, undefined>;
  private readonly viewport: G;
  private readonly mini: Selection<SVGSVGElement, unknown, null, undefined>;
  private readonly zoomer: ZoomBehavior<SVGSVGElement, unknown>;
  private layout: GraphLayout | null = null;
  private labelScale = 0;
  private readonly allocated: Float64Array;
  private readonly atPeak: Float64Array;
  private generation = 0;
  readonly status = h('span', { class: 'muted', 'data-testid': 'graph-status' });

  constructor(private readonly store: Store, readonly run: number, private readonly client: LayoutClient, private readonly width: () => number) {
    const r: ProfileRun = store.runs[run]!;
    const n = r.graph.nodes.id.length;
    this.allocated = new Float64Array(n);
    r.steps.node.forEach((node, i) => (this.allocated[node] = r.steps.allocated_bytes[i]!));
    this.atPeak = new Float64Array(n);
    r.peak.live.node.forEach((node, i) => {
      if (node >= 0) this.atPeak[node] += r.peak.live.bytes[i]!;
    });
    const svgEl = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    svgEl.setAttribute('data-testid', 'graph');
    svgEl.setAttribute('data-run', String(run));
    this.svg = d3select(svgEl).attr('height', HEIGHT);
    this.viewport = this.svg.append('g').attr('class', 'viewport');
    this.zoomer = zoom<SVGSVGElement, unknown>().scaleExtent([0.005, 4]).on('zoom', (e) => {
      this.viewport.attr('transform', e.transform.toString());
      this.svg.attr('data-k', e.transform.k.toFixed(4));
      this.updateLabels(e.transform.k);
      this.updateMini();
    });
    this.svg.call(this.zoomer).on('dblclick.zoom', null);
    const miniEl = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    miniEl.setAttribute('data-testid', 'minimap');
    miniEl.setAttribute('class', 'minimap');
    this.mini = d3select(miniEl).attr('width', MINI[0]).attr('height', MINI[1]);
    this.mini.on('click', (e: MouseEvent) => this.jumpTo(e));
    this.element = h('div', { class: 'graph-pane', 'data-testid': 'graph-pane' },
      h('div', { class: 'pane-title' }, r.mode, ' ', this.status), h('div', { class: 'graph-box' }, svgEl, miniEl));
  }

  /** Lays out with the store's expansion and draws; resolves when drawn. */
  async relayout(refit: boolean): Promise<void> {
    const gen = ++this.generation;
    const tree = this.store.tree(this.run);
    const expanded = new Set(this.store.expandedFor(this.run));
    const request = layoutRequest(this.store.runs[this.run]!, tree, expanded);
    const layout = await this.client.layout(request);
    if (gen !== this.generation) return;
    this.layout = layout;
    this.draw();
    const groups = layout.boxes.filter((b) => b.kind === 'group').length;
    this.status.textContent = `${formatCount(tree.root.size)} nodes shown as ${groups} groups and ${layout.boxes.filter((b) => b.kind === 'op').length} ops`;
    if (refit) this.fit();
    else this.updateLabels(zoomTransform(this.svg.node()!).k, true);
    this.highlight();
    this.svg.attr('data-ready', String(gen));
  }

  fit(): void {
    const l = this.layout;
    if (!l) return;
    const w = this.width();
    this.svg.attr('width', w);
    const k = Math.min((w - 20) / Math.max(1, l.width), (HEIGHT - 20) / Math.max(1, l.height), 1.2);
    this.svg.call(this.zoomer.transform, zoomIdentity.translate((w - l.width * k) / 2, (HEIGHT - l.height * k) / 2).scale(k));
  }

  private memOf(b: LayoutBox): number {
    const overlay: Overlay = this.store.view.overlay;
    if (overlay === 'none' || b.kind === 'more') return 0;
    if (b.kind === 'op') return (overlay === 'allocated' ? this.allocated : this.atPeak)[b.node!]!;
    const g = this.store.tree(this.run).byId.get(b.id)!;
    return overlay === 'allocated' ? g.allocated : g.atPeak;
  }

  private draw(): void {
    const layout = this.layout!;
    const root = this.viewport;
    root.selectAll('*').remove();
    const frames = root.append('g');
    const edges = root.append('g').attr('class', `edges${this.store.view.paramEdges ? ' show-param' : ''}`);
    const boxes = root.append('g');
    const tree = this.store.tree(this.run);
    const mem = layout.boxes.map((b) => this.memOf(b));
    const maxBytes = Math.max(0, ...layout.boxes.map((b, i) => (b.kind === 'frame' ? 0 : mem[i]!)));
    const toggle = (id: string) => {
      const open = new Set(this.store.expandedFor(this.run));
      if (!open.delete(id)) open.add(id);
      this.store.set({ expanded: [...open] });
    };
    layout.boxes.forEach((b, i) => {
      if (b.kind === 'frame') {
        const grp = tree.byId.get(b.id)!;
        const g = frames.append('g').attr('class', 'frame').attr('data-frame', b.id).attr('data-row', b.row);
        g.append('rect').attr('class', 'frame').attr('x', b.x).attr('y', b.y).attr('width', b.width).attr('height', b.height).attr('rx', 6);
        const t = g.append('g').attr('class', 'frame-title').on('click', () => toggle(b.id));
        t.append('title').text(`${summary(grp)}\nclick to collapse`);
        t.append('text').attr('class', 'label frame-label').attr('x', b.x + 8).attr('y', b.y + 16)
          .attr('data-text', `▾ ${grp.label} · ${formatCount(grp.size)} nodes${mem[i]! > 0 ? ` · ${formatBytes(mem[i]!)}` : ''}`);
      } else if (b.kind === 'group') {
        const grp = tree.byId.get(b.id)!;
        const g = boxes.append('g').attr('class', `node-group o-${ORIGINS[dominantOrigin(grp)]}`).attr('data-group', b.id).attr('data-row', b.row).on('click', () => toggle(b.id));
        g.append('title').text(`${summary(grp)}\nclick to expand`);
        g.append('rect').attr('class', 'group').attr('x', b.x).attr('y', b.y).attr('width', b.width).attr('height', b.height).attr('rx', 4);
        if (mem[i]! > 0 && maxBytes > 0) g.append('rect').attr('class', 'mem').attr('x', b.x).attr('y', b.y).attr('height', 5).attr('width', Math.max(2, (b.width * mem[i]!) / maxBytes));
        g.append('text').attr('class', 'label group-label').attr('x', b.x + 8).attr('y', b.y + 19).attr('data-text', `▸ ${grp.label}`);
        g.append('text').attr('class', 'sub').attr('x', b.x + 8).attr('y', b.y + 34)
          .text(`${formatCount(grp.size)} nodes${mem[i]! > 0 ? ` · ${formatBytes(mem[i]!)}` : ''}`);
        let x = b.x + 1;
        grp.origins.forEach((c, o) => {
          const w = ((b.width - 2) * c) / grp.size;
          if (w > 0) g.append('rect').attr('class', `origin-mix o-${ORIGINS[o]}`).attr('x', x).attr('y', b.y + b.height - 6).attr('width', w).attr('height', 5);
          x += w;
        });
      } else if (b.kind === 'more') {
        const g = boxes.append('g').attr('class', 'node-more').attr('data-more', b.id).attr('data-row', b.row);
        g.append('rect').attr('class', 'more').attr('x', b.x).attr('y', b.y).attr('width', b.width).attr('height', b.height).attr('rx', 3);
        g.append('text').attr('class', 'label op-label').attr('x', b.x + 8).attr('y', b.y + 18).attr('data-text', `+${formatCount(b.hidden!)} more ops`);
      } else {
        const node = profileNode(this.store.runs[this.run]!.graph, b.node!);
        const g = boxes.append('g').attr('class', `node-op o-${node.origin}`).attr('data-node', String(b.node)).attr('data-row', b.row).on('click', () => this.store.select(this.run, b.node!));
        g.append('title').text(`${node.op} [${node.shape.join('×')}] ${node.dtype}, ${formatBytes(node.bytes)}\n${node.scope || '(top level)'} · ${node.origin}`);
        g.append('rect').attr('class', 'op').attr('x', b.x).attr('y', b.y).attr('width', b.width).attr('height', b.height).attr('rx', 3);
        g.append('rect').attr('class', 'op-fill').attr('x', b.x).attr('y', b.y).attr('width', b.width).attr('height', b.height).attr('rx', 3);
        if (mem[i]! > 0 && maxBytes > 0) g.append('rect').attr('class', 'mem').attr('x', b.x).attr('y', b.y).attr('height', 4).attr('width', Math.max(2, (b.width * mem[i]!) / maxBytes));
        g.append('text').attr('class', 'label op-label').attr('x', b.x + 6).attr('y', b.y + 18).attr('data-text', node.op);
      }
    });
    for (const e of layout.edges) {
      const [[x0, y0], [x1, y1]] = e.points as [[number, number], [number, number]];
      const dx = Math.max(20, Math.abs(x1 - x0) / 2);
      edges.append('path').attr('class', `edge ${e.kind}${e.back ? ' back' : ''}`).attr('data-from', e.from).attr('data-to', e.to)
        .attr('d', `M${x0},${y0}C${x0 + dx},${y0} ${x1 - dx},${y1} ${x1},${y1}`).attr('stroke-width', Math.min(4, 0.8 + Math.log2(e.count) * 0.4))
        .append('title').text(`${formatCount(e.count)} edge${e.count > 1 ? 's' : ''}${e.kind === 'param' ? ' (parameters or optimiser state)' : ''}`);
    }
    this.drawMini();
    this.labelScale = 0;
  }

  /**
   * Semantic zoom: a label is drawn at about LABEL_PX on screen, no larger than its box allows,
   * cut to the box's width, and hidden when it would be smaller than MIN_LABEL_PX or cut to
   * under four characters. Op names show only once ops are large enough to read.
   */
  private updateLabels(k: number, force = false): void {
    if (!this.layout) return;
    if (!force && this.labelScale > 0 && Math.abs(Math.log(k / this.labelScale)) < 0.08) return;
    this.labelScale = k;
    const boxOf = new Map(this.layout.boxes.map((b) => [b.id, b]));
    this.viewport.selectAll<SVGTextElement, unknown>('text.label').each(function () {
      const t = d3select(this);
      const g = this.closest('[data-group],[data-frame],[data-node],.node-more') as SVGGElement | null;
      const id = g?.getAttribute('data-group') ?? g?.getAttribute('data-frame') ?? (g?.getAttribute('data-node') ? `n:${g.getAttribute('data-node')}` : null);
      const b = id ? boxOf.get(id) : undefined;
      const full = this.getAttribute('data-text') ?? '';
      if (!b) {
        t.text(full);
        return;
      }
      const isFrame = b.kind === 'frame';
      const maxFont = isFrame ? Math.max(14, Math.min(b.height * 0.35, b.width * 0.2)) : b.height * (b.kind === 'group' ? 0.42 : 0.55);
      const font = Math.min(LABEL_PX / k, maxFont);
      const chars = Math.floor((b.width - 14) / (font * 0.6));
      const visible = font * k >= MIN_LABEL_PX && chars >= 4;
      // A style, not the font-size attribute: the stylesheet's `svg text` size would win over an attribute.
      t.style('font-size', `${font.toFixed(2)}px`).attr('y', isFrame ? b.y + font + 4 : b.y + Math.min(b.height - 4, 4 + font * (b.kind === 'group' && font * k >= MIN_LABEL_PX && k >= 0.75 ? 1.3 : 1.1)))
        .classed('hidden', !visible).text(visible ? truncate(full, chars) : '');
    });
    this.viewport.classed('far', k < 0.75);
  }

  private drawMini(): void {
    const l = this.layout!;
    this.mini.selectAll('*').remove();
    const s = Math.min((MINI[0] - 4) / Math.max(1, l.width), (MINI[1] - 4) / Math.max(1, l.height));
    const g = this.mini.append('g').attr('transform', `translate(2,2) scale(${s})`);
    for (const b of l.boxes) {
      if (b.kind === 'frame' && b.depth > 2) continue;
      g.append('rect').attr('class', `mini-${b.kind}`).attr('x', b.x).attr('y', b.y).attr('width', b.width).attr('height', b.height);
    }
    g.append('rect').attr('class', 'mini-view');
    this.mini.attr('data-scale', String(s));
    this.updateMini();
  }

  private updateMini(): void {
    const l = this.layout;
    if (!l) return;
    const t = zoomTransform(this.svg.node()!);
    const w = Number(this.svg.attr('width')) || this.width();
    this.mini.select('rect.mini-view').attr('x', -t.x / t.k).attr('y', -t.y / t.k).attr('width', w / t.k).attr('height', HEIGHT / t.k);
  }

  private jumpTo(e: MouseEvent): void {
    const l = this.layout;
    if (!l) return;
    const s = Number(this.mini.attr('data-scale'));
    const rect = (this.mini.node() as SVGSVGElement).getBoundingClientRect();
    this.centerOn((e.clientX - rect.left - 2) / s, (e.clientY - rect.top - 2) / s);
  }

  private centerOn(x: number, y: number, k = zoomTransform(this.svg.node()!).k): void {
    const w = Number(this.svg.attr('width')) || this.width();
    this.svg.call(this.zoomer.transform, zoomIdentity.translate(w / 2 - x * k, HEIGHT / 2 - y * k).scale(k));
  }

  /** Marks the selected op (if it is in this run and drawn) and brings it into view. */
  highlight(center = false): void {
    const sel = this.store.view.selected;
    this.viewport.selectAll('g.node-op.selected').classed('selected', false);
    if (!sel || sel.run !== this.run || !this.layout) return;
    this.viewport.select(`g.node-op[data-node="${sel.node}"]`).classed('selected', true);
    if (!center) return;
    const b = this.layout.boxes.find((x) => x.id === `n:${sel.node}`);
    if (b) this.centerOn(b.x + b.width / 2, b.y + b.height / 2, Math.max(zoomTransform(this.svg.node()!).k, 0.9));
  }

  redrawEdges(): void {
    this.viewport.select('g.edges').classed('show-param', this.store.view.paramEdges);
  }
}

function searchNodes(store: Store, run: number, query: string, limit = 30): number[] {
  const q = query.trim().toLowerCase();
  if (!q) return [];
  const { graph } = store.runs[run]!;
  const opHit = graph.ops.map((o) => o.toLowerCase().includes(q));
  const scopeHit = graph.scopes.map((s) => s.toLowerCase().includes(q));
  const out: number[] = [];
  for (let n = 0; n < graph.nodes.id.length && out.length < limit; n++) {
    if (opHit[graph.nodes.op[n]!] || scopeHit[graph.nodes.scope[n]!]) out.push(n);
  }
  return out;
}

export function graphView(store: Store, signal: AbortSignal, reportProblem: (m: string) => void): HTMLElement {
  const runs = store.runs;
  const client = new LayoutClient(reportProblem);
  signal.addEventListener('abort', () => client.dispose());
  const panes = h('div', { class: 'panes' });
  const host = h('div', { class: 'graph-main' }, panes);
  const paneWidth = () => {
    const n = store.view.sideBySide ? runs.length : 1;
    return Math.max(300, Math.floor((widthOf(host) - 12 * (n - 1)) / n));
  };
  let shown: Pane[] = [];
  const build = () => {
    const which = store.view.sideBySide ? runs.map((_, i) => i) : [Math.min(store.view.graphRun, runs.length - 1)];
    shown = which.map((i) => new Pane(store, i, client, paneWidth));
    panes.replaceChildren(...shown.map((p) => p.element));
    panes.classList.toggle('side-by-side', shown.length > 1);
    void Promise.all(shown.map((p) => p.relayout(true))).then(() => shown.forEach((p) => p.highlight(true)));
  };
  const results = h('ul', { class: 'search-results', 'data-testid': 'search-results' });
  const showResults = (query: string) => {
    const run = store.view.sideBySide ? 0 : store.view.graphRun;
    const hits = searchNodes(store, run, query);
    results.replaceChildren(...hits.map((n) => {
      const node = profileNode(runs[run]!.graph, n);
      const li = h('li', { 'data-node': String(n), tabindex: '0' }, h('span', {}, node.op), h('span', { class: 'muted' }, ` ${node.scope || '(top level)'} · ${formatBytes(node.bytes)}`));
      li.addEventListener('click', () => store.select(run, n));
      return li;
    }));
    if (query.trim() && hits.length === 0) results.append(h('li', { class: 'muted' }, 'no op or scope matches'));
  };
  const search = uiTextField('Search ops or scopes', store.view.search, (v) => {
    store.set({ search: v });
    showResults(v);
  }, 'graph-search');
  search.addEventListener('keydown', (e) => {
    if ((e as KeyboardEvent).key === 'Enter') results.querySelector<HTMLElement>('li[data-node]')?.click();
  });
  const toolbar = h('div', { class: 'toolbar' },
    runs.length > 1 ? uiCheckbox('both modes side by side', store.view.sideBySide, (v) => store.set({ sideBySide: v }), 'side-by-side') : null,
    runs.length > 1 ? uiDropdown(runs.map((r, i) => [String(i), `run: ${r.mode}`] as const), String(store.view.graphRun), (i) => store.set({ graphRun: Number(i) }), 'graph run', 'graph-run') : null,
    uiDropdown([['allocated', 'memory: allocated'], ['atPeak', 'memory: live at the peak'], ['none', 'memory: off']] as const, store.view.overlay, (o) => store.set({ overlay: o }), 'memory overlay'),
    uiCheckbox('parameter & optimiser-state edges', store.view.paramEdges, (v) => store.set({ paramEdges: v }), 'param-edges'),
    uiButton('Collapse all', () => store.set({ expanded: [] }), { secondary: true }),
    uiButton('Reset', () => store.set({ expanded: null }), { secondary: true }),
    uiButton('Fit', () => shown.forEach((p) => p.fit()), { secondary: true, testid: 'graph-fit' }));
  const details = detailsPanel(store, signal);
  const side = h('aside', { class: 'graph-side' }, search, results, details);
  store.on((_, changed) => {
    if (changed.has('sideBySide') || changed.has('graphRun')) return build();
    if (changed.has('expanded') || changed.has('overlay')) void Promise.all(shown.map((p) => p.relayout(false))).then(() => shown.forEach((p) => p.highlight(changed.has('selected'))));
    else if (changed.has('selected')) shown.forEach((p) => p.highlight(true));
    if (changed.has('paramEdges')) shown.forEach((p) => p.redrawEdges());
  }, signal);
  const origins = legend(ORIGINS.map((o) => [`o-${o}`, ORIGIN_LABELS[o]]));
  requestAnimationFrame(build);
  if (store.view.search) showResults(store.view.search);
  return h('div', { 'data-testid': 'graph-view' }, toolbar, origins, h('div', { class: 'graph-layout' }, host, side));
}
