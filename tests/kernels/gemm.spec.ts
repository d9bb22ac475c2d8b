// Kernel-level check of the tiled GEMMs inside the as-pect build (plain SIMD): the 4×8 SIMD
// kernels and their scalar twins against the reference loops on shapes that hit every row
// remainder (M % 4), a partial last panel (N % 8), K = 1 and a K spanning two gemm_tn blocks.
// Without fused multiply-adds the nn kernels sum in the reference order (bitwise equal) and
// gemm_tn's SIMD kernel and twin share their blocking (bitwise equal to each other).
import { packed_size, pack_b_f32 } from "../../assembly/gemm/pack";
import { gemm_f32_ref, gemm_tn_f32_ref } from "../../assembly/gemm/gemm_f32_ref";
import { gemm_f32_4x8_simd } from "../../assembly/gemm/gemm_f32_4x8_simd";
import { gemm_f32_4x8_scalar } from "../../assembly/gemm/gemm_f32_4x8_scalar";
import { gemm_tn_f32_4x8_simd } from "../../assembly/gemm/gemm_tn_f32_4x8_simd";
import { gemm_tn_f32_4x8_scalar } from "../../assembly/gemm/gemm_tn_f32_4x8_scalar";

let seed: u32 = 12345;
function fill(p: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    seed ^= seed << 13; seed ^= seed >> 17; seed ^= seed << 5;
    store<f32>(p + (<usize>i << 2), <f32>(seed >> 8) / <f32>(1 << 24) - 0.5);
  }
}
function copy(dst: usize, src: usize, n: i32): void { memory.copy(dst, src, <usize>n << 2); }
function mismatches(a: usize, b: usize, n: i32): i32 {
  let bad = 0;
  for (let i = 0; i < n; i++) if (load<f32>(a + (<usize>i << 2)) != load<f32>(b + (<usize>i << 2))) bad++;
  return bad;
}
function maxDiff(a: usize, b: usize, n: i32): f32 {
  let d: f32 = 0;
  for (let i = 0; i < n; i++) d = max(d, abs(load<f32>(a + (<usize>i << 2)) - load<f32>(b + (<usize>i << 2))));
  return d;
}

describe("gemm_f32_4x8", () => {
  it("simd and scalar equal the reference bitwise", () => {
    const Ms: i32[] = [1, 2, 3, 4, 5, 6, 7, 9, 32];
    const Ns: i32[] = [1, 7, 8, 9, 17, 24, 25, 33, 144];
    const Ks: i32[] = [1, 5, 36];
    for (let a = 0; a < Ms.length; a++) for (let b = 0; b < Ns.length; b++) for (let c = 0; c < Ks.length; c++) {
      const M = Ms[a], N = Ns[b], K = Ks[c], lda = K + 3, ldc = N + 2;
      const A = heap.alloc(M * lda * 4), B = heap.alloc(K * N * 4), Bp = heap.alloc(packed_size(K, N) * 4);
      const C0 = heap.alloc(M * ldc * 4), C1 = heap.alloc(M * ldc * 4), C2 = heap.alloc(M * ldc * 4), C3 = heap.alloc(M * ldc * 4);
      fill(A, M * lda); fill(B, K * N); fill(C0, M * ldc);
      copy(C1, C0, M * ldc); copy(C2, C0, M * ldc); copy(C3, C0, M * ldc);
      pack_b_f32(Bp, B, N, K, N);
      gemm_f32_ref(C1, ldc, A, lda, Bp, M, N, K);
      gemm_f32_4x8_simd(C2, ldc, A, lda, Bp, M, N, K);
      gemm_f32_4x8_scalar(C3, ldc, A, lda, Bp, M, N, K);
      expect<i32>(mismatches(C1, C2, M * ldc)).toBe(0);
      expect<i32>(mismatches(C1, C3, M * ldc)).toBe(0);
      expect<bool>(maxDiff(C0, C1, M * ldc) > 0).toBe(true);
    }
  });
});

describe("gemm_tn_f32_4x8", () => {
  it("simd equals its scalar twin bitwise and the reference within rounding", () => {
    const Ms: i32[] = [1, 3, 4, 6, 37];
    const Ns: i32[] = [1, 8, 13, 40];
    const Ks: i32[] = [1, 7, 300];
    for (let a = 0; a < Ms.length; a++) for (let b = 0; b < Ns.length; b++) for (let c = 0; c < Ks.length; c++) {
      const M = Ms[a], N = Ns[b], K = Ks[c], lda = M + 1, ldb = N + 3, ldc = N + 1;
      const A = heap.alloc(K * lda * 4), B = heap.alloc(K * ldb * 4);
      const C0 = heap.alloc(M * ldc * 4), C1 = heap.alloc(M * ldc * 4), C2 = heap.alloc(M * ldc * 4), C3 = heap.alloc(M * ldc * 4);
      fill(A, K * lda); fill(B, K * ldb); fill(C0, M * ldc);
      copy(C1, C0, M * ldc); copy(C2, C0, M * ldc); copy(C3, C0, M * ldc);
      gemm_tn_f32_ref(C1, ldc, A, lda, B, ldb, M, N, K);
      gemm_tn_f32_4x8_simd(C2, ldc, A, lda, B, ldb, M, N, K);
      gemm_tn_f32_4x8_scalar(C3, ldc, A, lda, B, ldb, M, N, K);
      expect<i32>(mismatches(C2, C3, M * ldc)).toBe(0);
      expect<bool>(maxDiff(C1, C2, M * ldc) <= <f32>K * 1e-6).toBe(true);
      expect<bool>(maxDiff(C0, C1, M * ldc) > 0).toBe(true);
    }
  });
});
