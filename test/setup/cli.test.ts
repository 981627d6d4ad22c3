import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, UsageError, DEFAULT_OPTIONS } from '../../cli/args.js';
import { runInit, writeExamples, exampleSetups, InitError, INIT_EXAMPLES } from '../../cli/init.js';
import { parseSetupText } from '../../engine/setup/validate.js';

function usageError(argv: string[], ...parts: string[]): void {
  assert.throws(() => parseArgs(argv), (e: unknown) => {
    assert.ok(e instanceof UsageError, String(e));
    assert.equal(e.exitCode, 2);
    for (const p of parts) assert.ok(e.message.includes(p), `"${e.message}" lacks "${p}"`);
    return true;
  });
}

describe('mixflow argv', () => {
  test('run: defaults mixflow, none, float32, auto', () => {
    const c = parseArgs(['run', 'a.mixflow.json']);
    assert.deepEqual(c, { command: 'run', setup: 'a.mixflow.json', options: { ...DEFAULT_OPTIONS } });
    assert.deepEqual(DEFAULT_OPTIONS, { mode: 'mixflow', remat: 'none', precision: 'float32', backend: 'auto', json: false, compare: false, force: false });
  });

  test('run with every flag, both spellings', () => {
    const c = parseArgs(['run', '--mode', 'standard', 's.json', '--remat=step+block', '--precision', 'float64', '--backend=wasm', '--json', '--profile', 'p.json']);
    assert.deepEqual(c, { command: 'run', setup: 's.json', options: { mode: 'standard', remat: 'step+block', precision: 'float64', backend: 'wasm', json: true, profile: 'p.json', compare: false, force: false } });
  });

  test('estimate, profile, bench, scan, rewrite, demo, help', () => {
    assert.deepEqual(parseArgs(['estimate', 's', '--remat', 'block', '--json']), { command: 'estimate', setup: 's', options: { ...DEFAULT_OPTIONS, remat: 'block', json: true } });
    const p = parseArgs(['profile', 's', '--compare', '--backend', 'cpu']);
    assert.equal(p.command === 'profile' && p.options.compare && p.options.backend, 'cpu');
    assert.deepEqual(parseArgs(['bench']), { command: 'bench', setups: [], options: { ...DEFAULT_OPTIONS } });
    assert.deepEqual(parseArgs(['scan', 'src', 'a.py', '--json']), { command: 'scan', paths: ['src', 'a.py'], options: { ...DEFAULT_OPTIONS, json: true } });
    assert.deepEqual(parseArgs(['rewrite', 'x.py']), { command: 'rewrite', file: 'x.py', options: { ...DEFAULT_OPTIONS } });
    assert.equal(parseArgs(['demo']).command, 'demo');
    assert.deepEqual(parseArgs(['--help']), { command: 'help', options: { ...DEFAULT_OPTIONS } });
    assert.equal((parseArgs(['run', '-h']) as { topic?: string }).topic, 'run');
    assert.equal((parseArgs(['help', 'scan']) as { topic?: string }).topic, 'scan');
    assert.deepEqual(parseArgs(['scan', '--', '--weird-name.py']), { command: 'scan', paths: ['--weird-name.py'], options: { ...DEFAULT_OPTIONS } });
  });

  test('init: DIR positional, --out, default "."', () => {
    assert.equal((parseArgs(['init']) as { dir: string }).dir, '.');
    assert.equal((parseArgs(['init', 'ex']) as { dir: string }).dir, 'ex');
    assert.equal((parseArgs(['init', '--out', 'ex2']) as { dir: string }).dir, 'ex2');
    usageError(['init', 'a', '--out', 'b'], '--out', '"b"', '"a"');
  });

  test('bad usage names the flag, the value and what was expected', () => {
    usageError([], 'expected a command', 'run, estimate');
    usageError(['launch'], '"launch"', 'expected one of run');
    usageError(['run', 's', '--mode', 'fast'], '--mode', '"fast"', 'standard or mixflow');
    usageError(['run', 's', '--remat=steps'], '--remat', '"steps"', 'none, step, block, step+block, revolve:K or revolve:K+block');
    usageError(['run', 's', '--remat', 'revolve:0'], '--remat', '"revolve:0"', 'K snapshots, an integer ≥ 1');
    usageError(['run', 's', '--precision', 'float16'], '--precision', '"float16"', 'float32 or float64');
    usageError(['run', 's', '--backend', 'gpu'], '--backend', '"gpu"', 'auto or tensorflow or wasm or cpu');
    usageError(['run', 's', '--mode'], '--mode', 'got nothing');
    usageError(['run', 's', '--profile', '--json'], '--profile', 'a FILE', 'got nothing');
    usageError(['run', 's', '--json=yes'], '--json', 'no value', '"yes"');
    usageError(['run', 's', '--mode', 'standard', '--mode', 'mixflow'], '--mode', 'more than once');
    usageError(['run', 's', '--verbose'], '--verbose', 'not an option of mixflow run', '--mode');
    usageError(['run', 's', '-v'], '-v', 'not an option');
    usageError(['estimate', 's', '--precision', 'float64'], '--precision', 'not an option of mixflow estimate');
    usageError(['scan', 'x', '--compare'], '--compare', 'not an option of mixflow scan');
    usageError(['rewrite', 'f', '--json'], 'it takes no options');
    usageError(['run'], 'mixflow run', 'SETUP', 'got nothing');
    usageError(['run', 'a', 'b'], 'extra argument "b"');
    usageError(['scan'], 'at least one PATH');
    usageError(['rewrite'], 'FILE');
    usageError(['help', 'nope'], '"nope"');
  });
});

describe('mixflow init', () => {
  test('writes valid examples, then refuses to overwrite (exit 2), writing nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mixflow-init-'));
    try {
      const target = join(dir, 'sub');
      const log: string[] = [];
      assert.equal(runInit(target, (l) => log.push(l), (l) => log.push(l)), 0);
      assert.deepEqual(readdirSync(target).sort(), INIT_EXAMPLES.map((e) => e.file).sort());
      const models = exampleSetups().map((e) => parseSetupText(readFileSync(join(target, e.file), 'utf8'), { baseDir: target }));
      assert.deepEqual(models.map((s) => s.model.kind), ['mlp', 'transformer', 'onnx']);
      // The ONNX example reads the model file written beside it: the 4-conv MAML network.
      const cnn = models[2]!;
      assert.ok(cnn.model.kind === 'onnx' && cnn.model.graph.segments.map((g) => g.key).join() === 'block1,block2,block3,block4,Flatten,head');
      assert.ok(cnn.model.kind === 'onnx' && cnn.model.graph.params.length === 18 && cnn.model.graph.outputShape[0] === 5);
      const tr = models[1]!;
      assert.equal(tr.optimizer.kind, 'adam');
      assert.deepEqual([tr.inner.kind, tr.inner.kind === 'synthetic' && tr.inner.steps], ['synthetic', 2]);
      assert.ok(tr.wrt.includes('example_logits'));
      assert.ok(log.some((l) => l.includes('mlp-hyper.mixflow.json')));

      // One existing file blocks everything.
      const other = join(dir, 'other');
      writeExamples(other);
      INIT_EXAMPLES.filter((_, k) => k !== 1).forEach((e) => rmSync(join(other, e.file)));
      writeFileSync(join(other, INIT_EXAMPLES[1]!.file), 'mine');
      assert.throws(() => writeExamples(other), (e: unknown) => e instanceof InitError && e.exitCode === 2 && /already exists; not overwriting/.test(e.message));
      assert.deepEqual(readdirSync(other), [INIT_EXAMPLES[1]!.file]);
      assert.equal(readFileSync(join(other, INIT_EXAMPLES[1]!.file), 'utf8'), 'mine');
      const errs: string[] = [];
      assert.equal(runInit(target, () => undefined, (l) => errs.push(l)), 2);
      assert.match(errs.join('\n'), /not overwriting/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
