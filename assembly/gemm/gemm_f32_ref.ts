// Plain reference GEMMs: the contracts every tiled kernel in this folder must meet.
import { checkRange } from "../util";

/** C(M,N) += A(M,K) · B(K,N), B given packed (see pack.ts). Row strides lda, ldc. */
export function gemm_f32_ref(C: usize, ldc: i32, A: usize, lda: i32, Bp: usize, M: i32, N: i32, K: i32): void {
  checkRange(C, M > 0 ? (M - 1) * ldc + N : 0);
  checkRange(A, M > 0 ? (M - 1) * lda + K : 0);
  for (let i = 0; i < M; i++) {
    for (let n = 0; n < N; n++) {
      const p = n >> 3, j = n & 7;
      let acc: f32 = 0;
      for (let k = 0; k < K; k++) {
        acc += load<f32>(A + ((<usize>(i * lda + k)) << 2)) * load<f32>(Bp + ((<usize>((p * K + k) * 8 + j)) << 2));
      }
      const c = C + ((<usize>(i * ldc + n)) << 2);
      store<f32>(c, load<f32>(c) + acc);
    }
  }
}

/** C(M,N) += Aᵀ · B where A is (K, M) with stride lda and B is (K, N) with stride ldb,
 *  both unpacked. Used for weight gradients: dW += Xᵀ·dG summed over all T·B rows. */
export function gemm_tn_f32_ref(C: usize, ldc: i32, A: usize, lda: i32, B: usize, ldb: i32, M: i32, N: i32, K: i32): void {
  for (let i = 0; i < M; i++) {
    for (let n = 0; n < N; n++) {
      let acc: f32 = 0;
      for (let k = 0; k < K; k++) {
        acc += load<f32>(A + ((<usize>(k * lda + i)) << 2)) * load<f32>(B + ((<usize>(k * ldb + n)) << 2));
      }
      const c = C + ((<usize>(i * ldc + n)) << 2);
      store<f32>(c, load<f32>(c) + acc);
    }
  }
}
