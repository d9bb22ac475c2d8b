// ONNX export of a whole model: one standard RNN / LSTM / GRU node per layer, stacked, then the
// head (MatMul + Add giving the logits, then the head's output distribution exactly as
// forward().outputs gives it). Field numbers are those of onnx/onnx.proto; the operators are
// those of opset 14 (ONNX_OPSET), whose RNN, LSTM and GRU compute our cells (docs/DESIGN.md
// "Cell equations") once the gate blocks are reordered:
//   LSTM ours i f g o → ONNX i o f c;   GRU ours r z n → ONNX z r h;   peepholes ONNX P = [P_i, P_o, P_f];
//   GRU linear_before_reset = 1 is our reset-after form (PyTorch's), 0 our reset-before (the paper's).
//
// Graph (T and B are dynamic, named dim_params 'T' and 'B'):
//   x (T, B, I) → layer 0 → Y (T, 1, B, H) → Squeeze → (T, B, H) → layer 1 → … → hidden (T, B, H)
//   hidden → MatMul head.weightᵀ (H, O) → Add head.bias → logits (T, B, O) → distribution → outputs
//   every layer's Y_h (1, B, H) → Concat → h_n (layers, B, H); for the LSTM Y_c → c_n likewise.
// A model without a head (config.head.type 'none') gives hidden, h_n (and c_n) only.
//
// Initial states: by default every sequence starts from zero states (ONNX's default when
// initial_h / initial_c are absent). With { initialStates: true } the graph takes inputs h0 (and
// c0 for the LSTM) of shape (layers, B, H), like a Batch's h0/c0 stacked; they are then required
// (ONNX has no optional graph inputs with a dynamic-shaped default).
import { ConfigError } from '../errors.js';
import { ProtoWriter, float32LittleEndian, int64LittleEndian } from '../io/protobuf.js';
import { MOG_SIGMA_MIN, mogLayout } from '../head/mog.js';
import { describeConfig, type ResolvedConfig } from './config.js';
import type { Model } from './model.js';

/** The operator set the exported graphs use (ai.onnx). */
export const ONNX_OPSET = 14;
/** The ONNX IR version written (8: ONNX 1.10 and later read it). */
const IR_VERSION = 8;

export interface OnnxExportOptions {
  /** Graph inputs h0 (and c0 for the LSTM), (layers, B, H), the initial states of every layer;
   *  then required. Default false: the graph starts from zero states. */
  initialStates?: boolean;
}

/** What the exporter reads of a model. */
export type OnnxSource = Pick<Model, 'config' | 'getParam' | 'publicConfig' | 'data'>;

// ------------------------------------------------------------------------ onnx.proto

/** Field numbers of the messages written, from onnx/onnx.proto. */
const F = {
  model: { irVersion: 1, producerName: 2, docString: 6, graph: 7, opsetImport: 8, metadataProps: 14 },
  opset: { domain: 1, version: 2 },
  graph: { node: 1, name: 2, initializer: 5, docString: 10, input: 11, output: 12 },
  node: { input: 1, output: 2, name: 3, opType: 4, attribute: 5 },
  attribute: { name: 1, i: 3, type: 20 },
  tensor: { dims: 1, dataType: 2, name: 8, rawData: 9 },
  valueInfo: { name: 1, type: 2, docString: 3 },
  typeProto: { tensorType: 1 },
  tensorType: { elemType: 1, shape: 2 },
  shape: { dim: 1 },
  dimension: { value: 1, param: 2 },
  entry: { key: 1, value: 2 },
} as const;
/** TensorProto.DataType. */
const DATA_TYPE = { float: 1, int64: 7 } as const;
/** AttributeProto.AttributeType. */
const ATTRIBUTE_INT = 2;

/** A dimension: a size, or the name of a dynamic one. */
type Dim = number | string;

function intAttribute(name: string, v: number): ProtoWriter {
  return new ProtoWriter().string(F.attribute.name, name).int64(F.attribute.i, v).uint(F.attribute.type, ATTRIBUTE_INT);
}

/** ValueInfoProto of a float tensor. */
function valueInfo(name: string, dims: Dim[], doc: string): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of dims) {
    const dim = typeof d === 'number' ? new ProtoWriter().int64(F.dimension.value, d) : new ProtoWriter().string(F.dimension.param, d);
    shape.message(F.shape.dim, dim);
  }
  const tensorType = new ProtoWriter().uint(F.tensorType.elemType, DATA_TYPE.float).message(F.tensorType.shape, shape);
  const type = new ProtoWriter().message(F.typeProto.tensorType, tensorType);
  return new ProtoWriter().string(F.valueInfo.name, name).message(F.valueInfo.type, type).string(F.valueInfo.docString, doc);
}

/** A graph under construction: nodes in topological order (the order they are added). */
class Graph {
  private readonly nodes: ProtoWriter[] = [];
  private readonly initializers: ProtoWriter[] = [];
  private readonly inputs: ProtoWriter[] = [];
  private readonly outputs: ProtoWriter[] = [];
  private readonly opCount = new Map<string, number>();

  /** A node; '' stands for an optional input that is left out. */
  node(op: string, inputs: string[], outputs: string[], attributes: ProtoWriter[] = []): void {
    const n = this.opCount.get(op) ?? 0;
    this.opCount.set(op, n + 1);
    const w = new ProtoWriter();
    for (const i of inputs) w.string(F.node.input, i);
    for (const o of outputs) w.string(F.node.output, o);
    w.string(F.node.name, `${op}_${n}`).string(F.node.opType, op);
    for (const a of attributes) w.message(F.node.attribute, a);
    this.nodes.push(w);
  }

  /** A float initializer; returns its name. */
  floats(name: string, dims: number[], data: Float32Array): string {
    return this.initializer(name, dims, DATA_TYPE.float, float32LittleEndian(data));
  }

  /** An int64 initializer (shapes, axes, indices); returns its name. */
  ints(name: string, dims: number[], values: number[]): string {
    return this.initializer(name, dims, DATA_TYPE.int64, int64LittleEndian(values));
  }

  private initializer(name: string, dims: number[], dataType: number, raw: Uint8Array): string {
    const t = new ProtoWriter();
    for (const d of dims) t.int64(F.tensor.dims, d);
    t.uint(F.tensor.dataType, dataType).string(F.tensor.name, name).bytes(F.tensor.rawData, raw);
    this.initializers.push(t);
    return name;
  }

  input(name: string, dims: Dim[], doc: string): void { this.inputs.push(valueInfo(name, dims, doc)); }
  output(name: string, dims: Dim[], doc: string): void { this.outputs.push(valueInfo(name, dims, doc)); }

  encode(name: string, doc: string): ProtoWriter {
    const g = new ProtoWriter();
    for (const n of this.nodes) g.message(F.graph.node, n);
    g.string(F.graph.name, name);
    for (const t of this.initializers) g.message(F.graph.initializer, t);
    g.string(F.graph.docString, doc);
    for (const v of this.inputs) g.message(F.graph.input, v);
    for (const v of this.outputs) g.message(F.graph.output, v);
    return g;
  }
}

// ------------------------------------------------------------------------ weights

/** Which of our gate blocks is ONNX's gate j (ONNX LSTM i o f c, GRU z r h). */
const ONNX_GATES: Record<ResolvedConfig['unit'], number[]> = { tanh: [0], lstm: [0, 3, 1, 2], gru: [1, 0, 2] };
/** Our peepholes [p_i; p_f; p_o] as ONNX's P = [P_i, P_o, P_f]. */
const ONNX_PEEPHOLES = [0, 2, 1];

/** `a` as consecutive blocks of `block` values, block j of the result being block order[j] of
 *  `a`: a (G·H, K) matrix's gate rows (block = H·K), a G·H bias, a 3H peephole vector. */
function reorderBlocks(a: Float32Array, block: number, order: number[]): Float32Array {
  const out = new Float32Array(order.length * block);
  order.forEach((src, dst) => out.set(a.subarray(src * block, (src + 1) * block), dst * block));
  return out;
}

/** (rows, cols) row-major → (cols, rows). */
function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c];
  return out;
}

// ------------------------------------------------------------------------ the layers

const OP: Record<ResolvedConfig['unit'], string> = { tanh: 'RNN', lstm: 'LSTM', gru: 'GRU' };

interface LayerOut { y: string; h: string; c?: string }

/** Layer l's W (1, G·H, I_l), R (1, G·H, H) and B (1, 2·G·H) initializers in ONNX's gate order. */
function layerWeights(g: Graph, m: OnnxSource, l: number): [string, string, string] {
  const c = m.config, H = c.hiddenSize, I = l === 0 ? c.inputSize : H, order = ONNX_GATES[c.unit], GH = order.length * H;
  const W = g.floats(`W_l${l}`, [1, GH, I], reorderBlocks(m.getParam(`weight_ih_l${l}`), H * I, order));
  const R = g.floats(`R_l${l}`, [1, GH, H], reorderBlocks(m.getParam(`weight_hh_l${l}`), H * H, order));
  const bias = new Float32Array(2 * GH); // ONNX B = [Wb | Rb]: our bias_ih, then bias_hh
  bias.set(reorderBlocks(m.getParam(`bias_ih_l${l}`), H, order), 0);
  bias.set(reorderBlocks(m.getParam(`bias_hh_l${l}`), H, order), GH);
  return [W, R, g.floats(`B_l${l}`, [1, 2 * GH], bias)];
}

/** Layer l's slice (1, B, H) of the graph input h0 or c0 (layers, B, H): a Gather with a
 *  one-element index keeps the axis, which is ONNX's num_directions. */
function initialState(g: Graph, which: 'h0' | 'c0', l: number): string {
  const at = g.ints(`${which}_index_l${l}`, [1], [l]), name = `${which}_l${l}`;
  g.node('Gather', [which, at], [name], [intAttribute('axis', 0)]);
  return name;
}

/** One recurrent node for layer l reading `x` (T, B, I_l); its Y is squeezed to (T, B, H) and
 *  named `yName`. Inputs of the ONNX op: X, W, R, B, sequence_lens, initial_h, initial_c, P
 *  ('' for one left out). */
function addLayer(g: Graph, m: OnnxSource, l: number, x: string, yName: string, states: boolean): LayerOut {
  const c = m.config, lstm = c.unit === 'lstm';
  const inputs = [x, ...layerWeights(g, m, l), '', states ? initialState(g, 'h0', l) : '', states && lstm ? initialState(g, 'c0', l) : ''];
  if (c.peepholes) inputs.push(g.floats(`P_l${l}`, [1, 3 * c.hiddenSize], reorderBlocks(m.getParam(`weight_peephole_l${l}`), c.hiddenSize, ONNX_PEEPHOLES)));
  while (inputs[inputs.length - 1] === '') inputs.pop(); // trailing optional inputs are simply absent
  const out: LayerOut = { y: yName, h: `Y_h_l${l}`, c: lstm ? `Y_c_l${l}` : undefined };
  const attributes = [intAttribute('hidden_size', c.hiddenSize)];
  if (c.unit === 'gru') attributes.push(intAttribute('linear_before_reset', c.resetAfter ? 1 : 0));
  g.node(OP[c.unit], inputs, [`Y_l${l}`, out.h, ...(out.c ? [out.c] : [])], attributes);
  g.node('Squeeze', [`Y_l${l}`, g.ints(`axes_l${l}`, [1], [1])], [yName]); // drop num_directions
  return out;
}

/** The layers' final states (1, B, H) each, stacked into (layers, B, H). */
function stackStates(g: Graph, parts: string[], name: string): void {
  if (parts.length === 1) g.node('Identity', parts, [name]);
  else g.node('Concat', parts, [name], [intAttribute('axis', 0)]);
}

// ------------------------------------------------------------------------ the head

/** How a head's output distribution is built from the logits (T, B, O) into `outputs`; one
 *  entry per head type whose HeadDef.outputs the exporter reproduces with standard ops. */
const DISTRIBUTIONS: Record<string, (g: Graph, logits: string, out: string, head: ResolvedConfig['head']) => void> = {
  bernoulli: (g, z, out) => g.node('Sigmoid', [z], [out]),
  softmax: (g, z, out) => g.node('Softmax', [z], [out], [intAttribute('axis', -1)]),
  linear: (g, z, out) => g.node('Identity', [z], [out]),
  mog: addMogDistribution,
};

/** bindings/head/mog.ts: a row [a (K) | μ (K·D) | s (K·D)] becomes [π | μ | σ] with π = softmax(a)
 *  and σ = SIGMA_MIN + exp(clamp(s, −20, 20)) (assembly/head/mog_f32.ts, S_MIN and S_MAX). */
function addMogDistribution(g: Graph, z: string, out: string, head: ResolvedConfig['head']): void {
  const K = head.config.components as number, D = head.targetWidth, at = mogLayout(K, D);
  const sizes = [at.means - at.weights, at.scales - at.means, at.width - at.scales];
  g.node('Split', [z, g.ints('mog_split', [3], sizes)], ['mog_a', 'mog_mu', 'mog_s'], [intAttribute('axis', -1)]);
  g.node('Softmax', ['mog_a'], ['mog_pi'], [intAttribute('axis', -1)]);
  g.node('Clip', ['mog_s', g.floats('mog_s_min', [], Float32Array.of(-20)), g.floats('mog_s_max', [], Float32Array.of(20))], ['mog_s_clamped']);
  g.node('Exp', ['mog_s_clamped'], ['mog_exp_s']);
  g.node('Add', ['mog_exp_s', g.floats('mog_sigma_min', [], Float32Array.of(MOG_SIGMA_MIN))], ['mog_sigma']);
  g.node('Concat', ['mog_pi', 'mog_mu', 'mog_sigma'], [out], [intAttribute('axis', -1)]);
}

/** The head types exportOnnx knows, for messages. */
export function onnxHeadTypes(): string[] { return [...Object.keys(DISTRIBUTIONS), 'none']; }

/** MatMul + Add (the nn.Linear) into `logits`, then the distribution into `outputs`. */
function addHead(g: Graph, m: OnnxSource, hidden: string): void {
  const c = m.config, H = c.hiddenSize, O = c.head.outputs;
  const V = g.floats('head_weight_t', [H, O], transpose(m.getParam('head.weight'), O, H));
  g.node('MatMul', [hidden, V], ['head_matmul']);
  g.node('Add', ['head_matmul', g.floats('head_bias', [O], m.getParam('head.bias'))], ['logits']);
  DISTRIBUTIONS[c.head.type](g, 'logits', 'outputs', c.head);
}

// ------------------------------------------------------------------------ the model

function checkOptions(opts: OnnxExportOptions): boolean {
  if (opts === null || typeof opts !== 'object') throw new ConfigError('exportOnnx: options must be an object { initialStates? }');
  for (const k of Object.keys(opts)) if (k !== 'initialStates') throw new ConfigError(`exportOnnx: no option '${k}' (options: initialStates)`);
  if (opts.initialStates !== undefined && typeof opts.initialStates !== 'boolean') throw new ConfigError('exportOnnx: initialStates must be a boolean');
  return !!opts.initialStates;
}

/** A head type the exporter has no standard ops for is refused before any work. */
function checkHead(c: ResolvedConfig): void {
  if (c.head.type === 'none' || Object.hasOwn(DISTRIBUTIONS, c.head.type)) return;
  throw new ConfigError(`exportOnnx: the head type '${c.head.type}' has no ONNX form (the exporter knows ${onnxHeadTypes().map((t) => `'${t}'`).join(', ')}); a registered head's distribution would need its own ONNX ops`);
}

/** The whole graph: inputs, the stacked layers, the head, and the outputs with their shapes. */
function buildGraph(m: OnnxSource, states: boolean): Graph {
  const c = m.config, g = new Graph(), L = c.layers, H = c.hiddenSize, lstm = c.unit === 'lstm', headless = c.head.type === 'none';
  g.input('x', ['T', 'B', c.inputSize], 'inputs, time-major: row t·B + b is sequence b at step t');
  if (states) {
    g.input('h0', [L, 'B', H], 'initial hidden state of every layer');
    if (lstm) g.input('c0', [L, 'B', H], 'initial cell state of every layer');
  }
  let x = 'x';
  const finals: LayerOut[] = [];
  for (let l = 0; l < L; l++) {
    const layer = addLayer(g, m, l, x, l === L - 1 ? 'hidden' : `hidden_l${l}`, states);
    finals.push(layer);
    x = layer.y;
  }
  stackStates(g, finals.map((f) => f.h), 'h_n');
  if (lstm) stackStates(g, finals.map((f) => f.c!), 'c_n');
  if (!headless) {
    addHead(g, m, 'hidden');
    const O = c.head.outputs;
    g.output('outputs', ['T', 'B', O], `the ${c.head.type} head's output distribution, as forward(batch).outputs`);
    g.output('logits', ['T', 'B', O], 'the head\'s logits (its nn.Linear output)');
  }
  g.output('hidden', ['T', 'B', H], 'hidden states of the top layer (PyTorch\'s output)');
  g.output('h_n', [L, 'B', H], 'every layer\'s hidden state after the last step');
  if (lstm) g.output('c_n', [L, 'B', H], 'every layer\'s cell state after the last step');
  return g;
}

/** What the model file's doc_string says: the config and the graph's contract. */
function docString(c: ResolvedConfig, states: boolean): string {
  const outs = [...(c.head.type === 'none' ? [] : ['outputs', 'logits']), 'hidden', 'h_n', ...(c.unit === 'lstm' ? ['c_n'] : [])];
  return `gatedrnn ${describeConfig(c)}: one ONNX ${OP[c.unit]} per layer; input x (T, B, ${c.inputSize}) time-major` +
    `${states ? `, h0${c.unit === 'lstm' ? '/c0' : ''} (${c.layers}, B, ${c.hiddenSize})` : ', zero initial states'}; outputs ${outs.join(', ')}`;
}

function entry(key: string, value: string): ProtoWriter {
  return new ProtoWriter().string(F.entry.key, key).string(F.entry.value, value);
}

// Size: a protobuf message (so an ONNX file without external data) holds under 2 GiB. Every
// model fits: its arena holds the parameters five times over (params, grads, 3 optimizer slots)
// in at most 4 GiB of WebAssembly memory, so the weights are under 0.8 GiB.

/**
 * The model as a standard ONNX file (opset 14): one RNN / LSTM / GRU node per layer and its head,
 * with dynamic T and B. Inputs: x (T, B, I) [, h0, c0 (layers, B, H) with initialStates];
 * outputs: outputs and logits (T, B, O) (not for a model without a head), hidden (T, B, H),
 * h_n (layers, B, H), and c_n for the LSTM. A head type with no ONNX form is a ConfigError.
 */
export function exportOnnx(model: OnnxSource, opts: OnnxExportOptions = {}): Uint8Array {
  const states = checkOptions(opts), c = model.config;
  checkHead(c);
  const doc = docString(c, states);
  const graph = buildGraph(model, states).encode('gatedrnn', doc);
  const w = new ProtoWriter();
  w.int64(F.model.irVersion, IR_VERSION);
  w.string(F.model.producerName, 'gatedrnn');
  w.string(F.model.docString, doc);
  w.message(F.model.graph, graph);
  w.message(F.model.opsetImport, new ProtoWriter().string(F.opset.domain, '').int64(F.opset.version, ONNX_OPSET));
  // the config (and any data preparation) as model files hold them, for tools that read the graph
  w.message(F.model.metadataProps, entry('gatedrnn.config', JSON.stringify(model.publicConfig())));
  if (model.data) w.message(F.model.metadataProps, entry('gatedrnn.data', JSON.stringify(model.data)));
  return w.finish();
}
