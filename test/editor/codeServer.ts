/**
 * A real VS Code server for the editor tests: code-server from .cache/code-server (installed by
 * .ci/code-server.sh), started on a free loopback port with a scratch HOME, user data and
 * extensions folder, and stopped by killing its whole process tree. The workbench runs the
 * extension-test payload only with `enable-smoke-test-driver` (see
 * /work/shared/notes/editor-host.md).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killProcessTree, killProcessTreeNow } from './processTree.js';

export const ROOT = join(__dirname, '..', '..');
/** In the git-ignored cache, or MIXFLOW_CODE_SERVER_CACHE (the lookup scripts/testDeps.mjs checks too). */
const CODE_SERVER = join(process.env.MIXFLOW_CODE_SERVER_CACHE || join(ROOT, '.cache', 'code-server'), 'bin', 'code-server');

/** Fails (never skips) when code-server is not installed. */
export function requireCodeServer(): void {
  if (!existsSync(CODE_SERVER)) {
    throw new Error(`${CODE_SERVER} is missing: the editor tests need code-server (a real VS Code server). Install it with \`bash .ci/code-server.sh\` (about 90 s, into the git-ignored .cache/code-server; \`npm test\` does it when missing).`);
  }
}

/** User settings that keep the workbench quiet and predictable: no welcome page, chat, trust prompt or update checks. */
const QUIET_SETTINGS: Record<string, unknown> = {
  'chat.disableAIFeatures': true,
  'chat.commandCenter.enabled': false,
  'workbench.startupEditor': 'none',
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  'files.autoSave': 'off',
};

/**
 * Built-in extensions the tests do without: those that start eagerly (git, GitHub, chat) only
 * slow each window down, and those that start when a settings change opens settings.json
 * (JSON, TypeScript, npm, emmet) register code-action providers mid-test, and a change of
 * providers cancels the code-action requests in flight, which then come back empty.
 */
const SKIPPED_BUILTINS = [
  'GitHub.copilot-chat', 'vscode.git', 'vscode.git-base', 'vscode.github', 'vscode.github-authentication', 'vscode.debug-auto-launch', 'vscode.merge-conflict',
  'vscode.configuration-editing', 'vscode.extension-editing', 'vscode.json-language-features', 'vscode.typescript-language-features', 'vscode.npm', 'vscode.emmet',
];

export interface CodeServer {
  readonly origin: string;
  /** Everything the server printed, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

/**
 * Makes sure the server does not outlive the test process when it ends before stop() (a crash,
 * Ctrl-C, the runner's timeout): the server runs in its own process group, so no signal meant
 * for the tests reaches it. Returns the function that undoes this.
 */
function killWithTestProcess(pid: number): () => void {
  const now = () => killProcessTreeNow(pid);
  const onSignal = (sig: NodeJS.Signals) => {
    now();
    process.kill(process.pid, sig); // this handler is gone: the default action ends the process
  };
  process.once('exit', now);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return () => {
    process.off('exit', now);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

/** `keepBuiltins`: built-in extensions from SKIPPED_BUILTINS a test needs after all (the JSON language features, for the setup schema). */
export async function startCodeServer(folder: string, timeoutMs = 20_000, keepBuiltins: readonly string[] = []): Promise<CodeServer> {
  requireCodeServer();
  const scratch = mkdtempSync(join(tmpdir(), 'mixflow-code-server-'));
  const dirs = Object.fromEntries(['home', 'data', 'extensions', 'tmp'].map((d) => [d, join(scratch, d)]));
  Object.values(dirs).forEach((d) => mkdirSync(d));
  mkdirSync(join(dirs.data!, 'User'));
  writeFileSync(join(dirs.data!, 'User', 'settings.json'), JSON.stringify(QUIET_SETTINGS, null, 2));

  const args = ['--auth', 'none', '--bind-addr', '127.0.0.1:0', '--user-data-dir', dirs.data!, '--extensions-dir', dirs.extensions!,
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--ignore-last-opened',
    '--vscode-option', 'enable-smoke-test-driver', folder];
  const env = {
    ...process.env,
    HOME: dirs.home, XDG_CONFIG_HOME: join(dirs.home!, '.config'), XDG_DATA_HOME: join(dirs.home!, '.local', 'share'), TMPDIR: dirs.tmp,
    EXTENSIONS_GALLERY: '{}', // no gallery: nothing is looked up off this machine
    VSCODE_SKIP_BUILTIN_EXTENSIONS: SKIPPED_BUILTINS.filter((id) => !keepBuiltins.includes(id)).join(','),
  };
  const child = spawn(CODE_SERVER, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const forget = child.pid === undefined ? () => undefined : killWithTestProcess(child.pid);
  let output = '';
  const stop = async () => {
    if (child.pid !== undefined) await killProcessTree(child.pid);
    forget();
    rmSync(scratch, { recursive: true, force: true });
  };
  try {
    const origin = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`code-server did not start within ${timeoutMs} ms:\n${output}`)), timeoutMs);
      const onData = (d: Buffer) => {
        output += d.toString();
        const m = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('error', (e) => reject(e));
      child.on('exit', (code) => reject(new Error(`code-server exited (${code}) before listening:\n${output}`)));
    });
    return { origin, log: () => output, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
