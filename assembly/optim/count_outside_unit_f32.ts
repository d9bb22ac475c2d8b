// count_outside_unit_f32: how many of n floats are outside [0, 1] — NaN included, −0 inside —
// the range check of probabilities and masks written in place into the arena.
import { checkRange } from "../util";

export function count_outside_unit_f32(x: usize, n: i32): i32 {
  checkRange(x, n);
  const zero = f32x4.splat(0), one = f32x4.splat(1);
  let cnt = i32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    const inside = v128.and(f32x4.ge(v, zero), f32x4.le(v, one)); // false for NaN
    cnt = i32x4.add(cnt, v128.not(inside)); // −1 in each lane outside
  }
  let c = -(i32x4.extract_lane(cnt, 0) + i32x4.extract_lane(cnt, 1) + i32x4.extract_lane(cnt, 2) + i32x4.extract_lane(cnt, 3));
  for (; i < n; i++) { const v = load<f32>(x + (<usize>i << 2)); if (!(v >= 0 && v <= 1)) c++; }
  return c;
}

export function count_outside_unit_f32_scalar(x: usize, n: i32): i32 {
  checkRange(x, n);
  let c = 0;
  for (let i = 0; i < n; i++) { const v = load<f32>(x + (<usize>i << 2)); if (!(v >= 0 && v <= 1)) c++; }
  return c;
}
