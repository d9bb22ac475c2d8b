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

/** What `clipNorm` bounds: the gradient's global norm before the optimizer (default; the
 *  paper's wording), or the norm of the parameter step the optimizer takes ('step': the paper's
 *  released code, which clips the momentum step; the momentum buffer keeps the clipped step). */
export type ClipMode = 'gradient' | 'step';

/** Applies update number `step` (≥ 1) from the gradients in the arena and returns their norm
 *  before clipping. A non-finite loss or norm throws DivergedError before anything changes. */
export function applyUpdate(core: Core, r: UpdateRegions, o: ResolvedOptimizer, step: number, loss: number, clipNorm: number | undefined, clipMode: ClipMode = 'gradient'): number {
  const k = core.k, { params: p, grads: g, n } = r, [s0, s1, s2] = r.opt;
  const gradNorm = Math.sqrt(k.sum_sq_f32(g, n));
  if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
    throw new DivergedError(`training step ${step} diverged: loss ${loss}, gradient norm ${gradNorm}; parameters were not updated (lower the learning rate or clip the gradient)`, step);
  }
  const clipStep = clipNorm !== undefined && clipMode === 'step';
  if (clipNorm !== undefined && !clipStep && gradNorm > clipNorm) k.scale_f32(g, n, clipNorm / gradNorm);
  const before = clipStep ? parametersBefore(core, p, n) : null;
  switch (o.type) {
    case 'sgd': k.sgd_step(p, g, s0, n, o.lr, o.momentum); break;
    case 'rmsprop': k.rmsprop_step(p, g, s0, s1, s2, n, o.lr, o.decay, o.momentum, o.eps, o.floor, o.centered ? 1 : 0); break;
    case 'adam': k.adam_step(p, g, s0, s1, n, o.lr, o.beta1, o.beta2, o.eps, step); break;
  }
  if (before) clipTheStep(core, p, before, o.type === 'adam' ? 0 : o.type === 'sgd' ? s0 : s2, n, clipNorm!);
  return gradNorm;
}

/** The parameters before a step-clipped update, in a buffer kept between updates: a fresh
 *  Float32Array.from per update was 5 % of a batch-1 music trial (allocation, GC, and the
 *  iterator path Float32Array.from takes for a typed-array source). The update is synchronous,
 *  so one buffer serves every model of this thread. */
let beforeBuffer = new Float32Array(0);
function parametersBefore(core: Core, p: Ptr, n: number): Float32Array {
  if (beforeBuffer.length < n) beforeBuffer = new Float32Array(Math.max(n, Math.ceil(beforeBuffer.length * 1.5)));
  const before = beforeBuffer.subarray(0, n);
  before.set(core.f32(p, n));
  return before;
}

/** p = before + Δ·min(1, c/‖Δ‖) for the step Δ = p − before just taken; the momentum buffer
 *  (which holds Δ for SGD and RMSProp) is scaled alike. */
function clipTheStep(core: Core, p: Ptr, before: Float32Array, v: Ptr, n: number, c: number): void {
  const P = core.f32(p, n);
  let sq = 0;
  for (let i = 0; i < n; i++) { const d = P[i] - before[i]; sq += d * d; }
  const norm = Math.sqrt(sq);
  if (!(norm > c)) return;
  const s = c / norm;
  for (let i = 0; i < n; i++) P[i] = before[i] + (P[i] - before[i]) * s;
  if (v) core.k.scale_f32(v, n, s);
}
