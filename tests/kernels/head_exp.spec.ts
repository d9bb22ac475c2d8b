// The lane functions behind the heads (assembly/head/exp_f32.ts), checked against f64 libm:
// exp4 on the ranges the heads feed it (≤ 0: exp(−|z|) and exp(z − max)), its flush below
// FLT_MIN and NaN passthrough; log1p_unit4 on [0, 1] including tiny arguments; log4 over the
// mixture head's σ range [1e-3, 5e8] and beyond, exact at powers of two, NaN passthrough.
import { exp4, log1p_unit4, log4 } from "../../assembly/head/exp_f32";

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

describe("log4", () => {
  it("is within 3e-7 relative of log over [1e-6, 1e9] where |log x| ≥ 0.1, and 2e-6 absolute everywhere there", () => {
    let worstAbs: f64 = 0, worstRel: f64 = 0;
    for (let i = 0; i <= 200000; i++) {
      const x = <f32>Math.exp(-13.8155 + <f64>i * (34.5388 / 200000.0));   // 1e-6 … 1e9, log-spaced
      const v = log4(f32x4(x, x * 1.0001, x * 0.7071, x * 1.4142));
      const xs: f32[] = [x, x * 1.0001, x * 0.7071, x * 1.4142];
      const got: f32[] = [f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1), f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)];
      for (let j = 0; j < 4; j++) {
        const want = Math.log(<f64>xs[j]);
        const a = Math.abs(<f64>got[j] - want);
        if (a > worstAbs) worstAbs = a;
        if (Math.abs(want) >= 0.1 && a / Math.abs(want) > worstRel) worstRel = a / Math.abs(want);
      }
    }
    expect<f64>(worstAbs).toBeLessThan(2e-6);   // |log| up to 20.7, where one f32 ulp is 1.9e-6
    expect<f64>(worstRel).toBeLessThan(3e-7);
  });

  it("is accurate near 1 (both sides of the √2 split) and at powers of two to the rounding of k·ln 2", () => {
    let worst: f64 = 0;
    for (let i = -2000; i <= 2000; i++) {
      const x = <f32>(1.0 + <f64>i * 1e-4);
      const got = f32x4.extract_lane(log4(f32x4.splat(x)), 1);
      const e = Math.abs(<f64>got - Math.log(<f64>x)) / Math.max(Math.abs(Math.log(<f64>x)), 1e-30);
      if (i != 0 && e > worst) worst = e;
      if (i == 0) expect<f32>(got).toBe(0);
    }
    expect<f64>(worst).toBeLessThan(3e-7);
    for (let k = -30; k <= 30; k++) {
      const x = <f32>Math.pow(2, <f64>k);
      expect<f64>(Math.abs(<f64>f32x4.extract_lane(log4(f32x4.splat(x)), 0) - <f64>k * Math.LN2)).toBeLessThan(1e-7 + 1.2e-7 * Math.abs(<f64>k * Math.LN2));
    }
  });

  it("lets NaN through", () => {
    expect<bool>(isNaN(f32x4.extract_lane(log4(f32x4(NaN, 1, 2, 3)), 0))).toBe(true);
  });
});
