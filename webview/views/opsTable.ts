/** Memory per op: executed ops by op name, one column set per run, sortable by any column. */
import type { ProfileRun } from '../../engine/profile/format.js';
import { button, h } from '../dom.js';
import { formatBytes, formatCount, formatMs } from '../format.js';
import { OP_FIELDS, opRows, sortOpRows, type OpField, type OpSort, type OpStats } from '../model/ops.js';

const HEAD: Record<OpField, string> = { count: 'executed', allocated: 'allocated', atPeak: 'at the peak', ms: 'time' };
const SHOWN = 25;

function cell(s: OpStats, f: OpField): string {
  if (f === 'count') return formatCount(s.count);
  if (f === 'ms') return s.ms === null ? '–' : formatMs(s.ms);
  return formatBytes(s[f]);
}

function sameSort(a: OpSort, b: OpSort): boolean {
  return a.by === b.by && (a.by === 'op' || (b.by !== 'op' && a.run === b.run));
}

export function opsTable(runs: readonly ProfileRun[]): HTMLElement {
  const rows = opRows(runs);
  const fields = OP_FIELDS.filter((f) => f !== 'ms' || runs.some((r) => r.steps.ms !== null));
  let sort: OpSort = { by: 'allocated', run: 0, descending: true };
  let all = false;
  const table = h('table', { class: 'ops', 'data-testid': 'ops-table' });
  const more = h('div', { class: 'toolbar' });
  const th = (text: string, s: OpSort, extra: Record<string, string> = {}) => {
    const el = h('th', { ...extra, ...(sameSort(s, sort) ? { class: 'sorted' } : {}) }, text + (sameSort(s, sort) ? (sort.descending ? ' ▾' : ' ▴') : ''));
    el.addEventListener('click', () => {
      sort = sameSort(s, sort) ? { ...sort, descending: !sort.descending } : s;
      render();
    });
    return el;
  };
  const render = () => {
    const sorted = sortOpRows(rows, sort);
    const shown = all ? sorted : sorted.slice(0, SHOWN);
    table.replaceChildren(
      h('thead', {},
        h('tr', { class: 'group-head' }, h('th', {}), ...runs.map((r) => h('th', { colspan: String(fields.length) }, r.mode))),
        h('tr', {}, th('op', { by: 'op', descending: false }),
          ...runs.flatMap((_, run) => fields.map((f) => th(HEAD[f], { by: f, run, descending: true }, { 'data-sort': `${run}:${f}` }))))),
      h('tbody', {}, ...shown.map((r) => h('tr', { 'data-op': r.op }, h('td', {}, r.op), ...r.runs.flatMap((s) => fields.map((f) => h('td', {}, cell(s, f))))))));
    more.replaceChildren(rows.length > SHOWN
      ? button(all ? `Show the top ${SHOWN}` : `Show all ${rows.length} ops`, () => { all = !all; render(); }, true)
      : h('span', {}));
  };
  render();
  return h('div', {}, table, more);
}
