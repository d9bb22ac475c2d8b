// Read bandwidth of one core from WebAssembly: folds a buffer into 8 independent v128
// accumulators with xor (one-cycle integer ops, so the loads, not the arithmetic, set the pace),
// `reps` times. Compiled on the fly by
// bench/bandwidth.mjs; not part of the library's core.
export function read_f32(ptr: usize, n: i32, reps: i32): i32 {
  let a0 = i32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
  for (let r = 0; r < reps; r++) {
    for (let i = 0; i < n; i += 32) {
      const p = ptr + (<usize>i << 2);
      a0 = v128.xor(a0, v128.load(p));
      a1 = v128.xor(a1, v128.load(p, 16));
      a2 = v128.xor(a2, v128.load(p, 32));
      a3 = v128.xor(a3, v128.load(p, 48));
      a4 = v128.xor(a4, v128.load(p, 64));
      a5 = v128.xor(a5, v128.load(p, 80));
      a6 = v128.xor(a6, v128.load(p, 96));
      a7 = v128.xor(a7, v128.load(p, 112));
    }
  }
  const s = v128.xor(v128.xor(v128.xor(a0, a1), v128.xor(a2, a3)), v128.xor(v128.xor(a4, a5), v128.xor(a6, a7)));
  return i32x4.extract_lane(s, 0) ^ i32x4.extract_lane(s, 1) ^ i32x4.extract_lane(s, 2) ^ i32x4.extract_lane(s, 3);
}
