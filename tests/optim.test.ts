// Optimizer and randomness kernels of assembly/optim:
//  - every SIMD kernel against its scalar twin over sizes that hit every remainder (bitwise in
//    the plain SIMD and debug builds, within an ulp-level tolerance with relaxed FMA);
//  - sgd/rmsprop/adam against a plain f64 TypeScript implementation of the DESIGN.md formula
//    over several steps;
//  - against PyTorch 1.13 trajectories (tests/fixtures/optim_golden.json, written by
//    scripts/optim_golden.py): SGD (plain, momentum), RMSprop (plain, momentum, centered,
//    centered + momentum), Adam (two settings);
//  - the generator: rng_seed state words against splitmix64 here and bindings/data/rng.ts,
//    the xoshiro128** stream bit for bit, Box–Muller normals against an f64 recomputation from
//    the same draws, moments over 1e5 draws, uniform range;
//  - debug-build contracts.
import { describe, it, expect, beforeAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { loadCore } from '../bindings/core-node.js';
import type { Core, BuildKind } from '../bindings/wasm.js';
import { KernelError } from '../bindings/errors.js';
import { Rng } from '../bindings/data/rng.js';
import { filler, Arena } from './helpers/kernel.js';

const SIZES = [0, 1, 3, 4, 5, 7, 8, 9, 33, 1000];
/** The SIMD random kernels draw in batches of 256: also cross batch edges with partial blocks. */
const RNG_SIZES = [...SIZES, 255, 257, 1001, 2053];
const BUILDS: BuildKind[] = ['relaxed', 'simd', 'debug'];



/** Norm-wise relative error, per class of elements i ≡ c (mod `classes`): the largest over the
 *  classes of max|a−b| / max|b|. The gradients here have one magnitude per class (1e-2 … 1e2 by
 *  i mod 5), so a class's states and parameters share a scale; comparing each element against
 *  its own value would instead blow up wherever a value passes near zero by cancellation. */
function normRel(a: ArrayLike<number>, b: ArrayLike<number>, classes = 5): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let c = 0; c < classes; c++) {
    let d = 0, m = 0;
    for (let i = c; i < a.length; i += classes) {
      const e = Math.abs(a[i] - b[i]);
      if (!(e <= d)) d = e; // NaN wins
      m = Math.max(m, Math.abs(b[i]));
    }
    const r = d === 0 ? 0 : d / m;
    if (!(r <= worst)) worst = r;
  }
  return worst;
}

function expectBitwise(a: Float32Array, b: Float32Array, what: string): void {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length), ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < a.length; i++) if (ua[i] !== ub[i]) expect(`${what}[${i}] = ${a[i]}`).toBe(`${what}[${i}] = ${b[i]}`);
}

/** SIMD result vs scalar twin: bitwise without FMA; with relaxed FMA within `tol` (normRel, see
 *  above): a fused a·b + c differs from the rounded one by up to an ulp of the operands, which
 *  is larger than an ulp of the result where moving averages of mixed-sign gradients cancel. */
function expectTwin(core: Core, simd: Float32Array, scalar: Float32Array, what: string, tol = 1e-5): void {
  if (core.build === 'relaxed') expect(normRel(simd, scalar), what).toBeLessThanOrEqual(tol);
  else expectBitwise(simd, scalar, what);
}

// ----------------------------------------------------------------- optimizer configurations

interface OptCase { name: string; kind: 'sgd' | 'rmsprop' | 'adam'; hp: Record<string, number | boolean> }
const OPT_CASES: OptCase[] = [
  { name: 'sgd', kind: 'sgd', hp: { lr: 0.05, momentum: 0 } },
  { name: 'sgd momentum', kind: 'sgd', hp: { lr: 0.05, momentum: 0.9 } },
  { name: 'rmsprop torch', kind: 'rmsprop', hp: { lr: 0.01, decay: 0.99, momentum: 0, eps: 1e-8, floor: 0, centered: false } },
  { name: 'rmsprop momentum', kind: 'rmsprop', hp: { lr: 0.01, decay: 0.9, momentum: 0.9, eps: 1e-6, floor: 0, centered: false } },
  { name: 'rmsprop centered', kind: 'rmsprop', hp: { lr: 0.01, decay: 0.95, momentum: 0, eps: 1e-4, floor: 0, centered: true } },
  { name: 'rmsprop centered momentum', kind: 'rmsprop', hp: { lr: 0.003, decay: 0.9, momentum: 0.5, eps: 1e-5, floor: 0, centered: true } },
  { name: 'rmsprop paper (eps 0, floor 0.01)', kind: 'rmsprop', hp: { lr: 0.001, decay: 0.95, momentum: 0.9, eps: 0, floor: 0.01, centered: true } },
  { name: 'adam', kind: 'adam', hp: { lr: 0.001, beta1: 0.9, beta2: 0.999, eps: 1e-8 } },
  { name: 'adam fast', kind: 'adam', hp: { lr: 0.02, beta1: 0.8, beta2: 0.99, eps: 1e-6 } },
];

/** Optimizer state in the arena: p, and three state buffers (0 when unused). */
interface OptBufs { p: number; s: [number, number, number] }

function allocOpt(ar: Arena, c: OptCase, p0: ArrayLike<number>, sparse: boolean): OptBufs {
  const n = p0.length;
  const p = ar.put(p0);
  const z = () => ar.put(new Float32Array(n));
  const hp = c.hp;
  if (c.kind === 'sgd') return { p, s: [sparse && hp.momentum === 0 ? 0 : z(), 0, 0] };
  if (c.kind === 'rmsprop') return { p, s: [z(), sparse && !hp.centered ? 0 : z(), sparse && hp.momentum === 0 ? 0 : z()] };
  return { p, s: [z(), z(), 0] };
}

function stepOpt(core: Core, c: OptCase, b: OptBufs, g: number, n: number, step: number, scalar: boolean): void {
  const sfx = scalar ? '_scalar' : '';
  const h = c.hp as Record<string, number> & { centered?: boolean };
  if (c.kind === 'sgd') core.fn('sgd_step' + sfx)(b.p, g, b.s[0], n, h.lr, h.momentum);
  else if (c.kind === 'rmsprop') core.fn('rmsprop_step' + sfx)(b.p, g, b.s[0], b.s[1], b.s[2], n, h.lr, h.decay, h.momentum, h.eps, h.floor, h.centered ? 1 : 0);
  else core.fn('adam_step' + sfx)(b.p, g, b.s[0], b.s[1], n, h.lr, h.beta1, h.beta2, h.eps, step);
}

/** The DESIGN.md formulas in f64: returns the parameters after each step. */
function referenceTrajectory(c: OptCase, p0: ArrayLike<number>, grads: ArrayLike<number>[]): Float64Array[] {
  const n = p0.length, h = c.hp as Record<string, number> & { centered?: boolean };
  const p = Float64Array.from(p0), a = new Float64Array(n), b = new Float64Array(n), v = new Float64Array(n);
  const out: Float64Array[] = [];
  grads.forEach((g, t) => {
    const step = t + 1;
    for (let i = 0; i < n; i++) {
      if (c.kind === 'sgd') {
        v[i] = h.momentum * v[i] - h.lr * g[i];
        p[i] += v[i];
      } else if (c.kind === 'rmsprop') {
        a[i] = h.decay * a[i] + (1 - h.decay) * g[i] * g[i];
        let d: number;
        if (h.centered) { b[i] = h.decay * b[i] + (1 - h.decay) * g[i]; d = Math.sqrt(a[i] - b[i] * b[i]); } else d = Math.sqrt(a[i]);
        d = Math.max(d + h.eps, h.floor);
        v[i] = h.momentum * v[i] - h.lr * g[i] / d;
        p[i] += v[i];
      } else {
        a[i] = h.beta1 * a[i] + (1 - h.beta1) * g[i];
        b[i] = h.beta2 * b[i] + (1 - h.beta2) * g[i] * g[i];
        const mh = a[i] / (1 - h.beta1 ** step), vh = b[i] / (1 - h.beta2 ** step);
        p[i] -= h.lr * mh / (Math.sqrt(vh) + h.eps);
      }
    }
    out.push(Float64Array.from(p));
  });
  return out;
}

/** Gradients for `steps` steps over n parameters, with magnitudes 1e-2 .. 1e2 and some zeros. */
function gradSeq(n: number, steps: number, seed: number): Float32Array[] {
  const rand = filler(seed);
  return Array.from({ length: steps }, (_, t) => {
    const g = rand(n);
    for (let i = 0; i < n; i++) g[i] *= 10 ** ((i % 5) - 2);
    for (let i = t % 3; i < n; i += 7) g[i] = 0;
    return g;
  });
}

for (const build of BUILDS) {
  describe(`optim kernels (${build} build)`, () => {
    let core: Core;
    let ar: Arena;
    beforeAll(async () => { core = await loadCore(build); ar = new Arena(core); });

    it('sum_sq_f32, scale_f32, count_nonfinite_f32, count_outside_unit_f32 match their scalar twins and f64 sums', () => {
      for (const n of SIZES) {
        ar.reset();
        const x = filler(n + 1)(n, 3);
        const px = ar.put(x);
        let want = 0;
        for (const v of x) want += v * v;
        const s = core.fn('sum_sq_f32')(px, n), ss = core.fn('sum_sq_f32_scalar')(px, n);
        expect(Math.abs(s - want)).toBeLessThanOrEqual(1e-13 * Math.max(want, 1e-30));
        expect(Math.abs(ss - want)).toBeLessThanOrEqual(1e-13 * Math.max(want, 1e-30));

        const q1 = ar.put(x), q2 = ar.put(x);
        core.fn('scale_f32')(q1, n, 0.3);
        core.fn('scale_f32_scalar')(q2, n, 0.3);
        const got = ar.get(q1, n);
        expectBitwise(got, ar.get(q2, n), `scale n=${n}`);
        for (let i = 0; i < n; i++) expect(got[i]).toBe(Math.fround(x[i] * Math.fround(0.3)));

        const bad = Float32Array.from(x);
        const specials = [NaN, Infinity, -Infinity, 3.4e38, -0, 1e-45];
        let nonfinite = 0;
        for (let i = 0; i < n; i += 3) { const v = specials[(i / 3) % specials.length]; bad[i] = v; if (!Number.isFinite(v)) nonfinite++; }
        const pb = ar.put(bad);
        expect(core.fn('count_nonfinite_f32')(pb, n)).toBe(nonfinite);
        expect(core.fn('count_nonfinite_f32_scalar')(pb, n)).toBe(nonfinite);

        // count_outside_unit_f32: probabilities and masks; NaN is outside, −0, 0 and 1 inside
        const unit = Float32Array.from({ length: n }, (_, i) => [0.5, 0, 1, -0, 1.0000001, -1e-30, NaN, Infinity, 0.25][i % 9]);
        let outside = 0;
        for (const v of unit) if (!(v >= 0 && v <= 1)) outside++;
        const pu = ar.put(unit);
        expect(core.fn('count_outside_unit_f32')(pu, n), `n=${n}`).toBe(outside);
        expect(core.fn('count_outside_unit_f32_scalar')(pu, n)).toBe(outside);
      }
    });

    it('sum_sq_f32 accumulates in f64 (no f32 rounding of the total)', () => {
      ar.reset();
      const n = 4099;
      const x = new Float32Array(n).fill(1);
      x[0] = 4096;
      const px = ar.put(x);
      // 4096² + 4098 is exact in f64 and not representable in f32
      expect(core.fn('sum_sq_f32')(px, n)).toBe(4096 * 4096 + 4098);
      expect(core.fn('sum_sq_f32_scalar')(px, n)).toBe(4096 * 4096 + 4098);
    });

    for (const c of OPT_CASES) {
      it(`${c.name}: SIMD equals the scalar twin over every remainder, with and without optional buffers`, () => {
        for (const n of SIZES) for (const sparse of [false, true]) {
          ar.reset();
          const p0 = filler(7 + n)(n, 2);
          const grads = gradSeq(n, 4, 11 + n);
          const A = allocOpt(ar, c, p0, sparse), B = allocOpt(ar, c, p0, sparse);
          for (let t = 0; t < grads.length; t++) {
            const g = ar.put(grads[t]);
            stepOpt(core, c, A, g, n, t + 1, false);
            stepOpt(core, c, B, g, n, t + 1, true);
          }
          expectTwin(core, ar.get(A.p, n), ar.get(B.p, n), `${c.name} p n=${n}`);
          for (let k = 0; k < 3; k++) if (A.s[k]) expectTwin(core, ar.get(A.s[k], n), ar.get(B.s[k], n), `${c.name} state${k} n=${n}`);
        }
      });

      it(`${c.name}: follows the f64 formula of docs/DESIGN.md over 8 steps`, () => {
        ar.reset();
        const n = 37;
        const p0 = filler(3)(n, 2);
        const grads = gradSeq(n, 8, 5);
        const want = referenceTrajectory(c, p0, grads);
        for (const scalar of [false, true]) {
          const b = allocOpt(ar, c, p0, false);
          grads.forEach((g, t) => {
            stepOpt(core, c, b, ar.put(g), n, t + 1, scalar);
            // f32 against f64: a few ulps per step
            expect(normRel(ar.get(b.p, n), want[t]), `${c.name} step ${t + 1} scalar=${scalar}`).toBeLessThanOrEqual(1e-6);
          });
        }
      });
    }

    describe('against PyTorch 1.13 (tests/fixtures/optim_golden.json)', () => {
      interface Golden {
        torch: string; n: number; steps: number; p0: number[]; grads: number[][];
        cases: { name: string; kind: 'sgd' | 'rmsprop' | 'adam'; hp: Record<string, number | boolean>; params: number[][]; state: Record<string, number[]>[] }[];
      }
      const golden: Golden = JSON.parse(readFileSync(new URL('./fixtures/optim_golden.json', import.meta.url), 'utf8'));

      it('covers SGD, momentum, RMSprop plain/momentum/centered and Adam', () => {
        expect(golden.cases.map((c) => c.name)).toEqual(['sgd', 'sgd_momentum', 'rmsprop', 'rmsprop_momentum',
          'rmsprop_centered', 'rmsprop_centered_momentum', 'adam', 'adam_fast']);
        expect(golden.n % 4).not.toBe(0);
      });

      for (const gc of golden.cases) {
        it(`${gc.name} reproduces torch.optim step by step (params and state)`, () => {
          const n = golden.n;
          const hp = gc.hp as Record<string, number> & { centered?: boolean; alpha?: number };
          // torch's names → ours: RMSprop alpha is our decay; PyTorch has no floor (0)
          const c: OptCase = gc.kind === 'rmsprop'
            ? { name: gc.name, kind: 'rmsprop', hp: { lr: hp.lr, decay: hp.alpha!, momentum: hp.momentum, eps: hp.eps, floor: 0, centered: !!hp.centered } }
            : { name: gc.name, kind: gc.kind, hp };
          for (const scalar of [false, true]) {
            ar.reset();
            const b = allocOpt(ar, c, golden.p0, false);
            for (let t = 0; t < golden.steps; t++) {
              stepOpt(core, c, b, ar.put(golden.grads[t]), n, t + 1, scalar);
              const tag = `${gc.name} step ${t + 1}${scalar ? ' scalar' : ''}`;
              expect(normRel(ar.get(b.p, n), gc.params[t]), tag).toBeLessThanOrEqual(1e-6);
              const st = gc.state[t];
              if (gc.kind === 'rmsprop') {
                expect(normRel(ar.get(b.s[0], n), st.square_avg), `${tag} square_avg`).toBeLessThanOrEqual(1e-6);
                if (hp.centered) expect(normRel(ar.get(b.s[1], n), st.grad_avg), `${tag} grad_avg`).toBeLessThanOrEqual(1e-6);
              } else if (gc.kind === 'adam') {
                expect(normRel(ar.get(b.s[0], n), st.exp_avg), `${tag} exp_avg`).toBeLessThanOrEqual(1e-6);
                expect(normRel(ar.get(b.s[1], n), st.exp_avg_sq), `${tag} exp_avg_sq`).toBeLessThanOrEqual(1e-6);
              }
            }
          }
        });
      }
    });
  });
}

// ----------------------------------------------------------------------------- randomness

const MASK64 = (1n << 64n) - 1n;

/** State words of rng_seed for a 64-bit seed, by splitmix64 written out here. */
function seedWords(seed: bigint): number[] {
  let x = seed;
  const next = (): bigint => {
    x = (x + 0x9e3779b97f4a7c15n) & MASK64;
    let z = x;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
    return z ^ (z >> 31n);
  };
  const a = next(), b = next();
  return [Number(a & 0xffffffffn), Number(a >> 32n), Number(b & 0xffffffffn), Number(b >> 32n)];
}

/** xoshiro128** written out here: returns a draw function over a copy of the state. */
function xoshiro(words: number[]): () => number {
  let [s0, s1, s2, s3] = words.map((w) => w >>> 0);
  const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;
  return () => {
    const r = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    s2 = (s2 ^ s0) >>> 0; s3 = (s3 ^ s1) >>> 0; s1 = (s1 ^ s2) >>> 0; s0 = (s0 ^ s3) >>> 0;
    s2 = (s2 ^ t) >>> 0; s3 = rotl(s3, 11);
    return r;
  };
}

/** The normal stream as documented in rng_normal_f32.ts, in f64 from the same draws. */
function normalsReference(words: number[], n: number): Float64Array {
  const draw = xoshiro(words), out = new Float64Array(n);
  for (let i = 0; i < n; i += 8) {
    const r = Array.from({ length: 8 }, draw);
    for (let j = 0; j < 8 && i + j < n; j++) {
      const k = j & 3;
      const u1 = ((r[k] >>> 8) + 1) / 16777216, u2 = (r[4 + k] >>> 8) / 16777216;
      const R = Math.sqrt(-2 * Math.log(u1)), th = 2 * Math.PI * u2;
      out[i + j] = j < 4 ? R * Math.cos(th) : R * Math.sin(th);
    }
  }
  return out;
}

function moments(x: ArrayLike<number>): { mean: number; std: number; within1: number; skew: number; kurt: number } {
  const n = x.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i];
  const mean = s / n;
  let m2 = 0, m3 = 0, m4 = 0, w = 0;
  for (let i = 0; i < n; i++) { const d = x[i] - mean; m2 += d * d; m3 += d * d * d; m4 += d * d * d * d; }
  const std = Math.sqrt(m2 / n);
  for (let i = 0; i < n; i++) if (Math.abs(x[i] - mean) < std) w++;
  return { mean, std, within1: w / n, skew: m3 / n / std ** 3, kurt: m4 / n / std ** 4 };
}

for (const build of BUILDS) {
  describe(`random kernels (${build} build)`, () => {
    let core: Core;
    let ar: Arena;
    beforeAll(async () => { core = await loadCore(build); ar = new Arena(core); });

    const seedState = (lo: number, hi: number): number => {
      const st = ar.alloc(4);
      core.fn('rng_seed')(st, lo, hi);
      return st;
    };

    it('rng_seed expands the 64-bit seed with splitmix64, as bindings/data/rng.ts does', () => {
      ar.reset();
      for (const seed of [0n, 1n, 42n, 0xdeadbeefn, 0x123456789abcdefn, MASK64]) {
        const st = seedState(Number(seed & 0xffffffffn), Number(seed >> 32n));
        const got = Array.from(core.u32(st, 4));
        expect(got).toEqual(seedWords(seed));
        expect(got).toEqual(Array.from(new Rng(seed).state()));
      }
    });

    it('fill_uniform_f32 on [0, 1) is exactly the top 24 bits of the xoshiro128** draws', () => {
      for (const n of RNG_SIZES) {
        ar.reset();
        const st = seedState(12345, 678);
        const words = Array.from(core.u32(st, 4));
        const d = ar.alloc(n);
        core.fn('fill_uniform_f32')(d, n, 0, 1, st);
        const draw = xoshiro(words);
        const got = ar.get(d, n);
        for (let i = 0; i < n; i++) expect(got[i]).toBe((draw() >>> 8) / 16777216);
        // the state advanced by exactly n draws: the next value continues the stream
        const one = ar.alloc(1);
        core.fn('fill_uniform_f32')(one, 1, 0, 1, st);
        expect(ar.get(one, 1)[0]).toBe((draw() >>> 8) / 16777216);
      }
    });

    it('fill_uniform_f32 SIMD equals its scalar twin and respects [lo, hi]', () => {
      for (const n of RNG_SIZES) {
        ar.reset();
        const s1 = seedState(9, 0), s2 = seedState(9, 0);
        const a = ar.alloc(n), b = ar.alloc(n);
        core.fn('fill_uniform_f32')(a, n, -0.08, 0.08, s1);
        core.fn('fill_uniform_f32_scalar')(b, n, -0.08, 0.08, s2);
        expectTwin(core, ar.get(a, n), ar.get(b, n), `uniform n=${n}`);
        expect(Array.from(core.u32(s1, 4))).toEqual(Array.from(core.u32(s2, 4)));
      }
      ar.reset();
      const n = 100_000, st = seedState(2024, 7), d = ar.alloc(n);
      const lo = Math.fround(-3.5), hi = Math.fround(1.25);
      core.fn('fill_uniform_f32')(d, n, lo, hi, st);
      const x = ar.get(d, n);
      let mn = Infinity, mx = -Infinity;
      for (const v of x) { mn = Math.min(mn, v); mx = Math.max(mx, v); }
      expect(mn).toBeGreaterThanOrEqual(lo);
      expect(mx).toBeLessThanOrEqual(hi);
      expect(mn).toBeLessThan(lo + 1e-3 * (hi - lo));
      expect(mx).toBeGreaterThan(hi - 1e-3 * (hi - lo));
      const m = moments(x);
      // uniform: mean (lo+hi)/2 ± 5 standard errors, std (hi−lo)/√12 within 1 %
      const sd = (hi - lo) / Math.sqrt(12);
      expect(Math.abs(m.mean - (lo + hi) / 2)).toBeLessThan(5 * sd / Math.sqrt(n));
      expect(Math.abs(m.std / sd - 1)).toBeLessThan(0.01);
    });

    it('same seed gives the same stream, different seeds (either half) differ', () => {
      ar.reset();
      const n = 1000;
      const run = (lo: number, hi: number, kernel: string): Float32Array => {
        const st = seedState(lo, hi), d = ar.alloc(n);
        if (kernel === 'fill_normal_f32') core.fn(kernel)(d, n, 0, 1, st); else core.fn(kernel)(d, n, 0, 1, st);
        return ar.get(d, n);
      };
      for (const k of ['fill_normal_f32', 'fill_uniform_f32']) {
        const a = run(1, 0, k);
        expectBitwise(run(1, 0, k), a, k);
        for (const [lo, hi] of [[2, 0], [0, 1], [1, 1]]) {
          const b = run(lo, hi, k);
          let same = 0;
          for (let i = 0; i < n; i++) if (a[i] === b[i]) same++;
          expect(same, `${k} seeds (1,0) vs (${lo},${hi})`).toBeLessThan(5);
        }
      }
      // a second call continues the stream instead of repeating it
      const st = seedState(5, 5), d1 = ar.alloc(n), d2 = ar.alloc(n);
      core.fn('fill_normal_f32')(d1, n, 0, 1, st);
      core.fn('fill_normal_f32')(d2, n, 0, 1, st);
      const x1 = ar.get(d1, n), x2 = ar.get(d2, n);
      let same = 0;
      for (let i = 0; i < n; i++) if (x1[i] === x2[i]) same++;
      expect(same).toBeLessThan(5);
    });

    it('fill_normal_f32 is the documented Box–Muller stream (f64 recomputation from the same draws)', () => {
      for (const n of RNG_SIZES) for (const scalar of [false, true]) {
        ar.reset();
        const st = seedState(777, 3);
        const words = Array.from(core.u32(st, 4));
        const d = ar.alloc(n);
        const mean = 0.25, std = 1.5;
        core.fn(scalar ? 'fill_normal_f32_scalar' : 'fill_normal_f32')(d, n, mean, std, st);
        const z = normalsReference(words, n), got = ar.get(d, n);
        for (let i = 0; i < n; i++) {
          // the SIMD polynomials: |Δz| ≲ 1e-6·(1 + |z|); the affine map adds an f32 rounding
          expect(Math.abs(got[i] - (mean + std * z[i])), `n=${n} i=${i} scalar=${scalar}`).toBeLessThanOrEqual(3e-6 * (1 + Math.abs(z[i])) * std + 1e-7);
        }
        // 8 draws per block of 8 (a partial block too)
        const draw = xoshiro(words);
        for (let i = 0; i < Math.ceil(n / 8) * 8; i++) draw();
        const next = ar.alloc(1);
        core.fn('fill_uniform_f32')(next, 1, 0, 1, st);
        expect(ar.get(next, 1)[0]).toBe((draw() >>> 8) / 16777216);
      }
    });

    it('fill_normal_f32 and weight_noise_f32 SIMD match their scalar twins', () => {
      for (const n of RNG_SIZES) {
        ar.reset();
        const sa = seedState(31, 4), sb = seedState(31, 4);
        const a = ar.alloc(n), b = ar.alloc(n);
        core.fn('fill_normal_f32')(a, n, -1, 0.5, sa);
        core.fn('fill_normal_f32_scalar')(b, n, -1, 0.5, sb);
        const x = ar.get(a, n), y = ar.get(b, n);
        for (let i = 0; i < n; i++) expect(Math.abs(x[i] - y[i])).toBeLessThanOrEqual(3e-6 * (1 + Math.abs(y[i])));
        expect(Array.from(core.u32(sa, 4))).toEqual(Array.from(core.u32(sb, 4)));

        const src = filler(n + 3)(n);
        const ps = ar.put(src), wa = ar.alloc(n), wb = ar.alloc(n);
        core.fn('weight_noise_f32')(wa, ps, n, 0.075, sa);
        core.fn('weight_noise_f32_scalar')(wb, ps, n, 0.075, sb);
        const u = ar.get(wa, n), v = ar.get(wb, n);
        for (let i = 0; i < n; i++) expect(Math.abs(u[i] - v[i])).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(v[i])));
      }
    });

    // From 1024 values on, the kernels draw four stretches of the stream at once from jumped-ahead
    // states (rng_jump_matrix). Pieces of 256 values are drawn in one stretch, so the two must
    // agree bit for bit, and leave the same state; 12 sizes also cycle the 8-slot jump cache.
    it('the four-lane draws of a long call are the one-stretch stream, bit for bit', () => {
      const sizes = [1024, 1031, 2053, 4096, 5003, 8192 + 5, 12672, 5184, 18800, 20000, 33 * 1024 + 7, 65536];
      for (const round of [0, 1]) for (const n of sizes) for (const kernel of ['fill_normal_f32', 'weight_noise_f32']) {
        ar.reset();
        const sa = seedState(97 + n, round), sb = seedState(97 + n, round);
        const src = ar.put(filler(n + 1)(n)), a = ar.alloc(n), b = ar.alloc(n);
        if (kernel === 'fill_normal_f32') core.fn(kernel)(a, n, 0.5, 2, sa); else core.fn(kernel)(a, src, n, 0.075, sa);
        for (let i = 0; i < n; i += 256) {
          const m = Math.min(256, n - i);
          if (kernel === 'fill_normal_f32') core.fn(kernel)(b + 4 * i, m, 0.5, 2, sb); else core.fn(kernel)(b + 4 * i, src + 4 * i, m, 0.075, sb);
        }
        expectBitwise(ar.get(a, n), ar.get(b, n), `${kernel} n=${n} round ${round}`);
        expect(Array.from(core.u32(sa, 4)), `${kernel} n=${n}: state after`).toEqual(Array.from(core.u32(sb, 4)));
      }
    });

    it('normal draws have mean 0, std 1, the Gaussian shape, and are uncorrelated (1e5 draws)', () => {
      ar.reset();
      const n = 100_000;
      const st = seedState(20141211, 0), d = ar.alloc(n);
      core.fn('fill_normal_f32')(d, n, 0, 1, st);
      const x = ar.get(d, n);
      const m = moments(x);
      // standard errors: mean 1/√n = 0.0032, std 1/√(2n) = 0.0022, skew √(6/n) = 0.0077,
      // kurtosis √(24/n) = 0.015, P(|z| < 1) √(0.68·0.32/n) = 0.0015; allow ~5 of them
      expect(Math.abs(m.mean)).toBeLessThan(0.016);
      expect(Math.abs(m.std - 1)).toBeLessThan(0.011);
      expect(Math.abs(m.skew)).toBeLessThan(0.04);
      expect(Math.abs(m.kurt - 3)).toBeLessThan(0.08);
      expect(Math.abs(m.within1 - 0.682689)).toBeLessThan(0.0075);
      // the cos and sin halves of a block come from the same (u1, u2): they must be uncorrelated
      for (const lag of [1, 4]) {
        let c = 0;
        for (let i = 0; i + lag < n; i++) c += x[i] * x[i + lag];
        expect(Math.abs(c / (n - lag)), `lag ${lag}`).toBeLessThan(0.016);
      }
      let mx = 0;
      for (const v of x) mx = Math.max(mx, Math.abs(v));
      expect(mx).toBeLessThanOrEqual(Math.sqrt(48 * Math.LN2) + 1e-5);
      expect(mx).toBeGreaterThan(3.5);
    });

    it('weight_noise_f32 adds σ·N(0,1) to src, in place too', () => {
      ar.reset();
      const n = 100_000, sigma = 0.075;
      const src = filler(99)(n);
      const ps = ar.put(src), pd = ar.alloc(n);
      const s1 = seedState(8, 8), s2 = seedState(8, 8);
      core.fn('weight_noise_f32')(pd, ps, n, sigma, s1);
      expectBitwise(ar.get(ps, n), src, 'src untouched');
      const out = ar.get(pd, n), diff = new Float64Array(n);
      for (let i = 0; i < n; i++) diff[i] = (out[i] - src[i]) / sigma;
      const m = moments(diff);
      expect(Math.abs(m.mean)).toBeLessThan(0.016);
      expect(Math.abs(m.std - 1)).toBeLessThan(0.011);
      core.fn('weight_noise_f32')(ps, ps, n, sigma, s2);  // in place, same seed: same result
      expectBitwise(ar.get(ps, n), out, 'in place');
    });
  });
}

describe('contracts (debug build)', () => {
  let core: Core;
  let ar: Arena;
  beforeAll(async () => { core = await loadCore('debug'); ar = new Arena(core); });

  it('rejects tensors outside memory, a missing momentum/centered buffer and Adam step 0', () => {
    const p = ar.alloc(8), g = ar.alloc(8), s = ar.alloc(8);
    const end = core.memory.buffer.byteLength;
    expect(() => core.fn('sgd_step')(end - 8, g, s, 8, 0.1, 0.9)).toThrow(KernelError);
    expect(() => core.fn('sgd_step')(p, g, 0, 8, 0.1, 0.9)).toThrow(/momentum needs a velocity buffer/);
    expect(() => core.fn('rmsprop_step')(p, g, s, 0, 0, 8, 0.1, 0.9, 0, 1e-8, 0, 1)).toThrow(/centered needs an mg buffer/);
    expect(() => core.fn('adam_step')(p, g, s, s, 8, 0.1, 0.9, 0.999, 1e-8, 0)).toThrow(/step counts from 1/);
    expect(() => core.fn('sum_sq_f32')(p, -1)).toThrow(KernelError);
    expect(() => core.fn('fill_normal_f32')(end - 16, 8, 0, 1, s)).toThrow(KernelError);
    expect(() => core.fn('weight_noise_f32')(p, 0, 8, 0.1, s)).toThrow(/src is required/);
    // the valid calls pass
    core.fn('rng_seed')(s, 1, 0);
    core.fn('sgd_step')(p, g, 0, 8, 0.1, 0);
    core.fn('rmsprop_step')(p, g, s, 0, 0, 8, 0.1, 0.9, 0, 1e-8, 0, 0);
  });
});
