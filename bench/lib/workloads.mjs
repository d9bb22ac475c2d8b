// Workloads of the benchmark (the paper's sizes, Chung et al. 2014 Table 1), the cell variants
// each one runs, the data, and the analytic FLOP count.

export const TASKS = {
  // Polyphonic music: 88-note piano roll in, 88 independent sigmoids out.
  music: { I: 88, O: 88, H: { tanh: 100, lstm: 36, gru: 46 } },
  // Raw speech: 20 samples in per step. The paper's head is a 20-component Gaussian mixture
  // over the next 10 samples; for timing we use a Bernoulli head with 20 outputs, whose cost
  // (2·H·20 FLOPs per frame) is a rounding error next to the recurrent layer.
  speech: { I: 20, O: 20, H: { tanh: 400, lstm: 195, gru: 227 } },
};

/** Variants per unit. The first is the PyTorch/Keras form of the unit. */
export const VARIANTS = {
  tanh: [{ id: 'tanh', label: 'tanh-RNN' }],
  lstm: [
    { id: 'lstm', label: 'LSTM', peepholes: false },
    { id: 'lstm-peep', label: 'LSTM + peepholes', peepholes: true },
  ],
  gru: [
    { id: 'gru-after', label: 'GRU reset-after', resetAfter: true },
    { id: 'gru-before', label: 'GRU reset-before', resetAfter: false },
  ],
};

export const UNIT_LABEL = { tanh: 'tanh', lstm: 'LSTM', gru: 'GRU' };

/** Every (task, unit, batch) workload; `T` steps. */
export function workloads({ T = 100, batches = [32, 1], tasks = ['music', 'speech'], units = ['tanh', 'lstm', 'gru'] } = {}) {
  const out = [];
  for (const task of tasks) {
    for (const unit of units) {
      for (const B of batches) {
        const t = TASKS[task];
        out.push({ key: `${task}-${unit}-${t.H[unit]}-b${B}`, task, unit, I: t.I, O: t.O, H: t.H[unit], T, B });
      }
    }
  }
  return out;
}

export function gatesOf(unit) { return unit === 'tanh' ? 1 : unit === 'lstm' ? 4 : 3; }

/**
 * FLOPs per frame (one sequence, one time step), counting only the matrix products
 * (multiply + add = 2 FLOPs); gate nonlinearities, element-wise products and the optimizer
 * are not counted.
 *   forward  = 2·G·H·(I + H) + 2·H·O                 (x·W, h·U, head h·V)
 *   training = forward + 2·G·H·(I + 2H) + 4·H·O      (+ dW, dU, dh·Uᵀ, dV, dz·Vᵀ; no dx)
 */
export function flopsPerFrame(w) {
  const G = gatesOf(w.unit), { I, H, O } = w;
  const forward = 2 * G * H * (I + H) + 2 * H * O;
  const training = forward + 2 * G * H * (I + 2 * H) + 4 * H * O;
  return { forward, training };
}

/** Deterministic data: music x is a binary piano roll (≈10 % notes on), speech x is uniform
 *  in (−1, 1); targets are binary (≈10 % ones). Time-major (T, B, ·). */
export function makeData(w, seed = 12345) {
  let s = seed >>> 0;
  const rnd = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 4294967296; };
  const x = new Float32Array(w.T * w.B * w.I);
  for (let i = 0; i < x.length; i++) x[i] = w.task === 'music' ? (rnd() < 0.1 ? 1 : 0) : 2 * rnd() - 1;
  const y = new Float32Array(w.T * w.B * w.O);
  for (let i = 0; i < y.length; i++) y[i] = rnd() < 0.1 ? 1 : 0;
  return { x, y };
}

/** The optimizer every contender runs (RMSProp, not centered, momentum 0.9). */
export const RMSPROP = { lr: 1e-4, decay: 0.9, momentum: 0.9, eps: 1e-6, floor: 0 };
