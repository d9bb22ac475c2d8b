// bernoulli_nll: sigmoid cross-entropy of N rows of O independent binary outputs (the
// polyphonic-music head). Per element, with the stable softplus
//   ℓ(z, y) = softplus(z) − y·z = max(z, 0) − y·z + log1p(exp(−|z|)),
// returns L = Σ_i mask_i Σ_o ℓ(z[i,o], y[i,o]) accumulated in f64 (not normalised), and
// unless dz = 0 writes dz[i,o] = mask_i·(σ(z[i,o]) − y[i,o]) (assignment, not +=).
// mask = 0 means every row has mask 1. Rows whose mask is exactly 0 are skipped: they add
// nothing to L and get dz = 0 even if their z or y are not finite (padding rows).
// y may be fractional (any value in [0, 1]); the formula is the cross-entropy either way.
// z (N, O), y (N, O), mask (N), dz (N, O): contiguous rows.
import { checkRange } from "../util";
import { exp4, log1p_unit4 } from "./exp_f32";

export function bernoulli_nll(dz: usize, z: usize, y: usize, mask: usize, N: i32, O: i32): f64 {
  assert(N >= 0 && O >= 0, "bernoulli_nll: negative dims");
  checkRange(z, N * O); checkRange(y, N * O);
  if (mask) checkRange(mask, N);
  if (dz) checkRange(dz, N * O);
  const zero = f32x4.splat(0), one = f32x4.splat(1);
  let total: f64 = 0;
  for (let i = 0; i < N; i++) {
    const m: f32 = mask ? load<f32>(mask + (<usize>i << 2)) : 1;
    const base = <usize>(i * O) << 2;
    if (m == 0) {
      if (dz) memory.fill(dz + base, 0, <usize>O << 2);
      continue;
    }
    const mv = f32x4.splat(m);
    let acc = f64x2.splat(0);   // lanes 0,1 and 2,3 of the row's loss, promoted and summed in f64
    let row: f64 = 0;
    let o = 0;
    for (; o + 4 <= O; o += 4) {
      const off = base + (<usize>o << 2);
      const zv = v128.load(z + off), yv = v128.load(y + off);
      const pos = f32x4.gt(zv, zero);
      const e = exp4(f32x4.neg(f32x4.abs(zv)));           // exp(−|z|) ∈ (0, 1]
      // max(z,0) − y·z = z·([z > 0] − y): one rounding, no cancellation between two products
      const lin = f32x4.mul(zv, f32x4.sub(v128.and(pos, one), yv));
      const l = f32x4.add(lin, log1p_unit4(e));
      acc = f64x2.add(acc, f64x2.add(f64x2.promote_low_f32x4(l), f64x2.promote_low_f32x4(v128.shuffle<f32>(l, l, 2, 3, 0, 1))));
      if (dz) {
        const r = f32x4.div(one, f32x4.add(one, e));
        const sig = v128.bitselect(r, f32x4.mul(e, r), pos);  // σ(z) without overflow
        v128.store(dz + off, f32x4.mul(mv, f32x4.sub(sig, yv)));
      }
    }
    row += f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
    for (; o < O; o++) {
      const off = base + (<usize>o << 2);
      const zs = load<f32>(z + off), ys = load<f32>(y + off);
      const e = Mathf.exp(-Mathf.abs(zs));
      row += <f64>(zs * ((zs > 0 ? <f32>1 : <f32>0) - ys)) + Math.log1p(<f64>e);
      if (dz) {
        const r: f32 = 1 / (1 + e);
        store<f32>(dz + off, m * ((zs > 0 ? r : e * r) - ys));
      }
    }
    total += <f64>m * row;
  }
  return total;
}

/** The scalar twin: same contract, each element in f64 with libm exp / log1p. */
export function bernoulli_nll_scalar(dz: usize, z: usize, y: usize, mask: usize, N: i32, O: i32): f64 {
  assert(N >= 0 && O >= 0, "bernoulli_nll_scalar: negative dims");
  checkRange(z, N * O); checkRange(y, N * O);
  if (mask) checkRange(mask, N);
  if (dz) checkRange(dz, N * O);
  let total: f64 = 0;
  for (let i = 0; i < N; i++) {
    const m: f64 = mask ? <f64>load<f32>(mask + (<usize>i << 2)) : 1;
    let row: f64 = 0;
    for (let o = 0; o < O; o++) {
      const off = <usize>(i * O + o) << 2;
      if (m == 0) { if (dz) store<f32>(dz + off, 0); continue; }
      const zs = <f64>load<f32>(z + off), ys = <f64>load<f32>(y + off);
      const e = Math.exp(-Math.abs(zs));
      row += Math.max(zs, 0) - ys * zs + Math.log1p(e);
      if (dz) {
        const sig = zs >= 0 ? 1 / (1 + e) : e / (1 + e);
        store<f32>(dz + off, <f32>(m * (sig - ys)));
      }
    }
    total += m * row;
  }
  return total;
}
