/**
 * Live diagnostics: an open Python or TypeScript/JavaScript file's findings are in the Problems
 * view as soon as it is opened or changed (debounced), without a workspace scan, and leave when
 * it is closed; a file the last MixFlow: Scan Workspace covered then shows its findings on disk
 * again. Off with `mixflow.diagnostics.live`: then only files that already have diagnostics (from
 * a scan) follow their edits.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { LIVE_DEBOUNCE_MS, SETTINGS } from '../commands.js';
import { toDiagnostic } from './findingDiagnostic.js';
import { findingsFor, isScanned, loadScanner } from './findings.js';

export function liveDiagnosticsEnabled(): boolean {
  return vscode.workspace.getConfiguration().get<boolean>(SETTINGS.diagnosticsLive, true);
}

/** Documents of files and unsaved buffers: not git's or a diff's copies of the same file. */
function isLive(doc: vscode.TextDocument): boolean {
  return isScanned(doc) && (doc.uri.scheme === 'file' || doc.uri.scheme === 'untitled');
}

/**
 * The URIs (as strings) open in an editor tab or visible. A document outlives its last tab (the
 * workbench disposes it later, if ever, when an extension holds it), so "open" is about tabs.
 */
function shownUris(): Set<string> {
  return new Set([...tabUris(), ...vscode.window.visibleTextEditors.map((e) => e.document.uri.toString())]);
}

/** The URIs of the text tabs (when a tab closes, the visible editors may not have caught up yet). */
function tabUris(): Set<string> {
  return new Set(vscode.window.tabGroups.all.flatMap((g) => g.tabs).flatMap((t) => (t.input instanceof vscode.TabInputText ? [t.input.uri.toString()] : [])));
}

/**
 * Keeps `collection` up to date with the documents open in editors. `scanned` holds the URIs (as
 * strings) the last workspace scan covered; `afterScan` is called by the scan when it has
 * replaced the collection, so open documents show their editor text again.
 */
export function registerLiveDiagnostics(context: vscode.ExtensionContext, collection: vscode.DiagnosticCollection, scanned: ReadonlySet<string>): { afterScan: () => void } {
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Live: shown with the setting on. Otherwise only a document with diagnostics already (from a scan) follows its text. */
  const publish = (doc: vscode.TextDocument) => {
    if (doc.isClosed || !isLive(doc)) return;
    const live = liveDiagnosticsEnabled() && shownUris().has(doc.uri.toString());
    if (!live && !collection.has(doc.uri)) return;
    const findings = findingsFor(doc);
    if (findings.length) collection.set(doc.uri, findings.map((f) => toDiagnostic(doc.uri, f)));
    else collection.delete(doc.uri);
  };
  const later = (doc: vscode.TextDocument) => {
    const key = doc.uri.toString();
    clearTimeout(timers.get(key));
    timers.set(key, setTimeout(() => {
      timers.delete(key);
      publish(doc);
    }, LIVE_DEBOUNCE_MS));
  };
  const shownDocs = () => {
    const shown = shownUris();
    return vscode.workspace.textDocuments.filter((d) => isLive(d) && shown.has(d.uri.toString()));
  };

  /** No longer in an editor: its findings on disk if the last scan covered it, else none. */
  const closed = (uri: vscode.Uri) => {
    const key = uri.toString();
    clearTimeout(timers.get(key));
    timers.delete(key);
    if (uri.scheme === 'file' && scanned.has(key) && existsSync(uri.fsPath)) {
      const findings = loadScanner().scanText(uri.fsPath, readFileSync(uri.fsPath, 'utf8'));
      collection.set(uri, findings.map((f) => toDiagnostic(uri, f)));
    } else collection.delete(uri);
  };

  context.subscriptions.push(
    { dispose: () => timers.forEach((t) => clearTimeout(t)) },
    vscode.workspace.onDidOpenTextDocument((doc) => {
      if (liveDiagnosticsEnabled()) later(doc);
    }),
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.contentChanges.length) later(e.document);
    }),
    vscode.window.tabGroups.onDidChangeTabs((e) => {
      const shown = tabUris();
      for (const tab of e.closed) {
        if (tab.input instanceof vscode.TabInputText && !shown.has(tab.input.uri.toString())) closed(tab.input.uri);
      }
      if (e.opened.length && liveDiagnosticsEnabled()) shownDocs().forEach(later); // a tab opened on a document that outlived its last one
    }),
    vscode.workspace.onDidCloseTextDocument((doc) => {
      if (isLive(doc)) closed(doc.uri);
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration(SETTINGS.diagnosticsLive)) return;
      if (liveDiagnosticsEnabled()) shownDocs().forEach(later);
      else shownDocs().filter((d) => !scanned.has(d.uri.toString())).forEach((d) => collection.delete(d.uri));
    }),
  );
  if (liveDiagnosticsEnabled()) shownDocs().forEach(later); // what was open before activation
  return { afterScan: () => (liveDiagnosticsEnabled() ? shownDocs().forEach(later) : undefined) };
}
