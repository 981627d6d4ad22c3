/**
 * A process and all its descendants, from /proc: code-server's children (extension hosts, the
 * pty host, file watchers) may leave its process group, so killing the group alone can leave
 * some running.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** pid → parent pid of every process now running (zombies count as ended). */
function parents(): Map<number, number> {
  const out = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // /proc/PID/stat: "pid (comm) state ppid …"; comm may contain spaces and parentheses.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state !== 'Z') out.set(Number(name), Number(ppid));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

/** `pid` and every live descendant of it, parents first. */
export function processTree(pid: number): number[] {
  const parentOf = parents();
  const tree = parentOf.has(pid) ? [pid] : [];
  for (let i = 0; i < tree.length; i++) {
    for (const [child, parent] of parentOf) if (parent === tree[i]) tree.push(child);
  }
  return tree;
}

function signal(pids: readonly number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

/**
 * SIGTERM to the whole tree, then SIGKILL to whatever of it is left after `graceMs`; resolves
 * when none of those processes is alive. The tree is read before signalling, since orphans are
 * re-parented and could no longer be found from `pid`.
 */
export async function killProcessTree(pid: number, graceMs = 2000): Promise<void> {
  const pids = processTree(pid);
  const alive = () => {
    const now = parents();
    return pids.filter((p) => now.has(p));
  };
  signal(pids, 'SIGTERM');
  for (const deadline = Date.now() + graceMs; alive().length > 0 && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 50));
  signal(alive(), 'SIGKILL');
  for (const deadline = Date.now() + 5000; alive().length > 0 && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 50));
}

/** SIGKILL to the whole tree at once, synchronously: for process exit, where nothing can be awaited. */
export function killProcessTreeNow(pid: number): void {
  signal(processTree(pid), 'SIGKILL');
}
