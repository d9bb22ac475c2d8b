// Gate nonlinearities: tanh and the logistic sigmoid on f32x4 lanes (tanh4, sigmoid4, inlined
// into the cells) and their scalar twins (tanh1, sigmoid1), which run the same operations in
// the same order, so in the plain SIMD build the two agree bitwise; the relaxed build fuses
// the multiply-adds of the vector versions (a few ulp apart).
//
// tanh(x) = x·P(x²)/Q(x²) on x clamped to [-9.1, 9.1], result clamped to [-1, 1]. P and Q have
//   degree 4 in x² and were fitted by us for minimax relative error on (0, 9.1] (linearised
//   least squares with Lawson reweighting, assembly/act/fit_act.py): 2.3e-8 in exact
//   arithmetic. From |x| ≈ 8.5 the result is ±1 or one or two ulp short of it (the true
//   value rounds to one of those); |x| ≥ 9.1 gives exactly ±1.
// sigmoid(x) = 1/(1 + e^t), t = -x clamped to [-86, 88] (x clamped to [-88, 86]): e^t = 2^n·p(r) with n = round(t/ln2)
//   (magic-constant rounding), r = t − n·ln2 in two parts (|r| ≤ ln2/2), p a degree-5
//   polynomial fitted the same way (7.5e-8 relative); 2^n is built in the exponent bits and
//   applied by a multiplication, so NaN propagates. x ≥ 86 gives exactly 1; x ≤ -88 gives
//   6.05e-39 (= sigmoid(-88); the true value is smaller, absolute error < 6.1e-39).
//
// Measured over every 16th f32 in [-20, 20] (1.38e8 points, `node bench/act.mjs`) against
// Math.tanh and 1/(1+Math.exp(-x)) in f64:
//                          max abs error         max rel error
//   tanh,    plain SIMD    3.56e-7 (x = 5.53)    3.56e-7 (≈ 6 ulp just below 1)
//   tanh,    relaxed       2.97e-7 (x = 5.55)    2.97e-7
//   sigmoid, plain SIMD    1.00e-7 (x = 1.00)    2.62e-7 (x = -6.63)
//   sigmoid, relaxed       9.6e-8  (x = 0.99)    2.74e-7 (x = -17.0)
// The scalar twins agree bitwise with the plain-SIMD lanes; in the relaxed build they differ
// from the fused lanes by at most 4.2e-7 (tanh) and 1.2e-7 (sigmoid).
// Saturation: tanh(±Infinity) = ±1, sigmoid(+Infinity) = 1, sigmoid(-Infinity) = 6.05e-39;
// outputs never leave [-1, 1] / [0, 1]; NaN in gives NaN out.
import { checkRange, madd4 } from "../util";

// tanh: x·P(x²)/Q(x²)
// @ts-ignore: decorator
@inline const TANH_CLAMP: f32 = 9.1;
// @ts-ignore: decorator
@inline const TP0: f32 = 1.0;
// @ts-ignore: decorator
@inline const TP1: f32 = 0.1337447464466095;
// @ts-ignore: decorator
@inline const TP2: f32 = 0.0034878100268542767;
// @ts-ignore: decorator
@inline const TP3: f32 = 2.0481171304709278e-5;
// @ts-ignore: decorator
@inline const TP4: f32 = 1.3177503532801893e-8;
// @ts-ignore: decorator
@inline const TQ0: f32 = 1.0;
// @ts-ignore: decorator
@inline const TQ1: f32 = 0.4670778810977936;
// @ts-ignore: decorator
@inline const TQ2: f32 = 0.025847384706139565;
// @ts-ignore: decorator
@inline const TQ3: f32 = 0.00032729184022173285;
// @ts-ignore: decorator
@inline const TQ4: f32 = 7.704038011979719e-7;

// sigmoid: e^t = 2^n · p(r)
// @ts-ignore: decorator
@inline const EXP_HI: f32 = 88.0;
// @ts-ignore: decorator
@inline const EXP_LO: f32 = -86.0;
// @ts-ignore: decorator
@inline const LOG2E: f32 = 1.4426950408889634;
// @ts-ignore: decorator
@inline const ROUND_MAGIC: f32 = 12582912.0; // 1.5·2^23: adding it rounds to an integer
// @ts-ignore: decorator
@inline const LN2_HI: f32 = 0.693145751953125; // ln 2 in two parts: n·LN2_HI is exact
// @ts-ignore: decorator
@inline const LN2_LO: f32 = 1.428606765330187e-6;
// @ts-ignore: decorator
@inline const E0: f32 = 1.0000001192092896;
// @ts-ignore: decorator
@inline const E1: f32 = 0.9999997019767761;
// @ts-ignore: decorator
@inline const E2: f32 = 0.49998894333839417;
// @ts-ignore: decorator
@inline const E3: f32 = 0.16667574644088745;
// @ts-ignore: decorator
@inline const E4: f32 = 0.04191538318991661;
// @ts-ignore: decorator
@inline const E5: f32 = 0.008297635242342949;
// @ts-ignore: decorator
@inline const ONE_BITS: i32 = 0x3f800000;

/** tanh on four lanes. */
@inline export function tanh4(v: v128): v128 {
  const x = f32x4.pmax(f32x4.pmin(v, f32x4.splat(TANH_CLAMP)), f32x4.splat(-TANH_CLAMP));
  const u = f32x4.mul(x, x);
  let p = madd4(f32x4.splat(TP4), u, f32x4.splat(TP3));
  let q = madd4(f32x4.splat(TQ4), u, f32x4.splat(TQ3));
  p = madd4(p, u, f32x4.splat(TP2));
  q = madd4(q, u, f32x4.splat(TQ2));
  p = madd4(p, u, f32x4.splat(TP1));
  q = madd4(q, u, f32x4.splat(TQ1));
  p = madd4(p, u, f32x4.splat(TP0));
  q = madd4(q, u, f32x4.splat(TQ0));
  const y = f32x4.div(f32x4.mul(x, p), q);
  return f32x4.pmax(f32x4.pmin(y, f32x4.splat(1.0)), f32x4.splat(-1.0));
}

/** The logistic sigmoid 1/(1+e^-x) on four lanes. e^t with t = -x is evaluated from x without
 *  negating it (V8 spends three instructions on f32x4.neg): n = round(-x·log2 e),
 *  s = x + n·ln2 = -(t − n·ln2), e^(t − n·ln2) = p(-s) (odd coefficients negated, bitwise the
 *  same as evaluating p at t − n·ln2). */
@inline export function sigmoid4(v: v128): v128 {
  const x = f32x4.pmax(f32x4.pmin(v, f32x4.splat(-EXP_LO)), f32x4.splat(-EXP_HI));
  const k = madd4(x, f32x4.splat(-LOG2E), f32x4.splat(ROUND_MAGIC));
  const n = f32x4.sub(k, f32x4.splat(ROUND_MAGIC));
  let s = madd4(n, f32x4.splat(LN2_HI), x);
  s = madd4(n, f32x4.splat(LN2_LO), s);
  let p = madd4(f32x4.splat(-E5), s, f32x4.splat(E4));
  p = madd4(p, s, f32x4.splat(-E3));
  p = madd4(p, s, f32x4.splat(E2));
  p = madd4(p, s, f32x4.splat(-E1));
  p = madd4(p, s, f32x4.splat(E0));
  const scale = i32x4.add(i32x4.shl(k, 23), i32x4.splat(ONE_BITS)); // 2^n
  const e = f32x4.mul(p, scale);
  return f32x4.div(f32x4.splat(1.0), f32x4.add(f32x4.splat(1.0), e));
}

/** Scalar f32 mirror of pmin/pmax: `a` when the comparison is false (so NaN stays). */
@inline function pmin1(a: f32, b: f32): f32 { return b < a ? b : a; }
@inline function pmax1(a: f32, b: f32): f32 { return a < b ? b : a; }

/** tanh, the same approximation as tanh4 in scalar code. */
@inline export function tanh1(v: f32): f32 {
  const x = pmax1(pmin1(v, TANH_CLAMP), -TANH_CLAMP);
  const u = x * x;
  let p = TP4 * u + TP3;
  let q = TQ4 * u + TQ3;
  p = p * u + TP2;
  q = q * u + TQ2;
  p = p * u + TP1;
  q = q * u + TQ1;
  p = p * u + TP0;
  q = q * u + TQ0;
  const y = (x * p) / q;
  return pmax1(pmin1(y, 1.0), -1.0);
}

/** The logistic sigmoid, the same approximation as sigmoid4 in scalar code. */
@inline export function sigmoid1(v: f32): f32 {
  const x = pmax1(pmin1(v, -EXP_LO), -EXP_HI);
  const k = x * -LOG2E + ROUND_MAGIC;
  const n = k - ROUND_MAGIC;
  let s = n * LN2_HI + x;
  s = n * LN2_LO + s;
  let p = -E5 * s + E4;
  p = p * s + -E3;
  p = p * s + E2;
  p = p * s + -E1;
  p = p * s + E0;
  const scale = reinterpret<f32>((reinterpret<i32>(k) << 23) + ONE_BITS);
  const e = p * scale;
  return <f32>1.0 / (<f32>1.0 + e);
}

/** y[0..n) = tanh(x[0..n)); y may equal x. Four vectors per iteration (independent chains). */
export function act_tanh_f32_simd(y: usize, x: usize, n: i32): void {
  checkRange(y, n); checkRange(x, n);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const o = <usize>i << 2;
    const a = v128.load(x + o), b = v128.load(x + o, 16), c = v128.load(x + o, 32), d = v128.load(x + o, 48);
    v128.store(y + o, tanh4(a));
    v128.store(y + o, tanh4(b), 16);
    v128.store(y + o, tanh4(c), 32);
    v128.store(y + o, tanh4(d), 48);
  }
  for (; i + 4 <= n; i += 4) v128.store(y + (<usize>i << 2), tanh4(v128.load(x + (<usize>i << 2))));
  for (; i < n; i++) store<f32>(y + (<usize>i << 2), tanh1(load<f32>(x + (<usize>i << 2))));
}

export function act_tanh_f32_scalar(y: usize, x: usize, n: i32): void {
  checkRange(y, n); checkRange(x, n);
  for (let i = 0; i < n; i++) store<f32>(y + (<usize>i << 2), tanh1(load<f32>(x + (<usize>i << 2))));
}

/** y[0..n) = sigmoid(x[0..n)); y may equal x. */
export function act_sigmoid_f32_simd(y: usize, x: usize, n: i32): void {
  checkRange(y, n); checkRange(x, n);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const o = <usize>i << 2;
    const a = v128.load(x + o), b = v128.load(x + o, 16), c = v128.load(x + o, 32), d = v128.load(x + o, 48);
    v128.store(y + o, sigmoid4(a));
    v128.store(y + o, sigmoid4(b), 16);
    v128.store(y + o, sigmoid4(c), 32);
    v128.store(y + o, sigmoid4(d), 48);
  }
  for (; i + 4 <= n; i += 4) v128.store(y + (<usize>i << 2), sigmoid4(v128.load(x + (<usize>i << 2))));
  for (; i < n; i++) store<f32>(y + (<usize>i << 2), sigmoid1(load<f32>(x + (<usize>i << 2))));
}

export function act_sigmoid_f32_scalar(y: usize, x: usize, n: i32): void {
  checkRange(y, n); checkRange(x, n);
  for (let i = 0; i < n; i++) store<f32>(y + (<usize>i << 2), sigmoid1(load<f32>(x + (<usize>i << 2))));
}
