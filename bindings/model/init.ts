// Parameter initialisation as the paper's code did it: input weights U(−0.1, 0.1), orthogonal
// recurrent matrices (one orthogonal H×H block per gate), zero biases. Peepholes and the
// output layer are drawn like the input weights. Everything is seeded.

import type { Rng } from '../data/rng.js';
import { ConfigError } from '../errors.js';
import type { ResolvedConfig } from './config.js';

/** Largest hidden size a new model draws orthogonal recurrent blocks for. Gram–Schmidt costs
 *  2·H³ flops per gate block, about 24 s at H = 2048 here and half an hour at the allowed
 *  maximum of 8192; above this a new model needs recurrentInit 'uniform' (a model loaded from a
 *  file is not initialised, so any size loads). */
export const MAX_ORTHOGONAL_HIDDEN = 2048;

/** Refuses (ConfigError) an initialisation that would take minutes: see MAX_ORTHOGONAL_HIDDEN. */
export function checkInitCost(c: ResolvedConfig): void {
  if (c.recurrentInit === 'orthogonal' && c.hiddenSize > MAX_ORTHOGONAL_HIDDEN) {
    throw new ConfigError(`config.hiddenSize ${c.hiddenSize} is above ${MAX_ORTHOGONAL_HIDDEN}, the largest size drawn with orthogonal recurrent blocks (Gram–Schmidt costs O(H³): minutes at this size); set recurrentInit: 'uniform' for a larger new model`);
  }
}

/** An n×n orthogonal matrix (row-major, f64): modified Gram–Schmidt on a Gaussian matrix,
 *  with the sign convention that makes it Haar-distributed. */
export function orthogonal(n: number, rng: Rng): Float64Array {
  const q = new Float64Array(n * n);
  for (let i = 0; i < q.length; i++) q[i] = rng.normal();
  for (let r = 0; r < n; r++) {
    const row = q.subarray(r * n, (r + 1) * n);
    for (let p = 0; p < r; p++) {
      const prev = q.subarray(p * n, (p + 1) * n);
      let dot = 0;
      for (let j = 0; j < n; j++) dot += row[j] * prev[j];
      for (let j = 0; j < n; j++) row[j] -= dot * prev[j];
    }
    let norm = 0;
    for (let j = 0; j < n; j++) norm += row[j] * row[j];
    norm = Math.sqrt(norm);
    if (norm < 1e-12) { // a degenerate draw: start the row again
      for (let j = 0; j < n; j++) row[j] = rng.normal();
      r--;
      continue;
    }
    for (let j = 0; j < n; j++) row[j] /= norm;
  }
  return q;
}

/** Fills U (H, G·H) (arena orientation) with an orthogonal H×H block per gate. */
export function fillOrthogonalBlocks(U: Float32Array, H: number, G: number, rng: Rng): void {
  const GH = G * H;
  for (let g = 0; g < G; g++) {
    const q = orthogonal(H, rng);
    for (let i = 0; i < H; i++) for (let j = 0; j < H; j++) U[i * GH + g * H + j] = q[i * H + j];
  }
}
