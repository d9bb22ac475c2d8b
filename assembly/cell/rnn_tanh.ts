// tanh-RNN over a whole time-major batch:   h_t = tanh(x_t W + bih + h_{t-1} U + bhh)
//
// Forward writes the pre-activations straight into hs[1..T] (one GEMM for all T·B rows), adds
// h_{t-1}·U step by step and squashes in place, so it saves nothing besides hs.
// Backward keeps every step's dG_t = ∂L/∂(pre-activation) in `work` and does the weight
// gradients as GEMMs over all T·B rows after the loop.
import { packed_size, pack_b_f32, pack_bt_f32 } from "../gemm/pack";
import { tanh4, tanh1 } from "../act/act_f32";
import { at, mm, mm_tn, bias_rows, colsum_store, add_into } from "./common";

// packed = Wp (I→H) | Up (H→H) | UTp (Uᵀ, H→H) | WTp (Wᵀ, H→I)
export function rnn_tanh_packed_size(I: i32, H: i32): i32 {
  return packed_size(I, H) + 2 * packed_size(H, H) + packed_size(H, I);
}

export function rnn_tanh_pack(packed: usize, W: usize, U: usize, I: i32, H: i32): void {
  const Wp = packed;                           // panels of W (I, H)
  const Up = at(Wp, packed_size(I, H));        // panels of U (H, H)
  const UTp = at(Up, packed_size(H, H));       // panels of Uᵀ (H, H)
  const WTp = at(UTp, packed_size(H, H));      // panels of Wᵀ (H, I)
  pack_b_f32(Wp, W, H, I, H);
  pack_b_f32(Up, U, H, H, H);
  pack_bt_f32(UTp, U, H, H, H);
  pack_bt_f32(WTp, W, H, H, I);
}

export function rnn_tanh_saved_size(T: i32, B: i32, H: i32): i32 {
  return 0; // h_t is all backward needs: tanh' = 1 − h²
}

export function rnn_tanh_work_size(T: i32, B: i32, H: i32): i32 {
  return T * B * H + B * H + H; // dG (T, B, H) | dh carry (B, H) | column sums (H)
}

/** h ← tanh(h) over n contiguous floats. */
@inline function tanh_inplace(h: usize, n: i32, simd: bool): void {
  let j = 0;
  if (simd) for (; j + 4 <= n; j += 4) v128.store(at(h, j), tanh4(v128.load(at(h, j))));
  for (; j < n; j++) store<f32>(at(h, j), tanh1(load<f32>(at(h, j))));
}

export function rnn_tanh_forward(
  hs: usize,      // (T+1, B, H) in: hs[0] = h0; out: hs[t+1] = h_t
  saved: usize,   // unused (saved size 0)
  x: usize,       // (T, B, I)
  packed: usize,  // rnn_tanh_pack
  bih: usize,     // (H)
  bhh: usize,     // (H)
  T: i32, B: i32, I: i32, H: i32, simd: bool,
): void {
  const Wp = packed;
  const Up = at(Wp, packed_size(I, H));
  const BH = B * H;
  // hs[1..T] ← bih + bhh + X·W for all T·B rows at once
  const h1 = at(hs, BH);                       // (T, B, H)
  bias_rows(h1, H, bih, bhh, T * B, H);
  mm(simd, h1, H, x, I, Wp, T * B, H, I);
  for (let t = 0; t < T; t++) {
    const hprev = at(hs, t * BH);              // (B, H)
    const h = at(hprev, BH);                   // (B, H)
    mm(simd, h, H, hprev, H, Up, B, H, H);     // h += h_{t-1}·U
    // h = tanh(h) row by row: the relaxed build's tanh4 and tanh1 differ by a few ulp, so a row
    // must not take one or the other by its place in the (B, H) block (when H mod 4 ≠ 0)
    for (let b = 0; b < B; b++) tanh_inplace(at(h, b * H), H, simd);
  }
}

/** dG = (dhs + carry)⊙(1 − h²); carry ← 0 (the next GEMM accumulates into it). */
@inline function rnn_tanh_step_backward(dG: usize, carry: usize, dhs: usize, h: usize, n: i32, simd: bool): void {
  let j = 0;
  if (simd) {
    const one = f32x4.splat(1), zero = f32x4.splat(0);
    for (; j + 4 <= n; j += 4) {
      const dh = f32x4.add(v128.load(at(dhs, j)), v128.load(at(carry, j)));
      const hv = v128.load(at(h, j));
      v128.store(at(dG, j), f32x4.mul(dh, f32x4.sub(one, f32x4.mul(hv, hv))));
      v128.store(at(carry, j), zero);
    }
  }
  for (; j < n; j++) {
    const dh = load<f32>(at(dhs, j)) + load<f32>(at(carry, j));
    const hv = load<f32>(at(h, j));
    store<f32>(at(dG, j), dh * (1 - hv * hv));
    store<f32>(at(carry, j), 0);
  }
}

export function rnn_tanh_backward(
  dx: usize,      // (T, B, I) or 0
  dh0: usize,     // (B, H) or 0
  dW: usize,      // (I, H)
  dU: usize,      // (H, H)
  dbih: usize,    // (H)
  dbhh: usize,    // (H)
  dhs: usize,     // (T, B, H) ∂L/∂hs[1..T]
  hs: usize,      // (T+1, B, H)
  saved: usize,   // unused
  x: usize,       // (T, B, I)
  packed: usize,  // rnn_tanh_pack
  work: usize,    // rnn_tanh_work_size
  T: i32, B: i32, I: i32, H: i32, simd: bool,
): void {
  const UTp = at(packed, packed_size(I, H) + packed_size(H, H));
  const WTp = at(UTp, packed_size(H, H));
  const BH = B * H;
  const dG = work;                             // (T, B, H)
  const carry = at(dG, T * BH);                // (B, H) ∂L/∂h_{t-1} through the recurrence
  const sums = at(carry, BH);                  // (H)
  memory.fill(carry, 0, <usize>BH << 2);
  for (let t = T - 1; t >= 0; t--) {
    const dGt = at(dG, t * BH);                // (B, H)
    rnn_tanh_step_backward(dGt, carry, at(dhs, t * BH), at(hs, (t + 1) * BH), BH, simd);
    if (t > 0 || dh0) mm(simd, carry, H, dGt, H, UTp, B, H, H); // carry += dG_t·Uᵀ
  }
  if (dh0) add_into(dh0, carry, BH);
  const TB = T * B;
  mm_tn(simd, dW, H, x, I, dG, H, I, H, TB);   // dW += Xᵀ·dG
  mm_tn(simd, dU, H, hs, H, dG, H, H, H, TB);  // dU += Hprevᵀ·dG  (hs rows 0..T-1)
  colsum_store(sums, dG, H, TB, H, simd);
  add_into(dbih, sums, H);
  add_into(dbhh, sums, H);
  if (dx) mm(simd, dx, I, dG, H, WTp, TB, I, H); // dx += dG·Wᵀ
}
