/**
 * Rewriting to mixed mode in the editor: one site (the code lens's target, or the finding at
 * the cursor) or the whole file. Only the scanner's edits are applied, as one undoable
 * WorkspaceEdit, shown first as a diff the user accepts (setting `mixflow.rewrite.preview`; the
 * cursor then stays at the site); sites it cannot rewrite without changing the maths are explained instead.
 */
import * as vscode from 'vscode';
import { COMMANDS, SETTINGS } from '../commands.js';
import { confirmRewrite } from './rewritePreview.js';
import { output } from '../output.js';
import type { Finding, TextEdit } from '../scanner/index.js';
import { findingsFor, isScanned, loadScanner, rewriteDocument } from './findings.js';
import { workspaceEdit } from './ranges.js';
import { applyTextEdits, summary, findByKey, findingAtLine, isFindingKey, planFileRewrite, uniqueEdits } from './rewritePlan.js';

/** The document a command is for: the one named by the argument, else the active editor's. */
async function targetDocument(uri: unknown): Promise<vscode.TextDocument | undefined> {
  if (typeof uri === 'string') return vscode.workspace.openTextDocument(vscode.Uri.parse(uri, true));
  if (uri instanceof vscode.Uri) return vscode.workspace.openTextDocument(uri);
  const doc = vscode.window.activeTextEditor?.document;
  if (!doc || !isScanned(doc)) {
    void vscode.window.showInformationMessage('MixFlow: open a Python, TypeScript or JavaScript file first.');
    return undefined;
  }
  return doc;
}

/** The finding a command is for: the code lens's key, else the one at the cursor. */
function targetFinding(doc: vscode.TextDocument, key: unknown): Finding | undefined {
  const findings = findingsFor(doc);
  if (isFindingKey(key)) {
    const f = findByKey(findings, key);
    if (!f) void vscode.window.showWarningMessage('MixFlow: the code has changed since this lens was shown; nothing was rewritten.');
    return f;
  }
  const editor = vscode.window.activeTextEditor;
  const f = editor?.document === doc ? findingAtLine(findings, editor.selection.active.line + 1) : undefined;
  if (!f) void vscode.window.showInformationMessage('MixFlow: no reverse-over-reverse meta-gradient code at the cursor.');
  return f;
}

/** The reason and the fix first, the detail below. */
async function explain(f: Finding): Promise<void> {
  await vscode.window.showInformationMessage(`MixFlow: ${summary(f)}`, { modal: true, detail: `${f.message}. ${f.explanation}` });
}

/** `mixflow.rewrite.preview`: show the rewrite as a diff and ask before changing the file. */
function previewEnabled(): boolean {
  return vscode.workspace.getConfiguration().get<boolean>(SETTINGS.rewritePreview, true);
}

/** With `mixflow.rewrite.helper` = module, the rewrite also creates mixflow_mg.py beside the file (kept if it exists). */
function addHelperModule(we: vscode.WorkspaceEdit, doc: vscode.TextDocument, edits: readonly TextEdit[]): void {
  const module = loadScanner().helperModuleFor(applyTextEdits(doc.getText(), edits));
  if (!module || doc.uri.scheme !== 'file') return;
  const target = vscode.Uri.joinPath(doc.uri, '..', module.name);
  we.createFile(target, { ignoreIfExists: true, contents: new TextEncoder().encode(module.text) });
}

/** Where the site's first character is once `edits` are applied (inserted helpers move it down). */
function shiftedOffset(offset: number, edits: readonly TextEdit[]): number {
  let shift = 0;
  for (const e of edits) if (e.range.end.offset <= offset && e.range.start.offset < offset) shift += e.newText.length - (e.range.end.offset - e.range.start.offset);
  return offset + shift;
}

async function applyRewrite(uri?: unknown, key?: unknown): Promise<void> {
  const doc = await targetDocument(uri);
  const f = doc && targetFinding(doc, key);
  if (!doc || !f) return;
  if (!f.rewritable) return explain(f);
  const edits = uniqueEdits([f]);
  // A preview first: the file changes only when the user accepts the diff.
  if (previewEnabled() && !(await confirmRewrite(doc, edits))) return;
  const we = workspaceEdit(doc, edits);
  addHelperModule(we, doc, edits);
  const site = doc.offsetAt(new vscode.Position(f.line - 1, f.column - 1));
  if (!(await vscode.workspace.applyEdit(we))) {
    void vscode.window.showErrorMessage('MixFlow: the editor refused the rewrite; nothing was changed.');
    return;
  }
  // The cursor stays at the rewritten site.
  const editor = await vscode.window.showTextDocument(doc, { preserveFocus: false });
  const at = doc.positionAt(shiftedOffset(site, edits));
  editor.selection = new vscode.Selection(at, at);
  editor.revealRange(new vscode.Range(at, at), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}

async function explainFinding(uri?: unknown, key?: unknown): Promise<void> {
  const doc = await targetDocument(uri);
  const f = doc && targetFinding(doc, key);
  if (f) await explain(f);
}

async function rewriteFile(uri?: unknown): Promise<void> {
  const doc = await targetDocument(uri);
  if (!doc) return;
  const plan = planFileRewrite(doc.getText(), rewriteDocument(doc));
  if ('error' in plan) {
    void vscode.window.showWarningMessage(`MixFlow: ${vscode.workspace.asRelativePath(doc.uri)}: ${plan.error}.`);
    return;
  }
  if (previewEnabled() && !(await confirmRewrite(doc, plan.edits))) return;
  const we = workspaceEdit(doc, plan.edits);
  addHelperModule(we, doc, plan.edits);
  if (!(await vscode.workspace.applyEdit(we))) {
    void vscode.window.showErrorMessage('MixFlow: the editor refused the rewrite; nothing was changed.');
    return;
  }
  for (const f of plan.notRewritten) output().appendLine(`${doc.fileName}:${f.line}:${f.column}: ${f.pattern}: not rewritten. ${f.explanation}`);
  const left = plan.notRewritten.length;
  const text = `MixFlow: rewrote ${plan.applied} site(s) to mixed mode${left ? `; ${left} left as they were` : ''}.`;
  if (left && (await vscode.window.showInformationMessage(text, 'Why?'))) output().show(true);
  else if (!left) void vscode.window.showInformationMessage(text);
}

export function register(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(COMMANDS.applyRewrite, applyRewrite),
    vscode.commands.registerCommand(COMMANDS.explainFinding, explainFinding),
    vscode.commands.registerCommand(COMMANDS.rewriteFile, rewriteFile),
  );
}
