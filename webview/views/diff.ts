/** The diff view: two profiles' peaks, categories, scopes and ops side by side, sorted by what changed most. */
import { h } from '../dom.js';
import { formatBytes, formatDelta, formatMs, memoryWords, speedWords } from '../format.js';
import { diffProfiles, settingsDiff, type Delta, type RunDiff } from '../model/diff.js';
import type { ShownFile } from '../protocol.js';
import { uiGrid, type GridColumn } from '../ui/components.js';

const ROWS = 25;

function deltaGrid(title: string, deltas: readonly Delta[], testid: string, bytes = true): HTMLElement {
  const fmt = bytes ? formatBytes : formatMs;
  const columns: GridColumn<Delta>[] = [
    { key: 'key', title, text: (d) => d.key },
    { key: 'a', title: 'A', text: (d) => fmt(d.a), numeric: true },
    { key: 'b', title: 'B', text: (d) => fmt(d.b), numeric: true },
    { key: 'delta', title: 'B − A', text: (d) => formatDelta(d.delta), numeric: true },
  ];
  const changed = deltas.filter((d) => d.delta !== 0);
  return h('div', {}, h('h4', {}, `${title} (${changed.length} changed)`),
    uiGrid(columns, changed.slice(0, ROWS), { sort: null, onSort: () => undefined, rowKey: (d) => d.key, testid }));
}

function runDiff(d: RunDiff): HTMLElement {
  const peakWords = d.peak.delta === 0 ? 'the same peak' : `B uses ${memoryWords(d.peak.b, d.peak.a)} at the peak`;
  return h('section', { 'data-testid': `diff-${d.mode}` },
    h('h2', {}, d.mode),
    h('div', { class: 'cards' },
      h('div', { class: 'card' }, h('div', { class: 'title' }, 'peak'),
        h('div', { class: 'big', 'data-field': 'peak-delta', 'data-bytes': String(d.peak.delta) }, formatDelta(d.peak.delta)),
        h('div', {}, `${formatBytes(d.peak.a)} → ${formatBytes(d.peak.b)}`), h('div', { class: 'muted' }, peakWords)),
      h('div', { class: 'card' }, h('div', { class: 'title' }, 'active peak'),
        h('div', { class: 'big', 'data-field': 'active-delta' }, formatDelta(d.activePeak.delta)), h('div', {}, `${formatBytes(d.activePeak.a)} → ${formatBytes(d.activePeak.b)}`)),
      h('div', { class: 'card' }, h('div', { class: 'title' }, 'time'),
        h('div', { class: 'big', 'data-field': 'time-words' }, `B ${speedWords(d.time.b, d.time.a)}`), h('div', {}, `${formatMs(d.time.a)} → ${formatMs(d.time.b)}`))),
    h('div', { class: 'diff-grids' },
      deltaGrid('category at the peak', d.categories, `diff-${d.mode}-categories`),
      deltaGrid('scope (block) at the peak', d.scopes, `diff-${d.mode}-scopes`),
      deltaGrid('op at the peak', d.ops, `diff-${d.mode}-ops`)));
}

export function renderDiff(root: HTMLElement, a: ShownFile, b: ShownFile): void {
  const diffs = diffProfiles(a.profile, b.profile);
  const settings = settingsDiff(a.profile, b.profile);
  root.replaceChildren(
    h('h1', { 'data-testid': 'title' }, `Compare: ${a.title} ↔ ${b.title}`),
    h('div', { class: 'muted' }, h('b', {}, 'A '), `${a.source ?? a.title} (${a.profile.created})`),
    h('div', { class: 'muted' }, h('b', {}, 'B '), `${b.source ?? b.title} (${b.profile.created})`),
    h('div', { 'data-testid': 'diff-settings' }, settings.length ? `Differences in how they ran: ${settings.join('; ')}` : 'Run with the same settings.'),
    ...(diffs.length ? diffs.map(runDiff) : [h('p', { class: 'error' }, 'The two profiles share no mode: nothing to compare.')]));
}
