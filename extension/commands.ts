/**
 * Ids shared by the code and package.json (test/extension/manifest.test.ts checks that they
 * match): commands, settings, the webview type and the output channel. No `vscode` import,
 * so tests and pure modules can read them.
 */
import { REMATS } from '../engine/profile/format.js';
import { RERUN_BACKENDS } from '../webview/protocol.js';

/** The palette category of every command. */
export const CATEGORY = 'MixFlow';

export const COMMANDS = {
  profileSetup: 'mixflow.profileSetup',
  openProfile: 'mixflow.openProfile',
  estimateSetup: 'mixflow.estimateSetup',
  openRecentProfile: 'mixflow.openRecentProfile',
  compareProfiles: 'mixflow.compareProfiles',
  scanWorkspace: 'mixflow.scanWorkspace',
  rewriteFile: 'mixflow.rewriteFile',
  applyRewrite: 'mixflow.applyRewrite',
  explainFinding: 'mixflow.explainFinding',
  exportPytorch: 'mixflow.exportPytorch',
  newSetupFromModel: 'mixflow.newSetupFromModel',
  applyPreviewedRewrite: 'mixflow.applyPreviewedRewrite',
} as const;
export type CommandId = (typeof COMMANDS)[keyof typeof COMMANDS];

/** Setting keys (full names, as in package.json's `contributes.configuration`). */
export const SETTINGS = {
  codeLensEnabled: 'mixflow.codeLens.enabled',
  decorationsEnabled: 'mixflow.decorations.enabled',
  quickFixEnabled: 'mixflow.quickFix.enabled',
  diagnosticsLive: 'mixflow.diagnostics.live',
  profileRemat: 'mixflow.profile.remat',
  profileBackend: 'mixflow.profile.backend',
  rewriteHelper: 'mixflow.rewrite.helper',
  rewritePreview: 'mixflow.rewrite.preview',
  profileLocation: 'mixflow.profile.location',
} as const;

export const HELPER_CHOICES = ['inline', 'module'] as const;

export const REMAT_CHOICES = REMATS;
/** `mixflow.profile.remat`: a policy, or `fit` (plan every policy against a budget first). */
export const PROFILE_REMAT_CHOICES = [...REMAT_CHOICES, 'fit'] as const;
/** `mixflow.profile.backend`: the backends a profiling run may use, as the panel's rerun offers them. */
export const BACKEND_CHOICES = RERUN_BACKENDS;

/** The profile panel's webview type (also its `onWebviewPanel:` activation event). */
export const PROFILE_VIEW_TYPE = 'mixflow.profile';

/** Languages whose documents get code lenses and decorations (the scanner reads them). */
export const SCANNED_LANGUAGES = ['python', 'typescript', 'javascript'] as const;

export const OUTPUT_CHANNEL_NAME = 'MixFlow';

/** `source` of the scanner's diagnostics; their `code` is the finding's pattern. The quick fix matches both. */
export const DIAGNOSTIC_SOURCE = 'MixFlow';

/** Live diagnostics: quiet time after a document opens or changes before it is scanned (again). */
export const LIVE_DEBOUNCE_MS = 400;

/** The quick fix's title on PyTorch/JAX sites (TF.js sites: rewritePlan's quickFixTitle). */
export const QUICK_FIX_TITLE = 'MixFlow: rewrite to mixed mode';

/** The refactor offered where the inner loss is written inline (it only moves the loss into a function). */
export const EXTRACT_LOSS_TITLE = 'MixFlow: Extract inner loss into a function';
