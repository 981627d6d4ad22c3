/**
 * code-server's workbench in headless Chromium (playwright-core): a window on a folder with the
 * extension under development and its extension-host suite (run through the smoke-test driver's
 * hooks), and the few UI gestures the tests make (Explorer clicks, code lenses, the F1 palette,
 * the quick-fix menu, the Settings editor). The headless page is never focused, so toasts stay
 * hidden; nothing here waits on one.
 */
import type { Page } from 'playwright-core';
import type { Browser } from '../webview/browser.js';
import type { CodeServer } from './codeServer.js';
import { SUITE_PATH } from './devExtension.js';

export interface Window {
  readonly page: Page;
  /** The exit code the workbench reports after an extension-test run. */
  readonly exited: Promise<number>;
  /** Workbench and extension-host log lines, for failure messages. */
  readonly logs: string[];
}

function remote(server: CodeServer, path: string): string {
  return `vscode-remote://${new URL(server.origin).host}${path}`;
}

/** Opens `folder` with the extension at `extensionDir` loaded and its test suite started (see host/suite.ts). */
export async function openWindow(browser: Browser, server: CodeServer, folder: string, extensionDir: string): Promise<Window> {
  const page = await browser.context.newPage();
  const logs: string[] = [];
  let exit!: (code: number) => void;
  const exited = new Promise<number>((r) => (exit = r));
  await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => logs.push(`${type}: ${args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}`));
  await page.exposeFunction('codeAutomationExit', (code: number) => exit(code));
  const payload = [['extensionDevelopmentPath', remote(server, extensionDir)], ['extensionTestsPath', remote(server, `${extensionDir}/${SUITE_PATH}`)]];
  await page.goto(`${server.origin}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
  return { page, exited, logs };
}

/** The suite's exit code (the window's extension host ends after it), or an error with the window's log after `timeoutMs`. */
export async function suiteExit(w: Window, timeoutMs: number): Promise<number> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<number>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the extension-host suite did not finish within ${timeoutMs} ms:\n${w.logs.join('\n')}`)), timeoutMs);
  });
  try {
    return await Promise.race([w.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const EDITOR = '.part.editor .editor-group-container.active .monaco-editor';

/** Matches exactly `text` (a label, a file name). */
function exactly(text: string): RegExp {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}

/** Opens a workspace file by clicking it in the Explorer; resolves when its editor is the active one. */
export async function openFromExplorer(page: Page, name: string): Promise<void> {
  await page.locator('.explorer-folders-view .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: exactly(name) }) }).click();
  await page.locator('.part.editor .tab.active', { hasText: name }).waitFor();
  await page.locator(`${EDITOR} .view-lines`).waitFor();
}

export interface LensOnScreen {
  readonly text: string;
  /** The line the lens is drawn above (1-based), from the line numbers' positions. */
  readonly line: number | null;
}

/**
 * One reading of the code lenses drawn in the active editor, each with the line right below it.
 * A string, not a function: tsx would wrap the named inner functions in helpers the page lacks.
 */
function readLenses(page: Page): Promise<LensOnScreen[]> {
  return page.evaluate(`(() => {
    const editor = document.querySelector(${JSON.stringify(EDITOR)});
    if (!editor) return [];
    const top = (e) => parseFloat(e.style.top);
    const numbers = Array.from(editor.querySelectorAll('.margin-view-overlays .line-numbers'))
      .map((n) => ({ top: top(n.parentElement), line: Number(n.textContent) }))
      .sort((a, b) => a.top - b.top);
    return Array.from(editor.querySelectorAll('.codelens-decoration')).map((l) => ({
      text: l.textContent ?? '',
      line: numbers.find((n) => n.top > top(l))?.line ?? null,
    }));
  })()`);
}

/**
 * The code lenses drawn in the active editor once the drawing has settled: a lens and the line
 * numbers are laid out in separate passes, so a single reading can catch them half done. Settled
 * means every lens placed and two readings 100 ms apart the same (else the last reading).
 */
export async function lensesOnScreen(page: Page, timeoutMs = 10_000): Promise<LensOnScreen[]> {
  const deadline = Date.now() + timeoutMs;
  let last = await readLenses(page);
  for (;;) {
    await page.waitForTimeout(100);
    const now = await readLenses(page);
    if ((JSON.stringify(now) === JSON.stringify(last) && now.every((l) => l.line !== null)) || Date.now() > deadline) return now;
    last = now;
  }
}

/** Waits until the active editor shows a code lens whose text contains `text`, or none such when `present` is false. */
export async function waitForLens(page: Page, text: string, present = true, timeoutMs = 20_000): Promise<void> {
  await page.waitForFunction(
    ([editorSel, t, want]) => Array.from(document.querySelectorAll(`${editorSel} .codelens-decoration`)).some((l) => (l.textContent ?? '').includes(t)) === want,
    [EDITOR, text, present] as const,
    { timeout: timeoutMs },
  );
}

export async function clickLens(page: Page, text: string): Promise<void> {
  await page.locator(`${EDITOR} .codelens-decoration a`, { hasText: text }).click();
}

/**
 * Puts the cursor on the first line of the active editor containing `text`, opens the quick-fix
 * menu (Ctrl+.) and picks `title`. The menu is opened again (three tries) when it lacks the
 * entry: the workbench cancels a code-action request when providers change, and shows the
 * menu of a cancelled one empty.
 */
export async function applyQuickFix(page: Page, text: string, title: string): Promise<void> {
  await page.locator(`${EDITOR} .view-line`, { hasText: text }).click();
  const entry = page.locator('.action-widget .monaco-list-row', { hasText: title });
  for (let tries = 1; ; tries++) {
    await page.keyboard.press('Control+.');
    try {
      await entry.waitFor({ timeout: 5000 });
      break;
    } catch (e) {
      if (tries === 3) throw e;
      await page.keyboard.press('Escape');
    }
  }
  await entry.click();
}

/**
 * Applies the rewrite the preview diff shows: its ✓ (MixFlow: Apply Previewed Rewrite) in the
 * diff's title bar, clicked through the DOM (the title bar re-renders while the diff settles,
 * which playwright's stability wait reads as a detached element), again until the diff closes:
 * a click that lands before the diff is wired up does nothing.
 */
export async function applyPreview(page: Page): Promise<void> {
  const apply = page.locator('.editor-actions .action-label[aria-label*="Apply Previewed Rewrite"]').first();
  const diffTab = page.locator('.part.editor .tab', { hasText: 'rewritten to mixed mode' });
  await apply.waitFor({ timeout: 15_000 });
  for (let tries = 1; ; tries++) {
    await apply.evaluate((el) => (el as { click(): void }).click()).catch(() => undefined);
    try {
      await diffTab.waitFor({ state: 'detached', timeout: 3000 });
      return;
    } catch (e) {
      if (tries === 5) throw e;
    }
  }
}

/** Waits for the active editor to hold an unsaved edit (edits arrive from the extension host asynchronously), then saves it (Ctrl+S). */
export async function saveEdit(page: Page): Promise<void> {
  const dirty = page.locator('.part.editor .tab.active.dirty');
  await dirty.waitFor();
  await page.keyboard.press('Control+s');
  await dirty.waitFor({ state: 'detached' });
}

/** Opens the F1 palette on `query`; resolves with the rows it lists, once it lists at least `atLeast`. */
async function palette(page: Page, query: string, atLeast = 1) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(`>${query}`);
  const rows = page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
  await rows.nth(atLeast - 1).waitFor();
  return rows;
}

/** The labels the F1 palette lists for `query` once it lists at least `atLeast`, then closes it. */
export async function paletteEntries(page: Page, query: string, atLeast: number): Promise<string[]> {
  const labels = await (await palette(page, query, atLeast)).locator('.label-name').allTextContents();
  await page.keyboard.press('Escape');
  return labels;
}

/** Runs a command from the F1 palette by its label. */
export async function runFromPalette(page: Page, label: string): Promise<void> {
  const rows = await palette(page, label);
  await rows.filter({ has: page.locator('.label-name', { hasText: exactly(label) }) }).first().click();
}

/** Sets a boolean setting in the Settings editor (search, tick or untick), as a user does. */
export async function setBooleanSetting(page: Page, key: string, value: boolean): Promise<void> {
  await runFromPalette(page, 'Preferences: Open Settings (UI)');
  await page.locator('.settings-editor .suggest-input-container').click();
  await page.keyboard.press('Control+a');
  await page.keyboard.type(key);
  const checkbox = page.locator(`.settings-editor [data-key="${key}"] .setting-value-checkbox`);
  if ((await checkbox.getAttribute('aria-checked')) !== String(value)) await checkbox.click();
  await page.locator(`.settings-editor [data-key="${key}"] .setting-value-checkbox[aria-checked="${value}"]`).waitFor();
}
