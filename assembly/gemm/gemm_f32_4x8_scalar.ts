// Scalar twin of gemm_f32_4x8_simd: the same 4-row × 8-column tiling over the packed panels
// (rows of a tile in fours, then one tile of the 1..3 remaining rows; the last panel stops at
// column N), done one column of the tile at a time with four scalar accumulators. Each element
// is summed in the reference order (k ascending from 0, then added to C).
import { checkRange } from "../util";
import { packed_size } from "./pack";

/** C(M,N) += A(M,K) · B, B packed (pack_b_f32 / pack_bt_f32). Row strides lda, ldc (elements). */
export function gemm_f32_4x8_scalar(C: usize, ldc: i32, A: usize, lda: i32, Bp: usize, M: i32, N: i32, K: i32): void {
  assert(M >= 0 && N >= 0 && K >= 0, "negative GEMM dimension");
  assert(M <= 1 || (ldc >= N && lda >= K), "leading dimension smaller than the row");
  checkRange(C, M > 0 ? (M - 1) * ldc + N : 0);
  checkRange(A, M > 0 ? (M - 1) * lda + K : 0);
  checkRange(Bp, packed_size(K, N));
  if (M <= 0 || N <= 0 || K <= 0) return;
  const ldc4 = <usize>ldc << 2, lda4 = <usize>lda << 2, ps = <usize>K << 5;
  const panels = (N + 7) >> 3;
  for (let p = 0; p < panels; p++) {
    const nr = min(8, N - (p << 3));
    const bp = Bp + <usize>p * ps;
    for (let i = 0; i < M; i += 4) {
      const mr = min(4, M - i);
      const a = A + <usize>i * lda4, c = C + <usize>i * ldc4 + (<usize>p << 5);
      for (let j = 0; j < nr; j++) {
        const b = bp + (<usize>j << 2);
        if (mr == 4) {
          let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
          for (let k = 0; k < K; k++) {
            const bk = load<f32>(b + (<usize>k << 5));
            const ak = a + (<usize>k << 2);
            s0 += load<f32>(ak) * bk;
            s1 += load<f32>(ak + lda4) * bk;
            s2 += load<f32>(ak + 2 * lda4) * bk;
            s3 += load<f32>(ak + 3 * lda4) * bk;
          }
          const cj = c + (<usize>j << 2);
          store<f32>(cj, load<f32>(cj) + s0);
          store<f32>(cj + ldc4, load<f32>(cj + ldc4) + s1);
          store<f32>(cj + 2 * ldc4, load<f32>(cj + 2 * ldc4) + s2);
          store<f32>(cj + 3 * ldc4, load<f32>(cj + 3 * ldc4) + s3);
        } else {
          for (let r = 0; r < mr; r++) {
            const ar = a + <usize>r * lda4;
            let s: f32 = 0;
            for (let k = 0; k < K; k++) s += load<f32>(ar + (<usize>k << 2)) * load<f32>(b + (<usize>k << 5));
            const cj = c + <usize>r * ldc4 + (<usize>j << 2);
            store<f32>(cj, load<f32>(cj) + s);
          }
        }
      }
    }
  }
}
