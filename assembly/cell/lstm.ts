// LSTM over a whole time-major batch, gate order i, f, g, o (PyTorch), optionally with the
// paper's diagonal peepholes peep = [p_i | p_f | p_o]:
//   i = σ(a_i [+ p_i⊙c])   f = σ(a_f [+ p_f⊙c])   g = tanh(a_g)
//   c' = f⊙c + i⊙g         o = σ(a_o [+ p_o⊙c'])  h' = o⊙tanh(c')
// where a = x W + bih + h U + bhh. The input projection for all T steps is one GEMM before the
// loop; each step adds h·U and runs one fused pointwise pass (4 lanes + a scalar remainder).
import { packed_size, pack_b_f32, pack_bt_f32 } from "../gemm/pack";
import { tanh4, sigmoid4, tanh1, sigmoid1 } from "../act/act_f32";
import { at, mm, mm_tn, bias_rows, colsum_store, add_into } from "./common";

// packed = Wp (I→4H) | Up (H→4H) | UTp (Uᵀ, 4H→H) | WTp (Wᵀ, 4H→I)
export function lstm_packed_size(I: i32, H: i32): i32 {
  return packed_size(I, 4 * H) + packed_size(H, 4 * H) + packed_size(4 * H, H) + packed_size(4 * H, I);
}

export function lstm_pack(packed: usize, W: usize, U: usize, I: i32, H: i32): void {
  const G = 4 * H;
  const Wp = packed;                           // panels of W (I, 4H)
  const Up = at(Wp, packed_size(I, G));        // panels of U (H, 4H)
  const UTp = at(Up, packed_size(H, G));       // panels of Uᵀ (4H, H)
  const WTp = at(UTp, packed_size(G, H));      // panels of Wᵀ (4H, I)
  pack_b_f32(Wp, W, G, I, G);
  pack_b_f32(Up, U, G, H, G);
  pack_bt_f32(UTp, U, G, G, H);
  pack_bt_f32(WTp, W, G, G, I);
}

// saved = cs (T+1, B, H) | gates i,f,g,o (T, B, 4H) | tanh(c') (T, B, H)
export function lstm_saved_size(T: i32, B: i32, H: i32): i32 {
  return (T + 1) * B * H  // cs: c_0 (given on entry) … c_T; c_{t-1} for da_f and the peepholes
    + T * B * 4 * H       // gates i f g o after their nonlinearities, rows of 4H
    + T * B * H;          // tanh(c_t): da_o and the dh⊙o⊙(1 − tanh²) term of dc
}

// work = dG (T, B, 4H) | dh carry (B, H) | dc carry (B, H) | column sums (4H) | dpeep sums (3H)
export function lstm_work_size(T: i32, B: i32, H: i32): i32 {
  return T * B * 4 * H + 2 * B * H + 7 * H;
}

/** One forward step, columns [j0, H) of every row, plain f32. G holds a on entry, i f g o on exit. */
@inline function lstm_step_scalar(
  G: usize,       // (B, 4H)
  c0: usize,      // (B, H) c_{t-1}
  c1: usize,      // (B, H) c_t (out)
  tc: usize,      // (B, H) tanh(c_t) (out)
  h: usize,       // (B, H) h_t (out)
  peep: usize,    // (3H)
  B: i32, H: i32, j0: i32, peephole: bool,
): void {
  for (let b = 0; b < B; b++) {
    const g = at(G, b * 4 * H), r = b * H;
    for (let j = j0; j < H; j++) {
      const c = load<f32>(at(c0, r + j));
      let ai = load<f32>(at(g, j)), af = load<f32>(at(g, H + j));
      const ag = load<f32>(at(g, 2 * H + j));
      let ao = load<f32>(at(g, 3 * H + j));
      if (peephole) {
        ai += load<f32>(at(peep, j)) * c;
        af += load<f32>(at(peep, H + j)) * c;
      }
      const i = sigmoid1(ai), f = sigmoid1(af), gg = tanh1(ag);
      const cn = f * c + i * gg;
      if (peephole) ao += load<f32>(at(peep, 2 * H + j)) * cn;
      const o = sigmoid1(ao), tcn = tanh1(cn);
      store<f32>(at(g, j), i);
      store<f32>(at(g, H + j), f);
      store<f32>(at(g, 2 * H + j), gg);
      store<f32>(at(g, 3 * H + j), o);
      store<f32>(at(c1, r + j), cn);
      store<f32>(at(tc, r + j), tcn);
      store<f32>(at(h, r + j), o * tcn);
    }
  }
}

/** The same step on 4 lanes; the columns past the last multiple of 4 go to the scalar step. */
@inline function lstm_step_simd(G: usize, c0: usize, c1: usize, tc: usize, h: usize, peep: usize, B: i32, H: i32, peephole: bool): void {
  const H4 = H & ~3;
  for (let b = 0; b < B; b++) {
    const g = at(G, b * 4 * H), r = b * H;
    for (let j = 0; j < H4; j += 4) {
      const c = v128.load(at(c0, r + j));
      let ai = v128.load(at(g, j)), af = v128.load(at(g, H + j));
      const ag = v128.load(at(g, 2 * H + j));
      let ao = v128.load(at(g, 3 * H + j));
      if (peephole) {
        ai = f32x4.add(ai, f32x4.mul(v128.load(at(peep, j)), c));
        af = f32x4.add(af, f32x4.mul(v128.load(at(peep, H + j)), c));
      }
      const i = sigmoid4(ai), f = sigmoid4(af), gg = tanh4(ag);
      const cn = f32x4.add(f32x4.mul(f, c), f32x4.mul(i, gg));
      if (peephole) ao = f32x4.add(ao, f32x4.mul(v128.load(at(peep, 2 * H + j)), cn));
      const o = sigmoid4(ao), tcn = tanh4(cn);
      v128.store(at(g, j), i);
      v128.store(at(g, H + j), f);
      v128.store(at(g, 2 * H + j), gg);
      v128.store(at(g, 3 * H + j), o);
      v128.store(at(c1, r + j), cn);
      v128.store(at(tc, r + j), tcn);
      v128.store(at(h, r + j), f32x4.mul(o, tcn));
    }
  }
  if (H4 < H) lstm_step_scalar(G, c0, c1, tc, h, peep, B, H, H4, peephole);
}

export function lstm_forward(
  hs: usize,      // (T+1, B, H) in: hs[0] = h0; out: hs[t+1] = h_t
  saved: usize,   // lstm_saved_size; cs[0] = c0 on entry
  x: usize,       // (T, B, I)
  packed: usize,  // lstm_pack
  bih: usize,     // (4H)
  bhh: usize,     // (4H)
  peep: usize,    // (3H), read only when peephole
  T: i32, B: i32, I: i32, H: i32, peephole: bool, simd: bool,
): void {
  const G4 = 4 * H, BH = B * H;
  const Wp = packed;
  const Up = at(Wp, packed_size(I, G4));
  const cs = saved;                            // (T+1, B, H)
  const gates = at(cs, (T + 1) * BH);          // (T, B, 4H)
  const tcs = at(gates, T * B * G4);           // (T, B, H)
  bias_rows(gates, G4, bih, bhh, T * B, G4);
  mm(simd, gates, G4, x, I, Wp, T * B, G4, I); // a = bih + bhh + X·W for all T·B rows
  for (let t = 0; t < T; t++) {
    const Gt = at(gates, t * B * G4);          // (B, 4H)
    const hprev = at(hs, t * BH);              // (B, H)
    mm(simd, Gt, G4, hprev, H, Up, B, G4, H);  // a += h_{t-1}·U
    const c0 = at(cs, t * BH), c1 = at(c0, BH), tc = at(tcs, t * BH), h = at(hprev, BH);
    if (simd) {
      if (peephole) lstm_step_simd(Gt, c0, c1, tc, h, peep, B, H, true);
      else lstm_step_simd(Gt, c0, c1, tc, h, peep, B, H, false);
    } else {
      if (peephole) lstm_step_scalar(Gt, c0, c1, tc, h, peep, B, H, 0, true);
      else lstm_step_scalar(Gt, c0, c1, tc, h, peep, B, H, 0, false);
    }
  }
}

/** One backward step, columns [j0, H), plain f32. Reads dh = dhs + ch and dc = cc; writes
 *  dG_t, ch ← 0 (the GEMM with Uᵀ accumulates into it next) and cc ← ∂L/∂c_{t-1}; with
 *  peepholes adds [da_i⊙c_{t-1} | da_f⊙c_{t-1} | da_o⊙c_t] (summed over rows) to dp. */
@inline function lstm_step_backward_scalar(
  dG: usize,      // (B, 4H) out
  ch: usize,      // (B, H) dh carry
  cc: usize,      // (B, H) dc carry
  dhs: usize,     // (B, H)
  G: usize,       // (B, 4H) i f g o
  c0: usize,      // (B, H) c_{t-1}
  c1: usize,      // (B, H) c_t
  tc: usize,      // (B, H) tanh(c_t)
  peep: usize,    // (3H)
  dp: usize,      // (3H) peephole gradient sums
  B: i32, H: i32, j0: i32, peephole: bool,
): void {
  for (let b = 0; b < B; b++) {
    const g = at(G, b * 4 * H), dg = at(dG, b * 4 * H), r = b * H;
    for (let j = j0; j < H; j++) {
      const i = load<f32>(at(g, j)), f = load<f32>(at(g, H + j));
      const gg = load<f32>(at(g, 2 * H + j)), o = load<f32>(at(g, 3 * H + j));
      const tcn = load<f32>(at(tc, r + j)), c = load<f32>(at(c0, r + j));
      const dh = load<f32>(at(dhs, r + j)) + load<f32>(at(ch, r + j));
      const dao = dh * tcn * o * (1 - o);
      let dc = load<f32>(at(cc, r + j)) + dh * o * (1 - tcn * tcn);
      if (peephole) dc += dao * load<f32>(at(peep, 2 * H + j));
      const dai = dc * gg * i * (1 - i);
      const daf = dc * c * f * (1 - f);
      const dag = dc * i * (1 - gg * gg);
      let dcp = dc * f;
      if (peephole) {
        dcp += dai * load<f32>(at(peep, j)) + daf * load<f32>(at(peep, H + j));
        store<f32>(at(dp, j), load<f32>(at(dp, j)) + dai * c);
        store<f32>(at(dp, H + j), load<f32>(at(dp, H + j)) + daf * c);
        store<f32>(at(dp, 2 * H + j), load<f32>(at(dp, 2 * H + j)) + dao * load<f32>(at(c1, r + j)));
      }
      store<f32>(at(dg, j), dai);
      store<f32>(at(dg, H + j), daf);
      store<f32>(at(dg, 2 * H + j), dag);
      store<f32>(at(dg, 3 * H + j), dao);
      store<f32>(at(ch, r + j), 0);
      store<f32>(at(cc, r + j), dcp);
    }
  }
}

@inline function lstm_step_backward_simd(dG: usize, ch: usize, cc: usize, dhs: usize, G: usize, c0: usize, c1: usize, tc: usize, peep: usize, dp: usize, B: i32, H: i32, peephole: bool): void {
  const H4 = H & ~3;
  const one = f32x4.splat(1), zero = f32x4.splat(0);
  for (let b = 0; b < B; b++) {
    const g = at(G, b * 4 * H), dg = at(dG, b * 4 * H), r = b * H;
    for (let j = 0; j < H4; j += 4) {
      const i = v128.load(at(g, j)), f = v128.load(at(g, H + j));
      const gg = v128.load(at(g, 2 * H + j)), o = v128.load(at(g, 3 * H + j));
      const tcn = v128.load(at(tc, r + j)), c = v128.load(at(c0, r + j));
      const dh = f32x4.add(v128.load(at(dhs, r + j)), v128.load(at(ch, r + j)));
      const dao = f32x4.mul(f32x4.mul(dh, tcn), f32x4.mul(o, f32x4.sub(one, o)));
      let dc = f32x4.add(v128.load(at(cc, r + j)), f32x4.mul(f32x4.mul(dh, o), f32x4.sub(one, f32x4.mul(tcn, tcn))));
      if (peephole) dc = f32x4.add(dc, f32x4.mul(dao, v128.load(at(peep, 2 * H + j))));
      const dai = f32x4.mul(f32x4.mul(dc, gg), f32x4.mul(i, f32x4.sub(one, i)));
      const daf = f32x4.mul(f32x4.mul(dc, c), f32x4.mul(f, f32x4.sub(one, f)));
      const dag = f32x4.mul(f32x4.mul(dc, i), f32x4.sub(one, f32x4.mul(gg, gg)));
      let dcp = f32x4.mul(dc, f);
      if (peephole) {
        dcp = f32x4.add(dcp, f32x4.mul(dai, v128.load(at(peep, j))));
        dcp = f32x4.add(dcp, f32x4.mul(daf, v128.load(at(peep, H + j))));
        v128.store(at(dp, j), f32x4.add(v128.load(at(dp, j)), f32x4.mul(dai, c)));
        v128.store(at(dp, H + j), f32x4.add(v128.load(at(dp, H + j)), f32x4.mul(daf, c)));
        v128.store(at(dp, 2 * H + j), f32x4.add(v128.load(at(dp, 2 * H + j)), f32x4.mul(dao, v128.load(at(c1, r + j)))));
      }
      v128.store(at(dg, j), dai);
      v128.store(at(dg, H + j), daf);
      v128.store(at(dg, 2 * H + j), dag);
      v128.store(at(dg, 3 * H + j), dao);
      v128.store(at(ch, r + j), zero);
      v128.store(at(cc, r + j), dcp);
    }
  }
  if (H4 < H) lstm_step_backward_scalar(dG, ch, cc, dhs, G, c0, c1, tc, peep, dp, B, H, H4, peephole);
}

export function lstm_backward(
  dx: usize,      // (T, B, I) or 0
  dh0: usize,     // (B, H) or 0
  dc0: usize,     // (B, H) or 0
  dW: usize,      // (I, 4H)
  dU: usize,      // (H, 4H)
  dbih: usize,    // (4H)
  dbhh: usize,    // (4H)
  dpeep: usize,   // (3H) or 0
  dhs: usize,     // (T, B, H) ∂L/∂hs[1..T]
  hs: usize,      // (T+1, B, H)
  saved: usize,   // lstm_forward's
  x: usize,       // (T, B, I)
  packed: usize,  // lstm_pack
  peep: usize,    // (3H)
  work: usize,    // lstm_work_size
  T: i32, B: i32, I: i32, H: i32, peephole: bool, simd: bool,
): void {
  const G4 = 4 * H, BH = B * H;
  const UTp = at(packed, packed_size(I, G4) + packed_size(H, G4));
  const WTp = at(UTp, packed_size(G4, H));
  const cs = saved;                            // (T+1, B, H)
  const gates = at(cs, (T + 1) * BH);          // (T, B, 4H)
  const tcs = at(gates, T * B * G4);           // (T, B, H)
  const dG = work;                             // (T, B, 4H)
  const ch = at(dG, T * B * G4);               // (B, H) ∂L/∂h_{t-1} through the recurrence
  const cc = at(ch, BH);                       // (B, H) ∂L/∂c_{t-1}
  const sums = at(cc, BH);                     // (4H)
  const dp = at(sums, G4);                     // (3H) Σ of the peephole gradient terms
  memory.fill(ch, 0, <usize>(2 * BH) << 2);
  memory.fill(dp, 0, <usize>(3 * H) << 2);
  for (let t = T - 1; t >= 0; t--) {
    const dGt = at(dG, t * B * G4), Gt = at(gates, t * B * G4);
    const dhst = at(dhs, t * BH), c0 = at(cs, t * BH), c1 = at(c0, BH), tc = at(tcs, t * BH);
    if (simd) {
      if (peephole) lstm_step_backward_simd(dGt, ch, cc, dhst, Gt, c0, c1, tc, peep, dp, B, H, true);
      else lstm_step_backward_simd(dGt, ch, cc, dhst, Gt, c0, c1, tc, peep, dp, B, H, false);
    } else {
      if (peephole) lstm_step_backward_scalar(dGt, ch, cc, dhst, Gt, c0, c1, tc, peep, dp, B, H, 0, true);
      else lstm_step_backward_scalar(dGt, ch, cc, dhst, Gt, c0, c1, tc, peep, dp, B, H, 0, false);
    }
    if (t > 0 || dh0) mm(simd, ch, H, dGt, G4, UTp, B, H, G4); // ch += dG_t·Uᵀ
  }
  if (dh0) add_into(dh0, ch, BH);
  if (dc0) add_into(dc0, cc, BH);
  const TB = T * B;
  mm_tn(simd, dW, G4, x, I, dG, G4, I, G4, TB);  // dW += Xᵀ·dG
  mm_tn(simd, dU, G4, hs, H, dG, G4, H, G4, TB); // dU += Hprevᵀ·dG
  colsum_store(sums, dG, G4, TB, G4, simd);
  add_into(dbih, sums, G4);
  add_into(dbhh, sums, G4);
  if (peephole && dpeep) add_into(dpeep, dp, 3 * H);
  if (dx) mm(simd, dx, I, dG, G4, WTp, TB, I, G4); // dx += dG·Wᵀ
}
