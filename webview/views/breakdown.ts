/** Memory at the peak: stacked bars per mode by category and by inner step, and the largest blocks. */
import { max, scaleLinear, select as d3select } from 'd3';
import type { ProfileRun } from '../../engine/profile/format.js';
import { h, legend, widthOf } from '../dom.js';
import { formatBytes } from '../format.js';
import { byCategory, byStep, topBlocks, type Breakdown } from '../model/breakdown.js';

const ROW = 26;
const LABEL = 90;
const KEY_COLOURS = 8;

function svgEl(testid: string): SVGSVGElement {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('data-testid', testid);
  return svg;
}

function stacked(b: Breakdown, testid: string, width: number): SVGSVGElement {
  const el = svgEl(testid);
  const height = b.rows.length * ROW + 8;
  const svg = d3select(el).attr('width', width).attr('height', height);
  const x = scaleLinear().domain([0, max(b.rows, (r) => r.total) || 1]).range([0, width - LABEL - 90]);
  b.rows.forEach((r, i) => {
    const g = svg.append('g').attr('transform', `translate(0,${i * ROW + 4})`).attr('data-mode', r.mode);
    g.append('text').attr('x', 0).attr('y', ROW / 2 + 2).text(r.mode);
    for (const s of r.segments) {
      g.append('rect').attr('class', `seg k-${b.keys.indexOf(s.key) % KEY_COLOURS}`)
        .attr('x', LABEL + x(s.offset)).attr('y', 2).attr('width', Math.max(1, x(s.bytes))).attr('height', ROW - 6)
        .append('title').text(`${r.mode}: ${s.key} ${formatBytes(s.bytes)} (${((100 * s.bytes) / r.total).toFixed(1)}%)`);
    }
    g.append('text').attr('x', LABEL + x(r.total) + 6).attr('y', ROW / 2 + 2).text(formatBytes(r.total));
  });
  return el;
}

function chart(title: string, b: Breakdown, testid: string, width: number): HTMLElement {
  return h('div', {}, h('h3', {}, title), stacked(b, testid, width),
    legend(b.keys.filter((k) => b.rows.some((r) => r.segments.some((s) => s.key === k))).map((k) => [`k-${b.keys.indexOf(k) % KEY_COLOURS}`, k])));
}

function blocks(runs: readonly ProfileRun[], width: number): HTMLElement {
  const bars = topBlocks(runs);
  const el = svgEl('peak-blocks');
  const label = 220;
  const per = runs.length * 12 + 8;
  const svg = d3select(el).attr('width', width).attr('height', bars.length * per + 4);
  const x = scaleLinear().domain([0, max(bars, (b) => Math.max(...b.bytes)) || 1]).range([0, width - label - 90]);
  bars.forEach((b, i) => {
    const g = svg.append('g').attr('transform', `translate(0,${i * per + 2})`);
    g.append('text').attr('x', 0).attr('y', per / 2).text(b.block);
    b.bytes.forEach((bytes, j) => {
      const mode = runs[j]!.mode;
      g.append('rect').attr('class', `series-${mode}`).attr('x', label).attr('y', j * 12).attr('width', Math.max(bytes > 0 ? 1 : 0, x(bytes))).attr('height', 10)
        .append('title').text(`${mode}: ${b.block} ${formatBytes(bytes)}`);
      g.append('text').attr('class', 'sub').attr('x', label + x(bytes) + 4).attr('y', j * 12 + 9).text(formatBytes(bytes));
    });
  });
  return h('div', {}, h('h3', {}, 'By block or layer (largest)'), el, legend(runs.map((r) => [`series-${r.mode}`, r.mode])));
}

export function breakdown(runs: readonly ProfileRun[], container: HTMLElement): HTMLElement {
  const width = Math.min(widthOf(container), 1100);
  return h('div', { 'data-testid': 'breakdown' },
    chart('By category', byCategory(runs), 'peak-category', width),
    chart('By inner step', byStep(runs), 'peak-step', width),
    blocks(runs, width));
}
