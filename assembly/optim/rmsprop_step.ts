// rmsprop_step over n parameters, ρ = decay, μ = momentum:
//   ms = ρ·ms + (1−ρ)·g²
//   centered: mg = ρ·mg + (1−ρ)·g,  d = sqrt(ms − mg²);   else d = sqrt(ms)
//   d = max(d + eps, floor);  v = μ·v − lr·g/d;  p += v
// floor = 0 is torch.optim.RMSprop (alpha = ρ, eps outside the sqrt, momentum, centered; our v
// is −lr times torch's buffer, equal for a constant lr). eps = 0, floor = 0.01 is the paper
// code's RMSprop. mg may be 0 (null) when centered = 0; v may be 0 when momentum = 0 (then
// p −= lr·g/d directly); the debug build rejects a null buffer that is needed, release builds
// then skip the feature instead of writing through the null pointer. Like torch, centered
// ms − mg² is not clamped (it is ≥ 0 in real arithmetic; a rounding below 0 gives NaN, which
// count_nonfinite_f32 catches).
import { checkRange, madd4 } from "../util";

export function rmsprop_step(p: usize, g: usize, ms: usize, mg: usize, v: usize, n: i32,
                             lr: f64, decay: f64, momentum: f64, eps: f64, floor: f64, centered: i32): void {
  checkRange(p, n); checkRange(g, n); checkRange(ms, n);
  assert(mg != 0 || centered == 0, "rmsprop_step: centered needs an mg buffer");
  assert(v != 0 || momentum == 0, "rmsprop_step: momentum needs a velocity buffer");
  if (mg) checkRange(mg, n);
  if (v) checkRange(v, n);
  const rho = f32x4.splat(<f32>decay), omr = f32x4.splat(<f32>(1 - decay));
  const mu = f32x4.splat(<f32>momentum), nlr = f32x4.splat(<f32>-lr);
  const epsv = f32x4.splat(<f32>eps), flv = f32x4.splat(<f32>floor);
  const cen = centered != 0 && mg != 0, mom = v != 0; // release builds: a null buffer disables its feature
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const gv = v128.load(g + o);
    const msv = madd4(rho, v128.load(ms + o), f32x4.mul(omr, f32x4.mul(gv, gv)));
    v128.store(ms + o, msv);
    let d: v128;
    if (cen) {
      const mgv = madd4(rho, v128.load(mg + o), f32x4.mul(omr, gv));
      v128.store(mg + o, mgv);
      d = f32x4.sqrt(f32x4.sub(msv, f32x4.mul(mgv, mgv)));
    } else {
      d = f32x4.sqrt(msv);
    }
    d = f32x4.pmax(f32x4.add(d, epsv), flv);
    let step = f32x4.div(f32x4.mul(nlr, gv), d);
    if (mom) {
      step = madd4(mu, v128.load(v + o), step);
      v128.store(v + o, step);
    }
    v128.store(p + o, f32x4.add(v128.load(p + o), step));
  }
  if (i < n) rmsprop_step_scalar(p + (<usize>i << 2), g + (<usize>i << 2), ms + (<usize>i << 2),
    cen ? mg + (<usize>i << 2) : 0, mom ? v + (<usize>i << 2) : 0, n - i, lr, decay, momentum, eps, floor, centered);
}

export function rmsprop_step_scalar(p: usize, g: usize, ms: usize, mg: usize, v: usize, n: i32,
                                    lr: f64, decay: f64, momentum: f64, eps: f64, floor: f64, centered: i32): void {
  checkRange(p, n); checkRange(g, n); checkRange(ms, n);
  assert(mg != 0 || centered == 0, "rmsprop_step_scalar: centered needs an mg buffer");
  assert(v != 0 || momentum == 0, "rmsprop_step_scalar: momentum needs a velocity buffer");
  if (mg) checkRange(mg, n);
  if (v) checkRange(v, n);
  const rho = <f32>decay, omr = <f32>(1 - decay), mu = <f32>momentum, nlr = <f32>-lr;
  const e = <f32>eps, fl = <f32>floor;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const gs = load<f32>(g + o);
    const mss = rho * load<f32>(ms + o) + omr * (gs * gs);
    store<f32>(ms + o, mss);
    let d: f32;
    if (centered && mg) {
      const mgs = rho * load<f32>(mg + o) + omr * gs;
      store<f32>(mg + o, mgs);
      d = Mathf.sqrt(mss - mgs * mgs);
    } else {
      d = Mathf.sqrt(mss);
    }
    d = d + e;
    if (d < fl) d = fl;
    let step = nlr * gs / d;
    if (v) { step = mu * load<f32>(v + o) + step; store<f32>(v + o, step); }
    store<f32>(p + o, load<f32>(p + o) + step);
  }
}
