/**
 * The profile panel's HTML (pure; no vscode import, so tests can load it in a browser): a
 * strict CSP with `default-src 'none'`, the script allowed only by nonce, the stylesheet and
 * images only from the webview's own resource origin.
 */

export interface PanelHtml {
  /** `webview.cspSource`: the origin of the panel's local resources. */
  readonly cspSource: string;
  readonly nonce: string;
  /** `webview.asWebviewUri` of dist/webview.js and dist/webview.css. */
  readonly scriptUri: string;
  readonly styleUri: string;
  readonly title: string;
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    // The toolkit (FAST) inserts one empty <style> element; this hash is that of the empty string and allows nothing else.
    `style-src ${cspSource} 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
    // The graph layout worker starts from a blob URL of its bundled code (webview/graph/layoutClient.ts).
    'worker-src blob:',
  ].join('; ');
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** A fresh nonce: 32 characters from a cryptographically random source. */
export function makeNonce(): string {
  const bytes = new Uint8Array(24);
  globalThis.crypto.getRandomValues(bytes);
  return Buffer.from(bytes).toString('base64').replace(/[+/=]/g, 'x');
}

export function panelHtml(p: PanelHtml): string {
  const a = escapeHtml;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${a(contentSecurityPolicy(p.cspSource, p.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${a(p.styleUri)}">
<title>${a(p.title)}</title>
</head>
<body>
<div id="app"><p>Loading the profile…</p></div>
<script nonce="${a(p.nonce)}" src="${a(p.scriptUri)}"></script>
</body>
</html>
`;
}
