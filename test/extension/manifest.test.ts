/** package.json's extension manifest against the code: ids, category, settings, activation, trust. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BACKEND_CHOICES, CATEGORY, COMMANDS, HELPER_CHOICES, PROFILE_REMAT_CHOICES, PROFILE_VIEW_TYPE, SETTINGS } from '../../extension/commands.js';

const ROOT = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const contributed: { command: string; title: string; category: string }[] = pkg.contributes.commands;
const settings: Record<string, { type: string; default: unknown; enum?: string[] }> = pkg.contributes.configuration.properties;

test('command ids in the code are exactly the contributed commands', () => {
  assert.deepEqual(contributed.map((c) => c.command).sort(), Object.values(COMMANDS).sort());
});

test('every command is in the MixFlow category, with a title', () => {
  for (const c of contributed) {
    assert.equal(c.category, CATEGORY, c.command);
    assert.ok(c.title.length > 3 && !c.title.startsWith('MixFlow'), `${c.command}: the palette shows "MixFlow: <title>"`);
  }
});

test('the commands the brief names are there', () => {
  const titles = contributed.map((c) => c.title);
  for (const t of ['Profile Setup (standard vs MixFlow)', 'Open Profile', 'Scan Workspace for Reverse-over-Reverse Code', 'Rewrite File to Mixed Mode']) assert.ok(titles.includes(t), t);
});

test('settings exist for code lenses, decorations, the quick fix, live diagnostics, remat and backend, with the code\'s choices', () => {
  assert.deepEqual(Object.keys(settings).sort(), Object.values(SETTINGS).sort());
  for (const key of [SETTINGS.codeLensEnabled, SETTINGS.decorationsEnabled, SETTINGS.quickFixEnabled, SETTINGS.diagnosticsLive]) {
    assert.deepEqual([settings[key]!.type, settings[key]!.default], ['boolean', true], key);
  }
  assert.equal(settings[SETTINGS.profileRemat]!.default, 'block');
  assert.deepEqual(settings[SETTINGS.profileRemat]!.enum, [...PROFILE_REMAT_CHOICES]);
  assert.equal(settings[SETTINGS.profileBackend]!.default, 'auto');
  assert.deepEqual(settings[SETTINGS.profileBackend]!.enum, [...BACKEND_CHOICES]);
  assert.equal(settings[SETTINGS.rewriteHelper]!.default, 'inline');
  assert.deepEqual([settings[SETTINGS.rewritePreview]!.type, settings[SETTINGS.rewritePreview]!.default], ['boolean', true]);
  assert.deepEqual(settings[SETTINGS.rewriteHelper]!.enum, [...HELPER_CHOICES]);
});

test('the code-lens target command is hidden from the palette', () => {
  const palette: { command: string; when?: string }[] = pkg.contributes.menus.commandPalette;
  assert.equal(palette.find((m) => m.command === COMMANDS.applyRewrite)?.when, 'false');
});

test('activation is narrow: languages, setups, commands and the panel, never "*"', () => {
  const events: string[] = pkg.activationEvents;
  assert.ok(!events.includes('*') && !events.includes('onStartupFinished'));
  for (const e of ['onLanguage:python', 'onLanguage:typescript', 'workspaceContains:**/*.mixflow.json', `onWebviewPanel:${PROFILE_VIEW_TYPE}`]) assert.ok(events.includes(e), e);
  for (const id of Object.values(COMMANDS)) assert.ok(events.includes(`onCommand:${id}`), id);
  for (const e of events) assert.match(e, /^(onLanguage|workspaceContains|onCommand|onWebviewPanel):/);
});

test('manifest: main bundle, limited untrusted-workspace support, @types/vscode no newer than engines.vscode', () => {
  assert.equal(pkg.main, './dist/extension.js');
  assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
  assert.ok(pkg.capabilities.untrustedWorkspaces.description.length > 20);
  const engine = /^\^(\d+)\.(\d+)\.\d+$/.exec(pkg.engines.vscode)!;
  const types = /^(\d+)\.(\d+)\.\d+$/.exec(pkg.devDependencies['@types/vscode'])!;
  assert.ok(engine && types, 'engines.vscode ^x.y.z and @types/vscode pinned to x.y.z');
  assert.ok(Number(types[1]) * 1000 + Number(types[2]) <= Number(engine[1]) * 1000 + Number(engine[2]));
});

test('explorer menus offer profiling on setups and opening on profiles', () => {
  const menu: { command: string; when: string }[] = pkg.contributes.menus['explorer/context'];
  assert.match(menu.find((m) => m.command === COMMANDS.profileSetup)!.when, /mixflow\\\\?\.json/);
  assert.match(menu.find((m) => m.command === COMMANDS.openProfile)!.when, /profile\\\\?\.json/);
});

test('the extension bundle loads with only vscode missing, and exports activate/deactivate', () => {
  const bundle = join(ROOT, 'dist', 'extension.js');
  assert.ok(existsSync(bundle), 'dist/extension.js is missing: run `npm run build`');
  const plain = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(bundle)})`], { encoding: 'utf8' });
  assert.notEqual(plain.status, 0);
  assert.match(plain.stderr, /Cannot find module 'vscode'/);
  // With a stand-in vscode module the whole bundle evaluates (the scanner and TypeScript load lazily).
  const stub = join(mkdtempSync(join(tmpdir(), 'mixflow-vscode-stub-')), 'node_modules', 'vscode');
  mkdirSync(stub, { recursive: true });
  writeFileSync(join(stub, 'index.js'), `const h = { get: (t, k) => (k in t ? t[k] : (t[k] = new Proxy(class {}, h))) };
module.exports = Object.fromEntries(['CodeLens', 'EventEmitter', 'Range', 'Position', 'TextEdit', 'WorkspaceEdit', 'window', 'workspace', 'commands', 'languages', 'Uri'].map((n) => [n, new Proxy(class {}, h)]));`);
  const code = `const m = require(${JSON.stringify(bundle)}); const ts = Object.keys(require.cache).some((k) => k.includes('/node_modules/typescript/'));
console.log(JSON.stringify({ activate: typeof m.activate, deactivate: typeof m.deactivate, ts }));`;
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', env: { ...process.env, NODE_PATH: join(stub, '..') } });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { activate: 'function', deactivate: 'function', ts: false });
});
