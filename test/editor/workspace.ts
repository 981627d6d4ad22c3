/**
 * The folder the editor tests open in code-server: copies of two small Python files, one copy
 * for each check that edits or toggles something, so no check sees another's edits, and a
 * setup too large to run.
 */
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
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
  /** A setup far too large for any backend (200 layers, d 8192): the pre-flight check refuses it. */
  absurdSetup: 'absurd.mixflow.json',
} as const;

/** The absurd setup's text. */
export const ABSURD_SETUP = JSON.stringify({
  format: 'mixflow-setup/1',
  model: { kind: 'transformer', vocab: 32000, d_model: 8192, heads: 64, layers: 200, seq: 2048, d_ff: 32768 },
  loss: 'xent',
  theta0: { init: 'glorot', seed: 0 },
  optimizer: { kind: 'adam' },
  inner: { synthetic: { seed: 1, batch: 1 }, steps: 1 },
  outer: { synthetic: { seed: 2, batch: 1 } },
  eta: {},
  wrt: ['example_logits'],
});

export function makeWorkspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mixflow-editor-ws-'));
  for (const name of Object.values(FILES)) {
    if (name === FILES.absurdSetup) writeFileSync(join(dir, name), ABSURD_SETUP);
    else copyFileSync(name === FILES.blocked ? BLOCKED_FIXTURE : HVP_FIXTURE, join(dir, name));
  }
  return dir;
}
