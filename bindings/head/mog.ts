// A mixture of K diagonal Gaussians over D real values per step (raw speech: D samples per
// frame, the paper's K = 20, D = 10). Kernels: assembly/head/mog_f32.ts (mog_nll, mog_params).
//
// Logits z, one row of outputs = K·(1 + 2D) per step, and the head's tensors in model files:
//   head.weight (K·(1+2D), H) and head.bias (K·(1+2D)), rows in this order:
//   [ a_0 … a_{K−1} | μ_{k,d} at K + k·D + d | s_{k,d} at K + K·D + k·D + d ]
//   π = softmax(a), μ as is, σ = SIGMA_MIN + exp(clamp(s, −20, 20)), SIGMA_MIN = 1e-3.
// Loss per step: −log Σ_k π_k Π_d N(y_d; μ_{k,d}, σ_{k,d}²) in nats; targets (T, B, D), finite.
// The output distribution (forward().outputs, stream steps) has the same layout with
// [π | μ | σ]; sample() draws one row of D values from it.
//
// At initialisation (head.weight U(−0.1, 0.1), head.bias 0) every logit is centred on 0 with a
// standard deviation of 0.058·‖h‖: π ≈ 1/K, μ ≈ 0 and σ ≈ 1 + SIGMA_MIN in geometric mean —
// unit-variance components at the data's mean, a sensible start for speech normalised to zero
// mean and unit variance (docs/DESIGN.md "Heads" has the spread measured for the paper's sizes).
import { ConfigError, ShapeError, ValueError } from '../errors.js';
import type { HeadConfig, HeadDef, ResolvedHead } from './types.js';
import { intOption, drawIndex } from './check.js';

/** The floor of every σ (must match SIGMA_MIN in assembly/head/mog_f32.ts). */
export const MOG_SIGMA_MIN = 1e-3;
/** Largest components (K) and dimension (D) accepted (the kernels' scratch holds 256). */
export const MOG_MAX = 256;

/** Where the parts of one row of logits or outputs start: [a or π | μ | s or σ]. */
export function mogLayout(K: number, D: number): { weights: number; means: number; scales: number; width: number } {
  return { weights: 0, means: K, scales: K + K * D, width: K * (1 + 2 * D) };
}

export const mogHead: HeadDef = {
  type: 'mog',
  describe: 'a mixture of `components` diagonal Gaussians over `size` values; targets (T, B, size), finite',
  resolve(cfg: HeadConfig): ResolvedHead {
    for (const k of Object.keys(cfg)) {
      if (k !== 'type' && k !== 'size' && k !== 'components') throw new ConfigError(`config.head: the mog head has no option '${k}'`);
    }
    const K = intOption(cfg, 'components', 1, MOG_MAX, 20);
    const D = intOption(cfg, 'size', 1, MOG_MAX, 10);
    return {
      type: 'mog', size: D, outputs: mogLayout(K, D).width, targetWidth: D, targetType: 'f32',
      config: { type: 'mog', components: K, size: D },
    };
  },
  copyTargets(dst, src, head, what) {
    const D = head.targetWidth;
    for (let i = 0; i < src.length; i++) {
      if (!Number.isFinite(src[i])) throw new ValueError(`${what}[${i}] = ${src[i]} (row ${Math.floor(i / D)}, value ${i % D}) is not finite; mog targets must be finite`);
    }
    dst.set(src);
  },
  checkTargets(ctx, y, _mask, B, head, what) {
    if (ctx.k.count_nonfinite_f32(y.byteOffset, y.length) === 0) return;
    const D = head.targetWidth;
    for (let i = 0; i < y.length; i++) {
      if (!Number.isFinite(y[i])) {
        const row = Math.floor(i / D);
        throw new ValueError(`${what}: element ${i} (t=${Math.floor(row / B)}, b=${row % B}, d=${i % D}) is ${y[i]}; every value must be finite`);
      }
    }
  },
  loss: (ctx, dz, z, y, mask, N, head) => ctx.k.mog_nll(dz, z, y, mask, N, components(head), head.targetWidth),
  outputs: (ctx, out, z, N, head) => ctx.k.mog_params(out, z, N, components(head), head.targetWidth),
  sample(dist, rng, head, opts = {}) {
    const K = components(head), D = head.targetWidth, at = mogLayout(K, D), tau = opts.temperature ?? 1;
    if (dist.length !== at.width) throw new ShapeError(`a mog distribution row has K·(1+2D) = ${at.width} values, got ${dist.length}`);
    const k = drawIndex(dist, K, rng, tau), spread = Math.sqrt(tau);
    const y = new Float32Array(D);
    for (let d = 0; d < D; d++) y[d] = dist[at.means + k * D + d] + spread * dist[at.scales + k * D + d] * rng.normal();
    return y;
  },
};

/** K of a resolved mog head. */
function components(head: ResolvedHead): number {
  return head.config.components as number;
}
