/**
 * When each worker creates the sessions it will need (pipeline.ts). Creating a session blocks
 * its worker for as long as it takes (tens of milliseconds for a large segment), so a worker
 * asked to create one just before its next segment's inputs arrive delays the whole run. This
 * planner expects the segments to run one after another, each taking what its model took last
 * time (or, before that, the run time per op learned so far), and lets a worker create a
 * session ahead only while that fits before its next segment starts. The session of that next
 * segment itself is always asked for at once: it cannot wait longer than that.
 */
export interface AheadInput {
  /** The worker that runs each segment. */
  readonly ownerOf: readonly number[];
  /** Each segment's model (partition.ts `distinctModels`). */
  readonly modelOf: readonly number[];
  /** Ops in each model, the unit of the estimates. */
  readonly modelOps: readonly number[];
  readonly workers: number;
}

/** A first guess, in milliseconds per op, replaced by what is measured as the run goes on. */
const FIRST_GUESS = { runMsPerOp: 0.045, createMsPerOp: 0.04 };

export class SessionsAhead {
  private readonly requested = new Set<number>();
  /** Each worker's models in order of first use, and how many of them have been asked for. */
  private readonly queue: number[][];
  private readonly asked: number[];
  /** When each worker is expected to be done with what it has been asked to do. */
  private readonly freeAt: number[];
  /** Runs and creations asked of each worker and not yet reported done. */
  private readonly queued: number[];
  private readonly lastRunMs = new Map<number, number>();
  private run = { ms: 0, ops: 0 };
  private create = { ms: 0, ops: 0 };

  constructor(private readonly plan: AheadInput) {
    this.queue = Array.from({ length: plan.workers }, () => []);
    const seen = new Set<number>();
    plan.modelOf.forEach((m, k) => {
      if (seen.has(m)) return;
      seen.add(m);
      this.queue[plan.ownerOf[k]].push(m);
    });
    this.asked = this.queue.map(() => 0);
    this.freeAt = this.queue.map(() => 0);
    this.queued = this.queue.map(() => 0);
  }

  private runMs(k: number): number {
    const m = this.plan.modelOf[k];
    const rate = this.run.ops ? this.run.ms / this.run.ops : FIRST_GUESS.runMsPerOp;
    return this.lastRunMs.get(m) ?? rate * this.plan.modelOps[m];
  }

  private createMs(m: number): number {
    const rate = this.create.ops ? this.create.ms / this.create.ops : FIRST_GUESS.createMsPerOp;
    return rate * this.plan.modelOps[m];
  }

  /**
   * Segment `k` has just been handed to its worker at time `now`: the sessions to ask for
   * now, as [worker, model] in the order to ask.
   */
  started(k: number, now: number): [number, number][] {
    const { ownerOf, modelOf, workers } = this.plan;
    const out: [number, number][] = [];
    const runner = ownerOf[k];
    // A session not asked for yet is created by the run itself.
    if (!this.requested.has(modelOf[k])) this.ask(runner, modelOf[k], now);
    this.freeAt[runner] = Math.max(this.freeAt[runner], now) + this.runMs(k);
    this.queued[runner]++;
    for (let w = 0; w < workers; w++) {
      // When this worker's next segment is expected to start.
      let start = now;
      let next = -1;
      for (let j = k; j < ownerOf.length; j++) {
        if (ownerOf[j] === w && j > k) {
          next = j;
          break;
        }
        start += this.runMs(j);
      }
      const q = this.queue[w];
      while (this.asked[w] < q.length) {
        const m = q[this.asked[w]];
        if (this.requested.has(m)) {
          this.asked[w]++;
          continue;
        }
        const due = next >= 0 && modelOf[next] === m;
        if (!due && next >= 0 && Math.max(this.freeAt[w], now) + this.createMs(m) > start) break;
        this.ask(w, m, now);
        out.push([w, m]);
      }
    }
    return out;
  }

  private ask(w: number, m: number, now: number): void {
    this.requested.add(m);
    this.freeAt[w] = Math.max(this.freeAt[w], now) + this.createMs(m);
    this.queued[w]++;
  }

  private done(w: number, now: number): void {
    if (--this.queued[w] === 0) this.freeAt[w] = now;
  }

  /** Segment `k` ran in `ms` (its worker is free again at `now`, unless sessions are queued). */
  ran(k: number, ms: number, now: number): void {
    const m = this.plan.modelOf[k];
    if (!this.lastRunMs.has(m)) this.run = { ms: this.run.ms + ms, ops: this.run.ops + this.plan.modelOps[m] };
    this.lastRunMs.set(m, ms);
    this.done(this.plan.ownerOf[k], now);
  }

  /** Worker `w` created model `m`'s session in `ms`. */
  created(w: number, m: number, ms: number, now: number): void {
    this.create = { ms: this.create.ms + ms, ops: this.create.ops + this.plan.modelOps[m] };
    this.done(w, now);
  }
}
