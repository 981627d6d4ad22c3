import type { Aval } from '../core/aval.js';
import type { Graph, GraphInput, GraphNode, Params } from '../ir/graph.js';
import type { Primitive } from '../primitives/types.js';
import { currentOrigin, currentScope } from './context.js';
import { Tensor, Trace, type CustomVjpRule, type MainTrace, type TensorFn } from './tensor.js';

/** A value of the graph being built: just its id and abstract value. */
export class BuildTensor extends Tensor {
  constructor(readonly trace: BuildTrace, readonly id: number, readonly aval: Aval) {
    super();
  }
}

/** The bottom trace: appends one node per primitive application to a graph. */
export class BuildTrace extends Trace {
  readonly inputs: GraphInput[] = [];
  readonly nodes: GraphNode[] = [];
  private nextId = 0;

  /** `onGrow(nodes)` is called every 16 384 nodes (progress during long traces). */
  constructor(main: MainTrace, private readonly onGrow?: (nodes: number) => void) {
    super(main);
  }

  addInput(aval: Aval, name: string): BuildTensor {
    const id = this.nextId++;
    this.inputs.push({ id, aval, name });
    return new BuildTensor(this, id, aval);
  }

  lift(_x: Tensor): Tensor {
    throw new Error('the graph builder is the bottom trace: nothing lies below it');
  }

  processPrimitive(prim: Primitive, inputs: Tensor[], params: Params): Tensor {
    const avals = inputs.map((x) => x.aval);
    let aval: Aval;
    try {
      aval = prim.shape(avals, params);
    } catch (e) {
      throw new Error(`${prim.name}: ${(e as Error).message} (inputs ${avals.map((a) => `[${a.shape}]`).join(', ')})`);
    }
    const id = this.nextId++;
    const ids = inputs.map((x) => (x as BuildTensor).id);
    this.nodes.push({ id, op: prim.name, inputs: ids, params, aval, scope: currentScope(), origin: currentOrigin() });
    if (this.onGrow && (this.nodes.length & 0x3fff) === 0) this.onGrow(this.nodes.length);
    return new BuildTensor(this, id, aval);
  }

  processCheckpoint(f: TensorFn, inputs: Tensor[]): Tensor[] {
    return f(...inputs);
  }

  processCustomVjp(rule: CustomVjpRule, inputs: Tensor[]): Tensor[] {
    return rule.f(...inputs);
  }

  graph(outputs: readonly Tensor[]): Graph {
    return { inputs: this.inputs, nodes: this.nodes, outputs: outputs.map((o) => (o as BuildTensor).id) };
  }
}
