// colsum_f32: db (N) += Σ_i A[i, :] over the M rows of A (row stride lda) — the bias gradient
// of a head. It ACCUMULATES into db (db is read, never cleared); the cells' internal helper
// colsum_store (cell/common.ts) is the one that overwrites its output. Each column is summed
// from row 0 upwards in f32 and the sum then added to db, in both twins, so the SIMD and
// scalar results are bitwise equal when no FMA is involved (there is none here).
import { checkRange } from "../util";

export function colsum_f32(db: usize, A: usize, lda: i32, M: i32, N: i32): void {
  assert(M >= 0 && N >= 0 && lda >= N, "colsum_f32: bad dims");
  if (M == 0 || N == 0) return;
  checkRange(A, (M - 1) * lda + N); checkRange(db, N);
  const stride = <usize>lda << 2;
  let n = 0;
  // 16 columns at a time: four accumulators stay in registers across all rows.
  for (; n + 16 <= N; n += 16) {
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
    let a = A + (<usize>n << 2);
    for (let i = 0; i < M; i++, a += stride) {
      s0 = f32x4.add(s0, v128.load(a));
      s1 = f32x4.add(s1, v128.load(a, 16));
      s2 = f32x4.add(s2, v128.load(a, 32));
      s3 = f32x4.add(s3, v128.load(a, 48));
    }
    const d = db + (<usize>n << 2);
    v128.store(d, f32x4.add(v128.load(d), s0));
    v128.store(d, f32x4.add(v128.load(d, 16), s1), 16);
    v128.store(d, f32x4.add(v128.load(d, 32), s2), 32);
    v128.store(d, f32x4.add(v128.load(d, 48), s3), 48);
  }
  for (; n + 4 <= N; n += 4) {
    let s = f32x4.splat(0);
    let a = A + (<usize>n << 2);
    for (let i = 0; i < M; i++, a += stride) s = f32x4.add(s, v128.load(a));
    const d = db + (<usize>n << 2);
    v128.store(d, f32x4.add(v128.load(d), s));
  }
  for (; n < N; n++) {
    let s: f32 = 0;
    let a = A + (<usize>n << 2);
    for (let i = 0; i < M; i++, a += stride) s += load<f32>(a);
    const d = db + (<usize>n << 2);
    store<f32>(d, load<f32>(d) + s);
  }
}

export function colsum_f32_scalar(db: usize, A: usize, lda: i32, M: i32, N: i32): void {
  assert(M >= 0 && N >= 0 && lda >= N, "colsum_f32_scalar: bad dims");
  if (M == 0 || N == 0) return;
  checkRange(A, (M - 1) * lda + N); checkRange(db, N);
  for (let n = 0; n < N; n++) {
    let s: f32 = 0;
    for (let i = 0; i < M; i++) s += load<f32>(A + (<usize>(i * lda + n) << 2));
    const d = db + (<usize>n << 2);
    store<f32>(d, load<f32>(d) + s);
  }
}
