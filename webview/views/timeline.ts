/**
 * The memory timeline: bytes held while each op runs, both modes on one axis (op position or
 * cumulative op time), inputs as a dashed baseline, each run's peak marked and labelled.
 */
import { area, axisBottom, axisLeft, line, max, scaleLinear, select as d3select } from 'd3';
import type { ProfileRun } from '../../engine/profile/format.js';
import { h, legend, select, widthOf } from '../dom.js';
import { formatBytes, formatCount, formatMs } from '../format.js';
import { hasTimeAxis, timelineSeries, type TimelineAxis, type TimelinePoint, type TimelineSeries } from '../model/timeline.js';

const HEIGHT = 260;
const M = { top: 22, right: 24, bottom: 34, left: 72 };

function draw(svgEl: SVGSVGElement, series: readonly TimelineSeries[], axis: TimelineAxis, width: number): void {
  const svg = d3select(svgEl).attr('width', width).attr('height', HEIGHT);
  svg.selectAll('*').remove();
  const x = scaleLinear().domain([0, max(series, (s) => s.xMax) || 1]).range([M.left, width - M.right]);
  const y = scaleLinear().domain([0, (max(series, (s) => s.peak.y) || 1) * 1.12]).nice().range([HEIGHT - M.bottom, M.top]);
  svg.append('g').attr('class', 'axis').attr('transform', `translate(0,${HEIGHT - M.bottom})`)
    .call(axisBottom(x).ticks(8).tickFormat((v) => (axis === 'time' ? formatMs(+v) : formatCount(+v))));
  svg.append('g').attr('class', 'axis').attr('transform', `translate(${M.left},0)`)
    .call(axisLeft(y).ticks(6).tickFormat((v) => formatBytes(+v)));
  svg.append('text').attr('x', width - M.right).attr('y', HEIGHT - 4).attr('text-anchor', 'end').attr('class', 'sub')
    .text(axis === 'time' ? 'cumulative op time' : 'executed op');
  const areaOf = area<TimelinePoint>().x((p) => x(p.x)).y0(y(0)).y1((p) => y(p.y));
  const lineOf = line<TimelinePoint>().x((p) => x(p.x)).y((p) => y(p.y));
  for (const s of series) {
    const g = svg.append('g').attr('class', `series series-${s.mode}`).attr('data-mode', s.mode);
    g.append('path').attr('class', 'area').attr('d', areaOf(s.points as TimelinePoint[]));
    g.append('path').attr('class', 'line').attr('d', lineOf(s.points as TimelinePoint[]));
    g.append('line').attr('class', 'inputs').attr('x1', x(0)).attr('x2', x(s.xMax)).attr('y1', y(s.inputBytes)).attr('y2', y(s.inputBytes))
      .append('title').text(`${s.mode}: inputs held throughout, ${formatBytes(s.inputBytes)}`);
    const px = x(s.peak.x);
    const py = y(s.peak.y);
    g.append('circle').attr('class', 'peak').attr('cx', px).attr('cy', py).attr('r', 4.5)
      .append('title').text(`${s.mode} peak ${formatBytes(s.peak.y)} at op ${s.peak.step + 1}`);
    g.append('text').attr('class', 'peak-label').attr('x', px).attr('y', py - 8)
      .attr('text-anchor', px > width - 160 ? 'end' : 'start').text(`${s.mode} peak ${formatBytes(s.peak.y)}`);
  }
}

/** `signal` ends the resize listener when the panel shows another profile. */
export function timeline(runs: readonly ProfileRun[], signal: AbortSignal): HTMLElement {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('data-testid', 'timeline');
  const box = h('div', {});
  let axis: TimelineAxis = 'ops';
  const redraw = () => draw(svg, runs.map((r) => timelineSeries(r, axis)), axis, widthOf(box));
  const axes: [TimelineAxis, string][] = [['ops', 'x: executed ops'], ...(hasTimeAxis(runs) ? [['time', 'x: op time'] as [TimelineAxis, string]] : [])];
  const toolbar = h('div', { class: 'toolbar' },
    select(axes, axis, (v) => { axis = v; redraw(); }, 'timeline axis'),
    legend(runs.map((r) => [`series-${r.mode}`, r.mode])),
    h('span', { class: 'muted' }, 'bytes held while each op runs; dashed: inputs'));
  box.append(toolbar, svg);
  requestAnimationFrame(redraw);
  redraw();
  window.addEventListener('resize', redraw, { signal });
  return box;
}
