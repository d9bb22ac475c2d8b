// adam_step over n parameters, as torch.optim.Adam (no weight decay, no amsgrad):
//   m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·g²
//   p −= (lr / (1 − β1^step)) · m / (sqrt(v) / sqrt(1 − β2^step) + eps)
// step ≥ 1 counts this update (the first call passes 1). The bias corrections are computed
// once in f64 from the f64 hyperparameters, then the loop runs in f32; sqrt(v) is multiplied
// by 1/sqrt(1 − β2^step) rather than divided by its root (torch divides: ≤ 1 ulp apart, and
// one vector division fewer per 4 parameters).
import { checkRange, madd4 } from "../util";

export function adam_step(p: usize, g: usize, m: usize, v: usize, n: i32,
                          lr: f64, beta1: f64, beta2: f64, eps: f64, step: i32): void {
  checkRange(p, n); checkRange(g, n); checkRange(m, n); checkRange(v, n);
  assert(step >= 1, "adam_step: step counts from 1");
  const bc1 = 1 - Math.pow(beta1, <f64>step), bc2 = 1 - Math.pow(beta2, <f64>step);
  const b1 = f32x4.splat(<f32>beta1), omb1 = f32x4.splat(<f32>(1 - beta1));
  const b2 = f32x4.splat(<f32>beta2), omb2 = f32x4.splat(<f32>(1 - beta2));
  const nss = f32x4.splat(<f32>(-lr / bc1));
  const rsbc2 = f32x4.splat(<f32>(1 / Math.sqrt(bc2)));
  const epsv = f32x4.splat(<f32>eps);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const gv = v128.load(g + o);
    const mv = madd4(b1, v128.load(m + o), f32x4.mul(omb1, gv));
    const vv = madd4(b2, v128.load(v + o), f32x4.mul(omb2, f32x4.mul(gv, gv)));
    v128.store(m + o, mv);
    v128.store(v + o, vv);
    const denom = madd4(f32x4.sqrt(vv), rsbc2, epsv);
    v128.store(p + o, madd4(nss, f32x4.div(mv, denom), v128.load(p + o)));
  }
  if (i < n) adam_step_scalar(p + (<usize>i << 2), g + (<usize>i << 2), m + (<usize>i << 2), v + (<usize>i << 2),
    n - i, lr, beta1, beta2, eps, step);
}

export function adam_step_scalar(p: usize, g: usize, m: usize, v: usize, n: i32,
                                 lr: f64, beta1: f64, beta2: f64, eps: f64, step: i32): void {
  checkRange(p, n); checkRange(g, n); checkRange(m, n); checkRange(v, n);
  assert(step >= 1, "adam_step_scalar: step counts from 1");
  const bc1 = 1 - Math.pow(beta1, <f64>step), bc2 = 1 - Math.pow(beta2, <f64>step);
  const b1 = <f32>beta1, omb1 = <f32>(1 - beta1), b2 = <f32>beta2, omb2 = <f32>(1 - beta2);
  const nss = <f32>(-lr / bc1), rsbc2 = <f32>(1 / Math.sqrt(bc2)), e = <f32>eps;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const gs = load<f32>(g + o);
    const ms = b1 * load<f32>(m + o) + omb1 * gs;
    const vs = b2 * load<f32>(v + o) + omb2 * (gs * gs);
    store<f32>(m + o, ms);
    store<f32>(v + o, vs);
    store<f32>(p + o, load<f32>(p + o) + nss * (ms / (Mathf.sqrt(vs) * rsbc2 + e)));
  }
}
