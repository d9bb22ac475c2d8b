// A small ONNX writer: just enough protobuf (varints, length-delimited fields, packed floats)
// to build one recurrent layer (ONNX RNN / LSTM / GRU op) followed by a sigmoid head, from
// weights in our layout (docs/DESIGN.md: W (I, G·H), U (H, G·H), gate blocks i f g o / r z n,
// bih, bhh, peep [p_i | p_f | p_o]). Field numbers are those of onnx/onnx.proto.
//
// Graph: x (T, B, I) → {RNN|LSTM|GRU} → Y (T, 1, B, H) → Reshape (T·B, H) → MatMul V → Add c
//        → Sigmoid → p (T·B, O).

// ---- protobuf encoding -------------------------------------------------------------------

class Writer {
  constructor() { this.parts = []; this.len = 0; }
  bytes(u8) { this.parts.push(u8); this.len += u8.length; return this; }
  varint(v) {
    // v: non-negative integer < 2^53 (or a BigInt)
    let n = BigInt(v);
    const out = [];
    do {
      let b = Number(n & 0x7fn);
      n >>= 7n;
      if (n !== 0n) b |= 0x80;
      out.push(b);
    } while (n !== 0n);
    return this.bytes(Uint8Array.from(out));
  }
  tag(field, wire) { return this.varint((field << 3) | wire); }
  int(field, v) { return this.tag(field, 0).varint(v); }
  /** Negative int64 as two's complement varint (10 bytes). */
  sint64(field, v) { return this.tag(field, 0).varint(v < 0 ? (1n << 64n) + BigInt(v) : v); }
  float(field, v) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    return this.tag(field, 5).bytes(b);
  }
  lenDelim(field, u8) { return this.tag(field, 2).varint(u8.length).bytes(u8); }
  string(field, s) { return this.lenDelim(field, new TextEncoder().encode(s)); }
  message(field, w) { return this.lenDelim(field, w.finish()); }
  finish() {
    const out = new Uint8Array(this.len);
    let o = 0;
    for (const p of this.parts) { out.set(p, o); o += p.length; }
    return out;
  }
}

// ---- ONNX messages ----------------------------------------------------------------------

const FLOAT = 1, INT64 = 7;

/** TensorProto: dims (1), data_type (2), name (8), raw_data (9, little-endian). */
function tensorF32(name, dims, data) {
  const w = new Writer();
  for (const d of dims) w.int(1, d);
  w.int(2, FLOAT);
  w.string(8, name);
  const f = Float32Array.from(data);
  w.lenDelim(9, new Uint8Array(f.buffer));
  return w;
}

function tensorI64(name, dims, values) {
  const w = new Writer();
  for (const d of dims) w.int(1, d);
  w.int(2, INT64);
  w.string(8, name);
  const b = new BigInt64Array(values.map((v) => BigInt(v)));
  w.lenDelim(9, new Uint8Array(b.buffer));
  return w;
}

/** ValueInfoProto with a float tensor type of fixed dims. */
function valueInfo(name, dims) {
  const shape = new Writer();
  for (const d of dims) shape.message(1, new Writer().int(1, d)); // Dimension.dim_value
  const tensorType = new Writer().int(1, FLOAT).message(2, shape);
  const type = new Writer().message(1, tensorType); // TypeProto.tensor_type
  return new Writer().string(1, name).message(2, type);
}

/** AttributeProto: name (1), i (3), type (20): INT = 2. */
function attrInt(name, v) { return new Writer().string(1, name).int(3, v).int(20, 2); }

/** NodeProto: input (1), output (2), name (3), op_type (4), attribute (5). */
function node(op, inputs, outputs, attrs = []) {
  const w = new Writer();
  for (const i of inputs) w.string(1, i);
  for (const o of outputs) w.string(2, o);
  w.string(3, `${op}_0`);
  w.string(4, op);
  for (const a of attrs) w.message(5, a);
  return w;
}

// ---- weights: our layout → ONNX layout --------------------------------------------------

/** ONNX gate order expressed as indices of our gate blocks. */
function onnxGateOrder(unit) {
  if (unit === 'lstm') return [0, 3, 1, 2]; // ONNX i o f c ← ours i f g o
  if (unit === 'gru') return [1, 0, 2];     // ONNX z r h ← ours r z n
  return [0];
}

/** Our M (K, G·H) row-major → ONNX (G·H, K) with gate blocks reordered. */
function toOnnxMatrix(M, K, H, order) {
  const GH = order.length * H;
  const out = new Float32Array(GH * K);
  order.forEach((src, dst) => {
    for (let j = 0; j < H; j++) {
      for (let k = 0; k < K; k++) out[(dst * H + j) * K + k] = M[k * GH + src * H + j];
    }
  });
  return out;
}

function reorderBlocks(v, H, order) {
  const out = new Float32Array(order.length * H);
  order.forEach((src, dst) => out.set(v.subarray(src * H, src * H + H), dst * H));
  return out;
}

/**
 * Build the ONNX model bytes.
 * @param {{unit:'tanh'|'lstm'|'gru', peepholes?:boolean, resetAfter?:boolean, I:number, H:number, O:number, T:number, B:number}} s
 * @param {{W:Float32Array,U:Float32Array,bih:Float32Array,bhh:Float32Array,peep?:Float32Array,V:Float32Array,c:Float32Array}} p
 */
export function buildOnnxModel(s, p) {
  const { unit, I, H, O, T, B } = s;
  const order = onnxGateOrder(unit);
  const G = order.length;
  const op = unit === 'tanh' ? 'RNN' : unit === 'lstm' ? 'LSTM' : 'GRU';
  const inits = [
    tensorF32('W', [1, G * H, I], toOnnxMatrix(p.W, I, H, order)),
    tensorF32('R', [1, G * H, H], toOnnxMatrix(p.U, H, H, order)),
    tensorF32('Bias', [1, 2 * G * H], [...reorderBlocks(p.bih, H, order), ...reorderBlocks(p.bhh, H, order)]),
    tensorF32('V', [H, O], p.V),
    tensorF32('c', [O], p.c),
    tensorI64('shape2d', [2], [T * B, H]),
  ];
  const rnnInputs = ['x', 'W', 'R', 'Bias'];
  const attrs = [attrInt('hidden_size', H)];
  if (unit === 'lstm' && s.peepholes) {
    // ONNX P = [P_i, P_o, P_f]; ours [p_i | p_f | p_o]
    inits.push(tensorF32('P', [1, 3 * H], reorderBlocks(p.peep, H, [0, 2, 1])));
    rnnInputs.push('', '', '', 'P'); // sequence_lens, initial_h, initial_c omitted
  }
  if (unit === 'gru') attrs.push(attrInt('linear_before_reset', s.resetAfter === false ? 0 : 1));

  const graph = new Writer();
  graph.message(1, node(op, rnnInputs, ['Y'], attrs));
  graph.message(1, node('Reshape', ['Y', 'shape2d'], ['Y2']));
  graph.message(1, node('MatMul', ['Y2', 'V'], ['Z0']));
  graph.message(1, node('Add', ['Z0', 'c'], ['Z']));
  graph.message(1, node('Sigmoid', ['Z'], ['p']));
  graph.string(2, `gatedrnn_bench_${op.toLowerCase()}`);
  for (const t of inits) graph.message(5, t);
  graph.message(11, valueInfo('x', [T, B, I]));
  graph.message(12, valueInfo('p', [T * B, O]));

  const model = new Writer();
  model.int(1, 8); // ir_version
  model.string(2, 'gatedrnn-bench');
  model.message(7, graph);
  model.message(8, new Writer().string(1, '').int(2, 14)); // opset_import: ai.onnx 14
  return model.finish();
}
