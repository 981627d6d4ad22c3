/**
 * Runs `mixflow profile SETUP --compare` (the bundled dist/cli.js) as a child process (no vscode import, so tests run it
 * for real): progress parsed from the CLI's stderr lines, every stderr line handed on, and an
 * AbortSignal that kills the whole process tree.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface ProfileRunRequest {
  /** The Node binary (`process.execPath`; in VS Code's Electron it runs as Node via ELECTRON_RUN_AS_NODE). */
  readonly node: string;
  /** dist/cli.js of the extension. */
  readonly cli: string;
  readonly setup: string;
  readonly out: string;
  readonly remat: string;
  readonly backend: string;
  readonly cwd?: string;
}

export interface ProfileProgress {
  readonly mode: 'standard' | 'mixflow';
  /** Percent through that mode's run, null while tracing. */
  readonly percent: number | null;
  /** Percent through both runs (standard first, then mixflow). */
  readonly overall: number;
  readonly message: string;
}

export interface ProfileRunResult {
  readonly code: number | null;
  readonly cancelled: boolean;
  readonly stdout: string;
  /** The last stderr lines (for an error message). */
  readonly stderrTail: readonly string[];
}

/** The `mixflow` arguments: `profile SETUP --compare --profile OUT --remat R --backend B`. */
export function profileArgs(r: ProfileRunRequest): string[] {
  return ['profile', r.setup, '--compare', '--profile', r.out, '--remat', r.remat, '--backend', r.backend];
}

/** dist/cli.js is the CLI's executable bundle: `node dist/cli.js profile …`. */
export function nodeArgs(r: ProfileRunRequest): string[] {
  return [r.cli, ...profileArgs(r)];
}

/** `mixflow profile (mixflow): 71% · inner step 2, forward-mode tangents` → progress; null for other lines. */
export function parseProgressLine(line: string): ProfileProgress | null {
  const m = /^mixflow profile \((standard|mixflow)\): (?:(\d+)% · )?(.+)$/.exec(line.trim());
  if (!m) return null;
  const mode = m[1] as ProfileProgress['mode'];
  const percent = m[2] === undefined ? null : Math.min(100, Number(m[2]));
  const overall = ((mode === 'mixflow' ? 100 : 0) + (percent ?? 0)) / 2;
  return { mode, percent, overall, message: `${mode}: ${percent === null ? '' : `${percent}% · `}${m[3]}` };
}

/** Kills the child and everything it started: its process group on POSIX, `taskkill /T` on Windows. */
export function killTree(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  if (process.platform === 'win32') {
    spawn('taskkill', ['/pid', String(child.pid), '/T', '/F'], { stdio: 'ignore' });
    return;
  }
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

export interface ProfileRunHooks {
  readonly onProgress?: (p: ProfileProgress) => void;
  readonly onStderrLine?: (line: string) => void;
  readonly signal?: AbortSignal;
  /** The child's pid (its process group's id on POSIX). */
  readonly onSpawn?: (pid: number) => void;
}

export function runProfileCli(r: ProfileRunRequest, hooks: ProfileRunHooks = {}): Promise<ProfileRunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(r.node, nodeArgs(r), {
      cwd: r.cwd,
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: process.platform !== 'win32', // its own process group, so the whole tree can be killed
      windowsHide: true,
    });
    if (child.pid !== undefined) hooks.onSpawn?.(child.pid);
    let cancelled = false;
    let stdout = '';
    let partial = '';
    const tail: string[] = [];
    let hardKill: ReturnType<typeof setTimeout> | undefined;
    const onAbort = () => {
      cancelled = true;
      killTree(child);
      hardKill = setTimeout(() => killTree(child, 'SIGKILL'), 3000);
    };
    if (hooks.signal?.aborted) onAbort();
    else hooks.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      const lines = (partial + d).split(/\r?\n|\r/);
      partial = lines.pop()!;
      for (const line of lines) {
        if (line.trim() === '') continue;
        tail.push(line);
        if (tail.length > 20) tail.shift();
        hooks.onStderrLine?.(line);
        const p = parseProgressLine(line);
        if (p) hooks.onProgress?.(p);
      }
    });
    child.on('error', (e) => {
      hooks.signal?.removeEventListener('abort', onAbort);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(hardKill);
      hooks.signal?.removeEventListener('abort', onAbort);
      if (partial.trim()) {
        tail.push(partial);
        hooks.onStderrLine?.(partial);
      }
      resolve({ code, cancelled, stdout, stderrTail: tail });
    });
  });
}

/** The first line of the CLI's pre-flight refusal (engine/plan/preflight.ts), after `mixflow: `. */
const REFUSAL = 'refused before allocating anything:';

/**
 * The pre-flight memory check's refusal in the CLI's stderr (exit 2): its first line without the
 * `mixflow: ` prefix, and the indented lines that follow it (other remat policies, sizes that fit).
 */
export function parseRefusal(stderrLines: readonly string[]): { readonly summary: string; readonly details: readonly string[] } | undefined {
  const at = stderrLines.findIndex((l) => l.startsWith(`mixflow: ${REFUSAL}`));
  if (at < 0) return undefined;
  const details: string[] = [];
  for (const l of stderrLines.slice(at + 1)) {
    if (!l.startsWith('  ')) break;
    details.push(l.trim());
  }
  return { summary: stderrLines[at]!.slice('mixflow: '.length), details };
}

/** `mixflow estimate SETUP --mode M --remat R` for each mode, in a child process: the text it printed, or why it failed. */
export function estimateCli(r: Pick<ProfileRunRequest, 'node' | 'cli' | 'setup' | 'remat' | 'cwd'>, mode: 'standard' | 'mixflow', signal?: AbortSignal): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(r.node, [r.cli, 'estimate', r.setup, '--mode', mode, '--remat', r.remat], {
      cwd: r.cwd,
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: process.platform !== 'win32',
      windowsHide: true,
    });
    let stdout = '';
    let stderr = '';
    const onAbort = () => killTree(child);
    signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      signal?.removeEventListener('abort', onAbort);
      resolve({ code, stdout, stderr });
    });
  });
}
