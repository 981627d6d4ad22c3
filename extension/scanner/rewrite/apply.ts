/** Applies the edits of rewritable findings to a file's text. */
import type { Finding, TextEdit } from '../findings.js';

export interface Applied { text: string; applied: Finding[]; skipped: Finding[] }

/**
 * Identical edits (the helper inserted by several findings) are applied once;
 * a finding whose edits overlap an already accepted one is skipped whole.
 */
export function applyEdits(text: string, findings: Finding[]): Applied {
  const accepted: TextEdit[] = [];
  const keys = new Set<string>();
  const applied: Finding[] = [];
  const skipped: Finding[] = [];
  const key = (e: TextEdit) => `${e.range.start.offset}:${e.range.end.offset}:${e.newText}`;
  const overlaps = (e: TextEdit) => accepted.some((a) => !keys.has(key(e)) &&
    e.range.start.offset < a.range.end.offset && a.range.start.offset < e.range.end.offset);
  for (const finding of findings) {
    if (!finding.rewritable) continue;
    if (finding.edits.some(overlaps)) { skipped.push(finding); continue; }
    for (const e of finding.edits) {
      if (!keys.has(key(e))) { keys.add(key(e)); accepted.push(e); }
    }
    applied.push(finding);
  }
  // Apply back to front so earlier offsets stay valid; stable for same-offset inserts.
  const ordered = accepted.map((e, i) => ({ e, i })).sort((a, b) => b.e.range.start.offset - a.e.range.start.offset || b.i - a.i);
  let out = text;
  for (const { e } of ordered) out = out.slice(0, e.range.start.offset) + e.newText + out.slice(e.range.end.offset);
  return { text: out, applied, skipped };
}
