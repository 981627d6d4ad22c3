import type { Aval } from '../core/aval.js';
import { broadcastShapes, sameShape } from '../core/shape.js';
import type { Graph, GraphNode } from '../ir/graph.js';
import { avalsOf, Rewriter } from './rewrite.js';

/**
 * Algebraic simplification, exact for every finite input (x·1, x+0, x−0, x/1 keep x; a
 * double negation or transpose is undone; reshape chains become one reshape; a
 * broadcast that the consuming elementwise kernel does by itself is skipped; a transpose
 * of the last two axes feeding a matmul becomes its transpose flag). Each rule replaces a
 * node by an earlier value or by one node with the same id, shape and dtype, so nothing
 * downstream changes but the work.
 */

/** Elementwise binary primitives whose kernels broadcast their operands (NumPy rules). */
const BROADCASTING = new Set(['add', 'sub', 'mul', 'div', 'pow', 'compare']);

/** Which constant makes `op` the identity on the other operand, by operand position. */
const IDENTITY: Record<string, readonly (number | undefined)[]> = {
  add: [0, 0],
  mul: [1, 1],
  sub: [undefined, 0],
  div: [undefined, 1],
};

const sameAval = (a: Aval, b: Aval) => a.dtype === b.dtype && sameShape(a.shape, b.shape);

function isSwapLast(perm: readonly number[]): boolean {
  const r = perm.length;
  return r >= 2 && perm[r - 2] === r - 1 && perm[r - 1] === r - 2 && perm.slice(0, -2).every((p, i) => p === i);
}

/** Uses of every value (graph outputs count as uses). */
function useCounts(graph: Graph): Map<number, number> {
  const uses = new Map<number, number>();
  const use = (id: number) => uses.set(id, (uses.get(id) ?? 0) + 1);
  for (const n of graph.nodes) n.inputs.forEach(use);
  graph.outputs.forEach(use);
  return uses;
}

/**
 * Memory: a rule that reads a value from before an intermediate node (the operand of a
 * broadcast, a transpose, a reshape, a negation) only applies when that intermediate has
 * no other use, so it dies; the earlier value then lives where the intermediate lived,
 * never larger, and the plan's peak can only go down.
 */
export function simplify(graph: Graph, stats: Record<string, number> = {}): Graph {
  const rw = new Rewriter(graph);
  const avals = avalsOf(graph);
  const uses = useCounts(graph);
  const producer = new Map<number, GraphNode>();
  const count = (rule: string) => (stats[rule] = (stats[rule] ?? 0) + 1);
  /** The single-use intermediate that produced `id`, if its op is `op`. */
  const onlyUse = (id: number, op: string): GraphNode | undefined => {
    const p = producer.get(id);
    return p?.op === op && uses.get(id) === 1 ? p : undefined;
  };
  const constantOf = (id: number): number | undefined => {
    const p = producer.get(id);
    return p?.op === 'full' ? (p.params.value as number) : undefined;
  };

  // Declared once, not per node: closures made in the loop cost more than the rules.
  let n: GraphNode;
  /** Every use of `n` reads `id` instead, if it has n's shape and dtype. */
  const replaceBy = (id: number, rule: string): boolean => {
    if (!sameAval(avals.get(id)!, n.aval)) return false;
    rw.replace(n.id, id);
    uses.set(id, (uses.get(id) ?? 0) + (uses.get(n.id) ?? 0) - 1);
    count(rule);
    return true;
  };
  /** `n` now reads `from` where it read `instead`. */
  const reads = (from: number, instead: number) => {
    uses.set(from, (uses.get(from) ?? 0) + 1);
    uses.set(instead, (uses.get(instead) ?? 0) - 1);
  };

  for (const original of graph.nodes) {
    n = rw.renamed(original);
    const [x, y] = n.inputs;

    if (n.op === 'reshape' || n.op === 'broadcastTo') {
      if (replaceBy(x, `${n.op} to its own shape`)) continue;
      const px = onlyUse(x, 'reshape');
      if (n.op === 'reshape' && px) {
        reads(px.inputs[0], x);
        n = { ...n, inputs: px.inputs };
        count('reshape of reshape');
        if (replaceBy(n.inputs[0], 'reshape chain back to its start')) continue;
      }
    } else if (n.op === 'transpose') {
      const perm = n.params.perm as number[];
      if (perm.every((p, i) => p === i) && replaceBy(x, 'identity transpose')) continue;
      const px = onlyUse(x, 'transpose');
      if (px) {
        reads(px.inputs[0], x);
        const inner = px.params.perm as number[];
        const composed = perm.map((p) => inner[p]);
        if (composed.every((p, i) => p === i) && replaceBy(px.inputs[0], 'double transpose')) continue;
        n = { ...n, inputs: px.inputs, params: { perm: composed } };
        count('transpose of transpose');
      }
    } else if (n.op === 'neg' && onlyUse(x, 'neg')) {
      const px = onlyUse(x, 'neg')!;
      reads(px.inputs[0], x);
      if (replaceBy(px.inputs[0], 'double negation')) continue;
    } else if ((n.op === 'add' || n.op === 'sub') && onlyUse(y, 'neg')) {
      // x + (−y) = x − y and x − (−y) = x + y, exactly: one pass over the data fewer.
      const py = onlyUse(y, 'neg')!;
      reads(py.inputs[0], y);
      count(`${n.op} of a negation`);
      n = { ...n, op: n.op === 'add' ? 'sub' : 'add', inputs: [x, py.inputs[0]] };
    } else if (n.op === 'add' && onlyUse(x, 'neg')) {
      const px = onlyUse(x, 'neg')!;
      reads(px.inputs[0], x);
      n = { ...n, op: 'sub', inputs: [y, px.inputs[0]] };
      count('add of a negation');
    } else if (n.op === 'sum' && (n.params.axes as number[]).length > 0 && onlyUse(x, 'neg')) {
      // Σ(−x) = −Σx: the negation runs on the (smaller) sum. The sum gets a new id; the node
      // keeps its own for the negation, so its users are unchanged.
      const px = onlyUse(x, 'neg')!;
      reads(px.inputs[0], x);
      const summed: GraphNode = { ...n, id: rw.freshId(), inputs: px.inputs };
      rw.keep(summed);
      producer.set(summed.id, summed);
      avals.set(summed.id, summed.aval);
      uses.set(summed.id, 1);
      n = { ...n, op: 'neg', inputs: [summed.id], params: {} };
      count('negation after the sum');
    } else if (n.op in IDENTITY) {
      const unit = IDENTITY[n.op];
      if (unit[1] !== undefined && constantOf(y) === unit[1] && replaceBy(x, `${n.op} by ${unit[1]}`)) continue;
      if (unit[0] !== undefined && constantOf(x) === unit[0] && replaceBy(y, `${n.op} by ${unit[0]}`)) continue;
    } else if (n.op === 'select' && n.inputs[1] === n.inputs[2]) {
      if (replaceBy(n.inputs[1], 'select between equal values')) continue;
    } else if (n.op === 'sum' && (n.params.axes as number[]).length === 0) {
      if (replaceBy(x, 'sum over no axes')) continue;
    }

    if (BROADCASTING.has(n.op)) {
      // A broadcast operand whose own shape broadcasts to the same result: the kernel does it.
      // One operand at a time, against the other as it now is (both may have been broadcasts).
      const inputs = [...n.inputs];
      for (let k = 0; k < 2; k++) {
        const p = onlyUse(inputs[k], 'broadcastTo');
        if (!p) continue;
        const direct = broadcastShapes(avals.get(p.inputs[0])!.shape, avals.get(inputs[1 - k])!.shape);
        if (!sameShape(direct, n.aval.shape)) continue;
        reads(p.inputs[0], inputs[k]);
        count('broadcast done by the kernel');
        inputs[k] = p.inputs[0];
      }
      if (inputs.some((id, k) => id !== n.inputs[k])) n = { ...n, inputs };
    }

    if (n.op === 'matmul') {
      // A transpose of the last two axes is the matmul's own transpose flag.
      const flags = ['transposeA', 'transposeB'] as const;
      const params = { ...n.params };
      const inputs = n.inputs.map((id, k) => {
        const p = onlyUse(id, 'transpose');
        if (!p || !isSwapLast(p.params.perm as number[])) return id;
        reads(p.inputs[0], id);
        params[flags[k]] = !params[flags[k]];
        count('transpose folded into matmul');
        return p.inputs[0];
      });
      if (inputs.some((id, k) => id !== n.inputs[k])) n = { ...n, inputs, params };
    }

    rw.keep(n);
    producer.set(n.id, n);
  }
  return rw.result();
}
