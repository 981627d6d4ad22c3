/**
 * `parseSetup`: checks a parsed `mixflow-setup/1` JSON value against the format and returns
 * the typed `Setup`, or throws a `SetupError` naming the JSON path of the first offending field
 * and what was expected there (the CLI exits 2 on it, computing nothing). Unknown fields are
 * refused everywhere, non-finite numbers (`1e999`, `"NaN"`, `null`) too.
 */
import {
  SetupError, describe, fields, finite, integer, isObject, key, index, object, oneOf, seed, tensor,
  FLOAT, type JsonObject, type Leaf,
} from './check.js';
import { paramSpecs } from './transformerParams.js';
import {
  ACTIVATIONS, META_NAMES, OPTIMIZER_DEFAULTS, exampleShape, predictionWidth,
  type Batch, type EtaSpec, type InnerSpec, type LossKind, type MetaName, type ModelSpec,
  type OnnxSpec, type OptimizerSpec, type OuterSpec, type Setup, type Theta0Spec,
} from './types.js';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { importOnnx, OnnxImportError } from '../import/onnx/index.js';

export { SetupError } from './check.js';

export const SETUP_FORMAT = 'mixflow-setup/1';

const TOP_FIELDS = ['format', 'model', 'loss', 'theta0', 'optimizer', 'inner', 'outer', 'eta', 'wrt'] as const;
const TOP_REQUIRED = TOP_FIELDS.filter((f) => f !== 'eta');
const MAX_DIM = 2 ** 31 - 1;

/** Where an ONNX model's `file` is found: relative to `baseDir` (the setup file's folder). */
export interface ParseOptions {
  /** Default: the working directory. */
  readonly baseDir?: string;
  /** Reads a model file (default: from disk); the bundled examples supply their generated models. */
  readonly readModel?: (path: string) => Uint8Array;
}

/** Parses JSON text, then `parseSetup`; a syntax error is a SetupError at `$`. */
export function parseSetupText(text: string, opts: ParseOptions = {}): Setup {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new SetupError('$', 'valid JSON', (e as Error).message);
  }
  return parseSetup(json, opts);
}

export function parseSetup(json: unknown, opts: ParseOptions = {}): Setup {
  const root = object(json, '$', `a ${SETUP_FORMAT} JSON object`);
  oneOf(root.format, '$.format', [SETUP_FORMAT]);
  // An ONNX model brings its own θ₀.
  const onnx = isObject(root.model) && root.model.kind === 'onnx';
  fields(root, '$', TOP_FIELDS, onnx ? TOP_REQUIRED.filter((f) => f !== 'theta0') : TOP_REQUIRED);
  const model = parseModel(root.model, '$.model', opts);
  const loss = oneOf<LossKind>(root.loss, '$.loss', ['mse', 'xent']);
  if (model.kind === 'transformer' && loss !== 'xent') throw new SetupError('$.loss', '"xent" (a transformer takes xent only)', `"${loss}"`);
  const optimizer = parseOptimizer(root.optimizer, '$.optimizer');
  const theta0 = parseTheta0(root.theta0, '$.theta0', model);
  const inner = parseInner(root.inner, '$.inner', model, loss);
  const outer = parseOuter(root.outer, '$.outer', model, loss);
  const eta = parseEta('eta' in root ? root.eta : {}, '$.eta', model, inner);
  const wrt = parseWrt(root.wrt, '$.wrt', eta);
  return { model, loss, theta0, optimizer, inner, outer, eta, wrt };
}

function dim(v: unknown, path: string): number {
  return integer(v, path, 1, MAX_DIM, 'a positive integer');
}

export function parseModel(v: unknown, path: string, opts: ParseOptions = {}): ModelSpec {
  const obj = object(v, path, 'a model object {"kind":"mlp",…}, {"kind":"transformer",…} or {"kind":"onnx","file":PATH}');
  const kind = oneOf(obj.kind, key(path, 'kind'), ['mlp', 'transformer', 'onnx']);
  if (kind === 'onnx') return parseOnnxModel(obj, path, opts);
  if (kind === 'mlp') {
    fields(obj, path, ['kind', 'sizes', 'activation']);
    const sp = key(path, 'sizes');
    if (!Array.isArray(obj.sizes) || obj.sizes.length < 2) {
      throw new SetupError(sp, 'an array of at least 2 layer sizes [d0, …, dL]', describe(obj.sizes));
    }
    const sizes = obj.sizes.map((d, i) => dim(d, index(sp, i)));
    return { kind, sizes, activation: oneOf(obj.activation, key(path, 'activation'), ACTIVATIONS) };
  }
  const names = ['vocab', 'd_model', 'heads', 'layers', 'seq', 'd_ff'] as const;
  fields(obj, path, ['kind', ...names]);
  const [vocab, d_model, heads, layers, seq, d_ff] = names.map((n) => dim(obj[n], key(path, n))) as [number, number, number, number, number, number];
  if (d_model % heads !== 0) throw new SetupError(key(path, 'heads'), `a divisor of d_model (${d_model})`, String(heads));
  return { kind, vocab, d_model, heads, layers, seq, d_ff };
}

/** `{"kind":"onnx","file":PATH,"block_depth":k}`: reads and imports the model now, so every refusal is a setup error. */
function parseOnnxModel(obj: JsonObject, path: string, opts: ParseOptions): OnnxSpec {
  fields(obj, path, ['kind', 'file', 'block_depth'], ['kind', 'file']);
  const fp = key(path, 'file');
  if (typeof obj.file !== 'string' || obj.file === '') throw new SetupError(fp, 'the path of an .onnx file, relative to the setup file', describe(obj.file));
  const file = obj.file;
  const block_depth = obj.block_depth === undefined ? 1 : integer(obj.block_depth, key(path, 'block_depth'), 1, 64, 'a positive integer (path components a remat block shares)');
  const full = resolve(opts.baseDir ?? process.cwd(), file);
  const read = opts.readModel ?? ((p: string) => readFileSync(p));
  let bytes: Uint8Array;
  try {
    bytes = read(full);
  } catch (e) {
    const reason = existsSync(full) ? (e as Error).message : `no file at ${full}`;
    throw new SetupError(fp, 'the path of an existing .onnx file, relative to the setup file', `"${file}" (${reason})`);
  }
  try {
    return { kind: 'onnx', file, path: full, block_depth, graph: importOnnx(bytes, { blockDepth: block_depth }) };
  } catch (e) {
    if (e instanceof OnnxImportError) throw new SetupError(fp, 'an ONNX model the importer supports', `"${file}": ${e.message}`);
    throw e;
  }
}

function unitInterval(v: unknown, path: string): number {
  const x = finite(v, path, 'a number in [0, 1)');
  if (x < 0 || x >= 1) throw new SetupError(path, 'a number in [0, 1)', String(x));
  return x;
}

export function parseOptimizer(v: unknown, path: string): OptimizerSpec {
  const obj = object(v, path, 'an optimizer object {"kind":"sgd"|"momentum"|"adam",…}');
  const kind = oneOf(obj.kind, key(path, 'kind'), ['sgd', 'momentum', 'adam']);
  const d = OPTIMIZER_DEFAULTS;
  if (kind === 'sgd') {
    fields(obj, path, ['kind']);
    return { kind };
  }
  if (kind === 'momentum') {
    fields(obj, path, ['kind', 'beta'], ['kind']);
    return { kind, beta: obj.beta === undefined ? d.beta : unitInterval(obj.beta, key(path, 'beta')) };
  }
  fields(obj, path, ['kind', 'b1', 'b2', 'eps'], ['kind']);
  const b1 = obj.b1 === undefined ? d.b1 : unitInterval(obj.b1, key(path, 'b1'));
  const b2 = obj.b2 === undefined ? d.b2 : unitInterval(obj.b2, key(path, 'b2'));
  let eps: number = d.eps;
  if (obj.eps !== undefined) {
    eps = finite(obj.eps, key(path, 'eps'), 'a finite number > 0');
    if (eps <= 0) throw new SetupError(key(path, 'eps'), 'a finite number > 0', String(eps));
  }
  return { kind, b1, b2, eps };
}

function parseGlorot(obj: JsonObject, path: string): Theta0Spec {
  fields(obj, path, ['init', 'seed']);
  oneOf(obj.init, key(path, 'init'), ['glorot']);
  return { init: 'glorot', seed: seed(obj.seed, key(path, 'seed')) };
}

export function parseTheta0(v: unknown, path: string, model: ModelSpec): Theta0Spec {
  const generated = '{"init":"glorot","seed":S}';
  if (model.kind === 'onnx') {
    if (v === undefined) return { init: 'model' };
    const obj = object(v, path, '{"from":"model"} or nothing (an ONNX model\'s θ₀ is its initializers)');
    fields(obj, path, ['from']);
    oneOf(obj.from, key(path, 'from'), ['model']);
    return { init: 'model' };
  }
  if (model.kind === 'transformer') {
    return parseGlorot(object(v, path, `${generated} (a transformer's θ₀ is generated)`), path);
  }
  const L = model.sizes.length - 1;
  if (isObject(v)) return parseGlorot(v, path);
  if (!Array.isArray(v) || v.length !== L) {
    throw new SetupError(path, `${L} layers [{"w":W_0,"b":b_0}, …] (model.sizes has ${L + 1} entries) or ${generated}`, describe(v));
  }
  const tensors = v.flatMap((layer, k) => {
    const lp = index(path, k);
    const obj = object(layer, lp, `{"w":W_${k},"b":b_${k}}`);
    fields(obj, lp, ['w', 'b']);
    const [din, dout] = [model.sizes[k]!, model.sizes[k + 1]!];
    return [tensor(obj.w, key(lp, 'w'), [din, dout]), tensor(obj.b, key(lp, 'b'), [dout])];
  });
  return { init: 'explicit', tensors };
}

/** `b` fixes the batch size (null: free, then both x and y must agree with x's). */
function parseBatch(v: unknown, path: string, model: ModelSpec, loss: LossKind, b: number | null, note: string): Batch {
  const obj = object(v, path, 'a batch {"x":…,"y":…}');
  fields(obj, path, ['x', 'y']);
  if (model.kind === 'transformer') {
    const ids: Leaf = { kind: 'int', below: model.vocab, one: 'a token id', many: 'token ids' };
    const x = tensor(obj.x, key(path, 'x'), [b, model.seq], ids, note);
    return { x, y: tensor(obj.y, key(path, 'y'), [x.shape[0]!, model.seq], ids, ' (as many rows as x)') };
  }
  const x = tensor(obj.x, key(path, 'x'), [b, ...exampleShape(model)], FLOAT, note);
  const B = x.shape[0]!;
  const dL = predictionWidth(model);
  const y = loss === 'mse'
    ? tensor(obj.y, key(path, 'y'), [B, dL], FLOAT, ' (one target row per example of x)')
    : tensor(obj.y, key(path, 'y'), [B], { kind: 'int', below: dL, one: 'a class index', many: 'class indices' }, ' (one class per example of x)');
  return { x, y };
}

function parseSynthetic(v: unknown, path: string): { seed: number; batch: number } {
  const obj = object(v, path, '{"seed":S,"batch":B}');
  fields(obj, path, ['seed', 'batch']);
  return { seed: seed(obj.seed, key(path, 'seed')), batch: dim(obj.batch, key(path, 'batch')) };
}

export function parseInner(v: unknown, path: string, model: ModelSpec, loss: LossKind): InnerSpec {
  if (isObject(v)) {
    fields(v, path, ['synthetic', 'steps']);
    const s = parseSynthetic(v.synthetic, key(path, 'synthetic'));
    return { kind: 'synthetic', ...s, steps: dim(v.steps, key(path, 'steps')) };
  }
  if (!Array.isArray(v) || v.length === 0) {
    throw new SetupError(path, 'an array of batches, one per inner step (at least one), or {"synthetic":{"seed":S,"batch":B},"steps":T}', describe(v));
  }
  const first = parseBatch(v[0], index(path, 0), model, loss, null, '');
  const B = first.x.shape[0]!;
  const note = ` (every inner batch has the B = ${B} of ${index(path, 0)})`;
  const rest = v.slice(1).map((b, i) => parseBatch(b, index(path, i + 1), model, loss, B, note));
  return { kind: 'explicit', batches: [first, ...rest] };
}

export function parseOuter(v: unknown, path: string, model: ModelSpec, loss: LossKind): OuterSpec {
  const obj = object(v, path, 'a batch {"x":…,"y":…} or {"synthetic":{"seed":S,"batch":B}}');
  if ('synthetic' in obj) {
    fields(obj, path, ['synthetic']);
    return { kind: 'synthetic', ...parseSynthetic(obj.synthetic, key(path, 'synthetic')) };
  }
  return { kind: 'explicit', batch: parseBatch(obj, path, model, loss, null, '') };
}

export function parseEta(v: unknown, path: string, model: ModelSpec, inner: InnerSpec): EtaSpec {
  const obj = object(v, path, 'an object with any of "log_lr", "log_wd", "example_logits"');
  fields(obj, path, ['log_lr', 'log_wd', 'example_logits'], []);
  const eta: EtaSpec = {};
  if (obj.log_lr !== undefined) {
    const P = paramSpecs(model).length;
    const lp = key(path, 'log_lr');
    const what = model.kind === 'mlp' ? `one per parameter tensor, 2L = ${P}` : `one per parameter tensor, ${P} for this ${model.kind === 'onnx' ? 'model (its parameter initializers)' : 'transformer'}`;
    if (typeof obj.log_lr === 'number' || !Array.isArray(obj.log_lr)) {
      eta.log_lr = finite(obj.log_lr, lp, `a finite number (shared by all tensors) or [${P}] numbers (${what})`);
    } else {
      eta.log_lr = Array.from(tensor(obj.log_lr, lp, [P], FLOAT, ` (${what}) or a single number`).data);
    }
  }
  if (obj.log_wd !== undefined) eta.log_wd = finite(obj.log_wd, key(path, 'log_wd'), 'a finite number (one log weight decay)');
  if (obj.example_logits !== undefined) {
    const T = inner.kind === 'explicit' ? inner.batches.length : inner.steps;
    const B = inner.kind === 'explicit' ? inner.batches[0]!.x.shape[0]! : inner.batch;
    const shape = model.kind === 'transformer' ? [T, B, model.seq] : [T, B];
    const note = model.kind === 'transformer' ? ' ([T][B][S]: one per inner step, example and target token)' : ' ([T][B]: one per inner step and example)';
    eta.example_logits = tensor(obj.example_logits, key(path, 'example_logits'), shape, FLOAT, note);
  }
  return eta;
}

export function parseWrt(v: unknown, path: string, eta: EtaSpec): MetaName[] {
  if (!Array.isArray(v)) throw new SetupError(path, `an array of names from ${META_NAMES.map((n) => `"${n}"`).join(', ')}`, describe(v));
  const seen = new Set<MetaName>();
  return v.map((n, i) => {
    const name = oneOf(n, index(path, i), META_NAMES);
    if (seen.has(name)) throw new SetupError(index(path, i), 'each name at most once', `"${name}" again`);
    if (name === 'log_wd' && eta.log_wd === undefined) {
      throw new SetupError(index(path, i), 'eta.log_wd to be given when wrt names "log_wd" (without it there is no decay term)', '"log_wd" with no eta.log_wd');
    }
    seen.add(name);
    return name;
  });
}
