/**
 * `materialise`: turns a validated `Setup` into concrete host tensors: θ₀ in parameter order,
 * one batch per inner step, the outer batch, and η with its defaults filled. Generated values
 * come from prng.ts (its comment block documents the exact algorithm and stream ids):
 *
 * - θ₀ `{"init":"glorot","seed":S}`: tensor k of `paramSpecs(model)` draws from stream
 *   (S, 0x10000000 + k): matrices [fan_in, fan_out] uniform(−a, a), a = √(6/(fan_in+fan_out));
 *   embeddings 0.02·normal(); norm gains 1; biases and norm biases 0 (no draws).
 * - synthetic inner step t: stream (S, 0x20000000 + t); the outer batch: (S, 0x30000000).
 *   MLP: x [B, d0] = normal() row-major; then y: mse [B, dL] = normal() (continuing the same
 *   normal sequence, spare included), xent [B] = int(dL). ONNX: the same with x [B, …input
 *   shape] and dL the prediction's width (C or D).
 * - θ₀ of an ONNX model (`theta0` omitted or `{"from":"model"}`): the file's initializers. Transformer: B sequences of S+1
 *   tokens int(V), row-major; x = tokens 0 … S−1, y = tokens 1 … S of each sequence.
 * - η: log_lr defaults to one shared log(0.01) (shape []); a per-tensor log_lr has shape [P];
 *   log_wd (shape []) stays absent if the file has none (no decay term); example_logits
 *   defaults to zeros of [T, B] (transformer [T, B, S]).
 */
import { Prng, STREAM_INNER, STREAM_OUTER, STREAM_PARAM } from './prng.js';
import { EMBEDDING_INIT_STD, paramSpecs, type ParamSpec } from './transformerParams.js';
import {
  exampleLogitsShape, exampleShape, hostTensor, predictionWidth,
  type Batch, type HostTensor, type LossKind, type MetaName, type ModelSpec, type Setup,
} from './types.js';

export const DEFAULT_LOG_LR = Math.log(0.01);

export interface MaterialisedEta {
  /** Shape [] (one shared rate) or [P] (one per parameter tensor). */
  log_lr: HostTensor;
  /** Shape []; absent when the setup has no decay term. */
  log_wd?: HostTensor;
  /** [T, B], or [T, B, S] for a transformer. */
  example_logits: HostTensor;
}

export interface Materialised {
  params: ParamSpec[];
  /** In `params` order. */
  theta0: HostTensor[];
  /** One per inner step (length T). */
  inner: Batch[];
  outer: Batch;
  eta: MaterialisedEta;
}

export function materialise(setup: Setup): Materialised {
  const params = paramSpecs(setup.model);
  const t0 = setup.theta0;
  const theta0 = t0.init === 'explicit' ? t0.tensors.map(copy) : t0.init === 'model' ? modelTheta0(setup.model) : glorotTheta0(params, t0.seed);
  const { inner: i, outer: o } = setup;
  const inner = i.kind === 'explicit'
    ? i.batches.map((b) => ({ x: copy(b.x), y: copy(b.y) }))
    : Array.from({ length: i.steps }, (_, t) => syntheticBatch(setup.model, setup.loss, i.seed, STREAM_INNER + t, i.batch));
  const outer = o.kind === 'explicit' ? { x: copy(o.batch.x), y: copy(o.batch.y) } : syntheticBatch(setup.model, setup.loss, o.seed, STREAM_OUTER, o.batch);
  return { params, theta0, inner, outer, eta: materialiseEta(setup) };
}

function copy(t: HostTensor): HostTensor {
  return { shape: [...t.shape], dtype: t.dtype, data: t.data.slice() };
}

/** θ₀ of an ONNX model: its stored initializers, in parameter order. */
function modelTheta0(model: ModelSpec): HostTensor[] {
  if (model.kind !== 'onnx') throw new Error('materialise: theta0 {"from":"model"} needs an ONNX model');
  return model.graph.params.map((p) => hostTensor([...p.shape], 'float32', p.values.slice()));
}

/** θ₀ for `{"init":"glorot","seed":seed}`, in the order of `params`. */
export function glorotTheta0(params: readonly ParamSpec[], seed: number): HostTensor[] {
  return params.map((p, k) => {
    const t = hostTensor([...p.shape]);
    const rng = new Prng(seed, STREAM_PARAM + k);
    switch (p.kind) {
      case 'matrix': {
        const a = Math.sqrt(6 / (p.shape[0]! + p.shape[1]!));
        rng.fillUniform(t.data, -a, a);
        break;
      }
      case 'embedding':
        rng.fillNormal(t.data, 0, EMBEDDING_INIT_STD);
        break;
      case 'norm_gain':
        t.data.fill(1);
        break;
      case 'bias':
      case 'norm_bias':
        break;
      case 'initializer':
        throw new Error(`glorotTheta0: ${p.name} is an ONNX initializer; its θ₀ comes from the model file`);
    }
    return t;
  });
}

/** One synthetic batch of `batch` examples drawn from stream (seed, stream). */
export function syntheticBatch(model: ModelSpec, loss: LossKind, seed: number, stream: number, batch: number): Batch {
  const rng = new Prng(seed, stream);
  if (model.kind === 'transformer') {
    const S = model.seq;
    const tokens = rng.fillInt(new Float64Array(batch * (S + 1)), model.vocab);
    const x = hostTensor([batch, S], 'int32');
    const y = hostTensor([batch, S], 'int32');
    for (let b = 0; b < batch; b++) {
      x.data.set(tokens.subarray(b * (S + 1), b * (S + 1) + S), b * S);
      y.data.set(tokens.subarray(b * (S + 1) + 1, (b + 1) * (S + 1)), b * S);
    }
    return { x, y };
  }
  const dL = predictionWidth(model);
  const x = hostTensor([batch, ...exampleShape(model)]);
  rng.fillNormal(x.data);
  if (loss === 'mse') {
    const y = hostTensor([batch, dL]);
    rng.fillNormal(y.data);
    return { x, y };
  }
  const y = hostTensor([batch], 'int32');
  rng.fillInt(y.data, dL);
  return { x, y };
}

/** η with defaults filled (see the file comment). */
export function materialiseEta(setup: Setup): MaterialisedEta {
  const { eta } = setup;
  const lr = eta.log_lr ?? DEFAULT_LOG_LR;
  const log_lr = typeof lr === 'number' ? hostTensor([], 'float32', Float64Array.of(lr)) : hostTensor([lr.length], 'float32', Float64Array.from(lr));
  const example_logits = eta.example_logits
    ? { shape: [...eta.example_logits.shape], dtype: 'float32' as const, data: eta.example_logits.data.slice() }
    : hostTensor(exampleLogitsShape(setup));
  const out: MaterialisedEta = { log_lr, example_logits };
  if (eta.log_wd !== undefined) out.log_wd = hostTensor([], 'float32', Float64Array.of(eta.log_wd));
  return out;
}

/**
 * The shape of each meta-parameter named in `wrt`, as its meta-gradient must have it:
 * `theta0` a list of parameter shapes, the others one shape (log_lr [] when shared, log_wd []).
 */
export function metaShapes(setup: Setup): Partial<Record<MetaName, number[] | number[][]>> {
  const out: Partial<Record<MetaName, number[] | number[][]>> = {};
  for (const name of setup.wrt) {
    if (name === 'theta0') out.theta0 = paramSpecs(setup.model).map((p) => [...p.shape]);
    else if (name === 'log_lr') out.log_lr = Array.isArray(setup.eta.log_lr) ? [setup.eta.log_lr.length] : [];
    else if (name === 'log_wd') out.log_wd = [];
    else out.example_logits = exampleLogitsShape(setup);
  }
  return out;
}

/** Elements of one batch's x and y. */
function batchElements(model: ModelSpec, loss: LossKind, batch: number): number {
  if (model.kind === 'transformer') return 2 * batch * model.seq;
  const d0 = exampleShape(model).reduce((a, d) => a * d, 1);
  const dL = predictionWidth(model);
  return batch * d0 + (loss === 'mse' ? batch * dL : batch);
}

/**
 * Host bytes `materialise` would allocate (float64 storage): θ₀, every batch and η, from the
 * shapes alone, so a pre-flight check can refuse a 600 GiB θ₀ before allocating any of it.
 */
export function materialisedBytes(setup: Setup): number {
  const params = paramSpecs(setup.model).reduce((n, p) => n + p.shape.reduce((a, d) => a * d, 1), 0);
  const { inner: i, outer: o } = setup;
  const innerElements = i.kind === 'explicit'
    ? i.batches.reduce((n, b) => n + b.x.data.length + b.y.data.length, 0)
    : i.steps * batchElements(setup.model, setup.loss, i.batch);
  const outerElements = o.kind === 'explicit' ? o.batch.x.data.length + o.batch.y.data.length : batchElements(setup.model, setup.loss, o.batch);
  const lr = setup.eta.log_lr;
  const eta = (Array.isArray(lr) ? lr.length : 1) + 1 + exampleLogitsShape(setup).reduce((a, d) => a * d, 1);
  return 8 * (params + innerElements + outerElements + eta);
}
