// Lane functions the heads need: exp4 (range reduction by powers of two, degree-7 Taylor on
// |r| ≤ ln2/2), log1p_unit4 (log1p on [0, 1] through 2·atanh(e / (2 + e))) and log4 (the
// natural log of positive normal floats: exponent split off in the bits, then log1p_unit4 of
// the mantissa − 1). All are accurate to a few f32 ulps on the ranges the heads use; exp4
// flushes results below FLT_MIN (x < −87.34) to 0, returns +inf above ln(FLT_MAX) and lets
// NaN through.
import { madd4 } from "../util";

const EXP_LO: f32 = -87.33654;   // ln(FLT_MIN): below, exp flushes to 0
const EXP_HI: f32 = 88.37626;    // ln(FLT_MAX) rounded up: above, exp is +inf
const LOG2E: f32 = 1.44269504089;
const LN2_HI: f32 = 0.693359375; // ln 2 split so that n·LN2_HI is exact for |n| ≤ 128
const LN2_LO: f32 = -2.12194440e-4;
const ROUND_MAGIC: f32 = 12582912.0; // 1.5·2^23: adding it rounds to an integer in the low bits

/** e^x on four lanes. */
@inline
export function exp4(x: v128): v128 {
  const xc = f32x4.pmax(f32x4.pmin(x, f32x4.splat(EXP_HI)), f32x4.splat(EXP_LO));
  const magic = f32x4.splat(ROUND_MAGIC);
  const t = madd4(xc, f32x4.splat(LOG2E), magic);      // magic + round(x·log2 e)
  const n = f32x4.sub(t, magic);
  let r = madd4(n, f32x4.splat(-LN2_HI), xc);
  r = madd4(n, f32x4.splat(-LN2_LO), r);                 // x − n·ln2, |r| ≤ ln2/2
  let p = f32x4.splat(<f32>(1.0 / 5040.0));
  p = madd4(p, r, f32x4.splat(<f32>(1.0 / 720.0)));
  p = madd4(p, r, f32x4.splat(<f32>(1.0 / 120.0)));
  p = madd4(p, r, f32x4.splat(<f32>(1.0 / 24.0)));
  p = madd4(p, r, f32x4.splat(<f32>(1.0 / 6.0)));
  p = madd4(p, r, f32x4.splat(0.5));
  p = madd4(p, r, f32x4.splat(1.0));
  p = madd4(p, r, f32x4.splat(1.0));
  // 2^n: the integer n sits in the low mantissa bits of t; move it into the exponent field.
  const ni = i32x4.sub(t, i32x4.splat(0x4b400000));
  const scale = i32x4.shl(i32x4.add(ni, i32x4.splat(127)), 23);
  const y = v128.andnot(f32x4.mul(p, scale), f32x4.lt(x, f32x4.splat(EXP_LO)));
  return v128.bitselect(f32x4.splat(Infinity), y, f32x4.gt(x, f32x4.splat(EXP_HI)));
}

/** log(1 + e) on four lanes for e in [0, 1]: 2·atanh(s), s = e/(2+e) ≤ 1/3, series to s^15. */
@inline
export function log1p_unit4(e: v128): v128 {
  const s = f32x4.div(e, f32x4.add(e, f32x4.splat(2.0)));
  const s2 = f32x4.mul(s, s);
  let p = f32x4.splat(<f32>(1.0 / 15.0));
  p = madd4(p, s2, f32x4.splat(<f32>(1.0 / 13.0)));
  p = madd4(p, s2, f32x4.splat(<f32>(1.0 / 11.0)));
  p = madd4(p, s2, f32x4.splat(<f32>(1.0 / 9.0)));
  p = madd4(p, s2, f32x4.splat(<f32>(1.0 / 7.0)));
  p = madd4(p, s2, f32x4.splat(<f32>(1.0 / 5.0)));
  p = madd4(p, s2, f32x4.splat(<f32>(1.0 / 3.0)));
  p = madd4(p, s2, f32x4.splat(1.0));
  return f32x4.mul(f32x4.add(s, s), p);
}

/** log(x) on four lanes for positive normal x (the mixture head's σ ≥ 1e-3). x = 2^k·f with
 *  f ∈ [√½, √2) taken from the bits (musl's logf split); log f = log1p_unit4(f − 1), whose
 *  atanh series holds there too (|s| = |f−1|/(f+1) ≤ 0.172 < 1/3; f − 1 is exact); k·ln 2 is
 *  added in two parts. NaN propagates; 0, negatives, subnormals and +inf are outside the domain
 *  (a finite meaningless value comes back). */
@inline
export function log4(x: v128): v128 {
  const ix = i32x4.add(x, i32x4.splat(0x3f800000 - 0x3f3504f3));   // carries into the exponent iff f ≥ √2
  const k = f32x4.convert_i32x4_s(i32x4.sub(i32x4.shr_s(ix, 23), i32x4.splat(0x7f)));
  const f = f32x4.sub(i32x4.add(v128.and(ix, i32x4.splat(0x007fffff)), i32x4.splat(0x3f3504f3)), f32x4.splat(1.0));
  const r = madd4(k, f32x4.splat(LN2_HI), madd4(k, f32x4.splat(LN2_LO), log1p_unit4(f)));
  return v128.bitselect(x, r, f32x4.ne(x, x));
}

/** Sum of the four lanes of an f32x4, as f64 (each lane promoted before adding). */
@inline
export function hsum4_f64(v: v128): f64 {
  const lo = f64x2.promote_low_f32x4(v);
  const hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  const s = f64x2.add(lo, hi);
  return f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
}
