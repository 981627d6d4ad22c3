/** The whole panel for one profile: header and toolbar, headline, timeline, peak breakdown, graph, tables. */
import { REMATS, type ProfileFile } from '../engine/profile/format.js';
import { runLabel } from '../engine/profile/validate.js';
import { h } from './dom.js';
import { formatCount } from './format.js';
import { recordedSettings, RERUN_BACKENDS, type PanelViewState, type RerunBackend, type WebviewMessage } from './protocol.js';
import { Store } from './store.js';
import { registerToolkit, uiButton, uiDropdown } from './ui/components.js';
import { breakdown } from './views/breakdown.js';
import { graphView } from './views/graph.js';
import { headline } from './views/headline.js';
import { tablesView } from './views/tables.js';
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

function toolbar(p: ProfileFile, post: (m: WebviewMessage) => void): HTMLElement {
  const recorded = recordedSettings(p);
  let remat = recorded.remat;
  let backend: RerunBackend = recorded.backend;
  const runs = h('span', { class: 'muted' }, p.runs.map(runLabel).join(' · '));
  if (!p.setup.path) return h('div', { class: 'toolbar' }, runs);
  return h('div', { class: 'toolbar', 'data-testid': 'toolbar' },
    uiButton('Open setup', () => post({ type: 'openSetup' }), { secondary: true }),
    uiButton('Profile again', () => post({ type: 'rerun' }), { testid: 'rerun', title: `reruns with the recorded settings: remat ${recorded.remat}, backend ${recorded.backend}` }),
    h('span', { class: 'muted' }, `(remat ${recorded.remat}, backend ${recorded.backend})`),
    h('span', { class: 'sep' }),
    uiDropdown(REMATS.map((r) => [r, `remat: ${r}`] as const), remat, (v) => (remat = v), 'remat for a new run', 'rerun-remat'),
    uiDropdown(RERUN_BACKENDS.map((b) => [b, `backend: ${b}`] as const), backend, (v) => (backend = v), 'backend for a new run', 'rerun-backend'),
    uiButton('Profile with these', () => post({ type: 'rerun', remat, backend }), { secondary: true, testid: 'rerun-with' }),
    runs);
}

/** Renders into `root`, replacing what was there; `signal` is aborted before the next render. */
export function renderProfile(root: HTMLElement, title: string, p: ProfileFile, post: (m: WebviewMessage) => void, signal: AbortSignal,
  view: PanelViewState, persist: (v: PanelViewState) => void): Store {
  void registerToolkit();
  const store = new Store(p.runs, view, persist);
  const peak = h('div', {});
  const tables = h('div', {});
  root.replaceChildren(
    h('h1', { 'data-testid': 'title' }, title),
    h('div', { class: 'muted' }, setupLine(p)),
    toolbar(p, post),
    section('Standard vs MixFlow', 'headline', headline(p)),
    section('Memory over the run', 'timeline-section', timeline(store, signal)),
    section('Memory at the peak', 'peak-section', peak),
    section('Differentiation graph', 'graph-section', graphView(store, signal, (message) => post({ type: 'error', message }))),
    section('Ops and values', 'ops-section', tables));
  peak.append(breakdown(p.runs, root));
  // The tables (thousands of rows to sort, hundreds of grid cells) come after the first paint, so the graph and timeline show first.
  requestAnimationFrame(() => setTimeout(() => {
    if (!signal.aborted) tables.append(tablesView(store, signal));
  }, 0));
  // Scroll position is part of the view state.
  requestAnimationFrame(() => window.scrollTo(0, view.scrollY));
  let timer = 0;
  window.addEventListener('scroll', () => {
    clearTimeout(timer);
    timer = window.setTimeout(() => store.set({ scrollY: Math.round(window.scrollY) }), 150);
  }, { signal });
  return store;
}

export function renderError(root: HTMLElement, message: string): void {
  root.replaceChildren(h('h1', {}, 'MixFlow profile'), h('p', { class: 'error', 'data-testid': 'error' }, message));
}
