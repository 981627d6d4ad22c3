/**
 * onnxruntime-node, loaded on demand: it is an optional dependency (its CPU library ships in
 * the npm package; its install script's CUDA download is skipped by `allowScripts`). Only the
 * few calls used here are typed, so the engine type-checks without it.
 */

export interface OrtTensor {
  readonly data: ArrayLike<number> | BigInt64Array;
  readonly dims: readonly number[];
  readonly type: string;
  dispose?(): void;
}

export interface OrtSessionOptions {
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  intraOpNumThreads?: number;
  interOpNumThreads?: number;
  executionMode?: 'sequential' | 'parallel';
  enableMemPattern?: boolean;
  enableCpuMemArena?: boolean;
  logSeverityLevel?: 0 | 1 | 2 | 3 | 4;
  /** Session config entries, flattened with dots (e.g. `session.intra_op.allow_spinning`). */
  extra?: Record<string, unknown>;
}

export interface OrtSession {
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}

export interface Ort {
  readonly Tensor: new (type: 'float32' | 'int32', data: Float32Array | Int32Array, dims: readonly number[]) => OrtTensor;
  readonly InferenceSession: { create(model: Uint8Array, options?: OrtSessionOptions): Promise<OrtSession> };
}

export const ORT_PACKAGE = 'onnxruntime-node';
export const ORT_INSTALL_HINT = `install it with \`npm install --ignore-scripts ${ORT_PACKAGE}\` (its CPU library ships in the package; --ignore-scripts skips the CUDA download of its install script)`;

/** onnxruntime-node is not installed (or its native library does not load here). */
export class OrtUnavailable extends Error {
  constructor(cause: unknown) {
    super(`backend 'onnxruntime' needs the optional package ${ORT_PACKAGE}, which could not be loaded (${cause instanceof Error ? cause.message.split('\n')[0] : String(cause)}); ${ORT_INSTALL_HINT}`);
  }
}

let loaded: Ort | undefined;

export function loadOrt(): Ort {
  if (loaded) return loaded;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require(ORT_PACKAGE) as Ort;
  } catch (e) {
    throw new OrtUnavailable(e);
  }
  return loaded;
}

export function ortAvailable(): boolean {
  try {
    loadOrt();
    return true;
  } catch {
    return false;
  }
}
