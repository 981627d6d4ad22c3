/**
 * Scan-time benchmark: a realistic 5 000-line Python file (meta-learning code
 * with HVPs, unrolled loops, JAX and library patterns) built from the corpus
 * shapes, scanned several times; the median is reported.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rewriteText, scanText } from './index.js';
import { parsePython, type PythonParser } from './python/parse.js';
import { scanPython } from './python/scan.js';

const HEADER = `import torch
import torch.nn.functional as F
import jax
import jax.numpy as jnp
from jax import lax
from torch.autograd import grad as G
`;

/** One block of ~50 lines; `i` keeps names unique so the file is not trivially repetitive. */
function block(i: number): string {
  return `

def loss_${i}(w, x, y, lam):
    """Ridge loss number ${i}."""
    residual = x @ w - y
    return (residual ** 2).mean() + lam * (w ** 2).sum()


def hvp_${i}(w, v, x, y):
    loss = loss_${i}(w, x, y, 0.1)
    g, = G(loss, w, create_graph=True)
    return G((g * v).sum(), w)[0]


def unrolled_${i}(w, lam, x, y, steps=5):
    for _ in range(steps):
        loss = loss_${i}(w, x, y, lam)
        g, = torch.autograd.grad(loss, w, create_graph=True)
        w = w - 0.1 * g
    return torch.autograd.grad(loss_${i}(w, x, y, 0.0), lam)


def first_order_${i}(w, x, y):
    for _ in range(3):
        g, = torch.autograd.grad(loss_${i}(w, x, y, 0.0), w)
        w = w - 0.1 * g.detach()
    return w


def jax_loss_${i}(w, x):
    return jnp.mean(jnp.tanh(x @ w) ** 2)


def jax_train_${i}(lr, w, x):
    def step(w, _):
        return w - lr * jax.grad(jax_loss_${i})(w, x), None
    w, _ = lax.scan(step, w, None, length=10)
    return jax_loss_${i}(w, x)


meta_${i} = jax.grad(jax_train_${i})
hvp_jax_${i} = lambda w, v: jax.jvp(jax.grad(jax_loss_${i}), (w,), (v,))[1]
`;
}

export function benchSource(lines = 5000): string {
  let text = HEADER;
  for (let i = 0; text.split('\n').length < lines; i++) text += block(i);
  return text.split('\n').slice(0, lines).join('\n') + '\n';
}

export interface ScanBench {
  lines: number;
  /** Median time of `scanText` on the file. */
  ms: number;
  /** Which parser built the tree (`fast` unless the file used syntax it declines). */
  parsedBy: PythonParser;
  /** The same scan with lezer as the parser, for comparison. */
  lezerMs: number;
}

export function benchScan(): ScanBench {
  const text = benchSource();
  const lines = text.split('\n').length - 1;
  return {
    lines,
    ms: medianMs(() => scanText('bench.py', text)),
    parsedBy: parsePython('bench.py', text).parsedBy,
    lezerMs: medianMs(() => scanPython('bench.py', text, 'lezer')),
  };
}

function medianMs(scan: () => void): number {
  // Warm-up: module loading and the JIT take a few scans to settle (an editor scans many files).
  const warmUntil = performance.now() + 500;
  for (let i = 0; i < 5 || performance.now() < warmUntil; i++) scan();
  const times: number[] = [];
  for (let run = 0; run < 7; run++) {
    const start = performance.now();
    scan();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return Math.round(times[times.length >> 1] * 10) / 10;
}

/** One file of the held-out set: labelled sites against what the scanner reports. */
export interface HeldOutFile {
  file: string;
  /** Lines labelled `truth: site`. */
  truth: number;
  /** Labelled lines with a finding on them. */
  found: number;
  /** Findings on unlabelled lines. */
  falseAlarms: number;
  /** Findings on labelled lines that the rewrite applies. */
  rewritten: number;
}

/**
 * Recall, false alarms and rewritten sites on the held-out set (realistic public-style files
 * labelled by hand, never tuned to the scanner): a finding counts for a label when it is on
 * the labelled line.
 */
export function benchHeldOut(dir: string): HeldOutFile[] {
  return readdirSync(dir).filter((name) => /\.(py|[cm]?[jt]sx?)$/.test(name)).sort().map((name) => {
    const path = join(dir, name);
    const text = readFileSync(path, 'utf8');
    const labelled = new Set<number>();
    text.split('\n').forEach((line, i) => { if (/(#|\/\/) truth: site\s*$/.test(line)) labelled.add(i + 1); });
    const result = rewriteText(path, text);
    const onLabel = result.findings.filter((f) => labelled.has(f.line));
    return {
      file: name,
      truth: labelled.size,
      found: new Set(onLabel.map((f) => f.line)).size,
      falseAlarms: result.findings.length - onLabel.length,
      rewritten: new Set(onLabel.filter((f) => result.applied.includes(f)).map((f) => f.line)).size,
    };
  });
}

export function formatHeldOut(files: HeldOutFile[]): string {
  const sum = (k: keyof Omit<HeldOutFile, 'file'>) => files.reduce((n, f) => n + f[k], 0);
  const width = Math.max(...files.map((f) => f.file.length), 5);
  const row = (name: string, f: Omit<HeldOutFile, 'file'>) =>
    `  ${name.padEnd(width)}  ${String(f.truth).padStart(5)}  ${String(f.found).padStart(5)}  ${String(f.falseAlarms).padStart(12)}  ${String(f.rewritten).padStart(9)}`;
  const total = { truth: sum('truth'), found: sum('found'), falseAlarms: sum('falseAlarms'), rewritten: sum('rewritten') };
  const pct = (a: number, b: number) => (b === 0 ? '-' : `${Math.round((100 * a) / b)}%`);
  return [
    `  ${'file'.padEnd(width)}  sites  found  false alarms  rewritten`,
    ...files.map((f) => row(f.file, f)),
    row('total', total),
    `  recall ${pct(total.found, total.truth)}, ${total.falseAlarms} false alarm(s), ${total.rewritten} of ${total.truth} sites rewritten (${pct(total.rewritten, total.truth)})`,
  ].join('\n');
}
