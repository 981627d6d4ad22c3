/**
 * The profile format `mixflow-profile/1`: what `mixflow run … --profile FILE` and
 * `mixflow profile SETUP [--compare]` write, and what the editor's profiler panel reads.
 *
 * This module is types and constants only (no node or TF.js imports), so the webview can
 * import it together with `validate.ts`.
 *
 * Layout: one JSON object, a `ProfileFile`. Each run (one mode of one setup) holds
 * - `graph`: the differentiation graph, every node the tracer emitted, stored column by column
 *   (one array per field, all of one length, entry i of each describing node i), with ops and
 *   scopes interned in string tables;
 * - `steps`: the execution order and, per executed op, bytes allocated, bytes freed, live bytes
 *   after, the high-water mark while it ran, its wall time and the values released after it;
 *   `steps.live_bytes` is the memory timeline;
 * - `peak`: the peak, every value live at it, and the live bytes grouped by category, inner
 *   step, block, op and transformation (each grouping sums to `peak.bytes`);
 * - `totals`: peak, active peak, input bytes, the static plan's peak, times, counts.
 *
 * Conventions: bytes are integers (4 per element, as TF.js counts them, also for float64 runs,
 * which are accounted as float32); times are milliseconds; "value id" is the id of a graph
 * input or of the node producing the value (one id space); "node index" is a position in the
 * `graph.nodes` columns. Numbers that may be non-finite (only `outer_loss`) are written as
 * the strings "NaN", "Infinity", "-Infinity". Versioning: fields are only ever added within
 * `mixflow-profile/1`; a reader must ignore fields it does not know; anything that changes
 * the meaning of an existing field gets `mixflow-profile/2`.
 */

export const PROFILE_FORMAT = 'mixflow-profile/1';

/** Which transformation emitted a node; a column of `graph.nodes` holds indices into this list. */
export const ORIGINS = ['primal', 'tangent', 'cotangent', 'remat', 'customVjp'] as const;
export type ProfileOrigin = (typeof ORIGINS)[number];

/** What the origins mean, for display. */
export const ORIGIN_LABELS: Record<ProfileOrigin, string> = {
  primal: 'primal (the computation as written)',
  tangent: 'forward-mode tangent',
  cotangent: 'reverse-mode cotangent',
  remat: 'rematerialised recompute',
  customVjp: 'custom-VJP body (MixFlow backward)',
};

/** Element types; `graph.*.dtype` hold indices into this list. */
export const DTYPES = ['float32', 'int32'] as const;
export type ProfileDType = (typeof DTYPES)[number];

/**
 * What each value live at the peak is (`peak.live.category` holds indices into this list):
 * - `parameters`: θ₀ and η (graph inputs), and θ_t produced by an optimiser update;
 * - `optimiser state`: m_t, v_t produced by an optimiser update;
 * - `inner-step checkpoints`: θ_t or optimiser state held only for a later backward pass;
 * - `data`: the inner and outer batches (graph inputs);
 * - `activations`: other values still awaiting forward (primal) computation;
 * - `residuals`: other values held only for a later derivative computation (saved for the
 *   backward pass);
 * - `tangents` / `cotangents`: values made by forward-mode / reverse-mode differentiation.
 */
export const CATEGORIES = [
  'parameters',
  'optimiser state',
  'inner-step checkpoints',
  'data',
  'activations',
  'residuals',
  'tangents',
  'cotangents',
] as const;
export type ProfileCategory = (typeof CATEGORIES)[number];

export const MODES = ['standard', 'mixflow'] as const;
export type ProfileMode = (typeof MODES)[number];
export const REMATS = ['none', 'step', 'block', 'step+block'] as const;
/** A basic policy, or binomial checkpointing with K snapshots (`revolve:4`, `revolve:4+block`). */
export type ProfileRemat = (typeof REMATS)[number] | `revolve:${number}` | `revolve:${number}+block`;
/** Pattern of the revolve policies among `ProfileRemat`. */
export const REVOLVE_REMAT = /^revolve:[1-9][0-9]*(\+block)?$/;
/** The TF.js backend a run used, `reference` for the float64 executor. */
export const BACKENDS = ['tensorflow', 'wasm', 'cpu', 'reference'] as const;
export type ProfileBackend = (typeof BACKENDS)[number];
export const PRECISIONS = ['float32', 'float64'] as const;
export type ProfilePrecision = (typeof PRECISIONS)[number];

/** A number JSON can hold; non-finite ones as strings. */
export type ProfileNumber = number | 'NaN' | 'Infinity' | '-Infinity';

/** The whole file. */
export interface ProfileFile {
  readonly format: typeof PROFILE_FORMAT;
  /** The engine that wrote the file; `version` is package.json's "version". */
  readonly engine: { readonly name: 'mixflow-studio'; readonly version: string };
  /** When the file was written, ISO 8601 (UTC). */
  readonly created: string;
  readonly setup: ProfileSetup;
  /** At least one run; `mixflow profile --compare` writes standard, then mixflow, same remat. */
  readonly runs: readonly ProfileRun[];
  /** Present when `runs` holds a standard and a mixflow run with the same remat. */
  readonly comparison: ProfileComparison | null;
}

/** What was run: a summary of the setup file (not its data). */
export interface ProfileSetup {
  /** The setup file's path as given on the command line (`null` for an in-memory setup). */
  readonly path: string | null;
  readonly model: ProfileModel;
  readonly loss: 'mse' | 'xent';
  /** `sgd`, `momentum` or `adam`. */
  readonly optimizer: string;
  /** T, the number of inner steps. */
  readonly inner_steps: number;
  /** B, the inner batch size; B_out, the outer one. */
  readonly inner_batch: number;
  readonly outer_batch: number;
  /** The meta-gradients computed, in the setup's order. */
  readonly wrt: readonly string[];
  /** Number of parameter elements in θ. */
  readonly parameters: number;
}

export type ProfileModel =
  | { readonly kind: 'mlp'; readonly sizes: readonly number[]; readonly activation: string }
  | {
    readonly kind: 'transformer';
    readonly vocab: number;
    readonly d_model: number;
    readonly heads: number;
    readonly layers: number;
    readonly seq: number;
    readonly d_ff: number;
  }
  /** An imported ONNX model: its file (as the setup names it), node count and remat blocks. */
  | { readonly kind: 'onnx'; readonly file: string; readonly nodes: number; readonly blocks: number; readonly input: readonly number[]; readonly output: readonly number[] };

/** One mode of one setup, run once. */
export interface ProfileRun {
  readonly mode: ProfileMode;
  readonly remat: ProfileRemat;
  readonly backend: ProfileBackend;
  readonly precision: ProfilePrecision;
  /** The outer loss V the run computed. */
  readonly outer_loss: ProfileNumber;
  readonly totals: ProfileTotals;
  readonly graph: ProfileGraph;
  readonly steps: ProfileSteps;
  readonly peak: ProfilePeak;
  /** How the inner steps were checkpointed (absent in files from before it was recorded). */
  readonly inner_schedule?: ProfileInnerSchedule;
}

/**
 * The inner steps under the run's remat: `taped` (no step checkpointing), `each` (`step`: every
 * step checkpointed) or `revolve` (the binomial schedule with `snapshots` = K).
 */
export interface ProfileInnerSchedule {
  readonly kind: 'taped' | 'each' | 'revolve';
  readonly snapshots: number | null;
  /** Most snapshots (θ_t and optimiser state) held at once. */
  readonly max_held: number;
  /** Steps whose input state is a snapshot, ascending. */
  readonly snapshotted: readonly number[];
  /** How often each step's forward runs in all (1: once, taped; more: recomputed). */
  readonly evaluations: readonly number[];
  /** The sum of `evaluations`. */
  readonly forward_steps: number;
}

export interface ProfileTotals {
  /** Most bytes of tensor buffers held at once, measured by the executor (everything counted). */
  readonly peak_bytes: number;
  /** `peak_bytes` less `input_bytes`. */
  readonly active_peak_bytes: number;
  /** θ₀, η and the batches: held throughout. */
  readonly input_bytes: number;
  /** The static plan's peak for the same graph (what `mixflow estimate` prints): equal when the kernels agree with the shape rules. */
  readonly planned_peak_bytes: number;
  readonly planned_active_peak_bytes: number;
  /** Wall time of the meta-gradient computation: tracing, transformation and execution. */
  readonly time_ms: number;
  /** Of which tracing, transformation and scheduling. */
  readonly trace_ms: number;
  /** Sum of `steps.ms` (null when ops were not timed). */
  readonly op_ms: number | null;
  /** Nodes the tracer emitted (`graph.nodes` length); nodes not needed for the outputs are never run. */
  readonly graph_nodes: number;
  /** Ops executed (`steps` length). */
  readonly executed_ops: number;
  /** Bytes allocated over the whole run (sum of `steps.allocated_bytes`). */
  readonly allocated_bytes: number;
  /** `allocated_bytes` split by the transformation that made the op (each origin present, 0 if none). */
  readonly allocated_bytes_by_origin: Readonly<Record<ProfileOrigin, number>>;
  /** `op_ms` split by origin (null when ops were not timed). */
  readonly op_ms_by_origin: Readonly<Record<ProfileOrigin, number>> | null;
}

/** The columns every value has, graph input or node output: shape, dtype (index into `dtypes`), bytes. */
export interface ProfileValueColumns {
  readonly shape: readonly (readonly number[])[];
  readonly dtype: readonly number[];
  readonly bytes: readonly number[];
}

/**
 * The differentiation graph. `inputs` and `nodes` are column sets: every array in one set
 * has the same length, and entry i of each describes input i / node i.
 */
export interface ProfileGraph {
  /** String table of op names; `nodes.op` holds indices into it. */
  readonly ops: readonly string[];
  /** String table of scopes (`step/2/grad/block/1/attn`, `outer/head`, `` for top level); `nodes.scope` holds indices into it. */
  readonly scopes: readonly string[];
  /** Always `ORIGINS`, repeated so the file describes itself. */
  readonly origins: readonly ProfileOrigin[];
  /** Always `DTYPES`. */
  readonly dtypes: readonly ProfileDType[];
  readonly inputs: ProfileValueColumns & {
    /** Value id. */
    readonly id: readonly number[];
    /** `theta0/<tensor>`, `eta/log_lr`, `eta/log_wd`, `eta/example_logits`, `inner/<t>/x`, `inner/<t>/y`, `outer/x`, `outer/y`. */
    readonly name: readonly string[];
  };
  /** Every node in trace order; its value columns describe its output. */
  readonly nodes: ProfileValueColumns & {
    /** Value id of the node's output (distinct from every other node's and input's). */
    readonly id: readonly number[];
    /** Index into `ops`. */
    readonly op: readonly number[];
    /** Value ids the node reads (graph inputs or earlier nodes). */
    readonly inputs: readonly (readonly number[])[];
    /** Index into `scopes`: the hierarchical scope the node was traced in. */
    readonly scope: readonly number[];
    /** Index into `origins`: which transformation made it. */
    readonly origin: readonly number[];
  };
  /** Value ids of the outputs: V, then the meta-gradients in `wrt` order (θ₀: one per tensor). */
  readonly outputs: readonly number[];
}

/**
 * The execution: one entry per executed op, in execution order (columns of one length).
 * Before step 0 the inputs are live (`totals.input_bytes`); step i runs node `node[i]`,
 * allocating its output, then releases the values in `released[i]` (their last use).
 */
export interface ProfileSteps {
  /** Node index (into `graph.nodes`) run at each step: the execution order. */
  readonly node: readonly number[];
  /** Bytes of the op's output buffer. */
  readonly allocated_bytes: readonly number[];
  /** Bytes released right after the op. */
  readonly freed_bytes: readonly number[];
  /** Live bytes while the op's output and its inputs coexist (before the release). */
  readonly high_water_bytes: readonly number[];
  /** Live bytes after the release: the memory timeline. */
  readonly live_bytes: readonly number[];
  /** The op's wall time in ms, or null when ops were not timed. */
  readonly ms: readonly number[] | null;
  /** Value ids released right after the op. */
  readonly released: readonly (readonly number[])[];
}

/** Where the peak is and what is live at it. */
export interface ProfilePeak {
  /** = totals.peak_bytes. */
  readonly bytes: number;
  readonly active_bytes: number;
  /** Step at which it is reached (high-water of that step), -1 when before the first op. */
  readonly step: number;
  /**
   * Every value live at the peak (columns of one length), inputs included; their bytes sum
   * to `bytes`. At step s that is the inputs, plus every output produced up to s, less
   * the values released after steps before s.
   */
  readonly live: {
    readonly id: readonly number[];
    readonly bytes: readonly number[];
    /** Index into `CATEGORIES`. */
    readonly category: readonly number[];
    /** Index into `graph.nodes`, or -1 for a graph input. */
    readonly node: readonly number[];
  };
  /** Bytes by category; every category present (0 if none); sums to `bytes`. */
  readonly by_category: Readonly<Record<ProfileCategory, number>>;
  /** Bytes by inner step (`step/<t>`), else the scope's first segment (`outer`), `(top)` for top level, `(input)` for graph inputs; sums to `bytes`. */
  readonly by_step: Readonly<Record<string, number>>;
  /** Bytes by scope down to the block or layer (`step/2/grad/block/1`), else the full scope; sums to `bytes`. */
  readonly by_block: Readonly<Record<string, number>>;
  /** Bytes by the op that produced the value (`input` for graph inputs); sums to `bytes`. */
  readonly by_op: Readonly<Record<string, number>>;
  /** Bytes by origin of the producing node (`input` for graph inputs); sums to `bytes`. */
  readonly by_origin: Readonly<Record<ProfileOrigin | 'input', number>>;
}

/** Standard against MixFlow: ratios are standard ÷ mixflow. */
export interface ProfileComparison {
  readonly remat: ProfileRemat;
  /** Indices into `runs`. */
  readonly standard: number;
  readonly mixflow: number;
  readonly peak_ratio: number;
  readonly active_peak_ratio: number;
  readonly time_ratio: number;
}

/** Names of the scope groupings of `ProfilePeak`, for display. */
export const PEAK_GROUPINGS = ['by_category', 'by_step', 'by_block', 'by_op', 'by_origin'] as const;

/** Group key of a scope at the inner-step level (see `ProfilePeak.by_step`). */
export function stepGroup(scope: string): string {
  const m = /^step\/\d+/.exec(scope);
  if (m) return m[0];
  return scope === '' ? '(top)' : scope.split('/')[0]!;
}

/** Group key of a scope at the block level (see `ProfilePeak.by_block`). */
export function blockGroup(scope: string): string {
  const m = /^(.*?\/(block|layer)\/\d+)/.exec(scope);
  return m ? m[1]! : scope || '(top)';
}

/** One node of a run's graph as a record (the columns are for size; this is for reading). */
export interface ProfileNodeView {
  readonly index: number;
  readonly id: number;
  readonly op: string;
  readonly inputs: readonly number[];
  readonly shape: readonly number[];
  readonly dtype: ProfileDType;
  readonly bytes: number;
  readonly scope: string;
  readonly origin: ProfileOrigin;
}

export function profileNode(graph: ProfileGraph, index: number): ProfileNodeView {
  const n = graph.nodes;
  return {
    index,
    id: n.id[index]!,
    op: graph.ops[n.op[index]!]!,
    inputs: n.inputs[index]!,
    shape: n.shape[index]!,
    dtype: DTYPES[n.dtype[index]!]!,
    bytes: n.bytes[index]!,
    scope: graph.scopes[n.scope[index]!]!,
    origin: ORIGINS[n.origin[index]!]!,
  };
}
