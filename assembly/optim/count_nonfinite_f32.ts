// count_nonfinite_f32: how many of n floats are NaN or ±Infinity (exponent bits all ones).
import { checkRange } from "../util";

export function count_nonfinite_f32(x: usize, n: i32): i32 {
  checkRange(x, n);
  const expMask = i32x4.splat(0x7f800000);
  let cnt = i32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const bad = i32x4.eq(v128.and(v128.load(x + (<usize>i << 2)), expMask), expMask); // −1 where bad
    cnt = i32x4.sub(cnt, bad);
  }
  let c = i32x4.extract_lane(cnt, 0) + i32x4.extract_lane(cnt, 1) + i32x4.extract_lane(cnt, 2) + i32x4.extract_lane(cnt, 3);
  for (; i < n; i++) if ((load<u32>(x + (<usize>i << 2)) & 0x7f800000) == 0x7f800000) c++;
  return c;
}

export function count_nonfinite_f32_scalar(x: usize, n: i32): i32 {
  checkRange(x, n);
  let c = 0;
  for (let i = 0; i < n; i++) if (!isFinite<f32>(load<f32>(x + (<usize>i << 2)))) c++;
  return c;
}
