// FIRST CUT (to be replaced by the fast rational / polynomial versions): lane-wise libm.
import { checkRange } from "../util";

@inline export function tanh1(x: f32): f32 { return Mathf.tanh(x); }
@inline export function sigmoid1(x: f32): f32 { return 1.0 / (1.0 + Mathf.exp(-x)); }

@inline export function tanh4(v: v128): v128 {
  return f32x4(tanh1(f32x4.extract_lane(v, 0)), tanh1(f32x4.extract_lane(v, 1)), tanh1(f32x4.extract_lane(v, 2)), tanh1(f32x4.extract_lane(v, 3)));
}
@inline export function sigmoid4(v: v128): v128 {
  return f32x4(sigmoid1(f32x4.extract_lane(v, 0)), sigmoid1(f32x4.extract_lane(v, 1)), sigmoid1(f32x4.extract_lane(v, 2)), sigmoid1(f32x4.extract_lane(v, 3)));
}

export function act_tanh_f32_simd(y: usize, x: usize, n: i32): void {
  checkRange(y, n); checkRange(x, n);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(y + (<usize>i << 2), tanh4(v128.load(x + (<usize>i << 2))));
  for (; i < n; i++) store<f32>(y + (<usize>i << 2), tanh1(load<f32>(x + (<usize>i << 2))));
}
export function act_tanh_f32_scalar(y: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f32>(y + (<usize>i << 2), tanh1(load<f32>(x + (<usize>i << 2))));
}
export function act_sigmoid_f32_simd(y: usize, x: usize, n: i32): void {
  checkRange(y, n); checkRange(x, n);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(y + (<usize>i << 2), sigmoid4(v128.load(x + (<usize>i << 2))));
  for (; i < n; i++) store<f32>(y + (<usize>i << 2), sigmoid1(load<f32>(x + (<usize>i << 2))));
}
export function act_sigmoid_f32_scalar(y: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f32>(y + (<usize>i << 2), sigmoid1(load<f32>(x + (<usize>i << 2))));
}
