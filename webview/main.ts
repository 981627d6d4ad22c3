/**
 * The profile panel's script (browser code, bundled to dist/webview.js). It validates every
 * message from the extension on arrival (protocol.ts), renders the profile (or two profiles
 * compared), and keeps the profile's file and the whole view state (selection, expansion,
 * zoom, sorting, scroll) with `setState`: VS Code hands it back when the panel is shown again
 * or restored after a restart, and the panel comes back as it was.
 */
import './style.css';
import { renderError, renderProfile } from './app.js';
import { DEFAULT_VIEW, parseExtensionMessage, parseViewState, type PanelViewState, type WebviewMessage, type WebviewState } from './protocol.js';
import { renderDiff } from './views/diff.js';
import { registerToolkit } from './ui/components.js';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  setState(state: WebviewState): void;
  getState(): unknown;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const root = document.getElementById('app') ?? document.body;
let rendering = new AbortController();

function fail(message: string): void {
  renderError(root, message);
  vscode.postMessage({ type: 'error', message });
}

/** The view state saved for `source`, if the saved state is for that file. */
function savedView(source: string | null): PanelViewState {
  const saved = vscode.getState() as { source?: unknown; view?: unknown } | undefined;
  if (!saved || saved.source !== source || saved.view === undefined) return DEFAULT_VIEW;
  try {
    return parseViewState(saved.view);
  } catch (e) {
    vscode.postMessage({ type: 'error', message: `ignored the saved view state: ${(e as Error).message}` });
    return DEFAULT_VIEW;
  }
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
    if (msg.type === 'diff') {
      void registerToolkit();
      renderDiff(root, msg.a, msg.b);
      if (msg.a.source !== null && msg.b.source !== null) vscode.setState({ source: msg.a.source, title: msg.a.title, compare: { source: msg.b.source, title: msg.b.title } });
      return;
    }
    const { source, title } = msg;
    const persist = (view: PanelViewState) => {
      if (source !== null) vscode.setState({ source, title, view });
    };
    const view = savedView(source);
    renderProfile(root, title, msg.profile, (m) => vscode.postMessage(m), rendering.signal, view, persist);
    persist(view);
  } catch (e) {
    fail(`could not draw the profile: ${(e as Error).stack ?? e}`);
  }
});

vscode.postMessage({ type: 'ready' });
