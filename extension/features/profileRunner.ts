/**
 * MixFlow: Profile Setup runs `mixflow profile SETUP --compare` (the extension's own
 * dist/cli.js) in a child process with progress and cancellation, then opens the profile
 * panel. Running a setup is refused in untrusted workspaces. MixFlow: Open Profile shows an
 * existing `mixflow-profile/1` file; the panel's serializer restores it after a restart.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import * as vscode from 'vscode';
import { COMMANDS, PROFILE_VIEW_TYPE, SETTINGS } from '../commands.js';
import { output, showErrorWithOutput } from '../output.js';
import { ProfilePanel, type PanelHost, type ShownProfile } from '../panel/ProfilePanel.js';
import { PROFILES_DIR, profileFileName, profilesDir, recentProfiles, type ProfileLocation } from '../profiles/profileFiles.js';
import { parseProfile } from '../../engine/profile/validate.js';
import { parseWebviewState, rerunSettings, type RerunBackend } from '../../webview/protocol.js';
import type { ProfileRemat } from '../../engine/profile/format.js';
import { profileArgs, runProfileCli } from './cliProcess.js';

const UNTRUSTED = 'MixFlow: profiling runs the setup in a child process, so it is disabled in untrusted workspaces. Trust this workspace to profile; scanning and rewriting work without trust.';

function readProfile(path: string, title: string): ShownProfile {
  return { profile: parseProfile(readFileSync(path, 'utf8')), title, source: path };
}

/** The setup a profile was made from: its path as recorded, against the profile's folder or a workspace folder. */
function setupOf(shown: ShownProfile): string | undefined {
  const p = shown.profile.setup.path;
  if (!p) return undefined;
  const bases = [...(shown.source ? [dirname(shown.source)] : []), ...(vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath)];
  const candidates = isAbsolute(p) ? [p] : bases.map((b) => resolve(b, p));
  return candidates.find((c) => existsSync(c));
}

async function pickSetup(arg: unknown): Promise<vscode.Uri | undefined> {
  if (arg instanceof vscode.Uri) return arg;
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active && /\.mixflow\.json$/i.test(active.fsPath)) return active;
  const found = await vscode.workspace.findFiles('**/*.mixflow.json', '**/node_modules/**', 200);
  if (found.length === 0) {
    void vscode.window.showInformationMessage('MixFlow: no *.mixflow.json setup in this workspace (`mixflow init` writes examples).');
    return undefined;
  }
  const items = found.map((uri) => ({ label: basename(uri.fsPath), description: vscode.workspace.asRelativePath(uri), uri }));
  return (await vscode.window.showQuickPick(items, { title: 'MixFlow: setup to profile', matchOnDescription: true }))?.uri;
}

export class Profiler implements PanelHost {
  private readonly running = new Set<AbortController>();

  constructor(private readonly context: vscode.ExtensionContext) {}

  onAction(action: 'openSetup' | 'rerun', shown: ShownProfile, rerun?: { remat?: ProfileRemat; backend?: RerunBackend }): void {
    const setup = setupOf(shown);
    if (!setup) {
      void vscode.window.showWarningMessage(`MixFlow: cannot find the setup ${shown.profile.setup.path ?? '(none recorded)'}.`);
      return;
    }
    if (action === 'openSetup') void vscode.window.showTextDocument(vscode.Uri.file(setup), { viewColumn: vscode.ViewColumn.One });
    else {
      // "Profile again" reruns with the profile's recorded settings, not the current ones; the toolbar's pickers override them.
      void this.profile(vscode.Uri.file(setup), rerunSettings(shown.profile, rerun));
    }
  }

  async profile(arg?: unknown, settings?: { remat: string; backend: string }): Promise<void> {
    if (!vscode.workspace.isTrusted) {
      if (await vscode.window.showWarningMessage(UNTRUSTED, 'Manage Workspace Trust')) await vscode.commands.executeCommand('workbench.trust.manage');
      return;
    }
    const setup = await pickSetup(arg);
    if (!setup) return;
    if (setup.scheme !== 'file') {
      void vscode.window.showWarningMessage('MixFlow: only setups on disk can be profiled.');
      return;
    }
    await vscode.workspace.textDocuments.find((d) => d.uri.toString() === setup.toString() && d.isDirty)?.save();
    const config = vscode.workspace.getConfiguration();
    const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
    const dir = profilesDir(setup.fsPath, folders, config.get<ProfileLocation>(SETTINGS.profileLocation, 'workspace'));
    mkdirSync(dir, { recursive: true });
    const name = basename(setup.fsPath).replace(/(\.mixflow)?\.json$/i, '');
    const remat = settings?.remat ?? config.get<string>(SETTINGS.profileRemat, 'block');
    const request = {
      node: process.execPath,
      cli: this.context.asAbsolutePath(join('dist', 'cli.js')),
      setup: setup.fsPath,
      out: join(dir, profileFileName(setup.fsPath, ['standard', 'mixflow'], remat, new Date())),
      remat,
      backend: settings?.backend ?? config.get<string>(SETTINGS.profileBackend, 'auto'),
      cwd: dirname(setup.fsPath),
    };
    const log = output();
    log.appendLine(`mixflow ${profileArgs(request).join(' ')}  (${request.cli})`);
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `MixFlow: profiling ${name} (standard vs MixFlow, remat ${request.remat})`, cancellable: true },
      (progress, token) => {
        const abort = new AbortController();
        this.running.add(abort);
        token.onCancellationRequested(() => abort.abort());
        let done = 0;
        return runProfileCli(request, {
          signal: abort.signal,
          onStderrLine: (line) => log.appendLine(line),
          onProgress: (p) => {
            progress.report({ message: p.message, increment: Math.max(0, p.overall - done) });
            done = Math.max(done, p.overall);
          },
        }).finally(() => this.running.delete(abort));
      },
    );
    if (result.cancelled) {
      void vscode.window.showInformationMessage(`MixFlow: profiling ${name} cancelled; nothing was written.`);
      return;
    }
    if (result.code !== 0) {
      const why = result.stderrTail.filter((l) => l.startsWith('mixflow:')).pop() ?? `exit status ${result.code}`;
      await showErrorWithOutput(`MixFlow: profiling ${name} failed: ${why}`);
      return;
    }
    log.appendLine(result.stdout.trimEnd());
    this.open(request.out, `MixFlow profile: ${basename(request.out, '.profile.json')}`);
  }

  /** Shows a profile file in the panel, or says why it cannot. */
  open(path: string, title = `MixFlow profile: ${basename(path)}`): void {
    try {
      ProfilePanel.show(this.context.extensionUri, this, readProfile(path, title));
    } catch (e) {
      void vscode.window.showErrorMessage(`MixFlow: ${basename(path)}: ${(e as Error).message}`);
    }
  }

  async openCommand(arg?: unknown): Promise<void> {
    const uri = arg instanceof vscode.Uri
      ? arg
      : (await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'MixFlow profile': ['json'] }, title: 'MixFlow: open a profile' }))?.[0];
    if (uri) this.open(uri.fsPath);
  }

  /** The `.mixflow/profiles/` folders of the workspace, newest profile first. */
  private recent() {
    const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
    return recentProfiles(folders.map((f) => join(f, PROFILES_DIR)));
  }

  private recentItems() {
    return this.recent().map((r) => ({
      label: basename(r.path, '.profile.json'),
      description: vscode.workspace.asRelativePath(r.path),
      detail: new Date(r.mtimeMs).toLocaleString(),
      path: r.path,
    }));
  }

  async openRecentCommand(): Promise<void> {
    const items = this.recentItems();
    if (items.length === 0) {
      void vscode.window.showInformationMessage(`MixFlow: no profiles in ${PROFILES_DIR} yet (MixFlow: Profile Setup writes them there).`);
      return;
    }
    const pick = await vscode.window.showQuickPick(items, { title: 'MixFlow: open a recent profile', matchOnDescription: true });
    if (pick) this.open(pick.path);
  }

  /** Compare Profiles…: two files given (tests, the explorer), or picked from the recent ones / a file dialog. */
  async compareCommand(a?: unknown, b?: unknown): Promise<void> {
    let paths: string[] = [a, b].filter((x): x is vscode.Uri => x instanceof vscode.Uri).map((u) => u.fsPath);
    if (Array.isArray(b) && b.length === 2 && b.every((x) => x instanceof vscode.Uri)) paths = (b as vscode.Uri[]).map((u) => u.fsPath);
    if (paths.length !== 2) {
      const items = this.recentItems();
      if (items.length >= 2) {
        const picked = await vscode.window.showQuickPick(items, { title: 'MixFlow: pick two profiles to compare (the older is A)', canPickMany: true, matchOnDescription: true });
        if (!picked) return;
        paths = picked.map((p) => p.path);
      } else {
        const uris = await vscode.window.showOpenDialog({ canSelectMany: true, filters: { 'MixFlow profile': ['json'] }, title: 'MixFlow: pick two profiles to compare' });
        if (!uris) return;
        paths = uris.map((u) => u.fsPath);
      }
      if (paths.length !== 2) {
        void vscode.window.showWarningMessage(`MixFlow: pick exactly two profiles to compare (got ${paths.length}).`);
        return;
      }
      paths.reverse(); // newest first in the list: the older one is the baseline
    }
    this.openDiff(paths[0]!, paths[1]!);
  }

  openDiff(a: string, b: string): void {
    try {
      ProfilePanel.showDiff(this.context.extensionUri, this, readProfile(a, basename(a, '.profile.json')), readProfile(b, basename(b, '.profile.json')));
    } catch (e) {
      void vscode.window.showErrorMessage(`MixFlow: cannot compare: ${(e as Error).message}`);
    }
  }

  /** Restores a panel from its webview state (the profile's file, or the two compared). */
  revive(panel: vscode.WebviewPanel, state: unknown): void {
    let s;
    try {
      s = parseWebviewState(state);
    } catch (e) {
      s = null;
      output().appendLine(`profile panel: ignored its saved state: ${(e as Error).message}`);
    }
    const key = !s ? `restored:${Date.now()}` : s.compare ? `diff:${s.source}\n${s.compare.source}` : s.source;
    const p = ProfilePanel.revive(panel, this.context.extensionUri, this, key);
    if (!s) return p.showError('MixFlow profile', 'Nothing to restore: open a profile with MixFlow: Open Profile.');
    try {
      if (s.compare) p.showDiff(readProfile(s.source, s.title), readProfile(s.compare.source, s.compare.title));
      else p.showProfile(readProfile(s.source, s.title));
    } catch (e) {
      p.showError(s.title, `Could not reopen ${s.source}: ${(e as Error).message}`);
    }
  }

  dispose(): void {
    this.running.forEach((a) => a.abort());
    ProfilePanel.disposeAll();
  }
}

export function register(context: vscode.ExtensionContext): void {
  const profiler = new Profiler(context);
  context.subscriptions.push(
    profiler,
    vscode.commands.registerCommand(COMMANDS.profileSetup, (arg?: unknown) => profiler.profile(arg)),
    vscode.commands.registerCommand(COMMANDS.openProfile, (arg?: unknown) => profiler.openCommand(arg)),
    vscode.commands.registerCommand(COMMANDS.openRecentProfile, () => profiler.openRecentCommand()),
    vscode.commands.registerCommand(COMMANDS.compareProfiles, (a?: unknown, b?: unknown) => profiler.compareCommand(a, b)),
    vscode.window.registerWebviewPanelSerializer(PROFILE_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state) => profiler.revive(panel, state),
    }),
  );
}
