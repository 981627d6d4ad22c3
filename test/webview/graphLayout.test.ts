/**
 * Scope grouping, default collapse and layout of the differentiation graph, on a profile our
 * CLI wrote (test/fixtures/profiles). The default layout of the standard run is compared with
 * a golden file; `UPDATE_GOLDEN=1` rewrites it.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ORIGINS } from '../../engine/profile/format.js';
import { DEFAULT_LAYOUT, defaultExpanded, layoutGraph, type GraphLayout, type LayoutBox } from '../../webview/graphLayout.js';
import { buildScopeTree, OPS_LUMP, scopeSegments, type ScopeGroup } from '../../webview/scopeTree.js';
import { fixtureProfile } from './fixture.js';

const GOLDEN = join(__dirname, '..', 'fixtures', 'profiles', 'mlp-hyper-block.layout.json');
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

test('the scope tree holds every node once, with counts, origins and memory summed up the tree', () => {
  for (const run of profile.runs) {
    const tree = buildScopeTree(run);
    const n = run.graph.nodes.id.length;
    assert.equal(tree.root.size, n);
    assert.equal(tree.groupOf.length, n);
    const all = groups(tree.root);
    assert.equal(all.reduce((s, g) => s + g.ops.length, 0), n, 'each node directly in one group');
    for (const g of all) {
      assert.equal(g.origins.reduce((a, b) => a + b, 0), g.size, g.id);
      assert.equal(g.children.reduce((s, c) => s + c.size, 0) + g.ops.length, g.size, g.id);
      assert.ok(g.children.every((c, i) => i === 0 || g.children[i - 1]!.first < c.first), `${g.id}: children in trace order`);
      if (g.children.length > 0) assert.ok(g.ops.length <= OPS_LUMP, `${g.id}: own ops lumped`);
    }
    assert.equal(tree.root.allocated, run.totals.allocated_bytes);
    assert.equal(tree.root.executed, run.totals.executed_ops);
    assert.equal(tree.root.atPeak, run.peak.bytes - run.peak.by_origin.input);
    ORIGINS.forEach((o, i) => assert.equal(tree.root.origins[i], run.graph.nodes.origin.filter((x) => x === i).length, o));
    // An inner step's group holds exactly the nodes traced in it.
    const step2 = run.graph.nodes.scope.filter((s) => /^step\/2(\/|$)/.test(run.graph.scopes[s]!)).length;
    assert.equal(tree.byId.get('step/2')!.size, step2);
  }
});

test('golden-ish values: the groups of the MLP setup', () => {
  const tree = buildScopeTree(standard);
  assert.deepEqual(tree.root.children.map((g) => g.id), ['#ops', 'step/0', 'step/1', 'step/2', 'step/3', 'step/4', 'outer']);
  assert.deepEqual(tree.byId.get('step/1/grad')!.children.map((g) => g.label), ['layer/0', 'layer/1', 'ops']);
  assert.equal(tree.byId.get('#ops')!.label, 'top-level ops');
  // MixFlow's inner gradients carry tangents and custom-VJP nodes; standard's none.
  const m = buildScopeTree(mixflow);
  const origin = (t: typeof tree, o: string) => t.root.origins[ORIGINS.indexOf(o as never)]!;
  assert.equal(origin(tree, 'tangent') + origin(tree, 'customVjp'), 0);
  assert.ok(origin(m, 'tangent') > 0 && origin(m, 'customVjp') > 0);
  assert.ok(origin(tree, 'remat') > 0 && origin(m, 'remat') > 0, 'block remat recomputes in both');
});

function inside(b: LayoutBox, f: LayoutBox): boolean {
  return b.x >= f.x && b.y >= f.y && b.x + b.width <= f.x + f.width && b.y + b.height <= f.y + f.height;
}

function overlap(a: LayoutBox, b: LayoutBox): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** Boxes never overlap unless one is a frame holding the other; every box sits inside its group's frame. */
function checkGeometry(l: GraphLayout): void {
  const frames = new Map(l.boxes.filter((b) => b.kind === 'frame').map((b) => [b.id, b]));
  for (const b of l.boxes) {
    const parentId = b.kind === 'op' || b.kind === 'more' ? b.group : b.id.includes('/') || b.id.includes('#') ? parentOf(b.id) : '';
    const frame = frames.get(parentId);
    if (frame && frame !== b) assert.ok(inside(b, frame), `${b.id} inside ${frame.id}`);
    assert.ok(b.x >= 0 && b.y >= 0 && b.x + b.width <= l.width && b.y + b.height <= l.height, `${b.id} within the drawing`);
  }
  for (let i = 0; i < l.boxes.length; i++) {
    for (let j = i + 1; j < l.boxes.length; j++) {
      const [a, b] = [l.boxes[i]!, l.boxes[j]!];
      if (overlap(a, b)) assert.ok((a.kind === 'frame' && inside(b, a)) || (b.kind === 'frame' && inside(a, b)), `${a.id} overlaps ${b.id}`);
    }
  }
  const ids = new Set(l.boxes.map((b) => b.id));
  assert.equal(ids.size, l.boxes.length, 'box ids are unique');
  for (const e of l.edges) assert.ok(ids.has(e.from) && ids.has(e.to) && e.from !== e.to && e.count > 0);
}

function parentOf(id: string): string {
  if (id.endsWith('#ops')) return id.slice(0, -4);
  const segs = scopeSegments(id);
  return segs.slice(0, -1).join('/');
}

test('default expansion: small groups open within the budget, large ones start collapsed', () => {
  const tree = buildScopeTree(standard);
  const open = defaultExpanded(tree);
  assert.ok(open.has('step/0') && open.has('outer'));
  assert.ok(!open.has('#ops'), 'the 128 top-level ops stay one box');
  assert.deepEqual([...defaultExpanded(tree, 40, 100)].filter((id) => tree.byId.get(id)!.size > 100), [], 'nothing larger than largeGroup opens');
  assert.equal(defaultExpanded(tree, 7).size, 0, 'a budget of the root\'s own items opens nothing');
});

test('layout: collapsed, default and fully expanded views are well formed; edges count node edges', () => {
  for (const run of profile.runs) {
    const tree = buildScopeTree(run);
    const collapsed = layoutGraph(run, tree, new Set());
    assert.deepEqual(collapsed.boxes.map((b) => b.id), collapsed.boxes.map((b) => b.id).filter((id) => tree.root.children.some((g) => g.id === id)));
    assert.equal(collapsed.boxes.length, tree.root.children.length);
    // Collapsed, every edge between different top-level groups is counted once.
    const top = (n: number) => { let g = tree.groupOf[n]!; while (g.parent !== tree.root) g = g.parent!; return g.id; };
    const index = new Map(run.graph.nodes.id.map((id, i) => [id, i]));
    let crossing = 0;
    run.graph.nodes.inputs.forEach((ins, n) => ins.forEach((id) => { const s = index.get(id); if (s !== undefined && top(s) !== top(n)) crossing++; }));
    assert.equal(collapsed.edges.reduce((s, e) => s + e.count, 0), crossing);
    checkGeometry(collapsed);
    checkGeometry(layoutGraph(run, tree, defaultExpanded(tree)));
    const everything = new Set(groups(tree.root).map((g) => g.id));
    const full = layoutGraph(run, tree, everything);
    checkGeometry(full);
    const shown = full.boxes.filter((b) => b.kind === 'op').length + full.boxes.filter((b) => b.kind === 'more').reduce((s, b) => s + b.hidden!, 0);
    assert.equal(shown, run.graph.nodes.id.length, 'fully expanded, every node is an op box or counted in a "more" box');
  }
});

test('a group with more ops than maxOps shows maxOps − 1 and one "more" box', () => {
  const tree = buildScopeTree(standard);
  const lump = tree.byId.get('#ops')!;
  const l = layoutGraph(standard, tree, new Set(['#ops']));
  const mine = l.boxes.filter((b) => b.group === '#ops' && b.kind !== 'frame');
  assert.equal(mine.filter((b) => b.kind === 'op').length, DEFAULT_LAYOUT.maxOps - 1);
  assert.deepEqual(mine.filter((b) => b.kind === 'more').map((b) => b.hidden), [lump.ops.length - DEFAULT_LAYOUT.maxOps + 1]);
});

test('the default layout of the standard run matches the golden file and is deterministic', () => {
  const tree = buildScopeTree(standard);
  const l = layoutGraph(standard, tree, defaultExpanded(tree));
  assert.deepEqual(layoutGraph(standard, buildScopeTree(standard), defaultExpanded(tree)), l);
  const compact = {
    width: l.width,
    height: l.height,
    boxes: l.boxes.map((b) => [b.id, b.kind, b.x, b.y, b.width, b.height]),
    edges: l.edges.map((e) => [e.from, e.to, e.count]),
  };
  if (process.env.UPDATE_GOLDEN) writeFileSync(GOLDEN, `${JSON.stringify(compact)}\n`);
  assert.deepEqual(compact, JSON.parse(readFileSync(GOLDEN, 'utf8')));
});
