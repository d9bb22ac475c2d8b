// Public types of the model API. See README "API".

export type Unit = 'tanh' | 'lstm' | 'gru';
export type HeadType = 'bernoulli' | 'softmax';

export interface ModelConfig {
  unit: Unit;
  /** LSTM only: the paper's diagonal peepholes (default false = PyTorch/Keras LSTM). */
  peepholes?: boolean;
  /** GRU only: reset after the recurrent product (default true = PyTorch nn.GRU);
   *  false = the paper's reset-before form. */
  resetAfter?: boolean;
  inputSize: number;
  hiddenSize: number;
  /** Stacked recurrent layers (default 1). */
  layers?: number;
  /** Output head: independent sigmoids ('bernoulli', targets in [0,1]) or a softmax over
   *  `size` classes ('softmax', targets are class indices). */
  head: { type: HeadType; size: number };
  /** Seed of the parameter initialisation (default 1). */
  seed?: number;
}

/** A time-major batch. Row t*B + b holds sequence b at step t. */
export interface Batch {
  T: number;
  B: number;
  /** (T, B, inputSize) */
  x: Float32Array;
  /** bernoulli head: (T, B, O) values in [0, 1]; softmax head: (T, B) class indices. */
  y: Float32Array | Int32Array;
  /** (T, B): 1 for real steps, 0 for padding; values in between weight a step's loss.
   *  Omitted = all ones. */
  mask?: Float32Array;
  /** Per layer (B, H) initial hidden state; omitted = zeros. */
  h0?: Float32Array[];
  /** LSTM only: per layer (B, H) initial cell state; omitted = zeros. */
  c0?: Float32Array[];
}

export interface LossResult {
  /** Σ over steps of mask · per-frame NLL (nats, summed over output units). */
  loss: number;
  /** Σ of the mask: the number of unmasked steps for a 0/1 mask. */
  frames: number;
}
