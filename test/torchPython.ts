/** Finds Debian's PyTorch for the tests that run Python (rewrites, exported programs, ONNX exports, conv references). */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const TORCH_INSTALL = 'PyTorch is required: run `apt-get update && apt-get install -y python3-torch` (`npm test` does, as root)';

export interface TorchPython {
  readonly python: string;
  /** `torch, functorch` versions as the interpreter prints them. */
  readonly version: string;
  /** torchrun next to that interpreter, when there is one. */
  readonly torchrun?: string;
}

/**
 * The first Python that imports torch and every module of `also` (e.g. `onnx`). Debian's
 * /usr/bin/python3 first: `python3` on PATH may be a pyenv without torch.
 */
export function findTorchPython(also: readonly string[] = []): TorchPython | null {
  const imports = also.map((m) => `import ${m}\n`).join('');
  for (const python of [process.env.MIXFLOW_TORCH_PYTHON, '/usr/bin/python3', 'python3', 'python'].filter((p): p is string => !!p)) {
    const probe = spawnSync(python, ['-c', `import torch, sys\n${imports}try:\n    import functorch; f = functorch.__version__\nexcept ImportError: f = "none"\nprint(torch.__version__, f)`], { encoding: 'utf8' });
    if (probe.status !== 0) continue;
    const torchrun = python.includes('/') ? join(dirname(python), 'torchrun') : undefined;
    return { python, version: probe.stdout.trim(), torchrun: torchrun && existsSync(torchrun) ? torchrun : undefined };
  }
  return null;
}
