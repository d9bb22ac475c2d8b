// softmax_rows_f32: y (N, O) ← row-wise softmax of z (N, O), max-subtracted (y may equal z).
// Also holds the two row passes softmax_xent shares: the row maximum and exp(z − max).
import { checkRange } from "../util";
import { exp4, hsum4_f64 } from "./exp_f32";

/** max_o z[o] over one row of O ≥ 1 floats. A NaN may or may not win; it reaches the sum anyway. */
@inline
export function row_max_f32(z: usize, O: i32): f32 {
  let o = 0;
  let mx: f32 = -Infinity;
  if (O >= 4) {
    let mv = v128.load(z);
    for (o = 4; o + 4 <= O; o += 4) mv = f32x4.pmax(mv, v128.load(z + (<usize>o << 2)));
    mx = max(max(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)), max(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)));
  }
  for (; o < O; o++) mx = max(mx, load<f32>(z + (<usize>o << 2)));
  return mx;
}

/** e[o] = exp(z[o] − mx) (skipped when e = 0) and returns Σ_o e[o]; e may equal z. */
@inline
export function row_exp_f32(e: usize, z: usize, O: i32, mx: f32): f64 {
  const mv = f32x4.splat(mx);
  let acc = f32x4.splat(0);
  let o = 0;
  for (; o + 4 <= O; o += 4) {
    const v = exp4(f32x4.sub(v128.load(z + (<usize>o << 2)), mv));
    if (e) v128.store(e + (<usize>o << 2), v);
    acc = f32x4.add(acc, v);
  }
  let s = hsum4_f64(acc);
  for (; o < O; o++) {
    const v = Mathf.exp(load<f32>(z + (<usize>o << 2)) - mx);
    if (e) store<f32>(e + (<usize>o << 2), v);
    s += <f64>v;
  }
  return s;
}

/** x[o] *= s over one row. */
@inline
export function row_scale_f32(x: usize, O: i32, s: f32): void {
  const sv = f32x4.splat(s);
  let o = 0;
  for (; o + 4 <= O; o += 4) v128.store(x + (<usize>o << 2), f32x4.mul(v128.load(x + (<usize>o << 2)), sv));
  for (; o < O; o++) store<f32>(x + (<usize>o << 2), load<f32>(x + (<usize>o << 2)) * s);
}

export function softmax_rows_f32(y: usize, z: usize, N: i32, O: i32): void {
  assert(N >= 0 && O >= 0, "softmax_rows_f32: negative dims");
  checkRange(y, N * O); checkRange(z, N * O);
  if (O == 0) return;
  for (let i = 0; i < N; i++) {
    const off = <usize>(i * O) << 2;
    const mx = row_max_f32(z + off, O);
    const s = row_exp_f32(y + off, z + off, O, mx);
    row_scale_f32(y + off, O, <f32>(1.0 / s));
  }
}

/** Scalar twin: the same row passes in f64 with libm exp. */
export function softmax_rows_f32_scalar(y: usize, z: usize, N: i32, O: i32): void {
  assert(N >= 0 && O >= 0, "softmax_rows_f32_scalar: negative dims");
  checkRange(y, N * O); checkRange(z, N * O);
  for (let i = 0; i < N; i++) {
    const row = <usize>(i * O) << 2;
    let mx: f64 = -Infinity;
    for (let o = 0; o < O; o++) mx = Math.max(mx, <f64>load<f32>(z + row + (<usize>o << 2)));
    let s: f64 = 0;
    for (let o = 0; o < O; o++) s += Math.exp(<f64>load<f32>(z + row + (<usize>o << 2)) - mx);
    for (let o = 0; o < O; o++) {
      const p = row + (<usize>o << 2);
      store<f32>(y + p, <f32>(Math.exp(<f64>load<f32>(z + p) - mx) / s));
    }
  }
}
