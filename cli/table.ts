/** A plain-text table with right-aligned numeric columns, for bench and demo output. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const numeric = header.map((_, c) => rows.every((r) => /^[-+≈~\d.,×%e ]*(B|KiB|MiB|GiB|ms|s|×)?$/.test(r[c] ?? '')));
  const cell = (s: string, c: number) => (numeric[c] ? s.padStart(widths[c]) : s.padEnd(widths[c]));
  const line = (r: readonly string[]) => r.map((s, c) => cell(s ?? '', c)).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
