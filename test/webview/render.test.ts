/**
 * The profile panel in a real browser (Chromium via playwright-core): the page is the
 * extension's own HTML with its CSP, the script a fresh bundle of webview/ (the layout worker
 * inlined and started from a blob URL), the profiles ones our CLI wrote: the MLP fixture, and
 * a small transformer and an MLP with other remat written by the CLI at test time. Screenshots
 * in dark, light and high-contrast themes go to test/artifacts/ (git-ignored). Fails, never
 * skips, without Chromium.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { ProfileFile, ProfileRun } from '../../engine/profile/format.js';
import { parseProfile } from '../../engine/profile/validate.js';
import { formatBytes, memoryWords } from '../../webview/format.js';
import { buildWebview, DARK_THEME, HIGH_CONTRAST_THEME, launch, LIGHT_THEME, openPanel, ROOT, servePanel, type Browser, type PanelServer } from './browser.js';
import { fixtureProfile, FIXTURE } from './fixture.js';

const ARTIFACTS = join(ROOT, 'test', 'artifacts');
let dir: string;
let work: string;
let server: PanelServer;
let browser: Browser;
let transformer: ProfileFile;
let transformerPath: string;
let mlpStepBlock: ProfileFile;
let mlpStepBlockPath: string;

/** Writes a profile with our CLI (small setups: seconds). */
function cliProfile(setup: string, remat: string, out: string): ProfileFile {
  execFileSync(process.execPath, [join(ROOT, 'bin', 'mixflow.js'), 'profile', setup, '--compare', '--remat', remat, '--backend', 'cpu', '--profile', out], { stdio: 'pipe' });
  return parseProfile(readFileSync(out, 'utf8'));
}

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  work = mkdtempSync(join(tmpdir(), 'mixflow-render-'));
  const setup = join(work, 'tiny-transformer.mixflow.json');
  writeFileSync(setup, JSON.stringify({
    format: 'mixflow-setup/1',
    model: { kind: 'transformer', vocab: 32, d_model: 16, heads: 2, layers: 2, seq: 8, d_ff: 32 },
    loss: 'xent', theta0: { init: 'glorot', seed: 0 }, optimizer: { kind: 'adam', b1: 0.9, b2: 0.999, eps: 1e-8 },
    inner: { synthetic: { seed: 1, batch: 2 }, steps: 2 }, outer: { synthetic: { seed: 2, batch: 2 } }, eta: {}, wrt: ['example_logits'],
  }));
  transformerPath = join(work, 'tiny-transformer.block.json');
  transformer = cliProfile(setup, 'block', transformerPath);
  mlpStepBlockPath = join(work, 'mlp-hyper.step+block.json');
  mlpStepBlock = cliProfile(join(ROOT, 'engine', 'setup', 'examples', 'mlp-hyper.mixflow.json'), 'step+block', mlpStepBlockPath);
  dir = await buildWebview();
  server = await servePanel(dir);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (work) rmSync(work, { recursive: true, force: true });
});

const posted = (page: Page) => page.evaluate(() => (window as unknown as { __posted: Record<string, unknown>[] }).__posted);

async function show(page: Page, message: unknown): Promise<void> {
  // Sent as text and parsed in the page: playwright's own serialisation of a large object is slow.
  await page.evaluate((text) => window.postMessage(JSON.parse(text), '*'), JSON.stringify(message));
}

async function showProfile(page: Page, profile: ProfileFile, source: string, title = 'MixFlow profile'): Promise<void> {
  await show(page, { type: 'profile', profile, title, source });
  await page.waitForSelector('[data-testid=graph][data-ready]', { timeout: 60_000 });
}

interface DrawnBox { id: string; row: number; x: number; y: number; w: number; h: number }

/** Every drawn box (groups, frames, ops, "more") with its layout coordinates, read from the DOM. */
async function drawnBoxes(page: Page): Promise<Map<string, DrawnBox>> {
  const boxes = await page.locator('[data-testid=graph] [data-row]').evaluateAll((gs) => gs.map((g) => {
    const r = g.querySelector('rect')!;
    const id = g.getAttribute('data-group') ?? g.getAttribute('data-frame') ?? g.getAttribute('data-more') ?? `n:${g.getAttribute('data-node')}`;
    return { id, row: Number(g.getAttribute('data-row')), x: Number(r.getAttribute('x')), y: Number(r.getAttribute('y')), w: Number(r.getAttribute('width')), h: Number(r.getAttribute('height')) };
  }));
  return new Map(boxes.map((b) => [b.id, b]));
}

/** Data-flow order on the coordinates: every drawn edge runs forward in reading order (a later row, or left to right) unless marked back. */
async function checkDataFlow(page: Page): Promise<{ edges: number; back: string[] }> {
  const boxes = await drawnBoxes(page);
  const edges = await page.locator('[data-testid=graph] path.edge').evaluateAll((ps) => ps.map((p) => ({ from: p.getAttribute('data-from')!, to: p.getAttribute('data-to')!, back: p.classList.contains('back') })));
  assert.ok(edges.length > 5, 'edges drawn');
  const back: string[] = [];
  for (const e of edges) {
    const a = boxes.get(e.from)!;
    const b = boxes.get(e.to)!;
    assert.ok(a && b, `${e.from} → ${e.to}: both ends drawn`);
    const forward = b.row > a.row || (b.row === a.row && b.x >= a.x + a.w);
    assert.equal(!forward, e.back, `${e.from} → ${e.to}: ${forward ? 'forward' : 'back'} on the coordinates, marked ${e.back ? 'back' : 'forward'}`);
    if (!forward) back.push(`${e.from} → ${e.to}`);
  }
  // Documented back edges: only into or out of an "#ops" lump or a "more" box (not stretches of trace order).
  for (const e of back) assert.match(e, /#ops|#more/, e);
  return { edges: edges.length, back };
}

function readingOrder(boxes: Map<string, DrawnBox>, ids: readonly string[]): void {
  for (let i = 1; i < ids.length; i++) {
    const a = boxes.get(ids[i - 1]!)!;
    const b = boxes.get(ids[i]!)!;
    assert.ok(a && b, `${ids[i - 1]} and ${ids[i]} drawn`);
    assert.ok(b.row > a.row || (b.row === a.row && b.x > a.x), `${ids[i - 1]} before ${ids[i]}`);
  }
}

/** The live range of node `n` from the profile file: the step that ran it, the step after which it was released. */
function liveRangeFromFile(run: ProfileRun, n: number): [number, number] {
  const step = run.steps.node.indexOf(n);
  const id = run.graph.nodes.id[n]!;
  const released = run.steps.released.findIndex((ids) => ids.includes(id));
  return [step, released < 0 ? run.steps.node.length : released];
}

test('MLP: headline in words, data-flow order, search selects, details match the file, no errors', async () => {
  const profile = fixtureProfile();
  const { page, problems } = await openPanel(browser, server.origin);
  await showProfile(page, profile, FIXTURE, 'MixFlow profile: mlp-hyper');
  const s = profile.runs[0]!.totals;
  const m = profile.runs[1]!.totals;
  assert.equal(await page.textContent('[data-testid=headline-ratio] [data-field=peak-ratio]'), `MixFlow ${memoryWords(m.peak_bytes, s.peak_bytes)}`);
  assert.match((await page.textContent('[data-testid=headline-ratio] [data-field=time-ratio]'))!, /^MixFlow \d+\.\d× (slower|faster)$/);

  const flow = await checkDataFlow(page);
  assert.deepEqual(flow.back, [], 'no back edges in the default view');
  // Inner steps in order, then the outer loss, then the meta-backward pass in reverse.
  readingOrder(await drawnBoxes(page), ['step/0', 'step/1', 'step/2', 'step/3', 'step/4', 'outer', 'step/4~1', 'step/3~1', 'step/2~1', 'step/1~1', 'step/0~1']);
  // Labels are readable at Fit: every label shown is at least 9 px on screen, and there are some.
  const sizes = await page.locator('[data-testid=graph] text.label:not(.hidden)').evaluateAll((ts) => ts.map((t) => t.getBoundingClientRect().height));
  assert.ok(sizes.length >= 10, `${sizes.length} labels shown at Fit`);
  assert.ok(sizes.every((px) => px >= 9), `label heights at Fit: ${Math.min(...sizes)} px`);
  await page.locator('[data-testid=graph-section]').screenshot({ path: join(ARTIFACTS, 'graph-mlp-dark.png') });

  // Search by op: the first matmul of the standard run.
  const run = profile.runs[0]!;
  const matmul = run.graph.nodes.op.findIndex((o) => run.graph.ops[o] === 'matmul');
  await page.locator('[data-testid=graph-search]').click();
  await page.keyboard.type('matmul');
  await page.waitForSelector(`[data-testid=search-results] li[data-node="${matmul}"]`);
  await page.locator(`[data-testid=search-results] li[data-node="${matmul}"]`).click();
  await page.waitForSelector(`[data-testid=graph] g.node-op.selected[data-node="${matmul}"]`);
  assert.equal(await page.textContent('[data-testid=details] [data-field=op]'), `matmul #${matmul}`);
  assert.equal(await page.textContent('[data-testid=details] [data-field=bytes]'), formatBytes(run.graph.nodes.bytes[matmul]!));
  const [from, to] = liveRangeFromFile(run, matmul);
  assert.equal(await page.textContent('[data-testid=details] [data-field=live-range]'),
    to >= run.steps.node.length ? `steps ${from + 1}–${run.steps.node.length} of ${run.steps.node.length} (held to the end)` : `steps ${from + 1}–${to + 1} of ${run.steps.node.length}`);
  // Selection is synced: the op table marks its row, the timeline shades its live range.
  await page.waitForSelector(`[data-testid=ops-table] vscode-data-grid-row.selected[data-key="${matmul}"]`);
  assert.equal(await page.locator('[data-testid=timeline-selected]').count(), 1);
  // An input link in the details selects that op.
  const link = page.locator('[data-testid=details] [data-field=inputs] a').first();
  if (await link.count()) {
    const target = await link.getAttribute('data-node');
    await link.click();
    await page.waitForSelector(`[data-testid=graph] g.node-op.selected[data-node="${target}"]`);
  }

  // Op table: filter, then sort by bytes ascending.
  await page.locator('[data-testid=ops-filter]').click();
  await page.keyboard.type('tanh');
  const tanh = run.graph.nodes.op.filter((o, i) => run.graph.ops[o]!.includes('tanh') || run.graph.scopes[run.graph.nodes.scope[i]!]!.includes('tanh')).length;
  await page.waitForFunction((n) => document.querySelector('[data-testid=ops-count]')?.textContent?.startsWith(`${n} of`), tanh);
  assert.match((await page.textContent('[data-testid=ops-count]'))!, new RegExp(`^${tanh} of ${run.graph.nodes.id.length.toLocaleString('en-US')} ops`));
  // Both modes side by side, with the same groups expanded.
  await page.locator('[data-testid=side-by-side]').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=graph][data-ready]').length === 2);
  const framesOf = (run: number) => page.locator(`[data-testid=graph][data-run="${run}"] g.frame`).evaluateAll((fs) => fs.map((f) => f.getAttribute('data-frame')).sort());
  assert.deepEqual(await framesOf(1), await framesOf(0));
  await page.locator('[data-testid=graph-section]').screenshot({ path: join(ARTIFACTS, 'graph-side-by-side-dark.png') });
  await page.locator('[data-testid=graph][data-run="0"] g.node-group[data-group="step/3~1"]').dispatchEvent('click');
  await page.waitForSelector('[data-testid=graph][data-run="1"] g.frame[data-frame="step/3~1"]');
  assert.deepEqual(problems, []);
  assert.deepEqual((await posted(page)).filter((x) => x.type !== 'ready'), [], 'no errors or CSP violations reported');
  await page.close();
});

test('timeline: the brush narrows the range; a click shows the breakdown at that moment, summing to the live bytes there', async () => {
  const profile = fixtureProfile();
  const { page, problems } = await openPanel(browser, server.origin);
  await showProfile(page, profile, FIXTURE);
  const svg = page.locator('[data-testid=timeline]');
  const full = [Number(await svg.getAttribute('data-x0')), Number(await svg.getAttribute('data-x1'))];
  assert.deepEqual(full, [0, Math.max(...profile.runs.map((r) => r.steps.node.length))]);
  const box = (await svg.boundingBox())!;
  await page.mouse.move(box.x + 300, box.y + 100);
  await page.mouse.down();
  await page.mouse.move(box.x + 500, box.y + 110, { steps: 5 });
  await page.mouse.up();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=timeline]')!.getAttribute('data-x1')) < 900);
  const zoomed = [Number(await svg.getAttribute('data-x0')), Number(await svg.getAttribute('data-x1'))];
  assert.ok(zoomed[0]! > full[0]! && zoomed[1]! < full[1]! && zoomed[1]! - zoomed[0]! < (full[1]! - full[0]!) / 2, `zoomed to ${zoomed}`);
  // Hover readout names the op and the live bytes.
  await page.mouse.move(box.x + 400, box.y + 120);
  assert.match((await page.textContent('[data-testid=timeline-readout]'))!, /standard op [\d,]+: \w+ · .* · live [\d.]+ (B|KiB|MiB)/);
  // Click a moment.
  await page.mouse.click(box.x + 400, box.y + 120);
  await page.waitForSelector('[data-testid=moment-total]');
  const header = (await page.textContent('[data-testid=moment] h3'))!;
  const [, mode, at] = /^(\w+) at op ([\d,]+) of/.exec(header)!;
  const run = profile.runs.find((r) => r.mode === mode)!;
  const step = Number(at!.replace(/,/g, '')) - 1;
  const total = Number(await page.getAttribute('[data-testid=moment-total]', 'data-bytes'));
  assert.equal(total, run.steps.high_water_bytes[step], 'the breakdown is of the live bytes the timeline draws there');
  const categories = await page.locator('[data-testid=moment-category] td[data-bytes]').evaluateAll((tds) => tds.map((t) => Number(t.getAttribute('data-bytes'))));
  assert.equal(categories.reduce((a, b) => a + b, 0), total, 'categories sum to the live bytes');
  const steps = await page.locator('[data-testid=moment-step] td[data-bytes]').evaluateAll((tds) => tds.map((t) => Number(t.getAttribute('data-bytes'))));
  assert.equal(steps.reduce((a, b) => a + b, 0), total, 'inner steps sum to the live bytes');
  // Bands: inner steps and phases for each run.
  assert.ok((await page.locator('[data-testid=timeline] rect.phase-band[data-phase=backward]').count()) > 0);
  assert.ok((await page.locator('[data-testid=timeline] rect.step-band').count()) >= 2 * 6);
  // Round ticks: every bytes tick is a whole number of units (or one decimal at most).
  for (const t of await page.locator('[data-testid=timeline] .y-axis text.tick').allTextContents()) assert.match(t, /^\d+(\.\d)? (B|KiB|MiB|GiB)$/, t);
  // Double-click zooms out.
  await page.mouse.dblclick(box.x + 400, box.y + 120);
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=timeline]')!.getAttribute('data-x0')) === 0 && Number(document.querySelector('[data-testid=timeline]')!.getAttribute('data-x1')) > 900);
  assert.deepEqual(problems, []);
  await page.close();
});

test('state survives a hide/show: selection, expansion, zoomed range, sort and tab come back', async () => {
  const profile = fixtureProfile();
  const first = await openPanel(browser, server.origin);
  await showProfile(first.page, profile, FIXTURE);
  const page = first.page;
  await page.locator('[data-testid=graph] g.node-group[data-group="step/2~1"]').click();
  await page.waitForSelector('[data-testid=graph] g.frame[data-frame="step/2~1"]');
  const svg = page.locator('[data-testid=timeline]');
  await svg.scrollIntoViewIfNeeded();
  const box = (await svg.boundingBox())!;
  await page.mouse.move(box.x + 200, box.y + 100);
  await page.mouse.down();
  await page.mouse.move(box.x + 600, box.y + 110, { steps: 5 });
  await page.mouse.up();
  await page.mouse.click(box.x + 350, box.y + 120);
  await page.waitForSelector('[data-testid=moment-total]');
  await page.locator('[data-testid=ops-table] vscode-data-grid-cell[data-sort=op]').click();
  await page.waitForSelector('[data-testid=ops-table] vscode-data-grid-cell.sorted[data-sort=op]');
  await page.waitForTimeout(300);
  const state = await page.evaluate(() => (window as unknown as { __state: { source: string; view: Record<string, unknown> } }).__state);
  assert.equal(state.source, FIXTURE);
  const before = {
    selected: await page.getAttribute('[data-testid=graph] g.node-op.selected', 'data-node'),
    frames: await page.locator('[data-testid=graph] g.frame').evaluateAll((fs) => fs.map((f) => f.getAttribute('data-frame')).sort()),
    x0: await svg.getAttribute('data-x0'),
    x1: await svg.getAttribute('data-x1'),
    moment: await page.textContent('[data-testid=moment] h3'),
    sorted: await page.textContent('[data-testid=ops-table] vscode-data-grid-cell.sorted'),
  };
  assert.ok(before.selected !== null && before.frames.includes('step/2~1'));
  await page.close();
  // VS Code unloads a hidden webview and hands the saved state to the new one.
  const { page: again, problems } = await openPanel(browser, server.origin, { state });
  await showProfile(again, profile, FIXTURE);
  await again.waitForSelector(`[data-testid=graph] g.node-op.selected[data-node="${before.selected}"]`);
  await again.waitForSelector('[data-testid=ops-table] vscode-data-grid-cell.sorted');
  await again.waitForSelector('[data-testid=moment] h3');
  const tl = again.locator('[data-testid=timeline]');
  assert.deepEqual({
    selected: await again.getAttribute('[data-testid=graph] g.node-op.selected', 'data-node'),
    frames: await again.locator('[data-testid=graph] g.frame').evaluateAll((fs) => fs.map((f) => f.getAttribute('data-frame')).sort()),
    x0: await tl.getAttribute('data-x0'),
    x1: await tl.getAttribute('data-x1'),
    moment: await again.textContent('[data-testid=moment] h3'),
    sorted: await again.textContent('[data-testid=ops-table] vscode-data-grid-cell.sorted'),
  }, before);
  assert.deepEqual(problems, []);
  await again.close();
});

test('transformer (written by the CLI now): blocks in data-flow order, every edge forward, a large scope expands', async () => {
  const { page, problems } = await openPanel(browser, server.origin);
  await showProfile(page, transformer, transformerPath);
  await checkDataFlow(page);
  // Open the first inner step's gradient down to its blocks, in the standard run.
  for (const id of ['step/0', 'step/0/grad']) {
    if (await page.locator(`[data-testid=graph] g.frame[data-frame="${id}"]`).count()) continue;
    await page.locator(`[data-testid=graph] g.node-group[data-group="${id}"]`).click();
    await page.waitForSelector(`[data-testid=graph] g.frame[data-frame="${id}"]`);
  }
  const boxes = await drawnBoxes(page);
  const blocks = [...boxes.keys()].filter((k) => /^step\/0\/grad\/block\/\d+$/.test(k));
  assert.ok(blocks.length >= 2, `blocks drawn: ${blocks}`);
  readingOrder(boxes, blocks.sort((a, b) => Number(a.split('/').pop()) - Number(b.split('/').pop())));
  const flow = await checkDataFlow(page);
  assert.ok(flow.edges > 10);
  await page.locator('[data-testid=graph-section]').screenshot({ path: join(ARTIFACTS, 'graph-transformer-dark.png') });
  assert.deepEqual(problems, []);
  assert.deepEqual((await posted(page)).filter((x) => x.type !== 'ready'), []);
  await page.close();
});

test('diff view of two real profiles (MLP block vs step+block): the right peak delta per mode', async () => {
  const a = fixtureProfile();
  const { page, problems } = await openPanel(browser, server.origin);
  await show(page, { type: 'diff', a: { profile: a, title: 'block', source: FIXTURE }, b: { profile: mlpStepBlock, title: 'step+block', source: mlpStepBlockPath } });
  await page.waitForSelector('[data-testid=diff-standard]');
  for (const mode of ['standard', 'mixflow'] as const) {
    const ra = a.runs.find((r) => r.mode === mode)!;
    const rb = mlpStepBlock.runs.find((r) => r.mode === mode)!;
    assert.equal(Number(await page.getAttribute(`[data-testid=diff-${mode}] [data-field=peak-delta]`, 'data-bytes')), rb.totals.peak_bytes - ra.totals.peak_bytes);
  }
  assert.match((await page.textContent('[data-testid=diff-settings]'))!, /remat block → step\+block/);
  await page.screenshot({ path: join(ARTIFACTS, 'diff-dark.png'), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test('dark, light and high-contrast screenshots (test/artifacts/)', async () => {
  for (const [name, theme] of [['dark', DARK_THEME], ['light', LIGHT_THEME], ['high-contrast', HIGH_CONTRAST_THEME]] as const) {
    const { page, problems } = await openPanel(browser, server.origin, { theme });
    await showProfile(page, fixtureProfile(), FIXTURE);
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(ARTIFACTS, `panel-${name}.png`) });
    await page.locator('[data-testid=graph-section]').screenshot({ path: join(ARTIFACTS, `graph-${name}.png`) });
    await page.locator('[data-testid=timeline-section]').screenshot({ path: join(ARTIFACTS, `timeline-${name}.png`) });
    assert.deepEqual(problems, []);
    await page.close();
  }
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
