/** Every ONNX op the importer maps (default domain), one small rule each. */
import type { OpRule } from './context.js';
import { elementwiseOps } from './elementwise.js';
import { nnOps } from './nn.js';
import { shapeOps } from './shape.js';

export const OP_TABLE: Readonly<Record<string, OpRule>> = { ...elementwiseOps, ...shapeOps, ...nnOps };

/** The supported op types, sorted, for messages. */
export const SUPPORTED_OPS: readonly string[] = Object.keys(OP_TABLE).sort();
