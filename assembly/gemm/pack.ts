// Packing of the right-hand operand of a GEMM into 8-column panels.
// Panel p (p = 0 .. ceil(N/8)-1) holds K rows of 8 floats: Bp[(p*K + k)*8 + j] = B[k, 8p + j],
// zero where 8p + j >= N. Size: packed_size(K, N) = ceil(N/8) * 8 * K floats.
// Every training update packs its (noisy) weights twice, as B and as Bᵀ, so at batch 1 the
// packing is a visible share of the step: full panels move whole vectors (pack_bt_f32 reads
// 4 columns of 8 rows and transposes them in registers); a partial last panel, and the last
// K mod 4 rows of pack_bt_f32, go element by element. The result is the same either way.
import { checkRange } from "../util";

export function packed_size(K: i32, N: i32): i32 {
  return ((N + 7) >> 3) * 8 * K;
}

/** Bp ← panels of B, where B is (K, N) row-major with row stride ldb (elements). */
export function pack_b_f32(Bp: usize, B: usize, ldb: i32, K: i32, N: i32): void {
  checkRange(Bp, packed_size(K, N));
  const full = N >> 3, panels = (N + 7) >> 3;
  for (let p = 0; p < full; p++) {
    let dst = Bp + ((<usize>(p * K)) << 5), src = B + (<usize>(p * 8) << 2);
    const step = <usize>ldb << 2;
    for (let k = 0; k < K; k++, dst += 32, src += step) {
      v128.store(dst, v128.load(src));
      v128.store(dst, v128.load(src, 16), 16);
    }
  }
  for (let p = full; p < panels; p++) {
    for (let k = 0; k < K; k++) {
      const dst = Bp + ((<usize>(p * K + k)) << 5);
      for (let j = 0; j < 8; j++) {
        const n = p * 8 + j;
        store<f32>(dst + (<usize>j << 2), n < N ? load<f32>(B + ((<usize>(k * ldb + n)) << 2)) : 0);
      }
    }
  }
}

/** Rows k .. k+3 of one full panel of Bᵀ: r0..r7 hold S[8p + j, k .. k+3] (j = 0..7). */
@inline
function store_bt4(dst: usize, r0: v128, r1: v128, r2: v128, r3: v128, r4: v128, r5: v128, r6: v128, r7: v128): void {
  // 4×4 transposes of (r0..r3) and (r4..r7): column i of each is row k+i of the panel
  const a01 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), a23 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const b01 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7), b23 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  const c01 = v128.shuffle<f32>(r4, r5, 0, 4, 1, 5), c23 = v128.shuffle<f32>(r6, r7, 0, 4, 1, 5);
  const d01 = v128.shuffle<f32>(r4, r5, 2, 6, 3, 7), d23 = v128.shuffle<f32>(r6, r7, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<f32>(a01, a23, 0, 1, 4, 5));
  v128.store(dst, v128.shuffle<f32>(c01, c23, 0, 1, 4, 5), 16);
  v128.store(dst, v128.shuffle<f32>(a01, a23, 2, 3, 6, 7), 32);
  v128.store(dst, v128.shuffle<f32>(c01, c23, 2, 3, 6, 7), 48);
  v128.store(dst, v128.shuffle<f32>(b01, b23, 0, 1, 4, 5), 64);
  v128.store(dst, v128.shuffle<f32>(d01, d23, 0, 1, 4, 5), 80);
  v128.store(dst, v128.shuffle<f32>(b01, b23, 2, 3, 6, 7), 96);
  v128.store(dst, v128.shuffle<f32>(d01, d23, 2, 3, 6, 7), 112);
}

/** Bp ← panels of the (K, N) matrix Bᵀ whose element [k, n] is S[n, k]; S is (N, K) row-major
 *  with row stride lds. Used for the backward products dG·Wᵀ and dG·Uᵀ. */
export function pack_bt_f32(Bp: usize, S: usize, lds: i32, K: i32, N: i32): void {
  checkRange(Bp, packed_size(K, N));
  const full = N >> 3, panels = (N + 7) >> 3, K4 = K & ~3;
  const row = <usize>lds << 2;
  for (let p = 0; p < full; p++) {
    const base = Bp + ((<usize>(p * K)) << 5);
    const s0 = S + <usize>(p * 8) * row;
    for (let k = 0; k < K4; k += 4) {
      const s = s0 + (<usize>k << 2);
      store_bt4(base + (<usize>k << 5),
        v128.load(s), v128.load(s + row), v128.load(s + 2 * row), v128.load(s + 3 * row),
        v128.load(s + 4 * row), v128.load(s + 5 * row), v128.load(s + 6 * row), v128.load(s + 7 * row));
    }
  }
  // element by element: the last K mod 4 rows of the full panels, every row of a partial one
  for (let p = 0; p < panels; p++) {
    for (let k = p < full ? K4 : 0; k < K; k++) {
      const dst = Bp + ((<usize>(p * K + k)) << 5);
      for (let j = 0; j < 8; j++) {
        const n = p * 8 + j;
        store<f32>(dst + (<usize>j << 2), n < N ? load<f32>(S + ((<usize>(n * lds + k)) << 2)) : 0);
      }
    }
  }
}
