// One optimizer update over the whole parameter arena: the gradient's global norm, the
// divergence check, the optional global-norm clip, then the optimizer's kernel.
import type { Core } from '../wasm.js';
import type { Ptr } from '../kernels.js';
import { DivergedError } from '../errors.js';
import type { ResolvedOptimizer } from './optimizer.js';

export interface UpdateRegions {
  /** Parameters and gradients, n floats each; three optimizer slots of n floats. */
  params: Ptr; grads: Ptr; opt: readonly [Ptr, Ptr, Ptr]; n: number;
}

/** Applies update number `step` (≥ 1) from the gradients in the arena and returns their norm
 *  before clipping. A non-finite loss or norm throws DivergedError before anything changes. */
export function applyUpdate(core: Core, r: UpdateRegions, o: ResolvedOptimizer, step: number, loss: number, clipNorm: number | undefined): number {
  const k = core.k, { params: p, grads: g, n } = r, [s0, s1, s2] = r.opt;
  const gradNorm = Math.sqrt(k.sum_sq_f32(g, n));
  if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
    throw new DivergedError(`training step ${step} diverged: loss ${loss}, gradient norm ${gradNorm}; parameters were not updated (lower the learning rate or clip the gradient)`, step);
  }
  if (clipNorm !== undefined && gradNorm > clipNorm) k.scale_f32(g, n, clipNorm / gradNorm);
  switch (o.type) {
    case 'sgd': k.sgd_step(p, g, s0, n, o.lr, o.momentum); break;
    case 'rmsprop': k.rmsprop_step(p, g, s0, s1, s2, n, o.lr, o.decay, o.momentum, o.eps, o.floor, o.centered ? 1 : 0); break;
    case 'adam': k.adam_step(p, g, s0, s1, n, o.lr, o.beta1, o.beta2, o.eps, step); break;
  }
  return gradNorm;
}
