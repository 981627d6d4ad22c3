/** Headline numbers per run, side by side, and the standard ÷ MixFlow ratios. */
import type { ProfileFile, ProfileRun } from '../../engine/profile/format.js';
import { h } from '../dom.js';
import { formatBytes, formatCount, formatMs, memoryWords, speedWords } from '../format.js';

const MODE_TEXT: Record<ProfileRun['mode'], string> = {
  standard: 'reverse-over-reverse',
  mixflow: 'forward-over-reverse (MixFlow-MG)',
};

function row(term: string, value: string, key: string): HTMLElement[] {
  return [h('dt', {}, term), h('dd', { 'data-field': key }, value)];
}

function runCard(r: ProfileRun): HTMLElement {
  const t = r.totals;
  return h('div', { class: `card mode-${r.mode}`, 'data-testid': `headline-${r.mode}` },
    h('div', { class: 'title' }, r.mode),
    h('div', { class: 'muted' }, MODE_TEXT[r.mode]),
    h('div', { class: 'big', 'data-field': 'peak', title: 'peak bytes (everything held at once)' }, formatBytes(t.peak_bytes)),
    h('dl', {},
      ...row('active peak', formatBytes(t.active_peak_bytes), 'active-peak'),
      ...row('time', formatMs(t.time_ms), 'time'),
      ...row('ops executed', formatCount(t.executed_ops), 'ops'),
      ...row('graph nodes', formatCount(t.graph_nodes), 'nodes'),
      ...row('allocated in all', formatBytes(t.allocated_bytes), 'allocated'),
      ...row('planned peak', formatBytes(t.planned_peak_bytes), 'planned')));
}

/** MixFlow against standard, in words ("2.0× less memory", "1.9× slower"), never a bare ratio. */
function ratioCard(p: ProfileFile): HTMLElement | null {
  const c = p.comparison;
  if (!c) return null;
  const s = p.runs[c.standard]!.totals;
  const m = p.runs[c.mixflow]!.totals;
  return h('div', { class: 'card ratio', 'data-testid': 'headline-ratio' },
    h('div', { class: 'title' }, 'MixFlow against standard'),
    h('div', { class: 'muted' }, `same remat (${c.remat})`),
    h('div', { class: 'big', 'data-field': 'peak-ratio' }, `MixFlow ${memoryWords(m.peak_bytes, s.peak_bytes)}`),
    h('dl', {},
      ...row('active peak', memoryWords(m.active_peak_bytes, s.active_peak_bytes), 'active-peak-ratio'),
      ...row('time', `MixFlow ${speedWords(m.time_ms, s.time_ms)}`, 'time-ratio')));
}

export function headline(p: ProfileFile): HTMLElement {
  return h('div', { class: 'cards' }, ...p.runs.map(runCard), ratioCard(p));
}
