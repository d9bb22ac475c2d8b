// Checks shared by the heads' config validation, and the categorical draw the softmax and mog
// heads share.
import { ConfigError } from '../errors.js';
import type { HeadConfig } from './types.js';
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
