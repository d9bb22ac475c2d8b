// C(M,N) += Aᵀ·B with A (K, M) and B (K, N) both unpacked, row-major: the weight gradients
// dW += Xᵀ·dG, where K = T·B is large (thousands) and M, N are layer widths.
//
// Register tile 4×8 as in gemm_f32_4x8_simd: per k, four splat loads of A[k, i..i+3] and two
// vector loads of B[k, n..n+7]. The operands are blocked so the tile streams contiguous memory:
//   - C's rows (A's columns) in chunks of TN_MC; K in blocks of tn_kc(mc) rows, as many as fit
//     the static A buffer (≤ TN_KC_MAX); each block adds its partial sums into C;
//   - per block, the (kc, mc) slice of A is copied into 4-column panels (kc × 4 contiguous,
//     zero-padded past M) in TN_ABUF; each (kc, 8) strip of B stays in L1 while all row tiles
//     use it: read in place, or copied (zero-padded past N) into TN_BBUF when it is the last,
//     partial strip or when B's rows are ≥ 4 KiB apart (copying narrow strips measured 2–5 %
//     slower on the training shapes).
// Without the copies a tile walks A and B with strides lda and ldb, and once K spans more than
// one block the A lines fall out of L2 between column blocks (measured 15–25 GFLOP/s instead of
// 50+ on 195×3200×780). The copies make K-blocking change the summation order, so the
// reference is matched within rounding; the scalar twin uses the same blocks and matches
// bitwise (plain SIMD build).
import { checkRange, madd4 } from "../util";
import { addStore8 } from "./gemm_f32_4x8_simd";

/** Columns of A (rows of C) per chunk, and the cap on rows of K per block. */
export const TN_MC: i32 = 512;
export const TN_KC_MAX: i32 = 256;
/** Floats in the static A buffer: a (kc, mc) slice in 4-column panels. */
const TN_ABUF_FLOATS: i32 = 32768;
const TN_ABUF: usize = memory.data(TN_ABUF_FLOATS << 2, 64);
const TN_BBUF: usize = memory.data(TN_KC_MAX * 8 * 4, 64); // (kc, 8) strip of B
/** Row stride of B (floats) from which full strips are copied too. */
const TN_LDB_COPY: i32 = 1024;

/** Rows of K per block for a chunk of mc columns of A (≥ 64 since mc ≤ TN_MC). Shared with
 *  the scalar twin so both sum in the same order. */
@inline export function tn_kc(mc: i32): i32 {
  return min(TN_KC_MAX, TN_ABUF_FLOATS / ((mc + 3) & ~3));
}

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
  for (let i0 = 0; i0 < M; i0 += TN_MC) {
    const mc = min(TN_MC, M - i0), kcMax = tn_kc(mc);
    const panels = (mc + 3) >> 2;
    for (let k0 = 0; k0 < K; k0 += kcMax) {
      const kc = min(kcMax, K - k0);
      const ps = <usize>kc << 4; // bytes per A panel
      packA(TN_ABUF, A + <usize>k0 * lda4 + (<usize>i0 << 2), lda4, kc, mc, ps);
      const b0 = B + <usize>k0 * ldb4;
      for (let n = 0; n < N; n += 8) {
        const nr = min(8, N - n);
        // A full strip of a narrow B is read in place; the last partial strip, or a strip whose
        // rows lie far apart (one TLB page or more each), is copied.
        const inPlace = nr == 8 && ldb < TN_LDB_COPY;
        if (!inPlace) packB(TN_BBUF, b0 + (<usize>n << 2), ldb4, kc, nr);
        const b = inPlace ? b0 + (<usize>n << 2) : TN_BBUF, bs: usize = inPlace ? ldb4 : 32;
        const c = C + <usize>i0 * ldc4 + (<usize>n << 2);
        for (let p = 0; p < panels; p++) {
          tile4x8(c + <usize>(p << 2) * ldc4, ldc4, TN_ABUF + <usize>p * ps, 16, b, bs, kc, min(4, mc - (p << 2)), nr);
        }
      }
    }
  }
}

/** dst ← the (kc, mc) slice at a in 4-column panels of ps bytes, zero past column mc. Panel
 *  by panel, so the writes are sequential (row by row, they would hit one cache set when ps is
 *  a multiple of 4 KiB). */
function packA(dst: usize, a: usize, lda4: usize, kc: i32, mc: i32, ps: usize): void {
  const m4 = mc & ~3, mt = mc - m4;
  for (let i = 0; i < m4; i += 4) {
    let src = a + (<usize>i << 2), d = dst + <usize>(i >> 2) * ps;
    for (let k = 0; k < kc; k++) {
      v128.store(d, v128.load(src));
      src += lda4; d += 16;
    }
  }
  if (mt > 0) {
    let src = a + (<usize>m4 << 2), d = dst + <usize>(m4 >> 2) * ps;
    for (let k = 0; k < kc; k++) {
      for (let j = 0; j < 4; j++) store<f32>(d + (<usize>j << 2), j < mt ? load<f32>(src + (<usize>j << 2)) : 0);
      src += lda4; d += 16;
    }
  }
}

/** dst ← the (kc, nr) strip at b as (kc, 8), zero past column nr. */
function packB(dst: usize, b: usize, ldb4: usize, kc: i32, nr: i32): void {
  if (nr == 8) {
    for (let k = 0; k < kc; k++) {
      const src = b + <usize>k * ldb4, d = dst + (<usize>k << 5);
      v128.store(d, v128.load(src));
      v128.store(d, v128.load(src, 16), 16);
    }
  } else {
    for (let k = 0; k < kc; k++) {
      const src = b + <usize>k * ldb4, d = dst + (<usize>k << 5);
      for (let j = 0; j < 8; j++) store<f32>(d + (<usize>j << 2), j < nr ? load<f32>(src + (<usize>j << 2)) : 0);
    }
  }
}
