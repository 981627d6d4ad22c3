/**
 * `helper: 'module'` (setting `mixflow.rewrite.helper`): the MixFlow helpers live once in
 * `mixflow_mg.py` beside the rewritten file, which imports them, instead of inline after its imports.
 */
import { JAX_HELPER, JAX_HELPER_NAME, JAX_VALUE_AND_GRAD_NAME, TASK_MAP_NAME, TORCH_FUNC_HELPER_NAME, TORCH_HELPER, TORCH_HELPER_NAME } from './helpers.js';

export interface RewriteOptions {
  /** `inline` (default): the helper is inserted after the file's imports; `module`: imported from mixflow_mg.py. */
  helper?: 'inline' | 'module';
}

export const HELPER_MODULE = 'mixflow_mg';

export const HELPER_NAMES: Record<'torch' | 'jax', string[]> = {
  torch: [TORCH_HELPER_NAME, TORCH_FUNC_HELPER_NAME, TASK_MAP_NAME],
  jax: [JAX_HELPER_NAME, JAX_VALUE_AND_GRAD_NAME],
};

/** The text of mixflow_mg.py for a rewritten file (by which helpers it imports). */
export function helperModuleFor(rewritten: string): { name: string; text: string } | undefined {
  const imports = new RegExp(`^from ${HELPER_MODULE} import (.+)$`, 'm').exec(rewritten);
  if (!imports) return undefined;
  const torch = imports[1].includes(TORCH_HELPER_NAME);
  const header = '"""MixFlow-MG helpers imported by files rewritten with `mixflow.rewrite.helper` = module."""\n';
  const text = torch ? `${header}import torch\n\n\n${TORCH_HELPER}\n` : `${header}import jax\n\n\n${JAX_HELPER}\n`;
  return { name: `${HELPER_MODULE}.py`, text };
}
