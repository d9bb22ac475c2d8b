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

// The vector paths (whole 8-column panels, 4 rows of Bᵀ at a time) against the definition, on
// shapes that mix whole and partial panels, K mod 4 = 0..3, and row strides wider than the rows.
describe("pack_b_f32 and pack_bt_f32 on every kind of edge", () => {
  it("match Bp[(p*K + k)*8 + j] = B[k, 8p + j] (zero past N)", () => {
    const Ks: i32[] = [1, 3, 4, 5, 8, 11, 36];
    const Ns: i32[] = [1, 7, 8, 9, 16, 21, 44];
    for (let a = 0; a < Ks.length; a++) for (let b = 0; b < Ns.length; b++) for (let pad = 0; pad < 6; pad += 5) {
      const K = Ks[a], N = Ns[b], ldb = N + pad, lds = K + pad, size = packed_size(K, N);
      const B = heap.alloc(K * ldb * 4), S = heap.alloc(N * lds * 4);
      for (let i = 0; i < K * ldb; i++) store<f32>(B + (<usize>i << 2), <f32>(i * 7 + 1));
      for (let i = 0; i < N * lds; i++) store<f32>(S + (<usize>i << 2), <f32>(i * 3 + 2));
      const Bp = heap.alloc(size * 4), Bt = heap.alloc(size * 4);
      for (let i = 0; i < size; i++) { store<f32>(Bp + (<usize>i << 2), -1); store<f32>(Bt + (<usize>i << 2), -1); }
      pack_b_f32(Bp, B, ldb, K, N);
      pack_bt_f32(Bt, S, lds, K, N);
      let wrong = 0;
      for (let p = 0; p < (N + 7) >> 3; p++) for (let k = 0; k < K; k++) for (let j = 0; j < 8; j++) {
        const n = p * 8 + j, at = <usize>((p * K + k) * 8 + j) << 2;
        const wantB: f32 = n < N ? load<f32>(B + (<usize>(k * ldb + n) << 2)) : 0;
        const wantT: f32 = n < N ? load<f32>(S + (<usize>(n * lds + k) << 2)) : 0;
        if (load<f32>(Bp + at) != wantB || load<f32>(Bt + at) != wantT) wrong++;
      }
      expect<i32>(wrong).toBe(0, `K=${K} N=${N} pad=${pad}`);
    }
  });
});
