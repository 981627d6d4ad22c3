/**
 * "Fit to budget" for MixFlow: Profile Setup: `mixflow plan SETUP --budget BYTES --json` in a
 * child process (no vscode import: tests run it), then the remat policy to profile with.
 */
import { execFile } from 'node:child_process';
import { totalmem } from 'node:os';

/** The memory a backend can use: wasm32 addresses 4 GiB; the others the machine's RAM. */
export function backendBudget(backend: string): number {
  return backend === 'wasm' || backend === 'auto' ? 4 * 2 ** 30 : totalmem();
}

interface PlanRow {
  readonly mode: 'standard' | 'mixflow';
  readonly remat: string;
  readonly flops: number;
  readonly fits: boolean;
}

/**
 * The policy to profile both modes with: the cheapest (least MixFlow FLOPs) under which both
 * modes fit; else MixFlow's cheapest that fits (standard may then run out of memory); null
 * when nothing fits.
 */
export function pickRemat(plans: readonly PlanRow[]): { remat: string; bothFit: boolean } | null {
  const mix = plans.filter((p) => p.mode === 'mixflow' && p.fits).sort((a, b) => a.flops - b.flops);
  const stdFits = new Set(plans.filter((p) => p.mode === 'standard' && p.fits).map((p) => p.remat));
  const both = mix.find((p) => stdFits.has(p.remat));
  if (both) return { remat: both.remat, bothFit: true };
  return mix[0] ? { remat: mix[0].remat, bothFit: false } : null;
}

/** Runs `node CLI plan SETUP --budget BYTES --json` and returns its plans. */
export function runPlan(node: string, cli: string, setup: string, budget: number, signal?: AbortSignal): Promise<PlanRow[]> {
  return new Promise((resolvePlans, reject) => {
    execFile(
      node,
      [cli, 'plan', setup, '--budget', String(budget), '--json'],
      { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, maxBuffer: 16 * 2 ** 20, signal },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(stderr.split('\n').filter((l) => l.startsWith('mixflow:')).pop() ?? err.message));
        try {
          resolvePlans((JSON.parse(stdout) as { plans: PlanRow[] }).plans);
        } catch (e) {
          reject(new Error(`mixflow plan printed no plan: ${(e as Error).message}`));
        }
      },
    );
  });
}
