/**
 * The setup schema in a real VS Code (code-server with its JSON language features, which the
 * other editor tests leave out): a typo in a `*.mixflow.json` is squiggled at its line, a valid
 * setup and a plain .json file are not, and completion offers the setup's fields and the model
 * kinds. The schema's agreement with the validator is test/setup/schema.test.ts's.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { launch, requireChromium, type Browser } from '../webview/browser.js';
import { requireCodeServer, ROOT, startCodeServer, type CodeServer } from './codeServer.js';
import { buildDevExtension } from './devExtension.js';
import { SCHEMA_FILES, SCHEMA_REPORT_NAME, type SchemaReport } from './host/schemaReport.js';
import { openWindow, suiteExit, type Window } from './workbench.js';

const EXAMPLE = readFileSync(join(ROOT, 'engine', 'setup', 'examples', 'mlp-hyper.mixflow.json'), 'utf8');
const TYPO = EXAMPLE.replace('"optimizer"', '"optimiser"');
const TYPO_LINE = TYPO.split('\n').findIndex((l) => l.includes('"optimiser"')) + 1;

let extensionDir: string | undefined;
let folder: string | undefined;
let server: CodeServer | undefined;
let browser: Browser | undefined;
let window: Window | undefined;
let report: SchemaReport | undefined;

before(async () => {
  requireCodeServer();
  requireChromium();
  folder = mkdtempSync(join(tmpdir(), 'mixflow-schema-ws-'));
  writeFileSync(join(folder, SCHEMA_FILES.typo), TYPO);
  writeFileSync(join(folder, SCHEMA_FILES.valid), EXAMPLE);
  writeFileSync(join(folder, SCHEMA_FILES.other), TYPO);
  writeFileSync(join(folder, SCHEMA_FILES.completeRoot), '{\n  "format": "mixflow-setup/1",\n  |\n}\n');
  writeFileSync(join(folder, SCHEMA_FILES.completeKind), '{\n  "model": {"kind": |}\n}\n');
  const started = await Promise.allSettled([
    buildDevExtension(join(ROOT, 'test', 'editor', 'host', 'schemaSuite.ts')).then((d) => (extensionDir = d)),
    startCodeServer(folder, 20_000, ['vscode.json-language-features']).then((s) => (server = s)),
    launch().then((b) => (browser = b)),
  ]);
  for (const s of started) if (s.status === 'rejected') throw s.reason;
  window = await openWindow(browser!, server!, folder!, extensionDir!);
});

after(async () => {
  await window?.page.close().catch(() => undefined);
  await browser?.close();
  await server?.stop();
  for (const dir of [extensionDir, folder]) if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the extension-host suite runs to the end', { timeout: 120_000 }, async () => {
  const code = await suiteExit(window!, 110_000);
  assert.equal(code, 0, `the suite failed:\n${window!.logs.filter((l) => !l.startsWith('info:')).join('\n')}\ncode-server:\n${server!.log()}`);
  report = JSON.parse(readFileSync(join(extensionDir!, SCHEMA_REPORT_NAME), 'utf8'));
});

function seen(): SchemaReport {
  assert.ok(report, 'no report: the extension-host suite did not finish');
  return report;
}

test('"optimiser" in a *.mixflow.json is squiggled at its line, and the missing "optimizer" is reported', (t) => {
  const { typo } = seen();
  t.diagnostic(`the editor shows: ${typo.map((d) => `line ${d.line}: ${d.message}`).join('; ')}`);
  assert.ok(typo.some((d) => d.line === TYPO_LINE && /optimiser/.test(d.message) && /not allowed/i.test(d.message)), JSON.stringify(typo, null, 2));
  assert.ok(typo.some((d) => /optimizer/.test(d.message) && /missing/i.test(d.message)), JSON.stringify(typo, null, 2));
});

test('a valid setup has no squiggles, and a plain .json file is not held to the setup schema', () => {
  assert.deepEqual(seen().valid, []);
  assert.deepEqual(seen().other, []);
});

test('completion offers the setup\'s fields and the model kinds', () => {
  const { rootCompletions, kindCompletions } = seen();
  for (const field of ['model', 'loss', 'theta0', 'optimizer', 'inner', 'outer', 'eta', 'wrt']) assert.ok(rootCompletions.includes(field), `${field} in ${rootCompletions}`);
  assert.ok(!rootCompletions.includes('format'), 'a field already there is not offered again');
  for (const kind of ['mlp', 'transformer', 'onnx']) assert.ok(kindCompletions.includes(kind), `${kind} in ${kindCompletions}`);
});
