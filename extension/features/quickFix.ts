/**
 * Quick fixes on reverse-over-reverse code: "MixFlow: rewrite to mixed mode" (TF.js: "… to a
 * local-HVP backward", see rewriteTarget) on every
 * rewritable finding at the requested lines, applying exactly that finding's edits (as its code
 * lens does) and attached to its diagnostic when the Problems view has one. Blocked findings get
 * no fix; their code lens explains them. Where the inner loss is inline, "Extract inner loss into a
 * function" is offered too (the refactor alone). Off with `mixflow.quickFix.enabled`.
 */
import * as vscode from 'vscode';
import { DIAGNOSTIC_SOURCE, EXTRACT_LOSS_TITLE, SCANNED_LANGUAGES, SETTINGS } from '../commands.js';
import type { Finding } from '../scanner/index.js';
import { findingsFor } from './findings.js';
import { findingRange, workspaceEdit } from './ranges.js';
import { quickFixTitle, rewritableOnLines, uniqueEdits } from './rewritePlan.js';

function enabled(): boolean {
  return vscode.workspace.getConfiguration().get<boolean>(SETTINGS.quickFixEnabled, true);
}

/** The diagnostic diagnostics.ts published for this finding: same source, pattern and range. */
function isDiagnosticOf(d: vscode.Diagnostic, f: Finding): boolean {
  const code = typeof d.code === 'object' ? d.code.value : d.code;
  return d.source === DIAGNOSTIC_SOURCE && code === f.pattern && d.range.isEqual(findingRange(f));
}

class RewriteQuickFixProvider implements vscode.CodeActionProvider {
  provideCodeActions(doc: vscode.TextDocument, range: vscode.Range, context: vscode.CodeActionContext, token: vscode.CancellationToken): vscode.CodeAction[] {
    if (!enabled() || token.isCancellationRequested) return [];
    if (context.only && !vscode.CodeActionKind.QuickFix.intersects(context.only)) return [];
    return rewritableOnLines(findingsFor(doc), range.start.line + 1, range.end.line + 1).flatMap((f) => {
      const action = new vscode.CodeAction(quickFixTitle(f), vscode.CodeActionKind.QuickFix);
      action.edit = workspaceEdit(doc, uniqueEdits([f]));
      action.diagnostics = context.diagnostics.filter((d) => isDiagnosticOf(d, f));
      action.isPreferred = true;
      if (!f.extract) return [action];
      // The refactor alone: the inline inner loss becomes a local function (the maths unchanged).
      const extract = new vscode.CodeAction(EXTRACT_LOSS_TITLE, vscode.CodeActionKind.QuickFix);
      extract.edit = workspaceEdit(doc, f.extract);
      extract.diagnostics = action.diagnostics;
      return [action, extract];
    });
  }
}

export function register(context: vscode.ExtensionContext): void {
  const selector = SCANNED_LANGUAGES.map((language) => ({ language }));
  context.subscriptions.push(
    vscode.languages.registerCodeActionsProvider(selector, new RewriteQuickFixProvider(), { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] }),
  );
}
