// fill_uniform_f32: dst[i] = lo + (hi − lo)·u_i, u_i = (draw_i >> 8)·2^-24 ∈ [0, 1), one
// xoshiro128** draw per element in order, clamped to ≤ hi (so the values lie in [lo, hi]; hi is
// reached only when rounding lands on it). Both twins give the same stream bit for bit
// without FMA (the relaxed build may differ by an ulp).
import { checkRange, madd4 } from "../util";
import { rng_load, rng_store, rng_next, rng_fill_u32, rngBuf, RNG_BATCH } from "./rng_xoshiro128";

const INV24: f32 = 5.9604644775390625e-8; // 2^-24

export function fill_uniform_f32(dst: usize, n: i32, lo: f64, hi: f64, state: usize): void {
  checkRange(dst, n); checkRange(state, 4);
  const lof = <f32>lo, hif = <f32>hi, w = <f32>(hi - lo);
  const lov = f32x4.splat(lof), hiv = f32x4.splat(hif), wv = f32x4.splat(w), inv = f32x4.splat(INV24);
  rng_load(state);
  let i = 0;
  while (n - i >= 4) {
    const count = min(n - i, RNG_BATCH) & ~3;   // whole vectors; the tail below draws one by one
    rng_fill_u32(rngBuf, count);
    for (let j = 0; j < count; j += 4, i += 4) {
      const r = v128.load(rngBuf + (<usize>j << 2));
      const u = f32x4.mul(f32x4.convert_i32x4_s(i32x4.shr_u(r, 8)), inv);
      v128.store(dst + (<usize>i << 2), f32x4.pmin(madd4(wv, u, lov), hiv));
    }
  }
  for (; i < n; i++) {
    const u = <f32>(rng_next() >> 8) * INV24;
    const x = w * u + lof;
    store<f32>(dst + (<usize>i << 2), x > hif ? hif : x);
  }
  rng_store(state);
}

export function fill_uniform_f32_scalar(dst: usize, n: i32, lo: f64, hi: f64, state: usize): void {
  checkRange(dst, n); checkRange(state, 4);
  const lof = <f32>lo, hif = <f32>hi, w = <f32>(hi - lo);
  rng_load(state);
  for (let i = 0; i < n; i++) {
    const u = <f32>(rng_next() >> 8) * INV24;
    const x = w * u + lof;
    store<f32>(dst + (<usize>i << 2), x > hif ? hif : x);
  }
  rng_store(state);
}
