// Checks shared by the heads' config validation, and the categorical draw the softmax and mog
// heads share.
import { ConfigError } from '../errors.js';
import type { HeadConfig, HeadContext } from './types.js';
import type { Rng } from '../data/rng.js';

/** Largest head size (units, classes) accepted. */
export const MAX_HEAD_SIZE = 1 << 16;

/** config.head.size as an integer in min..MAX_HEAD_SIZE. */
export function checkSize(cfg: HeadConfig, min: number, tooSmall?: string): number {
  const v = cfg.size;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_HEAD_SIZE) {
    throw new ConfigError(`config.head.size must be an integer in 1..${MAX_HEAD_SIZE}, got ${JSON.stringify(v)}`);
  }
  if (v < min) throw new ConfigError(tooSmall ?? `config.head.size must be at least ${min}, got ${v}`);
  return v;
}

/** An optional integer option config.head[key] in min..max; `dflt` when it is absent. */
export function intOption(cfg: HeadConfig, key: string, min: number, max: number, dflt: number): number {
  const v = cfg[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ConfigError(`config.head.${key} must be an integer in ${min}..${max}, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** An index in 0..n−1 drawn with probability ∝ p[i]^(1/τ) from the first n values of p (which sum
 *  to 1 when τ = 1). One uniform per draw, so a stream of draws is reproducible from the seed. */
export function drawIndex(p: ArrayLike<number>, n: number, rng: Rng, tau: number): number {
  let u = rng.uniform(), i = 0;
  if (tau === 1) {
    for (; i < n - 1; i++) { u -= p[i]; if (u < 0) break; }
    while (i > 0 && !(p[i] > 0)) i--; // rounding left u past the last class that can occur
    return i;
  }
  // p^(1/τ) relative to the largest p, so that small τ cannot underflow every weight to 0
  let top = 0;
  for (let j = 0; j < n; j++) top = Math.max(top, p[j]);
  const w = new Float64Array(n);
  let sum = 0;
  for (let j = 0; j < n; j++) sum += (w[j] = p[j] > 0 ? Math.pow(p[j] / top, 1 / tau) : 0);
  u *= sum;
  for (; i < n - 1; i++) { u -= w[i]; if (u < 0) break; }
  while (i > 0 && w[i] === 0) i--;
  return i;
}

/**
 * The index of the first value of `a` outside [0, 1] (NaN included), or −1. Fast enough to run
 * on every in-place batch: when `a` is a view of the core's memory, the core's SIMD
 * count_outside_unit_f32 answers whether any value is outside (≈ 0.5 % of a paper-size training
 * step), and only then a plain loop finds which; any other array gets the plain loop.
 */
export function firstOutsideUnit(a: Float32Array, ctx?: HeadContext): number {
  const n = a.length;
  if (ctx?.memory && a.buffer === ctx.memory.buffer && ctx.k.count_outside_unit_f32(a.byteOffset, n) === 0) return -1;
  for (let i = 0; i < n; i++) { const v = a[i]; if (!(v >= 0 && v <= 1)) return i; }
  return -1;
}
