/**
 * The profile panel's script (browser code, bundled to dist/webview.js). It validates every
 * message from the extension on arrival (protocol.ts), renders the profile, and keeps the
 * profile's file in the webview state so VS Code can restore the panel after a restart.
 */
import './style.css';
import { renderError, renderProfile } from './app.js';
import { parseExtensionMessage, type WebviewMessage, type WebviewState } from './protocol.js';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  setState(state: WebviewState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const root = document.getElementById('app') ?? document.body;
let rendering = new AbortController();

function fail(message: string): void {
  renderError(root, message);
  vscode.postMessage({ type: 'error', message });
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  let msg;
  try {
    msg = parseExtensionMessage(event.data);
  } catch (e) {
    fail((e as Error).message);
    return;
  }
  rendering.abort();
  rendering = new AbortController();
  if (msg.type === 'error') {
    renderError(root, msg.message);
    return;
  }
  try {
    renderProfile(root, msg.title, msg.profile, (m) => vscode.postMessage(m), rendering.signal);
    if (msg.source !== null) vscode.setState({ source: msg.source, title: msg.title });
  } catch (e) {
    fail(`could not draw the profile: ${(e as Error).stack ?? e}`);
  }
});

vscode.postMessage({ type: 'ready' });
