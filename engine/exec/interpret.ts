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
 * `run()` drives it to the end; `runAsync()` yields to the event loop every few
 * milliseconds so a signal handler can ask it to stop.
 */
export class Interpreter<V> {
  private readonly env = new Map<number, V>();
  private readonly bytes = new Map<number, number>();
  private readonly owned = new Set<number>();
  private readonly nodeMs: number[] = [];
  private next = 0;

  constructor(
    private readonly sched: Schedule,
    inputs: readonly V[],
    private readonly k: Kernels<V>,
    private readonly opts: InterpretOptions = {},
  ) {
    sched.graph.inputs.forEach((inp, i) => {
      this.env.set(inp.id, inputs[i]);
      this.bytes.set(inp.id, k.bytes(inputs[i]));
    });
  }

  private step(): void {
    const { sched, k, opts, env } = this;
    const step = this.next++;
    const node = sched.order[step];
    if (opts.shouldStop?.()) throw new Cancelled();
    const t0 = opts.timeNodes ? performance.now() : 0;
    const out = k.run(node, node.inputs.map((id) => env.get(id)!));
    if (opts.timeNodes) this.nodeMs.push(performance.now() - t0);
    if (!sameShape(k.shape(out), node.aval.shape)) {
      k.dispose(out);
      throw new Error(`node ${node.id} (${node.op}) produced [${k.shape(out)}], its shape rule says [${node.aval.shape}]`);
    }
    env.set(node.id, out);
    this.owned.add(node.id);
    this.bytes.set(node.id, k.bytes(out));
    opts.onStep?.({ step, steps: sched.order.length, node, phase: 'ran' });
    for (const id of sched.releaseAfter[step]) {
      k.dispose(env.get(id)!);
      env.delete(id);
      this.owned.delete(id);
    }
    opts.onStep?.({ step, steps: sched.order.length, node, phase: 'released' });
  }

  private done(): boolean {
    return this.next >= this.sched.order.length;
  }

  private finish(): Interpreted<V> {
    const outputs = this.sched.graph.outputs.map((id) => this.env.get(id)!);
    return { outputs, memory: accountMemory(this.sched, (id) => this.bytes.get(id)!), nodeMs: this.nodeMs };
  }

  /** Frees everything the run produced (after an error or a cancellation). */
  private abandon(e: unknown): never {
    for (const id of this.owned) this.k.dispose(this.env.get(id)!);
    throw e;
  }

  run(): Interpreted<V> {
    try {
      while (!this.done()) this.step();
    } catch (e) {
      this.abandon(e);
    }
    return this.finish();
  }

  async runAsync(sliceMs = 20): Promise<Interpreted<V>> {
    try {
      while (!this.done()) {
        const until = performance.now() + sliceMs;
        while (!this.done() && performance.now() < until) this.step();
        await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (e) {
      this.abandon(e);
    }
    return this.finish();
  }
}

export function interpret<V>(sched: Schedule, inputs: readonly V[], k: Kernels<V>, opts: InterpretOptions = {}): Interpreted<V> {
  return new Interpreter(sched, inputs, k, opts).run();
}
