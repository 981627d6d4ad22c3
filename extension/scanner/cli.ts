/**
 * `mixflow scan PATH… [--json]` and `mixflow rewrite FILE`. The dispatcher in
 * cli/ calls these; they return the exit status (2 for bad usage).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { Finding } from './findings.js';
import { rewriteText, scanPaths } from './index.js';

const SCAN_USAGE = 'usage: mixflow scan PATH... [--json]';
const REWRITE_USAGE = 'usage: mixflow rewrite FILE';

function usageError(message: string, usage: string): number {
  process.stderr.write(`mixflow: ${message}\n${usage}\n`);
  return 2;
}

/** Splits argv into flags and positional paths (`--` ends the flags). */
function splitArgs(argv: string[]): { flags: string[]; paths: string[] } {
  const flags: string[] = [];
  const paths: string[] = [];
  let onlyPaths = false;
  for (const arg of argv) {
    if (!onlyPaths && arg === '--') onlyPaths = true;
    else if (!onlyPaths && arg.startsWith('-') && arg !== '-') flags.push(arg);
    else paths.push(arg);
  }
  return { flags, paths };
}

function formatFinding(f: Finding): string {
  const fix = f.rewritable ? 'rewritable' : f.blockers.length > 0 ? `blocked: ${f.blockers.map((b) => b.id).join(', ')}` : 'explanation only';
  return `${f.file}:${f.line}:${f.column}: ${f.pattern}: ${f.message} [${fix}]`;
}

export async function scanCommand(argv: string[]): Promise<number> {
  const { flags, paths } = splitArgs(argv);
  if (flags.includes('--help') || flags.includes('-h')) { process.stdout.write(`${SCAN_USAGE}\n`); return 0; }
  const unknown = flags.find((f) => f !== '--json');
  if (unknown) return usageError(`scan: unknown option ${unknown}`, SCAN_USAGE);
  if (paths.length === 0) return usageError('scan: missing PATH', SCAN_USAGE);
  const missing = paths.find((p) => !existsSync(p));
  if (missing) return usageError(`scan: no such file or directory: ${missing}`, SCAN_USAGE);
  const findings = scanPaths(paths);
  if (flags.includes('--json')) {
    process.stdout.write(JSON.stringify(findings, null, 2) + '\n');
  } else {
    for (const f of findings) process.stdout.write(formatFinding(f) + '\n');
    const rewritable = findings.filter((f) => f.rewritable).length;
    // TF.js has no forward mode: its sites are rewritten to a per-step local-HVP backward instead.
    const tfjs = findings.filter((f) => f.rewritable && f.pattern === 'tfjs-nested-grad').length;
    const mixed = tfjs === 0 ? `${rewritable} rewritable to mixed mode` : `${rewritable} rewritable (${rewritable - tfjs} to mixed mode, ${tfjs} TF.js to a local-HVP backward)`;
    process.stdout.write(`${findings.length} reverse-over-reverse site(s) found, ${mixed}\n`);
  }
  return 0;
}

export async function rewriteCommand(argv: string[]): Promise<number> {
  const { flags, paths } = splitArgs(argv);
  if (flags.includes('--help') || flags.includes('-h')) { process.stdout.write(`${REWRITE_USAGE}\n`); return 0; }
  if (flags.length > 0) return usageError(`rewrite: unknown option ${flags[0]}`, REWRITE_USAGE);
  if (paths.length !== 1) return usageError(paths.length === 0 ? 'rewrite: missing FILE' : 'rewrite: expects exactly one FILE', REWRITE_USAGE);
  const file = paths[0];
  if (!existsSync(file) || !statSync(file).isFile()) return usageError(`rewrite: no such file: ${file}`, REWRITE_USAGE);
  const result = rewriteText(file, readFileSync(file, 'utf8'));
  for (const f of result.notRewritten) {
    process.stderr.write(`${file}:${f.line}:${f.column}: ${f.pattern}: not rewritten: ${f.blockers.map((b) => `${b.message} (line ${b.line})`).join('; ')}.\n`);
  }
  if (result.text === null) {
    const why = result.findings.length === 0
      ? 'no reverse-over-reverse meta-gradient code found, nothing to rewrite'
      : `none of the ${result.findings.length} finding(s) can be rewritten without changing the maths (reasons above)`;
    process.stderr.write(`mixflow rewrite: ${file}: ${why}\n`);
    return 1;
  }
  process.stdout.write(result.text);
  return 0;
}
