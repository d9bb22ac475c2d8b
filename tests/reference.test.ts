// The float64 reference checked on its own: every analytic gradient (parameters, inputs,
// h0, c0) against central finite differences of its own loss, for every cell variant, both
// heads, masks and two stacked layers. Tolerance: |fd − analytic| ≤ 1e-6·|analytic| + 1e-8.
// With ε = 1e-5 the central difference is off by ε²/6·|f'''| ≈ 2e-11·|f'''| (truncation) plus
// ≈ 1e-16·|L|/ε ≈ 1e-10 (rounding, |L| < 100 here), well under the tolerance; a wrong term
// in a backward pass shows up as an error of the gradient's own size.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { forward, lossAndGrad, paramShapes, Rng } from './reference/index.js';
import type { RefBatch, RefConfig, Params } from './reference/index.js';
import { VARIANTS, randomBatch, randomParams, withGarbagePadding } from './reference/testdata.js';

const EPS = 1e-5;
const tol = (analytic: number) => 1e-6 * Math.abs(analytic) + 1e-8;

/** Largest violation ratio |fd − analytic| / tol over every entry of `values`. */
function fdCheck(values: Float64Array, analytic: Float64Array, loss: () => number): { worst: number; at: number; fd: number; an: number } {
  let worst = 0, at = -1, fdAt = 0, anAt = 0;
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    values[k] = v + EPS; const lp = loss();
    values[k] = v - EPS; const lm = loss();
    values[k] = v;
    const fd = (lp - lm) / (2 * EPS);
    const ratio = Math.abs(fd - analytic[k]) / tol(analytic[k]);
    if (ratio > worst) { worst = ratio; at = k; fdAt = fd; anAt = analytic[k]; }
  }
  return { worst, at, fd: fdAt, an: anAt };
}

function checkAll(cfg: RefConfig, p: Params, batch: RefBatch): void {
  const g = lossAndGrad(cfg, p, batch);
  const loss = () => forward(cfg, p, batch).loss;
  const report: string[] = [];
  const check = (name: string, values: Float64Array, analytic: Float64Array) => {
    expect(analytic.length).toBe(values.length);
    const r = fdCheck(values, analytic, loss);
    if (r.worst > 1) report.push(`${name}[${r.at}]: fd ${r.fd} analytic ${r.an} (${r.worst.toFixed(1)}× tolerance)`);
  };
  for (const name of Object.keys(p)) check(name, p[name], g.grads[name]);
  check('x', batch.x as Float64Array, g.dx);
  batch.h0?.forEach((h0, l) => check(`h0[${l}]`, h0 as Float64Array, g.dh0[l]));
  batch.c0?.forEach((c0, l) => check(`c0[${l}]`, c0 as Float64Array, g.dc0[l]));
  expect(report).toEqual([]);
}

const HEADS = ['bernoulli', 'softmax'] as const;

describe('reference gradients = central finite differences (f64)', () => {
  for (const v of VARIANTS) {
    for (const head of HEADS) {
      it(`${v.name}, ${head}, one layer, T=4, B=2`, () => {
        const cfg: RefConfig = { ...v.cfg, inputSize: 3, hiddenSize: 4, head: { type: head, size: 5 } };
        const rng = new Rng(11);
        checkAll(cfg, randomParams(cfg, rng), randomBatch(cfg, 4, 2, rng));
      });
      it(`${v.name}, ${head}, two layers, masks (lengths 5, 3, 1), random h0/c0`, () => {
        const cfg: RefConfig = { ...v.cfg, inputSize: 3, hiddenSize: 4, layers: 2, head: { type: head, size: 5 } };
        const rng = new Rng(23);
        checkAll(cfg, randomParams(cfg, rng), randomBatch(cfg, 5, 3, rng, { lengths: [5, 3, 1], states: true }));
      });
    }
  }
});

describe('reference masks', () => {
  for (const v of VARIANTS) {
    it(`${v.name}: a masked batch = its sequences run alone, cut at their lengths`, () => {
      const cfg: RefConfig = { ...v.cfg, inputSize: 3, hiddenSize: 4, layers: 2, head: { type: 'bernoulli', size: 5 } };
      const rng = new Rng(5), T = 5, B = 3, lengths = [2, 5, 4], I = 3, O = 5, H = 4;
      const p = randomParams(cfg, rng);
      const batch = randomBatch(cfg, T, B, rng, { lengths, states: true });
      const all = lossAndGrad(cfg, p, batch);
      let loss = 0, frames = 0;
      const sum: Params = Object.fromEntries(Object.keys(p).map((k) => [k, new Float64Array(p[k].length)]));
      for (let b = 0; b < B; b++) {
        const Tb = lengths[b];
        const pick = (a: ArrayLike<number>, n: number, steps: number) =>
          Float64Array.from({ length: steps * n }, (_, k) => a[(Math.floor(k / n) * B + b) * n + (k % n)]);
        const one: RefBatch = {
          T: Tb, B: 1, x: pick(batch.x, I, Tb), y: pick(batch.y, O, Tb),
          h0: batch.h0!.map((h) => pick(h, H, 1)), c0: batch.c0?.map((c) => pick(c, H, 1)),
        };
        const r = lossAndGrad(cfg, p, one);
        loss += r.loss; frames += r.frames;
        for (const k of Object.keys(p)) r.grads[k].forEach((g, j) => (sum[k][j] += g));
        for (let t = 0; t < T; t++) for (let i = 0; i < I; i++) {
          expect(all.dx[(t * B + b) * I + i]).toBeCloseTo(t < Tb ? r.dx[t * I + i] : 0, 12);
        }
        for (let l = 0; l < 2; l++) for (let j = 0; j < H; j++) {
          expect(all.dh0[l][b * H + j]).toBeCloseTo(r.dh0[l][j], 12);
          if (r.dc0[l].length) expect(all.dc0[l][b * H + j]).toBeCloseTo(r.dc0[l][j], 12);
        }
      }
      expect(all.frames).toBe(frames);
      expect(all.loss).toBeCloseTo(loss, 10);
      for (const k of Object.keys(p)) for (let j = 0; j < p[k].length; j++) expect(all.grads[k][j]).toBeCloseTo(sum[k][j], 10);
    });
  }

  it('garbage in padded steps changes nothing', () => {
    for (const v of VARIANTS) {
      for (const head of HEADS) {
        const cfg: RefConfig = { ...v.cfg, inputSize: 3, hiddenSize: 4, head: { type: head, size: 5 } };
        const rng = new Rng(9);
        const p = randomParams(cfg, rng);
        const batch = randomBatch(cfg, 5, 3, rng, { lengths: [5, 1, 3] });
        const a = lossAndGrad(cfg, p, batch), b = lossAndGrad(cfg, p, withGarbagePadding(cfg, batch, 77));
        expect(b.loss).toBe(a.loss);
        expect(b.grads).toEqual(a.grads);
        expect(b.dx).toEqual(a.dx);
      }
    }
  });
});

// Golden values from PyTorch autograd in float64 (tests/reference/golden.py): nn.RNN, nn.LSTM
// and nn.GRU themselves for the PyTorch variants, the DESIGN.md equations for the peephole
// LSTM and the reset-before GRU; two layers, masks, random h0/c0. Both sides are f64, so
// they agree to rounding: |ref − torch| ≤ 1e-10·(1 + |torch|).
interface GoldenCase {
  name: string; config: RefConfig; T: number; B: number;
  x: number[]; y: number[]; mask: number[]; h0: number[][]; c0?: number[][];
  params: Record<string, number[]>; loss: number; outputs: number[];
  grads: Record<string, number[]>; dx: number[]; dh0: number[][]; dc0?: number[][];
}

describe('reference = PyTorch float64 (golden.json)', () => {
  const golden = JSON.parse(readFileSync(new URL('./reference/golden.json', import.meta.url), 'utf8')) as { cases: GoldenCase[] };
  const close = (what: string, got: ArrayLike<number>, want: number[]) => {
    expect(got.length, what).toBe(want.length);
    let worst = 0;
    for (let k = 0; k < want.length; k++) worst = Math.max(worst, Math.abs(got[k] - want[k]) / (1 + Math.abs(want[k])));
    expect(worst, what).toBeLessThan(1e-10);
  };
  for (const c of golden.cases) {
    it(c.name, () => {
      const p: Params = Object.fromEntries(Object.entries(c.params).map(([k, v]) => [k, Float64Array.from(v)]));
      expect(Object.keys(p).sort()).toEqual(paramShapes(c.config).map(([n]) => n).sort());
      for (const [name, shape] of paramShapes(c.config)) expect(p[name].length, name).toBe(shape.reduce((a, b) => a * b, 1));
      const r = lossAndGrad(c.config, p, { T: c.T, B: c.B, x: c.x, y: c.y, mask: c.mask, h0: c.h0, c0: c.c0 });
      close('loss', [r.loss], [c.loss]);
      const O = c.config.head.size;
      close('outputs', r.outputs.filter((_, k) => c.mask[Math.floor(k / O)] !== 0), c.outputs.filter((_, k) => c.mask[Math.floor(k / O)] !== 0));
      for (const k of Object.keys(p)) close(`grad ${k}`, r.grads[k], c.grads[k]);
      close('dx', r.dx, c.dx);
      c.dh0.forEach((d, l) => close(`dh0[${l}]`, r.dh0[l], d));
      c.dc0?.forEach((d, l) => close(`dc0[${l}]`, r.dc0[l], d));
    });
  }
});

// The team's PyTorch fixtures (tests/fixtures/golden/, written by scripts/golden.py, another
// engineer's generator): f32 inputs and weights (9 significant digits, or int8/512 base64 for
// the paper sizes), loss, outputs and gradients from PyTorch in float64 stored with 9
// significant digits (paper sizes: a sample of gradient entries plus sum, L1 and L2 norms).
// The reference must match them to that storage precision: |ref − torch| ≤ 1e-8·(1 + |torch|)
// (norms: relative 1e-8) — two independent routes to the same numbers.
type Stored = number[] | { encoding: 'int8-base64'; scale: number; data: string };
type StoredGrad = number[] | { encoding: 'samples'; samples: [number, number][]; sum: number; l1: number; l2: number };
interface TeamGolden {
  name: string; config: RefConfig; T: number; B: number; x: number[]; y: number[]; mask: number[];
  h0: number[][] | null; c0: number[][] | null; params: Record<string, { shape: number[]; data?: number[] } & Partial<Extract<Stored, { encoding: string }>>>;
  loss: number; frames: number; outputs: number[]; grads: Record<string, StoredGrad>; inputGrad: number[];
  dh0: number[][]; dc0: number[][] | null;
}

describe('reference = team PyTorch fixtures (tests/fixtures/golden)', () => {
  const dir = new URL('./fixtures/golden/', import.meta.url);
  const index = JSON.parse(readFileSync(new URL('index.json', dir), 'utf8')) as { cases: string[] };
  const TOL = 1e-8;
  const close = (what: string, got: ArrayLike<number>, want: number[]) => {
    expect(got.length, what).toBe(want.length);
    let worst = 0;
    for (let k = 0; k < want.length; k++) worst = Math.max(worst, Math.abs(got[k] - want[k]) / (1 + Math.abs(want[k])));
    expect(worst, what).toBeLessThan(TOL);
  };
  const f32 = (a: ArrayLike<number>) => Float64Array.from(a, Math.fround);
  const decode = (t: TeamGolden['params'][string]): Float64Array => {
    if (t.encoding === 'int8-base64') {
      const bytes = Buffer.from(t.data as unknown as string, 'base64');
      return Float64Array.from(new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length), (q) => q * t.scale!);
    }
    return f32(t.data!);
  };
  for (const name of index.cases) {
    it(name, () => {
      const c = JSON.parse(readFileSync(new URL(`${name}.json`, dir), 'utf8')) as TeamGolden;
      const p: Params = Object.fromEntries(Object.entries(c.params).map(([k, v]) => [k, decode(v)]));
      for (const [pname, shape] of paramShapes(c.config)) {
        expect(c.params[pname]?.shape, pname).toEqual(shape);
        expect(p[pname].length, pname).toBe(shape.reduce((a, b) => a * b, 1));
      }
      const r = lossAndGrad(c.config, p, {
        T: c.T, B: c.B, x: f32(c.x), y: c.y, mask: c.mask, h0: c.h0?.map(f32), c0: c.c0?.map(f32),
      });
      close('loss', [r.loss], [c.loss]);
      expect(r.frames).toBe(c.frames);
      const O = c.config.head.size, real = (_: number, k: number) => c.mask[Math.floor(k / O)] !== 0;
      close('outputs', r.outputs.filter(real), c.outputs.filter(real));
      for (const k of Object.keys(p)) {
        const want = c.grads[k], got = r.grads[k];
        if (Array.isArray(want)) { close(`grad ${k}`, got, want); continue; }
        close(`grad ${k} samples`, want.samples.map(([i]) => got[i]), want.samples.map(([, v]) => v));
        const sum = got.reduce((a, v) => a + v, 0), l1 = got.reduce((a, v) => a + Math.abs(v), 0);
        const l2 = Math.sqrt(got.reduce((a, v) => a + v * v, 0));
        close(`grad ${k} sum`, [sum / (want.l1 || 1)], [want.sum / (want.l1 || 1)]);
        close(`grad ${k} l1, l2`, [l1 / want.l1, l2 / want.l2], [1, 1]);
      }
      close('input grad', r.dx, c.inputGrad);
      c.dh0.forEach((d, l) => close(`dh0[${l}]`, r.dh0[l], d));
      c.dc0?.forEach((d, l) => close(`dc0[${l}]`, r.dc0[l], d));
    });
  }
});
