/**
 * MixFlow: Profile Setup runs `mixflow profile SETUP --compare` (the extension's own
 * dist/cli.js) in a child process with progress and cancellation, then opens the profile
 * panel. Running a setup is refused in untrusted workspaces. When the CLI's pre-flight memory
 * check refuses the setup (exit 2), the message says why, with an Open Estimate button that
 * runs MixFlow: Estimate Setup Memory (`mixflow estimate` for both modes, opened as text).
 * MixFlow: Open Profile shows an existing `mixflow-profile/1` file; the panel's serializer
 * restores it after a restart.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import * as vscode from 'vscode';
import { COMMANDS, PROFILE_VIEW_TYPE, SETTINGS } from '../commands.js';
import { output, showErrorWithOutput } from '../output.js';
import { ProfilePanel, type PanelHost, type ShownProfile } from '../panel/ProfilePanel.js';
import { parseProfile } from '../../engine/profile/validate.js';
import { PROFILES_DIR, profileFileName, profilesDir, recentProfiles, type ProfileLocation } from '../profiles/profileFiles.js';
import { parseWebviewState, rerunSettings, type RerunBackend } from '../../webview/protocol.js';
import type { ProfileRemat } from '../../engine/profile/format.js';
import { estimateCli, parseRefusal, profileArgs, runProfileCli, type ProfileRunRequest } from './cliProcess.js';
import { backendBudget, pickRemat, runPlan } from './fitBudget.js';
import { formatBytes } from '../../engine/core/text.js';
import { parseBytes } from '../../engine/core/bytes.js';

/** The button on a pre-flight refusal that opens the static plan instead. */
export const OPEN_ESTIMATE = 'Open Estimate';

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

  /** Whether the workspace is trusted; says why not (and offers to manage trust) otherwise. */
  private async trusted(): Promise<boolean> {
    if (vscode.workspace.isTrusted) return true;
    if (await vscode.window.showWarningMessage(UNTRUSTED, 'Manage Workspace Trust')) await vscode.commands.executeCommand('workbench.trust.manage');
    return false;
  }

  /** The setup to run and how (from the settings), after saving it if it has unsaved edits. */
  private async request(arg: unknown, settings?: { remat: string; backend: string }): Promise<{ name: string; request: ProfileRunRequest } | undefined> {
    const setup = await pickSetup(arg);
    if (!setup) return undefined;
    if (setup.scheme !== 'file') {
      void vscode.window.showWarningMessage('MixFlow: only setups on disk can be profiled.');
      return undefined;
    }
    await vscode.workspace.textDocuments.find((d) => d.uri.toString() === setup.toString() && d.isDirty)?.save();
    const config = vscode.workspace.getConfiguration();
    const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
    const dir = profilesDir(setup.fsPath, folders, config.get<ProfileLocation>(SETTINGS.profileLocation, 'workspace'));
    mkdirSync(dir, { recursive: true });
    const name = basename(setup.fsPath).replace(/(\.mixflow)?\.json$/i, '');
    const cli = this.context.asAbsolutePath(join('dist', 'cli.js'));
    const backend = settings?.backend ?? config.get<string>(SETTINGS.profileBackend, 'auto');
    const remat = settings?.remat ?? (await this.chooseRemat(cli, setup.fsPath, config.get<string>(SETTINGS.profileRemat, 'block'), backend));
    if (!remat) return;
    const request = {
      node: process.execPath,
      cli,
      setup: setup.fsPath,
      out: join(dir, profileFileName(setup.fsPath, ['standard', 'mixflow'], remat, new Date())),
      remat,
      backend,
      cwd: dirname(setup.fsPath),
    };
    return { name, request };
  }

  /**
   * MixFlow: Profile Setup. Resolves to what happened (for callers and tests): `refused` holds
   * the pre-flight check's message when the setup cannot fit (shown with an Open Estimate button).
   */
  async profile(arg?: unknown, settings?: { remat: string; backend: string }): Promise<{ readonly refused?: string } | undefined> {
    if (!(await this.trusted())) return undefined;
    const picked = await this.request(arg, settings);
    if (!picked) return undefined;
    const { name, request } = picked;
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
      return {};
    }
    const refusal = result.code === 2 ? parseRefusal(result.stderrTail) : undefined;
    if (refusal) {
      const message = `MixFlow: profiling ${name} ${refusal.summary}${refusal.details.length ? ` ${refusal.details.filter((d) => !d.startsWith('`mixflow estimate')).join(' ')}` : ''}`;
      void this.refused(message, name, request);
      return { refused: message };
    }
    if (result.code !== 0) {
      const why = result.stderrTail.filter((l) => l.startsWith('mixflow:')).pop() ?? `exit status ${result.code}`;
      await showErrorWithOutput(`MixFlow: profiling ${name} failed: ${why}`);
      return {};
    }
    log.appendLine(result.stdout.trimEnd());
    this.open(request.out, `MixFlow profile: ${basename(request.out, '.profile.json')}`);
    return {};
  }

  /**
   * The pre-flight check refused the run (it cannot fit the backend's memory): says so with the
   * planned peak and what would fit, and offers the static plan of both modes instead.
   */
  private async refused(message: string, name: string, request: ProfileRunRequest): Promise<void> {
    const pick = await vscode.window.showErrorMessage(message, OPEN_ESTIMATE, 'Show Output');
    if (pick === 'Show Output') output().show(true);
    if (pick === OPEN_ESTIMATE) await this.openEstimate(name, request);
  }

  /** MixFlow: Estimate Setup Memory: the static plan of both modes, opened in an editor; resolves to its text. */
  async estimate(arg?: unknown): Promise<string | undefined> {
    if (!(await this.trusted())) return undefined;
    const picked = await this.request(arg);
    return picked && this.openEstimate(picked.name, picked.request);
  }

  /** Runs `mixflow estimate` for both modes (remat from the settings) and opens what it printed in an editor. */
  async openEstimate(name: string, request: ProfileRunRequest): Promise<string | undefined> {
    const text = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `MixFlow: estimating ${name} (static plan, remat ${request.remat})`, cancellable: true },
      async (_progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        const parts: string[] = [];
        for (const mode of ['standard', 'mixflow'] as const) {
          const r = await estimateCli(request, mode, abort.signal);
          if (abort.signal.aborted) return undefined;
          parts.push(r.code === 0 ? r.stdout.trimEnd() : `${mode}: mixflow estimate failed (exit ${r.code}): ${r.stderr.trim()}`);
        }
        return `MixFlow static memory plan of ${request.setup} (from shapes; nothing allocated)\n\n${parts.join('\n\n')}\n`;
      },
    );
    if (text === undefined) return undefined;
    const doc = await vscode.workspace.openTextDocument({ content: text, language: 'plaintext' });
    await vscode.window.showTextDocument(doc, { preview: true });
    return text;
  }

  /** The settings' remat, or "fit to budget": the cheapest policy `mixflow plan` finds fitting. */
  private async chooseRemat(cli: string, setup: string, configured: string, backend: string): Promise<string | undefined> {
    if (configured !== 'fit') return configured;
    const limit = backendBudget(backend);
    const text = await vscode.window.showInputBox({
      title: 'MixFlow: memory budget',
      prompt: `Bytes the run may use (default: the ${backend} backend's limit)`,
      value: formatBytes(limit).replace(' ', ''),
      validateInput: (v) => (parseBytes(v) === null ? 'a byte count such as 4GiB, 512MiB or 1000000' : undefined),
    });
    const budget = text === undefined ? null : parseBytes(text);
    if (budget === null) return undefined;
    const plans = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `MixFlow: planning every policy against ${formatBytes(budget)}`, cancellable: true },
      (_progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        return runPlan(process.execPath, cli, setup, budget, abort.signal).catch((e: Error) => {
          if (!abort.signal.aborted) void showErrorWithOutput(`MixFlow: planning failed: ${e.message}`);
          return null;
        });
      },
    );
    if (!plans) return undefined;
    const chosen = pickRemat(plans);
    if (!chosen) {
      void vscode.window.showWarningMessage(`MixFlow: no policy fits in ${formatBytes(budget)}, not even with revolve; nothing was run.`);
      return undefined;
    }
    output().appendLine(`fit to ${formatBytes(budget)}: remat ${chosen.remat}${chosen.bothFit ? '' : ' (standard mode does not fit under any policy MixFlow fits with)'}`);
    return chosen.remat;
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
    vscode.commands.registerCommand(COMMANDS.estimateSetup, (arg?: unknown) => profiler.estimate(arg)),
    vscode.commands.registerCommand(COMMANDS.openRecentProfile, () => profiler.openRecentCommand()),
    vscode.commands.registerCommand(COMMANDS.compareProfiles, (a?: unknown, b?: unknown) => profiler.compareCommand(a, b)),
    vscode.window.registerWebviewPanelSerializer(PROFILE_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state) => profiler.revive(panel, state),
    }),
  );
}
