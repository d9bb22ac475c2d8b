export { packed_size, pack_b_f32, pack_bt_f32 } from "./pack";
export { gemm_f32_ref, gemm_tn_f32_ref } from "./gemm_f32_ref";
export { gemm_f32_4x8_simd } from "./gemm_f32_4x8_simd";
export { gemm_f32_4x8_scalar } from "./gemm_f32_4x8_scalar";
export { gemm_tn_f32_4x8_simd } from "./gemm_tn_f32_4x8_simd";
export { gemm_tn_f32_4x8_scalar } from "./gemm_tn_f32_4x8_scalar";
export { simd_madd_peak } from "./peak";
// The dispatchers gemm_f32 / gemm_tn_f32 are what the cells and heads call.
import { gemm_f32_4x8_simd } from "./gemm_f32_4x8_simd";
import { gemm_tn_f32_4x8_simd } from "./gemm_tn_f32_4x8_simd";

/** What the cells and heads call: C(M,N) += A·B, B packed. Dispatches to the best kernel. */
export function gemm_f32(C: usize, ldc: i32, A: usize, lda: i32, Bp: usize, M: i32, N: i32, K: i32): void {
  gemm_f32_4x8_simd(C, ldc, A, lda, Bp, M, N, K);
}

/** What the cells and heads call: C(M,N) += Aᵀ·B, both unpacked. */
export function gemm_tn_f32(C: usize, ldc: i32, A: usize, lda: i32, B: usize, ldb: i32, M: i32, N: i32, K: i32): void {
  gemm_tn_f32_4x8_simd(C, ldc, A, lda, B, ldb, M, N, K);
}
