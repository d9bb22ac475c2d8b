// GRU over a whole time-major batch, gate order r, z, n (PyTorch; z is the paper's 1 − z):
//   r = σ(a_r)   z = σ(a_z)   h' = (1 − z)⊙n + z⊙h = n + z⊙(h − n)
//   reset-after  (PyTorch, kind 3):  n = tanh(xW_n + bih_n + r⊙(hU_n + bhh_n))
//   reset-before (paper,   kind 4):  n = tanh(xW_n + bih_n + (r⊙h)U_n + bhh_n)
// with a_r, a_z = x W + bih + h U + bhh on their blocks.
//
// Reset-after keeps per row [a_r a_z hn nx] (4H): the step's one GEMM h·U (3 blocks) lands on
// the first three, the input projection on blocks 0, 1 and 3; hn = hU_n + bhh_n stays saved
// for backward. Reset-before needs two GEMMs per step (h·U_rz, then (r⊙h)·U_n); U_rz and U_n
// are packed as separate panel sets so the n block never starts mid-panel.
import { packed_size, pack_b_f32, pack_bt_f32 } from "../gemm/pack";
import { tanh4, sigmoid4, tanh1, sigmoid1 } from "../act/act_f32";
import { at, mm, mm_tn, bias_rows, colsum_store, add_into } from "./common";

// ---------------------------------------------------------------------------------------------
// Packing
// reset-after:  W_rz (I→2H) | W_n (I→H) | U (H→3H) | Uᵀ (3H→H) | W_rzᵀ (2H→I) | W_nᵀ (H→I)
// reset-before: W (I→3H) | U_rz (H→2H) | U_n (H→H) | U_rzᵀ (2H→H) | U_nᵀ (H→H) | Wᵀ (3H→I)

export function gru_packed_size(I: i32, H: i32, reset_after: bool): i32 {
  if (reset_after) {
    return packed_size(I, 2 * H) + packed_size(I, H) + packed_size(H, 3 * H) + packed_size(3 * H, H)
      + packed_size(2 * H, I) + packed_size(H, I);
  }
  return packed_size(I, 3 * H) + packed_size(H, 2 * H) + packed_size(H, H) + packed_size(2 * H, H)
    + packed_size(H, H) + packed_size(3 * H, I);
}

export function gru_pack(packed: usize, W: usize, U: usize, I: i32, H: i32, reset_after: bool): void {
  const G3 = 3 * H;
  const Wn = at(W, 2 * H), Un = at(U, 2 * H);  // the n column blocks of W (I, 3H), U (H, 3H)
  if (reset_after) {
    const Wrzp = packed;                       // panels of W_rz (I, 2H)
    const Wnp = at(Wrzp, packed_size(I, 2 * H)); // panels of W_n (I, H)
    const Up = at(Wnp, packed_size(I, H));     // panels of U (H, 3H)
    const UTp = at(Up, packed_size(H, G3));    // panels of Uᵀ (3H, H)
    const WrzTp = at(UTp, packed_size(G3, H)); // panels of W_rzᵀ (2H, I)
    const WnTp = at(WrzTp, packed_size(2 * H, I)); // panels of W_nᵀ (H, I)
    pack_b_f32(Wrzp, W, G3, I, 2 * H);
    pack_b_f32(Wnp, Wn, G3, I, H);
    pack_b_f32(Up, U, G3, H, G3);
    pack_bt_f32(UTp, U, G3, G3, H);
    pack_bt_f32(WrzTp, W, G3, 2 * H, I);
    pack_bt_f32(WnTp, Wn, G3, H, I);
  } else {
    const Wp = packed;                         // panels of W (I, 3H)
    const Urzp = at(Wp, packed_size(I, G3));   // panels of U_rz (H, 2H)
    const Unp = at(Urzp, packed_size(H, 2 * H)); // panels of U_n (H, H)
    const UrzTp = at(Unp, packed_size(H, H));  // panels of U_rzᵀ (2H, H)
    const UnTp = at(UrzTp, packed_size(2 * H, H)); // panels of U_nᵀ (H, H)
    const WTp = at(UnTp, packed_size(H, H));   // panels of Wᵀ (3H, I)
    pack_b_f32(Wp, W, G3, I, G3);
    pack_b_f32(Urzp, U, G3, H, 2 * H);
    pack_b_f32(Unp, Un, G3, H, H);
    pack_bt_f32(UrzTp, U, G3, 2 * H, H);
    pack_bt_f32(UnTp, Un, G3, H, H);
    pack_bt_f32(WTp, W, G3, G3, I);
  }
}

// What forward leaves in `saved` for backward, per step t and batch row b (H floats per part):
// reset-after:  saved = S rows [r z hn n] (T, B, 4H), interleaved per row
// reset-before: saved = S rows [r z n] (T, B, 3H) | RH = r⊙h_{t-1} (T, B, H)
// The two variants happen to total 4H per row; the sum below is written part by part so it
// follows the layout, not that coincidence.
export function gru_saved_size(T: i32, B: i32, H: i32, reset_after: bool): i32 {
  const TBH = T * B * H;
  if (reset_after) {
    return TBH        // r = σ(a_r): da_r and dhn = dnx⊙r
      + TBH           // z = σ(a_z): da_z, dnx and the carry dh⊙z
      + TBH           // hn = h_{t-1}·U_n + bhh_n: da_r = dnx⊙hn⊙r(1−r)
      + TBH;          // n: dnx = dh⊙(1−z)⊙(1−n²) and da_z's (h − n)
  }
  return TBH          // r = σ(a_r): da_r and carry += drh⊙r
    + TBH             // z = σ(a_z): da_z, da_n and the carry dh⊙z
    + TBH             // n: da_n = dh⊙(1−z)⊙(1−n²) and da_z's (h − n)
    + TBH;            // RH = r⊙h_{t-1}: dU_n += RHᵀ·da_n
}

// reset-after:  work = dG [da_r da_z dhn dnx] (T, B, 4H) | dh carry (B, H) | column sums (4H)
// reset-before: work = dG [da_r da_z da_n] (T, B, 3H) | d(r⊙h) (B, H) | dh carry (B, H) | sums (3H)
export function gru_work_size(T: i32, B: i32, H: i32, reset_after: bool): i32 {
  return reset_after ? T * B * 4 * H + B * H + 4 * H : T * B * 3 * H + 2 * B * H + 3 * H;
}

// ---------------------------------------------------------------------------------------------
// Reset-after (kind 3)

/** One forward step, columns [j0, H), plain f32. S row [a_r a_z hn nx] → [r z hn n]. */
@inline function gru_after_step_scalar(
  S: usize,       // (B, 4H)
  h0: usize,      // (B, H) h_{t-1}
  h1: usize,      // (B, H) h_t (out)
  B: i32, H: i32, j0: i32,
): void {
  for (let b = 0; b < B; b++) {
    const s = at(S, b * 4 * H), q = b * H;
    for (let j = j0; j < H; j++) {
      const r = sigmoid1(load<f32>(at(s, j)));
      const z = sigmoid1(load<f32>(at(s, H + j)));
      const hn = load<f32>(at(s, 2 * H + j));
      const n = tanh1(load<f32>(at(s, 3 * H + j)) + r * hn);
      const h = load<f32>(at(h0, q + j));
      store<f32>(at(s, j), r);
      store<f32>(at(s, H + j), z);
      store<f32>(at(s, 3 * H + j), n);
      store<f32>(at(h1, q + j), n + z * (h - n));
    }
  }
}

@inline function gru_after_step_simd(S: usize, h0: usize, h1: usize, B: i32, H: i32): void {
  const H4 = H & ~3;
  for (let b = 0; b < B; b++) {
    const s = at(S, b * 4 * H), q = b * H;
    for (let j = 0; j < H4; j += 4) {
      const r = sigmoid4(v128.load(at(s, j)));
      const z = sigmoid4(v128.load(at(s, H + j)));
      const hn = v128.load(at(s, 2 * H + j));
      const n = tanh4(f32x4.add(v128.load(at(s, 3 * H + j)), f32x4.mul(r, hn)));
      const h = v128.load(at(h0, q + j));
      v128.store(at(s, j), r);
      v128.store(at(s, H + j), z);
      v128.store(at(s, 3 * H + j), n);
      v128.store(at(h1, q + j), f32x4.add(n, f32x4.mul(z, f32x4.sub(h, n))));
    }
  }
  if (H4 < H) gru_after_step_scalar(S, h0, h1, B, H, H4);
}

/** One backward step, columns [j0, H): dh = dhs + carry; writes dG row [da_r da_z dhn dnx] and
 *  carry ← dh⊙z (the GEMM with Uᵀ adds the rest of ∂L/∂h_{t-1}). */
@inline function gru_after_step_backward_scalar(
  dG: usize,      // (B, 4H) out
  carry: usize,   // (B, H)
  dhs: usize,     // (B, H)
  S: usize,       // (B, 4H) [r z hn n]
  h0: usize,      // (B, H) h_{t-1}
  B: i32, H: i32, j0: i32,
): void {
  for (let b = 0; b < B; b++) {
    const s = at(S, b * 4 * H), d = at(dG, b * 4 * H), q = b * H;
    for (let j = j0; j < H; j++) {
      const r = load<f32>(at(s, j)), z = load<f32>(at(s, H + j));
      const hn = load<f32>(at(s, 2 * H + j)), n = load<f32>(at(s, 3 * H + j));
      const h = load<f32>(at(h0, q + j));
      const dh = load<f32>(at(dhs, q + j)) + load<f32>(at(carry, q + j));
      const dnx = dh * (1 - z) * (1 - n * n);  // ∂L/∂(xW_n + bih_n + r⊙hn)
      const dar = dnx * hn * r * (1 - r);
      const daz = dh * (h - n) * z * (1 - z);
      store<f32>(at(d, j), dar);
      store<f32>(at(d, H + j), daz);
      store<f32>(at(d, 2 * H + j), dnx * r);
      store<f32>(at(d, 3 * H + j), dnx);
      store<f32>(at(carry, q + j), dh * z);
    }
  }
}

@inline function gru_after_step_backward_simd(dG: usize, carry: usize, dhs: usize, S: usize, h0: usize, B: i32, H: i32): void {
  const H4 = H & ~3;
  const one = f32x4.splat(1);
  for (let b = 0; b < B; b++) {
    const s = at(S, b * 4 * H), d = at(dG, b * 4 * H), q = b * H;
    for (let j = 0; j < H4; j += 4) {
      const r = v128.load(at(s, j)), z = v128.load(at(s, H + j));
      const hn = v128.load(at(s, 2 * H + j)), n = v128.load(at(s, 3 * H + j));
      const h = v128.load(at(h0, q + j));
      const dh = f32x4.add(v128.load(at(dhs, q + j)), v128.load(at(carry, q + j)));
      const dnx = f32x4.mul(f32x4.mul(dh, f32x4.sub(one, z)), f32x4.sub(one, f32x4.mul(n, n)));
      const dar = f32x4.mul(f32x4.mul(dnx, hn), f32x4.mul(r, f32x4.sub(one, r)));
      const daz = f32x4.mul(f32x4.mul(dh, f32x4.sub(h, n)), f32x4.mul(z, f32x4.sub(one, z)));
      v128.store(at(d, j), dar);
      v128.store(at(d, H + j), daz);
      v128.store(at(d, 2 * H + j), f32x4.mul(dnx, r));
      v128.store(at(d, 3 * H + j), dnx);
      v128.store(at(carry, q + j), f32x4.mul(dh, z));
    }
  }
  if (H4 < H) gru_after_step_backward_scalar(dG, carry, dhs, S, h0, B, H, H4);
}

function gru_after_forward(hs: usize, saved: usize, x: usize, packed: usize, bih: usize, bhh: usize, T: i32, B: i32, I: i32, H: i32, simd: bool): void {
  const G3 = 3 * H, G4 = 4 * H, BH = B * H, TB = T * B;
  const Wrzp = packed;
  const Wnp = at(Wrzp, packed_size(I, 2 * H));
  const Up = at(Wnp, packed_size(I, H));
  const S = saved;                             // (T, B, 4H) [a_r a_z hn nx]
  // bias rows: [bih_rz + bhh_rz | bhh_n | bih_n], then the input projection for all T·B rows
  bias_rows(S, G4, bih, bhh, TB, 2 * H);
  bias_rows(at(S, 2 * H), G4, at(bhh, 2 * H), 0, TB, H);
  bias_rows(at(S, 3 * H), G4, at(bih, 2 * H), 0, TB, H);
  mm(simd, S, G4, x, I, Wrzp, TB, 2 * H, I);            // a_rz += X·W_rz
  mm(simd, at(S, 3 * H), G4, x, I, Wnp, TB, H, I);      // nx += X·W_n
  for (let t = 0; t < T; t++) {
    const St = at(S, t * B * G4);              // (B, 4H)
    const h0 = at(hs, t * BH), h1 = at(h0, BH);
    mm(simd, St, G4, h0, H, Up, B, G3, H);     // [a_r a_z hn] += h_{t-1}·U
    if (simd) gru_after_step_simd(St, h0, h1, B, H);
    else gru_after_step_scalar(St, h0, h1, B, H, 0);
  }
}

function gru_after_backward(dx: usize, dh0: usize, dW: usize, dU: usize, dbih: usize, dbhh: usize, dhs: usize, hs: usize, saved: usize, x: usize, packed: usize, work: usize, T: i32, B: i32, I: i32, H: i32, simd: bool): void {
  const G3 = 3 * H, G4 = 4 * H, BH = B * H, TB = T * B;
  const UTp = at(packed, packed_size(I, 2 * H) + packed_size(I, H) + packed_size(H, G3));
  const WrzTp = at(UTp, packed_size(G3, H));
  const WnTp = at(WrzTp, packed_size(2 * H, I));
  const S = saved;                             // (T, B, 4H) [r z hn n]
  const dG = work;                             // (T, B, 4H) [da_r da_z dhn dnx]
  const carry = at(dG, TB * G4);               // (B, H)
  const sums = at(carry, BH);                  // (4H)
  memory.fill(carry, 0, <usize>BH << 2);
  for (let t = T - 1; t >= 0; t--) {
    const dGt = at(dG, t * B * G4), St = at(S, t * B * G4);
    const dhst = at(dhs, t * BH), h0 = at(hs, t * BH);
    if (simd) gru_after_step_backward_simd(dGt, carry, dhst, St, h0, B, H);
    else gru_after_step_backward_scalar(dGt, carry, dhst, St, h0, B, H, 0);
    if (t > 0 || dh0) mm(simd, carry, H, dGt, G4, UTp, B, H, G3); // carry += [da_r da_z dhn]·Uᵀ
  }
  if (dh0) add_into(dh0, carry, BH);
  mm_tn(simd, dU, G3, hs, H, dG, G4, H, G3, TB);                  // dU += Hprevᵀ·[da_r da_z dhn]
  mm_tn(simd, dW, G3, x, I, dG, G4, I, 2 * H, TB);                // dW_rz += Xᵀ·[da_r da_z]
  mm_tn(simd, at(dW, 2 * H), G3, x, I, at(dG, 3 * H), G4, I, H, TB); // dW_n += Xᵀ·dnx
  colsum_store(sums, dG, G4, TB, G4, simd);
  add_into(dbhh, sums, G3);                    // bhh: [da_r da_z dhn]
  add_into(dbih, sums, 2 * H);                 // bih: [da_r da_z dnx]
  add_into(at(dbih, 2 * H), at(sums, 3 * H), H);
  if (dx) {
    mm(simd, dx, I, dG, G4, WrzTp, TB, I, 2 * H);                 // dx += [da_r da_z]·W_rzᵀ
    mm(simd, dx, I, at(dG, 3 * H), G4, WnTp, TB, I, H);           //     + dnx·W_nᵀ
  }
}

// ---------------------------------------------------------------------------------------------
// Reset-before (kind 4)

/** First half of a forward step, columns [j0, H): r = σ(a_r) in place, rh = r⊙h_{t-1}. */
@inline function gru_before_reset_scalar(S: usize, rh: usize, h0: usize, B: i32, H: i32, j0: i32): void {
  for (let b = 0; b < B; b++) {
    const s = at(S, b * 3 * H), q = b * H;
    for (let j = j0; j < H; j++) {
      const r = sigmoid1(load<f32>(at(s, j)));
      store<f32>(at(s, j), r);
      store<f32>(at(rh, q + j), r * load<f32>(at(h0, q + j)));
    }
  }
}

@inline function gru_before_reset_simd(S: usize, rh: usize, h0: usize, B: i32, H: i32): void {
  const H4 = H & ~3;
  for (let b = 0; b < B; b++) {
    const s = at(S, b * 3 * H), q = b * H;
    for (let j = 0; j < H4; j += 4) {
      const r = sigmoid4(v128.load(at(s, j)));
      v128.store(at(s, j), r);
      v128.store(at(rh, q + j), f32x4.mul(r, v128.load(at(h0, q + j))));
    }
  }
  if (H4 < H) gru_before_reset_scalar(S, rh, h0, B, H, H4);
}

/** Second half, columns [j0, H): z = σ(a_z), n = tanh(a_n), h_t = n + z⊙(h_{t-1} − n). */
@inline function gru_before_update_scalar(S: usize, h0: usize, h1: usize, B: i32, H: i32, j0: i32): void {
  for (let b = 0; b < B; b++) {
    const s = at(S, b * 3 * H), q = b * H;
    for (let j = j0; j < H; j++) {
      const z = sigmoid1(load<f32>(at(s, H + j)));
      const n = tanh1(load<f32>(at(s, 2 * H + j)));
      store<f32>(at(s, H + j), z);
      store<f32>(at(s, 2 * H + j), n);
      store<f32>(at(h1, q + j), n + z * (load<f32>(at(h0, q + j)) - n));
    }
  }
}

@inline function gru_before_update_simd(S: usize, h0: usize, h1: usize, B: i32, H: i32): void {
  const H4 = H & ~3;
  for (let b = 0; b < B; b++) {
    const s = at(S, b * 3 * H), q = b * H;
    for (let j = 0; j < H4; j += 4) {
      const z = sigmoid4(v128.load(at(s, H + j)));
      const n = tanh4(v128.load(at(s, 2 * H + j)));
      v128.store(at(s, H + j), z);
      v128.store(at(s, 2 * H + j), n);
      v128.store(at(h1, q + j), f32x4.add(n, f32x4.mul(z, f32x4.sub(v128.load(at(h0, q + j)), n))));
    }
  }
  if (H4 < H) gru_before_update_scalar(S, h0, h1, B, H, H4);
}

/** First half of a backward step, columns [j0, H): dh = dhs + carry; writes da_z, da_n,
 *  carry ← dh⊙z and zeroes drh (the GEMM with U_nᵀ accumulates ∂L/∂(r⊙h) into it). */
@inline function gru_before_update_backward_scalar(
  dG: usize,      // (B, 3H) out: da_z, da_n
  carry: usize,   // (B, H)
  drh: usize,     // (B, H) zeroed
  dhs: usize,     // (B, H)
  S: usize,       // (B, 3H) [r z n]
  h0: usize,      // (B, H) h_{t-1}
  B: i32, H: i32, j0: i32,
): void {
  for (let b = 0; b < B; b++) {
    const s = at(S, b * 3 * H), d = at(dG, b * 3 * H), q = b * H;
    for (let j = j0; j < H; j++) {
      const z = load<f32>(at(s, H + j)), n = load<f32>(at(s, 2 * H + j));
      const h = load<f32>(at(h0, q + j));
      const dh = load<f32>(at(dhs, q + j)) + load<f32>(at(carry, q + j));
      store<f32>(at(d, H + j), dh * (h - n) * z * (1 - z));
      store<f32>(at(d, 2 * H + j), dh * (1 - z) * (1 - n * n));
      store<f32>(at(carry, q + j), dh * z);
      store<f32>(at(drh, q + j), 0);
    }
  }
}

@inline function gru_before_update_backward_simd(dG: usize, carry: usize, drh: usize, dhs: usize, S: usize, h0: usize, B: i32, H: i32): void {
  const H4 = H & ~3;
  const one = f32x4.splat(1), zero = f32x4.splat(0);
  for (let b = 0; b < B; b++) {
    const s = at(S, b * 3 * H), d = at(dG, b * 3 * H), q = b * H;
    for (let j = 0; j < H4; j += 4) {
      const z = v128.load(at(s, H + j)), n = v128.load(at(s, 2 * H + j));
      const h = v128.load(at(h0, q + j));
      const dh = f32x4.add(v128.load(at(dhs, q + j)), v128.load(at(carry, q + j)));
      v128.store(at(d, H + j), f32x4.mul(f32x4.mul(dh, f32x4.sub(h, n)), f32x4.mul(z, f32x4.sub(one, z))));
      v128.store(at(d, 2 * H + j), f32x4.mul(f32x4.mul(dh, f32x4.sub(one, z)), f32x4.sub(one, f32x4.mul(n, n))));
      v128.store(at(carry, q + j), f32x4.mul(dh, z));
      v128.store(at(drh, q + j), zero);
    }
  }
  if (H4 < H) gru_before_update_backward_scalar(dG, carry, drh, dhs, S, h0, B, H, H4);
}

/** Second half, columns [j0, H): da_r = drh⊙h⊙r(1−r), carry += drh⊙r. */
@inline function gru_before_reset_backward_scalar(dG: usize, carry: usize, drh: usize, S: usize, h0: usize, B: i32, H: i32, j0: i32): void {
  for (let b = 0; b < B; b++) {
    const s = at(S, b * 3 * H), d = at(dG, b * 3 * H), q = b * H;
    for (let j = j0; j < H; j++) {
      const r = load<f32>(at(s, j)), g = load<f32>(at(drh, q + j));
      store<f32>(at(d, j), g * load<f32>(at(h0, q + j)) * r * (1 - r));
      store<f32>(at(carry, q + j), load<f32>(at(carry, q + j)) + g * r);
    }
  }
}

@inline function gru_before_reset_backward_simd(dG: usize, carry: usize, drh: usize, S: usize, h0: usize, B: i32, H: i32): void {
  const H4 = H & ~3;
  const one = f32x4.splat(1);
  for (let b = 0; b < B; b++) {
    const s = at(S, b * 3 * H), d = at(dG, b * 3 * H), q = b * H;
    for (let j = 0; j < H4; j += 4) {
      const r = v128.load(at(s, j)), g = v128.load(at(drh, q + j));
      v128.store(at(d, j), f32x4.mul(f32x4.mul(g, v128.load(at(h0, q + j))), f32x4.mul(r, f32x4.sub(one, r))));
      v128.store(at(carry, q + j), f32x4.add(v128.load(at(carry, q + j)), f32x4.mul(g, r)));
    }
  }
  if (H4 < H) gru_before_reset_backward_scalar(dG, carry, drh, S, h0, B, H, H4);
}

function gru_before_forward(hs: usize, saved: usize, x: usize, packed: usize, bih: usize, bhh: usize, T: i32, B: i32, I: i32, H: i32, simd: bool): void {
  const G3 = 3 * H, BH = B * H, TB = T * B;
  const Wp = packed;
  const Urzp = at(Wp, packed_size(I, G3));
  const Unp = at(Urzp, packed_size(H, 2 * H));
  const S = saved;                             // (T, B, 3H) [a_r a_z a_n] → [r z n]
  const RH = at(S, TB * G3);                   // (T, B, H) r⊙h_{t-1}
  bias_rows(S, G3, bih, bhh, TB, G3);
  mm(simd, S, G3, x, I, Wp, TB, G3, I);        // a = bih + bhh + X·W for all T·B rows
  for (let t = 0; t < T; t++) {
    const St = at(S, t * B * G3);              // (B, 3H)
    const rh = at(RH, t * BH);                 // (B, H)
    const h0 = at(hs, t * BH), h1 = at(h0, BH);
    mm(simd, St, G3, h0, H, Urzp, B, 2 * H, H); // [a_r a_z] += h_{t-1}·U_rz
    if (simd) gru_before_reset_simd(St, rh, h0, B, H);
    else gru_before_reset_scalar(St, rh, h0, B, H, 0);
    mm(simd, at(St, 2 * H), G3, rh, H, Unp, B, H, H); // a_n += (r⊙h_{t-1})·U_n
    if (simd) gru_before_update_simd(St, h0, h1, B, H);
    else gru_before_update_scalar(St, h0, h1, B, H, 0);
  }
}

function gru_before_backward(dx: usize, dh0: usize, dW: usize, dU: usize, dbih: usize, dbhh: usize, dhs: usize, hs: usize, saved: usize, x: usize, packed: usize, work: usize, T: i32, B: i32, I: i32, H: i32, simd: bool): void {
  const G3 = 3 * H, BH = B * H, TB = T * B;
  const UrzTp = at(packed, packed_size(I, G3) + packed_size(H, 2 * H) + packed_size(H, H));
  const UnTp = at(UrzTp, packed_size(2 * H, H));
  const WTp = at(UnTp, packed_size(H, H));
  const S = saved;                             // (T, B, 3H) [r z n]
  const RH = at(S, TB * G3);                   // (T, B, H)
  const dG = work;                             // (T, B, 3H) [da_r da_z da_n]
  const drh = at(dG, TB * G3);                 // (B, H) ∂L/∂(r⊙h_{t-1})
  const carry = at(drh, BH);                   // (B, H)
  const sums = at(carry, BH);                  // (3H)
  memory.fill(carry, 0, <usize>BH << 2);
  for (let t = T - 1; t >= 0; t--) {
    const dGt = at(dG, t * B * G3), St = at(S, t * B * G3);
    const dhst = at(dhs, t * BH), h0 = at(hs, t * BH);
    if (simd) gru_before_update_backward_simd(dGt, carry, drh, dhst, St, h0, B, H);
    else gru_before_update_backward_scalar(dGt, carry, drh, dhst, St, h0, B, H, 0);
    mm(simd, drh, H, at(dGt, 2 * H), G3, UnTp, B, H, H);        // drh += da_n·U_nᵀ
    if (simd) gru_before_reset_backward_simd(dGt, carry, drh, St, h0, B, H);
    else gru_before_reset_backward_scalar(dGt, carry, drh, St, h0, B, H, 0);
    if (t > 0 || dh0) mm(simd, carry, H, dGt, G3, UrzTp, B, H, 2 * H); // carry += [da_r da_z]·U_rzᵀ
  }
  if (dh0) add_into(dh0, carry, BH);
  mm_tn(simd, dU, G3, hs, H, dG, G3, H, 2 * H, TB);                 // dU_rz += Hprevᵀ·[da_r da_z]
  mm_tn(simd, at(dU, 2 * H), G3, RH, H, at(dG, 2 * H), G3, H, H, TB); // dU_n += (r⊙Hprev)ᵀ·da_n
  mm_tn(simd, dW, G3, x, I, dG, G3, I, G3, TB);                     // dW += Xᵀ·dG
  colsum_store(sums, dG, G3, TB, G3, simd);
  add_into(dbih, sums, G3);
  add_into(dbhh, sums, G3);
  if (dx) mm(simd, dx, I, dG, G3, WTp, TB, I, G3);                  // dx += dG·Wᵀ
}

// ---------------------------------------------------------------------------------------------

export function gru_forward(
  hs: usize,      // (T+1, B, H) in: hs[0] = h0; out: hs[t+1] = h_t
  saved: usize,   // gru_saved_size
  x: usize,       // (T, B, I)
  packed: usize,  // gru_pack
  bih: usize,     // (3H)
  bhh: usize,     // (3H)
  T: i32, B: i32, I: i32, H: i32, reset_after: bool, simd: bool,
): void {
  if (reset_after) gru_after_forward(hs, saved, x, packed, bih, bhh, T, B, I, H, simd);
  else gru_before_forward(hs, saved, x, packed, bih, bhh, T, B, I, H, simd);
}

export function gru_backward(
  dx: usize,      // (T, B, I) or 0
  dh0: usize,     // (B, H) or 0
  dW: usize,      // (I, 3H)
  dU: usize,      // (H, 3H)
  dbih: usize,    // (3H)
  dbhh: usize,    // (3H)
  dhs: usize,     // (T, B, H) ∂L/∂hs[1..T]
  hs: usize,      // (T+1, B, H)
  saved: usize,   // gru_forward's
  x: usize,       // (T, B, I)
  packed: usize,  // gru_pack
  work: usize,    // gru_work_size
  T: i32, B: i32, I: i32, H: i32, reset_after: bool, simd: bool,
): void {
  if (reset_after) gru_after_backward(dx, dh0, dW, dU, dbih, dbhh, dhs, hs, saved, x, packed, work, T, B, I, H, simd);
  else gru_before_backward(dx, dh0, dW, dU, dbih, dbhh, dhs, hs, saved, x, packed, work, T, B, I, H, simd);
}
