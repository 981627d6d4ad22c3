/**
 * Nested transformations in float64: Hessian-vector products three ways, third- and
 * fourth-order nesting in every fwd/rev order, grad-of-jvp = jvp-of-grad, and
 * fwdrevGrad's VJP against grad's (reverse-over-reverse), through checkpoints and with
 * extra arguments.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../engine/index.js';
import { assertClose, compile, dot, f32, fixed, rng, uniform, type Input } from './helpers.js';

const rand = rng(777);
const T = (x: E.Tree): E.Tensor => x as E.Tensor;
const Ts = (x: E.Tree): E.Tensor[] => x as E.Tensor[];
const vdot = (a: E.Tensor, b: E.Tensor): E.Tensor => E.sum(E.mul(a, b));

/** A scalar function of x ∈ R^6 with W ∈ R^{6×4} fixed: matmul, tanh, sigmoid, logSumExp, div, sqrt, pow. */
function scalarFn(x: E.Tensor, w: E.Tensor): E.Tensor {
  const h = E.tanh(E.matmul(E.reshape(E.mul(x, 0.7), [1, 6]), w));
  const lse = E.sum(E.logSumExp(E.mul(h, 2)));
  const s = E.sum(E.mul(E.sigmoid(x), E.pow(x, 2)));
  const r = E.sum(E.div(E.sqrt(E.add(E.mul(x, x), 1)), E.add(E.exp(E.mul(x, 0.3)), 0.5)));
  return E.add(E.add(lse, E.mul(s, 0.5)), r);
}

const xIn = f32([6], uniform(rand, 6, -1.5, 1.5));
const wIn = fixed([6, 4], uniform(rand, 24, -1, 1));
const vIn = fixed([6], uniform(rand, 6, -1, 1));
const uIn = fixed([6], uniform(rand, 6, -1, 1));
const zIn = fixed([6], uniform(rand, 6, -1, 1));

/** Runs `fn` in float64 on the standard inputs (x, W, v, u, z). */
function run(fn: (x: E.Tensor, w: E.Tensor, v: E.Tensor, u: E.Tensor, z: E.Tensor) => E.Tensor | E.Tensor[], extra: Input[] = []) {
  const ins = [xIn, wIn, vIn, uIn, zIn, ...extra];
  return compile(fn as (...xs: E.Tensor[]) => E.Tensor[], ins).run(ins.map((i) => i.data));
}

const gradF = (w: E.Tensor) => (y: E.Tensor) => T(E.grad((x: E.Tensor) => scalarFn(x, w))(y));

test('Hessian-vector products forward-over-reverse, reverse-over-reverse and reverse-over-forward agree to 1e-10', () => {
  const [fwdRev, revRev, revFwd, fwdFwd] = run((x, w, v) => {
    const f = (y: E.Tensor) => scalarFn(y, w);
    const a = T(E.jvp(gradF(w), [x], [v])[1]);
    const b = T(E.grad((y: E.Tensor) => vdot(gradF(w)(y), v))(x));
    const c = T(E.grad((y: E.Tensor) => T(E.jvp(f, [y], [v])[1]))(x));
    // vᵀHv by forward-over-forward, as a fourth witness.
    const d = T(E.jvp((y: E.Tensor) => T(E.jvp(f, [y], [v])[1]), [x], [v])[1]);
    return [a, b, c, d];
  });
  assert.ok(Math.sqrt(dot(fwdRev, fwdRev)) > 1e-3, 'HVP is not trivially zero');
  assertClose(revRev, fwdRev, 1e-10, 'rev-over-rev vs fwd-over-rev');
  assertClose(revFwd, fwdRev, 1e-10, 'rev-over-fwd vs fwd-over-rev');
  assertClose([fwdFwd[0]], [dot(fwdRev, vIn.data)], 1e-10, 'vᵀHv by fwd-over-fwd');
  // And against central differences of the gradient, so the three do not agree on a wrong value.
  const g = compile((x, w) => gradF(w)(x), [xIn, wIn]);
  const h = 1e-4;
  const at = (s: number) => g.run([xIn.data.map((xi, i) => xi + s * h * vIn.data[i]), wIn.data])[0];
  const fd = at(1).map((p, i) => (8 * p - 8 * at(-1)[i] - at(2)[i] + at(-2)[i]) / (12 * h));
  assertClose(fwdRev, fd, 1e-7, 'HVP vs finite differences of the gradient');
});

test('HVPs agree with respect to a matrix of parameters and with pytree arguments', () => {
  const lossOf = (p: { w: E.Tensor; b: E.Tensor }, x: E.Tensor) =>
    E.mean(E.pow(E.tanh(E.add(E.matmul(E.reshape(x, [2, 3]), p.w), p.b)), 2));
  const ins = [f32([3, 4], uniform(rand, 12)), f32([4], uniform(rand, 4)), fixed([6], uniform(rand, 6)), fixed([3, 4], uniform(rand, 12)), fixed([4], uniform(rand, 4))];
  const outs = compile(
    (w, b, x, vw, vb) => {
      const g = (p: { w: E.Tensor; b: E.Tensor }) => E.grad(lossOf)(p, x) as { w: E.Tensor; b: E.Tensor };
      const [, fr] = E.jvp(g, [{ w, b }], [{ w: vw, b: vb }]) as [unknown, { w: E.Tensor; b: E.Tensor }];
      const rr = E.grad((p: { w: E.Tensor; b: E.Tensor }) => E.add(vdot(g(p).w, vw), vdot(g(p).b, vb)))({ w, b }) as { w: E.Tensor; b: E.Tensor };
      const rf = E.grad((p: { w: E.Tensor; b: E.Tensor }) => T(E.jvp((q: { w: E.Tensor; b: E.Tensor }) => lossOf(q, x), [p], [{ w: vw, b: vb }])[1]))({ w, b }) as {
        w: E.Tensor;
        b: E.Tensor;
      };
      return [fr.w, fr.b, rr.w, rr.b, rf.w, rf.b];
    },
    ins,
  ).run(ins.map((i) => i.data));
  assertClose(outs[2], outs[0], 1e-10, 'W: rev-over-rev vs fwd-over-rev');
  assertClose(outs[4], outs[0], 1e-10, 'W: rev-over-fwd vs fwd-over-rev');
  assertClose(outs[3], outs[1], 1e-10, 'b: rev-over-rev vs fwd-over-rev');
  assertClose(outs[5], outs[1], 1e-10, 'b: rev-over-fwd vs fwd-over-rev');
});

test('third-order nesting: D³f[v, z, ·] agrees across six fwd/rev orders and with finite differences', () => {
  const outs = run((x, w, v, _u, z) => {
    const f = (y: E.Tensor) => scalarFn(y, w);
    const jv = (g: (y: E.Tensor) => E.Tensor, dir: E.Tensor) => (y: E.Tensor) => T(E.jvp(g, [y], [dir])[1]);
    const gr = (g: (y: E.Tensor) => E.Tensor) => (y: E.Tensor) => T(E.grad(g)(y));
    const hvpFR = (y: E.Tensor) => jv(gr(f), v)(y); // fwd over rev
    const hvpRR = (y: E.Tensor) => gr((q: E.Tensor) => vdot(gr(f)(q), v))(y); // rev over rev
    return [
      jv(hvpFR, z)(x), // fwd-fwd-rev
      jv(hvpRR, z)(x), // fwd-rev-rev
      gr((y: E.Tensor) => vdot(hvpFR(y), z))(x), // rev-fwd-rev
      gr((y: E.Tensor) => vdot(hvpRR(y), z))(x), // rev-rev-rev
      gr(jv(jv(f, v), z))(x), // rev-fwd-fwd
      gr((y: E.Tensor) => vdot(gr(jv(f, v))(y), z))(x), // rev-rev-fwd
    ];
  });
  assert.ok(Math.sqrt(dot(outs[0], outs[0])) > 1e-3, 'third derivative is not trivially zero');
  outs.slice(1).forEach((o, k) => assertClose(o, outs[0], 1e-10, `third-order order ${k + 1} vs fwd-fwd-rev`));
  // Against central differences of the HVP along z.
  const hvp = compile((x, w, v) => T(E.jvp(gradF(w), [x], [v])[1]), [xIn, wIn, vIn]);
  const h = 1e-4;
  const at = (s: number) => hvp.run([xIn.data.map((xi, i) => xi + s * h * zIn.data[i]), wIn.data, vIn.data])[0];
  const [p1, m1, p2, m2] = [at(1), at(-1), at(2), at(-2)];
  const fd = p1.map((_, i) => (8 * p1[i] - 8 * m1[i] - p2[i] + m2[i]) / (12 * h));
  assertClose(outs[0], fd, 1e-7, 'third order vs finite differences of the HVP');
});

test("fourth derivative of tanh in all 16 fwd/rev orders equals 16t − 40t³ + 24t⁵", () => {
  type S = (x: E.Tensor) => E.Tensor;
  const fwd = (g: S): S => (x) => T(E.jvp(g, [x], [E.full([], 1)])[1]);
  const rev = (g: S): S => (x) => T(E.grad(g)(x));
  const points = [-1.3, -0.4, 0, 0.25, 0.9, 2.1];
  const expected = points.map((p) => {
    const t = Math.tanh(p);
    return 16 * t - 40 * t ** 3 + 24 * t ** 5;
  });
  let orders = 0;
  for (let mask = 0; mask < 16; mask++) {
    let g: S = (x) => E.tanh(x);
    const name: string[] = [];
    for (let k = 0; k < 4; k++) {
      const isFwd = ((mask >> k) & 1) === 1;
      g = isFwd ? fwd(g) : rev(g);
      name.unshift(isFwd ? 'fwd' : 'rev');
    }
    const c = compile(g, [{ shape: [], dtype: 'float32' }]);
    const got = points.map((p) => c.run([[p]])[0][0]);
    assertClose(got, expected, 1e-12, `tanh'''' by ${name.join('-over-')}`);
    orders++;
  }
  assert.equal(orders, 16);
});

test('grad-of-jvp equals jvp-of-grad, with two arguments and both tangents', () => {
  const f = (a: E.Tensor, b: E.Tensor) =>
    E.sum(E.mul(E.reshape(E.exp(E.mul(a, 0.5)), [2, 3]), E.tanh(E.matmul(E.reshape(a, [2, 3]), b))));
  const ins = [f32([6], uniform(rand, 6)), f32([3, 3], uniform(rand, 9)), fixed([6], uniform(rand, 6)), fixed([3, 3], uniform(rand, 9))];
  const outs = compile(
    (a, b, ta, tb) => {
      const jvpOfGrad = Ts(E.jvp((p: E.Tensor, q: E.Tensor) => E.grad(f, [0, 1])(p, q), [a, b], [ta, tb])[1]);
      const gradOfJvp = Ts(E.grad((p: E.Tensor, q: E.Tensor) => T(E.jvp(f, [p, q], [ta, tb])[1]), [0, 1])(a, b));
      return [...jvpOfGrad, ...gradOfJvp];
    },
    ins,
  ).run(ins.map((i) => i.data));
  assertClose(outs[2], outs[0], 1e-10, 'd/da');
  assertClose(outs[3], outs[1], 1e-10, 'd/db');
});

// ---- fwdrevGrad: a drop-in for grad whose VJP is forward-over-reverse ------------------

type Params = E.Tensor[];

/** Inner loss with a checkpointed hidden layer and extra arguments: a batch and a weight decay. */
function innerLoss(theta: Params, batch: { x: E.Tensor; y: E.Tensor }, decay: E.Tensor): E.Tensor {
  const [w1, b1, w2] = theta;
  const hidden = E.checkpoint((x: E.Tensor, w: E.Tensor, b: E.Tensor) => E.tanh(E.add(E.matmul(x, w), b)));
  const h = hidden(batch.x, w1, b1);
  const pred = E.matmul(h, w2);
  const mse = E.mean(E.pow(E.sub(pred, batch.y), 2));
  const l2 = E.add(E.add(E.sum(E.mul(w1, w1)), E.sum(E.mul(b1, b1))), E.sum(E.mul(w2, w2)));
  return E.add(mse, E.mul(E.sum(decay), l2));
}

const metaIns: Input[] = [
  f32([3, 5], uniform(rand, 15, -0.8, 0.8)), // w1
  f32([5], uniform(rand, 5, -0.3, 0.3)), // b1
  f32([5, 2], uniform(rand, 10, -0.8, 0.8)), // w2
  f32([], [0.3]), // learning rate
  f32([1], [0.02]), // weight decay
  fixed([4, 3], uniform(rand, 12)), // train x
  fixed([4, 2], uniform(rand, 8)), // train y
  fixed([4, 3], uniform(rand, 12)), // val x
  fixed([4, 2], uniform(rand, 8)), // val y
];

/** Meta-loss: two unrolled SGD steps of `innerLoss` with gradient `G`, then a validation loss. */
function metaLoss(G: typeof E.grad) {
  return (theta: Params, lr: E.Tensor, decay: E.Tensor, tx: E.Tensor, ty: E.Tensor, vx: E.Tensor, vy: E.Tensor): E.Tensor => {
    let th = theta;
    for (let step = 0; step < 2; step++) {
      const g = G(innerLoss)(th, { x: tx, y: ty }, decay) as Params;
      th = th.map((p, i) => E.sub(p, E.mul(lr, g[i])));
    }
    return innerLoss(th, { x: vx, y: vy }, E.mul(decay, 0));
  };
}

test("fwdrevGrad's VJP equals grad's (reverse-over-reverse) to 1e-10, through a checkpoint, with extra arguments", () => {
  const build = (G: typeof E.grad) =>
    compile((w1, b1, w2, lr, decay, tx, ty, vx, vy) => {
      const [gTheta, gLr, gDecay] = E.grad(metaLoss(G), [0, 1, 2])([w1, b1, w2], lr, decay, tx, ty, vx, vy) as [Params, E.Tensor, E.Tensor];
      return [...gTheta, gLr, gDecay];
    }, metaIns);
  const revRev = build(E.grad);
  const fwdRev = build(E.fwdrevGrad as typeof E.grad);
  // The two really are different computations: fwdrevGrad's backward pass is forward mode.
  assert.ok(fwdRev.graph.nodes.some((n) => n.origin === 'tangent'), 'fwdrevGrad emits tangent nodes');
  assert.ok(!revRev.graph.nodes.some((n) => n.origin === 'tangent'), 'grad-of-grad emits none');
  const data = metaIns.map((i) => i.data);
  const a = revRev.run(data);
  const b = fwdRev.run(data);
  const names = ['w1', 'b1', 'w2', 'lr', 'decay'];
  a.forEach((want, k) => {
    assert.ok(Math.sqrt(dot(want, want)) > 1e-8, `meta-gradient of ${names[k]} is not zero`);
    assertClose(b[k], want, 1e-10, `meta-gradient of ${names[k]}`);
  });
});

test('fwdrevGrad gives the same gradient as grad, and its own HVP matches', () => {
  const outs = run((x, w, v) => {
    const f = (y: E.Tensor) => scalarFn(y, w);
    const g1 = T(E.grad(f)(x));
    const g2 = T(E.fwdrevGrad(f)(x));
    const hvp1 = T(E.grad((y: E.Tensor) => vdot(T(E.grad(f)(y)), v))(x));
    const hvp2 = T(E.grad((y: E.Tensor) => vdot(T(E.fwdrevGrad(f)(y)), v))(x));
    return [g1, g2, hvp1, hvp2];
  });
  assertClose(outs[1], outs[0], 1e-12, 'gradient');
  assertClose(outs[3], outs[2], 1e-10, 'HVP through fwdrevGrad');
});

test('fwdrevGrad with argnums [0, 1]: cotangents of both differentiated and of closed-over extra args', () => {
  // loss(a, b, c) differentiated in (a, b); the outer level also differentiates c, which
  // fwdrevGrad sees only as an extra argument.
  const loss = (a: E.Tensor, b: E.Tensor, c: E.Tensor) => E.sum(E.mul(E.tanh(E.mul(a, b)), E.exp(E.mul(c, a))));
  const ins = [f32([4], uniform(rand, 4)), f32([4], uniform(rand, 4)), f32([4], uniform(rand, 4, -0.5, 0.5)), fixed([4], uniform(rand, 4)), fixed([4], uniform(rand, 4))];
  const build = (G: typeof E.grad) =>
    compile((a, b, c, u, v) => {
      const outer = (p: E.Tensor, q: E.Tensor, r: E.Tensor) => {
        const [ga, gb] = G(loss, [0, 1])(p, q, r) as E.Tensor[];
        return E.add(vdot(ga, u), vdot(gb, v));
      };
      return Ts(E.grad(outer, [0, 1, 2])(a, b, c));
    }, ins);
  const want = build(E.grad).run(ins.map((i) => i.data));
  const got = build(E.fwdrevGrad as typeof E.grad).run(ins.map((i) => i.data));
  want.forEach((w, k) => assertClose(got[k], w, 1e-10, `cotangent of argument ${k}`));
});
