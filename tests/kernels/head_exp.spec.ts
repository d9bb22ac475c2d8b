// The lane functions behind the heads (assembly/head/exp_f32.ts), checked against f64 libm:
// exp4 on the ranges the heads feed it (≤ 0: exp(−|z|) and exp(z − max)), its flush below
// FLT_MIN and NaN passthrough; log1p_unit4 on [0, 1] including tiny arguments.
import { exp4, log1p_unit4 } from "../../assembly/head/exp_f32";

function relErr(got: f32, want: f64): f64 {
  return Math.abs(<f64>got - want) / Math.max(Math.abs(want), 1e-37);
}

describe("exp4", () => {
  it("is within 3e-7 relative of exp over [-87, 10]", () => {
    let worst: f64 = 0;
    for (let i = 0; i <= 9700; i++) {
      const x = <f32>(-87.0 + <f64>i * 0.01 + 0.0037);
      const v = exp4(f32x4(x, x * 0.5, x * 0.25, -x * 0.125));
      const e = max(max(relErr(f32x4.extract_lane(v, 0), Math.exp(<f64>x)), relErr(f32x4.extract_lane(v, 1), Math.exp(<f64>(x * 0.5)))),
                    max(relErr(f32x4.extract_lane(v, 2), Math.exp(<f64>(x * 0.25))), relErr(f32x4.extract_lane(v, 3), Math.exp(<f64>(-x * 0.125)))));
      if (e > worst) worst = e;
    }
    expect<f64>(worst).toBeLessThan(3e-7);
  });

  it("gives exactly 1 at 0, 0 below ln(FLT_MIN), +inf above ln(FLT_MAX), NaN for NaN", () => {
    const v = exp4(f32x4(0, -100, 100, NaN));
    expect<f32>(f32x4.extract_lane(v, 0)).toBe(1);
    expect<f32>(f32x4.extract_lane(v, 1)).toBe(0);
    expect<f32>(f32x4.extract_lane(v, 2)).toBe(Infinity);
    expect<bool>(isNaN(f32x4.extract_lane(v, 3))).toBe(true);
    const w = exp4(f32x4(-Infinity, -87.3, -87.4, -1e30));
    expect<f32>(f32x4.extract_lane(w, 0)).toBe(0);
    expect<f64>(relErr(f32x4.extract_lane(w, 1), Math.exp(-87.3))).toBeLessThan(1e-6);
    expect<f32>(f32x4.extract_lane(w, 2)).toBe(0);
    expect<f32>(f32x4.extract_lane(w, 3)).toBe(0);
  });
});

describe("log1p_unit4", () => {
  it("is within 3e-7 relative of log1p over [0, 1] and exact for tiny arguments", () => {
    let worst: f64 = 0;
    for (let i = 0; i <= 10000; i++) {
      const e = <f32>(<f64>i / 10000.0 - 0.00003 * <f64>(i & 1));
      const got = f32x4.extract_lane(log1p_unit4(f32x4.splat(e)), 2);
      if (i == 0) { expect<f32>(got).toBe(0); continue; }  // log1p(0) = 0 exactly
      const r = relErr(got, Math.log1p(<f64>e));
      if (r > worst) worst = r;
    }
    expect<f64>(worst).toBeLessThan(3e-7);
    for (let k = 10; k < 45; k += 5) {
      const e = <f32>Math.pow(2, -<f64>k);
      expect<f64>(relErr(f32x4.extract_lane(log1p_unit4(f32x4.splat(e)), 0), Math.log1p(<f64>e))).toBeLessThan(3e-7);
    }
  });
});
