/** Headline numbers per run, side by side, and the standard ÷ MixFlow ratios. */
import type { ProfileFile, ProfileRun } from '../../engine/profile/format.js';
import { h } from '../dom.js';
import { formatBytes, formatCount, formatMs, formatRatio } from '../format.js';

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

function ratioCard(p: ProfileFile): HTMLElement | null {
  const c = p.comparison;
  if (!c) return null;
  return h('div', { class: 'card ratio', 'data-testid': 'headline-ratio' },
    h('div', { class: 'title' }, 'standard ÷ MixFlow'),
    h('div', { class: 'muted' }, `same remat (${c.remat})`),
    h('div', { class: 'big', 'data-field': 'peak-ratio' }, formatRatio(c.peak_ratio)),
    h('dl', {},
      ...row('active peak', formatRatio(c.active_peak_ratio), 'active-peak-ratio'),
      ...row('time', formatRatio(c.time_ratio), 'time-ratio')));
}

export function headline(p: ProfileFile): HTMLElement {
  return h('div', { class: 'cards' }, ...p.runs.map(runCard), ratioCard(p));
}
