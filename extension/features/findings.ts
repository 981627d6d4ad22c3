/**
 * The scanner's findings for open documents, cached by document version so code lenses,
 * decorations and commands scan each version once. The scanner (which brings the TypeScript
 * compiler) is loaded on first use, not at activation.
 */
import * as vscode from 'vscode';
import type { Finding, RewriteOptions, RewriteResult } from '../scanner/index.js';
import { SCANNED_LANGUAGES, SETTINGS } from '../commands.js';

type Scanner = typeof import('../scanner/index.js');
let scanner: Scanner | undefined;

export function loadScanner(): Scanner {
  scanner ??= require('../scanner/index.js') as Scanner;
  return scanner;
}

export function isScanned(doc: vscode.TextDocument): boolean {
  return (SCANNED_LANGUAGES as readonly string[]).includes(doc.languageId) && doc.uri.scheme !== 'output';
}

const EXTENSION: Record<string, string> = { python: '.py', typescript: '.ts', javascript: '.js' };

/** The path the scanner sees: it picks the language from the extension (untitled documents have none). */
function scanPath(doc: vscode.TextDocument): string {
  return /\.(pyi?|[cm]?[jt]sx?)$/.test(doc.fileName) ? doc.fileName : `${doc.fileName}${EXTENSION[doc.languageId] ?? ''}`;
}

/** `mixflow.rewrite.helper`: where rewrites put the MixFlow helper. */
export function rewriteOptions(): RewriteOptions {
  return { helper: vscode.workspace.getConfiguration().get<'inline' | 'module'>(SETTINGS.rewriteHelper, 'inline') === 'module' ? 'module' : 'inline' };
}

const cache = new Map<string, { version: number; helper: string | undefined; findings: Finding[] }>();

/** Findings in the document's current text (empty for languages the scanner does not read). */
export function findingsFor(doc: vscode.TextDocument): Finding[] {
  if (!isScanned(doc)) return [];
  const key = doc.uri.toString();
  const hit = cache.get(key);
  const options = rewriteOptions();
  if (hit && hit.version === doc.version && hit.helper === options.helper) return hit.findings;
  const findings = loadScanner().scanText(scanPath(doc), doc.getText(), options);
  cache.set(key, { version: doc.version, helper: options.helper, findings });
  return findings;
}

export function rewriteDocument(doc: vscode.TextDocument): RewriteResult {
  return loadScanner().rewriteText(scanPath(doc), doc.getText(), rewriteOptions());
}

/** Forgets closed documents. */
export function registerFindingsCache(context: vscode.ExtensionContext): void {
  context.subscriptions.push(vscode.workspace.onDidCloseTextDocument((d) => cache.delete(d.uri.toString())), { dispose: () => cache.clear() });
}
