// tanh-RNN cell, one step for one sequence:  h = tanh(W x + bih + U h_prev + bhh)
import { matVecAdd, matTVecAdd, outerAdd } from './linalg.js';
import type { Layer } from './types.js';

export function tanhForward(h: Float64Array, p: Layer, x: Float64Array, hPrev: Float64Array): void {
  const { I, H } = p;
  const a = new Float64Array(H);
  for (let j = 0; j < H; j++) a[j] = p.bih[j] + p.bhh[j];
  matVecAdd(a, p.W, x, 0, H, I);
  matVecAdd(a, p.U, hPrev, 0, H, H);
  for (let j = 0; j < H; j++) h[j] = Math.tanh(a[j]);
}

/** dh: ∂L/∂h (all paths). Accumulates into the parameter grads `d`, dx and dhPrev. */
export function tanhBackward(dx: Float64Array, dhPrev: Float64Array, d: Layer, dh: Float64Array,
                             h: Float64Array, p: Layer, x: Float64Array, hPrev: Float64Array): void {
  const { I, H } = p;
  const da = new Float64Array(H);
  for (let j = 0; j < H; j++) da[j] = dh[j] * (1 - h[j] * h[j]);
  for (let j = 0; j < H; j++) { d.bih[j] += da[j]; d.bhh[j] += da[j]; }
  outerAdd(d.W, da, x, 0, H, I);
  outerAdd(d.U, da, hPrev, 0, H, H);
  matTVecAdd(dx, p.W, da, 0, H, I);
  matTVecAdd(dhPrev, p.U, da, 0, H, H);
}
