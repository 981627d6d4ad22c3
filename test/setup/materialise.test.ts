import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseSetup } from '../../engine/setup/validate.js';
import { materialise, DEFAULT_LOG_LR, metaShapes, type Materialised } from '../../engine/setup/materialise.js';
import { Prng, splitmix32 } from '../../engine/setup/prng.js';
import { mlpParamSpecs, transformerParamSpecs, paramSpecs } from '../../engine/setup/transformerParams.js';
import type { HostTensor } from '../../engine/setup/types.js';
import { EXAMPLES_DIR, SPEC_DIR, mlpSetup, readJson, syntheticTransformer, type J } from './fixtures.js';

function bytes(m: Materialised): Buffer {
  const ts: HostTensor[] = [...m.theta0, ...m.inner.flatMap((b) => [b.x, b.y]), m.outer.x, m.outer.y, m.eta.log_lr, m.eta.example_logits];
  if (m.eta.log_wd) ts.push(m.eta.log_wd);
  return Buffer.concat(ts.map((t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)));
}

function syntheticMlp(seed: number, loss: 'mse' | 'xent'): J {
  return {
    format: 'mixflow-setup/1',
    model: { kind: 'mlp', sizes: [5, 7, 3], activation: 'relu' },
    loss,
    theta0: { init: 'glorot', seed },
    optimizer: { kind: 'sgd' },
    inner: { synthetic: { seed, batch: 4 }, steps: 3 },
    outer: { synthetic: { seed, batch: 6 } },
    wrt: ['log_lr', 'theta0'],
  };
}

describe('prng', () => {
  test('known answers (checked against the reference C xoshiro128** and splitmix32)', () => {
    assert.equal(splitmix32(0), 0x92ca2f0e);
    const first5 = (seed: number, id: number): number[] => {
      const r = new Prng(seed, id);
      return Array.from({ length: 5 }, () => r.next());
    };
    assert.deepEqual(first5(0, 0), [1429902847, 2452554621, 1019739105, 668159614, 3413397541]);
    assert.deepEqual(first5(42, 0x20000003), [3382434521, 2920815897, 1699957628, 35877721, 3582454245]);
    assert.deepEqual(first5(4294967295, 0x30000000), [805359070, 789306731, 1342400331, 1573517803, 1044063036]);
  });

  test('normals and uniforms have the right moments; ints cover [0, n)', () => {
    const r = new Prng(123, 4);
    const n = 200000;
    const z = r.fillNormal(new Float64Array(n));
    const mean = z.reduce((a, b) => a + b, 0) / n;
    const variance = z.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
    assert.ok(Math.abs(mean) < 0.01, `mean ${mean}`);
    assert.ok(Math.abs(variance - 1) < 0.02, `variance ${variance}`);
    const u = r.fillUniform(new Float64Array(n), -2, 2);
    assert.ok(u.every((v) => v >= -2 && v < 2));
    assert.ok(Math.abs(u.reduce((a, b) => a + b, 0) / n) < 0.02);
    const counts = new Array(7).fill(0);
    for (const k of r.fillInt(new Float64Array(70000), 7)) counts[k]++;
    assert.ok(counts.every((c) => c > 9500 && c < 10500), String(counts));
  });

  test('rejects seeds that are not uint32', () => {
    assert.throws(() => new Prng(-1), /uint32/);
    assert.throws(() => new Prng(2 ** 32), /uint32/);
    assert.throws(() => new Prng(0, 1.5), /uint32/);
  });
});

describe('parameter lists', () => {
  test('MLP: W_0, b_0, W_1, b_1, … with decay on the W', () => {
    const ps = mlpParamSpecs([5, 4, 12, 2]);
    assert.deepEqual(ps.map((p) => [p.name, p.shape, p.decayed]), [
      ['layer0.w', [5, 4], true], ['layer0.b', [4], false],
      ['layer1.w', [4, 12], true], ['layer1.b', [12], false],
      ['layer2.w', [12, 2], true], ['layer2.b', [2], false],
    ]);
  });

  test('transformer: documented order, shapes, kinds and decay', () => {
    const ps = transformerParamSpecs({ vocab: 11, d_model: 6, heads: 3, layers: 2, seq: 4, d_ff: 10 });
    assert.equal(ps.length, 2 + 12 * 2 + 4);
    assert.deepEqual(ps.slice(0, 16).map((p) => `${p.name}:${p.shape.join('x')}:${p.kind}`), [
      'tok_emb:11x6:embedding', 'pos_emb:4x6:embedding',
      'block0.ln1.g:6:norm_gain', 'block0.ln1.b:6:norm_bias',
      'block0.attn.wq:6x6:matrix', 'block0.attn.wk:6x6:matrix', 'block0.attn.wv:6x6:matrix', 'block0.attn.wo:6x6:matrix',
      'block0.ln2.g:6:norm_gain', 'block0.ln2.b:6:norm_bias',
      'block0.mlp.w1:6x10:matrix', 'block0.mlp.b1:10:bias', 'block0.mlp.w2:10x6:matrix', 'block0.mlp.b2:6:bias',
      'block1.ln1.g:6:norm_gain', 'block1.ln1.b:6:norm_bias',
    ]);
    assert.deepEqual(ps.slice(-4).map((p) => `${p.name}:${p.shape.join('x')}`), ['ln_f.g:6', 'ln_f.b:6', 'out.w:6x11', 'out.b:11']);
    assert.deepEqual(ps.filter((p) => p.decayed).map((p) => p.name), ps.filter((p) => p.kind === 'matrix').map((p) => p.name));
    assert.equal(ps.filter((p) => p.decayed).length, 6 * 2 + 1);
    assert.equal(new Set(ps.map((p) => p.name)).size, ps.length);
  });
});

describe('materialise', () => {
  test('explicit setups come through unchanged (reference-00)', () => {
    const json = readJson(join(SPEC_DIR, 'reference-00.mixflow.json'));
    const m = materialise(parseSetup(json));
    assert.equal(m.theta0.length, 6);
    assert.deepEqual(m.theta0[2]!.shape, [4, 12]);
    assert.equal(m.theta0[2]!.data[13], json.theta0[1].w[1][1]);
    assert.deepEqual(m.theta0[5]!.shape, [2]);
    assert.equal(m.inner[1]!.y.data[3], json.inner[1].y[1][1]);
    assert.deepEqual(m.outer.x.shape, [5, 5]);
    assert.deepEqual(Array.from(m.eta.log_lr.data), json.eta.log_lr);
    assert.deepEqual(m.eta.log_lr.shape, [6]);
    assert.deepEqual(m.eta.log_wd!.shape, []);
    assert.equal(m.eta.log_wd!.data[0], json.eta.log_wd);
    assert.deepEqual(m.eta.example_logits.shape, [2, 4]);
  });

  test('η defaults: one shared log(0.01), no decay, zero example logits of [T][B] / [T][B][S]', () => {
    const s = mlpSetup();
    delete s.eta;
    s.wrt = ['log_lr', 'example_logits'];
    const m = materialise(parseSetup(s));
    assert.deepEqual(m.eta.log_lr.shape, []);
    assert.equal(m.eta.log_lr.data[0], DEFAULT_LOG_LR);
    assert.equal(DEFAULT_LOG_LR, Math.log(0.01));
    assert.equal(m.eta.log_wd, undefined);
    assert.deepEqual(m.eta.example_logits.shape, [3, 2]);
    assert.ok(m.eta.example_logits.data.every((v) => v === 0));
    const t = materialise(parseSetup(syntheticTransformer()));
    assert.deepEqual(t.eta.example_logits.shape, [2, 3, 4]);
    assert.equal(t.eta.example_logits.data.length, 24);
  });

  test('same seed → same bytes; different seed → different', () => {
    for (const make of [(k: number) => syntheticMlp(k, 'mse'), (k: number) => syntheticMlp(k, 'xent'), syntheticTransformer]) {
      const a = bytes(materialise(parseSetup(make(5))));
      const b = bytes(materialise(parseSetup(make(5))));
      const c = bytes(materialise(parseSetup(make(6))));
      assert.ok(a.equals(b));
      assert.ok(!a.equals(c));
    }
  });

  test('synthetic MLP data: shapes, dtypes, per-step batches and a distinct outer stream', () => {
    const m = materialise(parseSetup(syntheticMlp(9, 'xent')));
    assert.equal(m.inner.length, 3);
    for (const b of m.inner) {
      assert.deepEqual([b.x.shape, b.x.dtype, b.y.shape, b.y.dtype], [[4, 5], 'float32', [4], 'int32']);
      assert.ok(b.y.data.every((k) => Number.isInteger(k) && k >= 0 && k < 3));
    }
    assert.deepEqual(m.outer.x.shape, [6, 5]);
    const xs = [...m.inner.map((b) => b.x.data), m.outer.x.data];
    for (let i = 0; i < xs.length; i++) for (let j = i + 1; j < xs.length; j++) assert.notDeepEqual(xs[i]!.slice(0, 20), xs[j]!.slice(0, 20));
    const mse = materialise(parseSetup(syntheticMlp(9, 'mse')));
    assert.deepEqual([mse.inner[0]!.y.shape, mse.inner[0]!.y.dtype], [[4, 3], 'float32']);
    assert.deepEqual(mse.inner[0]!.x.data, m.inner[0]!.x.data, 'x does not depend on the loss');
  });

  test('synthetic transformer data: y is x shifted by one token, ids in the vocabulary', () => {
    const m = materialise(parseSetup(syntheticTransformer(3)));
    for (const b of [...m.inner, m.outer]) {
      const [B, S] = b.x.shape as [number, number];
      assert.equal(S, 4);
      assert.deepEqual(b.y.shape, [B, S]);
      assert.equal(b.x.dtype, 'int32');
      for (let i = 0; i < B; i++) for (let s = 0; s + 1 < S; s++) assert.equal(b.y.data[i * S + s], b.x.data[i * S + s + 1]);
      assert.ok([...b.x.data, ...b.y.data].every((k) => Number.isInteger(k) && k >= 0 && k < 11));
    }
    assert.deepEqual(m.outer.x.shape, [2, 4]);
  });

  test('glorot θ₀: limits, embeddings N(0, 0.02²), gains 1, biases 0, in paramSpecs order', () => {
    const s = parseSetup(readJson(join(EXAMPLES_DIR, 'transformer-flagship.mixflow.json')));
    const m = materialise(s);
    const specs = paramSpecs(s.model);
    assert.equal(m.theta0.length, 2 + 12 * 8 + 4);
    m.theta0.forEach((t, k) => {
      const p = specs[k]!;
      assert.deepEqual(t.shape, p.shape, p.name);
      const d = t.data;
      if (p.kind === 'matrix') {
        const a = Math.sqrt(6 / (p.shape[0]! + p.shape[1]!));
        assert.ok(d.every((v) => Math.abs(v) <= a), p.name);
        assert.ok(d.some((v) => Math.abs(v) > 0.9 * a), p.name);
      } else if (p.kind === 'embedding') {
        const std = Math.sqrt(d.reduce((acc, v) => acc + v * v, 0) / d.length);
        assert.ok(Math.abs(std - 0.02) < 0.002, `${p.name} std ${std}`);
      } else {
        assert.ok(d.every((v) => v === (p.kind === 'norm_gain' ? 1 : 0)), p.name);
      }
    });
    assert.notDeepEqual(m.theta0[4]!.data, m.theta0[5]!.data, 'wq and wk differ');
  });

  test('metaShapes follow wrt and the shape of each meta-parameter', () => {
    const shapes = metaShapes(parseSetup(syntheticTransformer()));
    assert.deepEqual(Object.keys(shapes), ['theta0', 'example_logits']);
    assert.deepEqual(shapes.example_logits, [2, 3, 4]);
    assert.equal((shapes.theta0 as number[][]).length, 30);
    const mlp = metaShapes(parseSetup(mlpSetup()));
    assert.deepEqual(mlp, { log_lr: [4], log_wd: [], example_logits: [3, 2], theta0: [[3, 4], [4], [4, 2], [2]] });
  });
});
