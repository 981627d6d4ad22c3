/**
 * The profile panel: one webview panel, shown again (not duplicated) for each new profile,
 * restored by VS Code after a restart from the file named in its state. Scripts only from
 * dist/ by nonce; messages typed by webview/protocol.ts and validated on arrival.
 */
import * as vscode from 'vscode';
import { PROFILE_VIEW_TYPE } from '../commands.js';
import { output } from '../output.js';
import type { ProfileFile } from '../../engine/profile/format.js';
import { parseWebviewMessage, type ExtensionMessage, type WebviewMessage } from '../../webview/protocol.js';
import { makeNonce, panelHtml } from './html.js';

/** What the panel asks of the rest of the extension. */
export interface PanelHost {
  /** Handles openSetup and rerun for the profile shown. */
  onAction(action: Exclude<WebviewMessage['type'], 'ready' | 'error'>, shown: ShownProfile): void;
}

export interface ShownProfile {
  readonly profile: ProfileFile;
  readonly title: string;
  /** The profile's file, when it has one. */
  readonly source: string | null;
}

export class ProfilePanel {
  private static current: ProfilePanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  /** The last message for the webview: sent again whenever the webview (re)loads and says ready. */
  private message: ExtensionMessage | null = null;
  private shown: ShownProfile | null = null;
  private ready = false;

  static webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
    return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist')] };
  }

  /** Shows a profile in the panel, creating the panel if there is none. */
  static show(extensionUri: vscode.Uri, host: PanelHost, shown: ShownProfile): ProfilePanel {
    if (!ProfilePanel.current) {
      const panel = vscode.window.createWebviewPanel(PROFILE_VIEW_TYPE, shown.title, vscode.ViewColumn.Active, ProfilePanel.webviewOptions(extensionUri));
      ProfilePanel.current = new ProfilePanel(panel, extensionUri, host);
    }
    const p = ProfilePanel.current;
    p.showProfile(shown);
    p.panel.reveal(undefined, false);
    return p;
  }

  /** Takes over a panel VS Code restored; the caller then shows its profile or an error. */
  static revive(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, host: PanelHost): ProfilePanel {
    ProfilePanel.current?.dispose();
    panel.webview.options = ProfilePanel.webviewOptions(extensionUri);
    ProfilePanel.current = new ProfilePanel(panel, extensionUri, host);
    return ProfilePanel.current;
  }

  private constructor(private readonly panel: vscode.WebviewPanel, extensionUri: vscode.Uri, private readonly host: PanelHost) {
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
      case 'rerun':
        if (this.shown) this.host.onAction(m.type, this.shown);
        return;
    }
  }

  dispose(): void {
    if (ProfilePanel.current === this) ProfilePanel.current = undefined;
    this.panel.dispose();
    while (this.disposables.length) this.disposables.pop()!.dispose();
  }

  /** Disposes the open panel, if any (on deactivation). */
  static disposeCurrent(): void {
    ProfilePanel.current?.dispose();
  }
}
