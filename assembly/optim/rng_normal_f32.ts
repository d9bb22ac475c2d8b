// Gaussian kernels: fill_normal_f32 (dst = mean + std·z) and weight_noise_f32 (dst = src + σ·z),
// z ~ N(0, 1) by the Box–Muller transform, vectorised.
//
// The stream, exactly: normals come in blocks of 8 from 8 consecutive xoshiro128** draws
// r0..r7. For j = 0..3: u1 = ((r_j >> 8) + 1)·2^-24 ∈ (0, 1], u2 = (r_{4+j} >> 8)·2^-24 ∈ [0, 1),
// R = sqrt(−2 ln u1), θ = 2π·u2; z_j = R cos θ, z_{4+j} = R sin θ. A final partial block
// (n mod 8 values) still consumes 8 draws and uses its first values. |z| ≤ sqrt(48 ln 2) ≈ 5.77
// (u1 ≥ 2^-24), a tail cut at probability ≈ 8e-9. Box–Muller is exact in distribution,
// needs no rejection loop (so it vectorises) and costs one log, one sqrt and one sincos per two
// normals; the ziggurat is faster in scalar code but branches per value.
// Vector math: ln u by exponent split and 2·atanh series (|s| ≤ 0.172, to s^9); sin/cos of
// 2π·u2 by quadrant reduction in turns (exact) and Taylor polynomials on [−π/4, π/4].
// The scalar twins use f64 libm log / sqrt / cos / sin on the same u1, u2: they agree with the
// SIMD kernels to a few f32 ulps of the result.
import { checkRange, madd4 } from "../util";
import { rng_load, rng_store, rng_next, rng_fill_u32, rngBuf, RNG_BATCH } from "./rng_xoshiro128";

const INV24: f32 = 5.9604644775390625e-8; // 2^-24
const LN2: f32 = 0.6931471805599453;
const TWO_PI: f32 = 6.283185307179586;
const ROUND_MAGIC: f32 = 12582912.0;      // 1.5·2^23

/** ln u on four lanes for positive normal u. */
@inline
function log4(u: v128): v128 {
  let e = i32x4.sub(i32x4.shr_u(u, 23), i32x4.splat(127));
  let m = v128.or(v128.and(u, i32x4.splat(0x007fffff)), i32x4.splat(0x3f800000)); // [1, 2)
  const big = f32x4.gt(m, f32x4.splat(1.41421356));
  m = v128.bitselect(f32x4.mul(m, f32x4.splat(0.5)), m, big);                      // [√½, √2)
  e = i32x4.sub(e, big);                                                            // +1 where halved
  const s = f32x4.div(f32x4.sub(m, f32x4.splat(1)), f32x4.add(m, f32x4.splat(1)));
  const s2 = f32x4.mul(s, s);
  let p = f32x4.splat(<f32>(1.0 / 9.0));
  p = madd4(p, s2, f32x4.splat(<f32>(1.0 / 7.0)));
  p = madd4(p, s2, f32x4.splat(<f32>(1.0 / 5.0)));
  p = madd4(p, s2, f32x4.splat(<f32>(1.0 / 3.0)));
  p = madd4(p, s2, f32x4.splat(1));
  return madd4(f32x4.convert_i32x4_s(e), f32x4.splat(LN2), f32x4.mul(f32x4.add(s, s), p));
}

/** Turns the 8 draws at `raw` into the block's 8 normals, in place (f32 z0..z7). */
@inline
function normal_block8(raw: usize): void {
  const ra = v128.load(raw), rb = v128.load(raw, 16);
  const inv = f32x4.splat(INV24);
  const u1 = f32x4.mul(f32x4.convert_i32x4_s(i32x4.add(i32x4.shr_u(ra, 8), i32x4.splat(1))), inv);
  const u2 = f32x4.mul(f32x4.convert_i32x4_s(i32x4.shr_u(rb, 8)), inv);
  const R = f32x4.sqrt(f32x4.mul(f32x4.splat(-2), log4(u1)));
  // θ = 2π·u2: quadrant q = round(4·u2) ∈ 0..4, remainder r = u2 − q/4 ∈ [−1/8, 1/8] turns (exact)
  const magic = f32x4.splat(ROUND_MAGIC);
  const tq = f32x4.add(f32x4.mul(u2, f32x4.splat(4)), magic);
  const q = i32x4.sub(tq, i32x4.splat(0x4b400000));
  const a = f32x4.mul(f32x4.sub(u2, f32x4.mul(f32x4.sub(tq, magic), f32x4.splat(0.25))), f32x4.splat(TWO_PI));
  const a2 = f32x4.mul(a, a);
  let sp = f32x4.splat(<f32>(1.0 / 362880.0));
  sp = madd4(sp, a2, f32x4.splat(<f32>(-1.0 / 5040.0)));
  sp = madd4(sp, a2, f32x4.splat(<f32>(1.0 / 120.0)));
  sp = madd4(sp, a2, f32x4.splat(<f32>(-1.0 / 6.0)));
  sp = madd4(sp, a2, f32x4.splat(1));
  const sa = f32x4.mul(sp, a);
  let cp = f32x4.splat(<f32>(1.0 / 40320.0));
  cp = madd4(cp, a2, f32x4.splat(<f32>(-1.0 / 720.0)));
  cp = madd4(cp, a2, f32x4.splat(<f32>(1.0 / 24.0)));
  cp = madd4(cp, a2, f32x4.splat(-0.5));
  const ca = madd4(cp, a2, f32x4.splat(1));
  // rotate by q quarter turns: k = q mod 4; cos θ = [c, −s, −c, s][k], sin θ = [s, c, −s, −c][k]
  const swap = i32x4.eq(v128.and(q, i32x4.splat(1)), i32x4.splat(1));
  const C = v128.bitselect(sa, ca, swap), S = v128.bitselect(ca, sa, swap);
  const negC = i32x4.shl(v128.and(i32x4.add(q, i32x4.splat(1)), i32x4.splat(2)), 30);
  const negS = i32x4.shl(v128.and(q, i32x4.splat(2)), 30);
  v128.store(raw, f32x4.mul(R, v128.xor(C, negC)));
  v128.store(raw, f32x4.mul(R, v128.xor(S, negS)), 16);
}

/** dst = (src or 0) + mean + std·z over n values. */
@inline
function normal_affine(dst: usize, src: usize, n: i32, mean: f64, std: f64, state: usize): void {
  checkRange(dst, n); checkRange(state, 4);
  if (src) checkRange(src, n);
  const mf = <f32>mean, sf = <f32>std;
  const meanv = f32x4.splat(mf), stdv = f32x4.splat(sf);
  rng_load(state);
  let i = 0;
  while (i < n) {
    const blocks = min((n - i + 7) >> 3, RNG_BATCH >> 3);   // a partial last block still draws 8
    rng_fill_u32(rngBuf, blocks << 3);
    for (let k = 0; k < blocks; k++) normal_block8(rngBuf + (<usize>k << 5));
    const count = min(n - i, blocks << 3);
    let j = 0;
    for (; j + 4 <= count; j += 4) {
      const o = <usize>(i + j) << 2;
      const base = src ? f32x4.add(v128.load(src + o), meanv) : meanv;
      v128.store(dst + o, madd4(stdv, v128.load(rngBuf + (<usize>j << 2)), base));
    }
    for (; j < count; j++) {
      const o = <usize>(i + j) << 2;
      const base: f32 = src ? load<f32>(src + o) + mf : mf;
      store<f32>(dst + o, sf * load<f32>(rngBuf + (<usize>j << 2)) + base);
    }
    i += count;
  }
  rng_store(state);
}

/** Scalar twin of normal_affine: the same draws, f64 libm transcendental functions. */
@inline
function normal_affine_scalar(dst: usize, src: usize, n: i32, mean: f64, std: f64, state: usize): void {
  checkRange(dst, n); checkRange(state, 4);
  if (src) checkRange(src, n);
  const mf = <f32>mean, sf = <f32>std;
  rng_load(state);
  for (let i = 0; i < n; i += 8) {
    const r0 = rng_next(), r1 = rng_next(), r2 = rng_next(), r3 = rng_next();
    const r4 = rng_next(), r5 = rng_next(), r6 = rng_next(), r7 = rng_next();
    for (let j = 0; j < 8 && i + j < n; j++) {
      const k = j & 3;
      const ra = k == 0 ? r0 : k == 1 ? r1 : k == 2 ? r2 : r3;
      const rb = k == 0 ? r4 : k == 1 ? r5 : k == 2 ? r6 : r7;
      const u1 = <f64>(<f32>((ra >> 8) + 1) * INV24);
      const u2 = <f64>(<f32>(rb >> 8) * INV24);
      const R = Math.sqrt(-2 * Math.log(u1)), th = 2 * Math.PI * u2;
      const z = <f32>(j < 4 ? R * Math.cos(th) : R * Math.sin(th));
      const o = <usize>(i + j) << 2;
      const base: f32 = src ? load<f32>(src + o) + mf : mf;
      store<f32>(dst + o, sf * z + base);
    }
  }
  rng_store(state);
}

/** dst (n) = mean + std·N(0, 1), advancing the generator at `state`. */
export function fill_normal_f32(dst: usize, n: i32, mean: f64, std: f64, state: usize): void {
  normal_affine(dst, 0, n, mean, std, state);
}
export function fill_normal_f32_scalar(dst: usize, n: i32, mean: f64, std: f64, state: usize): void {
  normal_affine_scalar(dst, 0, n, mean, std, state);
}

/** dst (n) = src + σ·N(0, 1) (dst may equal src): the noisy weights of one forward pass. */
export function weight_noise_f32(dst: usize, src: usize, n: i32, sigma: f64, state: usize): void {
  assert(src != 0, "weight_noise_f32: src is required");
  normal_affine(dst, src, n, 0, sigma, state);
}
export function weight_noise_f32_scalar(dst: usize, src: usize, n: i32, sigma: f64, state: usize): void {
  assert(src != 0, "weight_noise_f32_scalar: src is required");
  normal_affine_scalar(dst, src, n, 0, sigma, state);
}
