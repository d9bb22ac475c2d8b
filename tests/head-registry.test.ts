// The head registry (bindings/head/): the built-in heads are entries on it, config validation
// goes through it, and a head registered from outside trains a model with no change to the
// model class — here a unit-variance Gaussian head written in TypeScript over the arena views.
import { describe, it, expect } from 'vitest';
import { createModel, registerHead, headTypes, getHead, ConfigError, ValueError, Rng, type HeadDef } from '../bindings/node.js';

const gaussian: HeadDef = {
  type: 'test-gaussian',
  describe: 'unit-variance Gaussian over `size` values (test head)',
  resolve(cfg) {
    if (typeof cfg.size !== 'number' || !Number.isInteger(cfg.size) || cfg.size < 1) throw new ConfigError('config.head.size must be a positive integer');
    return { type: 'test-gaussian', size: cfg.size, outputs: cfg.size, targetWidth: cfg.size, targetType: 'f32', config: { type: 'test-gaussian', size: cfg.size } };
  },
  copyTargets(dst, src) { dst.set(src); },
  checkTargets(_ctx, y, _mask, _B, _head, what) {
    for (let i = 0; i < y.length; i++) if (!Number.isFinite(y[i])) throw new ValueError(`${what}: element ${i} is ${y[i]}`);
  },
  loss(ctx, dz, z, y, mask, N, head) {
    const O = head.outputs, Z = ctx.f32(z, N * O), Y = ctx.f32(y, N * O), M = mask ? ctx.f32(mask, N) : null;
    const D = dz ? ctx.f32(dz, N * O) : null;
    let loss = 0;
    for (let i = 0; i < N; i++) {
      const w = M ? M[i] : 1;
      for (let o = 0; o < O; o++) {
        const d = Z[i * O + o] - Y[i * O + o];
        if (w !== 0) loss += w * (0.5 * d * d + 0.5 * Math.log(2 * Math.PI));
        if (D) D[i * O + o] = w === 0 ? 0 : w * d;
      }
    }
    return loss;
  },
  outputs(ctx, out, z, N, head) { ctx.f32(out, N * head.outputs).set(ctx.f32(z, N * head.outputs)); },
  sample(dist, rng) { return Float32Array.from(dist, (m) => m + rng.normal()); },
};

describe('head registry', () => {
  it('has the built-in heads and refuses unknown types, naming the registered ones', async () => {
    expect(headTypes().slice(0, 2)).toEqual(['bernoulli', 'softmax']);
    expect(() => getHead('poisson')).toThrow(/'bernoulli', 'softmax'.*"poisson"/);
    await expect(createModel({ unit: 'gru', inputSize: 2, hiddenSize: 3, head: { type: 'poisson', size: 2 } })).rejects.toThrow(ConfigError);
    await expect(createModel({ unit: 'gru', inputSize: 2, hiddenSize: 3, head: { type: 'bernoulli', size: 2, components: 3 } })).rejects.toThrow(/no option 'components'/);
  });

  it('refuses a second head of a registered type and malformed type names', () => {
    expect(() => registerHead({ ...gaussian, type: 'softmax' })).toThrow(/already registered/);
    expect(() => registerHead({ ...gaussian, type: 'Bad Name' })).toThrow(ConfigError);
  });

  it('a registered head trains a model with no edit to the model class: loss and gradient are its own', async () => {
    registerHead(gaussian);
    const m = await createModel({ unit: 'lstm', inputSize: 3, hiddenSize: 4, head: { type: 'test-gaussian', size: 2 }, seed: 3 });
    try {
      expect(m.publicConfig().head).toEqual({ type: 'test-gaussian', size: 2 });
      const rng = new Rng(5), T = 5, B = 2;
      const batch = { T, B, x: Float32Array.from({ length: T * B * 3 }, () => rng.normal()), y: Float32Array.from({ length: T * B * 2 }, () => rng.normal()) };
      const f = m.forward(batch);
      // the loss is the Gaussian NLL of the outputs (the means)
      let want = 0;
      for (let i = 0; i < f.outputs.length; i++) want += 0.5 * (f.outputs[i] - batch.y[i]) ** 2 + 0.5 * Math.log(2 * Math.PI);
      expect(f.loss).toBeCloseTo(want, 4);
      // its gradient reaches the parameters: check one weight by central differences
      m.lossAndGrad(batch);
      const g = m.getGrad('weight_hh_l0'), w = m.getParam('weight_hh_l0'), i = 7, h = 1e-2;
      const at = (v: number) => { const p = w.slice(); p[i] = v; m.setParam('weight_hh_l0', p); return m.forward(batch).loss; };
      const fd = (at(w[i] + h) - at(w[i] - h)) / (2 * h);
      m.setParam('weight_hh_l0', w);
      expect(Math.abs(fd - g[i])).toBeLessThan(2e-3 * Math.max(1, Math.abs(g[i])));
      // and training lowers it
      m.setOptimizer({ type: 'adam', lr: 0.02 });
      const first = m.trainStep(batch).loss;
      for (let s = 0; s < 60; s++) m.trainStep(batch);
      expect(m.trainStep(batch).loss).toBeLessThan(first * 0.8);
      // a non-finite target is the head's own check
      expect(() => m.forward({ ...batch, y: batch.y.map((v, k) => (k === 3 ? NaN : v)) })).toThrow(/batch.y: element 3 is NaN/);
    } finally { m.dispose(); }
  });

  it('samples from the built-in heads with the right frequencies', () => {
    const rng = new Rng(11), bern = getHead('bernoulli'), soft = getHead('softmax');
    const hb = bern.resolve({ type: 'bernoulli', size: 3 }), hs = soft.resolve({ type: 'softmax', size: 3 });
    const p = Float32Array.of(0.1, 0.5, 0.9), q = Float32Array.of(0.2, 0.3, 0.5);
    const on = [0, 0, 0], cls = [0, 0, 0], n = 20000;
    for (let s = 0; s < n; s++) {
      const y = bern.sample(p, rng, hb);
      y.forEach((v, i) => { expect(v === 0 || v === 1).toBe(true); on[i] += v; });
      cls[soft.sample(q, rng, hs)[0]]++;
    }
    on.forEach((c, i) => expect(Math.abs(c / n - p[i])).toBeLessThan(0.015));
    cls.forEach((c, i) => expect(Math.abs(c / n - q[i])).toBeLessThan(0.015));
  });
});
