// Random parameters and batches for the tests, every value rounded to float32 so that the
// f32 model and the f64 reference start from exactly the same numbers.
import { Rng } from './random.js';
import { paramShapes } from './rnn.js';
import type { RefBatch } from './rnn.js';
import type { Params, RefConfig } from './types.js';

/** The five cell variants. */
export const VARIANTS: { name: string; cfg: Pick<RefConfig, 'unit' | 'peepholes' | 'resetAfter'> }[] = [
  { name: 'tanh', cfg: { unit: 'tanh' } },
  { name: 'lstm', cfg: { unit: 'lstm', peepholes: false } },
  { name: 'lstm-peep', cfg: { unit: 'lstm', peepholes: true } },
  { name: 'gru-after', cfg: { unit: 'gru', resetAfter: true } },
  { name: 'gru-before', cfg: { unit: 'gru', resetAfter: false } },
];

/** Every parameter uniform in [−scale, scale), biases and peepholes included. */
export function randomParams(cfg: RefConfig, rng: Rng, scale = 0.5): Params {
  const p: Params = {};
  for (const [name, shape] of paramShapes(cfg)) p[name] = rng.f32Array(shape.reduce((a, b) => a * b, 1), -scale, scale);
  return p;
}

export interface BatchOptions {
  lengths?: number[];   // per sequence; steps at or past the length are padding (mask 0)
  states?: boolean;     // random h0 (and c0 for LSTM) for every layer
  xScale?: number;      // x uniform in [−xScale, xScale) (default 1)
}

/** A time-major batch: x uniform in [−1, 1) (or ±xScale), bernoulli targets in {0, 1}, softmax labels. */
export function randomBatch(cfg: RefConfig, T: number, B: number, rng: Rng, opt: BatchOptions = {}): RefBatch {
  const I = cfg.inputSize, O = cfg.head.size, H = cfg.hiddenSize, layers = cfg.layers ?? 1;
  const x = rng.f32Array(T * B * I, -(opt.xScale ?? 1), opt.xScale ?? 1);
  const y = new Float64Array(cfg.head.type === 'bernoulli' ? T * B * O : T * B);
  for (let k = 0; k < y.length; k++) y[k] = cfg.head.type === 'bernoulli' ? (rng.next() < 0.3 ? 1 : 0) : rng.int(O);
  const batch: RefBatch = { T, B, x, y };
  if (opt.lengths) {
    const lengths = opt.lengths;
    batch.mask = Float64Array.from({ length: T * B }, (_, n) => (Math.floor(n / B) < lengths[n % B] ? 1 : 0));
  }
  if (opt.states) {
    batch.h0 = Array.from({ length: layers }, () => rng.f32Array(B * H, -1, 1));
    if (cfg.unit === 'lstm') batch.c0 = Array.from({ length: layers }, () => rng.f32Array(B * H, -2, 2));
  }
  return batch;
}

/** The same batch with every padded step's input and target replaced by other values. */
export function withGarbagePadding(cfg: RefConfig, batch: RefBatch, seed: number, magnitude = 3): RefBatch {
  if (!batch.mask) throw new Error('withGarbagePadding needs a masked batch');
  const rng = new Rng(seed), I = cfg.inputSize, O = cfg.head.size;
  const x = Float64Array.from(batch.x), y = Float64Array.from(batch.y);
  for (let n = 0; n < batch.T * batch.B; n++) {
    if (batch.mask[n] !== 0) continue;
    for (let i = 0; i < I; i++) x[n * I + i] = Math.fround(rng.uniform(-magnitude, magnitude));
    if (cfg.head.type === 'bernoulli') for (let o = 0; o < O; o++) y[n * O + o] = rng.next() < 0.5 ? 1 : 0;
    else y[n] = rng.int(O);
  }
  return { ...batch, x, y };
}
