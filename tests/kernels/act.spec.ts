// The @inline lane functions the cells call (tanh4, sigmoid4) cannot be reached from
// JavaScript: check them lane by lane against the scalar twins (as-pect compiles with plain
// SIMD, where the two run identical operations and must agree bitwise) and at saturation.
import { tanh4, sigmoid4, tanh1, sigmoid1 } from "../../assembly/act/act_f32";

function sweepAgree(lo: f32, hi: f32, steps: i32): i32 {
  let mismatches = 0;
  const h = (hi - lo) / <f32>steps;
  for (let s = 0; s < steps; s += 4) {
    const x0 = lo + h * <f32>s, x1 = x0 + h * 0.37, x2 = x0 + h * 1.5, x3 = x0 + h * 2.9;
    const v = f32x4(x0, x1, x2, x3);
    const t = tanh4(v), g = sigmoid4(v);
    if (f32x4.extract_lane(t, 0) != tanh1(x0) || f32x4.extract_lane(t, 1) != tanh1(x1)) mismatches++;
    if (f32x4.extract_lane(t, 2) != tanh1(x2) || f32x4.extract_lane(t, 3) != tanh1(x3)) mismatches++;
    if (f32x4.extract_lane(g, 0) != sigmoid1(x0) || f32x4.extract_lane(g, 1) != sigmoid1(x1)) mismatches++;
    if (f32x4.extract_lane(g, 2) != sigmoid1(x2) || f32x4.extract_lane(g, 3) != sigmoid1(x3)) mismatches++;
  }
  return mismatches;
}

describe("tanh4 / sigmoid4", () => {
  it("agree lane by lane with tanh1 / sigmoid1", () => {
    expect<i32>(sweepAgree(-30, 30, 40000)).toBe(0);
    expect<i32>(sweepAgree(-0.01, 0.01, 4000)).toBe(0);
  });

  it("are close to libm", () => {
    for (let i = -2000; i <= 2000; i++) {
      const x = <f32>i * 0.01;
      const t = f32x4.extract_lane(tanh4(f32x4.splat(x)), 0);
      const g = f32x4.extract_lane(sigmoid4(f32x4.splat(x)), 0);
      expect<f64>(Math.abs(<f64>t - Math.tanh(<f64>x))).toBeLessThan(4e-7);
      expect<f64>(Math.abs(<f64>g - 1.0 / (1.0 + Math.exp(-<f64>x)))).toBeLessThan(1.5e-7);
    }
  });

  it("saturate exactly and keep NaN", () => {
    const big = f32x4(Infinity, -Infinity, 1e30, -1e30);
    const t = tanh4(big), g = sigmoid4(big);
    expect<f32>(f32x4.extract_lane(t, 0)).toBe(1);
    expect<f32>(f32x4.extract_lane(t, 1)).toBe(-1);
    expect<f32>(f32x4.extract_lane(t, 2)).toBe(1);
    expect<f32>(f32x4.extract_lane(t, 3)).toBe(-1);
    expect<f32>(f32x4.extract_lane(g, 0)).toBe(1);
    expect<f32>(f32x4.extract_lane(g, 2)).toBe(1);
    expect<bool>(f32x4.extract_lane(g, 1) >= 0 && f32x4.extract_lane(g, 1) < 1e-38).toBe(true);
    expect<bool>(f32x4.extract_lane(g, 3) >= 0 && f32x4.extract_lane(g, 3) < 1e-38).toBe(true);
    const n = f32x4.splat(NaN);
    expect<bool>(isNaN(f32x4.extract_lane(tanh4(n), 0))).toBe(true);
    expect<bool>(isNaN(f32x4.extract_lane(sigmoid4(n), 0))).toBe(true);
    expect<bool>(isNaN(tanh1(NaN))).toBe(true);
    expect<bool>(isNaN(sigmoid1(NaN))).toBe(true);
  });
});
