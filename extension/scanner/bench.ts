/**
 * Scan-time benchmark: a realistic 5 000-line Python file (meta-learning code
 * with HVPs, unrolled loops, JAX and library patterns) built from the corpus
 * shapes, scanned several times; the median is reported.
 */
import { scanText } from './index.js';
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
