/** A scanner finding as the Information diagnostic the Problems view shows (the quick fix matches its source, code and range). */
import * as vscode from 'vscode';
import { DIAGNOSTIC_SOURCE } from '../commands.js';
import type { Finding } from '../scanner/index.js';
import { findingRange } from './ranges.js';
import { summary } from './rewritePlan.js';

export function toDiagnostic(uri: vscode.Uri, f: Finding): vscode.Diagnostic {
  const d = new vscode.Diagnostic(findingRange(f), summary(f), vscode.DiagnosticSeverity.Information);
  d.source = DIAGNOSTIC_SOURCE;
  d.code = f.pattern;
  d.relatedInformation = f.blockers.map((b) => new vscode.DiagnosticRelatedInformation(
    new vscode.Location(uri, new vscode.Position(b.line - 1, b.column - 1)), `not rewritable: ${b.message}`));
  return d;
}
