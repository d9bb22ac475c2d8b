// Plumbing shared by the three cell files: the GEMM choice (fast kernel or scalar twin), bias
// rows, column sums (stored, not accumulated) and small vector helpers. The cell equations
// themselves live in rnn_tanh.ts, lstm.ts and gru.ts.
import { gemm_f32, gemm_tn_f32 } from "../gemm/index";
import { gemm_f32_4x8_scalar } from "../gemm/gemm_f32_4x8_scalar";
import { gemm_tn_f32_4x8_scalar } from "../gemm/gemm_tn_f32_4x8_scalar";

/** Byte address of element i of the f32 tensor at p. */
@inline export function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/** C(M,N) += A(M,K)·B, B packed; the SIMD kernel or its scalar twin. */
export function mm(simd: bool, C: usize, ldc: i32, A: usize, lda: i32, Bp: usize, M: i32, N: i32, K: i32): void {
  if (M <= 0 || N <= 0 || K <= 0) return;
  if (simd) gemm_f32(C, ldc, A, lda, Bp, M, N, K);
  else gemm_f32_4x8_scalar(C, ldc, A, lda, Bp, M, N, K);
}

/** C(M,N) += Aᵀ·B, A (K,M) and B (K,N) unpacked; the SIMD kernel or its scalar twin. */
export function mm_tn(simd: bool, C: usize, ldc: i32, A: usize, lda: i32, B: usize, ldb: i32, M: i32, N: i32, K: i32): void {
  if (M <= 0 || N <= 0 || K <= 0) return;
  if (simd) gemm_tn_f32(C, ldc, A, lda, B, ldb, M, N, K);
  else gemm_tn_f32_4x8_scalar(C, ldc, A, lda, B, ldb, M, N, K);
}

/** Every row of C (M rows, stride ldc), columns [0, N): C[i, n] = a[n] + b[n]; b may be 0. */
export function bias_rows(C: usize, ldc: i32, a: usize, b: usize, M: i32, N: i32): void {
  if (M <= 0) return;
  for (let n = 0; n < N; n++) {
    store<f32>(at(C, n), load<f32>(at(a, n)) + (b ? load<f32>(at(b, n)) : <f32>0));
  }
  for (let i = 1; i < M; i++) memory.copy(at(C, i * ldc), C, <usize>N << 2);
}

/** s[n] = Σ_i A[i, n] over M rows of stride lda. OVERWRITES s (it is cleared first); the
 *  exported head kernel colsum_f32 (head/colsum_f32.ts) instead accumulates, db += Σ. The cells
 *  use this for scratch sums they then add into dbih/dbhh themselves. Rows go four at a time
 *  so s is loaded and stored once per four rows. */
export function colsum_store(s: usize, A: usize, lda: i32, M: i32, N: i32, simd: bool): void {
  memory.fill(s, 0, <usize>N << 2);
  const N4 = simd ? N & ~3 : 0;
  let i = 0;
  for (; i + 4 <= M; i += 4) {
    const r0 = at(A, i * lda), r1 = at(r0, lda), r2 = at(r1, lda), r3 = at(r2, lda);
    let n = 0;
    for (; n < N4; n += 4) {
      const a = f32x4.add(v128.load(at(r0, n)), v128.load(at(r1, n)));
      const b = f32x4.add(v128.load(at(r2, n)), v128.load(at(r3, n)));
      v128.store(at(s, n), f32x4.add(v128.load(at(s, n)), f32x4.add(a, b)));
    }
    for (; n < N; n++) {
      const a = load<f32>(at(r0, n)) + load<f32>(at(r1, n));
      const b = load<f32>(at(r2, n)) + load<f32>(at(r3, n));
      store<f32>(at(s, n), load<f32>(at(s, n)) + (a + b));
    }
  }
  for (; i < M; i++) {
    const row = at(A, i * lda);
    let n = 0;
    for (; n < N4; n += 4) v128.store(at(s, n), f32x4.add(v128.load(at(s, n)), v128.load(at(row, n))));
    for (; n < N; n++) store<f32>(at(s, n), load<f32>(at(s, n)) + load<f32>(at(row, n)));
  }
}

/** dst[0..n) += src[0..n) */
export function add_into(dst: usize, src: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f32>(at(dst, i), load<f32>(at(dst, i)) + load<f32>(at(src, i)));
}
