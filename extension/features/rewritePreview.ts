/**
 * The rewrite's preview: a diff of the document against its rewritten text (served read-only
 * from memory under the `mixflow-preview:` scheme) with an Apply action in the diff's title bar
 * (command `mixflow.applyPreviewedRewrite`). Nothing changes unless the user applies; closing
 * the diff declines.
 */
import * as vscode from 'vscode';
import { COMMANDS } from '../commands.js';
import type { TextEdit } from '../scanner/index.js';
import { applyTextEdits } from './rewritePlan.js';

export const PREVIEW_SCHEME = 'mixflow-preview';
const texts = new Map<string, string>();
/** Open previews: the preview URI -> how to answer the rewrite waiting on it. */
const pending = new Map<string, (accepted: boolean) => void>();
/** Previews whose diff has appeared. */
const shown = new Set<string>();
let counter = 0;

class PreviewContent implements vscode.TextDocumentContentProvider {
  provideTextDocumentContent(uri: vscode.Uri): string {
    return texts.get(uri.toString()) ?? '';
  }
}

function diffTabs(preview: string): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs)
    .filter((t) => t.input instanceof vscode.TabInputTextDiff && t.input.modified.toString() === preview);
}

/** The preview shown in the active editor (the Apply action's target), if any. */
function activePreview(uri: unknown): string | undefined {
  if (uri instanceof vscode.Uri && uri.scheme === PREVIEW_SCHEME) return uri.toString();
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (input instanceof vscode.TabInputTextDiff && input.modified.scheme === PREVIEW_SCHEME) return input.modified.toString();
  return [...pending.keys()].pop();
}

export function registerPreview(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider(PREVIEW_SCHEME, new PreviewContent()),
    vscode.commands.registerCommand(COMMANDS.applyPreviewedRewrite, (uri?: unknown) => {
      const key = activePreview(uri);
      if (key) pending.get(key)?.(true);
    }),
    // Closing the diff declines the rewrite (once it has been shown: opening it replaces tabs first).
    vscode.window.tabGroups.onDidChangeTabs(() => {
      for (const [key, answer] of pending) {
        if (diffTabs(key).length > 0) shown.add(key);
        else if (shown.has(key)) answer(false);
      }
    }),
    { dispose: () => { for (const answer of pending.values()) answer(false); texts.clear(); } },
  );
}

/** Shows the document rewritten by `edits` in a diff; resolves with whether the user applies it. */
export async function confirmRewrite(doc: vscode.TextDocument, edits: readonly TextEdit[]): Promise<boolean> {
  const name = doc.uri.path.split('/').pop() ?? 'file';
  const preview = vscode.Uri.from({ scheme: PREVIEW_SCHEME, path: `/${counter++}/${name}` });
  const key = preview.toString();
  texts.set(key, applyTextEdits(doc.getText(), edits));
  const answer = new Promise<boolean>((resolve) => pending.set(key, resolve));
  await vscode.commands.executeCommand('vscode.diff', doc.uri, preview, `${name} ↔ rewritten to mixed mode (preview: Apply in the title bar)`);
  if (diffTabs(key).length > 0) shown.add(key);
  void vscode.window.setStatusBarMessage('MixFlow: review the rewrite, then Apply (✓ in the diff\'s title bar) or close the diff', answer);
  const accepted = await answer;
  pending.delete(key);
  shown.delete(key);
  const tabs = diffTabs(key);
  if (tabs.length > 0) await vscode.window.tabGroups.close(tabs);
  texts.delete(key);
  return accepted;
}
