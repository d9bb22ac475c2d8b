// GEMM kernels: every tiled kernel against its scalar twin, the plain reference and an f64
// product computed here, over shapes that hit every remainder (M % 4, N % 8, K below / at /
// above the tile), with leading dimensions larger than the row and accumulation into a
// non-zero C; in the plain SIMD build (mul+add: bitwise equal to the reference), the relaxed
// build (fused multiply-add: close to it) and the debug build (contracts checked at entry).
import { describe, it, expect, beforeAll } from 'vitest';
import { loadCore } from '../bindings/core-node.js';
import type { Core, BuildKind } from '../bindings/wasm.js';
import { KernelError } from '../bindings/errors.js';
import { filler, Arena } from './helpers/kernel.js';

const SIZES = [1, 3, 4, 5, 7, 8, 9, 33, 36, 46, 100];
const K_SIZES = [1, 3, 4, 5, 8, 9, 36, 100];
/** Training and inference shapes of the models (M × K · K × N). */
const REAL_NN: Array<[number, number, number]> = [
  [32, 144, 88], [32, 144, 36], [32, 138, 46], [1, 144, 36], [1, 138, 46], [1, 400, 100],
  [32, 400, 100], [2, 144, 36], [3, 138, 46], [32, 780, 195], [1, 780, 195],
];
/** Weight-gradient shapes (C (M, N) += Aᵀ·B with K = T·B rows). */
const REAL_TN: Array<[number, number, number]> = [
  [88, 144, 3200], [36, 144, 3200], [46, 138, 3200], [36, 144, 32], [100, 100, 3200], [7, 9, 3200],
];



interface NNCase { M: number; N: number; K: number; lda: number; ldc: number; A: Float32Array; B: Float32Array; C0: Float32Array }
function nnCase(M: number, N: number, K: number, seed: number): NNCase {
  const rand = filler(seed);
  const lda = K + (seed % 3) * 3, ldc = N + (seed % 2) * 5;
  return { M, N, K, lda, ldc, A: rand(M * lda), B: rand(K * N), C0: rand(M * ldc) };
}

/** f64 product C0 + A·B and the magnitude bound Σ|a||b| used for the tolerance. */
function nnExact(t: NNCase): { want: Float64Array; mag: Float64Array } {
  const want = Float64Array.from(t.C0), mag = new Float64Array(t.C0.length);
  for (let i = 0; i < t.M; i++) for (let n = 0; n < t.N; n++) {
    let s = 0, m = 0;
    for (let k = 0; k < t.K; k++) { const p = t.A[i * t.lda + k] * t.B[k * t.N + n]; s += p; m += Math.abs(p); }
    want[i * t.ldc + n] += s; mag[i * t.ldc + n] = m + Math.abs(t.C0[i * t.ldc + n]);
  }
  return { want, mag };
}

/** Runs `kernel` on the case and returns all of C (padding columns included). */
function runNN(core: Core, kernel: string, t: NNCase): Float32Array {
  const ar = new Arena(core);
  const A = ar.put(t.A), B = ar.put(t.B), C = ar.put(t.C0);
  const Bp = ar.alloc(core.fn('packed_size')(t.K, t.N));
  core.fn('pack_b_f32')(Bp, B, t.N, t.K, t.N);
  core.fn(kernel)(C, t.ldc, A, t.lda, Bp, t.M, t.N, t.K);
  return ar.get(C, t.C0.length);
}

function expectClose(got: Float32Array, want: Float64Array, mag: Float64Array, K: number, what: string): void {
  const tol = (K + 2) * 2 ** -23;
  for (let i = 0; i < got.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    if (!(err <= tol * mag[i] + 1e-30)) {
      throw new Error(`${what}: element ${i} is ${got[i]}, want ${want[i]} (error ${err}, bound ${tol * mag[i]})`);
    }
  }
}

function expectSame(got: Float32Array, want: Float32Array, what: string): void {
  for (let i = 0; i < got.length; i++) {
    if (!Object.is(got[i], want[i])) throw new Error(`${what}: element ${i} is ${got[i]}, want ${want[i]} (bitwise)`);
  }
}

function nnShapes(): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  for (const M of SIZES) for (const N of SIZES) for (const K of K_SIZES) out.push([M, N, K]);
  return out.concat(REAL_NN);
}

const BUILDS: BuildKind[] = ['simd', 'relaxed'];

interface TNCase { M: number; N: number; K: number; lda: number; ldb: number; ldc: number; A: Float32Array; B: Float32Array; C0: Float32Array }
function tnCase(M: number, N: number, K: number, seed: number): TNCase {
  const rand = filler(seed);
  const lda = M + (seed % 3) * 2, ldb = N + (seed % 2) * 3, ldc = N + (seed % 5);
  return { M, N, K, lda, ldb, ldc, A: rand(K * lda), B: rand(K * ldb), C0: rand(M * ldc) };
}

function tnExact(t: TNCase): { want: Float64Array; mag: Float64Array } {
  const want = Float64Array.from(t.C0), mag = Float64Array.from(t.C0, Math.abs);
  const s = new Float64Array(t.N), m = new Float64Array(t.N);
  for (let i = 0; i < t.M; i++) {
    s.fill(0); m.fill(0);
    for (let k = 0; k < t.K; k++) {
      const a = t.A[k * t.lda + i], bo = k * t.ldb;
      for (let n = 0; n < t.N; n++) { const p = a * t.B[bo + n]; s[n] += p; m[n] += Math.abs(p); }
    }
    for (let n = 0; n < t.N; n++) { want[i * t.ldc + n] += s[n]; mag[i * t.ldc + n] += m[n]; }
  }
  return { want, mag };
}

function runTN(core: Core, kernel: string, t: TNCase): Float32Array {
  const ar = new Arena(core);
  const A = ar.put(t.A), B = ar.put(t.B), C = ar.put(t.C0);
  core.fn(kernel)(C, t.ldc, A, t.lda, B, t.ldb, t.M, t.N, t.K);
  return ar.get(C, t.C0.length);
}

function tnShapes(): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  for (const M of SIZES) for (const N of SIZES) for (const K of [1, 4, 9, 100, 257]) out.push([M, N, K]);
  for (const K of [255, 256, 512, 513, 600]) out.push([5, 13, K], [8, 16, K], [3, 7, K]);
  out.push([515, 9, 70], [600, 17, 300], [1030, 3, 5]); // more than one chunk of TN_MC columns of A
  out.push([5, 1030, 40], [9, 1024, 300]); // B rows >= 4 KiB apart: full strips are copied too
  return out;
}

describe.each(BUILDS)('gemm_f32 kernels, %s build', (build) => {
  let core: Core;
  beforeAll(async () => { core = await loadCore(build); });

  it('the build is the one asked for', () => {
    expect(core.fn('simd_level')()).toBe(build === 'relaxed' ? 2 : 1);
  });

  it('gemm_f32_ref matches an f64 product', () => {
    for (const [M, N, K] of nnShapes()) {
      const t = nnCase(M, N, K, M * 131 + N * 7 + K);
      const { want, mag } = nnExact(t);
      expectClose(runNN(core, 'gemm_f32_ref', t), want, mag, K, `ref ${M}x${K}·${K}x${N}`);
    }
  });

  it('scalar twin equals the reference bitwise', () => {
    for (const [M, N, K] of nnShapes()) {
      const t = nnCase(M, N, K, M * 131 + N * 7 + K);
      expectSame(runNN(core, 'gemm_f32_4x8_scalar', t), runNN(core, 'gemm_f32_ref', t), `scalar ${M}x${K}·${K}x${N}`);
    }
  });

  it(build === 'simd' ? 'SIMD kernel and dispatcher equal the reference bitwise' : 'fused SIMD kernel and dispatcher are within the rounding bound', () => {
    for (const [M, N, K] of nnShapes()) {
      const t = nnCase(M, N, K, M * 131 + N * 7 + K);
      const ref = runNN(core, 'gemm_f32_ref', t);
      const { want, mag } = nnExact(t);
      for (const kernel of ['gemm_f32_4x8_simd', 'gemm_f32']) {
        const got = runNN(core, kernel, t);
        const what = `${kernel} ${M}x${K}·${K}x${N}`;
        if (build === 'simd') expectSame(got, ref, what);
        else expectClose(got, want, mag, K, what);
      }
    }
  });

  it('leaves C outside the (M, N) block untouched', () => {
    for (const kernel of ['gemm_f32_4x8_simd', 'gemm_f32_4x8_scalar']) {
      const t = nnCase(5, 13, 9, 1); // ldc = N + 5
      const got = runNN(core, kernel, t);
      for (let i = 0; i < t.M; i++) for (let n = t.N; n < t.ldc; n++) {
        expect(got[i * t.ldc + n]).toBe(t.C0[i * t.ldc + n]);
      }
    }
  });

  it('does nothing when a dimension is zero', () => {
    for (const [M, N, K] of [[0, 8, 8], [4, 0, 8], [4, 8, 0]]) {
      const t = nnCase(Math.max(M, 1), Math.max(N, 1), Math.max(K, 1), 3);
      const ar = new Arena(core);
      const A = ar.put(t.A), C = ar.put(t.C0), Bp = ar.put(new Float32Array(64).fill(1));
      core.fn('gemm_f32_4x8_simd')(C, t.ldc, A, t.lda, Bp, M, N, K);
      expectSame(ar.get(C, t.C0.length), t.C0, `zero dimension ${M},${N},${K}`);
    }
  });
});

describe.each(BUILDS)('gemm_tn_f32 kernels, %s build', (build) => {
  let core: Core;
  beforeAll(async () => { core = await loadCore(build); });

  it('reference, scalar twin, SIMD kernel and dispatcher match an f64 product', () => {
    for (const [M, N, K] of tnShapes().concat(REAL_TN)) {
      const t = tnCase(M, N, K, M * 17 + N * 5 + K);
      const { want, mag } = tnExact(t);
      const scalar = runTN(core, 'gemm_tn_f32_4x8_scalar', t);
      expectClose(runTN(core, 'gemm_tn_f32_ref', t), want, mag, K, `tn ref ${M},${N},${K}`);
      expectClose(scalar, want, mag, K, `tn scalar ${M},${N},${K}`);
      for (const kernel of ['gemm_tn_f32_4x8_simd', 'gemm_tn_f32']) {
        const got = runTN(core, kernel, t), what = `${kernel} ${M},${N},${K}`;
        // Same blocking and summation order as the scalar twin: bitwise equal without fusion.
        if (build === 'simd') expectSame(got, scalar, what);
        else expectClose(got, want, mag, K, what);
      }
    }
  });

  it('leaves C outside the (M, N) block untouched and does nothing for a zero dimension', () => {
    const t = tnCase(6, 11, 300, 4); // ldc = N + 4
    for (const kernel of ['gemm_tn_f32_4x8_simd', 'gemm_tn_f32_4x8_scalar']) {
      const got = runTN(core, kernel, t);
      for (let i = 0; i < t.M; i++) for (let n = t.N; n < t.ldc; n++) expect(got[i * t.ldc + n]).toBe(t.C0[i * t.ldc + n]);
      for (const [M, N, K] of [[0, 11, 300], [6, 0, 300], [6, 11, 0]]) {
        const ar = new Arena(core);
        const A = ar.put(t.A), B = ar.put(t.B), C = ar.put(t.C0);
        core.fn(kernel)(C, t.ldc, A, t.lda, B, t.ldb, M, N, K);
        expectSame(ar.get(C, t.C0.length), t.C0, `${kernel} zero dimension`);
      }
    }
  });
});

describe('gemm_f32 kernels, debug build', () => {
  let core: Core;
  beforeAll(async () => { core = await loadCore('debug'); });

  it('computes the same as the release build', () => {
    for (const [M, N, K] of [[5, 13, 9], [32, 144, 36], [1, 33, 7], [2, 17, 3], [3, 9, 46]]) {
      const t = nnCase(M, N, K, 11);
      const ref = runNN(core, 'gemm_f32_ref', t);
      expectSame(runNN(core, 'gemm_f32_4x8_simd', t), ref, 'debug simd');
      expectSame(runNN(core, 'gemm_f32_4x8_scalar', t), ref, 'debug scalar');
    }
  });

  it('gemm_tn computes the same as the release build', () => {
    for (const [M, N, K] of [[5, 13, 9], [36, 144, 300], [3, 9, 46]]) {
      const t = tnCase(M, N, K, 5);
      const { want, mag } = tnExact(t);
      const scalar = runTN(core, 'gemm_tn_f32_4x8_scalar', t);
      expectClose(scalar, want, mag, K, 'debug tn scalar');
      expectSame(runTN(core, 'gemm_tn_f32_4x8_simd', t), scalar, 'debug tn simd');
    }
  });

  it('gemm_tn traps with a KernelError for a tensor outside linear memory', () => {
    const ar = new Arena(core);
    const A = ar.alloc(64), B = ar.alloc(64), C = ar.alloc(64);
    const end = core.memory.buffer.byteLength;
    for (const kernel of ['gemm_tn_f32_4x8_simd', 'gemm_tn_f32_4x8_scalar', 'gemm_tn_f32']) {
      const f = core.fn(kernel);
      expect(() => f(end - 16, 8, A, 2, B, 8, 2, 8, 8)).toThrow(KernelError);
      expect(() => f(C, 8, end - 16, 2, B, 8, 2, 8, 8)).toThrow(KernelError);
      expect(() => f(C, 8, A, 2, end - 64, 8, 2, 8, 8)).toThrow(KernelError);
      expect(() => f(C, 8, A, 2, B, 8, 2, -8, 8)).toThrow(KernelError);
      expect(() => f(C, 8, A, 1, B, 8, 2, 8, 8)).toThrow(/leading dimension/);
    }
  });

  it('traps with a KernelError for a tensor outside linear memory', () => {
    const ar = new Arena(core);
    const A = ar.alloc(64), Bp = ar.alloc(64), C = ar.alloc(64);
    const end = core.memory.buffer.byteLength;
    for (const kernel of ['gemm_f32_4x8_simd', 'gemm_f32_4x8_scalar', 'gemm_f32']) {
      const f = core.fn(kernel);
      expect(() => f(end - 16, 8, A, 8, Bp, 2, 8, 8)).toThrow(KernelError);
      expect(() => f(C, 8, end - 16, 8, Bp, 2, 8, 8)).toThrow(KernelError);
      expect(() => f(C, 8, A, 8, end - 64, 2, 8, 8)).toThrow(KernelError);
      expect(() => f(C, 8, A, 8, Bp, -1, 8, 8)).toThrow(KernelError);
      expect(() => f(C, 4, A, 8, Bp, 2, 8, 8)).toThrow(/leading dimension/);
    }
  });
});
