// sgd_step: v = μ·v − lr·g; p += v over n parameters (torch.optim.SGD with momentum μ,
// dampening 0, no Nesterov, constant lr: our v is −lr times torch's momentum buffer; with
// v starting at 0 the two agree). v = 0 (null pointer) is allowed when μ = 0: p −= lr·g.
import { checkRange, madd4 } from "../util";

export function sgd_step(p: usize, g: usize, v: usize, n: i32, lr: f64, momentum: f64): void {
  checkRange(p, n); checkRange(g, n);
  assert(v != 0 || momentum == 0, "sgd_step: momentum needs a velocity buffer");
  if (v) checkRange(v, n);
  const nlr = <f32>-lr, mu = <f32>momentum;
  const nlrv = f32x4.splat(nlr), muv = f32x4.splat(mu);
  let i = 0;
  if (v) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const vv = madd4(muv, v128.load(v + o), f32x4.mul(nlrv, v128.load(g + o)));
      v128.store(v + o, vv);
      v128.store(p + o, f32x4.add(v128.load(p + o), vv));
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      const vs = mu * load<f32>(v + o) + nlr * load<f32>(g + o);
      store<f32>(v + o, vs);
      store<f32>(p + o, load<f32>(p + o) + vs);
    }
  } else {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(p + o, madd4(nlrv, v128.load(g + o), v128.load(p + o)));
    }
    for (; i < n; i++) { const o = <usize>i << 2; store<f32>(p + o, load<f32>(p + o) + nlr * load<f32>(g + o)); }
  }
}

export function sgd_step_scalar(p: usize, g: usize, v: usize, n: i32, lr: f64, momentum: f64): void {
  checkRange(p, n); checkRange(g, n);
  assert(v != 0 || momentum == 0, "sgd_step_scalar: momentum needs a velocity buffer");
  if (v) checkRange(v, n);
  const nlr = <f32>-lr, mu = <f32>momentum;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const vs: f32 = (v ? mu * load<f32>(v + o) : 0) + nlr * load<f32>(g + o);
    if (v) store<f32>(v + o, vs);
    store<f32>(p + o, load<f32>(p + o) + vs);
  }
}
