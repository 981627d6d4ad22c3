import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { maxRelativeDifference } from '../engine/meta/compare.js';
import type { MetaRun } from '../engine/meta/run.js';
import { parseSetup } from '../engine/setup/validate.js';
import type { Options } from './args.js';
import { exampleSetups } from './init.js';
import { readExampleModel } from '../engine/setup/examples/models.js';
import { formatBytes } from './io.js';
import { writeProfile } from './profileOutput.js';
import { runSetup } from './runCommand.js';
import { formatTable } from './table.js';

const PROFILE_DIR = 'profiles';

/**
 * `npm start`: the bundled example setups (an MLP hyper-parameter problem and a transformer
 * data-weighting problem) in both modes on the best backend present, a comparison table,
 * and one profile per setup (both modes) for the profiling panel.
 */
export async function demoCommand(options: Options, shouldStop: () => boolean): Promise<number> {
  mkdirSync(PROFILE_DIR, { recursive: true });
  const rows: string[][] = [];
  for (const example of exampleSetups()) {
    const setup = parseSetup(example.json, { readModel: readExampleModel });
    const remat = setup.model.kind === 'mlp' ? options.remat : 'block';
    const runs: MetaRun[] = [];
    const modes = (['standard', 'mixflow'] as const).map((mode) => ({ ...options, mode, remat }));
    for (const o of modes) runs.push(await runSetup(setup, o, shouldStop, { label: `${example.file} ${o.mode}`, timeNodes: true }));
    const diff = maxRelativeDifference(runs[0].metaGrads, runs[1].metaGrads);
    const profile = join(PROFILE_DIR, example.file.replace(/\.mixflow\.json$/, '.profile.json'));
    writeProfile(profile, example.file, setup, runs, modes);
    runs.forEach((r, k) =>
      rows.push([
        example.file,
        modes[k].mode,
        remat,
        formatBytes(r.peakBytes),
        formatBytes(r.activePeakBytes),
        `${r.timeMs.toFixed(0)} ms`,
        k === 1 ? diff.toExponential(1) : '',
        r.backend,
      ]),
    );
    process.stderr.write(`wrote ${profile}\n`);
  }
  const header = ['setup', 'mode', 'remat', 'peak', 'active peak', 'time', 'max rel diff', 'backend'];
  process.stdout.write(`${formatTable(header, rows)}\n\nProfiles are in ${PROFILE_DIR}/ (open them in the MixFlow profiling panel).\n`);
  return 0;
}
