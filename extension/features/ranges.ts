/** Scanner positions (1-based lines and columns, 0-based offsets) as editor ranges and edits. */
import * as vscode from 'vscode';
import type { Finding, TextEdit } from '../scanner/index.js';

export function findingRange(f: Pick<Finding, 'line' | 'column' | 'endLine' | 'endColumn'>): vscode.Range {
  return new vscode.Range(f.line - 1, f.column - 1, f.endLine - 1, f.endColumn - 1);
}

/** One WorkspaceEdit for the document: the scanner's offsets index the text it was given, `doc.getText()`. */
export function workspaceEdit(doc: vscode.TextDocument, edits: readonly TextEdit[]): vscode.WorkspaceEdit {
  const we = new vscode.WorkspaceEdit();
  we.set(doc.uri, edits.map((e) => new vscode.TextEdit(new vscode.Range(doc.positionAt(e.range.start.offset), doc.positionAt(e.range.end.offset)), e.newText)));
  return we;
}
