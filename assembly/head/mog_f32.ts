// mog_nll / mog_params: the mixture-of-Gaussians output head of the raw-speech experiments.
// K components over D values with diagonal covariances. One row of logits z has
// O = K·(1 + 2D) columns:
//   [ a_k (K mixture logits) | μ_{k,d} at K + k·D + d | s_{k,d} at K + K·D + k·D + d ]
// (k-major: component k's D means, then later its D raw log-scales), and
//   π = softmax(a),   σ_{k,d} = SIGMA_MIN + exp(clamp(s_{k,d}, S_MIN, S_MAX)).
// A target row y holds D values. The loss of a row is
//   ℓ = −log Σ_k π_k Π_d N(y_d; μ_{k,d}, σ_{k,d}²)
//     = −LSE_k(L_k) + D·½·log 2π,   L_k = log π_k − S_k,   S_k = Σ_d (½u² + log σ),   u = (y_d − μ_{k,d})/σ_{k,d},
// with log π = a − LSE(a) (around the largest a) and the outer LSE around the largest L_b, its
// terms δ_k = L_k − L_b formed part by part as (a_k − a_b) − (S_k − S_b) in f64: a target far
// from every mean makes S huge (1e12 at 1e3 away on the σ floor) and f32, or even f64 once
// log π is added to S, would round log π away; this way a shared S cancels exactly. With the
// responsibilities γ_k = softmax_k(L_k) = exp(δ_k)/Σ exp(δ):
//   ∂ℓ/∂a_k = π_k − γ_k,   ∂ℓ/∂μ_{k,d} = −γ_k·u/σ,   ∂ℓ/∂s_{k,d} = γ_k·(1 − u²)·exp(s)/σ.
//
// SIGMA_MIN = 1e-3. The speech data are normalised to unit variance; 16-bit audio at an RMS
// of about 2000 steps makes one quantisation step ≈ 5e-4 there, so the floor is about two
// steps. Without a floor a density over quantised values can grow without bound by shrinking
// σ onto repeated samples; with it, one dimension's log density is at most
// −log(1e-3) − ½·log 2π ≈ 5.99 nats.
// The clamp to [S_MIN, S_MAX] = [−20, 20] keeps exp(s) finite and meaningful: at −20 it is
// 2.1e-9, so σ is SIGMA_MIN·(1 + 2e-6) (already on the floor), and at 20 σ is 4.9e8. Outside the
// range the loss does not depend on s, and dz_s is exactly 0 there (the derivative of what is
// computed; at s = ±20 exactly the inner derivative is used). From unit-variance data the
// gradient keeps s far inside: for σ ≫ |y − μ| it is ≈ +γ, pushing s down.
//
// mog_nll returns Σ_i mask_i·ℓ_i accumulated in f64 (not normalised) and unless dz = 0 writes
// (not +=) dz = mask·∂ℓ/∂z, (N, O). mask = 0 means every row has mask 1. Rows whose mask is
// exactly 0 are skipped: they add nothing and get dz = 0 even if their z or y are NaN.
// dz may alias z (each element of z is read before its place in dz is written). A NaN or
// ±inf in a counted row makes the loss NaN or inf; a target more than ~1e16 from a mean at
// σ = SIGMA_MIN overflows u² (the binding only admits finite targets; normalised data are O(1)).
// mog_params writes the distribution, same layout: out row = [π | μ | σ]; out may equal z.
//
// Dims: 1 ≤ K ≤ 256, 1 ≤ D ≤ 256 (asserted in the debug build; elsewhere a call with other
// dims returns NaN, or for mog_params does nothing, without touching memory). The per-row
// mixture quantities live in a static scratch of MOG_MAX_K entries.
//
// Vectorisation: the D values of one component go four lanes at a time (μ and s of a component
// are contiguous), the last D mod 4 through partial loads and stores (load32/64_zero,
// store32/64_lane) with the dead lanes masked out of the sum; the K-wide passes (softmax of a,
// LSE of L, dz_a) use the row helpers of softmax_rows_f32.ts. The scalar twins compute every
// element in f64 with libm and recompute instead of keeping intermediates.
import { checkRange, madd4 } from "../util";
import { exp4, log4, hsum4_f64 } from "./exp_f32";
import { row_max_f32, row_exp_f32, row_scale_f32 } from "./softmax_rows_f32";

/** σ = SIGMA_MIN + exp(clamp(s, S_MIN, S_MAX)). */
export const SIGMA_MIN: f32 = 1e-3;
export const S_MIN: f32 = -20;
export const S_MAX: f32 = 20;
export const MOG_MAX_K: i32 = 256;
export const MOG_MAX_D: i32 = 256;
const HALF_LOG_2PI: f64 = 0.91893853320467274178;

// Per-row scratch: exp(a_k − max a) and exp(L_k − max L) (f32), S_k (f64).
const PI_BUF: usize = memory.data(MOG_MAX_K << 2, 16);
const LK_BUF: usize = memory.data(MOG_MAX_K << 2, 16);
const S_BUF: usize = memory.data(MOG_MAX_K << 3, 16);

@inline
function dimsOk(N: i32, K: i32, D: i32): bool {
  return N >= 0 && K >= 1 && K <= MOG_MAX_K && D >= 1 && D <= MOG_MAX_D;
}

/** n ∈ 1..4 floats at p into the low lanes, zeros above. */
@inline
function load_part(p: usize, n: i32): v128 {
  if (n >= 4) return v128.load(p);
  if (n == 1) return v128.load32_zero(p);
  const v = v128.load64_zero(p);
  return n == 2 ? v : v128.load32_lane(p + 8, v, 2);
}

/** The low n ∈ 1..4 lanes of v to p. */
@inline
function store_part(p: usize, v: v128, n: i32): void {
  if (n >= 4) { v128.store(p, v); return; }
  if (n == 1) { v128.store32_lane(p, v, 0); return; }
  v128.store64_lane(p, v, 0);
  if (n == 3) v128.store32_lane(p + 8, v, 2);
}

/** σ of four raw log-scales. */
@inline
function sigma4(s: v128): v128 {
  const sc = f32x4.pmax(f32x4.pmin(s, f32x4.splat(S_MAX)), f32x4.splat(S_MIN));
  return f32x4.add(exp4(sc), f32x4.splat(SIGMA_MIN));
}

/** n lanes of one component: returns ½u² + log σ per lane (dead lanes 0, `live` marks the
 *  others when n < 4); with gm ≠ 0 also writes u/σ to gm and (1 − u²)·exp(s)/σ (0 outside
 *  the clamp) to gs — the per-element factors of ∂ℓ/∂μ and ∂ℓ/∂s before γ_k is known. */
@inline
function mog_lanes(mu_p: usize, s_p: usize, y_p: usize, gm: usize, gs: usize, n: i32, live: v128): v128 {
  const mu = load_part(mu_p, n), s = load_part(s_p, n), yv = load_part(y_p, n);
  const lo = f32x4.splat(S_MIN), hi = f32x4.splat(S_MAX), one = f32x4.splat(1);
  const e = exp4(f32x4.pmax(f32x4.pmin(s, hi), lo));
  const sigma = f32x4.add(e, f32x4.splat(SIGMA_MIN));
  const r = f32x4.div(one, sigma);
  const u = f32x4.mul(f32x4.sub(yv, mu), r);
  const u2 = f32x4.mul(u, u);
  const t = madd4(u2, f32x4.splat(0.5), log4(sigma));
  if (gm) {
    store_part(gm, f32x4.mul(u, r), n);
    const inside = v128.and(f32x4.ge(s, lo), f32x4.le(s, hi));
    store_part(gs, v128.and(f32x4.mul(f32x4.sub(one, u2), f32x4.mul(e, r)), inside), n);
  }
  return n >= 4 ? t : v128.and(t, live);
}

/** x[0..n) *= g, four lanes at a time. */
@inline
function scale_row(x: usize, n: i32, g: f32): void {
  const gv = f32x4.splat(g);
  let j = 0;
  for (; j + 4 <= n; j += 4) v128.store(x + (<usize>j << 2), f32x4.mul(v128.load(x + (<usize>j << 2)), gv));
  if (j < n) store_part(x + (<usize>j << 2), f32x4.mul(load_part(x + (<usize>j << 2), n - j), gv), n - j);
}

export function mog_nll(dz: usize, z: usize, y: usize, mask: usize, N: i32, K: i32, D: i32): f64 {
  assert(dimsOk(N, K, D), "mog_nll: bad dims");
  if (!dimsOk(N, K, D)) return NaN;
  const KD = K * D, O = K + 2 * KD;
  checkRange(z, N * O); checkRange(y, N * D);
  if (mask) checkRange(mask, N);
  if (dz) checkRange(dz, N * O);
  const tail = D & 3, Dv = D - tail;
  const live = i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(tail));
  const rowConst: f64 = <f64>D * HALF_LOG_2PI;
  let total: f64 = 0;
  for (let i = 0; i < N; i++) {
    const m: f32 = mask ? load<f32>(mask + (<usize>i << 2)) : 1;
    const zr = z + (<usize>(i * O) << 2), yr = y + (<usize>(i * D) << 2);
    const dr: usize = dz ? dz + (<usize>(i * O) << 2) : 0;
    if (m == 0) {
      if (dz) memory.fill(dr, 0, <usize>O << 2);
      continue;
    }
    // log π = a − LSE(a); PI_BUF keeps exp(a − max a) for dz_a
    const mxA = row_max_f32(zr, K);
    const sA = row_exp_f32(PI_BUF, zr, K, mxA);
    const lseA = <f64>mxA + Math.log(sA);
    let best = 0, bestL: f64 = -Infinity;
    for (let k = 0; k < K; k++) {
      const off = <usize>(K + k * D) << 2;
      const mu_p = zr + off, s_p = mu_p + (<usize>KD << 2);
      const gm: usize = dz ? dr + off : 0, gs: usize = dz ? gm + (<usize>KD << 2) : 0;
      let acc = f32x4.splat(0);
      let d = 0;
      for (; d < Dv; d += 4) {
        const o = <usize>d << 2;
        acc = f32x4.add(acc, mog_lanes(mu_p + o, s_p + o, yr + o, gm ? gm + o : 0, gs + o, 4, live));
      }
      if (tail) {
        const o = <usize>d << 2;
        acc = f32x4.add(acc, mog_lanes(mu_p + o, s_p + o, yr + o, gm ? gm + o : 0, gs + o, tail, live));
      }
      // S_k = Σ_d (½u² + log σ) in f64; the log joint is L_k = a_k − LSE(a) − S_k
      const S = hsum4_f64(acc);
      store<f64>(S_BUF + (<usize>k << 3), S);
      const L = <f64>load<f32>(zr + (<usize>k << 2)) - S;
      if (L > bestL) { bestL = L; best = k; }
    }
    // γ = softmax(L) from δ_k = L_k − L_best taken part by part, (a_k − a_b) − (S_k − S_b): a far
    // target makes S huge next to the logits, and a shared S must cancel exactly.
    const aB = <f64>load<f32>(zr + (<usize>best << 2)), sB = load<f64>(S_BUF + (<usize>best << 3));
    for (let k = 0; k < K; k++) {
      const delta = (<f64>load<f32>(zr + (<usize>k << 2)) - aB) - (load<f64>(S_BUF + (<usize>k << 3)) - sB);
      store<f32>(LK_BUF + (<usize>k << 2), <f32>delta);
    }
    const sL = row_exp_f32(LK_BUF, LK_BUF, K, 0);                    // LK_BUF: exp(δ_k)
    total += <f64>m * (rowConst + sB - (aB - lseA) - Math.log(sL));
    if (dz) {
      const invA = f32x4.splat(<f32>(1.0 / sA)), invL = f32x4.splat(<f32>(1.0 / sL)), mv = f32x4.splat(m);
      let k = 0;
      for (; k + 4 <= K; k += 4) {
        const o = <usize>k << 2;
        const g = f32x4.sub(f32x4.mul(v128.load(PI_BUF + o), invA), f32x4.mul(v128.load(LK_BUF + o), invL));
        v128.store(dr + o, f32x4.mul(mv, g));
      }
      if (k < K) {
        const o = <usize>k << 2;
        const g = f32x4.sub(f32x4.mul(v128.load(PI_BUF + o), invA), f32x4.mul(v128.load(LK_BUF + o), invL));
        store_part(dr + o, f32x4.mul(mv, g), K - k);
      }
      const iL = <f32>(1.0 / sL);
      for (k = 0; k < K; k++) {
        const g = m * load<f32>(LK_BUF + (<usize>k << 2)) * iL;   // mask·γ_k
        const gm = dr + (<usize>(K + k * D) << 2);
        scale_row(gm, D, -g);
        scale_row(gm + (<usize>KD << 2), D, g);
      }
    }
  }
  return total;
}

/** The scalar twin: same contract, every element in f64 with libm exp / log; the gradient
 *  pass recomputes each element instead of keeping intermediates. */
export function mog_nll_scalar(dz: usize, z: usize, y: usize, mask: usize, N: i32, K: i32, D: i32): f64 {
  assert(dimsOk(N, K, D), "mog_nll_scalar: bad dims");
  if (!dimsOk(N, K, D)) return NaN;
  const KD = K * D, O = K + 2 * KD;
  checkRange(z, N * O); checkRange(y, N * D);
  if (mask) checkRange(mask, N);
  if (dz) checkRange(dz, N * O);
  const rowConst: f64 = <f64>D * HALF_LOG_2PI;
  let total: f64 = 0;
  for (let i = 0; i < N; i++) {
    const m: f64 = mask ? <f64>load<f32>(mask + (<usize>i << 2)) : 1;
    const zr = z + (<usize>(i * O) << 2), yr = y + (<usize>(i * D) << 2);
    const dr: usize = dz ? dz + (<usize>(i * O) << 2) : 0;
    if (m == 0) {
      if (dz) for (let o = 0; o < O; o++) store<f32>(dr + (<usize>o << 2), 0);
      continue;
    }
    let mxA: f64 = -Infinity;
    for (let k = 0; k < K; k++) mxA = Math.max(mxA, <f64>load<f32>(zr + (<usize>k << 2)));
    let sA: f64 = 0;
    for (let k = 0; k < K; k++) sA += Math.exp(<f64>load<f32>(zr + (<usize>k << 2)) - mxA);
    const lseA = mxA + Math.log(sA);
    let best = 0, bestL: f64 = -Infinity;
    for (let k = 0; k < K; k++) {
      let S: f64 = 0;
      for (let d = 0; d < D; d++) {
        const j = <usize>(K + k * D + d) << 2;
        const mu = <f64>load<f32>(zr + j), s = <f64>load<f32>(zr + j + (<usize>KD << 2));
        const sigma = <f64>SIGMA_MIN + Math.exp(Math.min(Math.max(s, <f64>S_MIN), <f64>S_MAX));
        const u = (<f64>load<f32>(yr + (<usize>d << 2)) - mu) / sigma;
        S += 0.5 * u * u + Math.log(sigma);
      }
      store<f64>(S_BUF + (<usize>k << 3), S);
      const L = <f64>load<f32>(zr + (<usize>k << 2)) - S;
      if (L > bestL) { bestL = L; best = k; }
    }
    const aB = <f64>load<f32>(zr + (<usize>best << 2)), sB = load<f64>(S_BUF + (<usize>best << 3));
    let sL: f64 = 0;
    for (let k = 0; k < K; k++) sL += Math.exp((<f64>load<f32>(zr + (<usize>k << 2)) - aB) - (load<f64>(S_BUF + (<usize>k << 3)) - sB));
    const lseL = Math.log(sL);
    total += m * (rowConst + sB - (aB - lseA) - lseL);
    if (!dz) continue;
    for (let k = 0; k < K; k++) {
      const gam = Math.exp((<f64>load<f32>(zr + (<usize>k << 2)) - aB) - (load<f64>(S_BUF + (<usize>k << 3)) - sB) - lseL);
      const pi = Math.exp(<f64>load<f32>(zr + (<usize>k << 2)) - lseA);
      for (let d = 0; d < D; d++) {
        const j = <usize>(K + k * D + d) << 2, js = j + (<usize>KD << 2);
        const mu = <f64>load<f32>(zr + j), s = <f64>load<f32>(zr + js);
        const e = Math.exp(Math.min(Math.max(s, <f64>S_MIN), <f64>S_MAX));
        const sigma = <f64>SIGMA_MIN + e;
        const u = (<f64>load<f32>(yr + (<usize>d << 2)) - mu) / sigma;
        const inside = s >= <f64>S_MIN && s <= <f64>S_MAX;
        store<f32>(dr + j, <f32>(-m * gam * u / sigma));
        store<f32>(dr + js, inside ? <f32>(m * gam * (1 - u * u) * e / sigma) : 0);
      }
      store<f32>(dr + (<usize>k << 2), <f32>(m * (pi - gam)));
    }
  }
  return total;
}

/** out (N, O) ← [π = softmax(a) | μ | σ] per row; out may equal z. */
export function mog_params(out: usize, z: usize, N: i32, K: i32, D: i32): void {
  assert(dimsOk(N, K, D), "mog_params: bad dims");
  if (!dimsOk(N, K, D)) return;
  const KD = K * D, O = K + 2 * KD;
  checkRange(out, N * O); checkRange(z, N * O);
  for (let i = 0; i < N; i++) {
    const zr = z + (<usize>(i * O) << 2), orow = out + (<usize>(i * O) << 2);
    const mx = row_max_f32(zr, K);
    const s = row_exp_f32(orow, zr, K, mx);
    row_scale_f32(orow, K, <f32>(1.0 / s));
    if (orow != zr) memory.copy(orow + (<usize>K << 2), zr + (<usize>K << 2), <usize>KD << 2);
    const zs = zr + (<usize>(K + KD) << 2), os = orow + (<usize>(K + KD) << 2);
    let j = 0;
    for (; j + 4 <= KD; j += 4) v128.store(os + (<usize>j << 2), sigma4(v128.load(zs + (<usize>j << 2))));
    if (j < KD) store_part(os + (<usize>j << 2), sigma4(load_part(zs + (<usize>j << 2), KD - j)), KD - j);
  }
}

/** Scalar twin: the same in f64 with libm exp. */
export function mog_params_scalar(out: usize, z: usize, N: i32, K: i32, D: i32): void {
  assert(dimsOk(N, K, D), "mog_params_scalar: bad dims");
  if (!dimsOk(N, K, D)) return;
  const KD = K * D, O = K + 2 * KD;
  checkRange(out, N * O); checkRange(z, N * O);
  for (let i = 0; i < N; i++) {
    const zr = z + (<usize>(i * O) << 2), orow = out + (<usize>(i * O) << 2);
    let mx: f64 = -Infinity;
    for (let k = 0; k < K; k++) mx = Math.max(mx, <f64>load<f32>(zr + (<usize>k << 2)));
    let s: f64 = 0;
    for (let k = 0; k < K; k++) s += Math.exp(<f64>load<f32>(zr + (<usize>k << 2)) - mx);
    for (let k = 0; k < K; k++) {
      const p = <usize>k << 2;
      store<f32>(orow + p, <f32>(Math.exp(<f64>load<f32>(zr + p) - mx) / s));
    }
    for (let j = K; j < K + KD; j++) store<f32>(orow + (<usize>j << 2), load<f32>(zr + (<usize>j << 2)));
    for (let j = K + KD; j < O; j++) {
      const p = <usize>j << 2;
      const sv = <f64>load<f32>(zr + p);
      store<f32>(orow + p, <f32>(<f64>SIGMA_MIN + Math.exp(Math.min(Math.max(sv, <f64>S_MIN), <f64>S_MAX))));
    }
  }
}
