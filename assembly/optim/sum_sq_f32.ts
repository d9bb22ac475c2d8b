// sum_sq_f32: Σ x² over n floats, in f64 (each square of an f32 is exact in f64). Used for the
// global gradient norm (clipping) and for monitoring.
import { checkRange } from "../util";

export function sum_sq_f32(x: usize, n: i32): f64 {
  checkRange(x, n);
  let a0 = f64x2.splat(0), a1 = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    const lo = f64x2.promote_low_f32x4(v);
    const hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
    a0 = f64x2.add(a0, f64x2.mul(lo, lo));
    a1 = f64x2.add(a1, f64x2.mul(hi, hi));
  }
  const a = f64x2.add(a0, a1);
  let s = f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1);
  for (; i < n; i++) { const v = <f64>load<f32>(x + (<usize>i << 2)); s += v * v; }
  return s;
}

export function sum_sq_f32_scalar(x: usize, n: i32): f64 {
  checkRange(x, n);
  let s: f64 = 0;
  for (let i = 0; i < n; i++) { const v = <f64>load<f32>(x + (<usize>i << 2)); s += v * v; }
  return s;
}
