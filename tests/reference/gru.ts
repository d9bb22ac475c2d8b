// GRU cell, one step for one sequence. Gate order r, z, n; PyTorch's z (h = (1−z)⊙n + z⊙h_prev).
//   r = σ(W_r x + bih_r + U_r h_prev + bhh_r)     z = σ(W_z x + bih_z + U_z h_prev + bhh_z)
//   reset-after:  n = tanh(W_n x + bih_n + r⊙(U_n h_prev + bhh_n))      aux = U_n h_prev + bhh_n
//   reset-before: n = tanh(W_n x + bih_n + U_n (r⊙h_prev) + bhh_n)      aux = r⊙h_prev
import { matVecAdd, matTVecAdd, outerAdd, sigmoid } from './linalg.js';
import type { Layer } from './types.js';

/** gates (3H) receives [r | z | n]; aux (H) the quantity named above, kept for backward. */
export function gruForward(h: Float64Array, gates: Float64Array, aux: Float64Array, p: Layer,
                           resetAfter: boolean, x: Float64Array, hPrev: Float64Array): void {
  const { I, H } = p;
  const gx = new Float64Array(3 * H);  // W x + bih
  const gh = new Float64Array(3 * H);  // U h_prev + bhh (block n unused in reset-before)
  for (let k = 0; k < 3 * H; k++) { gx[k] = p.bih[k]; gh[k] = p.bhh[k]; }
  matVecAdd(gx, p.W, x, 0, 3 * H, I);
  matVecAdd(gh, p.U, hPrev, 0, 3 * H, H);
  const an = new Float64Array(H);      // everything inside tanh of n except W_n x + bih_n
  for (let j = 0; j < H; j++) {
    const r = sigmoid(gx[j] + gh[j]);
    gates[j] = r;
    gates[H + j] = sigmoid(gx[H + j] + gh[H + j]);
    if (resetAfter) { aux[j] = gh[2 * H + j]; an[j] = r * aux[j]; }
    else { aux[j] = r * hPrev[j]; an[j] = p.bhh[2 * H + j]; }
  }
  if (!resetAfter) matVecAdd(an, p.U, aux, 2 * H, H, H);
  for (let j = 0; j < H; j++) {
    const z = gates[H + j];
    const n = Math.tanh(gx[2 * H + j] + an[j]);
    gates[2 * H + j] = n;
    h[j] = (1 - z) * n + z * hPrev[j];
  }
}

/** dh: ∂L/∂h (all paths). Accumulates into the parameter grads `d`, dx and dhPrev. */
export function gruBackward(dx: Float64Array, dhPrev: Float64Array, d: Layer, dh: Float64Array,
                            gates: Float64Array, aux: Float64Array, p: Layer, resetAfter: boolean,
                            x: Float64Array, hPrev: Float64Array): void {
  const { I, H } = p;
  const dgx = new Float64Array(3 * H);  // ∂L/∂(W x + bih)
  const dgh = new Float64Array(3 * H);  // ∂L/∂(U h_prev + bhh); block n only in reset-after
  const dan = new Float64Array(H);      // ∂L/∂ pre-activation of n
  for (let j = 0; j < H; j++) {
    const z = gates[H + j], n = gates[2 * H + j];
    dhPrev[j] += dh[j] * z;
    dan[j] = dh[j] * (1 - z) * (1 - n * n);
    dgx[H + j] = dh[j] * (hPrev[j] - n) * z * (1 - z);
    dgx[2 * H + j] = dan[j];
  }
  if (resetAfter) {
    for (let j = 0; j < H; j++) {
      const r = gates[j];
      dgx[j] = dan[j] * aux[j] * r * (1 - r);  // aux = U_n h_prev + bhh_n
      dgh[2 * H + j] = dan[j] * r;
    }
  } else {
    const daux = new Float64Array(H);       // ∂L/∂(r⊙h_prev) = U_nᵀ dan
    matTVecAdd(daux, p.U, dan, 2 * H, H, H);
    outerAdd(d.U, dan, aux, 2 * H, H, H);   // aux = r⊙h_prev
    for (let j = 0; j < H; j++) {
      const r = gates[j];
      dgx[j] = daux[j] * hPrev[j] * r * (1 - r);
      dhPrev[j] += daux[j] * r;
      d.bhh[2 * H + j] += dan[j];
    }
  }
  for (let j = 0; j < 2 * H; j++) dgh[j] = dgx[j];  // r and z see x and h_prev alike
  const Rh = resetAfter ? 3 * H : 2 * H;               // rows of U reached through gh
  for (let k = 0; k < 3 * H; k++) d.bih[k] += dgx[k];
  for (let k = 0; k < Rh; k++) d.bhh[k] += dgh[k];
  outerAdd(d.W, dgx, x, 0, 3 * H, I);
  matTVecAdd(dx, p.W, dgx, 0, 3 * H, I);
  outerAdd(d.U, dgh, hPrev, 0, Rh, H);
  matTVecAdd(dhPrev, p.U, dgh, 0, Rh, H);
}
