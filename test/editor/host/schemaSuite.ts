/**
 * Runs in code-server's extension host for setupSchema.test.ts (bundled to dist/test/suite.js of
 * the extension under development, in a window with VS Code's JSON language features): opens the
 * setups of the workspace and writes what the editor shows for them, through the API, as a
 * SchemaReport beside itself.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { SCHEMA_FILES, SCHEMA_REPORT_NAME, type SchemaDiagnostic, type SchemaReport } from './schemaReport.js';

const EXTENSION_DIR = join(__dirname, '..', '..');

async function settle<T>(probe: () => Promise<T> | T, done: (v: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (done(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function open(name: string): Promise<vscode.TextDocument> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0]!.uri, name));
  await vscode.window.showTextDocument(doc);
  return doc;
}

const diagnostics = (doc: vscode.TextDocument): SchemaDiagnostic[] => vscode.languages.getDiagnostics(doc.uri)
  .map((d) => ({ line: d.range.start.line + 1, message: d.message, severity: vscode.DiagnosticSeverity[d.severity], source: d.source }));

/** The completion labels offered at the first `|` of the file (removed from the document first). */
async function completionsAtMarker(name: string): Promise<string[]> {
  const doc = await open(name);
  const offset = doc.getText().indexOf('|');
  const edit = new vscode.WorkspaceEdit();
  edit.delete(doc.uri, new vscode.Range(doc.positionAt(offset), doc.positionAt(offset + 1)));
  await vscode.workspace.applyEdit(edit);
  const labels = async () => {
    const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', doc.uri, doc.positionAt(offset));
    return list.items.filter((i) => i.kind !== vscode.CompletionItemKind.Text) // the editor's word-based guesses
      .map((i) => (typeof i.label === 'string' ? i.label : i.label.label).replace(/^"|"$/g, ''));
  };
  return settle(labels, (l) => l.length > 0, 20_000);
}

export async function run(): Promise<void> {
  const typo = await open(SCHEMA_FILES.typo);
  // The JSON language server starts with the first JSON document: give it time, then the others are quick.
  const typoSeen = await settle(() => diagnostics(typo), (d) => d.length >= 2, 40_000);
  const valid = await open(SCHEMA_FILES.valid);
  const other = await open(SCHEMA_FILES.other);
  await new Promise((r) => setTimeout(r, 2000));
  const report: SchemaReport = {
    typo: typoSeen,
    valid: diagnostics(valid),
    other: diagnostics(other),
    rootCompletions: await completionsAtMarker(SCHEMA_FILES.completeRoot),
    kindCompletions: await completionsAtMarker(SCHEMA_FILES.completeKind),
  };
  writeFileSync(join(EXTENSION_DIR, SCHEMA_REPORT_NAME), JSON.stringify(report, null, 2));
}
