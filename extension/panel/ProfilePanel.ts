/**
 * The profile panel: one webview panel per profile file (showing a profile again reveals its
 * panel), and one per pair of profiles compared; restored by VS Code after a restart from the
 * files named in its state. Scripts only from dist/ by nonce; messages typed by
 * webview/protocol.ts and validated on arrival.
 */
import * as vscode from 'vscode';
import { PROFILE_VIEW_TYPE } from '../commands.js';
import { output } from '../output.js';
import type { ProfileFile } from '../../engine/profile/format.js';
import { parseWebviewMessage, type ExtensionMessage, type WebviewMessage } from '../../webview/protocol.js';
import { makeNonce, panelHtml } from './html.js';

type RerunMessage = Extract<WebviewMessage, { type: 'rerun' }>;

/** What the panel asks of the rest of the extension. */
export interface PanelHost {
  /** Handles openSetup and rerun (with the remat and backend asked for, if any) for the profile shown. */
  onAction(action: 'openSetup' | 'rerun', shown: ShownProfile, rerun?: RerunMessage): void;
}

export interface ShownProfile {
  readonly profile: ProfileFile;
  readonly title: string;
  /** The profile's file, when it has one. */
  readonly source: string | null;
}

export class ProfilePanel {
  /** Open panels by key: the profile's file, or `diff:<a>\n<b>`. */
  private static readonly open = new Map<string, ProfilePanel>();
  private static unnamed = 0;
  private readonly disposables: vscode.Disposable[] = [];
  /** The last message for the webview: sent again whenever the webview (re)loads and says ready. */
  private message: ExtensionMessage | null = null;
  private shown: ShownProfile | null = null;
  private ready = false;
  private key: string;

  static webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
    return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist')] };
  }

  private static panelFor(extensionUri: vscode.Uri, host: PanelHost, key: string, title: string): ProfilePanel {
    let p = ProfilePanel.open.get(key);
    if (!p) {
      const panel = vscode.window.createWebviewPanel(PROFILE_VIEW_TYPE, title, vscode.ViewColumn.Active, ProfilePanel.webviewOptions(extensionUri));
      p = new ProfilePanel(panel, extensionUri, host, key);
    }
    return p;
  }

  /** Shows a profile in its own panel (revealing it if it is open already). */
  static show(extensionUri: vscode.Uri, host: PanelHost, shown: ShownProfile): ProfilePanel {
    const p = ProfilePanel.panelFor(extensionUri, host, shown.source ?? `unnamed:${++ProfilePanel.unnamed}`, shown.title);
    p.showProfile(shown);
    p.panel.reveal(undefined, false);
    return p;
  }

  /** Shows two profiles compared, in the panel for that pair. */
  static showDiff(extensionUri: vscode.Uri, host: PanelHost, a: ShownProfile, b: ShownProfile): ProfilePanel {
    const p = ProfilePanel.panelFor(extensionUri, host, `diff:${a.source}\n${b.source}`, 'MixFlow: compare profiles');
    p.showDiff(a, b);
    p.panel.reveal(undefined, false);
    return p;
  }

  /** Takes over a panel VS Code restored; the caller then shows its profile or an error. */
  static revive(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, host: PanelHost, key: string): ProfilePanel {
    ProfilePanel.open.get(key)?.dispose();
    panel.webview.options = ProfilePanel.webviewOptions(extensionUri);
    return new ProfilePanel(panel, extensionUri, host, key);
  }

  /** Panels open now (the editor tests count them). */
  static count(): number {
    return ProfilePanel.open.size;
  }

  private constructor(private readonly panel: vscode.WebviewPanel, extensionUri: vscode.Uri, private readonly host: PanelHost, key: string) {
    this.key = key;
    ProfilePanel.open.set(key, this);
    const dist = vscode.Uri.joinPath(extensionUri, 'dist');
    const webview = panel.webview;
    webview.html = panelHtml({
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.css')).toString(),
      title: panel.title,
    });
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      webview.onDidReceiveMessage((raw: unknown) => this.receive(raw)),
      // A hidden webview is unloaded (no retainContextWhenHidden); it says ready again when shown.
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.ready = false;
      }),
    );
  }

  showProfile(shown: ShownProfile): void {
    this.shown = shown;
    this.panel.title = shown.title;
    this.send({ type: 'profile', profile: shown.profile, title: shown.title, source: shown.source });
  }

  showDiff(a: ShownProfile, b: ShownProfile): void {
    this.shown = null;
    this.panel.title = `Compare: ${a.title.replace(/^MixFlow profile: /, '')} ↔ ${b.title.replace(/^MixFlow profile: /, '')}`;
    this.send({ type: 'diff', a, b });
  }

  showError(title: string, message: string): void {
    this.shown = null;
    this.panel.title = title;
    this.send({ type: 'error', message });
  }

  private send(message: ExtensionMessage): void {
    this.message = message;
    if (this.ready) void this.panel.webview.postMessage(message);
  }

  private receive(raw: unknown): void {
    let m: WebviewMessage;
    try {
      m = parseWebviewMessage(raw);
    } catch (e) {
      output().appendLine(`profile panel: ignored a message: ${(e as Error).message}`);
      return;
    }
    switch (m.type) {
      case 'ready':
        this.ready = true;
        if (this.message) void this.panel.webview.postMessage(this.message);
        return;
      case 'error':
        output().appendLine(`profile panel: ${m.message}`);
        return;
      case 'openSetup':
        if (this.shown) this.host.onAction(m.type, this.shown);
        return;
      case 'rerun':
        if (this.shown) this.host.onAction(m.type, this.shown, m);
        return;
    }
  }

  dispose(): void {
    if (ProfilePanel.open.get(this.key) === this) ProfilePanel.open.delete(this.key);
    this.panel.dispose();
    while (this.disposables.length) this.disposables.pop()!.dispose();
  }

  /** Disposes every open panel (on deactivation). */
  static disposeAll(): void {
    for (const p of [...ProfilePanel.open.values()]) p.dispose();
  }
}
