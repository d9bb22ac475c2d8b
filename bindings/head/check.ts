// Checks shared by the heads' config validation.
import { ConfigError } from '../errors.js';
import type { HeadConfig } from './types.js';

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
