export { importOnnx, type ImportOptions } from './import.js';
export { onnxForward } from './forward.js';
export { OnnxImportError } from './errors.js';
export { SUPPORTED_OPS } from './ops/table.js';
export type { OnnxModel, OnnxParam, Segment } from './model.js';
