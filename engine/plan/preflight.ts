/**
 * The pre-flight memory check: before anything is allocated, plan the run from shapes (the
 * static planner, extrapolated at large sizes, see estimate.ts) and compare its peak with what
 * the backend can hold (limits.ts). A run that cannot fit is refused with the planned peak, the
 * limit, the remat policies that would fit (or that none does) and the largest layer count that
 * would; the caller decides (the CLI exits 2 unless --force).
 */
import { formatBytes } from '../core/text.js';
import type { BackendName } from '../exec/backend.js';
import { REMATS, type Mode, type Remat } from '../meta/problem.js';
import { materialisedBytes } from '../setup/materialise.js';
import type { Precision } from '../setup/result.js';
import type { Setup } from '../setup/types.js';
import { estimatePlan, extrapolatedPlan, inputBytesOf, type PlanEstimate } from './estimate.js';
import { layerAxis } from './layerAxis.js';
import { hostMemoryLimit, memoryLimit, type MemoryLimit } from './limits.js';

export interface PreflightRequest {
  readonly mode: Mode;
  readonly remat: Remat;
  readonly precision: Precision;
  /** The backend that will run it (`reference` for float64). */
  readonly backend: BackendName | 'reference';
}

export interface PreflightOptions {
  /** Told what is being planned (for progress). */
  readonly onProgress?: (what: string) => void;
  /** Stop planning other remat policies for the message after this long. */
  readonly budgetMs?: number;
  /** For tests: the limit to check against instead of the backend's. */
  readonly limit?: MemoryLimit;
}

export type PreflightVerdict =
  | { readonly fits: true; readonly plannedPeakBytes: number; readonly limit: MemoryLimit; readonly plan: PlanEstimate }
  /** `plan` is absent when only the inputs were planned (they alone exceed the limit). */
  | { readonly fits: false; readonly plannedPeakBytes: number; readonly limit: MemoryLimit; readonly plan: PlanEstimate | undefined; readonly message: string };

/** A run refused by the pre-flight check (the CLI's exit status 2). */
export class MemoryRefusal extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'MemoryRefusal';
  }
}

/** The float64 reference executor stores every value in 8 bytes; the plan counts 4. */
function scaleOf(precision: Precision): number {
  return precision === 'float64' ? 2 : 1;
}

function methodNote(plan: PlanEstimate): string {
  const m = plan.method;
  return m.kind === 'extrapolated' ? `extrapolated to ${m.to} ${m.axis} from exact plans at ${m.from.join(', ')}` : `planned from the full graph of ${plan.nodes} ops`;
}

/** Remat policies from the one that usually saves most to the one that saves least. */
const BY_SAVINGS: readonly Remat[] = ['step+block', 'step', 'block', 'none'];

/** The largest layer count whose plan fits under `limit`, or undefined when the axis is unknown; 0 when none. */
function largestFitting(setup: Setup, plan: PlanEstimate, mode: Mode, remat: Remat, fits: (bytes: number) => boolean): number | undefined {
  const axis = layerAxis(setup);
  const along = plan.alongAxis;
  if (!axis || !along) return undefined;
  if (!fits(along.peakAt(along.min))) {
    for (let n = along.min - 1; n >= 1; n--) if (fits(estimatePlan(axis.at(n), { mode, remat }, { exact: true }).peakBytes)) return n;
    return 0;
  }
  let [lo, hi] = [along.min, axis.count];
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(along.peakAt(mid))) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** The refusal when the inputs alone exceed the limit and the graph is not planned in full. */
function inputsAlone(inputBytes: number, scale: number, limit: MemoryLimit, hostBytes: number, hostFits: boolean, host: MemoryLimit, why: string): PreflightVerdict {
  const lines = [
    `refused before allocating anything: the parameters, η and batches alone take ${formatBytes(inputBytes * scale)}, so the run's peak is at least that, more than ${limit.what} (the whole graph was not planned: ${why}).`,
    ...(hostFits ? [] : [`  Materialising θ₀, η and the batches alone would take ${formatBytes(hostBytes)} of host memory, more than ${host.what}.`]),
    '  No remat policy helps: they are held throughout.',
    '  --force runs it anyway.',
  ];
  return { fits: false, plannedPeakBytes: inputBytes * scale, limit, plan: undefined, message: lines.join('\n') };
}

export function preflight(setup: Setup, req: PreflightRequest, o: PreflightOptions = {}): PreflightVerdict {
  const t0 = performance.now();
  const limit = o.limit ?? memoryLimit(req.backend);
  const scale = scaleOf(req.precision);
  const fits = (bytes: number) => bytes * scale <= limit.bytes;
  const hostBytes = materialisedBytes(setup);
  const host = hostMemoryLimit();
  const hostFits = hostBytes <= host.bytes;
  const inputBytes = inputBytesOf(setup);
  // When θ₀, η and the batches alone cannot fit, a graph that does not extrapolate is not traced
  // in full (that alone can take gigabytes at such sizes): the inputs are the planned lower bound.
  if (!fits(inputBytes)) {
    const p = extrapolatedPlan(setup, { mode: req.mode, remat: req.remat }, { onTrace: o.onProgress });
    if ('why' in p) return inputsAlone(inputBytes, scale, limit, hostBytes, hostFits, host, p.why);
  }
  const plan = estimatePlan(setup, { mode: req.mode, remat: req.remat }, { onTrace: o.onProgress });
  const plannedPeakBytes = plan.peakBytes * scale;
  if (fits(plan.peakBytes) && hostFits) return { fits: true, plannedPeakBytes, limit, plan };

  const precisionNote = scale === 1 ? '' : ' in float64 (twice the float32 plan)';
  const lines = [
    `refused before allocating anything: the ${req.mode} meta-gradient with remat ${req.remat} is planned to peak at ${formatBytes(plannedPeakBytes)}${precisionNote}, more than ${limit.what} (${methodNote(plan)}).`,
  ];
  if (!hostFits) lines.push(`  Materialising θ₀, η and the batches alone would take ${formatBytes(hostBytes)} of host memory, more than ${host.what}.`);
  let best = { remat: req.remat, peak: plan.peakBytes, plan };
  if (!fits(plan.inputBytes)) {
    lines.push(`  No remat policy helps: the parameters, η and batches alone take ${formatBytes(plan.inputBytes * scale)} on the backend.`);
  } else {
    const others: string[] = [];
    const skipped: Remat[] = [];
    for (const remat of BY_SAVINGS.filter((r) => r !== req.remat && (REMATS as readonly Remat[]).includes(r))) {
      if (performance.now() - t0 > (o.budgetMs ?? 8000)) {
        skipped.push(remat);
        continue;
      }
      o.onProgress?.(`planning remat ${remat} instead`);
      const p = estimatePlan(setup, { mode: req.mode, remat }, {});
      if (p.peakBytes < best.peak) best = { remat, peak: p.peakBytes, plan: p };
      others.push(`${remat} ${formatBytes(p.peakBytes * scale)}${fits(p.peakBytes) ? ' (fits)' : ''}`);
    }
    const anyFits = others.some((s) => s.endsWith('(fits)'));
    lines.push(`  Other remat policies (${req.mode}): ${others.join(', ')}${anyFits ? '' : ': none fits'}${skipped.length ? `; not planned in time: ${skipped.join(', ')}` : ''}.`);
  }
  const axis = layerAxis(setup);
  if (axis && !fits(best.peak)) {
    const n = largestFitting(setup, best.plan, req.mode, best.remat, fits);
    if (n === 0) lines.push(`  Even 1 of the ${axis.count} ${axis.name} does not fit under remat ${best.remat}.`);
    else if (n !== undefined) lines.push(`  At most ${n} of the ${axis.count} ${axis.name} fit under remat ${best.remat}.`);
  }
  lines.push(`  \`mixflow estimate SETUP --mode ${req.mode} --remat ${req.remat}\` shows the plan; --force runs it anyway.`);
  return { fits: false, plannedPeakBytes, limit, plan, message: lines.join('\n') };
}
