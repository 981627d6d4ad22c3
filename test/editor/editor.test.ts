/**
 * The extension in a real VS Code: code-server (from .cache/code-server, installed by
 * `bash .ci/code-server.sh`) with the current source as the extension under development, a
 * folder of small Python files and headless Chromium, all in one window. The UI checks drive the
 * workbench first; then the API checks run in the extension host (host/suite.ts) and report what
 * they saw. Expected texts and lines come from the scanner (`scanText`/`rewriteText`). Fails,
 * never skips, without code-server or Chromium; the server's whole process tree is killed at the
 * end.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { CATEGORY, COMMANDS, DIAGNOSTIC_SOURCE, LIVE_DEBOUNCE_MS, QUICK_FIX_TITLE, SETTINGS } from '../../extension/commands.js';
import { findingKey, lensTitle, quickFixTitle } from '../../extension/features/rewritePlan.js';
import { rewriteText, scanText, type Finding } from '../../extension/scanner/index.js';
import { launch, requireChromium, type Browser } from '../webview/browser.js';
import { requireCodeServer, startCodeServer, type CodeServer } from './codeServer.js';
import { buildDevExtension } from './devExtension.js';
import { REPORT_NAME, UI_DONE_NAME, type HostReport } from './host/report.js';
import { applyQuickFix, applyPreview, clickLens, lensesOnScreen, openFromExplorer, openWindow, paletteEntries, runFromPalette, saveEdit, setBooleanSetting, suiteExit, waitForLens, type Window } from './workbench.js';
import { BLOCKED_FIXTURE, FILES, HVP_FIXTURE, LIVE_EDIT_LINE, makeWorkspace, onnxModelBytes, RECORDED_REMAT, TFJS_FIXTURE } from './workspace.js';
import { setupTemplate } from '../../engine/import/onnx/setupTemplate.js';
import { parseSetupText } from '../../engine/setup/validate.js';

const HVP = readFileSync(HVP_FIXTURE, 'utf8');
const BLOCKED = readFileSync(BLOCKED_FIXTURE, 'utf8');

/** The one finding of a fixture (the fixtures are made to have exactly one). */
function onlyFinding(path: string, text: string): Finding {
  const findings = scanText(path, text);
  assert.equal(findings.length, 1, `${path}: ${findings.map((f) => `${f.pattern}@${f.line}`).join(', ')}`);
  return findings[0]!;
}

const hvpFinding = onlyFinding(HVP_FIXTURE, HVP);
const blockedFinding = onlyFinding(BLOCKED_FIXTURE, BLOCKED);
/** The HVP file rewritten to mixed mode, exactly as `mixflow rewrite` prints it. */
const HVP_REWRITTEN = rewriteText(HVP_FIXTURE, HVP).text!;
const MANIFEST = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')).contributes;
/**
 * What F1 lists in a Python editor: every command but those the manifest hides there (`false`,
 * only in a rewrite preview, or only on setups and profiles).
 */
const HIDDEN = new Set((MANIFEST.menus.commandPalette as { command: string; when?: string }[])
  .filter((m) => m.when === 'false' || m.when === 'resourceScheme == mixflow-preview' || /resourceFilename/.test(m.when ?? '')).map((m) => m.command));
const PALETTE = (MANIFEST.commands as { command: string; title: string; category: string }[])
  .filter((c) => !HIDDEN.has(c.command)).map((c) => `${c.category}: ${c.title}`);

let extensionDir: string | undefined;
let folder: string | undefined;
let server: CodeServer | undefined;
let browser: Browser | undefined;
let workbench: Window | undefined;
let report: HostReport | undefined;

before(async () => {
  requireCodeServer();
  requireChromium();
  folder = makeWorkspace();
  // Side by side (about 2 s saved); each result is kept as it comes, so after() cleans up whatever started.
  const started = await Promise.allSettled([
    buildDevExtension().then((d) => (extensionDir = d)),
    startCodeServer(folder).then((s) => (server = s)),
    launch().then((b) => (browser = b)),
  ]);
  for (const s of started) if (s.status === 'rejected') throw s.reason;
  workbench = await openWindow(browser!, server!, folder!, extensionDir!);
});

after(async () => {
  await workbench?.page.close().catch(() => undefined);
  await browser?.close();
  await server?.stop();
  for (const dir of [extensionDir, folder]) if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the fixtures: one rewritable HVP finding, one blocked finding', () => {
  assert.equal(hvpFinding.pattern, 'torch-create-graph-hvp');
  assert.ok(hvpFinding.rewritable);
  assert.match(HVP.split('\n')[hvpFinding.line - 1]!, /torch\.autograd\.grad\(.*create_graph=True\)/);
  assert.ok(!blockedFinding.rewritable && blockedFinding.blockers.length > 0);
  assert.notEqual(HVP_REWRITTEN, HVP);
});

/** A workspace file's text on disk. */
function onDisk(name: string): string {
  return readFileSync(join(folder!, name), 'utf8');
}

test('UI: the MixFlow code lens is drawn above the HVP line; clicking it rewrites the file as the scanner does', { timeout: 60_000 }, async () => {
  const { page } = workbench!;
  await openFromExplorer(page, FILES.uiLens);
  await waitForLens(page, 'MixFlow');
  const lenses = (await lensesOnScreen(page)).filter((l) => l.text.startsWith('MixFlow'));
  assert.deepEqual(lenses, [{ text: lensTitle(hvpFinding), line: hvpFinding.line }]);
  await clickLens(page, 'rewrite to mixed mode');
  await applyPreview(page); // the rewrite is shown in the refactor preview first
  await saveEdit(page);
  assert.equal(onDisk(FILES.uiLens), HVP_REWRITTEN);
});

test('UI: the quick fix (Ctrl+.) on the HVP line rewrites the file as the scanner does', { timeout: 60_000 }, async () => {
  const { page } = workbench!;
  await openFromExplorer(page, FILES.uiQuickFix);
  await waitForLens(page, 'MixFlow');
  await applyQuickFix(page, 'create_graph=True', QUICK_FIX_TITLE);
  await saveEdit(page);
  assert.equal(onDisk(FILES.uiQuickFix), HVP_REWRITTEN);
});

test('UI: the F1 palette lists every MixFlow command, all under the one category', { timeout: 60_000 }, async () => {
  const { page } = workbench!;
  await openFromExplorer(page, FILES.uiSettings); // a Python editor: the rewrite commands show only there
  const entries = await paletteEntries(page, `${CATEGORY}: `, PALETTE.length);
  assert.deepEqual(entries.filter((e) => e.startsWith(`${CATEGORY}: `)).sort(), [...PALETTE].sort());
  assert.ok(PALETTE.every((e) => e.startsWith(`${CATEGORY}: `)));
});

test('UI: turning mixflow.codeLens.enabled off in the Settings editor removes the lens', { timeout: 60_000 }, async () => {
  const { page } = workbench!;
  await openFromExplorer(page, FILES.uiSettings);
  await waitForLens(page, 'MixFlow');
  await setBooleanSetting(page, SETTINGS.codeLensEnabled, false); // the suite puts the defaults back
  await openFromExplorer(page, FILES.uiSettings);
  await waitForLens(page, 'MixFlow', false);
  assert.deepEqual((await lensesOnScreen(page)).filter((l) => l.text.startsWith('MixFlow')), []);
});

test('UI: a profile panel from Open Recent Profile comes back as it was after switching tabs', { timeout: 120_000 }, async () => {
  const { page } = workbench!;
  await runFromPalette(page, 'MixFlow: Open Recent Profile');
  await page.locator('.quick-input-widget .quick-input-list .monaco-list-row').first().click();
  const panel = () => page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
  await panel().locator('[data-testid=graph][data-ready]').waitFor({ timeout: 60_000 });
  await panel().locator('[data-testid=graph] g.node-group[data-group="step/2~1"]').click();
  await panel().locator('[data-testid=graph] g.frame[data-frame="step/2~1"]').waitFor();
  await panel().locator('[data-testid=graph] g.node-op').first().click();
  const selected = await panel().locator('[data-testid=graph] g.node-op.selected').getAttribute('data-node');
  // Another editor in front (the webview is unloaded), then the panel's tab again.
  await openFromExplorer(page, FILES.uiSettings);
  await page.locator('.part.editor .tab', { hasText: 'MixFlow profile' }).click();
  await panel().locator('[data-testid=graph][data-ready]').waitFor({ timeout: 60_000 });
  await panel().locator('[data-testid=graph] g.frame[data-frame="step/2~1"]').waitFor();
  assert.equal(await panel().locator('[data-testid=graph] g.node-op.selected').getAttribute('data-node'), selected);
  assert.equal(await panel().locator('[data-testid=details] [data-field=op]').textContent(), `${await panel().locator(`[data-testid=graph] g.node-op[data-node="${selected}"] text`).textContent()} #${selected}`);
});

test('UI: "Profile again" in that panel reruns with the profile\'s recorded remat, not the setting', { timeout: 120_000 }, async () => {
  const { page } = workbench!;
  const profilesDir = join(folder!, '.mixflow', 'profiles');
  const before = new Set(readdirSync(profilesDir));
  const panel = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
  assert.match(await panel.locator('[data-testid=rerun]').getAttribute('title') ?? '', new RegExp(`remat ${RECORDED_REMAT},`));
  await panel.locator('[data-testid=rerun]').click();
  const made = await waitFor(() => readdirSync(profilesDir).filter((n) => !before.has(n) && n.endsWith('.profile.json')), (n) => n.length > 0, 90_000);
  assert.equal(made.length, 1, made.join(', '));
  assert.match(made[0]!, new RegExp(`^mlp-hyper\\.standard\\+mixflow\\.${RECORDED_REMAT}\\.`));
  const runs = JSON.parse(readFileSync(join(profilesDir, made[0]!), 'utf8')).runs as { remat: string; backend: string }[];
  assert.deepEqual(runs.map((r) => [r.remat, r.backend]), [[RECORDED_REMAT, 'cpu'], [RECORDED_REMAT, 'cpu']]);
});

test('extension host: the suite runs to the end', { timeout: 120_000 }, async () => {
  // The suite has waited since the window opened; the UI checks are done, so it may start.
  writeFileSync(join(extensionDir!, UI_DONE_NAME), '');
  const code = await suiteExit(workbench!, 110_000);
  assert.equal(code, 0, `the suite failed:\n${workbench!.logs.filter((l) => !l.startsWith('info:')).join('\n')}\ncode-server:\n${server!.log()}`);
  report = JSON.parse(readFileSync(join(extensionDir!, REPORT_NAME), 'utf8'));
});

/** Polls `read` every 250 ms until `done` holds of its value (which it returns), or fails after `timeoutMs`. */
async function waitFor<T>(read: () => T, done: (v: T) => boolean, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = read();
    if (done(v)) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms; last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function hostReport(): HostReport {
  assert.ok(report, 'no report: the extension-host suite did not finish');
  return report;
}

const uriOf = (name: string) => pathToFileURL(join(folder!, name)).href;

test('extension host: code lenses on the right lines, with the rewrite or explain command and their arguments', () => {
  const r = hostReport();
  assert.deepEqual(r.lenses[FILES.hostLens], [{ line: hvpFinding.line, title: lensTitle(hvpFinding), command: COMMANDS.applyRewrite, arguments: [uriOf(FILES.hostLens), findingKey(hvpFinding)] }]);
  assert.deepEqual(r.lenses[FILES.blocked], [{ line: blockedFinding.line, title: lensTitle(blockedFinding), command: COMMANDS.explainFinding, arguments: [uriOf(FILES.blocked), findingKey(blockedFinding)] }]);
});

test('extension host: the quick fix is offered on the rewritable line only, never on a blocked finding', () => {
  const r = hostReport();
  assert.deepEqual(r.quickFixLines, { [FILES.hostQuickFix]: [hvpFinding.line], [FILES.blocked]: [] });
});

test('extension host: quick fix, lens command and Rewrite File each give the scanner\'s rewrite', () => {
  const r = hostReport();
  assert.equal(r.textAfterQuickFix, HVP_REWRITTEN);
  assert.equal(r.textAfterLensCommand, HVP_REWRITTEN);
  assert.equal(r.textAfterRewriteFile, HVP_REWRITTEN);
});

test('extension host: a TF.js file: the lens and quick fix name the local-HVP rewrite, the lens command gives the scanner\'s rewrite', () => {
  const r = hostReport();
  const text = readFileSync(TFJS_FIXTURE, 'utf8');
  const f = onlyFinding(TFJS_FIXTURE, text);
  assert.equal(lensTitle(f), 'MixFlow: reverse-over-reverse nested tf.grad: rewrite to a local-HVP backward');
  assert.deepEqual(r.tfjs.lenses, [{ line: f.line, title: lensTitle(f), command: COMMANDS.applyRewrite, arguments: [uriOf(FILES.hostTfjs), findingKey(f)] }]);
  assert.deepEqual(r.tfjs.quickFixTitles, [quickFixTitle(f)]);
  assert.equal(r.tfjs.textAfterLensCommand, rewriteText(TFJS_FIXTURE, text).text);
});

test('extension host: after Scan Workspace the quick fix is attached to the finding\'s diagnostic', () => {
  const r = hostReport();
  const diagnostic = { source: DIAGNOSTIC_SOURCE, code: hvpFinding.pattern, line: hvpFinding.line };
  assert.deepEqual(r.diagnostics, [diagnostic]);
  assert.deepEqual(r.quickFixDiagnostics, [diagnostic]);
});

test('extension host: Scan Workspace gives a file that was never opened its diagnostics', () => {
  assert.deepEqual(hostReport().scanClosedDiagnostics, [{ source: DIAGNOSTIC_SOURCE, code: hvpFinding.pattern, line: hvpFinding.line }]);
});

test('extension host: live diagnostics: an opened file\'s finding is in the Problems view without a scan, follows edits, leaves on close', (t) => {
  const live = hostReport().live;
  t.diagnostic(`live diagnostic appeared ${live.msToAppear} ms after opening (debounce ${LIVE_DEBOUNCE_MS} ms), went ${live.msToClear} ms after the edit`);
  const diagnostic = { source: DIAGNOSTIC_SOURCE, code: hvpFinding.pattern, line: hvpFinding.line };
  assert.deepEqual(live.onOpen, [diagnostic]);
  assert.ok(live.msToAppear >= LIVE_DEBOUNCE_MS, `appeared after ${live.msToAppear} ms: before the debounce`); // and within the suite's 10 s wait, or onOpen is empty
  // The edit really removes the site: the scanner finds nothing in the edited text.
  const edited = HVP.split('\n').map((l, i) => (i === hvpFinding.line - 1 ? LIVE_EDIT_LINE : l)).join('\n');
  assert.equal(live.textAfterEdit, edited);
  assert.deepEqual(scanText(HVP_FIXTURE, edited), []);
  assert.deepEqual(live.afterEdit, []);
  assert.deepEqual(live.afterUndo, [diagnostic]);
  assert.deepEqual(live.afterClose, []);
});

test('extension host: with mixflow.diagnostics.live off an opened file gets no diagnostics; turned on, it does', () => {
  const live = hostReport().live;
  assert.deepEqual(live.whenOff, []);
  assert.deepEqual(live.whenOnAgain, [{ source: DIAGNOSTIC_SOURCE, code: hvpFinding.pattern, line: hvpFinding.line }]);
});

test('extension host: every contributed command is registered, all in the MixFlow category', () => {
  const r = hostReport();
  assert.deepEqual(r.contributed.map((c) => c.command).sort(), Object.values(COMMANDS).sort());
  assert.deepEqual(r.registered, Object.values(COMMANDS).sort());
  assert.deepEqual([...new Set(r.contributed.map((c) => c.category))], [CATEGORY]);
});

test('extension host: New Setup from Model… writes NAME.mixflow.json next to the .onnx file and opens it', () => {
  const r = hostReport();
  assert.ok(r.newSetupText, 'no setup was written next to the model');
  assert.deepEqual(JSON.parse(r.newSetupText), setupTemplate(onnxModelBytes(), FILES.onnxModel).json);
  assert.equal(r.activeAfterNewSetup, FILES.onnxSetup);
  // The written setup is valid as it stands: the engine imports the model it names.
  const setup = parseSetupText(r.newSetupText, { baseDir: folder! });
  assert.equal(setup.model.kind, 'onnx');
});

test('extension host: the settings turn code lenses and quick fixes off and on', () => {
  const r = hostReport();
  assert.deepEqual(r.lensesWhenOff, []);
  assert.deepEqual(r.quickFixLinesWhenOff, []);
  assert.deepEqual(r.lensesWhenOnAgain.map((l) => l.line), [hvpFinding.line]);
});

test('extension host: profiling a setup that cannot fit is refused with the planned peak; Open Estimate\'s plan opens instead', () => {
  const r = hostReport();
  assert.match(r.profileRefusal ?? '', /^MixFlow: profiling absurd refused before allocating anything: the standard meta-gradient with remat block is planned to peak at [\d.]+ TiB, more than /);
  assert.match(r.profileRefusal ?? '', /No remat policy helps/);
  assert.match(r.estimateText ?? '', /standard, remat block \(static plan/);
  assert.match(r.estimateText ?? '', /mixflow, remat block \(static plan/);
  assert.match(r.estimateText ?? '', /extrapolated to 200 layers from exact plans at 2, 3, 4/);
  assert.equal(r.activeTextAfterEstimate, r.estimateText);
});

test('profile panels: one per profile file, opened again it is revealed, Compare Profiles opens a diff panel', () => {
  const r = hostReport();
  const a = 'MixFlow profile: mlp-hyper.standard+mixflow.block.20261129-120000.profile.json';
  assert.deepEqual(r.profileTabs.opened, [a]);
  assert.deepEqual(r.profileTabs.reopened, [a], 'the same panel, not a second one');
  assert.deepEqual(r.profileTabs.compared, [
    'Compare: mlp-hyper.standard+mixflow.block.20261129-120000 ↔ mlp-hyper.standard+mixflow.block.20261130-120000', a,
  ].sort());
});
