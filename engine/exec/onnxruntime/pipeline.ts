import { Worker } from 'node:worker_threads';
import { Cancelled } from '../interpret.js';
import type { Schedule } from '../schedule.js';
import type { HostArray } from '../tfjsExecutor.js';
import { DEFAULT_SESSION_OPTIONS, inputArrays, type OrtRun, type OrtRunOptions } from './executor.js';
import { checkLowerable, lowerSegment } from './lower.js';
import { distinctModels, partition } from './partition.js';
import { loadOrt, ORT_PACKAGE } from './runtime.js';

/**
 * onnxruntime-node creates sessions and runs them on the calling thread, and a session stays
 * on the thread that made it. Two worker threads each own half of the distinct segments
 * (partition.ts): while one runs a segment, the other creates the sessions its later
 * segments need, so compiling hides behind running. A session is released after the last
 * segment that uses it. The worker is plain JavaScript kept here as text, so it runs the same
 * from the sources and from the bundle.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ortPath);
// Mailboxes: a model by distinct segment (sent as soon as it is lowered), feeds by segment.
// 'stop' ends the worker at its next wait (it is never terminated inside onnxruntime's native
// code, which aborts the process).
const boxes = { model: new Map(), feeds: new Map() };
const waiting = { model: new Map(), feeds: new Map() };
let stopped = false;
parentPort.on('message', (m) => {
  if (m.kind === 'stop') {
    stopped = true;
    for (const kind of ['model', 'feeds']) { for (const w of waiting[kind].values()) w(null); waiting[kind].clear(); }
    return;
  }
  const w = waiting[m.kind].get(m.k);
  if (w) { waiting[m.kind].delete(m.k); w(m.value); } else boxes[m.kind].set(m.k, m.value);
});
const take = (kind, k) => new Promise((resolve) => {
  if (stopped) resolve(null);
  else if (boxes[kind].has(k)) { const v = boxes[kind].get(k); boxes[kind].delete(k); resolve(v); } else waiting[kind].set(k, resolve);
});
const sessions = new Map();
// This worker's models in order of first use; \`next\` is the first not yet created.
const mine = [...new Set(workerData.segments.map(([, model]) => model))];
const created = new Set();
let next = 0;
let createMs = 0;
const create = async (model, m) => {
  const t0 = performance.now();
  sessions.set(model, { session: await ort.InferenceSession.create(m.bytes, workerData.options), inputNames: m.inputNames, outputNames: m.outputNames });
  created.add(model);
  createMs += performance.now() - t0;
};
(async () => {
  try {
    for (const [k, model, last] of workerData.segments) {
      if (!created.has(model)) {
        const m = await take('model', model);
        if (!m) break;
        await create(model, m);
      }
      // Until this segment's inputs arrive, create the sessions later segments will need, one
      // at a time, letting messages in between.
      while (!stopped && !boxes.feeds.has(k)) {
        while (next < mine.length && created.has(mine[next])) next++;
        if (next === mine.length || !boxes.model.has(mine[next])) break;
        const m = boxes.model.get(mine[next]);
        boxes.model.delete(mine[next]);
        await create(mine[next], m);
        await new Promise((resolve) => setImmediate(resolve));
      }
      const s = sessions.get(model);
      const feeds = await take('feeds', k);
      if (!feeds) break;
      const t1 = performance.now();
      const named = {};
      s.inputNames.forEach((name, i) => { const f = feeds[i]; named[name] = new ort.Tensor(f.type, f.data, f.dims); });
      const res = await s.session.run(named);
      const outputs = s.outputNames.map((n) => ({ type: res[n].type, data: res[n].data, dims: res[n].dims }));
      const runMs = performance.now() - t1;
      if (last) { sessions.delete(model); await s.session.release(); }
      const buffers = [...new Set(outputs.map((o) => o.data.buffer))];
      parentPort.postMessage({ k, outputs, createMs, runMs }, buffers);
      createMs = 0;
    }
  } finally {
    for (const s of sessions.values()) await s.session.release();
  }
})()
  .catch((e) => parentPort.postMessage({ error: String((e && e.stack) || e) }))
  .finally(() => parentPort.close());
`;

interface Wire {
  type: 'float32' | 'int32';
  data: Float32Array | Int32Array;
  dims: readonly number[];
}

interface Done {
  k: number;
  outputs: Wire[];
  createMs: number;
  runMs: number;
  error?: string;
}

export const PIPELINE_WORKERS = 2;

/**
 * Runs every segment on the worker that owns its model, lowering the distinct models one ahead
 * of need so the lowering overlaps the runs.
 */
export async function runPipelined(sched: Schedule, inputs: readonly HostArray[], opts: OrtRunOptions = {}): Promise<OrtRun> {
  loadOrt(); // a clear error here, not in a worker
  checkLowerable(sched);
  const segments = partition(sched, opts.bounds);
  // Distinct models, owned alternately by the workers in order of first use.
  const { modelOf, firstUse, lastUse } = distinctModels(segments);
  const ownerOf = (k: number) => modelOf[k] % PIPELINE_WORKERS;
  const options = { ...DEFAULT_SESSION_OPTIONS, ...opts.session };
  const ortPath = require.resolve(ORT_PACKAGE);
  const done = new Map<number, (d: Done) => void>();
  let failure: Error | undefined;
  const fail = (e: Error) => {
    failure ??= e;
    for (const resolve of done.values()) resolve({ k: -1, outputs: [], createMs: 0, runMs: 0, error: e.message });
  };
  // Workers start (and load onnxruntime) while the first model is lowered; each creates a
  // session once its model has arrived and the worker has nothing to run.
  const workers = Array.from({ length: Math.min(PIPELINE_WORKERS, firstUse.length) }, (_, w) => {
    // Each segment with its model and whether it is that model's last use (its session goes then).
    const mine = segments.flatMap((_, k) => (ownerOf(k) === w ? [[k, modelOf[k], lastUse[modelOf[k]] === k]] : []));
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { ortPath, options, segments: mine } });
    worker.on('message', (m: Done) => {
      if (m.error) return fail(new Error(`onnxruntime worker: ${m.error}`));
      done.get(m.k)?.(m);
    });
    worker.on('error', fail);
    return worker;
  });
  const exited = workers.map((w) => new Promise<void>((resolve) => w.once('exit', () => resolve())));
  /** Asks every worker to finish at its next wait and waits until all have. */
  const stopWorkers = async () => {
    for (const w of workers) w.postMessage({ kind: 'stop' });
    await Promise.all(exited);
  };
  let nodeCount = 0;
  let lowerMs = 0;
  let lowered = 0;
  /** Lowers the next distinct model and sends it to its owner. */
  const lowerNext = () => {
    const k = firstUse[lowered];
    const t1 = performance.now();
    const model = lowerSegment(sched, segments[k]);
    lowerMs += performance.now() - t1;
    nodeCount += model.nodeCount;
    workers[ownerOf(k)].postMessage({ kind: 'model', k: lowered, value: { bytes: model.bytes, inputNames: model.inputNames, outputNames: model.outputNames } });
    lowered++;
  };
  const arrays = inputArrays(sched, inputs);
  const env = new Map<number, Wire>(sched.graph.inputs.map((inp, i) => [inp.id, { type: inp.aval.dtype, data: arrays[i], dims: inp.aval.shape }]));
  let sessionMs = 0;
  let runMs = 0;
  try {
    for (const [k, seg] of segments.entries()) {
      if (opts.shouldStop?.()) throw new Cancelled();
      opts.onSegment?.(k, segments.length, seg);
      const finished = new Promise<Done>((resolve) => done.set(k, resolve));
      const feeds = seg.inputs.map((id) => env.get(id)!);
      // A value no later segment reads moves to the worker instead of being copied, unless its
      // buffer backs another value still needed.
      const dying = new Set(seg.released);
      const needed = new Set<ArrayBufferLike>();
      for (const [id, w] of env) if (!dying.has(id)) needed.add(w.data.buffer);
      const moved = [...new Set(seg.released.map((id) => env.get(id)!.data.buffer))].filter((b) => !needed.has(b) && b instanceof ArrayBuffer) as ArrayBuffer[];
      while (lowered <= modelOf[k]) lowerNext();
      workers[ownerOf(k)].postMessage({ kind: 'feeds', k, value: feeds }, moved);
      // Lowering the next model here overlaps it with this segment's run.
      if (lowered < firstUse.length) lowerNext();
      const d = await finished;
      done.delete(k);
      if (d.error || failure) throw failure ?? new Error(d.error);
      sessionMs += d.createMs;
      runMs += d.runMs;
      seg.outputs.forEach((id, i) => env.set(id, d.outputs[i]));
      for (const id of seg.released) env.delete(id);
    }
  } finally {
    await stopWorkers();
  }
  const outputs = sched.graph.outputs.map((id) => Float32Array.from(env.get(id)!.data));
  return { outputs, nodeCount, segments: segments.length, sessions: firstUse.length, timings: { lowerMs, sessionMs, runMs } };
}
