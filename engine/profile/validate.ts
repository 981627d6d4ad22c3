/**
 * Reads `mixflow-profile/1` (format.ts) back: `parseProfile(text)` returns the profile or
 * throws a `ProfileError` naming the JSON path of the first problem and what was expected.
 * Besides types it checks what makes a profile self-consistent, so that a corrupted file
 * is refused rather than drawn wrong: column lengths, indices into the string tables and
 * the graph, the timeline's arithmetic (live after = live before + allocated − freed, freed
 * = bytes of the released values), the peak (the timeline's maximum, first reached at
 * `peak.step`), the live set at the peak (exactly the values the timeline holds there) and
 * every grouping of it summing to the peak.
 *
 * Fields a reader does not know are ignored (later versions of /1 may add some).
 * No node or TF.js imports: the webview uses this file.
 */
import { describeJson as describe } from '../core/text.js';
import {
  BACKENDS,
  CATEGORIES,
  DTYPES,
  MODES,
  ORIGINS,
  PRECISIONS,
  PROFILE_FORMAT,
  REMATS,
  type ProfileFile,
  type ProfileRun,
} from './format.js';

export class ProfileError extends Error {
  /** `path`: where (`$.runs[0].steps.live_bytes[12]`); `expected`: what should be there. */
  constructor(
    readonly path: string,
    readonly expected: string,
    readonly got: string,
  ) {
    super(`not a valid ${PROFILE_FORMAT} profile: at ${path}: expected ${expected}, got ${got}`);
    this.name = 'ProfileError';
  }
}


function fail(path: string, expected: string, got: unknown, gotText?: string): never {
  throw new ProfileError(path, expected, gotText ?? describe(got));
}

/** Line and column (1-based) of a character offset. */
function lineColumn(text: string, pos: number): string {
  let line = 1;
  let last = -1;
  for (let i = 0; i < pos && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return `line ${line}, column ${pos - last}`;
}

/**
 * Where JSON text stops being valid: the offset of the first character that cannot continue
 * it, or `text.length` when the text ends before the value is complete (a truncated file).
 * Only called once JSON.parse has failed, to say where and why.
 */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const n = text.length;
  const ws = () => {
    while (i < n && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  };
  const bad = (): never => {
    throw i;
  };
  const lit = (word: string) => {
    for (const ch of word) {
      if (i >= n) bad();
      if (text[i] !== ch) bad();
      i++;
    }
  };
  const str = () => {
    i++; // opening quote
    while (true) {
      if (i >= n) bad();
      const c = text.charCodeAt(i);
      if (c === 34) {
        i++;
        return;
      }
      if (c < 32) bad();
      if (c === 92) {
        i++;
        if (i >= n) bad();
        if (text[i] === 'u') {
          for (let k = 1; k <= 4; k++) {
            if (i + k >= n) {
              i = n;
              bad();
            }
            if (!/[0-9a-fA-F]/.test(text[i + k]!)) bad();
          }
          i += 5;
        } else if ('"\\/bfnrt'.includes(text[i]!)) i++;
        else bad();
      } else i++;
    }
  };
  const num = () => {
    let j = i;
    while (j < n && '0123456789+-.eE'.includes(text[j]!)) j++;
    if (j >= n) {
      i = n; // number characters up to the end: a number cut short
      bad();
    }
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, j));
    if (!m) bad();
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    if (i >= n) bad();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      while (true) {
        ws();
        if (i >= n || text[i] !== '"') bad();
        str();
        ws();
        if (i >= n || text[i] !== ':') bad();
        i++;
        value();
        ws();
        if (i >= n) bad();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return;
        } else bad();
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      while (true) {
        value();
        ws();
        if (i >= n) bad();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return;
        } else bad();
      }
    }
    if (c === '"') return str();
    if (c === 't') return lit('true');
    if (c === 'f') return lit('false');
    if (c === 'n') return lit('null');
    return num();
  };
  try {
    value();
    ws();
    return i;
  } catch (at) {
    if (typeof at !== 'number') throw at;
    return at;
  }
}

/** Parses and validates the text of a profile file. */
export function parseProfile(text: string): ProfileFile {
  if (text.trim() === '') fail('$', `a ${PROFILE_FORMAT} JSON object`, null, 'an empty file');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const at = jsonErrorOffset(text);
    if (at >= text.length) {
      fail('$', 'complete JSON', null, `a file that stops after ${text.length} characters (${lineColumn(text, text.length)}) in the middle of a value: the file is truncated`);
    }
    const near = JSON.stringify(text.slice(Math.max(0, at - 20), at + 20));
    fail('$', 'valid JSON', null, `a syntax error at ${lineColumn(text, at)} near ${near} (${(e as Error).message.split('\n')[0]!.slice(0, 80)}): the file is corrupted`);
  }
  return validateProfile(value);
}

// ---- small typed readers ----------------------------------------------------------------

type Rec = Record<string, unknown>;

function record(v: unknown, path: string): Rec {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(path, 'an object', v);
  return v as Rec;
}

function str(v: unknown, path: string): string {
  if (typeof v !== 'string') fail(path, 'a string', v);
  return v;
}

function oneOf<T extends string>(v: unknown, path: string, choices: readonly T[]): T {
  if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) fail(path, `one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`, v);
  return v as T;
}

function num(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(path, 'a finite number', v);
  return v;
}

function nonNeg(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(path, 'a number ≥ 0', v);
  return v;
}

function int(v: unknown, path: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    fail(path, max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`, v);
  }
  return v;
}

function array(v: unknown, path: string, length?: number, lengthWhy?: string): unknown[] {
  if (!Array.isArray(v)) fail(path, length === undefined ? 'an array' : `an array of ${length}${lengthWhy ? ` (${lengthWhy})` : ''}`, v);
  if (length !== undefined && v.length !== length) fail(path, `an array of ${length}${lengthWhy ? ` (${lengthWhy})` : ''}`, v);
  return v;
}

function ints(v: unknown, path: string, length?: number, why?: string, min = 0, max?: number): number[] {
  const a = array(v, path, length, why);
  for (let i = 0; i < a.length; i++) int(a[i], `${path}[${i}]`, min, max);
  return a as number[];
}

function intLists(v: unknown, path: string, length: number, why: string): number[][] {
  const a = array(v, path, length, why);
  for (let i = 0; i < a.length; i++) ints(a[i], `${path}[${i}]`);
  return a as number[][];
}

function strings(v: unknown, path: string, length?: number, why?: string): string[] {
  const a = array(v, path, length, why);
  a.forEach((x, i) => str(x, `${path}[${i}]`));
  return a as string[];
}

function sameList(v: unknown, path: string, expected: readonly string[]): void {
  const a = array(v, path);
  if (a.length !== expected.length || a.some((x, i) => x !== expected[i])) fail(path, JSON.stringify(expected), v, JSON.stringify(v));
}

/** A record of byte counts that sums to `total`; with `keys`, exactly those keys. */
function byteGroups(v: unknown, path: string, total: number, keys?: readonly string[]): void {
  const r = record(v, path);
  let sum = 0;
  for (const k of keys ?? Object.keys(r)) sum += int(r[k], `${path}[${JSON.stringify(k)}]`);
  if (sum !== total) fail(path, `byte counts summing to the peak, ${total}`, v, `a sum of ${sum}`);
}

// ---- the format -------------------------------------------------------------------------

/** Validates a parsed profile (see `parseProfile`). */
export function validateProfile(value: unknown): ProfileFile {
  const f = record(value, '$');
  if (f.format !== PROFILE_FORMAT) {
    const other = typeof f.format === 'string' && f.format.startsWith('mixflow-profile/');
    fail('$.format', `"${PROFILE_FORMAT}"${other ? ' (this reader knows only that version)' : ''}`, f.format);
  }
  const engine = record(f.engine, '$.engine');
  str(engine.name, '$.engine.name');
  str(engine.version, '$.engine.version');
  str(f.created, '$.created');
  validateSetup(f.setup);
  const runs = array(f.runs, '$.runs');
  if (runs.length === 0) fail('$.runs', 'at least one run', runs);
  runs.forEach((r, i) => validateRun(r, `$.runs[${i}]`));
  if (f.comparison !== null) {
    const c = record(f.comparison, '$.comparison');
    oneOf(c.remat, '$.comparison.remat', REMATS);
    const s = int(c.standard, '$.comparison.standard', 0, runs.length - 1);
    const m = int(c.mixflow, '$.comparison.mixflow', 0, runs.length - 1);
    if ((runs[s] as Rec).mode !== 'standard') fail('$.comparison.standard', 'the index of a standard run', s);
    if ((runs[m] as Rec).mode !== 'mixflow') fail('$.comparison.mixflow', 'the index of a mixflow run', m);
    for (const k of ['peak_ratio', 'active_peak_ratio', 'time_ratio']) nonNeg(c[k], `$.comparison.${k}`);
  }
  return value as ProfileFile;
}

function validateSetup(v: unknown): void {
  const s = record(v, '$.setup');
  if (s.path !== null) str(s.path, '$.setup.path');
  const m = record(s.model, '$.setup.model');
  const kind = oneOf(m.kind, '$.setup.model.kind', ['mlp', 'transformer'] as const);
  if (kind === 'mlp') {
    ints(m.sizes, '$.setup.model.sizes', undefined, undefined, 1);
    str(m.activation, '$.setup.model.activation');
  } else {
    for (const k of ['vocab', 'd_model', 'heads', 'layers', 'seq', 'd_ff']) int(m[k], `$.setup.model.${k}`, 1);
  }
  oneOf(s.loss, '$.setup.loss', ['mse', 'xent'] as const);
  str(s.optimizer, '$.setup.optimizer');
  for (const k of ['inner_steps', 'inner_batch', 'outer_batch']) int(s[k], `$.setup.${k}`, 1);
  strings(s.wrt, '$.setup.wrt');
  int(s.parameters, '$.setup.parameters');
}

function validateRun(v: unknown, p: string): void {
  const r = record(v, p);
  oneOf(r.mode, `${p}.mode`, MODES);
  oneOf(r.remat, `${p}.remat`, REMATS);
  oneOf(r.backend, `${p}.backend`, BACKENDS);
  oneOf(r.precision, `${p}.precision`, PRECISIONS);
  if (typeof r.outer_loss !== 'number' && !['NaN', 'Infinity', '-Infinity'].includes(r.outer_loss as string)) {
    fail(`${p}.outer_loss`, 'a number (or "NaN", "Infinity", "-Infinity")', r.outer_loss);
  }

  // graph
  const g = record(r.graph, `${p}.graph`);
  const ops = strings(g.ops, `${p}.graph.ops`);
  const scopes = strings(g.scopes, `${p}.graph.scopes`);
  sameList(g.origins, `${p}.graph.origins`, ORIGINS);
  sameList(g.dtypes, `${p}.graph.dtypes`, DTYPES);
  const bytesOf = new Map<number, number>();
  const inp = record(g.inputs, `${p}.graph.inputs`);
  const inIds = ints(inp.id, `${p}.graph.inputs.id`);
  const ni = inIds.length;
  const inWhy = 'one per input, like inputs.id';
  strings(inp.name, `${p}.graph.inputs.name`, ni, inWhy);
  const inShapes = intLists(inp.shape, `${p}.graph.inputs.shape`, ni, inWhy);
  ints(inp.dtype, `${p}.graph.inputs.dtype`, ni, inWhy, 0, DTYPES.length - 1);
  const inBytes = ints(inp.bytes, `${p}.graph.inputs.bytes`, ni, inWhy);
  inIds.forEach((id, i) => {
    if (bytesOf.has(id)) fail(`${p}.graph.inputs.id[${i}]`, 'a value id not used before', id);
    checkBytes(inBytes[i]!, inShapes[i]!, `${p}.graph.inputs.bytes[${i}]`);
    bytesOf.set(id, inBytes[i]!);
  });
  const nd = record(g.nodes, `${p}.graph.nodes`);
  const ids = ints(nd.id, `${p}.graph.nodes.id`);
  const nn = ids.length;
  const why = 'one per node, like nodes.id';
  ints(nd.op, `${p}.graph.nodes.op`, nn, why, 0, ops.length - 1);
  const inputs = intLists(nd.inputs, `${p}.graph.nodes.inputs`, nn, why);
  const shapes = intLists(nd.shape, `${p}.graph.nodes.shape`, nn, why);
  ints(nd.dtype, `${p}.graph.nodes.dtype`, nn, why, 0, DTYPES.length - 1);
  const bytes = ints(nd.bytes, `${p}.graph.nodes.bytes`, nn, why);
  ints(nd.scope, `${p}.graph.nodes.scope`, nn, why, 0, scopes.length - 1);
  ints(nd.origin, `${p}.graph.nodes.origin`, nn, why, 0, ORIGINS.length - 1);
  const indexOf = new Map<number, number>();
  for (let i = 0; i < nn; i++) {
    const ins = inputs[i]!;
    for (let j = 0; j < ins.length; j++) {
      if (!bytesOf.has(ins[j]!)) fail(`${p}.graph.nodes.inputs[${i}][${j}]`, 'the id of an input or of an earlier node', ins[j]);
    }
    if (bytesOf.has(ids[i]!)) fail(`${p}.graph.nodes.id[${i}]`, 'a value id not used before', ids[i]);
    checkBytes(bytes[i]!, shapes[i]!, `${p}.graph.nodes.bytes[${i}]`);
    bytesOf.set(ids[i]!, bytes[i]!);
    indexOf.set(ids[i]!, i);
  }
  const outputs = ints(g.outputs, `${p}.graph.outputs`);
  outputs.forEach((id, i) => bytesOf.has(id) || fail(`${p}.graph.outputs[${i}]`, 'the id of an input or a node', id));

  // steps: the timeline replayed
  const st = record(r.steps, `${p}.steps`);
  const order = ints(st.node, `${p}.steps.node`, undefined, undefined, 0, Math.max(0, nn - 1));
  const ns = order.length;
  const swhy = 'one per executed op, like steps.node';
  const alloc = ints(st.allocated_bytes, `${p}.steps.allocated_bytes`, ns, swhy);
  const freed = ints(st.freed_bytes, `${p}.steps.freed_bytes`, ns, swhy);
  const high = ints(st.high_water_bytes, `${p}.steps.high_water_bytes`, ns, swhy);
  const liveAfter = ints(st.live_bytes, `${p}.steps.live_bytes`, ns, swhy);
  if (st.ms !== null) {
    const ms = array(st.ms, `${p}.steps.ms`, ns, swhy);
    ms.forEach((x, i) => nonNeg(x, `${p}.steps.ms[${i}]`));
  }
  const released = intLists(st.released, `${p}.steps.released`, ns, swhy);

  const t = record(r.totals, `${p}.totals`);
  const tp = `${p}.totals`;
  const peakBytes = int(t.peak_bytes, `${tp}.peak_bytes`);
  const inputBytes = int(t.input_bytes, `${tp}.input_bytes`);
  if (inputBytes !== inBytes.reduce((a, b) => a + b, 0)) fail(`${tp}.input_bytes`, `the inputs' bytes, ${inBytes.reduce((a, b) => a + b, 0)}`, inputBytes);
  if (int(t.active_peak_bytes, `${tp}.active_peak_bytes`) !== peakBytes - inputBytes) fail(`${tp}.active_peak_bytes`, `peak_bytes − input_bytes = ${peakBytes - inputBytes}`, t.active_peak_bytes);
  int(t.planned_peak_bytes, `${tp}.planned_peak_bytes`);
  int(t.planned_active_peak_bytes, `${tp}.planned_active_peak_bytes`);
  for (const k of ['time_ms', 'trace_ms']) nonNeg(t[k], `${tp}.${k}`);
  if (t.op_ms !== null) nonNeg(t.op_ms, `${tp}.op_ms`);
  if (int(t.graph_nodes, `${tp}.graph_nodes`) !== nn) fail(`${tp}.graph_nodes`, `the number of nodes, ${nn}`, t.graph_nodes);
  if (int(t.executed_ops, `${tp}.executed_ops`) !== ns) fail(`${tp}.executed_ops`, `the number of steps, ${ns}`, t.executed_ops);
  const allocTotal = alloc.reduce((a, b) => a + b, 0);
  if (int(t.allocated_bytes, `${tp}.allocated_bytes`) !== allocTotal) fail(`${tp}.allocated_bytes`, `the sum of steps.allocated_bytes, ${allocTotal}`, t.allocated_bytes);
  byteGroups(t.allocated_bytes_by_origin, `${tp}.allocated_bytes_by_origin`, allocTotal, ORIGINS);
  if (t.op_ms_by_origin !== null) {
    const o = record(t.op_ms_by_origin, `${tp}.op_ms_by_origin`);
    for (const k of ORIGINS) nonNeg(o[k], `${tp}.op_ms_by_origin.${k}`);
  }

  const pk = record(r.peak, `${p}.peak`);
  const pp = `${p}.peak`;
  if (int(pk.bytes, `${pp}.bytes`) !== peakBytes) fail(`${pp}.bytes`, `totals.peak_bytes, ${peakBytes}`, pk.bytes);
  if (int(pk.active_bytes, `${pp}.active_bytes`) !== peakBytes - inputBytes) fail(`${pp}.active_bytes`, `${peakBytes - inputBytes}`, pk.active_bytes);
  const peakStep = int(pk.step, `${pp}.step`, -1, ns - 1);

  const live = new Set<number>(inIds);
  let liveBytes = inputBytes;
  let maxBytes = inputBytes;
  let maxStep = -1;
  let liveAtPeak: number[] | null = peakStep === -1 ? [...live] : null;
  const ran = new Set<number>();
  for (let s = 0; s < ns; s++) {
    const k = order[s]!;
    const id = ids[k]!;
    if (ran.has(k)) fail(`${p}.steps.node[${s}]`, 'a node not run before', k);
    ran.add(k);
    for (const x of inputs[k]!) if (!live.has(x)) fail(`${p}.steps.node[${s}]`, `a node whose inputs are live (value ${x} is not)`, k);
    const expectAlloc = live.has(id) ? 0 : bytes[k]!;
    if (alloc[s] !== expectAlloc) fail(`${p}.steps.allocated_bytes[${s}]`, `the bytes of node ${k}'s output, ${expectAlloc}`, alloc[s]);
    live.add(id);
    const hw = liveBytes + expectAlloc;
    if (high[s] !== hw) fail(`${p}.steps.high_water_bytes[${s}]`, `live bytes before the step + allocated = ${hw}`, high[s]);
    if (hw > maxBytes) {
      maxBytes = hw;
      maxStep = s;
    }
    if (s === peakStep) liveAtPeak = [...live];
    let f = 0;
    released[s]!.forEach((x, j) => {
      if (!live.has(x)) fail(`${p}.steps.released[${s}][${j}]`, 'the id of a live value', x);
      live.delete(x);
      f += bytesOf.get(x)!;
    });
    if (freed[s] !== f) fail(`${p}.steps.freed_bytes[${s}]`, `the bytes of the released values, ${f}`, freed[s]);
    liveBytes = hw - f;
    if (liveAfter[s] !== liveBytes) fail(`${p}.steps.live_bytes[${s}]`, `high-water − freed = ${liveBytes}`, liveAfter[s]);
  }
  if (maxBytes !== peakBytes) fail(`${tp}.peak_bytes`, `the timeline's maximum, ${maxBytes}`, peakBytes);
  if (maxStep !== peakStep) fail(`${pp}.step`, `the first step reaching the peak, ${maxStep}`, peakStep);

  const lv = record(pk.live, `${pp}.live`);
  const lids = ints(lv.id, `${pp}.live.id`);
  const nl = lids.length;
  const lwhy = 'one per live value, like live.id';
  const lbytes = ints(lv.bytes, `${pp}.live.bytes`, nl, lwhy);
  ints(lv.category, `${pp}.live.category`, nl, lwhy, 0, CATEGORIES.length - 1);
  const lnode = ints(lv.node, `${pp}.live.node`, nl, lwhy, -1, nn - 1);
  const expected = new Set(liveAtPeak!);
  if (nl !== expected.size) fail(`${pp}.live.id`, `the ${expected.size} values live at step ${peakStep}`, lids);
  lids.forEach((id, i) => {
    if (!expected.has(id)) fail(`${pp}.live.id[${i}]`, `a value live at step ${peakStep}`, id);
    expected.delete(id);
    if (lbytes[i] !== bytesOf.get(id)) fail(`${pp}.live.bytes[${i}]`, `value ${id}'s bytes, ${bytesOf.get(id)}`, lbytes[i]);
    const k = indexOf.get(id) ?? -1;
    if (lnode[i] !== k) fail(`${pp}.live.node[${i}]`, k < 0 ? '-1 (a graph input)' : `value ${id}'s node, ${k}`, lnode[i]);
  });
  if (expected.size > 0) fail(`${pp}.live.id`, `every value live at step ${peakStep}`, lids, `a list lacking ${[...expected].slice(0, 5).join(', ')}`);
  byteGroups(pk.by_category, `${pp}.by_category`, peakBytes, CATEGORIES);
  byteGroups(pk.by_step, `${pp}.by_step`, peakBytes);
  byteGroups(pk.by_block, `${pp}.by_block`, peakBytes);
  byteGroups(pk.by_op, `${pp}.by_op`, peakBytes);
  byteGroups(pk.by_origin, `${pp}.by_origin`, peakBytes, [...ORIGINS, 'input']);
}

function checkBytes(bytes: number, shape: readonly number[], path: string): void {
  const n = shape.reduce((a, b) => a * b, 1) * 4;
  if (bytes !== n) fail(path, `4 bytes per element of shape [${shape}], ${n}`, bytes);
}

/** For display: a run's one-line identity. */
export function runLabel(r: Pick<ProfileRun, 'mode' | 'remat' | 'backend' | 'precision'>): string {
  return `${r.mode}, remat ${r.remat}, ${r.precision} on ${r.backend}`;
}
