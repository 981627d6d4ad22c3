/** The first-order benchmark's rows as a text table, with the engine's time by op. */
import type { Row } from './bench.js';

const mb = (b: number) => `${(b / 2 ** 20).toFixed(2)} MB`;
const ms = (t: number) => `${t.toFixed(1)} ms`;

export function formatRows(rows: readonly Row[], { profile = true }: { profile?: boolean } = {}): string {
  const header = ['backend', 'model', 'nodes', 'trace', 'engine', 'tf.grads', 'speed', 'engine peak (acct / measured)', 'tf peak', 'peak ratio', 'max rel diff'];
  const body = rows.map((r) => [
    r.backend,
    r.model,
    String(r.nodes),
    ms(r.traceMs),
    ms(r.engineMs),
    ms(r.tfMs),
    `${(r.tfMs / r.engineMs).toFixed(2)}×`,
    `${mb(r.engineAccountedPeak)} / ${mb(r.enginePeak)}`,
    mb(r.tfPeak),
    `${(r.enginePeak / r.tfPeak).toFixed(2)}`,
    r.maxRelDiff.toExponential(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join(' │ ');
  const out = [line(header), widths.map((w) => '─'.repeat(w)).join('─┼─'), ...body.map(line)];
  out.push('', 'speed = tf.grads time / engine time (> 1: engine faster); peak ratio = engine measured / tf (< 1: engine lower).');
  if (profile) {
    for (const r of rows) {
      const total = r.engineOpMs.reduce((n, o) => n + o.ms, 0);
      const top = r.engineOpMs.slice(0, 6).map((o) => `${o.op} ${o.ms.toFixed(1)} ms (${((100 * o.ms) / total).toFixed(0)}%, ×${o.count})`);
      out.push(`engine time by op, ${r.backend} ${r.model}: ${top.join(', ')}`);
    }
  }
  return out.join('\n');
}

export function printRows(rows: readonly Row[]): void {
  console.log(formatRows(rows));
}
