/**
 * The MixFlow Studio extension: code lenses, decorations and diagnostics from the
 * reverse-over-reverse scanner, rewriting to mixed mode (commands and a quick fix), and the
 * memory profiler's panel.
 * Each feature registers itself and pushes every disposable into `context.subscriptions`.
 * No telemetry.
 */
import type * as vscode from 'vscode';
import { register as registerCodeLens } from './features/codeLens.js';
import { register as registerDecorations } from './features/decorations.js';
import { register as registerDiagnostics } from './features/diagnostics.js';
import { register as registerExport } from './features/exportSetup.js';
import { register as registerNewSetup } from './features/newSetup.js';
import { registerFindingsCache } from './features/findings.js';
import { register as registerProfiler } from './features/profileRunner.js';
import { register as registerQuickFix } from './features/quickFix.js';
import { register as registerRewrite } from './features/rewrite.js';
import { registerPreview } from './features/rewritePreview.js';
import { outputDisposable } from './output.js';

export function activate(context: vscode.ExtensionContext): void {
  context.subscriptions.push(outputDisposable);
  registerFindingsCache(context);
  registerCodeLens(context);
  registerDecorations(context);
  registerDiagnostics(context);
  registerRewrite(context);
  registerPreview(context);
  registerQuickFix(context);
  registerProfiler(context);
  registerExport(context);
  registerNewSetup(context);
}

export function deactivate(): void {}
