// The mixture-of-Gaussians head (assembly/head/mog_f32.ts, bindings/head/mog.ts):
//  - mog_nll and mog_params, SIMD and scalar twin, against the float64 head of
//    tests/reference/mog.ts over every (K, D) in 1..9 × 1..9 plus the paper's K = 20, D = 10
//    (all SIMD remainders), with and without a mask, loss-only calls, dz aliasing z, guard
//    words; masked rows holding NaN; extreme inputs (targets 1e3 from every mean, log-scales at
//    and beyond the clamp, one logit at +50, all logits at −50); in the relaxed, plain SIMD and
//    debug builds;
//  - the gradient of the head alone against central differences of the float64 loss;
//  - the HeadDef: config checks, target checks, seeded sampling with the mixture's moments;
//  - whole models (tanh, LSTM ± peepholes, GRU reset-after/-before) with masks that end
//    sequences early: lossAndGrad against the float64 reference model's gradient and central
//    differences of its loss, one case in the debug build.
//
// Tolerances (worst measured values are printed by the afterAll hooks):
//   loss: |kernel − f64| ≤ 2e-6·Σ|terms| (f32 terms of up to D·K elements, f64 row sums);
//   dz:   |kernel − f64| ≤ 3e-5·|f64| + 1e-6·max|f64 row| + 1e-7. The responsibilities γ are
//         exp of differences of log joints L_k that carry f32 rounding of their terms
//         (|L| up to a few hundred here), so γ and everything scaled by it are good to ~1e-5
//         relative; entries that are small because of cancellation (π − γ) inherit an
//         absolute error of the row's scale.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCore } from '../bindings/core-node.js';
import type { BuildKind, Core } from '../bindings/wasm.js';
import {
  ConfigError, KernelError, ShapeError, ValueError, createModel, getHead, modelFromSafetensors, modelToSafetensors, Rng, MOG_SIGMA_MIN, mogLayout,
  type Batch, type ModelConfig,
} from '../bindings/node.js';
import { Arena, filler } from './helpers/kernel.js';
import { mogNll, mogParams, mogWidth, mogModelLossAndGrad, mogModelParams, SIGMA_MIN, type MogModelConfig } from './reference/mog.js';
import { Rng as RefRng } from './reference/index.js';
import type { Params } from './reference/index.js';

const BUILDS: BuildKind[] = ['relaxed', 'simd', 'debug'];
const LOSS_TOL = 2e-6, DZ_RTOL = 3e-5, DZ_ATOL_OF_ROW = 1e-6;
const KS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 20];
const DS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
const FNS = ['mog_nll', 'mog_nll_scalar'] as const;

/** Worst error seen per comparison, as a fraction of its tolerance. */
const WORST = new Map<string, { ratio: number; at: string }>();
function note(key: string, ratio: number, at: string): void {
  const w = WORST.get(key);
  if (!w || !(ratio <= w.ratio)) WORST.set(key, { ratio: Number.isNaN(ratio) ? Infinity : ratio, at });
}
afterAll(() => {
  const rows = [...WORST.entries()].map(([k, v]) => `  ${k.padEnd(44)} ${v.ratio.toExponential(2)} × tolerance (${v.at})`);
  console.log(['[head-mog] worst error per comparison:', ...rows].join('\n'));
});

/** z rows [a | μ | s] with a ∈ ±3, μ ∈ ±2, s ∈ [−3, 1.5); y ∈ ±2. */
function rowsOf(N: number, K: number, D: number, seed: number): { z: Float32Array; y: Float32Array } {
  const O = mogWidth(K, D), KD = K * D, f = filler(seed), z = new Float32Array(N * O);
  for (let i = 0; i < N; i++) {
    z.set(f(K, 3), i * O);
    z.set(f(KD, 2), i * O + K);
    z.set(f(KD, 2.25).map((v) => v - 0.75), i * O + K + KD);
  }
  return { z, y: f(N * D, 2) };
}

function maskFor(N: number, seed: number): Float32Array {
  const m = new Float32Array(N).fill(1);
  for (let i = seed % 3; i < N; i += 3) m[i] = 0;
  for (let i = 1; i < N; i += 4) if (m[i] !== 0) m[i] = 0.5;
  return m;
}

/** ∂f/∂w[k] by the five-point central difference (error O(h⁴)); w[k] is restored. */
function centralDifference(w: Float64Array, k: number, h: number, f: () => number): number {
  const w0 = w[k], at = (v: number) => { w[k] = v; return f(); };
  const d = (8 * (at(w0 + h) - at(w0 - h)) - (at(w0 + 2 * h) - at(w0 - 2 * h))) / (12 * h);
  w[k] = w0;
  return d;
}

/** The dz check: largest error/tolerance over the rows, and where. */
function dzRatio(got: ArrayLike<number>, want: ArrayLike<number>, N: number, O: number): { ratio: number; at: number } {
  let ratio = 0, at = -1;
  for (let i = 0; i < N; i++) {
    let rowMax = 0;
    for (let o = 0; o < O; o++) rowMax = Math.max(rowMax, Math.abs(want[i * O + o]));
    for (let o = 0; o < O; o++) {
      const k = i * O + o, r = Math.abs(got[k] - want[k]) / (DZ_RTOL * Math.abs(want[k]) + DZ_ATOL_OF_ROW * rowMax + 1e-7);
      if (!(r <= ratio)) { ratio = r; at = k; }
    }
  }
  return { ratio, at };
}

for (const build of BUILDS) {
  describe(`mog kernels (${build} build)`, () => {
    let core: Core;
    let ar: Arena;
    beforeAll(async () => { core = await loadCore(build); ar = new Arena(core, true); });

    it('mog_nll and its scalar twin match the f64 head for every K in 1..9, 20 and D in 1..10, masks, loss-only calls', () => {
      for (const K of KS) for (const D of DS) for (const masked of [false, true]) {
        ar.reset();
        const N = masked ? 7 : 3, O = mogWidth(K, D), seed = 100 * K + D + (masked ? 7 : 0);
        const { z, y } = rowsOf(N, K, D, seed);
        const mask = masked ? maskFor(N, seed) : null;
        const pz = ar.put(z), py = ar.put(y), pm = mask ? ar.put(mask) : 0;
        const want = mogNll(z, y, mask, N, K, D);
        for (const fn of FNS) {
          const tag = `${fn} K=${K} D=${D} masked=${masked}`;
          const pdz = ar.put(new Float32Array(N * O).fill(7));
          const loss = core.fn(fn)(pdz, pz, py, pm, N, K, D);
          const lr = Math.abs(loss - want.loss) / (LOSS_TOL * want.mag);
          note(`${build} ${fn} loss`, lr, tag);
          expect(lr, `${tag}: loss ${loss} vs ${want.loss}`).toBeLessThanOrEqual(1);
          const dz = ar.get(pdz, N * O), r = dzRatio(dz, want.dz, N, O);
          note(`${build} ${fn} dz`, r.ratio, tag);
          expect(r.ratio, `${tag}: dz[${r.at}] = ${dz[r.at]} vs ${want.dz[r.at]}`).toBeLessThanOrEqual(1);
          // loss only: the same loss bit for bit
          expect(core.fn(fn)(0, pz, py, pm, N, K, D)).toBe(loss);
          // dz aliasing z: the same dz
          const alias = ar.put(z);
          expect(core.fn(fn)(alias, alias, py, pm, N, K, D)).toBe(loss);
          expect(ar.get(alias, N * O)).toEqual(dz);
        }
        expect(ar.guardsIntact()).toBe(true);
      }
    });

    it('rows with mask 0 add nothing and get dz = 0 even with NaN logits and targets', () => {
      for (const [K, D] of [[3, 5], [20, 10], [1, 1]]) {
        ar.reset();
        const N = 4, O = mogWidth(K, D);
        const { z, y } = rowsOf(N, K, D, K + D);
        z.fill(NaN, O, 2 * O); y.fill(NaN, D, 2 * D);
        z[3 * O + 1] = NaN;                             // row 3: one NaN logit
        const mask = [1, 0, 0.5, 0];
        const pz = ar.put(z), py = ar.put(y), pm = ar.put(mask);
        const want = mogNll(z, y, mask, N, K, D);
        for (const fn of FNS) {
          const pdz = ar.put(new Float32Array(N * O).fill(3));
          const loss = core.fn(fn)(pdz, pz, py, pm, N, K, D);
          expect(Number.isFinite(loss)).toBe(true);
          expect(Math.abs(loss - want.loss)).toBeLessThanOrEqual(LOSS_TOL * want.mag);
          const dz = ar.get(pdz, N * O);
          for (const row of [1, 3]) for (let o = 0; o < O; o++) expect(dz[row * O + o]).toBe(0);
          for (let o = 0; o < O; o++) expect(Number.isFinite(dz[o]) && Number.isFinite(dz[2 * O + o])).toBe(true);
          // the same rows counted: the loss is NaN
          expect(core.fn(fn)(0, pz, py, 0, N, K, D)).toBeNaN();
        }
        expect(ar.guardsIntact()).toBe(true);
      }
    });

    it('extreme inputs stay finite: far targets, σ on the floor and at the ceiling, dominant and tiny logits', () => {
      const K = 5, D = 6, O = mogWidth(K, D), KD = K * D;
      const cases: Array<[string, (z: Float32Array, y: Float32Array) => void]> = [
        ['targets 1e3 from every mean, σ on the floor', (z, y) => { y.fill(1e3); z.fill(0, K, K + KD); z.fill(-20, K + KD); }],
        ['log-scales beyond the lower clamp', (z, y) => { y.fill(-1e3); z.fill(-25, K + KD); z[K + KD + 3] = -1e6; z[K + KD + 4] = -20; }],
        ['log-scales at and beyond the upper clamp', (z) => { z.fill(20, K + KD); z[K + KD + 1] = 25; z[K + KD + 2] = 1e6; }],
        ['one logit +50 dominating, the rest −50', (z) => { z.fill(-50, 0, K); z[2] = 50; }],
        ['every logit −50', (z) => { z.fill(-50, 0, K); }],
        ['floor, far targets and −50 logits together', (z, y) => { y.fill(1e3); z.fill(-50, 0, K); z[K - 1] = 50; z.fill(-30, K + KD); }],
      ];
      for (const [name, set] of cases) {
        ar.reset();
        const N = 2, { z, y } = rowsOf(N, K, D, name.length);
        const z0 = z.subarray(0, O), y0 = y.subarray(0, D);
        set(z0, y0);
        set(z.subarray(O), y.subarray(D));
        const pz = ar.put(z), py = ar.put(y);
        const want = mogNll(z, y, null, N, K, D);
        expect(Number.isFinite(want.loss)).toBe(true);
        for (const fn of FNS) {
          const pdz = ar.alloc(N * O);
          const loss = core.fn(fn)(pdz, pz, py, 0, N, K, D);
          expect(Number.isFinite(loss), `${fn} ${name}: loss ${loss}`).toBe(true);
          const lr = Math.abs(loss - want.loss) / (LOSS_TOL * want.mag);
          note(`${build} ${fn} extreme loss`, lr, name);
          expect(lr, `${fn} ${name}: loss ${loss} vs ${want.loss}`).toBeLessThanOrEqual(1);
          const dz = ar.get(pdz, N * O);
          expect(dz.every(Number.isFinite), `${fn} ${name}: dz finite`).toBe(true);
          const r = dzRatio(dz, want.dz, N, O);
          note(`${build} ${fn} extreme dz`, r.ratio, name);
          expect(r.ratio, `${fn} ${name}: dz[${r.at}] = ${dz[r.at]} vs ${want.dz[r.at]}`).toBeLessThanOrEqual(1);
          // beyond the clamp the loss does not depend on s: dz_s is exactly 0 there
          for (let i = 0; i < N; i++) for (let j = K + KD; j < O; j++) {
            const s = z[i * O + j];
            if (s < -20 || s > 20) expect(dz[i * O + j]).toBe(0);
          }
        }
      }
    });

    it('mog_params: π sums to 1, μ copied, σ = SIGMA_MIN + exp(clamped s) ≥ SIGMA_MIN; twin and in-place agree', () => {
      for (const K of KS) for (const D of DS) {
        ar.reset();
        const N = 3, O = mogWidth(K, D), KD = K * D;
        const { z } = rowsOf(N, K, D, 7 * K + D);
        z[0] = 50; z[K + KD] = -1e4; z[O - 1] = 1e4;   // a dominant logit, s beyond both clamps
        const pz = ar.put(z), want = mogParams(z, N, K, D);
        const outs: Float32Array[] = [];
        for (const fn of ['mog_params', 'mog_params_scalar'] as const) {
          const po = ar.alloc(N * O);
          core.fn(fn)(po, pz, N, K, D);
          const p = ar.get(po, N * O);
          outs.push(p);
          for (let i = 0; i < N; i++) {
            let s = 0;
            for (let k = 0; k < K; k++) s += p[i * O + k];
            expect(Math.abs(s - 1), `${fn} K=${K} D=${D} Σπ`).toBeLessThan(1e-5);
            for (let j = K; j < K + KD; j++) expect(p[i * O + j]).toBe(z[i * O + j]);
            for (let j = K + KD; j < O; j++) expect(p[i * O + j]).toBeGreaterThanOrEqual(Math.fround(SIGMA_MIN));
          }
          let worst = 0;
          for (let k = 0; k < N * O; k++) worst = Math.max(worst, Math.abs(p[k] - want[k]) / (2e-6 * Math.abs(want[k]) + 1e-7));
          note(`${build} ${fn}`, worst, `K=${K} D=${D}`);
          expect(worst, `${fn} K=${K} D=${D}`).toBeLessThanOrEqual(1);
          const inPlace = ar.put(z);
          core.fn(fn)(inPlace, inPlace, N, K, D);
          expect(ar.get(inPlace, N * O)).toEqual(p);
        }
        expect(ar.guardsIntact()).toBe(true);
      }
    });

    it('dz is the gradient of the returned loss: central differences of the f64 loss (mask with 0 and 0.5)', () => {
      ar.reset();
      for (const [K, D] of [[3, 5], [4, 2], [2, 9]]) {
        const N = 4, O = mogWidth(K, D), n = N * O;
        const { z, y } = rowsOf(N, K, D, 31 * K + D);
        const mask = [1, 0.5, 0, 1];
        const pz = ar.put(z), py = ar.put(y), pm = ar.put(mask);
        const zz = Float64Array.from(z);
        const fd = Float64Array.from({ length: n }, (_, k) => centralDifference(zz, k, 1e-4, () => mogNll(zz, y, mask, N, K, D).loss));
        const ref = mogNll(z, y, mask, N, K, D);
        for (let k = 0; k < n; k++) expect(Math.abs(ref.dz[k] - fd[k]), `f64 reference dz[${k}]`).toBeLessThan(1e-6 * (1 + Math.abs(fd[k])));
        for (const fn of FNS) {
          const pdz = ar.alloc(n);
          const loss = core.fn(fn)(pdz, pz, py, pm, N, K, D);
          expect(Math.abs(loss - ref.loss)).toBeLessThan(1e-6 * ref.mag);
          const dz = ar.get(pdz, n);
          const r = dzRatio(dz, fd, N, O);
          note(`${build} ${fn} dz vs central differences`, r.ratio, `K=${K} D=${D}`);
          expect(r.ratio, `${fn} K=${K} D=${D}: dz[${r.at}] = ${dz[r.at]} vs ${fd[r.at]}`).toBeLessThanOrEqual(1);
        }
      }
    });
  });
}

describe('mog contracts', () => {
  it('debug build: bad dims and buffers outside memory are refused', async () => {
    const core = await loadCore('debug');
    const ar = new Arena(core, true);
    const z = ar.alloc(64), y = ar.alloc(16), dz = ar.alloc(64), end = core.memory.buffer.byteLength;
    for (const [K, D] of [[0, 2], [257, 1], [2, 0], [1, 257], [-1, 3]]) {
      expect(() => core.k.mog_nll(dz, z, y, 0, 1, K, D)).toThrow(/mog_nll: bad dims/);
      expect(() => core.k.mog_nll_scalar(dz, z, y, 0, 1, K, D)).toThrow(KernelError);
      expect(() => core.k.mog_params(dz, z, 1, K, D)).toThrow(/mog_params: bad dims/);
    }
    expect(() => core.k.mog_nll(dz, z, y, 0, -1, 2, 2)).toThrow(KernelError);
    expect(() => core.k.mog_nll(dz, end - 16, y, 0, 1, 2, 2)).toThrow(/outside linear memory/);
    expect(() => core.k.mog_nll(end - 8, z, y, 0, 1, 2, 2)).toThrow(KernelError);
    expect(() => core.k.mog_params(end - 8, z, 1, 2, 2)).toThrow(KernelError);
    expect(core.k.mog_nll(dz, z, y, 0, 1, 2, 2)).toBeTypeOf('number');
  });

  it('release builds: bad dims give NaN and touch nothing', async () => {
    for (const build of ['relaxed', 'simd'] as const) {
      const core = await loadCore(build);
      const ar = new Arena(core, true);
      const z = ar.put(new Float32Array(64).fill(0.5)), y = ar.alloc(16), dz = ar.put(new Float32Array(64).fill(9));
      for (const fn of FNS) for (const [K, D] of [[0, 2], [257, 1], [2, 0], [3, 300]]) expect(core.fn(fn)(dz, z, y, 0, 1, K, D)).toBeNaN();
      core.k.mog_params(dz, z, 1, 300, 1);
      expect(ar.get(dz, 64).every((v) => v === 9)).toBe(true);
      expect(ar.guardsIntact()).toBe(true);
    }
  });
});

// --------------------------------------------------------------------------- the HeadDef

describe('mog head definition', () => {
  const mog = getHead('mog');

  it('config: defaults K = 20, D = 10; integers in 1..256; no unknown options', () => {
    const r = mog.resolve({ type: 'mog' } as never);
    expect(r).toEqual({ type: 'mog', size: 10, outputs: 420, targetWidth: 10, targetType: 'f32', config: { type: 'mog', components: 20, size: 10 } });
    expect(mog.resolve({ type: 'mog', components: 3, size: 4 }).outputs).toBe(27);
    expect(mog.resolve({ type: 'mog', components: 256, size: 256 }).outputs).toBe(256 * 513);
    for (const [key, v] of [['components', 0], ['components', 257], ['components', 2.5], ['components', '3'], ['size', 0], ['size', 300], ['size', null], ['size', NaN]] as const) {
      const cfg = { type: 'mog', components: 3, size: 4, [key]: v };
      expect(() => mog.resolve(cfg as never), `${key} = ${String(v)}`).toThrow(ConfigError);
      expect(() => mog.resolve(cfg as never)).toThrow(new RegExp(`config\\.head\\.${key} must be an integer in 1\\.\\.256`));
    }
    expect(() => mog.resolve({ type: 'mog', size: 4, sigmaMin: 0.1 } as never)).toThrow(/the mog head has no option 'sigmaMin'/);
    expect(mogLayout(20, 10)).toEqual({ weights: 0, means: 20, scales: 220, width: 420 });
    expect(MOG_SIGMA_MIN).toBe(SIGMA_MIN);
  });

  it('targets must be finite: the copy and the in-arena check name the element', async () => {
    const m = await createModel({ unit: 'gru', inputSize: 2, hiddenSize: 3, head: { type: 'mog', components: 2, size: 3 } });
    try {
      const T = 2, B = 2, batch: Batch = { T, B, x: new Float32Array(T * B * 2), y: new Float32Array(T * B * 3).fill(0.5) };
      expect(m.forward(batch).loss).toBeTypeOf('number');
      const bad = Float32Array.from(batch.y); bad[7] = Infinity;
      expect(() => m.forward({ ...batch, y: bad })).toThrow(ValueError);
      expect(() => m.forward({ ...batch, y: bad })).toThrow(/batch\.y\[7\] = Infinity \(row 2, value 1\) is not finite/);
      const v = m.batchViews(T, B);
      m.setOptimizer({ type: 'sgd', lr: 0.01 });
      v.x.fill(0); v.mask.fill(1); v.y.fill(0); v.y[10] = NaN;
      expect(() => m.trainStepInPlace(T, B, {})).toThrow(/batch y: element 10 \(t=1, b=1, d=1\) is NaN/);
    } finally { m.dispose(); }
  });

  it('sampling is seeded and reproducible, and the draws have the mixture\'s mean and variance', () => {
    const head = mog.resolve({ type: 'mog', components: 2, size: 2 });
    // π = (0.3, 0.7); component 0: μ (−1, 2), σ (0.5, 1); component 1: μ (2, 0), σ (1.5, 0.25)
    const pi = [0.3, 0.7], mu = [[-1, 2], [2, 0]], sd = [[0.5, 1], [1.5, 0.25]];
    const dist = Float32Array.from([...pi, ...mu.flat(), ...sd.flat()]);
    const draw = (seed: number, n: number) => { const rng = new Rng(seed); return Array.from({ length: n }, () => mog.sample(dist, rng, head) as Float32Array); };
    expect(draw(5, 20)).toEqual(draw(5, 20));
    expect(draw(5, 20)).not.toEqual(draw(6, 20));
    const n = 100_000, xs = draw(11, n);
    for (let d = 0; d < 2; d++) {
      const mean = pi[0] * mu[0][d] + pi[1] * mu[1][d];
      const second = pi[0] * (sd[0][d] ** 2 + mu[0][d] ** 2) + pi[1] * (sd[1][d] ** 2 + mu[1][d] ** 2);
      const variance = second - mean * mean;
      let s = 0, s2 = 0;
      for (const x of xs) { s += x[d]; s2 += x[d] * x[d]; }
      const m = s / n, v = s2 / n - m * m;
      // standard errors: √(var/n) ≈ 0.005 for the mean; the variance's is below 0.02 here
      expect(Math.abs(m - mean), `mean d=${d}`).toBeLessThan(5 * Math.sqrt(variance / n));
      expect(Math.abs(v - variance) / variance, `variance d=${d}`).toBeLessThan(0.02);
    }
    expect(() => mog.sample(dist.subarray(1), new Rng(1), head)).toThrow(ShapeError);
  });

  it('a model with a mog head: outputs are [π | μ | σ], streams agree, files round-trip the config', async () => {
    const cfg: ModelConfig = { unit: 'lstm', inputSize: 3, hiddenSize: 5, head: { type: 'mog', components: 3, size: 2 }, seed: 4 };
    const m = await createModel(cfg);
    try {
      expect(m.publicConfig().head).toEqual({ type: 'mog', components: 3, size: 2 });
      expect(m.paramShape('head.weight')).toEqual([15, 5]);
      expect(m.paramShape('head.bias')).toEqual([15]);
      expect(m.paramShape('head.weight')).toEqual([mogWidth(3, 2), 5]);
      const rng = new Rng(2), T = 4, B = 2;
      const batch: Batch = { T, B, x: Float32Array.from({ length: T * B * 3 }, () => rng.normal()), y: Float32Array.from({ length: T * B * 2 }, () => rng.normal()) };
      const f = m.forward(batch);
      expect(f.outputs.length).toBe(T * B * 15);
      for (let i = 0; i < T * B; i++) {
        const row = f.outputs.subarray(i * 15, (i + 1) * 15);
        expect(Math.abs(row[0] + row[1] + row[2] - 1)).toBeLessThan(1e-6);
        // the initialisation: π ≈ 1/K, μ ≈ 0, σ ≈ 1 + SIGMA_MIN
        for (let k = 0; k < 3; k++) expect(Math.abs(row[k] - 1 / 3)).toBeLessThan(0.1);
        for (let j = 3; j < 9; j++) expect(Math.abs(row[j])).toBeLessThan(0.5);
        for (let j = 9; j < 15; j++) expect(Math.abs(row[j] - 1 - MOG_SIGMA_MIN)).toBeLessThan(0.5);
      }
      const st = m.stream(B);
      for (let t = 0; t < T; t++) {
        const o = st.step(batch.x.subarray(t * B * 3, (t + 1) * B * 3));
        const want = f.outputs.subarray(t * B * 15, (t + 1) * B * 15);
        for (let k = 0; k < o.length; k++) expect(Math.abs(o[k] - want[k])).toBeLessThan(1e-6);
      }
      const again = await modelFromSafetensors(modelToSafetensors(m));
      try {
        expect(again.publicConfig().head).toEqual({ type: 'mog', components: 3, size: 2 });
        expect(again.forward(batch).loss).toBe(f.loss);
      } finally { again.dispose(); }
      // and training lowers the loss
      m.setOptimizer({ type: 'adam', lr: 0.01 });
      const first = m.trainStep(batch).loss;
      for (let s = 0; s < 40; s++) m.trainStep(batch);
      expect(m.forward(batch).loss).toBeLessThan(first - 1);
    } finally { m.dispose(); }
  });
});

// --------------------------------------------------------------------------- through every unit

const UNITS: { name: string; cfg: Pick<ModelConfig, 'unit' | 'peepholes' | 'resetAfter'> }[] = [
  { name: 'tanh', cfg: { unit: 'tanh' } },
  { name: 'lstm', cfg: { unit: 'lstm', peepholes: false } },
  { name: 'lstm-peep', cfg: { unit: 'lstm', peepholes: true } },
  { name: 'gru-after', cfg: { unit: 'gru', resetAfter: true } },
  { name: 'gru-before', cfg: { unit: 'gru', resetAfter: false } },
];
const MODEL_RTOL = 1e-4;
const CHECKED = ['weight_ih_l0', 'weight_hh_l0', 'head.weight', 'head.bias'];

describe('mog head through every unit: lossAndGrad = f64 reference and its central differences', () => {
  const T = 5, B = 3, I = 20, H = 6, K = 3, D = 4, lengths = [5, 2, 4];
  const mask = Float32Array.from({ length: T * B }, (_, n) => (Math.floor(n / B) < lengths[n % B] ? 1 : 0));
  const cases = UNITS.map((u) => ({ ...u, build: 'relaxed' as BuildKind })).concat([{ ...UNITS[4], build: 'debug' }, { ...UNITS[2], build: 'simd' }]);
  for (const u of cases) {
    it(`${u.name} (${u.build} build)`, async () => {
      const cfg: MogModelConfig = { ...u.cfg, inputSize: I, hiddenSize: H, layers: 1, head: { type: 'mog', components: K, size: D } } as MogModelConfig;
      const m = await createModel(cfg as ModelConfig, { build: u.build });
      try {
        const rng = new RefRng(17);
        const p: Params = mogModelParams(cfg);
        for (const name of Object.keys(p)) {
          p[name] = rng.f32Array(p[name].length, -0.5, 0.5);
          expect(m.getParam(name).length, name).toBe(p[name].length);
          m.setParam(name, p[name]);
        }
        const x = rng.f32Array(T * B * I, -1, 1), y = Float64Array.from({ length: T * B * D }, () => Math.fround(rng.normal()));
        // padding steps hold other values; they must not matter
        for (let n = 0; n < T * B; n++) if (!mask[n]) { for (let i = 0; i < I; i++) x[n * I + i] = 9; for (let d = 0; d < D; d++) y[n * D + d] = -7; }
        const batch: Batch = { T, B, x: Float32Array.from(x), y: Float32Array.from(y), mask };
        const r = m.lossAndGrad(batch);
        expect(r.frames).toBe(lengths.reduce((a, b) => a + b, 0));
        const ref = mogModelLossAndGrad(cfg, p, { T, B, x, y, mask });
        expect(Math.abs(r.loss - ref.loss) / Math.abs(ref.loss), `loss ${r.loss} vs ${ref.loss}`).toBeLessThan(1e-5);
        let worst = 0, worstAt = '';
        const bad: string[] = [];
        for (const name of Object.keys(p)) {
          const g = m.getGrad(name), want = ref.grads![name];
          for (let k = 0; k < want.length; k++) {
            const e = Math.abs(g[k] - want[k]) / (1 + Math.abs(want[k]));
            if (!(e <= worst)) { worst = e; worstAt = `${name}[${k}]`; }
            if (!(e <= MODEL_RTOL)) bad.push(`${name}[${k}] = ${g[k]}, reference ${want[k]}`);
          }
        }
        note(`model ${u.build} grads vs f64 reference`, worst / MODEL_RTOL, `${u.name} ${worstAt}`);
        expect(bad.slice(0, 5)).toEqual([]);
        // central differences of the f64 loss for a few entries of each checked tensor
        let worstFd = 0;
        for (const name of CHECKED) {
          const g = m.getGrad(name), w = p[name];
          for (const k of [0, 7, Math.floor(w.length / 2), w.length - 1]) {
            const fd = centralDifference(w, k, 1e-4, () => mogModelLossAndGrad(cfg, p, { T, B, x, y, mask }, false).loss);
            const e = Math.abs(g[k] - fd) / (1 + Math.abs(fd));
            worstFd = Math.max(worstFd, e);
            expect(e, `${name}[${k}]: model ${g[k]}, central difference ${fd}`).toBeLessThan(MODEL_RTOL);
            expect(Math.abs(ref.grads![name][k] - fd), `${name}[${k}]: the reference's own gradient`).toBeLessThan(1e-6 * (1 + Math.abs(fd)));
          }
        }
        note(`model ${u.build} grads vs central differences`, worstFd / MODEL_RTOL, u.name);
      } finally { m.dispose(); }
    });
  }
});
