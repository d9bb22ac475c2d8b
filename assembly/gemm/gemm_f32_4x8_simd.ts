// C(M,N) += A(M,K) · B with B packed in 8-column panels (pack.ts), A read in place.
//
// Register tile: 4 rows × 8 columns = 8 f32x4 accumulators, plus two B vectors and the four
// splatted A elements, which V8 loads at the top of the iteration: 14 of the 15 vector
// registers it allocates on x64 (checked with --print-wasm-code: no spills in the loop), so the
// k loop is not unrolled, which would spill (docs/toolchain.md, "V8 code generation").
// Remainders:
//   - M % 4 rows: a 3×8 tile, a 2×16 tile (two panels, 8 accumulators), or for one row (the
//     GEMV of batch-1 inference) a 1×24 tile over three panels, so there are always enough
//     independent accumulators to hide the multiply-add latency;
//   - N % 8: the last panel is zero-padded by pack_b_f32, so the tiles compute all 8 lanes and
//     only the store is partial.
// Summation order per element is that of gemm_f32_ref (k ascending from 0, then added to C),
// so without relaxed SIMD the result is bitwise equal to the reference.
import { checkRange, madd4 } from "../util";
import { packed_size } from "./pack";

/** c[0..n) += the first n lanes of v, n in 0..3. */
@inline function addStore3(c: usize, v: v128, n: i32): void {
  if (n > 0) store<f32>(c, load<f32>(c) + f32x4.extract_lane(v, 0));
  if (n > 1) store<f32>(c, load<f32>(c, 4) + f32x4.extract_lane(v, 1), 4);
  if (n > 2) store<f32>(c, load<f32>(c, 8) + f32x4.extract_lane(v, 2), 8);
}

/** The partial store of the last panel: c[0..nr) += [lo | hi][0..nr), nr in 1..7. */
function addStorePartial(c: usize, lo: v128, hi: v128, nr: i32): void {
  if (nr >= 4) {
    v128.store(c, f32x4.add(v128.load(c), lo));
    addStore3(c + 16, hi, nr - 4);
  } else {
    addStore3(c, lo, nr);
  }
}

/** c[0..8) += [lo | hi], or only the first nr columns when nr < 8. (Also used by gemm_tn.) */
@inline export function addStore8(c: usize, lo: v128, hi: v128, nr: i32): void {
  if (nr >= 8) {
    v128.store(c, f32x4.add(v128.load(c), lo));
    v128.store(c, f32x4.add(v128.load(c, 16), hi), 16);
  } else {
    addStorePartial(c, lo, hi, nr);
  }
}

// Tiles. a: first A element of the tile's first row; b: the panel's row k = 0; lda4, ldc4 and
// ps (panel stride, K·32) in bytes; nr = valid columns of the (last) panel.

@inline function tile4x8(c: usize, ldc4: usize, a: usize, lda4: usize, b: usize, K: i32, nr: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let a0 = a, a1 = a + lda4, a2 = a1 + lda4, a3 = a2 + lda4;
  for (let k = 0; k < K; k++) {
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    let x = v128.load32_splat(a0);
    c00 = madd4(x, b0, c00); c01 = madd4(x, b1, c01);
    x = v128.load32_splat(a1);
    c10 = madd4(x, b0, c10); c11 = madd4(x, b1, c11);
    x = v128.load32_splat(a2);
    c20 = madd4(x, b0, c20); c21 = madd4(x, b1, c21);
    x = v128.load32_splat(a3);
    c30 = madd4(x, b0, c30); c31 = madd4(x, b1, c31);
    a0 += 4; a1 += 4; a2 += 4; a3 += 4; b += 32;
  }
  addStore8(c, c00, c01, nr);
  addStore8(c + ldc4, c10, c11, nr);
  addStore8(c + 2 * ldc4, c20, c21, nr);
  addStore8(c + 3 * ldc4, c30, c31, nr);
}

@inline function tile3x8(c: usize, ldc4: usize, a: usize, lda4: usize, b: usize, K: i32, nr: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let a0 = a, a1 = a + lda4, a2 = a1 + lda4;
  for (let k = 0; k < K; k++) {
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    let x = v128.load32_splat(a0);
    c00 = madd4(x, b0, c00); c01 = madd4(x, b1, c01);
    x = v128.load32_splat(a1);
    c10 = madd4(x, b0, c10); c11 = madd4(x, b1, c11);
    x = v128.load32_splat(a2);
    c20 = madd4(x, b0, c20); c21 = madd4(x, b1, c21);
    a0 += 4; a1 += 4; a2 += 4; b += 32;
  }
  addStore8(c, c00, c01, nr);
  addStore8(c + ldc4, c10, c11, nr);
  addStore8(c + 2 * ldc4, c20, c21, nr);
}

/** Two rows over two full panels (b and b + ps). */
@inline function tile2x16(c: usize, ldc4: usize, a: usize, lda4: usize, b: usize, ps: usize, K: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c02 = f32x4.splat(0), c03 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0), c12 = f32x4.splat(0), c13 = f32x4.splat(0);
  let a0 = a, a1 = a + lda4, q = b + ps;
  for (let k = 0; k < K; k++) {
    const x0 = v128.load32_splat(a0), x1 = v128.load32_splat(a1);
    let b0 = v128.load(b), b1 = v128.load(b, 16);
    c00 = madd4(x0, b0, c00); c01 = madd4(x0, b1, c01);
    c10 = madd4(x1, b0, c10); c11 = madd4(x1, b1, c11);
    b0 = v128.load(q); b1 = v128.load(q, 16);
    c02 = madd4(x0, b0, c02); c03 = madd4(x0, b1, c03);
    c12 = madd4(x1, b0, c12); c13 = madd4(x1, b1, c13);
    a0 += 4; a1 += 4; b += 32; q += 32;
  }
  addStore8(c, c00, c01, 8);
  addStore8(c + 32, c02, c03, 8);
  addStore8(c + ldc4, c10, c11, 8);
  addStore8(c + ldc4 + 32, c12, c13, 8);
}

@inline function tile2x8(c: usize, ldc4: usize, a: usize, lda4: usize, b: usize, K: i32, nr: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let a0 = a, a1 = a + lda4;
  for (let k = 0; k < K; k++) {
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    const x0 = v128.load32_splat(a0), x1 = v128.load32_splat(a1);
    c00 = madd4(x0, b0, c00); c01 = madd4(x0, b1, c01);
    c10 = madd4(x1, b0, c10); c11 = madd4(x1, b1, c11);
    a0 += 4; a1 += 4; b += 32;
  }
  addStore8(c, c00, c01, nr);
  addStore8(c + ldc4, c10, c11, nr);
}

/** One row over three full panels (b, b + ps, b + 2ps): the GEMV tile. Six accumulators and
 *  the seven loads V8 issues ahead of them fit the registers; a 1×32 tile (8 + 9) spills. */
@inline function tile1x24(c: usize, a: usize, b: usize, ps: usize, K: i32): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  let c4 = f32x4.splat(0), c5 = f32x4.splat(0);
  let q1 = b + ps, q2 = q1 + ps;
  for (let k = 0; k < K; k++) {
    const x = v128.load32_splat(a);
    c0 = madd4(x, v128.load(b), c0); c1 = madd4(x, v128.load(b, 16), c1);
    c2 = madd4(x, v128.load(q1), c2); c3 = madd4(x, v128.load(q1, 16), c3);
    c4 = madd4(x, v128.load(q2), c4); c5 = madd4(x, v128.load(q2, 16), c5);
    a += 4; b += 32; q1 += 32; q2 += 32;
  }
  addStore8(c, c0, c1, 8);
  addStore8(c + 32, c2, c3, 8);
  addStore8(c + 64, c4, c5, 8);
}

/** One row over two full panels. */
@inline function tile1x16(c: usize, a: usize, b: usize, ps: usize, K: i32): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  let q1 = b + ps;
  for (let k = 0; k < K; k++) {
    const x = v128.load32_splat(a);
    c0 = madd4(x, v128.load(b), c0); c1 = madd4(x, v128.load(b, 16), c1);
    c2 = madd4(x, v128.load(q1), c2); c3 = madd4(x, v128.load(q1, 16), c3);
    a += 4; b += 32; q1 += 32;
  }
  addStore8(c, c0, c1, 8);
  addStore8(c + 32, c2, c3, 8);
}

@inline function tile1x8(c: usize, a: usize, b: usize, K: i32, nr: i32): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0);
  for (let k = 0; k < K; k++) {
    const x = v128.load32_splat(a);
    c0 = madd4(x, v128.load(b), c0); c1 = madd4(x, v128.load(b, 16), c1);
    a += 4; b += 32;
  }
  addStore8(c, c0, c1, nr);
}

/** Floats of A per row chunk (192 KiB). */
const NN_CHUNK_FLOATS: i32 = 49152;

/** C(M,N) += A(M,K) · B, B packed (pack_b_f32 / pack_bt_f32). Row strides lda, ldc (elements). */
export function gemm_f32_4x8_simd(C: usize, ldc: i32, A: usize, lda: i32, Bp: usize, M: i32, N: i32, K: i32): void {
  assert(M >= 0 && N >= 0 && K >= 0, "negative GEMM dimension");
  assert(M <= 1 || (ldc >= N && lda >= K), "leading dimension smaller than the row");
  checkRange(C, M > 0 ? (M - 1) * ldc + N : 0);
  checkRange(A, M > 0 ? (M - 1) * lda + K : 0);
  checkRange(Bp, packed_size(K, N));
  if (M <= 0 || N <= 0 || K <= 0) return;
  const ldc4 = <usize>ldc << 2, lda4 = <usize>lda << 2, ps = <usize>K << 5;
  const panels = (N + 7) >> 3, full = N >> 3;
  const M4 = M & ~3;
  // Rows in chunks whose slice of A stays in L2 while every panel of B passes over it (one
  // chunk for the training shapes, M = batch size). Only the loop order changes.
  const mc = max(4, (NN_CHUNK_FLOATS / K) & ~3);
  for (let i0 = 0; i0 < M4; i0 += mc) {
    const i1 = min(M4, i0 + mc);
    for (let p = 0; p < panels; p++) {
      const nr = min(8, N - (p << 3));
      const b = Bp + <usize>p * ps, c = C + (<usize>p << 5);
      for (let i = i0; i < i1; i += 4) {
        tile4x8(c + <usize>i * ldc4, ldc4, A + <usize>i * lda4, lda4, b, K, nr);
      }
    }
  }
  const rem = M - M4;
  if (rem == 0) return;
  const c = C + <usize>M4 * ldc4, a = A + <usize>M4 * lda4;
  if (rem == 3) {
    for (let p = 0; p < panels; p++) {
      tile3x8(c + (<usize>p << 5), ldc4, a, lda4, Bp + <usize>p * ps, K, min(8, N - (p << 3)));
    }
  } else if (rem == 2) {
    let p = 0;
    for (; p + 2 <= full; p += 2) tile2x16(c + (<usize>p << 5), ldc4, a, lda4, Bp + <usize>p * ps, ps, K);
    for (; p < panels; p++) tile2x8(c + (<usize>p << 5), ldc4, a, lda4, Bp + <usize>p * ps, K, min(8, N - (p << 3)));
  } else {
    let p = 0;
    for (; p + 3 <= full; p += 3) tile1x24(c + (<usize>p << 5), a, Bp + <usize>p * ps, ps, K);
    if (full - p == 2) { tile1x16(c + (<usize>p << 5), a, Bp + <usize>p * ps, ps, K); p += 2; }
    for (; p < panels; p++) tile1x8(c + (<usize>p << 5), a, Bp + <usize>p * ps, K, min(8, N - (p << 3)));
  }
}
