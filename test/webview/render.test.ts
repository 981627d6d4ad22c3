/**
 * The profile panel in a real browser (Chromium via playwright-core): the page is the
 * extension's own HTML with its CSP, the script a fresh bundle of webview/, the profile one
 * our CLI wrote. Fails, never skips, without Chromium.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { CATEGORIES } from '../../engine/profile/format.js';
import { formatBytes, formatRatio } from '../../webview/format.js';
import { defaultExpanded, layoutGraph } from '../../webview/graphLayout.js';
import { buildScopeTree } from '../../webview/scopeTree.js';
import { buildWebview, launch, openPanel, requireChromium, servePanel, type Browser, type PanelServer } from './browser.js';
import { fixtureProfile, FIXTURE } from './fixture.js';

const SCREENSHOT = '/tmp/mixflow-panel.png';
const GRAPH_SCREENSHOT = '/tmp/mixflow-graph.png';
let dir: string;
let server: PanelServer;
let browser: Browser;

before(async () => {
  requireChromium();
  dir = await buildWebview();
  server = await servePanel(dir);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const posted = (page: Page) => page.evaluate(() => (window as unknown as { __posted: Record<string, unknown>[] }).__posted);
const texts = (page: Page, sel: string) => page.locator(sel).allTextContents();

test('renders headline numbers, timeline, peak breakdown, graph groups and the op table of a real profile', async () => {
  const profile = fixtureProfile();
  const { page, problems } = await openPanel(browser, server.origin);
  // Sent as text and parsed in the page: playwright's own serialisation of a large object is slow.
  const message = JSON.stringify({ type: 'profile', profile, title: 'MixFlow profile: mlp-hyper', source: FIXTURE });
  await page.evaluate((text) => window.postMessage(JSON.parse(text), '*'), message);
  await page.waitForSelector('[data-testid=graph] g.node-group');

  assert.equal(await page.textContent('[data-testid=title]'), 'MixFlow profile: mlp-hyper');
  for (const r of profile.runs) {
    assert.equal(await page.textContent(`[data-testid=headline-${r.mode}] [data-field=peak]`), formatBytes(r.totals.peak_bytes));
    assert.equal(await page.textContent(`[data-testid=headline-${r.mode}] [data-field=active-peak]`), formatBytes(r.totals.active_peak_bytes));
  }
  assert.equal(await page.textContent('[data-testid=headline-ratio] [data-field=peak-ratio]'), formatRatio(profile.comparison!.peak_ratio));

  // Timeline: one series per run, each a drawn line with its peak marked and labelled.
  assert.equal(await page.locator('[data-testid=timeline] g.series').count(), 2);
  assert.equal(await page.locator('[data-testid=timeline] circle.peak').count(), 2);
  for (const d of await page.locator('[data-testid=timeline] path.line').evaluateAll((ps) => ps.map((p) => p.getAttribute('d') ?? ''))) {
    assert.ok(d.split('L').length > 100, 'a timeline line with its points');
  }
  const labels = await texts(page, '[data-testid=timeline] text.peak-label');
  assert.deepEqual(labels, profile.runs.map((r) => `${r.mode} peak ${formatBytes(r.totals.peak_bytes)}`));

  // Peak by category: one segment per non-zero category of each run.
  const segments = profile.runs.reduce((n, r) => n + CATEGORIES.filter((c) => r.peak.by_category[c] > 0).length, 0);
  assert.equal(await page.locator('[data-testid=peak-category] rect.seg').count(), segments);
  assert.ok((await page.locator('[data-testid=peak-step] rect.seg').count()) > 2);

  // Graph: exactly the groups and frames of the default layout, which `graphLayout` computes the same in node.
  const run = profile.runs[0]!;
  const tree = buildScopeTree(run);
  const layout = layoutGraph(run, tree, defaultExpanded(tree));
  const groups = layout.boxes.filter((b) => b.kind === 'group').map((b) => b.id);
  assert.deepEqual(await page.locator('[data-testid=graph] g.node-group').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-group'))), groups);
  assert.equal(await page.locator('[data-testid=graph] g.frame').count(), layout.boxes.filter((b) => b.kind === 'frame').length);
  assert.equal(await page.locator('[data-testid=graph] path.edge').count(), layout.edges.length);
  assert.match((await page.textContent('[data-testid=graph-status]'))!, new RegExp(`^standard: ${run.graph.nodes.id.length.toLocaleString('en-US')} nodes shown as ${groups.length} groups`));

  await page.locator('[data-testid=graph-view]').screenshot({ path: GRAPH_SCREENSHOT });

  // Clicking a collapsed group expands it into a frame.
  const target = groups[0]!;
  await page.locator(`[data-testid=graph] g.node-group[data-group="${target}"]`).click();
  await page.waitForSelector(`[data-testid=graph] g.frame[data-frame="${target}"]`);

  // Op table: sorted by the standard run's allocated bytes; clicking the header reverses it.
  const rows = await page.locator('[data-testid=ops-table] tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-op')));
  assert.ok(rows.length > 5 && rows.length <= 25);
  const head = page.locator('[data-testid=ops-table] th[data-sort="0:allocated"]');
  await head.click();
  const reversed = await page.locator('[data-testid=ops-table] tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-op')));
  assert.equal(reversed.at(-1), rows[0]);

  const state = await page.evaluate(() => (window as unknown as { __state: unknown }).__state);
  assert.deepEqual(state, { source: FIXTURE, title: 'MixFlow profile: mlp-hyper' });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  assert.deepEqual((await posted(page)).filter((m) => m.type !== 'ready'), [], 'no errors or CSP violations reported');
  assert.deepEqual(problems, []);
  await page.close();
});

test('refuses an invalid message with a clear error and reports it to the extension', async () => {
  const { page, problems } = await openPanel(browser, server.origin);
  await page.evaluate(() => window.postMessage({ type: 'profile', title: 't', source: null, profile: { format: 'mixflow-profile/9' } }, '*'));
  await page.waitForSelector('[data-testid=error]');
  const text = (await page.textContent('[data-testid=error]'))!;
  assert.match(text, /invalid message: at message\.profile: expected a valid mixflow-profile\/1 profile/);
  assert.match(text, /\$\.format/);
  const errors = (await posted(page)).filter((m) => m.type === 'error');
  assert.equal(errors.length, 1);
  assert.equal(errors[0]!.message, text);
  assert.deepEqual(problems, []);
  await page.close();
});
