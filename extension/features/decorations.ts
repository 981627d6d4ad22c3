/**
 * A dotted underline on reverse-over-reverse code in visible editors, with the finding's
 * explanation (and for rewritable ones a rewrite link) on hover. Off with
 * `mixflow.decorations.enabled`. Colours are theme colours.
 */
import * as vscode from 'vscode';
import { COMMANDS, SETTINGS } from '../commands.js';
import type { Finding } from '../scanner/index.js';
import { findingsFor, isScanned } from './findings.js';
import { findingRange } from './ranges.js';
import { escapeMarkdown, findingKey, rewriteTarget, summary } from './rewritePlan.js';

function enabled(): boolean {
  return vscode.workspace.getConfiguration().get<boolean>(SETTINGS.decorationsEnabled, true);
}

/**
 * The hover: the reason and the fix first (one short paragraph, with the rewrite link), then the
 * detail. Text goes through escapeMarkdown, not appendText, which turns every space into &nbsp;
 * and so stops the hover from wrapping between words.
 */
export function hoverFor(uri: vscode.Uri, f: Finding): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  md.appendMarkdown(`**MixFlow:** ${escapeMarkdown(summary(f))}`);
  if (f.rewritable) {
    const args = encodeURIComponent(JSON.stringify([uri.toString(), findingKey(f)]));
    md.appendMarkdown(` [Rewrite to ${rewriteTarget(f)}](command:${COMMANDS.applyRewrite}?${args})`);
    md.isTrusted = { enabledCommands: [COMMANDS.applyRewrite] };
  }
  md.appendMarkdown(`\n\n---\n\n*${escapeMarkdown(f.message)}.* ${escapeMarkdown(f.explanation)}`);
  return md;
}

export function register(context: vscode.ExtensionContext): void {
  const type = vscode.window.createTextEditorDecorationType({
    borderStyle: 'none none dotted none',
    borderWidth: '0 0 2px 0',
    borderColor: new vscode.ThemeColor('editorInfo.foreground'),
    overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.infoForeground'),
    overviewRulerLane: vscode.OverviewRulerLane.Right,
  });
  const update = (editor: vscode.TextEditor) => {
    if (!isScanned(editor.document)) return;
    const findings = enabled() ? findingsFor(editor.document) : [];
    editor.setDecorations(type, findings.map((f) => ({ range: findingRange(f), hoverMessage: hoverFor(editor.document.uri, f) })));
  };
  const updateAll = () => vscode.window.visibleTextEditors.forEach(update);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const later = (doc: vscode.TextDocument) => {
    clearTimeout(timer);
    timer = setTimeout(() => vscode.window.visibleTextEditors.filter((e) => e.document === doc).forEach(update), 300);
  };
  context.subscriptions.push(
    type,
    { dispose: () => clearTimeout(timer) },
    vscode.window.onDidChangeVisibleTextEditors(updateAll),
    vscode.workspace.onDidChangeTextDocument((e) => later(e.document)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(SETTINGS.decorationsEnabled)) updateAll();
    }),
  );
  updateAll();
}
