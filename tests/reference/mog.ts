// The mixture-of-Gaussians head in float64, written from the equations of
// assembly/head/mog_f32.ts (not from its code): row layout [a (K) | μ (K·D) | s (K·D)],
// π = softmax(a), σ = SIGMA_MIN + exp(clamp(s, −20, 20)), loss −log Σ_k π_k Π_d N(y_d; μ, σ²)
// through a max-shifted log-sum-exp, its analytic gradient, and a model on top of the
// reference recurrent layers (rnn.ts) for whole-model checks.
import { layerForward, layerBackward, layerOf, layersOf, zeroParams, type RefBatch } from './rnn.js';
import { matVecAdd, matTVecAdd, outerAdd } from './linalg.js';
import type { Params, RefConfig } from './types.js';

export const SIGMA_MIN = 1e-3, S_MIN = -20, S_MAX = 20;
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

export const mogWidth = (K: number, D: number): number => K * (1 + 2 * D);

function logSumExp(v: ArrayLike<number>): number {
  let mx = -Infinity;
  for (let i = 0; i < v.length; i++) mx = Math.max(mx, v[i]);
  let s = 0;
  for (let i = 0; i < v.length; i++) s += Math.exp(v[i] - mx);
  return mx + Math.log(s);
}

export interface MogRef {
  /** Σ_rows mask·loss. */
  loss: number;
  /** Σ_rows |mask|·(Σ |terms| of the row) — a scale for tolerances. */
  mag: number;
  /** mask·∂loss/∂z, (N, O). */
  dz: Float64Array;
}

/** Loss and ∂loss/∂z of N rows; rows with mask 0 are skipped (dz 0). */
export function mogNll(z: ArrayLike<number>, y: ArrayLike<number>, mask: ArrayLike<number> | null, N: number, K: number, D: number): MogRef {
  const O = mogWidth(K, D), KD = K * D;
  const dz = new Float64Array(N * O);
  let loss = 0, mag = 0;
  for (let i = 0; i < N; i++) {
    const m = mask ? mask[i] : 1;
    if (m === 0) continue;
    const r = i * O;
    const a = Array.from({ length: K }, (_, k) => z[r + k]);
    const lseA = logSumExp(a);
    // S_k = −Σ_d log N(y_d; μ_kd, σ_kd²); log joint L_k = lp_k − S_k with lp = log π. The
    // responsibilities use differences taken part by part, (lp_k − lp_j) − (S_k − S_j), so
    // that a huge S shared by components does not swamp log π in the rounding.
    const lp = a.map((v) => v - lseA), S = new Float64Array(K);
    let rowMag = Math.abs(lseA), best = 0;
    for (let k = 0; k < K; k++) {
      for (let d = 0; d < D; d++) {
        const s = z[r + K + KD + k * D + d];
        const sigma = SIGMA_MIN + Math.exp(Math.min(Math.max(s, S_MIN), S_MAX));
        const u = (y[i * D + d] - z[r + K + k * D + d]) / sigma;
        const t = 0.5 * u * u + Math.log(sigma) + HALF_LOG_2PI;
        S[k] += t;
        rowMag += Math.abs(t);
      }
      if (lp[k] - S[k] > lp[best] - S[best]) best = k;
    }
    const delta = lp.map((v, k) => (v - lp[best]) - (S[k] - S[best]));
    const lse = logSumExp(delta);
    loss += m * (S[best] - lp[best] - lse);
    mag += Math.abs(m) * (rowMag + Math.abs(lse));
    for (let k = 0; k < K; k++) {
      const gamma = Math.exp(delta[k] - lse), pi = Math.exp(lp[k]);
      dz[r + k] = m * (pi - gamma);
      for (let d = 0; d < D; d++) {
        const jm = r + K + k * D + d, js = jm + KD;
        const s = z[js], e = Math.exp(Math.min(Math.max(s, S_MIN), S_MAX)), sigma = SIGMA_MIN + e;
        const u = (y[i * D + d] - z[jm]) / sigma;
        dz[jm] = -m * gamma * u / sigma;
        dz[js] = s >= S_MIN && s <= S_MAX ? m * gamma * (1 - u * u) * e / sigma : 0;
      }
    }
  }
  return { loss, mag, dz };
}

/** The output distribution [π | μ | σ] of N rows. */
export function mogParams(z: ArrayLike<number>, N: number, K: number, D: number): Float64Array {
  const O = mogWidth(K, D), KD = K * D, out = new Float64Array(N * O);
  for (let i = 0; i < N; i++) {
    const r = i * O, lse = logSumExp(Array.from({ length: K }, (_, k) => z[r + k]));
    for (let k = 0; k < K; k++) out[r + k] = Math.exp(z[r + k] - lse);
    for (let j = K; j < K + KD; j++) out[r + j] = z[r + j];
    for (let j = K + KD; j < O; j++) out[r + j] = SIGMA_MIN + Math.exp(Math.min(Math.max(z[r + j], S_MIN), S_MAX));
  }
  return out;
}

export interface MogModelConfig extends Omit<RefConfig, 'head'> {
  head: { type: 'mog'; components: number; size: number };
}

/** The reference layers (rnn.ts) under a mog head: config and parameters by PyTorch name. */
function asRef(cfg: MogModelConfig): RefConfig {
  return { ...cfg, head: { type: 'bernoulli', size: mogWidth(cfg.head.components, cfg.head.size) } };
}

export function mogModelParams(cfg: MogModelConfig): Params { return zeroParams(asRef(cfg)); }

/** Loss of a whole model with a mog head (targets (T, B, D)); with `grad`, every parameter
 *  gradient through the reference's backprop through time. */
export function mogModelLossAndGrad(cfg: MogModelConfig, p: Params, batch: RefBatch, grad = true): { loss: number; logits: Float64Array; grads: Params | null } {
  const ref = asRef(cfg), { T, B } = batch, H = cfg.hiddenSize, K = cfg.head.components, D = cfg.head.size, O = mogWidth(K, D);
  const cache = [];
  let input = Float64Array.from(batch.x);
  for (let l = 0; l < layersOf(ref); l++) {
    const c = layerForward(ref, layerOf(ref, p, l), input, T, B, batch.h0?.[l], batch.c0?.[l]);
    cache.push(c);
    input = c.hs.slice(B * H);
  }
  const V = p['head.weight'], cb = p['head.bias'], N = T * B;
  const logits = new Float64Array(N * O);
  for (let n = 0; n < N; n++) {
    const z = logits.subarray(n * O, n * O + O);
    z.set(cb);
    matVecAdd(z, V, input.subarray(n * H, n * H + H), 0, O, H);
  }
  const head = mogNll(logits, batch.y, batch.mask ?? null, N, K, D);
  if (!grad) return { loss: head.loss, logits, grads: null };
  const grads = zeroParams(ref);
  let dhs = new Float64Array(N * H);
  for (let n = 0; n < N; n++) {
    const dz = head.dz.subarray(n * O, n * O + O);
    for (let o = 0; o < O; o++) grads['head.bias'][o] += dz[o];
    outerAdd(grads['head.weight'], dz, input.subarray(n * H, n * H + H), 0, O, H);
    matTVecAdd(dhs.subarray(n * H, n * H + H), V, dz, 0, O, H);
  }
  for (let l = layersOf(ref) - 1; l >= 0; l--) {
    dhs = layerBackward(ref, layerOf(ref, grads, l), dhs, layerOf(ref, p, l), cache[l], T, B).dx;
  }
  return { loss: head.loss, logits, grads };
}
