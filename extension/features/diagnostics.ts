/**
 * MixFlow: Scan Workspace: every Python and TypeScript/JavaScript source in the workspace's
 * folders (walked as `mixflow scan` walks them, honouring .gitignore) is scanned, and each
 * finding becomes an Information diagnostic in the Problems view. A file's diagnostics follow
 * its edits afterwards.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { COMMANDS, DIAGNOSTIC_SOURCE } from '../commands.js';
import type { Finding } from '../scanner/index.js';
import { walkSources } from '../scanner/walk.js';
import { findingsFor, loadScanner } from './findings.js';
import { findingRange } from './ranges.js';
import { summary } from './rewritePlan.js';

function toDiagnostic(uri: vscode.Uri, f: Finding): vscode.Diagnostic {
  const d = new vscode.Diagnostic(findingRange(f), summary(f), vscode.DiagnosticSeverity.Information);
  d.source = DIAGNOSTIC_SOURCE;
  d.code = f.pattern;
  d.relatedInformation = f.blockers.map((b) => new vscode.DiagnosticRelatedInformation(
    new vscode.Location(uri, new vscode.Position(b.line - 1, b.column - 1)), `not rewritable: ${b.message}`));
  return d;
}

/** Open documents are scanned as they are in the editor, others as on disk. */
function textOf(path: string): string {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.fileName === path);
  return open ? open.getText() : readFileSync(path, 'utf8');
}

async function scanWorkspace(collection: vscode.DiagnosticCollection): Promise<void> {
  const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
  if (folders.length === 0) {
    void vscode.window.showInformationMessage('MixFlow: open a folder to scan.');
    return;
  }
  const counts = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'MixFlow: scanning for reverse-over-reverse code', cancellable: true },
    async (progress, token) => {
      const files = folders.flatMap((f) => walkSources(f.uri.fsPath).map((rel) => join(f.uri.fsPath, rel)));
      const { scanText } = loadScanner();
      collection.clear();
      let found = 0;
      let rewritable = 0;
      let inFiles = 0;
      for (const [i, path] of files.entries()) {
        if (token.isCancellationRequested) break;
        if (i % 20 === 0) {
          progress.report({ message: `${i} of ${files.length} files`, increment: (100 * 20) / Math.max(1, files.length) });
          await new Promise((r) => setImmediate(r));
        }
        const uri = vscode.Uri.file(path);
        const findings = scanText(path, textOf(path));
        if (findings.length === 0) continue;
        collection.set(uri, findings.map((f) => toDiagnostic(uri, f)));
        found += findings.length;
        rewritable += findings.filter((f) => f.rewritable).length;
        inFiles++;
      }
      return { files: files.length, found, rewritable, inFiles, cancelled: token.isCancellationRequested };
    },
  );
  const text = `MixFlow: ${counts.cancelled ? 'scan cancelled; so far ' : ''}${counts.found} reverse-over-reverse site(s) in ${counts.inFiles} of ${counts.files} files, ${counts.rewritable} rewritable to mixed mode.`;
  if (counts.found > 0 && (await vscode.window.showInformationMessage(text, 'Show Problems'))) {
    await vscode.commands.executeCommand('workbench.actions.view.problems');
  } else if (counts.found === 0) void vscode.window.showInformationMessage(text);
}

export function register(context: vscode.ExtensionContext): void {
  const collection = vscode.languages.createDiagnosticCollection('mixflow');
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  const refresh = (doc: vscode.TextDocument) => {
    const key = doc.uri.toString();
    clearTimeout(timers.get(key));
    timers.set(key, setTimeout(() => {
      timers.delete(key);
      collection.set(doc.uri, findingsFor(doc).map((f) => toDiagnostic(doc.uri, f)));
    }, 400));
  };
  context.subscriptions.push(
    collection,
    { dispose: () => timers.forEach((t) => clearTimeout(t)) },
    vscode.commands.registerCommand(COMMANDS.scanWorkspace, () => scanWorkspace(collection)),
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (collection.has(e.document.uri)) refresh(e.document);
    }),
  );
}
