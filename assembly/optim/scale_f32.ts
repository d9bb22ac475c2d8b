// scale_f32: x *= s over n floats (gradient clipping, loss normalisation). s is rounded to f32
// once, so both twins multiply by the same f32 and agree bitwise.
import { checkRange } from "../util";

export function scale_f32(x: usize, n: i32, s: f64): void {
  checkRange(x, n);
  const sf = <f32>s;
  const sv = f32x4.splat(sf);
  let i = 0;
  for (; i + 4 <= n; i += 4) { const p = x + (<usize>i << 2); v128.store(p, f32x4.mul(v128.load(p), sv)); }
  for (; i < n; i++) { const p = x + (<usize>i << 2); store<f32>(p, load<f32>(p) * sf); }
}

export function scale_f32_scalar(x: usize, n: i32, s: f64): void {
  checkRange(x, n);
  const sf = <f32>s;
  for (let i = 0; i < n; i++) { const p = x + (<usize>i << 2); store<f32>(p, load<f32>(p) * sf); }
}
