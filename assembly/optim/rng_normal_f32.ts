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
import { rng_load, rng_store, rng_next, rng_fill_u32, rngBuf, RNG_BATCH, rng_jump_matrix, mat_vec, rng_get4, rng_set4 } from "./rng_xoshiro128";

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

/** Transposes the 4 × 4 u32 rows a..d and stores column L at p + L·LANE_BYTES. */
@inline
function store_t4(p: usize, a: v128, b: v128, c: v128, d: v128): void {
  const ab0 = v128.shuffle<u32>(a, b, 0, 4, 1, 5), cd0 = v128.shuffle<u32>(c, d, 0, 4, 1, 5);
  const ab1 = v128.shuffle<u32>(a, b, 2, 6, 3, 7), cd1 = v128.shuffle<u32>(c, d, 2, 6, 3, 7);
  v128.store(p, v128.shuffle<u32>(ab0, cd0, 0, 1, 4, 5));
  v128.store(p + LANE_BYTES, v128.shuffle<u32>(ab0, cd0, 2, 3, 6, 7));
  v128.store(p + 2 * LANE_BYTES, v128.shuffle<u32>(ab1, cd1, 0, 1, 4, 5));
  v128.store(p + 3 * LANE_BYTES, v128.shuffle<u32>(ab1, cd1, 2, 3, 6, 7));
}

/** Below this many whole blocks per lane, one stretch is cheaper than building a jump matrix. */
const LANE_MIN_BLOCKS = 32;
const LANE_BATCH = RNG_BATCH >> 5; // blocks per lane per batch: 4 lanes × 8 blocks × 8 draws
const LANE_BYTES: usize = <usize>LANE_BATCH << 5; // one lane's share of rngBuf
const laneRows: usize = memory.data(8 * 16, 16);   // one block's eight draws on the four lanes

/** The first 32·mb values of normal_affine, the same draws and the same arithmetic, with the
 *  draws made on four lanes at once: lane L draws blocks L·mb .. (L+1)·mb − 1 of the stream from
 *  the state jumped ahead by 8·mb·L steps (rng_jump_matrix). Leaves the live state where the
 *  sequential draws would (after 32·mb draws). */
@inline
function normal_affine_lanes(dst: usize, src: usize, mb: i32, meanv: v128, stdv: v128): void {
  const J = rng_jump_matrix(<u32>mb << 3);
  const L0 = rng_get4(), L1 = mat_vec(J, L0), L2 = mat_vec(J, L1), L3 = mat_vec(J, L2);
  // a, b, c, d: words s0..s3 of the four lanes
  let a = i32x4(i32x4.extract_lane(L0, 0), i32x4.extract_lane(L1, 0), i32x4.extract_lane(L2, 0), i32x4.extract_lane(L3, 0));
  let b = i32x4(i32x4.extract_lane(L0, 1), i32x4.extract_lane(L1, 1), i32x4.extract_lane(L2, 1), i32x4.extract_lane(L3, 1));
  let c = i32x4(i32x4.extract_lane(L0, 2), i32x4.extract_lane(L1, 2), i32x4.extract_lane(L2, 2), i32x4.extract_lane(L3, 2));
  let d = i32x4(i32x4.extract_lane(L0, 3), i32x4.extract_lane(L1, 3), i32x4.extract_lane(L2, 3), i32x4.extract_lane(L3, 3));
  const five = i32x4.splat(5), nine = i32x4.splat(9);
  for (let b0 = 0; b0 < mb; b0 += LANE_BATCH) {
    const nb = min(LANE_BATCH, mb - b0);
    // rngBuf: lane L's blocks b0 .. b0 + nb − 1 at rngBuf + (L·LANE_BATCH + k)·32 bytes
    for (let k = 0; k < nb; k++) {
      const out = rngBuf + (<usize>k << 5);
      // eight steps of rng_next on every lane: row j of laneRows = draw j of this block
      for (let j = 0; j < 8; j++) {
        const x = i32x4.mul(b, five);
        v128.store(laneRows + (<usize>j << 4), i32x4.mul(v128.or(i32x4.shl(x, 7), i32x4.shr_u(x, 25)), nine));
        const t = i32x4.shl(b, 9);
        c = v128.xor(c, a); d = v128.xor(d, b); b = v128.xor(b, c); a = v128.xor(a, d);
        c = v128.xor(c, t);
        d = v128.or(i32x4.shl(d, 11), i32x4.shr_u(d, 21));
      }
      // transposed, so each lane's block is its eight draws in order: lane L's draws 0..3 at
      // out + L·LANE_BYTES, draws 4..7 16 bytes on
      store_t4(out, v128.load(laneRows), v128.load(laneRows, 16), v128.load(laneRows, 32), v128.load(laneRows, 48));
      store_t4(out + 16, v128.load(laneRows, 64), v128.load(laneRows, 80), v128.load(laneRows, 96), v128.load(laneRows, 112));
    }
    for (let L = 0; L < 4; L++) {
      const buf = rngBuf + (<usize>(L * LANE_BATCH) << 5);
      for (let k = 0; k < nb; k++) normal_block8(buf + (<usize>k << 5));
      const first = (L * mb + b0) << 3; // the lane's first value in this batch
      for (let j = 0; j < nb << 3; j += 4) {
        const o = <usize>(first + j) << 2;
        const base = src ? f32x4.add(v128.load(src + o), meanv) : meanv;
        v128.store(dst + o, madd4(stdv, v128.load(buf + (<usize>j << 2)), base));
      }
    }
  }
  rng_set4(i32x4(i32x4.extract_lane(a, 3), i32x4.extract_lane(b, 3), i32x4.extract_lane(c, 3), i32x4.extract_lane(d, 3)));
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
  const mb = n >> 5; // whole blocks per lane when the whole blocks are split in four
  if (mb >= LANE_MIN_BLOCKS) {
    normal_affine_lanes(dst, src, mb, meanv, stdv);
    i = mb << 5;
  }
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
