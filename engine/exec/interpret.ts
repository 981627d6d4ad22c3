import { sameShape } from '../core/shape.js';
import type { GraphNode } from '../ir/graph.js';
import { accountMemory, type MemoryProfile } from './memory.js';
import type { Schedule } from './schedule.js';

/** What an executor provides: how to run a node and how big and how to free a value. */
export interface Kernels<V> {
  run(node: GraphNode, inputs: V[]): V;
  shape(v: V): readonly number[];
  bytes(v: V): number;
  dispose(v: V): void;
}

export interface StepEvent {
  readonly step: number;
  readonly steps: number;
  readonly node: GraphNode;
  /** Called after the node ran, before its dead inputs are released. */
  readonly phase: 'ran' | 'released';
}

export interface InterpretOptions {
  /** Observes every step (progress, tests comparing with the backend's own counters). */
  onStep?: (e: StepEvent) => void;
  /** Checked between nodes; when it returns true the run stops and frees everything. */
  shouldStop?: () => boolean;
  /** Records each node's wall time in ms. */
  timeNodes?: boolean;
}

export class Cancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

export interface Interpreted<V> {
  readonly outputs: V[];
  readonly memory: MemoryProfile;
  readonly nodeMs: readonly number[];
}

/**
 * Runs a schedule: each value is freed right after its last use, and the bytes of every
 * buffer really produced are recorded, so the memory profile is measured, not estimated.
 */
export function interpret<V>(sched: Schedule, inputs: readonly V[], k: Kernels<V>, opts: InterpretOptions = {}): Interpreted<V> {
  const env = new Map<number, V>();
  const bytes = new Map<number, number>();
  sched.graph.inputs.forEach((inp, i) => {
    env.set(inp.id, inputs[i]);
    bytes.set(inp.id, k.bytes(inputs[i]));
  });
  const nodeMs: number[] = [];
  const owned = new Set<number>();
  try {
    sched.order.forEach((node, step) => {
      if (opts.shouldStop?.()) throw new Cancelled();
      const t0 = opts.timeNodes ? performance.now() : 0;
      const out = k.run(node, node.inputs.map((id) => env.get(id)!));
      if (opts.timeNodes) nodeMs.push(performance.now() - t0);
      if (!sameShape(k.shape(out), node.aval.shape)) {
        throw new Error(`node ${node.id} (${node.op}) produced [${k.shape(out)}], its shape rule says [${node.aval.shape}]`);
      }
      env.set(node.id, out);
      owned.add(node.id);
      bytes.set(node.id, k.bytes(out));
      opts.onStep?.({ step, steps: sched.order.length, node, phase: 'ran' });
      for (const id of sched.releaseAfter[step]) {
        k.dispose(env.get(id)!);
        env.delete(id);
        owned.delete(id);
      }
      opts.onStep?.({ step, steps: sched.order.length, node, phase: 'released' });
    });
  } catch (e) {
    for (const id of owned) k.dispose(env.get(id)!);
    throw e;
  }
  const outputs = sched.graph.outputs.map((id) => env.get(id)!);
  return { outputs, memory: accountMemory(sched, (id) => bytes.get(id)!), nodeMs };
}
