/** The whole panel for one profile: header, headline numbers, timeline, peak breakdown, graph, op table. */
import type { ProfileFile } from '../engine/profile/format.js';
import { runLabel } from '../engine/profile/validate.js';
import { button, h } from './dom.js';
import { formatCount } from './format.js';
import type { WebviewMessage } from './protocol.js';
import { breakdown } from './views/breakdown.js';
import { graphView } from './views/graph.js';
import { headline } from './views/headline.js';
import { opsTable } from './views/opsTable.js';
import { timeline } from './views/timeline.js';

function setupLine(p: ProfileFile): string {
  const s = p.setup;
  const m = s.model;
  const model = m.kind === 'mlp'
    ? `MLP ${m.sizes.join('–')} (${m.activation})`
    : m.kind === 'onnx'
      ? `ONNX ${m.file} (${m.nodes} nodes, ${m.blocks} blocks, input [${m.input.join('×')}] → [${m.output.join('×')}])`
      : `transformer ${m.layers}×d${m.d_model}, ${m.heads} heads, seq ${m.seq}`;
  return `${model} · ${formatCount(s.parameters)} parameters · ${s.optimizer}, T = ${s.inner_steps} inner steps, B = ${s.inner_batch} · meta-gradients of ${s.wrt.join(', ')}`;
}

function section(title: string, testid: string, ...body: Node[]): HTMLElement {
  return h('section', { 'data-testid': testid }, h('h2', {}, title), ...body);
}

/** Renders into `root`, replacing what was there; `signal` is aborted before the next render. */
export function renderProfile(root: HTMLElement, title: string, p: ProfileFile, post: (m: WebviewMessage) => void, signal: AbortSignal): void {
  const runs = p.runs;
  const actions = h('div', { class: 'toolbar' },
    p.setup.path ? button('Open setup', () => post({ type: 'openSetup' }), true) : null,
    p.setup.path ? button('Profile again', () => post({ type: 'rerun' })) : null,
    h('span', { class: 'muted' }, runs.map(runLabel).join(' · ')));
  const peak = h('div', {});
  root.replaceChildren(
    h('h1', { 'data-testid': 'title' }, title),
    h('div', { class: 'muted' }, setupLine(p)),
    actions,
    section('Standard vs MixFlow', 'headline', headline(p)),
    section('Memory over the run', 'timeline-section', timeline(runs, signal)),
    section('Memory at the peak', 'peak-section', peak),
    section('Differentiation graph', 'graph-section', graphView(runs)),
    section('Memory per op', 'ops-section', opsTable(runs)));
  peak.append(breakdown(runs, root));
}

export function renderError(root: HTMLElement, message: string): void {
  root.replaceChildren(h('h1', {}, 'MixFlow profile'), h('p', { class: 'error', 'data-testid': 'error' }, message));
}
