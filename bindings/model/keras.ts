// Keras weights ⇄ our state dict (docs/KERAS.md). Keras keeps a recurrent layer as
// `layer.get_weights()` = [kernel (I, G·H), recurrent_kernel (H, G·H), bias], the transposes of
// PyTorch's weight_ih/weight_hh, with one bias vector (GRU reset_after=True: two, as a (2, 3H)
// array) and the GRU's gate blocks in the order z, r, h instead of r, z, n. A Dense head keeps
// kernel (H, O), the transpose of head.weight. Every tensor the conversion writes is named by
// the parameter table (params.ts); this file only says where each one comes from in Keras.
// Platform-neutral; no math beyond copies and one bias sum (stateDictToKeras).
import { ConfigError, ShapeError, assertFinite } from '../errors.js';
import { describeConfig, resolveConfig, type ResolvedConfig } from './config.js';
import { paramTable, type ParamSpec } from './params.js';
import type { Model } from './model.js';
import type { ModelConfig, Unit } from './types.js';

/** One Keras array: its shape and its values flattened row-major (numpy's `w.ravel()`). */
export interface KerasTensor { shape: readonly number[]; data: ArrayLike<number> }
/** A KerasTensor as this module returns it. */
export interface KerasTensorF32 { shape: number[]; data: Float32Array }

/** A Keras SimpleRNN/LSTM/GRU layer's weights. `bias` absent or null = `use_bias=False` (zeros). */
export interface KerasRecurrentWeights { kernel: KerasTensor; recurrentKernel: KerasTensor; bias?: KerasTensor | null }
/** A layer as an object, or as the list `layer.get_weights()` returns: [kernel, recurrent_kernel(, bias)]. */
export type KerasLayerInput = KerasRecurrentWeights | readonly KerasTensor[];

/** A Dense layer's activation, which picks our head: sigmoid → 'bernoulli', softmax →
 *  'softmax', linear (Keras' default, no activation) → 'linear' (inference only). */
export type KerasActivation = 'sigmoid' | 'softmax' | 'linear';
export interface KerasDense { kernel: KerasTensor; bias?: KerasTensor | null; activation?: KerasActivation }

export interface KerasOptions {
  /** The Keras layer class: 'tanh' (or 'rnn') = SimpleRNN, 'lstm' = LSTM, 'gru' = GRU. */
  unit: Unit | 'rnn';
  /** GRU only: Keras `reset_after`. Read from the bias shape when omitted ((2, 3H) = true,
   *  (3H) = false); needed for a GRU without bias. */
  resetAfter?: boolean;
  /** The Dense layer on top of the last recurrent layer, if any. */
  dense?: KerasDense;
  /** config.seed of the result (it only matters for parameters not set from Keras). */
  seed?: number;
}

export interface KerasStateDict {
  /** A complete ModelConfig for createModel: unit, inputSize, hiddenSize, layers, resetAfter
   *  (GRU), and a head when `dense` was given. */
  config: ModelConfig;
  /** Every tensor of that config by its state_dict name, PyTorch orientation, row-major. */
  tensors: Record<string, Float32Array>;
  shapes: Record<string, number[]>;
}

export interface KerasWeights {
  /** The Keras layer class to build: `keras.layers[layerClass](H, return_sequences=True, …)`. */
  layerClass: 'SimpleRNN' | 'LSTM' | 'GRU';
  unit: Unit;
  /** GRU only: the `reset_after` the layers need. */
  resetAfter?: boolean;
  /** Per layer, in `set_weights` order: [kernel, recurrentKernel, bias]. */
  layers: { kernel: KerasTensorF32; recurrentKernel: KerasTensorF32; bias: KerasTensorF32 }[];
  /** The head as a Dense layer; `activation` is absent for a head Keras has no activation for (mog). */
  dense?: { kernel: KerasTensorF32; bias: KerasTensorF32; activation?: KerasActivation };
}

/** Keras' gate block for each of ours: LSTM i f c o = our i f g o; GRU z r h against our r z n. */
const KERAS_GATE: Record<Unit, readonly number[]> = { tanh: [0], lstm: [0, 1, 2, 3], gru: [1, 0, 2] };
const LAYER_CLASS = { tanh: 'SimpleRNN', lstm: 'LSTM', gru: 'GRU' } as const;
const HEAD_OF: Record<KerasActivation, string> = { sigmoid: 'bernoulli', softmax: 'softmax', linear: 'linear' };
const ACTIVATION_OF: Record<string, KerasActivation> = { bernoulli: 'sigmoid', softmax: 'softmax', linear: 'linear' };

// --------------------------------------------------------------------------- checks

function checkTensor(t: unknown, what: string): KerasTensor {
  const k = t as KerasTensor;
  if (!k || typeof k !== 'object' || !Array.isArray(k.shape) || !k.data || typeof k.data.length !== 'number') {
    throw new ShapeError(`${what}: expected { shape, data } (data flattened row-major), got ${t === null ? 'null' : typeof t}`);
  }
  if (k.shape.some((d) => !Number.isInteger(d) || d < 1)) throw new ShapeError(`${what}: shape [${k.shape}] must hold positive integers`);
  const n = k.shape.reduce((a, b) => a * b, 1);
  if (k.data.length !== n) throw new ShapeError(`${what}: shape [${k.shape}] holds ${n} values, data has ${k.data.length}`);
  assertFinite(k.data, what);
  return k;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function expectShape(t: KerasTensor, shape: number[], what: string, hint = ''): void {
  if (!sameShape(t.shape, shape)) throw new ShapeError(`${what}: Keras shape [${t.shape}], this model needs [${shape}]${hint}`);
}

function asLayer(l: unknown, i: number): KerasRecurrentWeights {
  if (Array.isArray(l)) {
    if (l.length !== 2 && l.length !== 3) throw new ShapeError(`layers[${i}]: get_weights() of a recurrent layer is [kernel, recurrent_kernel, bias] (or without bias), got ${l.length} arrays`);
    return { kernel: l[0], recurrentKernel: l[1], bias: l[2] };
  }
  if (!l || typeof l !== 'object') throw new ShapeError(`layers[${i}]: expected { kernel, recurrentKernel, bias } or [kernel, recurrent_kernel, bias]`);
  return l as KerasRecurrentWeights;
}

function unitOf(u: unknown): Unit {
  if (u === 'tanh' || u === 'rnn') return 'tanh';
  if (u === 'lstm' || u === 'gru') return u;
  throw new ConfigError(`keras: unit must be 'tanh' (SimpleRNN; or 'rnn'), 'lstm' or 'gru', got ${JSON.stringify(u)}`);
}

// --------------------------------------------------------------------------- copies

/** Keras (rows, G·H) matrix → our (G·H, rows), gate blocks reordered. */
function fromKerasMatrix(k: ArrayLike<number>, rows: number, H: number, gates: readonly number[]): Float32Array {
  const GH = gates.length * H, out = new Float32Array(GH * rows);
  for (let p = 0; p < gates.length; p++) {
    for (let j = 0; j < H; j++) {
      const src = gates[p] * H + j, dst = (p * H + j) * rows;
      for (let i = 0; i < rows; i++) out[dst + i] = k[i * GH + src];
    }
  }
  return out;
}

/** Our (G·H, rows) matrix → Keras (rows, G·H). */
function toKerasMatrix(w: ArrayLike<number>, rows: number, H: number, gates: readonly number[]): Float32Array {
  const GH = gates.length * H, out = new Float32Array(GH * rows);
  for (let p = 0; p < gates.length; p++) {
    for (let j = 0; j < H; j++) {
      const dst = gates[p] * H + j, src = (p * H + j) * rows;
      for (let i = 0; i < rows; i++) out[i * GH + dst] = w[src + i];
    }
  }
  return out;
}

/** A Keras bias row (G·H values from `offset`) → our gate order. */
function fromKerasBias(b: ArrayLike<number>, offset: number, H: number, gates: readonly number[]): Float32Array {
  const out = new Float32Array(gates.length * H);
  for (let p = 0; p < gates.length; p++) for (let j = 0; j < H; j++) out[p * H + j] = b[offset + gates[p] * H + j];
  return out;
}

/** Our bias (G·H) → Keras' gate order, written into `out` at `offset`. */
function toKerasBias(b: ArrayLike<number>, out: Float32Array, offset: number, H: number, gates: readonly number[]): void {
  for (let p = 0; p < gates.length; p++) for (let j = 0; j < H; j++) out[offset + gates[p] * H + j] = b[p * H + j];
}

/** (rows, cols) → (cols, rows). */
function transpose(a: ArrayLike<number>, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j];
  return out;
}

// --------------------------------------------------------------------------- Keras → us

/** Converts Keras weights (one entry per stacked layer, bottom first; each layer below the top
 *  built with return_sequences=True) and an optional Dense head into our config and state
 *  dict. Every shape is checked against the config read from the first layer; a mismatch is a
 *  ShapeError naming the tensor, before anything is returned. */
export function kerasToStateDict(layers: readonly KerasLayerInput[], opts: KerasOptions): KerasStateDict {
  if (!opts || typeof opts !== 'object') throw new ConfigError("keras: options { unit: 'tanh' | 'lstm' | 'gru', resetAfter?, dense? } are required");
  const unit = unitOf(opts.unit), gates = KERAS_GATE[unit], G = gates.length;
  if (!Array.isArray(layers) || layers.length === 0) throw new ShapeError('keras: expected a non-empty list of recurrent layers (bottom first)');
  if (opts.resetAfter !== undefined && typeof opts.resetAfter !== 'boolean') throw new ConfigError('keras: resetAfter must be a boolean');
  if (opts.resetAfter !== undefined && unit !== 'gru') throw new ConfigError(`keras: resetAfter applies to the GRU only, not '${unit}'`);

  const ls = layers.map((l, i) => asLayer(l, i));
  for (const [i, l] of ls.entries()) {
    checkTensor(l.kernel, `layers[${i}].kernel`);
    checkTensor(l.recurrentKernel, `layers[${i}].recurrentKernel`);
    if (l.bias !== undefined && l.bias !== null) checkTensor(l.bias, `layers[${i}].bias`);
  }
  const rk0 = ls[0].recurrentKernel, k0 = ls[0].kernel;
  if (rk0.shape.length !== 2) throw new ShapeError(`layers[0].recurrentKernel: Keras shape [${rk0.shape}], expected (H, ${G}·H)`);
  if (k0.shape.length !== 2) throw new ShapeError(`layers[0].kernel: Keras shape [${k0.shape}], expected (I, ${G}·H)`);
  const H = rk0.shape[0], I = k0.shape[0], GH = G * H;
  if (rk0.shape[1] !== GH) {
    const g = rk0.shape[1] / H, other = g === 1 ? " (unit 'tanh'?)" : g === 4 ? " (unit 'lstm'?)" : g === 3 ? " (unit 'gru'?)" : '';
    throw new ShapeError(`layers[0].recurrentKernel: Keras shape [${rk0.shape}], a Keras ${LAYER_CLASS[unit]} of ${H} units needs [${H},${GH}]${other}`);
  }

  // reset_after: the GRU bias says which form it is ((2, 3H) or (3H)); every layer must agree
  let resetAfter: boolean | undefined;
  if (unit === 'gru') {
    resetAfter = opts.resetAfter;
    for (const [i, l] of ls.entries()) {
      if (!l.bias) continue;
      const r = l.bias.shape.length === 2 ? true : l.bias.shape.length === 1 ? false : undefined;
      if (r === undefined) throw new ShapeError(`layers[${i}].bias: Keras shape [${l.bias.shape}]; a GRU's is (2, ${GH}) with reset_after=True or (${GH}) with reset_after=False`);
      if (resetAfter === undefined) resetAfter = r;
      else if (r !== resetAfter) {
        throw new ShapeError(`layers[${i}].bias: Keras shape [${l.bias.shape}] is a GRU with reset_after=${r ? 'True' : 'False'}, but ${opts.resetAfter === undefined ? 'an earlier layer has' : 'resetAfter is'} reset_after=${resetAfter ? 'True' : 'False'} (its bias is ${resetAfter ? `(2, ${GH})` : `(${GH})`})`);
      }
    }
    if (resetAfter === undefined) throw new ConfigError('keras: a GRU without bias (use_bias=False) needs resetAfter (Keras reset_after) to be given');
  }

  const config: ModelConfig = { unit, inputSize: I, hiddenSize: H, layers: ls.length };
  if (unit === 'gru') config.resetAfter = resetAfter;
  if (opts.seed !== undefined) config.seed = opts.seed;
  const d = opts.dense;
  if (d !== undefined && d !== null) {
    if (typeof d !== 'object') throw new ShapeError('keras: dense must be { kernel, bias, activation? }');
    const act = d.activation ?? 'linear';
    if (!(act in HEAD_OF)) throw new ConfigError(`keras: dense.activation must be 'sigmoid', 'softmax' or 'linear', got ${JSON.stringify(d.activation)}`);
    const k = checkTensor(d.kernel, 'dense.kernel');
    if (k.shape.length !== 2 || k.shape[0] !== H) throw new ShapeError(`dense.kernel: Keras shape [${k.shape}], expected (${H}, O) on ${H} hidden units`);
    config.head = { type: HEAD_OF[act], size: k.shape[1] };
    if (d.bias !== undefined && d.bias !== null) checkTensor(d.bias, 'dense.bias');
  }

  const rc = resolveConfig(config);
  const tensors: Record<string, Float32Array> = {}, shapes: Record<string, number[]> = {};
  for (const s of paramTable(rc)) {
    tensors[s.name] = fromKeras(s, rc, ls, d ?? undefined);
    shapes[s.name] = [...s.fileShape];
  }
  return { config, tensors, shapes };
}

/** One tensor of the parameter table from the Keras arrays, shapes checked. */
function fromKeras(s: ParamSpec, c: ResolvedConfig, ls: KerasRecurrentWeights[], d: KerasDense | undefined): Float32Array {
  const H = c.hiddenSize, gates = KERAS_GATE[c.unit], GH = gates.length * H, O = c.head.outputs;
  if (s.layer < 0) {
    const dense = d as KerasDense;
    if (s.role === 'V') { expectShape(dense.kernel, [H, O], 'dense.kernel'); return transpose(dense.kernel.data, H, O); }
    if (!dense.bias) return new Float32Array(O);
    expectShape(dense.bias, [O], 'dense.bias');
    return Float32Array.from(dense.bias.data);
  }
  const l = ls[s.layer], at = `layers[${s.layer}]`, I = s.layer === 0 ? c.inputSize : H;
  const hint = s.layer > 0 ? ` (layer ${s.layer} reads layer ${s.layer - 1}'s ${H} units; every layer must have ${H})` : '';
  switch (s.role) {
    case 'W': expectShape(l.kernel, [I, GH], `${at}.kernel`, hint); return fromKerasMatrix(l.kernel.data, I, H, gates);
    case 'U': expectShape(l.recurrentKernel, [H, GH], `${at}.recurrentKernel`, hint); return fromKerasMatrix(l.recurrentKernel.data, H, H, gates);
    case 'bih':
    case 'bhh': {
      if (!l.bias) return new Float32Array(GH);                    // use_bias=False
      const two = c.unit === 'gru' && c.resetAfter;                 // [input bias; recurrent bias]
      expectShape(l.bias, two ? [2, GH] : [GH], `${at}.bias`);
      if (s.role === 'bih') return fromKerasBias(l.bias.data, 0, H, gates);
      return two ? fromKerasBias(l.bias.data, GH, H, gates) : new Float32Array(GH); // one Keras bias: ours bias_hh = 0
    }
    default:
      throw new ConfigError(`keras: no Keras weight for ${s.name}`); // peepholes: not produced by kerasToStateDict
  }
}

/** Sets a model's parameters from Keras weights (kerasToStateDict, then setParam per tensor)
 *  after checking that the model is the one the weights describe. Without `dense` the model's
 *  head keeps its values. */
export function loadKerasWeights(model: Model, layers: readonly KerasLayerInput[], opts: KerasOptions): void {
  const { config, tensors } = kerasToStateDict(layers, opts);
  const want = resolveConfig({ ...config, head: undefined }), have = model.config;
  const same = want.unit === have.unit && want.inputSize === have.inputSize && want.hiddenSize === have.hiddenSize &&
    want.layers === have.layers && want.resetAfter === have.resetAfter && !have.peepholes;
  if (!same) throw new ConfigError(`keras: the weights are a ${describeConfig(want).replace(/ no head$/, '')}; this model is ${describeConfig(have)}`);
  const names = new Set(model.paramNames());
  for (const [name, data] of Object.entries(tensors)) {
    if (!names.has(name)) throw new ConfigError(`keras: the weights have a Dense head (${name}) but this model has no head`);
    const shape = model.paramShape(name), n = shape.reduce((a, b) => a * b, 1);
    if (n !== data.length) throw new ShapeError(`keras: ${name} is [${shape}] in this model, the Dense layer gives ${data.length} values`);
  }
  for (const [name, data] of Object.entries(tensors)) model.setParam(name, data);
}

// --------------------------------------------------------------------------- us → Keras

/** A model, or a config with its state dict (e.g. what kerasToStateDict returned). */
export type KerasSource =
  | Pick<Model, 'publicConfig' | 'stateDict'>
  | { config: ModelConfig; tensors: Record<string, ArrayLike<number>> };

/** Our parameters as Keras layers: [kernel, recurrent_kernel, bias] per layer and a Dense head.
 *  A single Keras bias holds bias_ih + bias_hh (exact when bias_hh is 0, as after
 *  kerasToStateDict; otherwise one float32 rounding). A peephole LSTM has no Keras layer and is
 *  refused with a ConfigError. */
export function stateDictToKeras(model: KerasSource): KerasWeights {
  const isModel = typeof (model as Model).stateDict === 'function';
  const config = isModel ? (model as Model).publicConfig() : (model as { config: ModelConfig }).config;
  const tensors = isModel ? (model as Model).stateDict() : (model as { tensors: Record<string, ArrayLike<number>> }).tensors;
  const c = resolveConfig(config);
  if (c.peepholes) throw new ConfigError("keras: Keras' LSTM has no peepholes; a peephole LSTM (config.peepholes) cannot be written as Keras layers");
  if (!tensors || typeof tensors !== 'object') throw new ShapeError('keras: expected a state dict of name → values');
  const get = (s: ParamSpec): ArrayLike<number> => {
    const t = tensors[s.name];
    if (!t || typeof t.length !== 'number') throw new ShapeError(`${s.name} [${s.fileShape}] is missing`);
    if (t.length !== s.size) throw new ShapeError(`${s.name}: expected ${s.size} values for shape [${s.fileShape}], got ${t.length}`);
    assertFinite(t, s.name);
    return t;
  };
  const H = c.hiddenSize, gates = KERAS_GATE[c.unit], GH = gates.length * H, O = c.head.outputs;
  const two = c.unit === 'gru' && c.resetAfter;
  const out: KerasWeights = { layerClass: LAYER_CLASS[c.unit], unit: c.unit, layers: [] };
  if (c.unit === 'gru') out.resetAfter = c.resetAfter;
  const bySpec = paramTable(c);
  for (let l = 0; l < c.layers; l++) {
    const spec = (role: string) => bySpec.find((s) => s.layer === l && s.role === role) as ParamSpec;
    const I = l === 0 ? c.inputSize : H;
    const W = get(spec('W')), U = get(spec('U')), bih = get(spec('bih')), bhh = get(spec('bhh'));
    const bias = new Float32Array(two ? 2 * GH : GH);
    if (two) { toKerasBias(bih, bias, 0, H, gates); toKerasBias(bhh, bias, GH, H, gates); }
    else {
      const sum = new Float32Array(GH);
      for (let i = 0; i < GH; i++) sum[i] = bih[i] + bhh[i];     // they simply add (docs/DESIGN.md)
      toKerasBias(sum, bias, 0, H, gates);
    }
    out.layers.push({
      kernel: { shape: [I, GH], data: toKerasMatrix(W, I, H, gates) },
      recurrentKernel: { shape: [H, GH], data: toKerasMatrix(U, H, H, gates) },
      bias: { shape: two ? [2, GH] : [GH], data: bias },
    });
  }
  if (O > 0) {
    const V = bySpec.find((s) => s.role === 'V') as ParamSpec, b = bySpec.find((s) => s.role === 'c') as ParamSpec;
    out.dense = { kernel: { shape: [H, O], data: transpose(get(V), O, H) }, bias: { shape: [O], data: Float32Array.from(get(b)) } };
    const act = ACTIVATION_OF[c.head.type];
    if (act) out.dense.activation = act;
  }
  return out;
}
