/**
 * The folder the editor tests open in code-server: copies of two small Python files, one copy
 * for each check that edits or toggles something, so no check sees another's edits.
 */
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const FIXTURES = join(__dirname, '..', 'fixtures', 'editor');

/** A torch.autograd.grad(..., create_graph=True) HVP: one rewritable finding. */
export const HVP_FIXTURE = join(FIXTURES, 'hvp.py');
/** An unrolled loop with an in-place update: one blocked finding. */
export const BLOCKED_FIXTURE = join(FIXTURES, 'blocked.py');

/** The workspace's files, each a copy of the HVP fixture unless named `blocked`. */
export const FILES = {
  uiLens: 'ui_lens.py',
  uiQuickFix: 'ui_quick_fix.py',
  uiSettings: 'ui_settings.py',
  hostLens: 'host_lens.py',
  hostQuickFix: 'host_quick_fix.py',
  hostRewriteFile: 'host_rewrite_file.py',
  hostDiagnostics: 'host_diagnostics.py',
  hostSettings: 'host_settings.py',
  blocked: 'blocked.py',
} as const;

/** Two profiles in the workspace's `.mixflow/profiles/` (copies of the CLI-written MLP fixture) for the panel checks. */
export const PROFILE_FIXTURE = join(__dirname, '..', 'fixtures', 'profiles', 'mlp-hyper-block.json');
export const PROFILES = ['.mixflow/profiles/mlp-hyper.standard+mixflow.block.20261129-120000.profile.json', '.mixflow/profiles/mlp-hyper.standard+mixflow.block.20261130-120000.profile.json'] as const;

export function makeWorkspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mixflow-editor-ws-'));
  for (const name of Object.values(FILES)) copyFileSync(name === FILES.blocked ? BLOCKED_FIXTURE : HVP_FIXTURE, join(dir, name));
  mkdirSync(join(dir, '.mixflow', 'profiles'), { recursive: true });
  for (const p of PROFILES) copyFileSync(PROFILE_FIXTURE, join(dir, p));
  return dir;
}
