/**
 * The scanner/rewriter shared by the `mixflow` CLI and the VS Code extension
 * (no `vscode` import here): find reverse-over-reverse meta-gradient code and
 * rewrite it to mixed (forward-over-reverse) mode.
 */
import { readFileSync, statSync } from 'node:fs';
import type { Finding } from './findings.js';
import { scanPython } from './python/scan.js';
import { scanTypeScript } from './typescript/scan.js';
import { applyEdits } from './rewrite/apply.js';
import { isSource, walkSources } from './walk.js';
import { helperModuleFor, type RewriteOptions } from './rewrite/helper-module.js';

export type { RewriteOptions } from './rewrite/helper-module.js';
export { helperModuleFor } from './rewrite/helper-module.js';

export type { Finding, PatternId, BlockerId, Blocker, Position, Range, TextEdit } from './findings.js';

function byPosition(a: Finding, b: Finding): number {
  return a.line - b.line || a.column - b.column || a.pattern.localeCompare(b.pattern);
}

/** Findings in one file's text; the language comes from the path's extension. */
export function scanText(path: string, text: string, options: RewriteOptions = {}): Finding[] {
  const findings = /\.pyi?$/.test(path) ? scanPython(path, text, 'fast', options) : isSource(path) ? scanTypeScript(path, text) : [];
  return findings.sort(byPosition);
}

/** Scans files and folders; a folder's findings are named `<folder>/<path under it>`. */
export function scanPaths(paths: string[]): Finding[] {
  const findings: Finding[] = [];
  for (const given of paths) {
    const files = statSync(given).isDirectory()
      ? walkSources(given).map((rel) => (given.endsWith('/') ? given + rel : `${given}/${rel}`))
      : [given];
    for (const file of files) findings.push(...scanText(file, readFileSync(file, 'utf8')));
  }
  return findings;
}

export interface RewriteResult {
  /** The rewritten text, or null when nothing could be rewritten. */
  text: string | null;
  findings: Finding[];
  applied: Finding[];
  /** Findings left as they were, each with the reason in its explanation. */
  notRewritten: Finding[];
  /** With `helper: 'module'`: the module the rewritten file imports its helpers from (write it beside the file). */
  helperModule?: { name: string; text: string };
}

export function rewriteText(path: string, text: string, options: RewriteOptions = {}): RewriteResult {
  const findings = scanText(path, text, options);
  const { text: rewritten, applied, skipped } = applyEdits(text, findings);
  const notRewritten = findings.filter((f) => !applied.includes(f));
  const helperModule = options.helper === 'module' && applied.length > 0 ? helperModuleFor(rewritten) : undefined;
  return {
    text: applied.length > 0 ? rewritten : null, findings, applied,
    notRewritten: [...notRewritten.filter((f) => !skipped.includes(f)), ...skipped],
    ...(helperModule ? { helperModule } : {}),
  };
}
