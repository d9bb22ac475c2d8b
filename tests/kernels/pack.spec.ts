import { pack_b_f32, pack_bt_f32, packed_size } from "../../assembly/gemm/pack";

describe("pack_b_f32", () => {
  it("lays B out in zero-padded 8-column panels", () => {
    const K = 3, N = 11;
    const B = heap.alloc(K * N * 4);
    for (let i = 0; i < K * N; i++) store<f32>(B + (<usize>i << 2), <f32>(i + 1));
    const size = packed_size(K, N);
    expect<i32>(size).toBe(2 * 8 * K);
    const Bp = heap.alloc(size * 4);
    pack_b_f32(Bp, B, N, K, N);
    for (let p = 0; p < 2; p++) for (let k = 0; k < K; k++) for (let j = 0; j < 8; j++) {
      const n = p * 8 + j;
      const want: f32 = n < N ? <f32>(k * N + n + 1) : 0;
      expect<f32>(load<f32>(Bp + (<usize>((p * K + k) * 8 + j) << 2))).toBe(want);
    }
    const Bt = heap.alloc(size * 4);
    // Bt packs the transpose of the (N, K) matrix S = Bᵀ stored row-major; build S from B.
    const S = heap.alloc(K * N * 4);
    for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) store<f32>(S + (<usize>(n * K + k) << 2), load<f32>(B + (<usize>(k * N + n) << 2)));
    pack_bt_f32(Bt, S, K, K, N);
    for (let i = 0; i < size; i++) expect<f32>(load<f32>(Bt + (<usize>i << 2))).toBe(load<f32>(Bp + (<usize>i << 2)));
  });
});
