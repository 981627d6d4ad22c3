/**
 * A synthetic `mixflow-profile/1` of any size for the panel's performance script: one chain
 * of `add`s over `steps` inner steps × `blocks` blocks × `opsPerBlock` ops (scopes
 * `step/t/grad/block/b`), each op reading the previous value, which is released right after.
 * Valid by the profile validator (which the panel runs on arrival).
 */
import { CATEGORIES, DTYPES, ORIGINS, PROFILE_FORMAT, type ProfileFile, type ProfileRun } from '../../engine/profile/format.js';

export function syntheticProfile(steps: number, blocks: number, opsPerBlock: number): ProfileFile {
  const n = steps * blocks * opsPerBlock;
  const scopes: string[] = [];
  for (let t = 0; t < steps; t++) for (let b = 0; b < blocks; b++) scopes.push(`step/${t}/grad/block/${b}`);
  const ids = Array.from({ length: n }, (_, i) => i + 1);
  const zero = Object.fromEntries(ORIGINS.map((o) => [o, 0])) as Record<(typeof ORIGINS)[number], number>;
  const byCategory = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<(typeof CATEGORIES)[number], number>;
  byCategory.parameters = 4;
  byCategory.activations = 8;
  const run = (mode: 'standard' | 'mixflow'): ProfileRun => ({
    mode, remat: 'none', backend: 'cpu', precision: 'float32', outer_loss: 0,
    totals: {
      peak_bytes: 12, active_peak_bytes: 8, input_bytes: 4, planned_peak_bytes: 12, planned_active_peak_bytes: 8, time_ms: n / 100, trace_ms: 1, op_ms: n / 1000,
      graph_nodes: n, executed_ops: n, allocated_bytes: 4 * n, allocated_bytes_by_origin: { ...zero, primal: 4 * n }, op_ms_by_origin: { ...zero, primal: n / 1000 },
    },
    graph: {
      ops: ['add'], scopes, origins: [...ORIGINS], dtypes: [...DTYPES],
      inputs: { id: [0], name: ['theta0/w'], shape: [[1]], dtype: [0], bytes: [4] },
      nodes: {
        id: ids, op: ids.map(() => 0), inputs: ids.map((id) => [id - 1]), shape: ids.map(() => [1]), dtype: ids.map(() => 0), bytes: ids.map(() => 4),
        scope: ids.map((_, i) => Math.floor(i / opsPerBlock)), origin: ids.map(() => 0),
      },
      outputs: [n],
    },
    steps: {
      node: ids.map((_, i) => i), allocated_bytes: ids.map(() => 4), freed_bytes: ids.map((_, i) => (i === 0 ? 0 : 4)),
      high_water_bytes: ids.map((_, i) => (i === 0 ? 8 : 12)), live_bytes: ids.map(() => 8), ms: ids.map(() => 0.001),
      released: ids.map((id, i) => (i === 0 ? [] : [id - 1])),
    },
    peak: {
      bytes: 12, active_bytes: 8, step: 1,
      live: { id: [0, 1, 2], bytes: [4, 4, 4], category: [0, 4, 4], node: [-1, 0, 1] },
      by_category: byCategory, by_step: { '(input)': 4, 'step/0': 8 }, by_block: { '(input)': 4, 'step/0/grad/block/0': 8 },
      by_op: { input: 4, add: 8 }, by_origin: { ...zero, input: 4, primal: 8 },
    },
  });
  return {
    format: PROFILE_FORMAT, engine: { name: 'mixflow-studio', version: '0.1.0' }, created: '2026-11-30T00:00:00.000Z',
    setup: { path: null, model: { kind: 'mlp', sizes: [1, 1], activation: 'tanh' }, loss: 'mse', optimizer: 'sgd', inner_steps: steps, inner_batch: 1, outer_batch: 1, wrt: ['log_lr'], parameters: 1 },
    runs: [run('standard')], comparison: null,
  };
}
