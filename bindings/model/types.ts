// Public types of the model API. See README "API".
import type { HeadConfig } from '../head/types.js';

export type Unit = 'tanh' | 'lstm' | 'gru';
/** A registered head type (bindings/head/registry.ts): 'bernoulli' and 'softmax' are built in. */
export type HeadType = 'bernoulli' | 'softmax' | (string & {});

/** The element type of a batch's targets y: floats (bernoulli, mog, …) or int32 class indices
 *  (softmax). */
export type TargetArray = Float32Array | Int32Array;

/** The targets' array type of a head type known when type-checking: Float32Array for the float
 *  heads built in ('bernoulli', 'mog'), Int32Array for 'softmax'; for any other type (a head
 *  registered at run time) or one not known statically (a plain `ModelConfig`), either. */
export type TargetArrayOf<H extends HeadType> =
  [H] extends [never] ? TargetArray
  : H extends 'bernoulli' | 'mog' ? Float32Array
  : H extends 'softmax' ? Int32Array
  : TargetArray;

/** A model's configuration. `H` is the head type as the compiler sees it (a literal such as
 *  'bernoulli' in an object literal), which is how createModel types batchViews(T, B).y. */
export interface ModelConfig<H extends HeadType = HeadType> {
  /** 'rnn' (PyTorch's name) is accepted for 'tanh'. */
  unit: Unit | 'rnn';
  /** LSTM only: the paper's diagonal peepholes (default false = PyTorch/Keras LSTM). */
  peepholes?: boolean;
  /** GRU only: reset after the recurrent product (default true = PyTorch nn.GRU);
   *  false = the paper's reset-before form. */
  resetAfter?: boolean;
  inputSize: number;
  hiddenSize: number;
  /** Stacked recurrent layers (default 1). */
  layers?: number;
  /** Output head: independent sigmoids ('bernoulli', targets in [0,1]), a softmax over
   *  `size` classes ('softmax', targets are class indices), or another registered head with
   *  its own options; 'linear' is a plain PyTorch nn.Linear whose loss is unknown (the logits
   *  as outputs, inference only). Omitted (or null): no head, the recurrent layers only —
   *  forward gives hidden states; nothing to train. */
  head?: (HeadConfig & { type: H }) | null;
  /** Seed of the parameter initialisation (default 1). */
  seed?: number;
  /** Recurrent matrices: one orthogonal block per gate (default; the paper's code) or
   *  U(−0.1, 0.1) like the input weights ('uniform', for the ablation). */
  recurrentInit?: 'orthogonal' | 'uniform';
}

/** How a model's inputs and targets were prepared from raw data, kept in its model file so that
 *  evaluation and sampling prepare data the same way. `kind` names the preparation, e.g.
 *  'speech' with { sampleRate, mean, std, input, hop } (bindings/data/speech.ts). */
export interface DataInfo { kind: string; [key: string]: string | number }

/** A time-major batch. Row t*B + b holds sequence b at step t. */
export interface Batch {
  T: number;
  B: number;
  /** (T, B, inputSize) */
  x: Float32Array;
  /** bernoulli head: (T, B, O) values in [0, 1]; softmax head: (T, B) class indices;
   *  in general (T, B, head target width) of the head's element type. forward() alone may
   *  omit it (then its loss is NaN); a model without a head (or a 'linear' one) takes none. */
  y?: Float32Array | Int32Array;
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

/** The batch buffers a batcher fills in place: x (T, B, I), y (T, B, target width), mask (T, B).
 *  `Y` is y's array type: Float32Array for float targets, Int32Array for class indices (see
 *  {@link TargetArrayOf}); either when the head is not known statically. */
export interface BatchViews<Y extends TargetArray = TargetArray> { x: Float32Array; y: Y; mask: Float32Array }

export interface TrainOptions {
  /** Rescale the gradient to this global L2 norm whenever it is larger (default: no clipping). */
  clipNorm?: number;
  /** What clipNorm bounds: 'gradient' (default) or the optimizer's 'step' (the released code). */
  clipMode?: 'gradient' | 'step';
  /** σ of Gaussian noise added to every input and recurrent matrix for this update (default 0). */
  weightNoise?: number;
}

export interface TrainResult extends LossResult {
  /** Global L2 norm of the gradient of the summed loss before clipping. */
  gradNorm: number;
}

export interface ForwardResult extends LossResult {
  /** (T, B, O): the head's output distribution (sigmoid or softmax probabilities, …); empty
   *  for a model without a head. */
  outputs: Float32Array;
  /** With `{ hidden: true }`: (T, B, H), the top layer's hidden states (PyTorch's `output`). */
  hidden?: Float32Array;
  /** With `{ logits: true }`: (T, B, O), the head's input to its distribution (the nn.Linear's output). */
  logits?: Float32Array;
  /** With `{ finalStates: true }`: per layer the state after the last step, (B, H) each
   *  (PyTorch's h_n, and c_n for the LSTM). */
  finalStates?: { h: Float32Array[]; c?: Float32Array[] };
}

/** What forward() returns besides the outputs and the loss. */
export interface ForwardOptions { hidden?: boolean; logits?: boolean; finalStates?: boolean }

/** Per batch slot, filled by an evaluation: summed loss and frames of the slot's rows. */
export interface SlotLosses { loss: Float64Array; frames: Float64Array }

/** What the one training loop (bindings/train/loop.ts) trains through: a Model itself, or a
 *  ParallelTrainer of one whose steps return promises. */
export interface TrainTarget {
  /** Views of the (T, B) batch buffers for a batcher to fill in place. */
  batchViews(T: number, B: number): BatchViews;
  /** One update from the batch in batchViews(T, B). */
  trainStepInPlace(T: number, B: number, opts: TrainOptions): TrainResult | Promise<TrainResult>;
  /** Summed loss on clean weights of the batch in batchViews(T, B); with `slots`, each slot's
   *  summed loss and frames too. */
  evaluateInPlace(T: number, B: number, slots?: SlotLosses, weightNoise?: number): LossResult | Promise<LossResult>;
}
