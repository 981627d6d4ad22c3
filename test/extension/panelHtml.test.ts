/** The panel's HTML: a strict CSP (nothing by default, scripts only by nonce), resources from the webview origin, escaped text. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { contentSecurityPolicy, escapeHtml, makeNonce, panelHtml } from '../../extension/panel/html.js';

const SRC = 'https://file+.vscode-resource.vscode-cdn.net';

/** SHA-256 of the empty string: allows only an empty inline <style> (the toolkit inserts one). */
const EMPTY_STYLE = "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='";

test('the CSP allows nothing by default, scripts only by nonce, styles only from the webview origin, workers only from blobs', () => {
  const csp = contentSecurityPolicy(SRC, 'abc');
  const directives = Object.fromEntries(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
  assert.deepEqual(directives['default-src'], ["'none'"]);
  assert.deepEqual(directives['script-src'], ["'nonce-abc'"]);
  assert.deepEqual(directives['style-src'], [SRC, EMPTY_STYLE]);
  assert.deepEqual(directives['worker-src'], ['blob:']);
  assert.equal(createHash('sha256').update('').digest('base64'), EMPTY_STYLE.slice(8, -1));
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*|https?:\/\/(?!file\+)/);
});

test('the page loads exactly one script, by nonce, and one stylesheet', () => {
  const html = panelHtml({ cspSource: SRC, nonce: 'n0nce', scriptUri: `${SRC}/dist/webview.js`, styleUri: `${SRC}/dist/webview.css`, title: 'Profile <x> & "y"' });
  assert.equal(html.match(/<script/g)!.length, 1);
  assert.ok(html.includes(`<script nonce="n0nce" src="${SRC}/dist/webview.js"></script>`));
  assert.ok(html.includes(`<link rel="stylesheet" href="${SRC}/dist/webview.css">`));
  assert.match(html, /<title>Profile &lt;x&gt; &amp; &quot;y&quot;<\/title>/);
  assert.doesNotMatch(html, /style="/);
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; /);
});

test('nonces are long, fresh and safe in an attribute', () => {
  const a = makeNonce();
  assert.match(a, /^[A-Za-z0-9]{32}$/);
  assert.notEqual(makeNonce(), a);
  assert.equal(escapeHtml(`<'">&`), '&lt;&#39;&quot;&gt;&amp;');
});
