/**
 * MixFlow Studio's autodiff engine: trace functions written with these ops into a graph,
 * transform them (grad, jvp, vjp, checkpoint, customVjp, fwdrevGrad, nested in any order)
 * and run the graph on TF.js (float32) or the float64 reference executor, with exact
 * memory accounting. Never imports vscode.
 */
import './primitives/index.js';

export type { Aval } from './core/aval.js';
export type { DType } from './core/dtype.js';
export type { Graph, GraphNode, GraphInput, Origin } from './ir/graph.js';
export { Tensor } from './trace/tensor.js';
export { withScope } from './trace/context.js';
export { traceGraph, type Traced, type NamedAval } from './trace/traceGraph.js';

export * from './ops/arith.js';
export { full, zeros, scalar, constant, iota } from './ops/create.js';
export { reshape, transpose, broadcastTo, slice, pad, concat, split, expandDims, sum, sumToShape } from './ops/shape.js';
export { mean, max } from './ops/reduce.js';
export { matmul } from './ops/linalg.js';
export { gather, segmentSum, oneHot } from './ops/indexing.js';
export { softmax, logSoftmax, logSumExp, gelu, layerNorm } from './ops/nn.js';
export { stopGradient } from './ops/stopGradient.js';

export { grad, valueAndGrad, vjp } from './transforms/vjp.js';
export { jvp } from './transforms/jvp.js';
export { checkpoint } from './transforms/checkpoint.js';
export { customVjp } from './transforms/customVjp.js';
export { fwdrevGrad } from './transforms/fwdrevGrad.js';
export { flatten, unflatten, mapTree, type Tree } from './transforms/tree.js';

export { schedule, type Schedule } from './exec/schedule.js';
export { planMemory, accountMemory, type MemoryProfile, type StepMemory } from './exec/memory.js';
export { planFlops, opFlops, type FlopsPlan } from './exec/flops.js';
export { Cancelled, type InterpretOptions, type StepEvent } from './exec/interpret.js';
export { runTfjs, runTfjsAsync, type HostArray } from './exec/tfjsExecutor.js';
export { runRef, runRefAsync } from './exec/refExecutor.js';
export { useBackend, type BackendName, type BackendChoice } from './exec/backend.js';
