// The reference model: stacked recurrent layers and an output head, forward and
// backprop through time, everything in float64. Activations are time-major (T, B, ·):
// row t*B + b. Padding (mask 0) contributes nothing to the loss, so its gradient is zero
// and nothing flows back from it; the recurrence still runs through it (padding only
// follows a sequence's end, so it cannot reach a real step).
import { tanhForward, tanhBackward } from './tanh.js';
import { lstmForward, lstmBackward } from './lstm.js';
import { gruForward, gruBackward } from './gru.js';
import { matVecAdd, matTVecAdd, outerAdd, sigmoid, softplus } from './linalg.js';
import type { Layer, Params, RefConfig } from './types.js';

export interface RefBatch {
  T: number;
  B: number;
  x: ArrayLike<number>;        // (T, B, I)
  y: ArrayLike<number>;        // bernoulli: (T, B, O) targets in [0, 1]; softmax: (T, B) labels
  mask?: ArrayLike<number>;    // (T, B), omitted = all ones
  h0?: ArrayLike<number>[];    // per layer (B, H), omitted = zeros
  c0?: ArrayLike<number>[];    // LSTM, per layer (B, H), omitted = zeros
}

export const gatesOf = (cfg: RefConfig): number => ({ tanh: 1, lstm: 4, gru: 3 })[cfg.unit];
export const layersOf = (cfg: RefConfig): number => cfg.layers ?? 1;
const hasPeep = (cfg: RefConfig) => cfg.unit === 'lstm' && cfg.peepholes === true;

/** Parameter names and PyTorch shapes, in state_dict order. */
export function paramShapes(cfg: RefConfig): [string, number[]][] {
  const G = gatesOf(cfg), H = cfg.hiddenSize, out: [string, number[]][] = [];
  for (let l = 0; l < layersOf(cfg); l++) {
    const I = l === 0 ? cfg.inputSize : H;
    out.push([`weight_ih_l${l}`, [G * H, I]], [`weight_hh_l${l}`, [G * H, H]],
             [`bias_ih_l${l}`, [G * H]], [`bias_hh_l${l}`, [G * H]]);
    if (hasPeep(cfg)) out.push([`weight_peephole_l${l}`, [3, H]]);
  }
  out.push(['head.weight', [cfg.head.size, H]], ['head.bias', [cfg.head.size]]);
  return out;
}

export function zeroParams(cfg: RefConfig): Params {
  const p: Params = {};
  for (const [name, shape] of paramShapes(cfg)) p[name] = new Float64Array(shape.reduce((a, b) => a * b, 1));
  return p;
}

/** Row `row` of a matrix with n columns, as a view. */
const vec = (a: Float64Array, row: number, n: number) => a.subarray(row * n, row * n + n);

export function layerOf(cfg: RefConfig, p: Params, l: number): Layer {
  return {
    I: l === 0 ? cfg.inputSize : cfg.hiddenSize, H: cfg.hiddenSize,
    W: p[`weight_ih_l${l}`], U: p[`weight_hh_l${l}`], bih: p[`bias_ih_l${l}`], bhh: p[`bias_hh_l${l}`],
    peep: hasPeep(cfg) ? p[`weight_peephole_l${l}`] : undefined,
  };
}

/** What forward keeps for backward, per layer. */
export interface LayerCache {
  x: Float64Array;      // (T, B, I) layer input
  hs: Float64Array;     // (T+1, B, H), hs[0] = h0
  cs: Float64Array;     // (T+1, B, H) LSTM cell states, cs[0] = c0
  gates: Float64Array;  // (T, B, G·H) gate values after their nonlinearities
  aux: Float64Array;    // (T, B, H) GRU: see gru.ts
}

export interface ForwardResult {
  loss: number;           // Σ over unmasked (t, b) of mask·NLL summed over output units
  frames: number;         // unmasked (t, b)
  outputs: Float64Array;  // (T, B, O) sigmoid or softmax probabilities
  logits: Float64Array;   // (T, B, O)
  cache: LayerCache[];
}

/** One recurrent layer over the whole batch. x (T, B, I); h0, c0 (B, H) or zeros. */
export function layerForward(cfg: RefConfig, L: Layer, x: Float64Array, T: number, B: number,
                             h0?: ArrayLike<number>, c0?: ArrayLike<number>): LayerCache {
  const { I, H } = L, G = gatesOf(cfg), resetAfter = cfg.resetAfter ?? true;
  const c: LayerCache = {
    x, hs: new Float64Array((T + 1) * B * H), cs: new Float64Array((T + 1) * B * H),
    gates: new Float64Array(T * B * G * H), aux: new Float64Array(T * B * H),
  };
  if (h0) c.hs.set(h0);
  if (c0) c.cs.set(c0);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const now = t * B + b, prev = t * B + b, next = (t + 1) * B + b;  // hs/cs rows: prev = t, next = t+1
      const xt = vec(x, now, I), hPrev = vec(c.hs, prev, H), h = vec(c.hs, next, H);
      if (cfg.unit === 'tanh') tanhForward(h, L, xt, hPrev);
      else if (cfg.unit === 'lstm') lstmForward(h, vec(c.cs, next, H), vec(c.gates, now, G * H), L, xt, hPrev, vec(c.cs, prev, H));
      else gruForward(h, vec(c.gates, now, G * H), vec(c.aux, now, H), L, resetAfter, xt, hPrev);
    }
  }
  return c;
}

export function forward(cfg: RefConfig, p: Params, batch: RefBatch): ForwardResult {
  const { T, B } = batch, H = cfg.hiddenSize, O = cfg.head.size;
  const cache: LayerCache[] = [];
  let input = Float64Array.from(batch.x);
  for (let l = 0; l < layersOf(cfg); l++) {
    const c = layerForward(cfg, layerOf(cfg, p, l), input, T, B, batch.h0?.[l], batch.c0?.[l]);
    cache.push(c);
    input = c.hs.slice(B * H);  // hs[1..T] is the next layer's input
  }

  // Head: z = V h + c, then the per-frame NLL summed over output units.
  const V = p['head.weight'], cb = p['head.bias'];
  const logits = new Float64Array(T * B * O), outputs = new Float64Array(T * B * O);
  let loss = 0, frames = 0;
  for (let n = 0; n < T * B; n++) {
    const z = logits.subarray(n * O, n * O + O), y = outputs.subarray(n * O, n * O + O);
    z.set(cb);
    matVecAdd(z, V, input.subarray(n * H, n * H + H), 0, O, H);
    let nll = 0;
    if (cfg.head.type === 'bernoulli') {
      for (let o = 0; o < O; o++) {
        y[o] = sigmoid(z[o]);
        nll += softplus(z[o]) - batch.y[n * O + o] * z[o];
      }
    } else {
      const zmax = Math.max(...z);
      let sum = 0;
      for (let o = 0; o < O; o++) sum += Math.exp(z[o] - zmax);
      for (let o = 0; o < O; o++) y[o] = Math.exp(z[o] - zmax) / sum;
      nll = zmax + Math.log(sum) - z[batch.y[n]];  // −log softmax(z)[label]
    }
    const m = batch.mask ? batch.mask[n] : 1;
    if (m !== 0) { loss += m * nll; frames++; }
  }
  return { loss, frames, outputs, logits, cache };
}

export interface Gradients {
  grads: Params;          // ∂loss/∂param, same names and shapes as the parameters
  dx: Float64Array;       // (T, B, I)
  dh0: Float64Array[];    // per layer (B, H)
  dc0: Float64Array[];    // per layer (B, H), LSTM only
}

export function backward(cfg: RefConfig, p: Params, batch: RefBatch, fwd: ForwardResult): Gradients {
  const { T, B } = batch, H = cfg.hiddenSize, O = cfg.head.size;
  const grads = zeroParams(cfg);

  // Head: dz = mask·(σ(z) − y) or mask·(softmax(z) − onehot).
  const top = fwd.cache[fwd.cache.length - 1].hs;
  const V = p['head.weight'];
  let dhs: Float64Array = new Float64Array(T * B * H);  // (T, B, H) ∂L/∂hs[1..T] of the layer being processed
  for (let n = 0; n < T * B; n++) {
    const m = batch.mask ? batch.mask[n] : 1;
    if (m === 0) continue;
    const dz = new Float64Array(O);
    for (let o = 0; o < O; o++) {
      const target = cfg.head.type === 'bernoulli' ? batch.y[n * O + o] : (batch.y[n] === o ? 1 : 0);
      dz[o] = m * (fwd.outputs[n * O + o] - target);
      grads['head.bias'][o] += dz[o];
    }
    const h = top.subarray((B + n) * H, (B + n + 1) * H);  // hs[t+1], row t*B + b
    outerAdd(grads['head.weight'], dz, h, 0, O, H);
    matTVecAdd(dhs.subarray(n * H, n * H + H), V, dz, 0, O, H);
  }

  // Layers from the top down; each one's input gradient is the dhs of the layer below.
  const dh0: Float64Array[] = [], dc0: Float64Array[] = [];
  for (let l = layersOf(cfg) - 1; l >= 0; l--) {
    const r = layerBackward(cfg, layerOf(cfg, grads, l), dhs, layerOf(cfg, p, l), fwd.cache[l], T, B);
    dh0[l] = r.dh0; dc0[l] = r.dc0;
    dhs = r.dx;
  }
  return { grads, dx: dhs, dh0, dc0 };
}

/** Backprop through time of one layer. dhs (T, B, H) = ∂L/∂hs[1..T] from above; accumulates
 *  into the parameter grads `D`; returns dx (T, B, I), dh0 and dc0 (B, H; dc0 empty unless LSTM). */
export function layerBackward(cfg: RefConfig, D: Layer, dhs: Float64Array, L: Layer, c: LayerCache,
                              T: number, B: number): { dx: Float64Array; dh0: Float64Array; dc0: Float64Array } {
  const { I, H } = L, G = gatesOf(cfg), resetAfter = cfg.resetAfter ?? true;
  const dx = new Float64Array(T * B * I);
  const dh0 = new Float64Array(B * H), dc0 = new Float64Array(cfg.unit === 'lstm' ? B * H : 0);
  for (let b = 0; b < B; b++) {
    let dhNext = new Float64Array(H), dcNext = new Float64Array(H);  // ∂L/∂h_t, ∂L/∂c_t via step t+1
    for (let t = T - 1; t >= 0; t--) {
      const now = t * B + b, prev = t * B + b, next = (t + 1) * B + b;
      const dh = vec(dhs, now, H).map((v, j) => v + dhNext[j]);
      const dhPrev = new Float64Array(H), dcPrev = new Float64Array(H);
      const x = vec(c.x, now, I), dxt = vec(dx, now, I), hPrev = vec(c.hs, prev, H);
      if (cfg.unit === 'tanh') tanhBackward(dxt, dhPrev, D, dh, vec(c.hs, next, H), L, x, hPrev);
      else if (cfg.unit === 'lstm') lstmBackward(dxt, dhPrev, dcPrev, D, dh, dcNext, vec(c.gates, now, G * H),
                                                 vec(c.cs, next, H), L, x, hPrev, vec(c.cs, prev, H));
      else gruBackward(dxt, dhPrev, D, dh, vec(c.gates, now, G * H), vec(c.aux, now, H), L, resetAfter, x, hPrev);
      dhNext = dhPrev; dcNext = dcPrev;
    }
    dh0.set(dhNext, b * H);
    if (cfg.unit === 'lstm') dc0.set(dcNext, b * H);
  }
  return { dx, dh0, dc0 };
}

/** Forward and backward in one call: what the model's lossAndGrad computes. */
export function lossAndGrad(cfg: RefConfig, p: Params, batch: RefBatch): ForwardResult & Gradients {
  const fwd = forward(cfg, p, batch);
  return { ...fwd, ...backward(cfg, p, batch, fwd) };
}
