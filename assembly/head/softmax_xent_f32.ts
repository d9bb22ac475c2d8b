// softmax_xent: categorical cross-entropy of N rows of O logits against integer labels.
// Returns L = Σ_i mask_i·(logsumexp(z_i) − z_i[label_i]) in f64 (not normalised), the
// log-sum-exp taken around the row maximum; unless dz = 0 writes (not +=)
// dz[i, :] = mask_i·(softmax(z_i) − onehot(label_i)).
// mask = 0 means all rows have mask 1. A row whose mask is exactly 0 is skipped: it adds
// nothing, gets dz = 0, and its label is never read as an index (padding may carry −1).
// A bad label (< 0 or ≥ O) on a row with mask ≠ 0 is never used as an index: that row adds
// NaN to L (so the return value is NaN) and, if dz ≠ 0, its dz row is filled with NaN. The
// binding validates labels first and turns a NaN return into a typed error.
// z (N, O), labels (N) i32, mask (N), dz (N, O): contiguous rows.
import { checkRange } from "../util";
import { row_max_f32, row_exp_f32, row_scale_f32 } from "./softmax_rows_f32";

export function softmax_xent(dz: usize, z: usize, labels: usize, mask: usize, N: i32, O: i32): f64 {
  assert(N >= 0 && O >= 0, "softmax_xent: negative dims");
  checkRange(z, N * O); checkRange(labels, N);
  if (mask) checkRange(mask, N);
  if (dz) checkRange(dz, N * O);
  let total: f64 = 0;
  for (let i = 0; i < N; i++) {
    const m: f32 = mask ? load<f32>(mask + (<usize>i << 2)) : 1;
    const off = <usize>(i * O) << 2;
    if (m == 0) {
      if (dz) memory.fill(dz + off, 0, <usize>O << 2);
      continue;
    }
    const label = load<i32>(labels + (<usize>i << 2));
    if (<u32>label >= <u32>O) {
      total += NaN;
      if (dz) for (let o = 0; o < O; o++) store<f32>(dz + off + (<usize>o << 2), NaN);
      continue;
    }
    const zl = load<f32>(z + off + (<usize>label << 2));
    const mx = row_max_f32(z + off, O);
    const s = row_exp_f32(dz ? dz + off : 0, z + off, O, mx);
    total += <f64>m * ((<f64>mx - <f64>zl) + Math.log(s));
    if (dz) {
      const inv = <f32>(1.0 / s);
      const at = dz + off + (<usize>label << 2);
      const pl = load<f32>(at) * inv;
      row_scale_f32(dz + off, O, m * inv);
      store<f32>(at, m * (pl - 1));
    }
  }
  return total;
}

/** Scalar twin: same contract, every row in f64 with libm exp / log. */
export function softmax_xent_scalar(dz: usize, z: usize, labels: usize, mask: usize, N: i32, O: i32): f64 {
  assert(N >= 0 && O >= 0, "softmax_xent_scalar: negative dims");
  checkRange(z, N * O); checkRange(labels, N);
  if (mask) checkRange(mask, N);
  if (dz) checkRange(dz, N * O);
  let total: f64 = 0;
  for (let i = 0; i < N; i++) {
    const m: f64 = mask ? <f64>load<f32>(mask + (<usize>i << 2)) : 1;
    const row = <usize>(i * O) << 2;
    if (m == 0) {
      if (dz) for (let o = 0; o < O; o++) store<f32>(dz + row + (<usize>o << 2), 0);
      continue;
    }
    const label = load<i32>(labels + (<usize>i << 2));
    if (label < 0 || label >= O) {
      total += NaN;
      if (dz) for (let o = 0; o < O; o++) store<f32>(dz + row + (<usize>o << 2), NaN);
      continue;
    }
    let mx: f64 = -Infinity;
    for (let o = 0; o < O; o++) mx = Math.max(mx, <f64>load<f32>(z + row + (<usize>o << 2)));
    let s: f64 = 0;
    for (let o = 0; o < O; o++) s += Math.exp(<f64>load<f32>(z + row + (<usize>o << 2)) - mx);
    total += m * (mx + Math.log(s) - <f64>load<f32>(z + row + (<usize>label << 2)));
    if (dz) {
      for (let o = 0; o < O; o++) {
        const p = Math.exp(<f64>load<f32>(z + row + (<usize>o << 2)) - mx) / s;
        store<f32>(dz + row + (<usize>o << 2), <f32>(m * (p - (o == label ? 1.0 : 0.0))));
      }
    }
  }
  return total;
}
