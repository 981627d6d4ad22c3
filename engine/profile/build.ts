/**
 * Builds `mixflow-profile/1` (see format.ts) from finished runs: one linear pass over the
 * graph and one over the schedule, so a 60k-node run takes tens of milliseconds.
 */
import { avalBytes } from '../core/aval.js';
import { planMemory } from '../exec/memory.js';
import type { MetaOptions } from '../meta/objective.js';
import { innerSchedule, type InnerSchedule } from '../meta/innerSchedule.js';
import type { MetaRun } from '../meta/run.js';
import { problemOf } from '../meta/trace.js';
import { jsonNumber } from '../setup/result.js';
import { innerBatchSize, innerSteps, outerBatchSize, type Setup } from '../setup/types.js';
import { peakBreakdown, CATEGORIES as BREAKDOWN_CATEGORIES } from './breakdown.js';
import {
  CATEGORIES,
  DTYPES,
  ORIGINS,
  PROFILE_FORMAT,
  type ProfileComparison,
  type ProfileFile,
  type ProfileGraph,
  type ProfileInnerSchedule,
  type ProfileOrigin,
  type ProfilePeak,
  type ProfileRun,
  type ProfileSetup,
  type ProfileSteps,
} from './format.js';
import packageJson from '../../package.json';

// The format's category list is the breakdown's, in the same order (indices are stored).
const sameCategories: readonly string[] = BREAKDOWN_CATEGORIES;
if (sameCategories.join('|') !== CATEGORIES.join('|')) throw new Error('profile: CATEGORIES differ from breakdown.ts');

/** package.json's "version". */
export const ENGINE_VERSION: string = (packageJson as { version: string }).version;

class Interner {
  readonly table: string[] = [];
  private readonly index = new Map<string, number>();
  of(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.table.length;
      this.table.push(s);
      this.index.set(s, i);
    }
    return i;
  }
}

const ORIGIN_INDEX = new Map<string, number>(ORIGINS.map((o, i) => [o, i]));
const DTYPE_INDEX = new Map<string, number>(DTYPES.map((d, i) => [d, i]));
const CATEGORY_INDEX = new Map<string, number>(CATEGORIES.map((c, i) => [c, i]));

function zeroByOrigin(): Record<ProfileOrigin, number> {
  return Object.fromEntries(ORIGINS.map((o) => [o, 0])) as Record<ProfileOrigin, number>;
}

function add(rec: Record<string, number>, key: string, bytes: number): void {
  rec[key] = (rec[key] ?? 0) + bytes;
}

export function profileSetup(setup: Setup, path: string | null): ProfileSetup {
  const m = setup.model;
  const problem = problemOf(setup);
  return {
    path,
    model:
      m.kind === 'mlp'
        ? { kind: 'mlp', sizes: [...m.sizes], activation: m.activation }
        : m.kind === 'onnx'
          ? { kind: 'onnx', file: m.file, nodes: m.graph.nodes.length, blocks: m.graph.segments.length, input: [...m.graph.inputShape], output: [...m.graph.outputShape] }
          : { kind: 'transformer', vocab: m.vocab, d_model: m.d_model, heads: m.heads, layers: m.layers, seq: m.seq, d_ff: m.d_ff },
    loss: setup.loss,
    optimizer: setup.optimizer.kind,
    inner_steps: innerSteps(setup),
    inner_batch: innerBatchSize(setup),
    outer_batch: outerBatchSize(setup),
    wrt: [...setup.wrt],
    parameters: problem.params.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0),
  };
}

/** One run of one mode as a profile run. */
/** `innerSteps` (the setup's T) adds the run's `inner_schedule`. */
export function buildProfileRun(r: MetaRun, opts: MetaOptions, innerSteps?: number): ProfileRun {
  const g = r.traced.graph;
  const ops = new Interner();
  const scopes = new Interner();
  const n = g.nodes.length;
  const nodes = {
    id: new Array<number>(n),
    op: new Array<number>(n),
    inputs: new Array<number[]>(n),
    shape: new Array<number[]>(n),
    dtype: new Array<number>(n),
    bytes: new Array<number>(n),
    scope: new Array<number>(n),
    origin: new Array<number>(n),
  };
  const nodeIndex = new Map<number, number>();
  g.nodes.forEach((node, i) => {
    nodeIndex.set(node.id, i);
    nodes.id[i] = node.id;
    nodes.op[i] = ops.of(node.op);
    nodes.inputs[i] = [...node.inputs];
    nodes.shape[i] = [...node.aval.shape];
    nodes.dtype[i] = DTYPE_INDEX.get(node.aval.dtype)!;
    nodes.bytes[i] = avalBytes(node.aval);
    nodes.scope[i] = scopes.of(node.scope);
    nodes.origin[i] = ORIGIN_INDEX.get(node.origin)!;
  });
  const graph: ProfileGraph = {
    ops: ops.table,
    scopes: scopes.table,
    origins: [...ORIGINS],
    dtypes: [...DTYPES],
    inputs: {
      id: g.inputs.map((i) => i.id),
      name: g.inputs.map((i) => i.name),
      shape: g.inputs.map((i) => [...i.aval.shape]),
      dtype: g.inputs.map((i) => DTYPE_INDEX.get(i.aval.dtype)!),
      bytes: g.inputs.map((i) => avalBytes(i.aval)),
    },
    nodes,
    outputs: [...g.outputs],
  };

  const mem = r.memory;
  const timed = r.nodeMs.length === mem.steps.length && mem.steps.length > 0;
  const steps: ProfileSteps = {
    node: mem.steps.map((s) => nodeIndex.get(s.nodeId)!),
    allocated_bytes: mem.steps.map((s) => s.allocatedBytes),
    freed_bytes: mem.steps.map((s) => s.freedBytes),
    high_water_bytes: mem.steps.map((s) => s.highWaterBytes),
    live_bytes: mem.steps.map((s) => s.liveBytes),
    ms: timed ? r.nodeMs.map((ms) => Math.round(ms * 1000) / 1000) : null,
    released: r.sched.releaseAfter.map((ids) => [...ids]),
  };

  const allocatedByOrigin = zeroByOrigin();
  const msByOrigin = timed ? zeroByOrigin() : null;
  let allocated = 0;
  steps.node.forEach((k, s) => {
    const origin = ORIGINS[nodes.origin[k]!]!;
    allocated += steps.allocated_bytes[s]!;
    allocatedByOrigin[origin] += steps.allocated_bytes[s]!;
    if (msByOrigin) msByOrigin[origin] += r.nodeMs[s]!;
  });

  // runMeta keeps our executor whenever nodes are timed, so a profile is always measured.
  if (r.backend === 'onnxruntime') throw new Error('a profile is built from our executor\'s per-op measurements, not from an onnxruntime run');
  const planned = planMemory(r.sched);
  const opMs = timed ? r.nodeMs.reduce((a, b) => a + b, 0) : null;
  return {
    mode: opts.mode,
    remat: opts.remat,
    backend: r.backend,
    precision: r.precision,
    outer_loss: jsonNumber(r.outerLoss),
    totals: {
      peak_bytes: mem.peakBytes,
      active_peak_bytes: mem.activePeakBytes,
      input_bytes: mem.inputBytes,
      planned_peak_bytes: planned.peakBytes,
      planned_active_peak_bytes: planned.activePeakBytes,
      time_ms: round3(r.timeMs),
      trace_ms: round3(r.traceMs),
      op_ms: opMs === null ? null : round3(opMs),
      graph_nodes: n,
      executed_ops: mem.steps.length,
      allocated_bytes: allocated,
      allocated_bytes_by_origin: allocatedByOrigin,
      op_ms_by_origin: msByOrigin && (Object.fromEntries(Object.entries(msByOrigin).map(([k, v]) => [k, round3(v)])) as Record<ProfileOrigin, number>),
    },
    graph,
    steps,
    peak: buildPeak(r, nodeIndex, g.nodes),
    ...(innerSteps === undefined ? {} : { inner_schedule: profileInnerSchedule(innerSchedule(opts.remat, innerSteps)) }),
  };
}

function profileInnerSchedule(s: InnerSchedule): ProfileInnerSchedule {
  return {
    kind: s.kind,
    snapshots: s.snapshots,
    max_held: s.maxHeld,
    snapshotted: [...s.snapshotted],
    evaluations: [...s.evaluations],
    forward_steps: s.forwardSteps,
  };
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function buildPeak(r: MetaRun, nodeIndex: ReadonlyMap<number, number>, graphNodes: MetaRun['traced']['graph']['nodes']): ProfilePeak {
  const b = peakBreakdown(r.traced.graph, r.sched, r.memory);
  const byOp: Record<string, number> = {};
  const byOrigin = { ...zeroByOrigin(), input: 0 } as Record<ProfileOrigin | 'input', number>;
  const live = { id: [] as number[], bytes: [] as number[], category: [] as number[], node: [] as number[] };
  for (const v of b.live) {
    const k = nodeIndex.get(v.id);
    const node = k === undefined ? undefined : graphNodes[k];
    live.id.push(v.id);
    live.bytes.push(v.bytes);
    live.category.push(CATEGORY_INDEX.get(v.category)!);
    live.node.push(k ?? -1);
    add(byOp, node ? node.op : 'input', v.bytes);
    byOrigin[node ? node.origin : 'input'] += v.bytes;
  }
  return {
    bytes: r.memory.peakBytes,
    active_bytes: r.memory.activePeakBytes,
    step: r.memory.peakStep,
    live,
    by_category: b.byCategory,
    by_step: b.byScope,
    by_block: b.byBlock,
    by_op: byOp,
    by_origin: byOrigin,
  };
}

/** Standard against MixFlow, when the runs hold one of each with the same remat. */
export function compareRuns(runs: readonly ProfileRun[]): ProfileComparison | null {
  const s = runs.findIndex((r) => r.mode === 'standard');
  const m = runs.findIndex((r) => r.mode === 'mixflow');
  if (s < 0 || m < 0 || runs[s]!.remat !== runs[m]!.remat) return null;
  const a = runs[s]!.totals;
  const b = runs[m]!.totals;
  return {
    remat: runs[s]!.remat,
    standard: s,
    mixflow: m,
    peak_ratio: a.peak_bytes / b.peak_bytes,
    active_peak_ratio: b.active_peak_bytes > 0 ? a.active_peak_bytes / b.active_peak_bytes : 0,
    time_ratio: b.time_ms > 0 ? a.time_ms / b.time_ms : 0,
  };
}

/** The whole profile of one setup's runs (`opts[i]` gives run i's mode and remat). */
export function buildProfile(setupPath: string | null, setup: Setup, runs: readonly MetaRun[], opts: readonly MetaOptions[]): ProfileFile {
  if (runs.length === 0 || runs.length !== opts.length) throw new Error(`buildProfile: ${runs.length} runs, ${opts.length} option sets`);
  const built = runs.map((r, i) => buildProfileRun(r, opts[i]!, innerSteps(setup)));
  return {
    format: PROFILE_FORMAT,
    engine: { name: 'mixflow-studio', version: ENGINE_VERSION },
    created: new Date().toISOString(),
    setup: profileSetup(setup, setupPath),
    runs: built,
    comparison: compareRuns(built),
  };
}

/**
 * The file's text: objects laid out one field per line (so are arrays of objects), every
 * other array on one line. Every number in a built profile is finite (`outer_loss` is a
 * `ProfileNumber`), so JSON.stringify writes it exactly.
 */
export function serialiseProfile(profile: ProfileFile): string {
  const isRecord = (x: unknown): boolean => x !== null && typeof x === 'object' && !Array.isArray(x);
  const write = (v: unknown, depth: number): string => {
    if (v === null || typeof v !== 'object') return JSON.stringify(v);
    const pad = '  '.repeat(depth + 1);
    const end = `\n${'  '.repeat(depth)}`;
    if (Array.isArray(v)) {
      if (!v.some(isRecord)) return JSON.stringify(v);
      return v.length ? `[\n${v.map((x) => pad + write(x, depth + 1)).join(',\n')}${end}]` : '[]';
    }
    const items = Object.entries(v as object)
      .filter(([, x]) => x !== undefined)
      .map(([k, x]) => `${pad}${JSON.stringify(k)}: ${write(x, depth + 1)}`);
    return items.length ? `{\n${items.join(',\n')}${end}}` : '{}';
  };
  return `${write(profile, 0)}\n`;
}
