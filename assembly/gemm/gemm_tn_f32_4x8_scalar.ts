// Scalar twin of gemm_tn_f32_4x8_simd: the same chunks of TN_MC columns of A, blocks of
// tn_kc(mc) rows of K and 4×8 tiles (the last ones cut at M and N), each element summed over
// the block from zero in k order and then added to C, so in the plain SIMD build the two agree
// bitwise. It reads A and B in place.
import { checkRange } from "../util";
import { TN_MC, tn_kc } from "./gemm_tn_f32_4x8_simd";

/** C(M,N) += Aᵀ·B; A (K, M) row stride lda, B (K, N) row stride ldb, C (M, N) row stride ldc. */
export function gemm_tn_f32_4x8_scalar(C: usize, ldc: i32, A: usize, lda: i32, B: usize, ldb: i32, M: i32, N: i32, K: i32): void {
  assert(M >= 0 && N >= 0 && K >= 0, "negative GEMM dimension");
  assert((M <= 1 || ldc >= N) && (K <= 1 || (lda >= M && ldb >= N)), "leading dimension smaller than the row");
  checkRange(C, M > 0 ? (M - 1) * ldc + N : 0);
  checkRange(A, K > 0 ? (K - 1) * lda + M : 0);
  checkRange(B, K > 0 ? (K - 1) * ldb + N : 0);
  if (M <= 0 || N <= 0 || K <= 0) return;
  const ldc4 = <usize>ldc << 2, lda4 = <usize>lda << 2, ldb4 = <usize>ldb << 2;
  for (let i0 = 0; i0 < M; i0 += TN_MC) {
    const mc = min(TN_MC, M - i0), kcMax = tn_kc(mc);
    for (let k0 = 0; k0 < K; k0 += kcMax) {
      const kc = min(kcMax, K - k0);
      const a0 = A + <usize>k0 * lda4, b0 = B + <usize>k0 * ldb4;
      for (let n = 0; n < N; n += 8) {
        const nr = min(8, N - n);
        for (let i = i0; i < i0 + mc; i += 4) {
          const mr = min(4, i0 + mc - i);
          for (let r = 0; r < mr; r++) {
            for (let j = 0; j < nr; j++) {
              const a = a0 + (<usize>(i + r) << 2), b = b0 + (<usize>(n + j) << 2);
              let s: f32 = 0;
              for (let k = 0; k < kc; k++) s += load<f32>(a + <usize>k * lda4) * load<f32>(b + <usize>k * ldb4);
              const c = C + <usize>(i + r) * ldc4 + (<usize>(n + j) << 2);
              store<f32>(c, load<f32>(c) + s);
            }
          }
        }
      }
    }
  }
}
