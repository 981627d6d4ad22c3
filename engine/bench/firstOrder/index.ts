/**
 * The first-order gradient benchmark (bench.ts): engine against TF.js's own tape on the
 * MLP (mlp.ts) and transformer (transformer.ts) models, peak bytes by one instrument for
 * both (peak.ts), rows printed as a table (table.ts).
 */
export { benchFirstOrder, type BenchOptions, type Row } from './bench.js';
export { mlpModel } from './mlp.js';
export { trackPeakBytes } from './peak.js';
export { formatRows, printRows } from './table.js';
export { transformerModel } from './transformer.js';
