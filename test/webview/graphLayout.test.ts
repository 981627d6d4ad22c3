/**
 * Scope grouping (a call tree of visits), default expansion and layout of the differentiation
 * graph, on a profile our CLI wrote (test/fixtures/profiles), in node (the same code the
 * layout worker runs).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ORIGINS } from '../../engine/profile/format.js';
import { DAGRE_MAX_ITEMS, DEFAULT_LAYOUT, defaultExpanded, FrameCache, layoutFrames, layoutGraph, layoutRequest, type GraphLayout, type LayoutBox } from '../../webview/graphLayout.js';
import { buildScopeTree, OPS_LUMP, scopeSegments, type ScopeGroup } from '../../webview/scopeTree.js';
import { fixtureProfile } from './fixture.js';

const profile = fixtureProfile();
const [standard, mixflow] = profile.runs as [typeof profile.runs[0], typeof profile.runs[0]];

function groups(g: ScopeGroup): ScopeGroup[] {
  return [g, ...g.children.flatMap(groups)];
}

test('scope segments keep a number with the name before it', () => {
  assert.deepEqual(scopeSegments('step/2/grad/block/1/attn'), ['step/2', 'grad', 'block/1', 'attn']);
  assert.deepEqual(scopeSegments(''), []);
  assert.deepEqual(scopeSegments('outer/layer/0'), ['outer', 'layer/0']);
});

test('the scope tree holds every node once; each group is one stretch of trace order (strays aside)', () => {
  for (const run of profile.runs) {
    const tree = buildScopeTree(run);
    const n = run.graph.nodes.id.length;
    assert.equal(tree.root.size, n);
    const all = groups(tree.root);
    assert.equal(all.reduce((s, g) => s + g.ops.length, 0), n, 'each node directly in one group');
    for (const g of all) {
      assert.equal(g.origins.reduce((a, b) => a + b, 0), g.size, g.id);
      assert.equal(g.children.reduce((s, c) => s + c.size, 0) + g.ops.length, g.size, g.id);
      assert.ok(g.children.every((c, i) => i === 0 || g.children[i - 1]!.first < c.first), `${g.id}: children in trace order`);
      // Sibling subgroups (lumps aside) do not interleave: each ends before the next begins.
      const real = g.children.filter((c) => !c.id.endsWith('#ops'));
      const last = (x: ScopeGroup): number => Math.max(...x.ops, ...x.children.map(last), -1);
      for (let i = 1; i < real.length; i++) assert.ok(last(real[i - 1]!) < real[i]!.first, `${real[i - 1]!.id} ends before ${real[i]!.id}`);
      if (g.children.length > 0 && g !== tree.root) assert.ok(g.ops.length <= OPS_LUMP || g.ops.every((o) => tree.groupOf[o] === g), g.id);
    }
    assert.equal(tree.root.allocated, run.totals.allocated_bytes);
    assert.equal(tree.root.executed, run.totals.executed_ops);
    assert.equal(tree.root.atPeak, run.peak.bytes - run.peak.by_origin.input);
    ORIGINS.forEach((o, i) => assert.equal(tree.root.origins[i], run.graph.nodes.origin.filter((x) => x === i).length, o));
  }
});

test('the MLP\'s top level: inner steps, the outer loss, then the meta-backward pass in reverse', () => {
  const tree = buildScopeTree(standard);
  assert.deepEqual(tree.root.children.map((g) => g.id), ['#ops', 'step/0', 'step/1', 'step/2', 'step/3', 'step/4', 'outer', 'step/4~1', 'step/3~1', 'step/2~1', 'step/1~1', 'step/0~1']);
  assert.equal(tree.byId.get('step/4~1')!.label, 'step/4 · backward');
  assert.equal(buildScopeTree(mixflow).byId.get('step/4~1')!.label, 'step/4 · mixed-mode backward');
  assert.equal(tree.byId.get('step/4~1')!.scope, 'step/4');
});

function inside(b: LayoutBox, f: LayoutBox): boolean {
  return b.x >= f.x && b.y >= f.y && b.x + b.width <= f.x + f.width && b.y + b.height <= f.y + f.height;
}

function overlap(a: LayoutBox, b: LayoutBox): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** Boxes never overlap unless one is a frame holding the other; edges join drawn boxes; forward unless marked back. */
function checkGeometry(l: GraphLayout): void {
  for (const b of l.boxes) assert.ok(b.x >= 0 && b.y >= 0 && b.x + b.width <= l.width + 0.5 && b.y + b.height <= l.height + 0.5, `${b.id} within the drawing`);
  for (let i = 0; i < l.boxes.length; i++) {
    for (let j = i + 1; j < l.boxes.length; j++) {
      const [a, b] = [l.boxes[i]!, l.boxes[j]!];
      if (overlap(a, b)) assert.ok((a.kind === 'frame' && inside(b, a)) || (b.kind === 'frame' && inside(a, b)), `${a.id} overlaps ${b.id}`);
    }
  }
  const at = new Map(l.boxes.map((b) => [b.id, b]));
  assert.equal(at.size, l.boxes.length, 'box ids are unique');
  for (const e of l.edges) {
    const a = at.get(e.from)!;
    const b = at.get(e.to)!;
    assert.ok(a && b && e.count > 0);
    const forward = b.row > a.row || (b.row === a.row && b.x >= a.x + a.width);
    assert.equal(e.back, !forward, `${e.from} → ${e.to}`);
    if (e.back) assert.match(`${e.from} ${e.to}`, /#ops|#more/);
  }
}

test('layout: collapsed, default and fully expanded views are well formed and run forward; edges count node edges', () => {
  for (const run of profile.runs) {
    const tree = buildScopeTree(run);
    const collapsed = layoutGraph(run, tree, new Set());
    assert.equal(collapsed.boxes.length, tree.root.children.length);
    const top = (n: number) => { let g = tree.groupOf[n]!; while (g.parent !== tree.root) g = g.parent!; return g.id; };
    const index = new Map(run.graph.nodes.id.map((id, i) => [id, i]));
    let crossing = 0;
    run.graph.nodes.inputs.forEach((ins, n) => ins.forEach((id) => { const s = index.get(id); if (s !== undefined && top(s) !== top(n)) crossing++; }));
    assert.equal(collapsed.edges.reduce((s, e) => s + e.count, 0), crossing);
    checkGeometry(collapsed);
    checkGeometry(layoutGraph(run, tree, defaultExpanded(tree)));
    const full = layoutGraph(run, tree, new Set(groups(tree.root).map((g) => g.id)));
    checkGeometry(full);
    const shown = full.boxes.filter((b) => b.kind === 'op').length + full.boxes.filter((b) => b.kind === 'more').reduce((s, b) => s + b.hidden!, 0);
    assert.equal(shown, run.graph.nodes.id.length, 'fully expanded, every node is an op box or counted in a "more" box');
  }
});

test('a group with more ops than maxOps shows maxOps − 1 and one "more" box; large frames are placed in columns', () => {
  const tree = buildScopeTree(standard);
  const big = groups(tree.root).filter((g) => g.ops.length > 10).sort((a, b) => b.ops.length - a.ops.length)[0]!;
  const options = { ...DEFAULT_LAYOUT, maxOps: 8 };
  const l = layoutGraph(standard, tree, new Set([...groups(tree.root)].map((g) => g.id)), options);
  const mine = l.boxes.filter((b) => b.group === big.id && (b.kind === 'op' || b.kind === 'more'));
  assert.equal(mine.filter((b) => b.kind === 'op').length, 7);
  assert.deepEqual(mine.filter((b) => b.kind === 'more').map((b) => b.hidden), [big.ops.length - 7]);
  assert.ok(groups(tree.root).some((g) => g.ops.length + g.children.length > DAGRE_MAX_ITEMS) || DAGRE_MAX_ITEMS > 0);
});

test('the layout is deterministic, and the frame cache gives the same layout', () => {
  const tree = buildScopeTree(mixflow);
  const open = defaultExpanded(tree);
  const plain = layoutGraph(mixflow, tree, open);
  assert.deepEqual(layoutGraph(mixflow, buildScopeTree(mixflow), open), plain);
  const cache = new FrameCache();
  const request = layoutRequest(mixflow, tree, open);
  assert.deepEqual(layoutFrames(request, cache), plain);
  assert.deepEqual(layoutFrames(JSON.parse(JSON.stringify(request)), cache), plain, 'from the cache, after crossing to a worker as JSON');
});

test('default expansion: small groups open within the budget, large ones start collapsed', () => {
  const tree = buildScopeTree(standard);
  const open = defaultExpanded(tree);
  assert.ok(open.has('step/0') && open.has('outer'));
  assert.deepEqual([...defaultExpanded(tree, 40, 100)].filter((id) => tree.byId.get(id)!.size > 100), [], 'nothing larger than largeGroup opens');
  assert.equal(defaultExpanded(tree, tree.root.children.length).size, 0, 'a budget of the root\'s own items opens nothing');
});
