/**
 * First-order gradient benchmark: the engine vs TF.js's own tf.grads on the same backend.
 *   npx tsx scripts/bench-engine.ts [wasm] [cpu] [--runs N] [--model mlp|transformer]
 * Default: both backends (wasm, then cpu), both models, 5 timed runs after 2 warm-ups.
 */
import { benchFirstOrder, mlpModel, printRows, transformerModel, type Row } from '../engine/bench/firstOrder/index.js';
import type { BackendName } from '../engine/index.js';

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const runs = option(args, '--runs');
  const only = option(args, '--model');
  const positional = args.filter((a, i) => !a.startsWith('--') && !['--runs', '--model'].includes(args[i - 1]));
  const backends = (positional.length ? positional : ['wasm', 'cpu']) as BackendName[];
  const rows: Row[] = [];
  for (const b of backends) {
    const models = [mlpModel(), transformerModel()].filter((m) => !only || m.name.toLowerCase().startsWith(only.toLowerCase()));
    rows.push(...(await benchFirstOrder(b, { runs: runs ? Number(runs) : undefined, models })));
  }
  printRows(rows);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
