// Optimizer configurations, checked and completed with their defaults. The update itself is a
// flat loop over the whole parameter arena in the core (assembly/optim/).
import { ConfigError } from '../errors.js';

export type OptimizerConfig =
  | { type: 'sgd'; lr: number; momentum?: number }
  | { type: 'rmsprop'; lr: number; decay?: number; momentum?: number; eps?: number; floor?: number; centered?: boolean }
  | { type: 'adam'; lr: number; beta1?: number; beta2?: number; eps?: number };

export type ResolvedOptimizer =
  | { type: 'sgd'; lr: number; momentum: number }
  | { type: 'rmsprop'; lr: number; decay: number; momentum: number; eps: number; floor: number; centered: boolean }
  | { type: 'adam'; lr: number; beta1: number; beta2: number; eps: number };

function num(v: unknown, def: number, what: string, lo: number, hi: number, loOpen = false, hiOpen = false): number {
  const x = v === undefined ? def : v;
  if (typeof x !== 'number' || !Number.isFinite(x) || (loOpen ? x <= lo : x < lo) || (hiOpen ? x >= hi : x > hi)) {
    throw new ConfigError(`${what} must be a number in ${loOpen ? '(' : '['}${lo}, ${hi}${hiOpen ? ')' : ']'}, got ${JSON.stringify(v)}`);
  }
  return x;
}

/** Paper's RMSProp (the released code): decay 0.95, momentum 0.9, RMS floor 0.01, no eps. */
export const PAPER_RMSPROP = { type: 'rmsprop', decay: 0.95, momentum: 0.9, eps: 0, floor: 0.01, centered: false } as const;

export function resolveOptimizer(c: OptimizerConfig): ResolvedOptimizer {
  if (!c || typeof c !== 'object') throw new ConfigError("optimizer config must be an object like { type: 'adam', lr: 1e-3 }");
  const lr = num(c.lr, NaN, 'optimizer.lr', 0, 1e3, true);
  switch (c.type) {
    case 'sgd':
      return { type: 'sgd', lr, momentum: num(c.momentum, 0, 'sgd momentum', 0, 1, false, true) };
    case 'rmsprop': {
      const r = {
        type: 'rmsprop' as const, lr,
        decay: num(c.decay, 0.99, 'rmsprop decay', 0, 1, false, true),
        momentum: num(c.momentum, 0, 'rmsprop momentum', 0, 1, false, true),
        eps: num(c.eps, 1e-8, 'rmsprop eps', 0, 1),
        floor: num(c.floor, 0, 'rmsprop floor', 0, 1e3),
        centered: c.centered ?? false,
      };
      if (typeof r.centered !== 'boolean') throw new ConfigError('rmsprop centered must be a boolean');
      if (r.eps === 0 && r.floor === 0) throw new ConfigError('rmsprop needs eps > 0 or floor > 0 (else a zero gradient divides 0 by 0)');
      return r;
    }
    case 'adam':
      return {
        type: 'adam', lr,
        beta1: num(c.beta1, 0.9, 'adam beta1', 0, 1, false, true),
        beta2: num(c.beta2, 0.999, 'adam beta2', 0, 1, false, true),
        eps: num(c.eps, 1e-8, 'adam eps', 0, 1, true),
      };
    default:
      throw new ConfigError(`optimizer.type must be 'sgd', 'rmsprop' or 'adam', got ${JSON.stringify((c as { type: unknown }).type)}`);
  }
}
