/**
 * Tables: every op of a run (not only per op type) with its shape, bytes, time and live range,
 * sortable and filterable; and the values live at the peak. Built with our component layer
 * (ui/components.ts) over the toolkit's data grid. Clicking a row selects the op everywhere.
 * At most `SHOWN` rows are drawn; the filter narrows them.
 */
import { CATEGORIES, profileNode, type ProfileRun } from '../../engine/profile/format.js';
import { h } from '../dom.js';
import { formatBytes, formatCount, formatMs } from '../format.js';
import type { RunIndex } from '../model/live.js';
import type { Store } from '../store.js';
import { sortRows, uiDropdown, uiGrid, uiTabs, uiTextField, type GridColumn } from '../ui/components.js';

const SHOWN = 100;

export interface OpRow {
  readonly node: number;
  readonly op: string;
  readonly scope: string;
  readonly origin: string;
  readonly shape: string;
  readonly bytes: number;
  /** Step that ran it (-1: never), and the step after which it was released. */
  readonly from: number;
  readonly to: number;
  readonly ms: number | null;
  readonly atPeak: number;
}

/** One row per node of the run's graph, in trace order. */
export function opTableRows(run: ProfileRun, ix: RunIndex): OpRow[] {
  const atPeak = new Float64Array(run.graph.nodes.id.length);
  run.peak.live.node.forEach((n, i) => {
    if (n >= 0) atPeak[n] += run.peak.live.bytes[i]!;
  });
  return run.graph.nodes.id.map((_, n) => {
    const v = profileNode(run.graph, n);
    const step = ix.stepOfNode[n]!;
    return {
      node: n, op: v.op, scope: v.scope || '(top level)', origin: v.origin, shape: `[${v.shape.join('×')}]`, bytes: v.bytes,
      from: step, to: ix.releasedAfter[n]!, ms: step >= 0 && run.steps.ms ? run.steps.ms[step]! : null, atPeak: atPeak[n]!,
    };
  });
}

export function filterOpRows(rows: readonly OpRow[], filter: string): OpRow[] {
  const q = filter.trim().toLowerCase();
  if (!q) return [...rows];
  return rows.filter((r) => r.op.toLowerCase().includes(q) || r.scope.toLowerCase().includes(q) || r.origin === q);
}

function rangeText(r: OpRow, total: number): string {
  if (r.from < 0) return 'not run';
  return `${formatCount(r.from + 1)}–${r.to >= total ? 'end' : formatCount(r.to + 1)}`;
}

export function tablesView(store: Store, signal: AbortSignal): HTMLElement {
  const runs = store.runs;
  const rowsOf = new Map<number, OpRow[]>();
  const rows = (run: number) => rowsOf.get(run) ?? rowsOf.set(run, opTableRows(runs[run]!, store.index(run))).get(run)!;
  const opsBox = h('div', { 'data-testid': 'ops-table-box' });
  const liveBox = h('div', { 'data-testid': 'live-table-box' });
  const count = h('span', { class: 'muted', 'data-testid': 'ops-count' });
  const run = () => Math.min(store.view.graphRun, runs.length - 1);

  const renderOps = () => {
    const r = run();
    const total = runs[r]!.steps.node.length;
    const columns: GridColumn<OpRow>[] = [
      { key: 'node', title: '#', text: (x) => String(x.node), value: (x) => x.node, numeric: true },
      { key: 'op', title: 'op', text: (x) => x.op, value: (x) => x.op },
      { key: 'scope', title: 'scope', text: (x) => x.scope, value: (x) => x.scope },
      { key: 'origin', title: 'origin', text: (x) => x.origin, value: (x) => x.origin },
      { key: 'shape', title: 'shape', text: (x) => x.shape },
      { key: 'bytes', title: 'bytes', text: (x) => formatBytes(x.bytes), value: (x) => x.bytes, numeric: true },
      { key: 'ms', title: 'time', text: (x) => (x.ms === null ? '–' : formatMs(x.ms)), value: (x) => x.ms ?? -1, numeric: true },
      { key: 'live', title: 'live (steps)', text: (x) => rangeText(x, total), value: (x) => (x.from < 0 ? -1 : x.to - x.from), numeric: true },
      { key: 'atPeak', title: 'at the peak', text: (x) => (x.atPeak > 0 ? formatBytes(x.atPeak) : ''), value: (x) => x.atPeak, numeric: true },
    ];
    const sort = store.view.tableSort ?? { key: 'bytes', descending: true };
    const filtered = filterOpRows(rows(r), store.view.tableFilter);
    const sorted = sortRows(filtered, columns, sort);
    const sel = store.view.selected;
    let shown = sorted.slice(0, SHOWN);
    const selRow = sel && sel.run === r ? sorted.find((x) => x.node === sel.node) : undefined;
    if (selRow && !shown.includes(selRow)) shown = [selRow, ...shown.slice(0, SHOWN - 1)];
    count.textContent = `${formatCount(filtered.length)} of ${formatCount(rows(r).length)} ops${filtered.length > SHOWN ? `, the first ${SHOWN} shown` : ''}`;
    opsBox.replaceChildren(uiGrid(columns, shown, {
      sort, onSort: (s) => store.set({ tableSort: s }), rowKey: (x) => String(x.node), onRowClick: (x) => store.select(r, x.node),
      selected: sel && sel.run === r ? String(sel.node) : null, testid: 'ops-table',
    }));
  };

  const renderLive = () => {
    const r = run();
    const p = runs[r]!.peak;
    const g = runs[r]!.graph;
    type LiveRow = { i: number; name: string; scope: string; category: string; bytes: number; node: number; shape: string };
    const liveRows: LiveRow[] = p.live.id.map((id, i) => {
      const node = p.live.node[i]!;
      const input = node < 0 ? g.inputs.id.indexOf(id) : -1;
      const v = node >= 0 ? profileNode(g, node) : null;
      return {
        i, node, bytes: p.live.bytes[i]!, category: CATEGORIES[p.live.category[i]!]!,
        name: v ? `${v.op} #${node}` : `input ${g.inputs.name[input] ?? id}`, scope: v ? v.scope || '(top level)' : '(input)',
        shape: `[${(v ? v.shape : g.inputs.shape[input] ?? []).join('×')}]`,
      };
    });
    const columns: GridColumn<LiveRow>[] = [
      { key: 'name', title: 'value', text: (x) => x.name, value: (x) => x.name },
      { key: 'scope', title: 'scope', text: (x) => x.scope, value: (x) => x.scope },
      { key: 'category', title: 'category', text: (x) => x.category, value: (x) => x.category },
      { key: 'shape', title: 'shape', text: (x) => x.shape },
      { key: 'bytes', title: 'bytes', text: (x) => formatBytes(x.bytes), value: (x) => x.bytes, numeric: true },
    ];
    const sort = { key: 'bytes', descending: true };
    const sel = store.view.selected;
    liveBox.replaceChildren(
      h('div', { class: 'muted' }, `${formatCount(liveRows.length)} values live at the ${runs[r]!.mode} peak, ${formatBytes(p.bytes)} in all`),
      uiGrid(columns, sortRows(liveRows, columns, sort).slice(0, SHOWN), {
        sort, onSort: () => undefined, rowKey: (x) => String(x.node >= 0 ? x.node : `i${x.i}`), onRowClick: (x) => (x.node >= 0 ? store.select(r, x.node) : undefined),
        selected: sel && sel.run === r ? String(sel.node) : null, testid: 'live-table',
      }));
  };

  const filter = uiTextField('Filter by op, scope or origin', store.view.tableFilter, (v) => store.set({ tableFilter: v }), 'ops-filter');
  const toolbar = h('div', { class: 'toolbar' },
    runs.length > 1 ? uiDropdown(runs.map((r, i) => [String(i), `run: ${r.mode}`] as const), String(run()), (i) => store.set({ graphRun: Number(i) }), 'table run', 'table-run') : null,
    filter, count);
  const tabs = uiTabs([['ops', 'Every op', h('div', {}, toolbar, opsBox)], ['live', 'Live at the peak', liveBox]], store.view.tableTab, (id) => store.set({ tableTab: id as 'ops' | 'live' }), 'tables');
  store.on((_, changed) => {
    if (changed.has('graphRun') || changed.has('tableSort') || changed.has('tableFilter') || changed.has('selected')) renderOps();
    if (changed.has('graphRun') || changed.has('selected')) renderLive();
  }, signal);
  renderOps();
  renderLive();
  return tabs;
}
