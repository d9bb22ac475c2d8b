// Shapes and configuration shared by the reference cells and model.

export type Unit = 'tanh' | 'lstm' | 'gru';
export type HeadType = 'bernoulli' | 'softmax';

/** Same fields as bindings/model/types.ts ModelConfig (kept separate so the reference
 *  imports nothing from the library it checks). */
export interface RefConfig {
  unit: Unit;
  peepholes?: boolean;   // LSTM: the paper's diagonal peepholes
  resetAfter?: boolean;  // GRU: true (default) = PyTorch nn.GRU, false = paper's reset-before
  inputSize: number;
  hiddenSize: number;
  layers?: number;
  head: { type: HeadType; size: number };
}

/** Parameters by PyTorch state_dict name, row-major in PyTorch orientation. */
export type Params = Record<string, Float64Array>;

/** One recurrent layer's parameters (views into Params) and sizes. */
export interface Layer {
  I: number;
  H: number;
  W: Float64Array;      // weight_ih (G·H, I)
  U: Float64Array;      // weight_hh (G·H, H)
  bih: Float64Array;    // bias_ih (G·H)
  bhh: Float64Array;    // bias_hh (G·H)
  peep?: Float64Array;  // weight_peephole (3, H) rows [i, f, o]; LSTM with peepholes only
}
