// bias_rows_f32: every row of C (M, N) ← b (N). Starts a head's logits before the GEMM adds h·V.
import { checkRange } from "../util";

/** C[i, :] = b for i < M; C has row stride ldc (elements). */
export function bias_rows_f32(C: usize, ldc: i32, b: usize, M: i32, N: i32): void {
  assert(M >= 0 && N >= 0 && ldc >= N, "bias_rows_f32: bad dims");
  if (M == 0 || N == 0) return;
  checkRange(C, (M - 1) * ldc + N); checkRange(b, N);
  for (let i = 0; i < M; i++) {
    const row = C + (<usize>(i * ldc) << 2);
    let n = 0;
    for (; n + 4 <= N; n += 4) v128.store(row + (<usize>n << 2), v128.load(b + (<usize>n << 2)));
    for (; n < N; n++) store<f32>(row + (<usize>n << 2), load<f32>(b + (<usize>n << 2)));
  }
}

export function bias_rows_f32_scalar(C: usize, ldc: i32, b: usize, M: i32, N: i32): void {
  assert(M >= 0 && N >= 0 && ldc >= N, "bias_rows_f32_scalar: bad dims");
  if (M == 0 || N == 0) return;
  checkRange(C, (M - 1) * ldc + N); checkRange(b, N);
  for (let i = 0; i < M; i++) {
    for (let n = 0; n < N; n++) store<f32>(C + (<usize>(i * ldc + n) << 2), load<f32>(b + (<usize>n << 2)));
  }
}
