/**
 * Memory over the run, interactive: hover for the op, scope and live bytes at any moment;
 * drag to zoom into a range (double-click to zoom out); click a moment for the breakdown of
 * what is live there by category, inner step and block (not only at the peak), and to select
 * the op running then. Bands under the chart show each run's inner steps and phases; the x
 * axis is executed ops, op time, or progress (0–100 % of each run, which aligns the modes).
 */
import { brushX, scaleLinear, select as d3select } from 'd3';
import { CATEGORIES, stepGroup } from '../../engine/profile/format.js';
import { h, legend, widthOf } from '../dom.js';
import { byteTicks, formatBytes, formatCount, formatMs } from '../format.js';
import { compareStepKeys } from '../model/breakdown.js';
import { momentBreakdown, phaseBands, PHASES, stepBands } from '../model/live.js';
import { hasTimeAxis, stepAt, stepXs } from '../model/timeline.js';
import type { TimelineAxisName } from '../protocol.js';
import type { Store } from '../store.js';
import { uiDropdown } from '../ui/components.js';

const HEIGHT = 240;
const M = { top: 28, right: 20, bottom: 26, left: 78 };
const BAND = 11;

function xLabel(axis: TimelineAxisName, v: number): string {
  if (axis === 'time') return formatMs(v);
  if (axis === 'progress') return `${Math.round(v * 100)}%`;
  return formatCount(Math.round(v));
}

export function timeline(store: Store, signal: AbortSignal): HTMLElement {
  const runs = store.runs;
  const svgEl = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svgEl.setAttribute('data-testid', 'timeline');
  const readout = h('div', { class: 'readout', 'data-testid': 'timeline-readout' }, 'Hover the chart for the op and live bytes; drag to zoom; click a moment for its breakdown.');
  const moment = h('div', { class: 'moment', 'data-testid': 'moment' });
  const box = h('div', {});
  const axes: (readonly [TimelineAxisName, string])[] = [['ops', 'x: executed ops'], ...(hasTimeAxis(runs) ? [['time', 'x: op time'] as const] : []), ['progress', 'x: progress (aligns the modes)']];
  let xsOf: Float64Array[] = [];

  const draw = () => {
    const axis = store.view.axis;
    xsOf = runs.map((r) => stepXs(r, axis));
    const width = widthOf(box);
    const bandsHeight = runs.length * 2 * BAND + 6;
    const svg = d3select(svgEl).attr('width', width).attr('height', HEIGHT + bandsHeight);
    svg.selectAll('*').remove();
    const xMax = Math.max(...xsOf.map((xs) => xs[xs.length - 1]!), 1e-9);
    const domain = store.view.domain ?? [0, xMax];
    svg.attr('data-x0', String(domain[0])).attr('data-x1', String(domain[1]));
    const x = scaleLinear().domain(domain).range([M.left, width - M.right]);
    // y fits what is visible in the zoomed range.
    let yMax = 1;
    runs.forEach((r, i) => {
      const xs = xsOf[i]!;
      const a = Math.max(0, stepAt(xs, domain[0]));
      const b = Math.max(0, stepAt(xs, domain[1]));
      for (let s = a; s <= b; s++) yMax = Math.max(yMax, r.steps.high_water_bytes[s] ?? 0);
    });
    const ticks = byteTicks(yMax);
    const top = Math.max(yMax, ticks.values[ticks.values.length - 1]!);
    const y = scaleLinear().domain([0, top]).range([HEIGHT - M.bottom, M.top]);
    const clipId = `clip-${Math.random().toString(36).slice(2)}`;
    svg.append('clipPath').attr('id', clipId).append('rect').attr('x', M.left).attr('y', 0).attr('width', width - M.left - M.right).attr('height', HEIGHT + bandsHeight);
    const grid = svg.append('g').attr('class', 'axis y-axis');
    for (const v of ticks.values) {
      grid.append('line').attr('class', 'grid').attr('x1', M.left).attr('x2', width - M.right).attr('y1', y(v)).attr('y2', y(v));
      grid.append('text').attr('class', 'tick').attr('x', M.left - 6).attr('y', y(v) + 4).attr('text-anchor', 'end').text(ticks.label(v));
    }
    const xa = svg.append('g').attr('class', 'axis x-axis');
    for (const v of x.ticks(8)) xa.append('text').attr('class', 'tick').attr('x', x(v)).attr('y', HEIGHT - 8).attr('text-anchor', 'middle').text(xLabel(axis, v));
    const plot = svg.append('g').attr('clip-path', `url(#${clipId})`);
    runs.forEach((r, i) => {
      const xs = xsOf[i]!;
      const a = Math.max(0, stepAt(xs, domain[0]));
      const b = Math.min(r.steps.node.length - 1, stepAt(xs, domain[1]) + 1);
      // At most ~2 points per pixel: each bucket keeps its maximum, so the peak is never lost.
      const bucket = Math.max(1, Math.floor((b - a + 1) / (2 * width)));
      let d = `M${x(xs[a]!)},${y(r.steps.high_water_bytes[a] ?? 0)}`;
      for (let s = a; s <= b; s += bucket) {
        let best = s;
        for (let t = s + 1; t < Math.min(b + 1, s + bucket); t++) if (r.steps.high_water_bytes[t]! > r.steps.high_water_bytes[best]!) best = t;
        const yy = y(r.steps.high_water_bytes[best]!);
        d += `L${x(xs[s]!)},${yy}L${x(xs[Math.min(s + bucket, xs.length - 1)]!)},${yy}`;
      }
      const g = plot.append('g').attr('class', `series series-${r.mode}`).attr('data-mode', r.mode);
      g.append('path').attr('class', 'line').attr('d', d);
      const ps = r.peak.step;
      if (ps >= 0) {
        const px = x((xs[ps]! + xs[ps + 1]!) / 2);
        g.append('circle').attr('class', 'peak').attr('cx', px).attr('cy', y(r.peak.bytes)).attr('r', 4.5);
        g.append('text').attr('class', 'peak-label').attr('x', px).attr('y', y(r.peak.bytes) - 8).attr('text-anchor', px > width - 180 ? 'end' : 'start')
          .text(`${r.mode} peak ${formatBytes(r.peak.bytes)}`);
      }
      g.append('line').attr('class', 'inputs').attr('x1', M.left).attr('x2', width - M.right).attr('y1', y(r.totals.input_bytes)).attr('y2', y(r.totals.input_bytes));
      // Bands: inner steps, then phases.
      const by = HEIGHT + i * 2 * BAND;
      const steps = stepBands(r, Math.ceil(r.steps.node.length / 120));
      steps.forEach((bd, k) => {
        const x0 = x(xs[bd.from]!);
        const x1 = x(xs[bd.to + 1]!);
        const rect = plot.append('rect').attr('class', `band step-band k-${k % 2 ? 0 : 1}`).attr('x', x0).attr('y', by).attr('width', Math.max(0.5, x1 - x0)).attr('height', BAND - 1);
        rect.append('title').text(`${r.mode}: ${bd.key}, steps ${bd.from + 1}–${bd.to + 1}`);
        if (x1 - x0 > 44) plot.append('text').attr('class', 'band-label').attr('x', x0 + 3).attr('y', by + BAND - 2).text(bd.key);
      });
      for (const bd of phaseBands(r, Math.ceil(r.steps.node.length / 400))) {
        const x0 = x(xs[bd.from]!);
        const x1 = x(xs[bd.to + 1]!);
        plot.append('rect').attr('class', `band phase-band phase-${PHASES.indexOf(bd.key)}`).attr('data-phase', bd.key).attr('x', x0).attr('y', by + BAND).attr('width', Math.max(0.5, x1 - x0)).attr('height', BAND - 1)
          .append('title').text(`${r.mode}: ${bd.key}, steps ${bd.from + 1}–${bd.to + 1}`);
      }
      svg.append('text').attr('class', 'band-name').attr('x', M.left - 6).attr('y', by + BAND - 2).attr('text-anchor', 'end').text(r.mode);
      svg.append('text').attr('class', 'band-name').attr('x', M.left - 6).attr('y', by + 2 * BAND - 2).attr('text-anchor', 'end').text('phases');
    });
    // The picked moment and the selected op's live range.
    const m = store.view.moment;
    if (m && runs[m.run]) {
      const xs = xsOf[m.run]!;
      plot.append('line').attr('class', 'moment-line').attr('x1', x(xs[m.step]!)).attr('x2', x(xs[m.step]!)).attr('y1', M.top).attr('y2', HEIGHT - M.bottom);
    }
    const sel = store.view.selected;
    if (sel && runs[sel.run]) {
      const ix = store.index(sel.run);
      const from = ix.stepOfNode[sel.node]!;
      if (from >= 0) {
        const xs = xsOf[sel.run]!;
        const to = Math.min(ix.releasedAfter[sel.node]!, runs[sel.run]!.steps.node.length - 1);
        plot.append('rect').attr('class', 'live-range').attr('data-testid', 'timeline-selected').attr('x', x(xs[from]!)).attr('y', M.top)
          .attr('width', Math.max(1, x(xs[to + 1]!) - x(xs[from]!))).attr('height', HEIGHT - M.bottom - M.top);
      }
    }
    // Brush to zoom; a click (no drag) picks the moment.
    const brush = brushX<unknown>().extent([[M.left, M.top], [width - M.right, HEIGHT - M.bottom]]).on('end', (e: { selection: [number, number] | null; sourceEvent?: MouseEvent }) => {
      if (e.selection) {
        const [a, b] = e.selection.map((p) => x.invert(p)) as [number, number];
        if (b - a > 0) store.set({ domain: [a, b] });
      } else if (e.sourceEvent) pick(e.sourceEvent, x, y);
    });
    const brushG = svg.append('g').attr('class', 'brush').call(brush);
    brushG.on('dblclick', () => store.set({ domain: null }));
    svg.on('mousemove', (e: MouseEvent) => hover(e, x));
    svg.on('mouseleave', () => svg.select('line.hover').remove());
  };

  const nearestRun = (e: MouseEvent, x: (v: number) => number, y: (v: number) => number, px: number): { run: number; step: number } | null => {
    const py = e.clientY - svgEl.getBoundingClientRect().top;
    let best: { run: number; step: number; dist: number } | null = null;
    runs.forEach((r, i) => {
      const s = stepAt(xsOf[i]!, px);
      if (s < 0 || s >= r.steps.node.length) return;
      const dist = Math.abs(y(r.steps.high_water_bytes[s]!) - py);
      if (!best || dist < best.dist) best = { run: i, step: s, dist };
    });
    void x;
    return best;
  };

  const hover = (e: MouseEvent, x: ReturnType<typeof scaleLinear<number, number>>) => {
    const px = x.invert(e.clientX - svgEl.getBoundingClientRect().left);
    const parts = runs.map((r, i) => {
      const s = stepAt(xsOf[i]!, px);
      if (s < 0 || s >= r.steps.node.length) return null;
      const n = r.steps.node[s]!;
      const scope = r.graph.scopes[r.graph.nodes.scope[n]!]!;
      return h('div', { 'data-mode': r.mode }, h('b', {}, r.mode), ` op ${formatCount(s + 1)}: ${r.graph.ops[r.graph.nodes.op[n]!]} · ${scope || '(top level)'} · live ${formatBytes(r.steps.high_water_bytes[s]!)}`);
    });
    readout.replaceChildren(...parts.filter((p): p is HTMLDivElement => p !== null));
    const svg = d3select(svgEl);
    svg.select('line.hover').remove();
    svg.append('line').attr('class', 'hover').attr('x1', x(px)).attr('x2', x(px)).attr('y1', M.top).attr('y2', HEIGHT - M.bottom);
  };

  const pick = (e: MouseEvent, x: ReturnType<typeof scaleLinear<number, number>>, y: ReturnType<typeof scaleLinear<number, number>>) => {
    const px = x.invert(e.clientX - svgEl.getBoundingClientRect().left);
    const hit = nearestRun(e, x, y, px);
    if (!hit) return;
    store.set({ moment: { run: hit.run, step: hit.step } });
    store.select(hit.run, runs[hit.run]!.steps.node[hit.step]!);
  };

  const showMoment = () => {
    const m = store.view.moment;
    if (!m || !runs[m.run] || m.step >= runs[m.run]!.steps.node.length) {
      moment.replaceChildren();
      return;
    }
    const r = runs[m.run]!;
    const b = momentBreakdown(store.index(m.run), m.step);
    const n = r.steps.node[m.step]!;
    const rows = (rec: Readonly<Record<string, number>>, keys: readonly string[], testid: string) => {
      const ks = keys.filter((k) => (rec[k] ?? 0) > 0);
      return h('table', { class: 'moment-table', 'data-testid': testid }, h('tbody', {},
        ...ks.map((k) => h('tr', { 'data-key': k }, h('td', {}, k), h('td', { class: 'num', 'data-bytes': String(rec[k]) }, formatBytes(rec[k]!)),
          h('td', { class: 'num muted' }, `${((100 * rec[k]!) / Math.max(1, b.bytes)).toFixed(1)}%`)))));
    };
    const blocks = Object.entries(b.byBlock).sort((p, q) => q[1] - p[1]).slice(0, 12).map(([k]) => k);
    moment.replaceChildren(
      h('h3', {}, `${r.mode} at op ${formatCount(m.step + 1)} of ${formatCount(r.steps.node.length)}: ${r.graph.ops[r.graph.nodes.op[n]!]} in ${stepGroup(r.graph.scopes[r.graph.nodes.scope[n]!]!)}`),
      h('div', {}, 'live while it runs: ', h('b', { 'data-testid': 'moment-total', 'data-bytes': String(b.bytes) }, formatBytes(b.bytes)),
        h('span', { class: 'muted' }, ` (the timeline's value there: ${formatBytes(r.steps.high_water_bytes[m.step]!)}; the peak: ${formatBytes(r.peak.bytes)})`)),
      h('div', { class: 'moment-grid' },
        h('div', {}, h('h4', {}, 'by category'), rows(b.byCategory, CATEGORIES, 'moment-category')),
        h('div', {}, h('h4', {}, 'by inner step'), rows(b.byStep, Object.keys(b.byStep).sort(compareStepKeys), 'moment-step')),
        h('div', {}, h('h4', {}, 'by block (largest)'), rows(b.byBlock, blocks, 'moment-block'))));
  };

  const toolbar = h('div', { class: 'toolbar' },
    uiDropdown(axes, store.view.axis, (v) => store.set({ axis: v, domain: null, }), 'timeline axis', 'timeline-axis'),
    legend(runs.map((r) => [`series-${r.mode}`, r.mode])),
    legend(PHASES.map((p, i) => [`phase-${i}`, p])),
    h('span', { class: 'muted' }, 'bytes held while each op runs; dashed: inputs'));
  box.append(toolbar, svgEl, readout, moment);
  store.on((_, changed) => {
    if (changed.has('axis') || changed.has('domain') || changed.has('moment') || changed.has('selected')) draw();
    if (changed.has('moment')) showMoment();
  }, signal);
  requestAnimationFrame(draw);
  draw();
  showMoment();
  window.addEventListener('resize', draw, { signal });
  return box;
}
