/**
 * Code lenses above reverse-over-reverse code: "rewrite to mixed mode" on rewritable findings,
 * "explain" on the others. `provideCodeLenses` only places lenses (the scan is cached per
 * document version); `resolveCodeLens` gives them their commands. Off with
 * `mixflow.codeLens.enabled`.
 */
import * as vscode from 'vscode';
import { COMMANDS, SCANNED_LANGUAGES, SETTINGS } from '../commands.js';
import type { Finding } from '../scanner/index.js';
import { findingsFor } from './findings.js';
import { findingRange } from './ranges.js';
import { findingKey, lensTitle } from './rewritePlan.js';

class FindingLens extends vscode.CodeLens {
  constructor(readonly uri: vscode.Uri, readonly finding: Finding) {
    super(findingRange(finding));
  }
}

export function codeLensesEnabled(): boolean {
  return vscode.workspace.getConfiguration().get<boolean>(SETTINGS.codeLensEnabled, true);
}

class FindingLensProvider implements vscode.CodeLensProvider<FindingLens> {
  readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  provideCodeLenses(doc: vscode.TextDocument, token: vscode.CancellationToken): FindingLens[] {
    if (!codeLensesEnabled() || token.isCancellationRequested) return [];
    return findingsFor(doc).map((f) => new FindingLens(doc.uri, f));
  }

  resolveCodeLens(lens: FindingLens): FindingLens {
    const f = lens.finding;
    lens.command = {
      title: lensTitle(f),
      tooltip: f.rewritable ? `${f.message}. Rewrites this site with forward-over-reverse (same numbers, less memory).` : f.message,
      command: f.rewritable ? COMMANDS.applyRewrite : COMMANDS.explainFinding,
      arguments: [lens.uri.toString(), findingKey(f)],
    };
    return lens;
  }
}

export function register(context: vscode.ExtensionContext): void {
  const provider = new FindingLensProvider();
  const selector = SCANNED_LANGUAGES.map((language) => ({ language }));
  context.subscriptions.push(
    provider.changed,
    vscode.languages.registerCodeLensProvider(selector, provider),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(SETTINGS.codeLensEnabled)) provider.changed.fire();
    }),
  );
}
