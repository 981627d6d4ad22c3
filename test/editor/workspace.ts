/**
 * The folder the editor tests open in code-server: copies of two small Python files, one copy
 * for each check that edits or toggles something, so no check sees another's edits, and a
 * setup too large to run. `host_scan_closed.py` is never opened: only Scan Workspace gives it
 * diagnostics.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { mamlCnnOnnx } from '../../engine/export/onnx/mamlCnn.js';
import { absurdTransformer } from '../setup/fixtures.js';

const FIXTURES = join(__dirname, '..', 'fixtures', 'editor');

/** A torch.autograd.grad(..., create_graph=True) HVP: one rewritable finding. */
export const HVP_FIXTURE = join(FIXTURES, 'hvp.py');
/** An unrolled loop with an in-place update: one blocked finding. */
export const BLOCKED_FIXTURE = join(FIXTURES, 'blocked.py');

/** A TF.js MAML loop (tf.grads inside tf.grads): one finding, rewritten to the local-HVP helper. */
export const TFJS_FIXTURE = join(__dirname, '..', 'fixtures', 'scanner', 'typescript', 'tfjs_exec_maml.ts');

/** The workspace's files, each a copy of the HVP fixture unless named `blocked` (or TF.js). */
export const FILES = {
  uiLens: 'ui_lens.py',
  uiQuickFix: 'ui_quick_fix.py',
  uiSettings: 'ui_settings.py',
  hostLens: 'host_lens.py',
  hostQuickFix: 'host_quick_fix.py',
  hostRewriteFile: 'host_rewrite_file.py',
  hostDiagnostics: 'host_diagnostics.py',
  hostSettings: 'host_settings.py',
  hostLive: 'host_live.py',
  hostLiveOff: 'host_live_off.py',
  hostScanClosed: 'host_scan_closed.py',
  /** A copy of the TF.js fixture: its lens, quick fix and lens command. */
  hostTfjs: 'host_tfjs.ts',
  blocked: 'blocked.py',
  /** A small generated 4-conv-style CNN for "New Setup from Model…". */
  onnxModel: 'net.onnx',
  onnxSetup: 'net.mixflow.json',
  /** A setup far too large for any backend (200 layers, d 8192): the pre-flight check refuses it. */
  absurdSetup: 'absurd.mixflow.json',
} as const;

/** What the live-diagnostics check types over the HVP line (the finding's line): no double backward left. */
export const LIVE_EDIT_LINE = '    g = w.grad';

const PYTHON_FILES = Object.values(FILES).filter((name) => name.endsWith('.py'));

/** The ONNX file's bytes: a two-block MAML-style CNN on 8×8 inputs, 4 classes. */
export function onnxModelBytes(): Uint8Array {
  return mamlCnnOnnx({ channels: 3, side: 8, classes: 4, blocks: 2, seed: 7 });
}

/** The absurd setup's text. */
export const ABSURD_SETUP = JSON.stringify(absurdTransformer(200, 1));

/**
 * Two profiles in the workspace's `.mixflow/profiles/` (copies of the CLI-written MLP fixture) for
 * the panel checks. The second, the one Open Recent Profile lists first, records remat `step`,
 * which is not the setting's default (`block`): "Profile again" must rerun with what it records.
 */
export const PROFILE_FIXTURE = join(__dirname, '..', 'fixtures', 'profiles', 'mlp-hyper-block.json');
export const PROFILES = ['.mixflow/profiles/mlp-hyper.standard+mixflow.block.20261129-120000.profile.json', '.mixflow/profiles/mlp-hyper.standard+mixflow.block.20261130-120000.profile.json'] as const;
export const RECORDED_REMAT = 'step';
/** The profiles' setup, at the path they record (relative to the workspace folder). */
const PROFILED_SETUP = 'engine/setup/examples/mlp-hyper.mixflow.json';

function withRecordedRemat(profileText: string, remat: string): string {
  const p = JSON.parse(profileText);
  for (const run of p.runs) run.remat = remat;
  if (p.comparison) p.comparison.remat = remat;
  return JSON.stringify(p);
}

export function makeWorkspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mixflow-editor-ws-'));
  for (const name of PYTHON_FILES) copyFileSync(name === FILES.blocked ? BLOCKED_FIXTURE : HVP_FIXTURE, join(dir, name));
  copyFileSync(TFJS_FIXTURE, join(dir, FILES.hostTfjs));
  writeFileSync(join(dir, FILES.onnxModel), onnxModelBytes());
  writeFileSync(join(dir, FILES.absurdSetup), ABSURD_SETUP);
  mkdirSync(join(dir, '.mixflow', 'profiles'), { recursive: true });
  copyFileSync(PROFILE_FIXTURE, join(dir, PROFILES[0]));
  writeFileSync(join(dir, PROFILES[1]), withRecordedRemat(readFileSync(PROFILE_FIXTURE, 'utf8'), RECORDED_REMAT));
  mkdirSync(join(dir, dirname(PROFILED_SETUP)), { recursive: true });
  copyFileSync(join(__dirname, '..', '..', PROFILED_SETUP), join(dir, PROFILED_SETUP));
  return dir;
}
