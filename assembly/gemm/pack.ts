// Packing of the right-hand operand of a GEMM into 8-column panels.
// Panel p (p = 0 .. ceil(N/8)-1) holds K rows of 8 floats: Bp[(p*K + k)*8 + j] = B[k, 8p + j],
// zero where 8p + j >= N. Size: packed_size(K, N) = ceil(N/8) * 8 * K floats.
import { checkRange } from "../util";

export function packed_size(K: i32, N: i32): i32 {
  return ((N + 7) >> 3) * 8 * K;
}

/** Bp ← panels of B, where B is (K, N) row-major with row stride ldb (elements). */
export function pack_b_f32(Bp: usize, B: usize, ldb: i32, K: i32, N: i32): void {
  checkRange(Bp, packed_size(K, N));
  const panels = (N + 7) >> 3;
  for (let p = 0; p < panels; p++) {
    for (let k = 0; k < K; k++) {
      const dst = Bp + ((<usize>(p * K + k)) << 5);
      for (let j = 0; j < 8; j++) {
        const n = p * 8 + j;
        store<f32>(dst + (<usize>j << 2), n < N ? load<f32>(B + ((<usize>(k * ldb + n)) << 2)) : 0);
      }
    }
  }
}

/** Bp ← panels of the (K, N) matrix Bᵀ whose element [k, n] is S[n, k]; S is (N, K) row-major
 *  with row stride lds. Used for the backward products dG·Wᵀ and dG·Uᵀ. */
export function pack_bt_f32(Bp: usize, S: usize, lds: i32, K: i32, N: i32): void {
  checkRange(Bp, packed_size(K, N));
  const panels = (N + 7) >> 3;
  for (let p = 0; p < panels; p++) {
    for (let k = 0; k < K; k++) {
      const dst = Bp + ((<usize>(p * K + k)) << 5);
      for (let j = 0; j < 8; j++) {
        const n = p * 8 + j;
        store<f32>(dst + (<usize>j << 2), n < N ? load<f32>(S + ((<usize>(n * lds + k)) << 2)) : 0);
      }
    }
  }
}
