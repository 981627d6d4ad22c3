/**
 * MixFlow: Scan Workspace: every Python and TypeScript/JavaScript source in the workspace's
 * folders (walked as `mixflow scan` walks them, honouring .gitignore) is scanned, and each
 * finding becomes an Information diagnostic in the Problems view. Open files get theirs live
 * (liveDiagnostics.ts), and a scanned file's diagnostics follow its edits afterwards.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { COMMANDS } from '../commands.js';
import { walkSources } from '../scanner/walk.js';
import { toDiagnostic } from './findingDiagnostic.js';
import { loadScanner } from './findings.js';
import { registerLiveDiagnostics } from './liveDiagnostics.js';

/** Open documents are scanned as they are in the editor, others as on disk. */
function textOf(path: string): string {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.fileName === path);
  return open ? open.getText() : readFileSync(path, 'utf8');
}

async function scanWorkspace(collection: vscode.DiagnosticCollection, scanned: Set<string>, afterScan: () => void): Promise<void> {
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
      scanned.clear();
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
        scanned.add(uri.toString());
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
  afterScan();
  const text = `MixFlow: ${counts.cancelled ? 'scan cancelled; so far ' : ''}${counts.found} reverse-over-reverse site(s) in ${counts.inFiles} of ${counts.files} files, ${counts.rewritable} rewritable to mixed mode.`;
  if (counts.found > 0 && (await vscode.window.showInformationMessage(text, 'Show Problems'))) {
    await vscode.commands.executeCommand('workbench.actions.view.problems');
  } else if (counts.found === 0) void vscode.window.showInformationMessage(text);
}

export function register(context: vscode.ExtensionContext): void {
  const collection = vscode.languages.createDiagnosticCollection('mixflow');
  /** The files the last scan covered (URI strings). */
  const scanned = new Set<string>();
  context.subscriptions.push(collection);
  const { afterScan } = registerLiveDiagnostics(context, collection, scanned);
  context.subscriptions.push(vscode.commands.registerCommand(COMMANDS.scanWorkspace, () => scanWorkspace(collection, scanned, afterScan)));
}
