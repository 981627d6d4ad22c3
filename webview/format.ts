/** Number formatting for the panel (pure). */

import { formatBytes } from '../engine/core/text.js';

export { formatBytes };

export function formatMs(ms: number): string {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

/** Round tick values for a bytes axis: 1, 2 or 5 × a power of ten of the largest binary unit that fits (0, 5, 10, 15, 20 KiB). */
export function byteTicks(max: number, count = 5): { values: number[]; label: (v: number) => string } {
  let u = 0;
  while (u < BYTE_UNITS.length - 1 && max / 1024 ** (u + 1) >= 1) u++;
  const unit = 1024 ** u;
  const span = Math.max(max / unit, 1e-9);
  const raw = span / count;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw)!;
  const values: number[] = [];
  for (let v = 0; v <= span + 1e-9; v += step) values.push(Math.round(v / step) * step * unit);
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  return { values, label: (v) => `${(v / unit).toFixed(decimals)} ${BYTE_UNITS[u]}` };
}

/** "2.0× less memory", "1.9× more memory". `ours` against `theirs`. */
export function memoryWords(ours: number, theirs: number): string {
  if (ours <= 0 || theirs <= 0) return 'no memory to compare';
  if (Math.abs(ours - theirs) / theirs < 0.005) return 'the same memory';
  return ours < theirs ? `${(theirs / ours).toFixed(1)}× less memory` : `${(ours / theirs).toFixed(1)}× more memory`;
}

/** "1.9× slower", "1.3× faster". */
export function speedWords(ours: number, theirs: number): string {
  if (ours <= 0 || theirs <= 0) return 'no time to compare';
  if (Math.abs(ours - theirs) / theirs < 0.005) return 'as fast';
  return ours > theirs ? `${(ours / theirs).toFixed(1)}× slower` : `${(theirs / ours).toFixed(1)}× faster`;
}

/** A signed byte delta: "+1.25 KiB", "−512 B", "±0 B". */
export function formatDelta(d: number): string {
  if (d === 0) return '±0 B';
  return `${d > 0 ? '+' : '−'}${formatBytes(Math.abs(d))}`;
}
