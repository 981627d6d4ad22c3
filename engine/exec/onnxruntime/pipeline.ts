import { Worker } from 'node:worker_threads';
import { Cancelled } from '../interpret.js';
import type { Schedule } from '../schedule.js';
import type { HostArray } from '../tfjsExecutor.js';
import { SessionsAhead } from './ahead.js';
import { DEFAULT_SESSION_OPTIONS, startingValues, type OrtRun, type OrtRunOptions, type StartingValue } from './executor.js';
import { checkLowerable, lowerSegment } from './lower.js';
import { distinctModels, partition } from './partition.js';
import { routeValues } from './routes.js';
import { loadOrt, ORT_PACKAGE } from './runtime.js';

/**
 * onnxruntime-node creates sessions and runs them on the calling thread, and a session stays
 * on the thread that made it. Two worker threads each own half of the distinct segments
 * (partition.ts): while one runs a segment, the other creates the sessions its later
 * segments need, so compiling hides behind running; when to create which is planned here
 * (ahead.ts), so that a creation rarely holds up the next segment. A session is released
 * after the last segment that uses it. The workers start (and load onnxruntime) before the
 * graph is traced (`startOrtWorkers`). A value that only the worker that made it reads again
 * stays there (routes.ts); the others pass through the main thread.
 *
 * A worker does what it is told, in order: keep a model, create its session, run a segment
 * (creating the session first if not yet done). It is plain JavaScript kept here as text, so
 * it runs the same from the sources and from the bundle.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ortPath);
let options;
const models = new Map();
const sessions = new Map();
let stopped = false;
// Commands run one after another; after 'stop' the rest are skipped, the sessions released
// and the port closed (a worker is never terminated inside onnxruntime's native code, which
// aborts the process).
let chain = Promise.resolve();
const then = (f) => {
  chain = chain.then(() => (stopped ? undefined : f())).catch((e) => {
    stopped = true;
    parentPort.postMessage({ kind: 'error', error: String((e && e.stack) || e) });
  });
};
const create = async (m) => {
  if (sessions.has(m)) return;
  const t0 = performance.now();
  const model = models.get(m);
  models.delete(m);
  sessions.set(m, { session: await ort.InferenceSession.create(model.bytes, options), inputNames: model.inputNames, outputNames: model.outputNames });
  parentPort.postMessage({ kind: 'created', m, ms: performance.now() - t0 });
};
// Values this worker made and will read again, by id, as onnxruntime tensors (routes.ts).
const local = new Map();
const run = async ({ k, m, last, feeds, keep, send, dropLocal }) => {
  await create(m);
  const s = sessions.get(m);
  const t0 = performance.now();
  const named = {};
  s.inputNames.forEach((name, i) => {
    const f = feeds[i];
    named[name] = typeof f === 'number' ? local.get(f) : new ort.Tensor(f.type, f.data, f.dims);
  });
  const res = await s.session.run(named);
  for (const id of dropLocal) local.delete(id);
  // An output handed on and not kept moves; one also kept here is copied.
  const moved = new Set();
  const outputs = s.outputNames.map((n, i) => {
    const t = res[n];
    if (keep[i] >= 0) local.set(keep[i], t);
    if (!send[i]) return null;
    if (keep[i] < 0) moved.add(t.data.buffer);
    return { type: t.type, data: t.data, dims: t.dims };
  });
  const ms = performance.now() - t0;
  if (last) { sessions.delete(m); await s.session.release(); }
  parentPort.postMessage({ kind: 'ran', k, outputs, ms }, [...moved]);
};
parentPort.on('message', (msg) => {
  if (msg.kind === 'options') options = msg.options;
  else if (msg.kind === 'model') models.set(msg.m, msg.model);
  else if (msg.kind === 'create') then(() => create(msg.m));
  else if (msg.kind === 'run') then(() => run(msg));
  else if (msg.kind === 'stop') {
    stopped = true;
    chain.then(async () => {
      for (const s of sessions.values()) await s.session.release();
      parentPort.close();
    });
  }
});
`;

/** A value as it travels between the main thread and a worker. */
type Wire = Omit<StartingValue, 'id'>;

/** What a worker reports. */
type Report =
  | { kind: 'ran'; k: number; outputs: (Wire | null)[]; ms: number }
  | { kind: 'created'; m: number; ms: number }
  | { kind: 'error'; error: string };

export const PIPELINE_WORKERS = 2;

/** Worker threads that have started loading onnxruntime and wait for their segments. */
export interface OrtWorkers {
  readonly threads: readonly Worker[];
  /** Asks every worker to finish what it is doing and resolves when all have exited. */
  stop(): Promise<void>;
}

/**
 * Starts the workers now, so that loading onnxruntime overlaps whatever comes before the run
 * (tracing and the graph passes). Every started pool must reach `runPipelined` or `stop`.
 */
export function startOrtWorkers(): OrtWorkers {
  loadOrt(); // a clear error here, not in a worker
  const ortPath = require.resolve(ORT_PACKAGE);
  const threads = Array.from({ length: PIPELINE_WORKERS }, () => new Worker(WORKER_SOURCE, { eval: true, workerData: { ortPath } }));
  const exited = threads.map((w) => new Promise<void>((resolve) => w.once('exit', () => resolve())));
  return {
    threads,
    async stop() {
      for (const w of threads) w.postMessage({ kind: 'stop' });
      await Promise.all(exited);
    },
  };
}

/**
 * Runs every segment on the worker that owns its model, lowering the distinct models in order
 * of first use while earlier segments run. Uses (and stops) `workers` if given.
 */
export async function runPipelined(sched: Schedule, inputs: readonly HostArray[], opts: OrtRunOptions = {}, workers = startOrtWorkers()): Promise<OrtRun> {
  let failure: Error | undefined;
  let wake = () => {};
  let onRan = (_r: Extract<Report, { kind: 'ran' }>) => {};
  let sessionMs = 0;
  let ahead: SessionsAhead | undefined;
  const fail = (e: Error) => {
    failure ??= e;
    wake();
  };
  workers.threads.forEach((thread, w) => {
    thread.on('message', (r: Report) => {
      if (r.kind === 'error') fail(new Error(`onnxruntime worker: ${r.error}`));
      else if (r.kind === 'created') {
        sessionMs += r.ms;
        ahead?.created(w, r.m, r.ms, performance.now());
      } else {
        onRan(r);
        wake();
      }
    });
    thread.on('error', fail);
  });
  /** Resolves once `ready()` holds (checked after every report); throws the first failure, or `Cancelled`. */
  const until = async (ready: () => boolean) => {
    for (;;) {
      if (failure) throw failure;
      if (opts.shouldStop?.()) throw new Cancelled();
      if (ready()) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  };
  try {
    checkLowerable(sched);
    const segments = partition(sched, opts.bounds);
    // Distinct models, owned alternately by the workers in order of first use.
    const { modelOf, firstUse, lastUse } = distinctModels(segments);
    const ownerOf = modelOf.map((m) => m % workers.threads.length);
    const routes = routeValues(segments, ownerOf, sched.graph.outputs);
    ahead = new SessionsAhead({ ownerOf, modelOf, modelOps: firstUse.map((k) => segments[k].nodes.length), workers: workers.threads.length });
    const options = { ...DEFAULT_SESSION_OPTIONS, ...opts.session };
    for (const t of workers.threads) t.postMessage({ kind: 'options', options });
    let nodeCount = 0;
    let lowerMs = 0;
    let lowered = 0;
    /** Lowers the distinct models up to `m` and sends each to its owner. */
    const lowerUpTo = (m: number) => {
      for (; lowered <= m; lowered++) {
        const k = firstUse[lowered];
        const t0 = performance.now();
        const model = lowerSegment(sched, segments[k]);
        lowerMs += performance.now() - t0;
        nodeCount += model.nodeCount;
        workers.threads[ownerOf[k]].postMessage({ kind: 'model', m: lowered, model: { bytes: model.bytes, inputNames: model.inputNames, outputNames: model.outputNames } });
      }
    };
    const env = new Map<number, Wire>();
    // How many live values each buffer backs: a buffer moves to a worker (rather than being
    // copied) only when every value on it dies there.
    const backing = new Map<ArrayBufferLike, number>();
    const put = (id: number, w: Wire) => {
      env.set(id, w);
      backing.set(w.data.buffer, (backing.get(w.data.buffer) ?? 0) + 1);
    };
    const drop = (id: number) => {
      const b = env.get(id)!.data.buffer;
      const n = backing.get(b)! - 1;
      if (n) backing.set(b, n);
      else backing.delete(b);
      env.delete(id);
    };
    for (const { id, ...value } of startingValues(sched, inputs, segments)) put(id, value);
    let runMs = 0;
    let reported = 0;
    onRan = (r) => {
      reported++;
      ahead!.ran(r.k, r.ms, performance.now());
      runMs += r.ms;
      r.outputs.forEach((w, i) => w && put(segments[r.k].outputs[i], w));
    };
    for (const [k, seg] of segments.entries()) {
      const route = routes[k];
      // A segment is handed over as soon as the values it takes from the main thread are
      // there, not when the one before it is done: a worker runs what it is given in order,
      // so values it keeps for itself are ready by then, and the round trip through the main
      // thread is paid only where a value really changes worker.
      await until(() => seg.inputs.every((id, i) => route.local[i] || env.has(id)));
      opts.onSegment?.(k, segments.length, seg);
      // A value the worker holds is named by its id; the others travel with the message.
      const feeds = seg.inputs.map((id, i) => (route.local[i] ? id : env.get(id)!));
      // Values the main thread will not need again move to the worker; the others are copied.
      // (Moving every input and handing it back instead made the main thread collect garbage
      // several times as often: slower.)
      const dying = new Map<ArrayBufferLike, number>();
      for (const id of route.dropMain) {
        const b = env.get(id)!.data.buffer;
        dying.set(b, (dying.get(b) ?? 0) + 1);
      }
      const moved = [...dying].flatMap(([b, n]) => (n === backing.get(b) && b instanceof ArrayBuffer ? [b] : []));
      const m = modelOf[k];
      lowerUpTo(m);
      const keep = seg.outputs.map((id, i) => (route.keep[i] ? id : -1));
      workers.threads[ownerOf[k]].postMessage({ kind: 'run', k, m, last: lastUse[m] === k, feeds, keep, send: route.send, dropLocal: route.dropLocal }, moved);
      // While it runs: the sessions to create ahead, and the next model lowered.
      for (const [w, later] of ahead.started(k, performance.now())) {
        lowerUpTo(later);
        workers.threads[w].postMessage({ kind: 'create', m: later });
      }
      if (lowered < firstUse.length) lowerUpTo(lowered);
      // The message holds its own copy (or the moved buffer) of what the main thread forgets.
      for (const id of route.dropMain) drop(id);
    }
    await until(() => reported === segments.length);
    const outputs = sched.graph.outputs.map((id) => Float32Array.from(env.get(id)!.data));
    return { outputs, nodeCount, segments: segments.length, sessions: firstUse.length, timings: { lowerMs, sessionMs, runMs } };
  } finally {
    await workers.stop();
  }
}
