/**
 * Remat blocks of an ONNX model: runs of consecutive computing nodes whose names share their
 * first `depth` path components (PyTorch names nodes `/layer1/0/conv1/Conv`, so depth 1 makes
 * each top-level module a block). Nodes that only fold constants join the run they sit in.
 */
import type { Segment } from './model.js';
import { blockKey, type OnnxNode } from './nodes.js';

export function segmentNodes(nodes: readonly OnnxNode[], computed: ReadonlySet<string>, depth: number, outputName: string): Segment[] {
  const groups: { key: string; nodes: OnnxNode[] }[] = [];
  const computes = (n: OnnxNode) => n.outputs.some((o) => computed.has(o));
  for (const node of nodes) {
    const last = groups[groups.length - 1];
    if (!computes(node)) {
      if (last) last.nodes.push(node);
      else groups.push({ key: '', nodes: [node] });
      continue;
    }
    const key = blockKey(node, depth);
    if (last && (last.key === key || last.key === '')) {
      last.key = key;
      last.nodes.push(node);
    } else groups.push({ key, nodes: [node] });
  }
  // Which segment reads each computed value (by a computing node) last.
  const readers = new Map<string, number>();
  groups.forEach((g, i) => {
    for (const n of g.nodes) if (computes(n)) for (const name of n.inputs) if (computed.has(name)) readers.set(name, i);
  });
  return groups.map((g, i) => {
    const produced = new Set(g.nodes.flatMap((n) => n.outputs));
    const inputs: string[] = [];
    for (const n of g.nodes) {
      if (!computes(n)) continue;
      for (const name of n.inputs) if (computed.has(name) && !produced.has(name) && !inputs.includes(name)) inputs.push(name);
    }
    const outputs = [...produced].filter((name) => computed.has(name) && ((readers.get(name) ?? -1) > i || name === outputName));
    return { key: g.key, nodes: g.nodes, inputs, outputs };
  });
}
