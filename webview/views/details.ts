/**
 * The details side panel for the selected op: what it is (op, shape, dtype, bytes, scope,
 * origin, category at the peak), when its output is live (in execution order), its time, and
 * its inputs and consumers as links that select them.
 */
import { CATEGORIES, profileNode } from '../../engine/profile/format.js';
import { h } from '../dom.js';
import { formatBytes, formatCount, formatMs } from '../format.js';
import type { Store } from '../store.js';

/** "steps 12–40 of 842": made at step 12, released after step 40. */
export function liveRangeText(from: number, to: number, total: number): string {
  if (from < 0) return 'never run (not needed for the outputs)';
  return to >= total ? `steps ${formatCount(from + 1)}–${formatCount(total)} of ${formatCount(total)} (held to the end)` : `steps ${formatCount(from + 1)}–${formatCount(to + 1)} of ${formatCount(total)}`;
}

function row(term: string, value: Node | string, field: string): HTMLElement[] {
  return [h('dt', {}, term), h('dd', { 'data-field': field }, value)];
}

export function detailsPanel(store: Store, signal: AbortSignal): HTMLElement {
  const box = h('div', { class: 'details', 'data-testid': 'details' });
  const render = () => {
    const sel = store.view.selected;
    if (!sel || !store.runs[sel.run] || sel.node >= store.runs[sel.run]!.graph.nodes.id.length) {
      box.replaceChildren(h('p', { class: 'muted' }, 'Click an op in the graph, the timeline or a table (or search) to see its details here.'));
      return;
    }
    const run = store.runs[sel.run]!;
    const ix = store.index(sel.run);
    const node = profileNode(run.graph, sel.node);
    const step = ix.stepOfNode[sel.node]!;
    const total = run.steps.node.length;
    const peakAt = run.peak.live.node.indexOf(sel.node);
    const link = (n: number) => {
      const v = profileNode(run.graph, n);
      const a = h('a', { href: '#', 'data-node': String(n) }, `${v.op} #${n}`);
      a.addEventListener('click', (e) => {
        e.preventDefault();
        store.select(sel.run, n);
      });
      return h('li', {}, a, h('span', { class: 'muted' }, ` ${formatBytes(v.bytes)}`));
    };
    const inputs = node.inputs.map((id) => {
      const n = ix.nodeOfId.get(id);
      if (n !== undefined) return link(n);
      const i = ix.inputOfId.get(id);
      return h('li', { class: 'muted' }, `input ${i === undefined ? id : run.graph.inputs.name[i]}`);
    });
    box.replaceChildren(
      h('h3', { 'data-field': 'op' }, `${node.op} #${node.index}`),
      h('div', { class: 'muted' }, run.mode),
      h('dl', {},
        ...row('shape', `[${node.shape.join('×')}]`, 'shape'),
        ...row('dtype', node.dtype, 'dtype'),
        ...row('bytes', formatBytes(node.bytes), 'bytes'),
        ...row('live', liveRangeText(step, ix.releasedAfter[sel.node]!, total), 'live-range'),
        ...row('at the peak', peakAt >= 0 ? `live (${CATEGORIES[run.peak.live.category[peakAt]!]})` : 'not live', 'category'),
        ...row('scope', node.scope || '(top level)', 'scope'),
        ...row('origin', node.origin, 'origin'),
        ...row('time', step >= 0 && run.steps.ms ? formatMs(run.steps.ms[step]!) : '–', 'time')),
      h('h4', {}, `inputs (${inputs.length})`), h('ul', { class: 'links', 'data-field': 'inputs' }, ...inputs),
      h('h4', {}, `read by (${ix.consumers[sel.node]!.length})`), h('ul', { class: 'links', 'data-field': 'consumers' }, ...ix.consumers[sel.node]!.slice(0, 40).map(link)));
  };
  store.on((_, changed) => {
    if (changed.has('selected')) render();
  }, signal);
  render();
  return box;
}
