// C(M,N) += Aᵀ·B with A (K, M) and B (K, N) both unpacked, row-major: the weight gradients
// dW += Xᵀ·dG, where K = T·B is large (thousands) and M, N are layer widths.
//
// Register tile 4×8 as in gemm_f32_4x8_simd: per k, four splat loads from the contiguous
// A[k, i..i+3] and two vector loads of B[k, n..n+7]. K runs in blocks of TN_KC rows so a tile's
// B strip (TN_KC × 32 bytes) stays in L1 across the row tiles and the A lines it touches serve
// the next three row tiles too. Each block adds its partial sums into C.
// Remainders: the last M % 4 columns of A and the last N % 8 columns of B of the current block
// are copied, zero-padded, into small static buffers, so the same tile runs on them with
// partial stores and never reads past a row.
import { checkRange, madd4 } from "../util";
import { addStore8 } from "./gemm_f32_4x8_simd";

/** Rows of K per block (shared with the scalar twin, which sums in the same order). A plain
 *  const: `@inline export const` crashes asc 0.28 when this file is the entry. */
export const TN_KC: i32 = 256;

const TAIL_A: usize = memory.data(TN_KC * 4 * 4, 16); // (TN_KC, 4): A[k, M4..M), zero-padded
const STRIP_B: usize = memory.data(TN_KC * 8 * 4, 16); // (TN_KC, 8): B[k, n..n+8), zero-padded
const PACK_B = true;

/** 4×8 tile over kc rows of k: c[r, j] += Σ_k a[k, r]·b[k, j] for r < mr, j < nr. */
@inline function tile4x8(c: usize, ldc4: usize, a: usize, lda4: usize, b: usize, ldb4: usize, kc: i32, mr: i32, nr: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    let x = v128.load32_splat(a);
    c00 = madd4(x, b0, c00); c01 = madd4(x, b1, c01);
    x = v128.load32_splat(a, 4);
    c10 = madd4(x, b0, c10); c11 = madd4(x, b1, c11);
    x = v128.load32_splat(a, 8);
    c20 = madd4(x, b0, c20); c21 = madd4(x, b1, c21);
    x = v128.load32_splat(a, 12);
    c30 = madd4(x, b0, c30); c31 = madd4(x, b1, c31);
    a += lda4; b += ldb4;
  }
  addStore8(c, c00, c01, nr);
  if (mr > 1) addStore8(c + ldc4, c10, c11, nr);
  if (mr > 2) addStore8(c + 2 * ldc4, c20, c21, nr);
  if (mr > 3) addStore8(c + 3 * ldc4, c30, c31, nr);
}

/** C(M,N) += Aᵀ·B; A (K, M) row stride lda, B (K, N) row stride ldb, C (M, N) row stride ldc. */
export function gemm_tn_f32_4x8_simd(C: usize, ldc: i32, A: usize, lda: i32, B: usize, ldb: i32, M: i32, N: i32, K: i32): void {
  assert(M >= 0 && N >= 0 && K >= 0, "negative GEMM dimension");
  assert((M <= 1 || ldc >= N) && (K <= 1 || (lda >= M && ldb >= N)), "leading dimension smaller than the row");
  checkRange(C, M > 0 ? (M - 1) * ldc + N : 0);
  checkRange(A, K > 0 ? (K - 1) * lda + M : 0);
  checkRange(B, K > 0 ? (K - 1) * ldb + N : 0);
  if (M <= 0 || N <= 0 || K <= 0) return;
  const ldc4 = <usize>ldc << 2, lda4 = <usize>lda << 2, ldb4 = <usize>ldb << 2;
  const M4 = M & ~3, mt = M - M4;
  for (let k0 = 0; k0 < K; k0 += TN_KC) {
    const kc = min(TN_KC, K - k0);
    const a0 = A + <usize>k0 * lda4, b0 = B + <usize>k0 * ldb4;
    if (mt > 0) {
      for (let k = 0; k < kc; k++) {
        const src = a0 + <usize>k * lda4 + (<usize>M4 << 2), dst = TAIL_A + (<usize>k << 4);
        for (let j = 0; j < 4; j++) store<f32>(dst + (<usize>j << 2), j < mt ? load<f32>(src + (<usize>j << 2)) : 0);
      }
    }
    for (let n = 0; n < N; n += 8) {
      const nr = min(8, N - n);
      if (PACK_B) {
        for (let k = 0; k < kc; k++) {
          const src = b0 + <usize>k * ldb4 + (<usize>n << 2), dst = STRIP_B + (<usize>k << 5);
          if (nr == 8) {
            v128.store(dst, v128.load(src)); v128.store(dst, v128.load(src, 16), 16);
          } else {
            for (let j = 0; j < 8; j++) store<f32>(dst + (<usize>j << 2), j < nr ? load<f32>(src + (<usize>j << 2)) : 0);
          }
        }
      } else if (nr < 8) {
        for (let k = 0; k < kc; k++) {
          const src = b0 + <usize>k * ldb4 + (<usize>n << 2), dst = STRIP_B + (<usize>k << 5);
          for (let j = 0; j < 8; j++) store<f32>(dst + (<usize>j << 2), j < nr ? load<f32>(src + (<usize>j << 2)) : 0);
        }
      }
      const packed = PACK_B || nr < 8;
      const b = packed ? STRIP_B : b0 + (<usize>n << 2), bs: usize = packed ? 32 : ldb4;
      const c = C + (<usize>n << 2);
      for (let i = 0; i < M4; i += 4) {
        tile4x8(c + <usize>i * ldc4, ldc4, a0 + (<usize>i << 2), lda4, b, bs, kc, 4, nr);
      }
      if (mt > 0) tile4x8(c + <usize>M4 * ldc4, ldc4, TAIL_A, 16, b, bs, kc, mt, nr);
    }
  }
}
