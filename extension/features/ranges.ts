/** Scanner positions (1-based lines and columns, 0-based offsets) as editor ranges and edits. */
import * as vscode from 'vscode';
import type { Finding, TextEdit } from '../scanner/index.js';

export function findingRange(f: Pick<Finding, 'line' | 'column' | 'endLine' | 'endColumn'>): vscode.Range {
  return new vscode.Range(f.line - 1, f.column - 1, f.endLine - 1, f.endColumn - 1);
}

/**
 * One WorkspaceEdit for the document: the scanner's offsets index the text it was given,
 * `doc.getText()`. With `preview`, every edit needs confirmation: the editor shows the change in
 * its refactor preview (labelled `preview`) and applies it only when the user accepts.
 */
export function workspaceEdit(doc: vscode.TextDocument, edits: readonly TextEdit[], preview?: string): vscode.WorkspaceEdit {
  const we = new vscode.WorkspaceEdit();
  const range = (e: TextEdit) => new vscode.Range(doc.positionAt(e.range.start.offset), doc.positionAt(e.range.end.offset));
  if (!preview) {
    we.set(doc.uri, edits.map((e) => new vscode.TextEdit(range(e), e.newText)));
    return we;
  }
  const metadata: vscode.WorkspaceEditEntryMetadata = { needsConfirmation: true, label: preview };
  for (const e of edits) we.replace(doc.uri, range(e), e.newText, metadata);
  return we;
}
