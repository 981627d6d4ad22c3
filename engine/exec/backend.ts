import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export type BackendChoice = BackendName | 'auto';

/** Native TensorFlow bindings, when the user installed them (their install downloads libtensorflow). */
function loadNative(): boolean {
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      require(pkg);
      return true;
    } catch {
      // not installed: fall through to the embedded backends
    }
  }
  return false;
}

async function tryBackend(name: BackendName): Promise<boolean> {
  try {
    if (name === 'tensorflow' && !loadNative()) return false;
    if (name === 'wasm') require('@tensorflow/tfjs-backend-wasm');
    const ok = await tf.setBackend(name);
    await tf.ready();
    return ok && tf.getBackend() === name;
  } catch {
    return false;
  }
}

/**
 * Picks the TF.js backend: `auto` takes the best present (tensorflow, else wasm, else
 * cpu); a named one must be present. Returns the backend actually in use.
 */
export async function useBackend(choice: BackendChoice = 'auto'): Promise<BackendName> {
  if (choice !== 'auto') {
    if (tf.getBackend() === choice) return choice;
    if (await tryBackend(choice)) return choice;
    const hint = choice === 'tensorflow' ? ' (install @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node)' : '';
    throw new Error(`backend '${choice}' is not available${hint}`);
  }
  for (const name of ['tensorflow', 'wasm', 'cpu'] as const) {
    if (await tryBackend(name)) return name;
  }
  throw new Error('no TF.js backend could be initialised');
}
