/**
 * Rewriting to mixed mode in the editor: one site (the code lens's target, or the finding at
 * the cursor) or the whole file. Only the scanner's edits are applied, as one undoable
 * WorkspaceEdit; sites it cannot rewrite without changing the maths are explained instead.
 */
import * as vscode from 'vscode';
import { COMMANDS } from '../commands.js';
import { output } from '../output.js';
import type { Finding } from '../scanner/index.js';
import { findingsFor, isScanned, rewriteDocument } from './findings.js';
import { workspaceEdit } from './ranges.js';
import { findByKey, findingAtLine, isFindingKey, planFileRewrite, uniqueEdits } from './rewritePlan.js';

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

async function explain(f: Finding): Promise<void> {
  const blockers = f.blockers.map((b) => `\n\nNot rewritable: ${b.message} (line ${b.line}).`).join('');
  await vscode.window.showInformationMessage(`MixFlow: ${f.message}`, { modal: true, detail: `${f.explanation}${blockers}` });
}

async function applyRewrite(uri?: unknown, key?: unknown): Promise<void> {
  const doc = await targetDocument(uri);
  const f = doc && targetFinding(doc, key);
  if (!doc || !f) return;
  if (!f.rewritable) return explain(f);
  const ok = await vscode.workspace.applyEdit(workspaceEdit(doc, uniqueEdits([f])));
  if (!ok) void vscode.window.showErrorMessage('MixFlow: the editor refused the rewrite; nothing was changed.');
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
  if (!(await vscode.workspace.applyEdit(workspaceEdit(doc, plan.edits)))) {
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
