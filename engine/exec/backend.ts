import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadOrt } from './onnxruntime/runtime.js';

/** The TF.js backends, which run our own executor (memory measured per op). */
export type TfjsBackendName = 'tensorflow' | 'wasm' | 'cpu';
/**
 * `onnxruntime` runs the whole scheduled graph on onnxruntime-node (engine/exec/onnxruntime/);
 * it is only used when asked for, never by `auto`.
 */
export type BackendName = TfjsBackendName | 'onnxruntime';
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

async function tryBackend(name: TfjsBackendName): Promise<boolean> {
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
 * cpu); a named one must be present. Returns the backend actually in use. `onnxruntime`
 * checks that onnxruntime-node loads and sets up the best TF.js backend beside it.
 */
export async function useBackend(choice: BackendChoice = 'auto'): Promise<BackendName> {
  if (choice === 'onnxruntime') {
    loadOrt(); // throws OrtUnavailable, naming how to install it
    // What still runs on TF.js (profiles, which time our executor per op) takes the best present.
    if (tf.getBackend() !== 'wasm' && tf.getBackend() !== 'tensorflow') await useBackend('auto');
    return 'onnxruntime';
  }
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

/** The TF.js backend in use (after `useBackend`), for what runs on TF.js whatever was chosen. */
export function tfjsBackend(): TfjsBackendName {
  return tf.getBackend() as TfjsBackendName;
}
