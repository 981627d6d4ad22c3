/**
 * Runs inside code-server's extension host (the payload's extensionTestsPath; bundled to
 * dist/test/suite.js of the extension under development), once the UI checks in the same window
 * are done. It only observes, through the VS Code API, what the extension does to the
 * workspace's files, and writes a HostReport beside itself; editor.test.ts asserts on it. Each observation is recorded even when it is wrong, so
 * one failure does not hide the others; `run()` rejects (exit code 1) only when it cannot go on.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { COMMANDS, QUICK_FIX_TITLE, SETTINGS } from '../../../extension/commands.js';
import { FILES, LIVE_EDIT_LINE, PROFILES } from '../workspace.js';
import { REPORT_NAME, UI_DONE_NAME, type DiagnosticSeen, type HostReport, type LensSeen, type LiveSeen } from './report.js';

/** dist/test/suite.js → the extension's folder. */
const EXTENSION_DIR = join(__dirname, '..', '..');

/**
 * Polls `probe` until `done` holds or `timeoutMs` passes, and returns what it saw last either
 * way: the report then shows the wrong value and every other check still runs.
 */
async function settle<T>(probe: () => Promise<T> | T, done: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (done(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function fileUri(name: string): vscode.Uri {
  return vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0]!.uri, name);
}

async function open(name: string): Promise<vscode.TextDocument> {
  const doc = await vscode.workspace.openTextDocument(fileUri(name));
  await vscode.window.showTextDocument(doc);
  return doc;
}

async function lenses(doc: vscode.TextDocument): Promise<LensSeen[]> {
  const all = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri, 100);
  return all
    .filter((l) => l.command?.title.startsWith('MixFlow'))
    .map((l) => ({ line: l.range.start.line + 1, title: l.command!.title, command: l.command!.command, arguments: l.command!.arguments ?? [] }));
}

/** rewritePlan's quickFixTitle for a TF.js site (the suite imports no scanner code). */
const TFJS_QUICK_FIX_TITLE = 'MixFlow: rewrite to a local-HVP backward';

/** The MixFlow rewrite quick fixes with the cursor at the start of `line` (TF.js: "… to a local-HVP backward"). */
async function quickFixesAt(doc: vscode.TextDocument, line: number, title = QUICK_FIX_TITLE): Promise<vscode.CodeAction[]> {
  const range = new vscode.Range(line - 1, 0, line - 1, 0);
  const all = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, range, vscode.CodeActionKind.QuickFix.value);
  return all.filter((a) => a.title === title);
}

async function quickFixLinesOnce(doc: vscode.TextDocument): Promise<number[]> {
  const lines = Array.from({ length: doc.lineCount }, (_, i) => i + 1);
  const offered = await Promise.all(lines.map(async (line) => (await quickFixesAt(doc, line)).length > 0));
  return lines.filter((_, i) => offered[i]);
}

/**
 * The lines where the quick fix is offered, read twice 300 ms apart and merged: the workbench
 * cancels code-action requests in flight when providers come or go, and a cancelled one comes
 * back empty, so a single reading could miss a fix.
 */
async function quickFixLines(doc: vscode.TextDocument): Promise<number[]> {
  const first = await quickFixLinesOnce(doc);
  await new Promise((r) => setTimeout(r, 300));
  return [...new Set([...first, ...(await quickFixLinesOnce(doc))])].sort((a, b) => a - b);
}

/** An action as the workbench sees it: `vscode.executeCodeActionProvider` drops `diagnostics` when it converts actions back. */
interface WorkbenchCodeAction {
  readonly title: string;
  readonly diagnostics?: { source?: string; code?: string | { value: string }; startLineNumber: number }[];
}

/**
 * The diagnostics the quick fix is attached to, as the light bulb and Problems view get them:
 * from `_executeCodeActionProvider`, the workbench command behind `vscode.executeCodeActionProvider`
 * (internal, so pinned by the code-server version .ci/code-server.sh installs), which gathers
 * the markers at the range and keeps each action's diagnostics.
 */
async function diagnosticsOfQuickFix(doc: vscode.TextDocument, range: vscode.Range): Promise<DiagnosticSeen[]> {
  const actions = await vscode.commands.executeCommand<WorkbenchCodeAction[]>('_executeCodeActionProvider', doc.uri, range, vscode.CodeActionKind.QuickFix.value);
  const fix = actions.find((a) => a.title === QUICK_FIX_TITLE);
  return (fix?.diagnostics ?? []).map((d) => ({ source: d.source, code: typeof d.code === 'object' ? d.code.value : d.code, line: d.startLineNumber }));
}

function seen(d: vscode.Diagnostic): DiagnosticSeen {
  return { source: d.source, code: typeof d.code === 'object' ? String(d.code.value) : d.code === undefined ? undefined : String(d.code), line: d.range.start.line + 1 };
}

async function setSetting(key: string, value: boolean | undefined): Promise<void> {
  await vscode.workspace.getConfiguration().update(key, value, vscode.ConfigurationTarget.Global);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const diagnosticsOf = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).map(seen);

/**
 * Live diagnostics, before any scan: they appear when a file opens, go when an edit removes the
 * finding, come back on undo, leave when the file closes; with the setting off a newly opened
 * file gets none until it is turned on again.
 */
async function liveDiagnostics(): Promise<LiveSeen> {
  let t0 = Date.now();
  const doc = await open(FILES.hostLive);
  const onOpen = await settle(() => diagnosticsOf(doc.uri), (d) => d.length > 0);
  const msToAppear = Date.now() - t0;
  const line = onOpen[0]?.line ?? 1;
  const edit = new vscode.WorkspaceEdit();
  edit.replace(doc.uri, doc.lineAt(line - 1).range, LIVE_EDIT_LINE);
  t0 = Date.now();
  await vscode.workspace.applyEdit(edit);
  const afterEdit = await settle(() => diagnosticsOf(doc.uri), (d) => d.length === 0);
  const msToClear = Date.now() - t0;
  const textAfterEdit = doc.getText();
  await vscode.commands.executeCommand('undo');
  const afterUndo = await settle(() => diagnosticsOf(doc.uri), (d) => d.length > 0);
  await vscode.commands.executeCommand('workbench.action.files.revert');
  await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  const afterClose = await settle(() => diagnosticsOf(doc.uri), (d) => d.length === 0);

  await setSetting(SETTINGS.diagnosticsLive, false);
  const offDoc = await open(FILES.hostLiveOff);
  await sleep(1500);
  const whenOff = diagnosticsOf(offDoc.uri);
  await setSetting(SETTINGS.diagnosticsLive, undefined);
  const whenOnAgain = await settle(() => diagnosticsOf(offDoc.uri), (d) => d.length > 0);
  return { onOpen, msToAppear, afterEdit, textAfterEdit, msToClear, afterUndo, afterClose, whenOff, whenOnAgain };
}

export async function run(): Promise<void> {
  const uiDone = await settle(() => existsSync(join(EXTENSION_DIR, UI_DONE_NAME)), (done) => done, 120_000);
  if (!uiDone) throw new Error(`${UI_DONE_NAME} did not appear: the UI checks never finished`);
  const extension = vscode.extensions.all.find((e) => e.extensionUri.fsPath === EXTENSION_DIR);
  if (!extension) throw new Error(`the extension under development (${EXTENSION_DIR}) is not loaded`);
  // The defaults, whatever an earlier window left in the user settings.
  await setSetting(SETTINGS.codeLensEnabled, undefined);
  await setSetting(SETTINGS.quickFixEnabled, undefined);
  await setSetting(SETTINGS.diagnosticsLive, undefined);
  // The API checks apply rewrites directly; the UI checks go through the refactor preview.
  await setSetting(SETTINGS.rewritePreview, false);

  // Code lenses on the rewritable and the blocked site (opening a Python file activates the extension).
  const lensDoc = await open(FILES.hostLens);
  await extension.activate();
  const live = await liveDiagnostics();
  const lensesSeen: Record<string, LensSeen[]> = { [FILES.hostLens]: await settle(() => lenses(lensDoc), (l) => l.length > 0) };
  const blockedDoc = await open(FILES.blocked);
  lensesSeen[FILES.blocked] = await settle(() => lenses(blockedDoc), (l) => l.length > 0);

  // The rewritable site's lens runs its command with its arguments, as a click does.
  const lens = lensesSeen[FILES.hostLens]![0];
  if (lens) await vscode.commands.executeCommand(lens.command, ...lens.arguments);
  const textAfterLensCommand = lensDoc.getText();

  // Quick fixes: on which lines they are offered, and what applying one does.
  const fixDoc = await open(FILES.hostQuickFix);
  const fixLines: Record<string, number[]> = {
    [FILES.hostQuickFix]: await settle(() => quickFixLines(fixDoc), (l) => l.length > 0),
    [FILES.blocked]: await quickFixLines(blockedDoc),
  };
  const [fix] = await settle(() => quickFixesAt(fixDoc, fixLines[FILES.hostQuickFix]![0] ?? 1), (a) => a.length > 0);
  if (fix?.edit) await vscode.workspace.applyEdit(fix.edit);
  const textAfterQuickFix = fixDoc.getText();

  // The whole-file command (every site rewritable, so it does not wait on a message's button).
  const fileDoc = await open(FILES.hostRewriteFile);
  const original = fileDoc.getText();
  await vscode.commands.executeCommand(COMMANDS.rewriteFile, fileDoc.uri);
  const textAfterRewriteFile = await settle(() => fileDoc.getText(), (t) => t !== original);

  // A TF.js file: the lens and the quick fix say what its rewrite is; the lens's command rewrites it.
  const tfjsDoc = await open(FILES.hostTfjs);
  const tfjsLenses = await settle(() => lenses(tfjsDoc), (l) => l.length > 0);
  const tfjsFixes = await settle(() => quickFixesAt(tfjsDoc, tfjsLenses[0]?.line ?? 1, TFJS_QUICK_FIX_TITLE), (a) => a.length > 0);
  const tfjsOriginal = tfjsDoc.getText();
  if (tfjsLenses[0]) await vscode.commands.executeCommand(tfjsLenses[0].command, ...tfjsLenses[0].arguments);
  const tfjs = {
    lenses: tfjsLenses, quickFixTitles: tfjsFixes.map((a) => a.title),
    textAfterLensCommand: await settle(() => tfjsDoc.getText(), (t) => t !== tfjsOriginal),
  };

  // Scan Workspace publishes diagnostics; the quick fix is attached to the site's one. The command
  // ends by waiting on a notification's button, so it is not awaited.
  const diagDoc = await open(FILES.hostDiagnostics);
  void vscode.commands.executeCommand(COMMANDS.scanWorkspace);
  const published = await settle(() => vscode.languages.getDiagnostics(diagDoc.uri), (d) => d.length > 0);
  const diagnostics = published.map(seen);
  const quickFixDiagnostics = published[0] ? await settle(() => diagnosticsOfQuickFix(diagDoc, published[0]!.range), (d) => d.length > 0) : [];
  const scanClosedDiagnostics = await settle(() => diagnosticsOf(fileUri(FILES.hostScanClosed)), (d) => d.length > 0);

  // Settings: code lenses and quick fixes off, then the lenses back on.
  const settingsDoc = await open(FILES.hostSettings);
  await settle(() => lenses(settingsDoc), (l) => l.length > 0);
  await setSetting(SETTINGS.codeLensEnabled, false);
  await setSetting(SETTINGS.quickFixEnabled, false);
  await settle(() => lenses(settingsDoc), (l) => l.length === 0);
  await new Promise((r) => setTimeout(r, 300));
  const lensesWhenOff = await lenses(settingsDoc); // a second reading: an empty one may be a cancelled request
  const quickFixLinesWhenOff = await quickFixLines(settingsDoc);
  await setSetting(SETTINGS.codeLensEnabled, undefined);
  await setSetting(SETTINGS.quickFixEnabled, undefined);
  await setSetting(SETTINGS.rewritePreview, undefined);
  const lensesWhenOnAgain = await settle(() => lenses(settingsDoc), (l) => l.length > 0);

  // New Setup from Model… on the .onnx file (as the Explorer's context menu passes its URI).
  await vscode.commands.executeCommand(COMMANDS.newSetupFromModel, fileUri(FILES.onnxModel));
  const newSetupText = await settle(async () => {
    try {
      return new TextDecoder().decode(await vscode.workspace.fs.readFile(fileUri(FILES.onnxSetup)));
    } catch {
      return null;
    }
  }, (t) => t !== null);
  const activeAfterNewSetup = vscode.window.activeTextEditor?.document.uri.path.split('/').pop();
  // A setup that cannot fit: profiling is refused before it runs; its estimate opens instead.
  let profileRefusal: string | null;
  try {
    const outcome = await vscode.commands.executeCommand<{ refused?: string } | undefined>(COMMANDS.profileSetup, fileUri(FILES.absurdSetup));
    profileRefusal = outcome?.refused ?? `resolved to ${JSON.stringify(outcome)}`;
  } catch (e) {
    profileRefusal = `threw ${(e as Error).message}`;
  }
  let estimateText: string | null = null;
  try {
    estimateText = (await vscode.commands.executeCommand<string | undefined>(COMMANDS.estimateSetup, fileUri(FILES.absurdSetup))) ?? null;
  } catch (e) {
    estimateText = `threw ${(e as Error).message}`;
  }
  const activeTextAfterEstimate = vscode.window.activeTextEditor?.document.getText() ?? null;
  // Profile panels: one per profile (opening it again reveals it), one more for a comparison.
  const allProfileTabs = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs)
    .filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('mixflow.profile')).map((t) => t.label);
  const earlier = new Set(allProfileTabs()); // the UI checks' panel
  const profileTabs = () => allProfileTabs().filter((l) => !earlier.has(l)).sort();
  await vscode.commands.executeCommand(COMMANDS.openProfile, fileUri(PROFILES[0]));
  const opened = await settle(profileTabs, (t) => t.length === 1);
  await vscode.commands.executeCommand(COMMANDS.openProfile, fileUri(PROFILES[0]));
  await new Promise((r) => setTimeout(r, 300));
  const reopened = profileTabs();
  await vscode.commands.executeCommand(COMMANDS.compareProfiles, fileUri(PROFILES[0]), fileUri(PROFILES[1]));
  const compared = await settle(profileTabs, (t) => t.length === 2);

  const report: HostReport = {
    contributed: extension.packageJSON.contributes.commands,
    registered: (await vscode.commands.getCommands(true)).filter((c) => c.startsWith('mixflow.')).sort(),
    lenses: lensesSeen,
    quickFixLines: fixLines,
    textAfterQuickFix,
    textAfterLensCommand,
    textAfterRewriteFile,
    tfjs,
    diagnostics,
    quickFixDiagnostics,
    scanClosedDiagnostics,
    live,
    lensesWhenOff,
    lensesWhenOnAgain,
    quickFixLinesWhenOff,
    newSetupText,
    activeAfterNewSetup,
    profileRefusal,
    estimateText,
    activeTextAfterEstimate,
    profileTabs: { opened, reopened, compared },
  };
  writeFileSync(join(EXTENSION_DIR, REPORT_NAME), JSON.stringify(report, null, 2));
}
