import { Cancelled } from '../engine/exec/interpret.js';
import { NoOnnxLowering } from '../engine/exec/onnxruntime/lower.js';
import { OrtUnavailable } from '../engine/exec/onnxruntime/runtime.js';
import { MemoryRefusal } from '../engine/plan/preflight.js';
import { SetupError } from '../engine/setup/validate.js';
import { parseArgs, usage, UsageError } from './args.js';
import { demoCommand } from './demoCommand.js';
import { estimateCommand } from './estimateCommand.js';
import { exportCommand } from './exportCommand.js';
import { runInit } from './init.js';
import { planCommand } from './planCommand.js';
import { profileCommand } from './profileCommand.js';
import { runCommand } from './runCommand.js';

/**
 * The `mixflow` command line. Exit status: 0 done, 1 failed (or `rewrite` found nothing
 * to rewrite), 2 bad usage, a malformed setup, a run the pre-flight memory check refuses
 * (nothing computed) or `--backend onnxruntime` when it is missing or cannot lower the graph,
 * 130 interrupted.
 */
export async function main(argv: string[]): Promise<number> {
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stderr.write('\nmixflow: stopping (Ctrl-C again to quit at once)\n');
  };
  process.on('SIGINT', onSigint);
  const shouldStop = () => interrupted;
  try {
    if (argv[0] === 'scan' || argv[0] === 'rewrite') {
      // The scanner parses its own arguments (it is shared with the editor extension); loaded
      // on demand because it brings the TypeScript compiler.
      const scanner = require('../extension/scanner/cli.js') as typeof import('../extension/scanner/cli.js');
      return argv[0] === 'scan' ? await scanner.scanCommand(argv.slice(1)) : await scanner.rewriteCommand(argv.slice(1));
    }
    const cmd = parseArgs(argv);
    switch (cmd.command) {
      case 'run':
        return await runCommand(cmd.setup, cmd.options, shouldStop);
      case 'estimate':
        return estimateCommand(cmd.setup, cmd.options);
      case 'plan':
        return planCommand(cmd.setup, cmd.budget, cmd.options);
      case 'profile':
        return await profileCommand(cmd.setup, cmd.options, shouldStop);
      case 'init':
        return runInit(cmd.dir);
      case 'export':
        return exportCommand(cmd.setup, cmd.options);
      case 'bench': {
        // Loaded on demand: the benches bring TF.js's gradient registry and their baselines.
        const { benchCommand } = require('./benchCommand.js') as typeof import('./benchCommand.js');
        return await benchCommand(cmd.setups, cmd.options, shouldStop);
      }
      case 'demo':
        return await demoCommand(cmd.options, shouldStop);
      case 'help':
        process.stdout.write(`${usage(cmd.topic)}\n`);
        return 0;
      default:
        throw new UsageError(usage());
    }
  } catch (e) {
    if (e instanceof UsageError || e instanceof SetupError || e instanceof MemoryRefusal || e instanceof OrtUnavailable || e instanceof NoOnnxLowering) {
      process.stderr.write(`mixflow: ${e.message}\n`);
      return 2;
    }
    if (e instanceof Cancelled) {
      process.stderr.write('mixflow: cancelled; nothing was written\n');
      return 130;
    }
    process.stderr.write(`mixflow: ${(e as Error).stack ?? e}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
