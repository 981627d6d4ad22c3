/**
 * Profiles as files of the workspace (no vscode import: tests use it directly): where a run's
 * profile goes (`.mixflow/profiles/` in the workspace folder, or beside the setup), its name
 * (setup, modes, remat and time, so a listing sorts by setup then time), and the recent ones.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export const PROFILES_DIR = join('.mixflow', 'profiles');
export const PROFILE_SUFFIX = '.profile.json';
export type ProfileLocation = 'workspace' | 'besideSetup';

/** `20261130-014502`: UTC, sortable, safe in file names. */
export function stamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

/** `mlp-hyper.mixflow.json`, standard+mixflow, remat block → `mlp-hyper.standard+mixflow.block.20261130-014502.profile.json`. */
export function profileFileName(setupPath: string, modes: readonly string[], remat: string, when: Date): string {
  const setup = basename(setupPath).replace(/(\.mixflow)?\.json$/i, '');
  return `${setup}.${modes.join('+')}.${remat}.${stamp(when)}${PROFILE_SUFFIX}`;
}

/** The folder a setup's profiles go to: the workspace folder holding it (else the first), or beside the setup. */
export function profilesDir(setupPath: string, workspaceFolders: readonly string[], location: ProfileLocation): string {
  if (location === 'besideSetup' || workspaceFolders.length === 0) return join(dirname(setupPath), PROFILES_DIR);
  const holding = workspaceFolders.filter((f) => setupPath === f || setupPath.startsWith(f.endsWith('/') ? f : `${f}/`)).sort((a, b) => b.length - a.length)[0];
  return join(holding ?? workspaceFolders[0]!, PROFILES_DIR);
}

export interface RecentProfile {
  readonly path: string;
  readonly mtimeMs: number;
}

/** Profiles in the `.mixflow/profiles/` folders given, newest first. */
export function recentProfiles(dirs: readonly string[], limit = 50): RecentProfile[] {
  const out: RecentProfile[] = [];
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      if (!name.endsWith(PROFILE_SUFFIX)) continue;
      const path = join(dir, name);
      try {
        out.push({ path, mtimeMs: statSync(path).mtimeMs });
      } catch {
        // removed meanwhile
      }
    }
  }
  return out.sort((a, b) => b.mtimeMs - a.mtimeMs || (a.path < b.path ? 1 : -1)).slice(0, limit);
}
