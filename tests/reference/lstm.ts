// LSTM cell, one step for one sequence. Gate order i, f, g, o (PyTorch). With peepholes
// (paper, Graves 2013): i and f peek at c_prev, o peeks at the new c.
//   a = W x + bih + U h_prev + bhh                       (4H)
//   i = σ(a_i + p_i⊙c_prev)   f = σ(a_f + p_f⊙c_prev)   g = tanh(a_g)
//   c = f⊙c_prev + i⊙g        o = σ(a_o + p_o⊙c)         h = o⊙tanh(c)
import { matVecAdd, matTVecAdd, outerAdd, sigmoid } from './linalg.js';
import type { Layer } from './types.js';

/** gates (4H) receives [i | f | g | o] after their nonlinearities. */
export function lstmForward(h: Float64Array, c: Float64Array, gates: Float64Array, p: Layer,
                            x: Float64Array, hPrev: Float64Array, cPrev: Float64Array): void {
  const { I, H } = p;
  const a = new Float64Array(4 * H);
  for (let k = 0; k < 4 * H; k++) a[k] = p.bih[k] + p.bhh[k];
  matVecAdd(a, p.W, x, 0, 4 * H, I);
  matVecAdd(a, p.U, hPrev, 0, 4 * H, H);
  const pi = (j: number) => (p.peep ? p.peep[j] : 0);
  const pf = (j: number) => (p.peep ? p.peep[H + j] : 0);
  const po = (j: number) => (p.peep ? p.peep[2 * H + j] : 0);
  for (let j = 0; j < H; j++) {
    const i = sigmoid(a[j] + pi(j) * cPrev[j]);
    const f = sigmoid(a[H + j] + pf(j) * cPrev[j]);
    const g = Math.tanh(a[2 * H + j]);
    c[j] = f * cPrev[j] + i * g;
    const o = sigmoid(a[3 * H + j] + po(j) * c[j]);
    h[j] = o * Math.tanh(c[j]);
    gates[j] = i; gates[H + j] = f; gates[2 * H + j] = g; gates[3 * H + j] = o;
  }
}

/** dh, dc: ∂L/∂h and ∂L/∂c from later steps and layers above. Accumulates into the
 *  parameter grads `d`, dx, dhPrev and dcPrev. */
export function lstmBackward(dx: Float64Array, dhPrev: Float64Array, dcPrev: Float64Array, d: Layer,
                             dh: Float64Array, dc: Float64Array, gates: Float64Array, c: Float64Array,
                             p: Layer, x: Float64Array, hPrev: Float64Array, cPrev: Float64Array): void {
  const { I, H } = p;
  const da = new Float64Array(4 * H);  // ∂L/∂a, gate pre-activations without the peephole terms
  for (let j = 0; j < H; j++) {
    const i = gates[j], f = gates[H + j], g = gates[2 * H + j], o = gates[3 * H + j];
    const tc = Math.tanh(c[j]);
    const dao = dh[j] * tc * o * (1 - o);
    const dcj = dc[j] + dh[j] * o * (1 - tc * tc) + (p.peep ? dao * p.peep[2 * H + j] : 0);
    const dai = dcj * g * i * (1 - i);
    const daf = dcj * cPrev[j] * f * (1 - f);
    const dag = dcj * i * (1 - g * g);
    dcPrev[j] += dcj * f;
    if (p.peep && d.peep) {
      dcPrev[j] += dai * p.peep[j] + daf * p.peep[H + j];
      d.peep[j] += dai * cPrev[j];
      d.peep[H + j] += daf * cPrev[j];
      d.peep[2 * H + j] += dao * c[j];
    }
    da[j] = dai; da[H + j] = daf; da[2 * H + j] = dag; da[3 * H + j] = dao;
  }
  for (let k = 0; k < 4 * H; k++) { d.bih[k] += da[k]; d.bhh[k] += da[k]; }
  outerAdd(d.W, da, x, 0, 4 * H, I);
  outerAdd(d.U, da, hPrev, 0, 4 * H, H);
  matTVecAdd(dx, p.W, da, 0, 4 * H, I);
  matTVecAdd(dhPrev, p.U, da, 0, 4 * H, H);
}
