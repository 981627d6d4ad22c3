/**
 * The profile panel's performance in Chromium (`npm run bench:panel [-- --flagship FILE]`):
 * the first view of a profile (message to graph drawn), expanding a 500-op scope, and
 * collapsing/expanding in a synthetic 50 000-node profile. Each measured on fresh pages,
 * interleaved, several times: prints medians and spread (the machine may be shared and noisy).
 */
import { readFileSync, rmSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { parseProfile } from '../engine/profile/validate.js';
import type { ProfileFile } from '../engine/profile/format.js';
import { buildWebview, launch, openPanel, servePanel } from '../test/webview/browser.js';
import { FIXTURE } from '../test/webview/fixture.js';
import { syntheticProfile } from '../test/webview/synthetic.js';

const REPEATS = Number(process.env.REPEATS ?? 3);

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

async function readyCount(page: Page): Promise<number> {
  return Number((await page.getAttribute('[data-testid=graph]', 'data-ready')) ?? 0);
}

/** ms from `act` until the graph has been drawn again. */
async function timeRedraw(page: Page, act: () => Promise<void>): Promise<number> {
  const before = await readyCount(page);
  const t0 = await page.evaluate(() => performance.now());
  await act();
  await page.waitForFunction((b) => Number(document.querySelector('[data-testid=graph]')?.getAttribute('data-ready') ?? 0) > b, before, { timeout: 120_000 });
  return (await page.evaluate(() => performance.now())) - t0;
}

async function firstView(page: Page, text: string): Promise<number> {
  const t0 = await page.evaluate(() => performance.now());
  await page.evaluate((t) => window.postMessage(JSON.parse(t), '*'), text);
  await page.waitForSelector('[data-testid=graph][data-ready]', { timeout: 120_000 });
  return (await page.evaluate(() => performance.now())) - t0;
}

/** Clicks a group box (expand) or a frame title (collapse) from the page's own script (no scrolling or hit-testing in the timing). */
async function clickGroup(page: Page, id: string, frame: boolean): Promise<void> {
  await page.evaluate(([i, f]) => {
    const sel = f ? `[data-testid=graph] g.frame[data-frame="${i}"] g.frame-title` : `[data-testid=graph] g.node-group[data-group="${i}"]`;
    (document.querySelector(sel) as SVGGElement).dispatchEvent(new MouseEvent('click', { bubbles: true }));
  }, [id, frame] as const);
}

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const med = s[Math.floor(s.length / 2)]!;
  return `${med.toFixed(0).padStart(6)} ms  (min ${s[0]!.toFixed(0)}, max ${s.at(-1)!.toFixed(0)}, n=${s.length})`;
}

async function main(): Promise<void> {
  const flagshipPath = arg('--flagship');
  const first: [string, ProfileFile][] = [['MLP fixture (mlp-hyper, block)', parseProfile(readFileSync(FIXTURE, 'utf8'))]];
  if (flagshipPath) first.push([`flagship (${flagshipPath})`, parseProfile(readFileSync(flagshipPath, 'utf8'))]);
  const synthetic = syntheticProfile(10, 10, 500);
  const dir = await buildWebview();
  const server = await servePanel(dir);
  const browser = await launch();
  const results = new Map<string, number[]>();
  const add = (k: string, v: number) => results.set(k, [...(results.get(k) ?? []), v]);
  try {
    for (let r = 0; r < REPEATS; r++) {
      for (const [name, profile] of first) {
        const { page } = await openPanel(browser, server.origin);
        add(`first view: ${name} (${profile.runs[0]!.graph.nodes.id.length.toLocaleString('en-US')} nodes)`, await firstView(page, JSON.stringify({ type: 'profile', profile, title: name, source: `/bench/${r}` })));
        await page.close();
      }
      const { page } = await openPanel(browser, server.origin);
      add('first view: synthetic 50,000 nodes', await firstView(page, JSON.stringify({ type: 'profile', profile: synthetic, title: 'synthetic', source: `/bench/s${r}` })));
      for (const id of ['step/0', 'step/0/grad']) {
        if (!(await page.locator(`[data-testid=graph] g.frame[data-frame="${id}"]`).count())) await timeRedraw(page, () => clickGroup(page, id, false));
      }
      add('expand a 500-op scope (step/0/grad/block/0)', await timeRedraw(page, () => clickGroup(page, 'step/0/grad/block/0', false)));
      add('synthetic 50,000 nodes: collapse step/0', await timeRedraw(page, () => clickGroup(page, 'step/0', true)));
      add('synthetic 50,000 nodes: expand step/0 again', await timeRedraw(page, () => clickGroup(page, 'step/0', false)));
      add('synthetic 50,000 nodes: expand step/5', await timeRedraw(page, () => clickGroup(page, 'step/5', false)));
      await page.close();
    }
  } finally {
    await browser.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log('profile panel in Chromium (layout in a worker), medians over fresh pages:');
  for (const [k, v] of results) console.log(`  ${k.padEnd(62)} ${stats(v)}`);
  if (!flagshipPath) console.log('  (no --flagship FILE: write one with `mixflow profile engine/setup/examples/transformer-flagship.mixflow.json --compare --profile FILE`)');
  console.log('targets: flagship first view < 1500 ms; a 500-op scope < 300 ms; 50,000 nodes collapse/expand < 500 ms');
}

void main().catch((e) => {
  console.error(e);
  process.exit(1);
});
