// Output-head kernels of assembly/head against a plain f64 computation written here and
// against their scalar twins, over sizes that hit every SIMD remainder (O ∈ SIZES), with
// extreme logits (±100, ±30), targets in {0, 1} and fractional, masks with zeros (and mask
// pointer 0 = all ones), loss-only calls (dz = 0), bad labels and guard words around every
// output, in the relaxed, plain SIMD and debug builds.
import { describe, it, expect, beforeAll } from 'vitest';
import { loadCore } from '../bindings/core-node.js';
import type { Core, BuildKind } from '../bindings/wasm.js';
import { KernelError } from '../bindings/errors.js';
import { filler, Arena, GUARD } from './helpers/kernel.js';

const SIZES = [0, 1, 3, 4, 5, 7, 8, 9, 33, 1000];
const BUILDS: BuildKind[] = ['relaxed', 'simd', 'debug'];



function expectBitwise(a: Float32Array, b: Float32Array, what: string): void {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length), ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < a.length; i++) if (ua[i] !== ub[i]) expect(`${what}[${i}] = ${a[i]}`).toBe(`${what}[${i}] = ${b[i]}`);
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, atol: number, rtol: number, what: string): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < got.length; i++) {
    const ok = Math.abs(got[i] - want[i]) <= atol + rtol * Math.abs(want[i]) || (Number.isNaN(got[i]) && Number.isNaN(want[i]));
    if (!ok) expect(`${what}[${i}] = ${got[i]}`).toBe(`${what}[${i}] ≈ ${want[i]}`);
  }
}

// ------------------------------------------------------------------- f64 reference heads

function softplus(z: number): number { return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))); }
function sigmoid(z: number): number { return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)); }

/** Loss, Σ of |terms| (for the tolerance) and dz of the Bernoulli head, in f64. */
function bernoulliRef(z: ArrayLike<number>, y: ArrayLike<number>, mask: ArrayLike<number> | null, N: number, O: number) {
  let loss = 0, mag = 0;
  const dz = new Float64Array(N * O);
  for (let i = 0; i < N; i++) {
    const m = mask ? mask[i] : 1;
    if (m === 0) continue;
    for (let o = 0; o < O; o++) {
      const k = i * O + o;
      const l = softplus(z[k]) - y[k] * z[k];
      loss += m * l;
      mag += Math.abs(m) * (Math.abs(z[k]) + Math.log(2));
      dz[k] = m * (sigmoid(z[k]) - y[k]);
    }
  }
  return { loss, mag, dz };
}

function softmaxRef(z: ArrayLike<number>, N: number, O: number): Float64Array {
  const p = new Float64Array(N * O);
  for (let i = 0; i < N; i++) {
    let mx = -Infinity;
    for (let o = 0; o < O; o++) mx = Math.max(mx, z[i * O + o]);
    let s = 0;
    for (let o = 0; o < O; o++) s += Math.exp(z[i * O + o] - mx);
    for (let o = 0; o < O; o++) p[i * O + o] = Math.exp(z[i * O + o] - mx) / s;
  }
  return p;
}

function xentRef(z: ArrayLike<number>, labels: ArrayLike<number>, mask: ArrayLike<number> | null, N: number, O: number) {
  const p = softmaxRef(z, N, O);
  let loss = 0, mag = 0;
  const dz = new Float64Array(N * O);
  for (let i = 0; i < N; i++) {
    const m = mask ? mask[i] : 1;
    if (m === 0) continue;
    let mx = -Infinity;
    for (let o = 0; o < O; o++) mx = Math.max(mx, z[i * O + o]);
    let s = 0;
    for (let o = 0; o < O; o++) s += Math.exp(z[i * O + o] - mx);
    loss += m * (mx + Math.log(s) - z[i * O + labels[i]]);
    mag += Math.abs(m) * (Math.abs(mx) + Math.abs(z[i * O + labels[i]]) + Math.log(s) + 1);
    for (let o = 0; o < O; o++) dz[i * O + o] = m * (p[i * O + o] - (o === labels[i] ? 1 : 0));
  }
  return { loss, mag, dz };
}

/** Logits that mix ordinary values with extreme ones (±100, ±30, 0). */
function logits(n: number, seed: number): Float32Array {
  const z = filler(seed)(n, 6);
  const extremes = [100, -100, 30, -30, 0, 17.5, -88, 90];
  for (let i = seed % 5; i < n; i += 5) z[i] = extremes[(i / 5 | 0) % extremes.length];
  return z;
}

function maskFor(N: number, seed: number): Float32Array {
  const m = new Float32Array(N).fill(1);
  for (let i = seed % 3; i < N; i += 3) m[i] = 0;      // padding rows
  for (let i = 1; i < N; i += 7) m[i] = 0.5;           // fractional weight
  return m;
}

const SHAPES: Array<[number, number]> = [];
for (const O of SIZES) for (const N of [1, 3, 6]) SHAPES.push([N, O]);
SHAPES.push([0, 5], [64, 88], [32, 46]);

for (const build of BUILDS) {
  describe(`head kernels (${build} build)`, () => {
    let core: Core;
    let ar: Arena;
    beforeAll(async () => { core = await loadCore(build); ar = new Arena(core, true); });

    it('bias_rows_f32 fills every row (leaving the padding of ldc alone); the scalar twin agrees bitwise', () => {
      for (const N of SIZES) for (const M of [0, 1, 3, 5]) for (const pad of [0, 3]) {
        ar.reset();
        const ldc = N + pad;
        const b = filler(N + 1)(N), start = filler(M + 2)(M * ldc + 1);
        const C1 = ar.put(start), C2 = ar.put(start), pb = ar.put(b);
        core.fn('bias_rows_f32')(C1, ldc, pb, M, N);
        core.fn('bias_rows_f32_scalar')(C2, ldc, pb, M, N);
        const got = ar.get(C1, M * ldc + 1);
        expectBitwise(got, ar.get(C2, M * ldc + 1), 'bias_rows');
        const want = Float32Array.from(start);
        for (let i = 0; i < M; i++) for (let n = 0; n < N; n++) want[i * ldc + n] = b[n];
        expectBitwise(got, want, `bias_rows M=${M} N=${N} ldc=${ldc}`);
        expect(ar.guardsIntact()).toBe(true);
      }
    });

    it('colsum_f32 adds column sums into db; the scalar twin agrees bitwise', () => {
      for (const N of SIZES) for (const M of [0, 1, 3, 5, 100]) for (const pad of [0, 5]) {
        ar.reset();
        const lda = N + pad;
        const A = filler(N * 31 + M)(Math.max(M * lda, 1)), db0 = filler(N + 9)(N);
        const pA = ar.put(A), d1 = ar.put(db0), d2 = ar.put(db0);
        core.fn('colsum_f32')(d1, pA, lda, M, N);
        core.fn('colsum_f32_scalar')(d2, pA, lda, M, N);
        const got = ar.get(d1, N);
        expectBitwise(got, ar.get(d2, N), `colsum M=${M} N=${N}`);
        const want = new Float64Array(N);
        for (let n = 0; n < N; n++) { let s = 0; for (let i = 0; i < M; i++) s += A[i * lda + n]; want[n] = db0[n] + s; }
        expectClose(got, want, 1e-6 * (M + 1), 1e-6, `colsum M=${M} N=${N}`);
        expect(ar.guardsIntact()).toBe(true);
      }
    });

    it('bernoulli_nll: loss and dz match f64 for extreme logits, binary and fractional targets, masks', () => {
      for (const [N, O] of SHAPES) for (const targets of ['binary', 'fractional'] as const) for (const masked of [false, true]) {
        ar.reset();
        const n = N * O, seed = N * 131 + O;
        const z = logits(n, seed);
        const y = targets === 'binary'
          ? Float32Array.from(filler(seed + 1)(n), (v) => (v > 0 ? 1 : 0))
          : Float32Array.from(filler(seed + 1)(n), (v) => Math.abs(v));
        const mask = masked ? maskFor(N, seed) : null;
        const pz = ar.put(z), py = ar.put(y), pm = mask ? ar.put(mask) : 0;
        const want = bernoulliRef(z, y, mask, N, O);
        for (const fn of ['bernoulli_nll', 'bernoulli_nll_scalar']) {
          const pdz = ar.put(new Float32Array(n).fill(7));
          const tag = `${fn} N=${N} O=${O} ${targets} masked=${masked}`;
          const loss = core.fn(fn)(pdz, pz, py, pm, N, O);
          expect(Math.abs(loss - want.loss), tag).toBeLessThanOrEqual(1e-6 * want.mag + 1e-12);
          expectClose(ar.get(pdz, n), want.dz, 1e-7, 2e-6, tag);
          // loss only: same loss, nothing written
          expect(core.fn(fn)(0, pz, py, pm, N, O)).toBe(loss);
        }
        expect(ar.guardsIntact()).toBe(true);
      }
    });

    it('bernoulli_nll: saturated logits give exact zero gradient and the right loss', () => {
      ar.reset();
      const z = [100, -100, 100, -100, 30, -30, 0, 0];
      const y = [1, 0, 0, 1, 1, 0, 1, 0.25];
      const pz = ar.put(z), py = ar.put(y), pdz = ar.alloc(8);
      for (const fn of ['bernoulli_nll', 'bernoulli_nll_scalar']) {
        const loss = core.fn(fn)(pdz, pz, py, 0, 1, 8);
        const want = bernoulliRef(z, y, null, 1, 8);
        expect(loss).toBeCloseTo(200 + 2 * Math.log(2) + 2 * 9.357622968839299e-14, 7); // f32 terms: ±2e-8
        expect(Math.abs(loss - want.loss)).toBeLessThan(1e-8);
        const dz = ar.get(pdz, 8);
        expect(dz[0]).toBe(0); expect(Math.abs(dz[1])).toBeLessThan(1e-40); // σ(−100) = 3.7e-44 (subnormal) or flushed
        expect(dz[2]).toBe(1); expect(dz[3]).toBe(-1);
        expect(dz[6]).toBe(-0.5); expect(dz[7]).toBe(0.25);
      }
    });

    it('bernoulli_nll: rows with mask 0 add nothing and get dz = 0 even with NaN logits', () => {
      ar.reset();
      const N = 3, O = 9;
      const z = logits(N * O, 4), y = new Float32Array(N * O).fill(1);
      for (let o = 0; o < O; o++) { z[O + o] = NaN; y[O + o] = NaN; }
      const mask = [1, 0, 0.5];
      const pz = ar.put(z), py = ar.put(y), pm = ar.put(mask);
      const want = bernoulliRef(z, y, mask, N, O);
      for (const fn of ['bernoulli_nll', 'bernoulli_nll_scalar']) {
        const pdz = ar.put(new Float32Array(N * O).fill(3));
        const loss = core.fn(fn)(pdz, pz, py, pm, N, O);
        expect(Math.abs(loss - want.loss)).toBeLessThanOrEqual(1e-6 * want.mag);
        const dz = ar.get(pdz, N * O);
        for (let o = 0; o < O; o++) expect(dz[O + o]).toBe(0);
        // an unmasked NaN logit makes the loss NaN (the trainer's divergence check sees it)
        expect(core.fn(fn)(0, pz, py, 0, N, O)).toBeNaN();
      }
    });

    it('softmax_rows_f32: probabilities match f64 (in place too); the scalar twin agrees', () => {
      for (const [N, O] of SHAPES) {
        ar.reset();
        const n = N * O, z = logits(n, N * 7 + O);
        const pz = ar.put(z), want = softmaxRef(z, N, O);
        for (const fn of ['softmax_rows_f32', 'softmax_rows_f32_scalar']) {
          const py = ar.alloc(n);
          core.fn(fn)(py, pz, N, O);
          const p = ar.get(py, n);
          expectClose(p, want, 1e-7, 2e-6, `${fn} N=${N} O=${O}`);
          for (let i = 0; i < N; i++) {
            let s = 0;
            for (let o = 0; o < O; o++) s += p[i * O + o];
            if (O > 0) expect(Math.abs(s - 1)).toBeLessThan(1e-5);
          }
          const inPlace = ar.put(z);
          core.fn(fn)(inPlace, inPlace, N, O);
          expectBitwise(ar.get(inPlace, n), p, `${fn} in place`);
        }
        expect(ar.guardsIntact()).toBe(true);
      }
    });

    it('softmax_xent: loss and dz match f64 for extreme logits and masks, loss-only calls agree', () => {
      for (const [N, O] of SHAPES) {
        if (O === 0) continue;
        for (const masked of [false, true]) {
          ar.reset();
          const n = N * O, seed = N * 17 + O;
          const z = logits(n, seed);
          const labels = Array.from(filler(seed + 3)(N), (v) => Math.floor(Math.abs(v) * O) % O);
          if (N > 0) labels[0] = O - 1;
          const mask = masked ? maskFor(N, seed) : null;
          const pz = ar.put(z), pl = ar.putI32(labels), pm = mask ? ar.put(mask) : 0;
          const want = xentRef(z, labels, mask, N, O);
          for (const fn of ['softmax_xent', 'softmax_xent_scalar']) {
            const tag = `${fn} N=${N} O=${O} masked=${masked}`;
            const pdz = ar.put(new Float32Array(n).fill(7));
            const loss = core.fn(fn)(pdz, pz, pl, pm, N, O);
            expect(Math.abs(loss - want.loss), tag).toBeLessThanOrEqual(1e-6 * want.mag + 1e-12);
            expectClose(ar.get(pdz, n), want.dz, 1e-7, 2e-6, tag);
            expect(core.fn(fn)(0, pz, pl, pm, N, O)).toBe(loss);
          }
          expect(ar.guardsIntact()).toBe(true);
        }
      }
    });

    it('softmax_xent: a bad label gives NaN loss and a NaN dz row, never touching memory outside', () => {
      const N = 4, O = 5;
      for (const bad of [-1, O, O + 1000, -2147483648, 2147483647]) for (const fn of ['softmax_xent', 'softmax_xent_scalar']) {
        ar.reset();
        const z = logits(N * O, 3);
        const labels = [0, bad, 4, 2];
        const pz = ar.put(z), pl = ar.putI32(labels), pdz = ar.put(new Float32Array(N * O));
        const loss = core.fn(fn)(pdz, pz, pl, 0, N, O);
        expect(loss).toBeNaN();
        const dz = ar.get(pdz, N * O);
        const good = xentRef(z, [0, 0, 4, 2], null, N, O).dz;
        for (let o = 0; o < O; o++) {
          expect(dz[O + o]).toBeNaN();
          expect(Math.abs(dz[o] - good[o])).toBeLessThan(1e-6);       // the other rows are unaffected
          expect(Math.abs(dz[3 * O + o] - good[3 * O + o])).toBeLessThan(1e-6);
        }
        expect(core.fn(fn)(0, pz, pl, 0, N, O)).toBeNaN();
        // the same bad label on a masked-out (padding) row is ignored entirely
        const pm = ar.put([1, 0, 1, 1]);
        const masked = core.fn(fn)(pdz, pz, pl, pm, N, O);
        const want = xentRef(z, [0, 0, 4, 2], [1, 0, 1, 1], N, O);
        expect(Math.abs(masked - want.loss)).toBeLessThan(1e-5);
        expect(Array.from(ar.get(pdz + O * 4, O))).toEqual(new Array(O).fill(0));
        expect(ar.guardsIntact()).toBe(true);
      }
    });

    it('dz is the gradient of the returned loss (central differences of the f64 loss, masks included)', () => {
      ar.reset();
      const N = 4, O = 6, n = N * O;
      const z = filler(21)(n, 3), y = Float32Array.from(filler(22)(n), (v) => Math.abs(v));
      const labels = [5, 0, 3, 1], mask = [1, 0.5, 0, 1];
      const pz = ar.put(z), py = ar.put(y), pl = ar.putI32(labels), pm = ar.put(mask);
      const heads: Array<[string, (zz: Float64Array) => number, number]> = [
        ['bernoulli_nll', (zz) => bernoulliRef(zz, y, mask, N, O).loss, py],
        ['softmax_xent', (zz) => xentRef(zz, labels, mask, N, O).loss, pl],
      ];
      for (const [fn, lossOf, target] of heads) {
        const pdz = ar.alloc(n);
        core.fn(fn)(pdz, pz, target, pm, N, O);
        const dz = ar.get(pdz, n), zz = Float64Array.from(z), h = 1e-5;
        for (let k = 0; k < n; k++) {
          const z0 = zz[k];
          zz[k] = z0 + h; const lp = lossOf(zz);
          zz[k] = z0 - h; const lm = lossOf(zz);
          zz[k] = z0;
          expect(Math.abs(dz[k] - (lp - lm) / (2 * h)), `${fn} dz[${k}]`).toBeLessThan(1e-6);
        }
      }
    });

    it('softmax_xent with O = 0: every unmasked label is out of range', () => {
      ar.reset();
      const pl = ar.putI32([0, 0]), pz = ar.alloc(0), pm = ar.put([0, 1]);
      expect(core.fn('softmax_xent')(0, pz, pl, pm, 2, 0)).toBeNaN();
      expect(core.fn('softmax_xent')(0, pz, pl, ar.put([0, 0]), 2, 0)).toBe(0);
    });
  });
}

describe('head contracts (debug build)', () => {
  it('rejects buffers outside memory and inconsistent dims', async () => {
    const core = await loadCore('debug');
    const ar = new Arena(core, true);
    const z = ar.alloc(16), y = ar.alloc(16), dz = ar.alloc(16);
    const end = core.memory.buffer.byteLength;
    expect(() => core.fn('bernoulli_nll')(dz, end - 16, y, 0, 4, 4)).toThrow(KernelError);
    expect(() => core.fn('softmax_xent')(end - 8, z, y, 0, 4, 4)).toThrow(KernelError);
    expect(() => core.fn('bias_rows_f32')(z, 2, y, 4, 4)).toThrow(/bad dims/);
    expect(() => core.fn('colsum_f32')(dz, z, 4, -1, 4)).toThrow(/bad dims/);
    expect(() => core.fn('softmax_rows_f32')(z, y, -1, 4)).toThrow(KernelError);
    expect(core.fn('bernoulli_nll')(dz, z, y, 0, 4, 4)).toBeTypeOf('number');
  });
});
