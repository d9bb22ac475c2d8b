// Independent sigmoid outputs (piano rolls: one unit per note): targets in [0, 1], loss
// Σ softplus(z) − y·z, outputs σ(z). Kernels: assembly/head/bernoulli_nll_f32.ts.
import { ConfigError, ValueError } from '../errors.js';
import type { HeadConfig, HeadDef, ResolvedHead } from './types.js';
import { checkSize, firstOutsideUnit } from './check.js';

export const bernoulliHead: HeadDef = {
  type: 'bernoulli',
  describe: "independent sigmoids over `size` units; targets (T, B, size) in [0, 1]",
  resolve(cfg: HeadConfig): ResolvedHead {
    const size = checkSize(cfg, 1);
    for (const k of Object.keys(cfg)) if (k !== 'type' && k !== 'size') throw new ConfigError(`config.head: the bernoulli head has no option '${k}'`);
    return { type: 'bernoulli', size, outputs: size, targetWidth: size, targetType: 'f32', config: { type: 'bernoulli', size } };
  },
  copyTargets(dst, src, _head, what) {
    for (let i = 0; i < src.length; i++) {
      const t = src[i];
      if (!(t >= 0 && t <= 1)) throw new ValueError(`${what}[${i}] = ${t} is not a probability in [0, 1]`);
    }
    dst.set(src);
  },
  checkTargets(ctx, y, _mask, B, head, what) {
    if (ctx.k.count_nonfinite_f32(y.byteOffset, y.length) !== 0) {
      for (let i = 0; i < y.length; i++) {
        if (!Number.isFinite(y[i])) throw new ValueError(`${what}: element ${i} is ${y[i]}; every value must be finite`);
      }
    }
    // in [0, 1], as the copying path checks (the core's count_outside_unit_f32, then which one)
    const i = firstOutsideUnit(y as Float32Array, ctx);
    if (i >= 0) {
      const O = head.outputs, row = Math.floor(i / O);
      throw new ValueError(`${what}[${i}] = ${y[i]} (t=${Math.floor(row / B)}, b=${row % B}, unit ${i % O}) is not a probability in [0, 1]`);
    }
  },
  loss: (ctx, dz, z, y, mask, N, head) => ctx.k.bernoulli_nll(dz, z, y, mask, N, head.outputs),
  outputs: (ctx, out, z, N, head) => ctx.k.act_sigmoid_f32_simd(out, z, N * head.outputs),
  sample(dist, rng, _head, opts = {}) {
    const tau = opts.temperature ?? 1, y = new Float32Array(dist.length), p = new Float64Array(dist.length);
    let on = 0;
    for (let i = 0; i < dist.length; i++) {
      // σ(logit(p)/τ) = p^(1/τ) / (p^(1/τ) + (1−p)^(1/τ)); exact 0 and 1 stay where they are
      p[i] = tau === 1 ? dist[i] : sharpen(dist[i], tau);
      if (rng.uniform() < p[i]) { y[i] = 1; on++; }
    }
    const cap = opts.maxNotes;
    if (cap !== undefined && on > cap) {
      // keep the `cap` most probable of the drawn notes (ties: the lower unit)
      const drawn = [];
      for (let i = 0; i < y.length; i++) if (y[i] === 1) drawn.push(i);
      drawn.sort((a, b) => p[b] - p[a] || a - b);
      for (const i of drawn.slice(cap)) y[i] = 0;
    }
    return y;
  },
};

function sharpen(p: number, tau: number): number {
  if (p <= 0 || p >= 1) return p;
  const a = Math.pow(p, 1 / tau), b = Math.pow(1 - p, 1 / tau);
  return a / (a + b);
}
