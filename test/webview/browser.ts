/**
 * A real browser for webview tests: Debian's Chromium driven by playwright-core, a local
 * server for the panel's HTML (the extension's own, with its CSP) and a fresh webview bundle,
 * a stub `acquireVsCodeApi`, and theme variables like VS Code's Dark Modern.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { panelHtml } from '../../extension/panel/html.js';

export const ROOT = join(__dirname, '..', '..');
/** Debian's Chromium, or MIXFLOW_CHROMIUM (the lookup scripts/testDeps.mjs checks too). */
const CHROMIUM = process.env.MIXFLOW_CHROMIUM || '/usr/bin/chromium';

/** Fails (never skips) when Chromium is missing. */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: the webview render test needs Debian's Chromium. Install it with \`apt-get install -y chromium\` (\`npm test\` does, as root).`);
  }
}

/** Bundles webview/main.ts as build.mjs does, into a fresh folder (the test always sees the current source). */
export async function buildWebview(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'mixflow-webview-'));
  const { bundleWebview } = (await import(pathToFileURL(join(ROOT, 'scripts/webviewBundle.mjs')).href)) as { bundleWebview(root: string, out: string, o: { minify: boolean; sourcemap: boolean }): Promise<void> };
  await bundleWebview(ROOT, dir, { minify: false, sourcemap: false });
  return dir;
}

export interface PanelServer {
  readonly origin: string;
  close(): Promise<void>;
}

export async function servePanel(dir: string, nonce = 'testnonce0123456789'): Promise<PanelServer> {
  let origin = '';
  const server: Server = createServer((req, res) => {
    const file = { '/webview.js': 'application/javascript', '/webview.css': 'text/css' }[req.url ?? ''];
    if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(panelHtml({ cspSource: origin, nonce, scriptUri: `${origin}/webview.js`, styleUri: `${origin}/webview.css`, title: 'MixFlow profile' }));
    } else if (req.url === '/favicon.ico') {
      res.writeHead(204);
      res.end();
    } else if (file) {
      res.writeHead(200, { 'content-type': file });
      res.end(readFileSync(join(dir, req.url!)));
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, close: () => new Promise((r) => server.close(() => r())) };
}

export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

export async function launch(): Promise<Browser> {
  requireChromium();
  const profile = mkdtempSync(join(tmpdir(), 'mixflow-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** What VS Code's Dark Modern theme injects (the subset the panel uses). */
export const DARK_THEME: Record<string, string> = {
  '--vscode-font-family': 'system-ui, sans-serif', '--vscode-font-size': '13px',
  '--vscode-foreground': '#cccccc', '--vscode-descriptionForeground': '#9d9d9d', '--vscode-errorForeground': '#f85149',
  '--vscode-editor-background': '#1f1f1f', '--vscode-sideBar-background': '#181818', '--vscode-editorWidget-background': '#202020',
  '--vscode-panel-border': '#2b2b2b', '--vscode-focusBorder': '#0078d4', '--vscode-textLink-foreground': '#4daafc',
  '--vscode-button-foreground': '#ffffff', '--vscode-button-background': '#0078d4', '--vscode-button-hoverBackground': '#026ec1',
  '--vscode-button-secondaryForeground': '#cccccc', '--vscode-button-secondaryBackground': '#313131', '--vscode-button-secondaryHoverBackground': '#3c3c3c',
  '--vscode-dropdown-foreground': '#cccccc', '--vscode-dropdown-background': '#313131', '--vscode-dropdown-border': '#3c3c3c',
  '--vscode-list-hoverBackground': '#2a2d2e', '--vscode-charts-lines': 'rgba(204,204,204,0.5)',
  '--vscode-charts-red': '#f14c4c', '--vscode-charts-blue': '#3794ff', '--vscode-charts-yellow': '#cca700', '--vscode-charts-orange': '#d18616',
  '--vscode-charts-green': '#89d185', '--vscode-charts-purple': '#b180d7', '--vscode-terminal-ansiCyan': '#11a8cd', '--vscode-terminal-ansiMagenta': '#bc3fbc',
};

/** Stands in for VS Code's webview host: records posted messages, state and CSP violations, applies the theme. */
const STUB_SCRIPT = `
window.__posted = [];
window.__state = undefined;
window.acquireVsCodeApi = () => ({
  postMessage: (m) => window.__posted.push(m),
  setState: (s) => { window.__state = s; },
  getState: () => window.__state,
});
document.addEventListener('securitypolicyviolation', (e) => window.__posted.push({ csp: e.violatedDirective, blocked: e.blockedURI }));
document.addEventListener('DOMContentLoaded', () => {
  for (const [k, v] of Object.entries(THEME)) document.documentElement.style.setProperty(k, v);
});
`;

/** VS Code's Light Modern, over the dark one (the subset that differs). */
export const LIGHT_THEME: Record<string, string> = {
  ...DARK_THEME,
  '--vscode-foreground': '#3b3b3b', '--vscode-descriptionForeground': '#717171', '--vscode-editor-background': '#ffffff',
  '--vscode-sideBar-background': '#f8f8f8', '--vscode-editorWidget-background': '#f8f8f8', '--vscode-panel-border': '#e5e5e5',
  '--vscode-button-secondaryForeground': '#3b3b3b', '--vscode-button-secondaryBackground': '#e5e5e5', '--vscode-dropdown-foreground': '#3b3b3b',
  '--vscode-dropdown-background': '#ffffff', '--vscode-dropdown-border': '#cecece', '--vscode-list-hoverBackground': '#f2f2f2',
  '--vscode-charts-lines': 'rgba(59,59,59,0.5)', '--vscode-textLink-foreground': '#005fb8', '--vscode-charts-green': '#388a34',
};

/** VS Code's Dark High Contrast (the subset that differs). */
export const HIGH_CONTRAST_THEME: Record<string, string> = {
  ...DARK_THEME,
  '--vscode-foreground': '#ffffff', '--vscode-descriptionForeground': '#ffffff', '--vscode-editor-background': '#000000',
  '--vscode-sideBar-background': '#000000', '--vscode-editorWidget-background': '#0c141f', '--vscode-panel-border': '#6fc3df',
  '--vscode-focusBorder': '#f38518', '--vscode-button-background': '#000000', '--vscode-button-border': '#6fc3df',
  '--vscode-dropdown-background': '#000000', '--vscode-dropdown-border': '#6fc3df', '--vscode-charts-lines': 'rgba(255,255,255,0.8)',
};

/** Opens the panel page with the stub VS Code API and the theme; page errors and CSP violations are collected. `state`: what getState returns (a panel shown again). */
export async function openPanel(browser: Browser, origin: string, opts: { theme?: Record<string, string>; state?: unknown } = {}): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  // A string, not a function: tsx would wrap a function's inner functions in helpers the page lacks.
  await page.addInitScript(STUB_SCRIPT.replace('THEME', JSON.stringify(opts.theme ?? DARK_THEME)) + (opts.state === undefined ? '' : `\nwindow.__state = ${JSON.stringify(opts.state)};`));
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => ((window as unknown as { __posted: { type?: string }[] }).__posted).some((m) => m.type === 'ready'));
  return { page, problems };
}
