/**
 * One run of a profile (`$.runs[i]`): its identity, then graph, timeline, totals and peak,
 * each checked against the others (see graph.ts, timeline.ts, peak.ts).
 */
import { BACKENDS, MODES, ORIGINS, PRECISIONS } from '../format.js';
import { remat, validateInnerSchedule } from './innerSchedule.js';
import { fail } from './error.js';
import { validateGraph } from './graph.js';
import { validatePeakLive } from './peak.js';
import { byteGroups, int, nonNeg, oneOf, record } from './readers.js';
import { readSteps, replaySteps } from './timeline.js';

/** `innerSteps`: the setup's T, against which `inner_schedule` is checked when present. */
export function validateRun(v: unknown, p: string, innerSteps?: number): void {
  const r = record(v, p);
  oneOf(r.mode, `${p}.mode`, MODES);
  const policy = remat(r.remat, `${p}.remat`);
  if (r.inner_schedule !== undefined && innerSteps !== undefined) validateInnerSchedule(r.inner_schedule, `${p}.inner_schedule`, policy, innerSteps);
  oneOf(r.backend, `${p}.backend`, BACKENDS);
  oneOf(r.precision, `${p}.precision`, PRECISIONS);
  if (typeof r.outer_loss !== 'number' && !['NaN', 'Infinity', '-Infinity'].includes(r.outer_loss as string)) {
    fail(`${p}.outer_loss`, 'a number (or "NaN", "Infinity", "-Infinity")', r.outer_loss);
  }

  const graph = validateGraph(r.graph, p);
  const nn = graph.ids.length;
  const steps = readSteps(r.steps, p, nn);
  const ns = steps.order.length;

  const t = record(r.totals, `${p}.totals`);
  const tp = `${p}.totals`;
  const peakBytes = int(t.peak_bytes, `${tp}.peak_bytes`);
  const inputBytes = int(t.input_bytes, `${tp}.input_bytes`);
  const inBytes = graph.inBytes;
  if (inputBytes !== inBytes.reduce((a, b) => a + b, 0)) fail(`${tp}.input_bytes`, `the inputs' bytes, ${inBytes.reduce((a, b) => a + b, 0)}`, inputBytes);
  if (int(t.active_peak_bytes, `${tp}.active_peak_bytes`) !== peakBytes - inputBytes) fail(`${tp}.active_peak_bytes`, `peak_bytes − input_bytes = ${peakBytes - inputBytes}`, t.active_peak_bytes);
  int(t.planned_peak_bytes, `${tp}.planned_peak_bytes`);
  int(t.planned_active_peak_bytes, `${tp}.planned_active_peak_bytes`);
  for (const k of ['time_ms', 'trace_ms']) nonNeg(t[k], `${tp}.${k}`);
  if (t.op_ms !== null) nonNeg(t.op_ms, `${tp}.op_ms`);
  if (int(t.graph_nodes, `${tp}.graph_nodes`) !== nn) fail(`${tp}.graph_nodes`, `the number of nodes, ${nn}`, t.graph_nodes);
  if (int(t.executed_ops, `${tp}.executed_ops`) !== ns) fail(`${tp}.executed_ops`, `the number of steps, ${ns}`, t.executed_ops);
  const allocTotal = steps.alloc.reduce((a, b) => a + b, 0);
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

  const { maxBytes, maxStep, liveAtPeak } = replaySteps(graph, steps, p, inputBytes, peakStep);
  if (maxBytes !== peakBytes) fail(`${tp}.peak_bytes`, `the timeline's maximum, ${maxBytes}`, peakBytes);
  if (maxStep !== peakStep) fail(`${pp}.step`, `the first step reaching the peak, ${maxStep}`, peakStep);
  validatePeakLive(pk, pp, graph, liveAtPeak, peakStep, peakBytes);
}
