// The in-process contenders. Each has
//   id, label, note            names for the report
//   load(): Promise<string|null>   null when usable, else the reason it is skipped
//   supports(variant): string|null null when it can run this cell variant, else why not
//   inferenceOnly?: true
//   create(spec, params, data) → { train(), infer() → probabilities (T·B·O, time-major), dispose() }
// spec = workload + variant { unit, peepholes, resetAfter, I, H, O, T, B }; params are the
// shared starting weights in our layout { W (I,GH), U (H,GH), bih, bhh, peep?, V (H,O), c };
// data = { x (T,B,I), y (T,B,O) }.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { RMSPROP } from '../lib/workloads.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(root, 'package.json'));

export function pkgVersion(name) {
  try { return JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version; } catch { return null; }
}

/** (K, N) row-major → (N, K). */
function transpose(a, K, N) {
  const out = new Float32Array(K * N);
  for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) out[n * K + k] = a[k * N + n];
  return out;
}

/** Reorders the gate column blocks of an (rows, G·H) matrix or a G·H vector. */
function permuteGates(a, rows, H, order) {
  const GH = order.length * H, out = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) {
    order.forEach((src, dst) => out.set(a.subarray(r * GH + src * H, r * GH + src * H + H), r * GH + dst * H));
  }
  return out;
}

// ---------------------------------------------------------------------------------------- ours

let library = null;
/** dist/node.js, imported once: { mod } when it is usable, else { reason } (a skip reason). */
async function loadLibrary() {
  if (library) return library;
  const entry = join(root, 'dist', 'node.js');
  if (!existsSync(entry)) return (library = { reason: 'dist/node.js not found: run `npm run build` first (npm run bench does)' });
  try {
    const mod = await import(pathToFileURL(entry).href);
    library = typeof mod.createModel === 'function' ? { mod } : { reason: 'dist/node.js has no createModel' };
  } catch (e) { library = { reason: `dist/node.js failed to load: ${e.message}` }; }
  return library;
}

/** Our model of the workload `s` holding the shared starting weights `p` (our layout → the
 *  model's PyTorch orientation). The `ours` contender trains it; the `onnx` one exports it. */
async function ourModel(mod, s, p) {
  const { I, H, O } = s, GH = p.bih.length;
  const cfg = { unit: s.unit, inputSize: I, hiddenSize: H, head: { type: 'bernoulli', size: O } };
  if (s.unit === 'lstm') cfg.peepholes = !!s.peepholes;
  if (s.unit === 'gru') cfg.resetAfter = s.resetAfter !== false;
  const m = await mod.createModel(cfg);
  m.setParam('weight_ih_l0', transpose(p.W, I, GH));
  m.setParam('weight_hh_l0', transpose(p.U, H, GH));
  m.setParam('bias_ih_l0', p.bih);
  m.setParam('bias_hh_l0', p.bhh);
  if (s.peepholes) m.setParam('weight_peephole_l0', p.peep);
  m.setParam('head.weight', transpose(p.V, H, O));
  m.setParam('head.bias', p.c);
  return m;
}

export const ours = {
  id: 'ours', label: 'gatedrnn (ours)', note: '',
  mod: null,
  async load() {
    const lib = await loadLibrary();
    if (lib.reason) return lib.reason;
    this.mod = lib.mod;
    const build = this.mod.defaultBuild ? this.mod.defaultBuild() : 'default';
    this.note = `build: ${build}`;
    return null;
  },
  supports() { return null; },
  async create(s, p, d) {
    const { T, B } = s;
    const m = await ourModel(this.mod, s, p);
    m.setOptimizer({ type: 'rmsprop', ...RMSPROP, centered: false });
    const batch = { T, B, x: d.x, y: d.y };
    const views = m.batchViews(T, B);
    views.x.set(d.x);
    views.y.set(d.y);
    views.mask.fill(1);
    return {
      // The training loop of a batcher that writes batches into the arena (no copy).
      train: () => { m.trainStepInPlace(T, B); },
      infer: () => m.forward(batch).outputs,
      dispose: () => { if (typeof m.dispose === 'function') m.dispose(); },
    };
  },
};

// -------------------------------------------------------------------------------- baseline

export const baseline = {
  id: 'baseline', label: 'plain TypeScript (ours)', note: 'Float32Array; dot-product loops with 4 accumulators on pre-transposed weights; input projection and weight gradients hoisted out of the time loop',
  Rnn: null,
  async load() {
    const { loadBaseline } = await import('../lib/load-baseline.mjs');
    this.Rnn = (await loadBaseline()).BaselineRnn;
    return null;
  },
  supports() { return null; },
  async create(s, p, d) {
    const net = new this.Rnn({ unit: s.unit, peepholes: s.peepholes, resetAfter: s.resetAfter, inputSize: s.I, hiddenSize: s.H, outputSize: s.O, T: s.T, B: s.B });
    let o = 0;
    for (const e of net.layout) { const v = p[e.name]; net.params.set(v, o); o += v.length; }
    const out = new Float32Array(s.T * s.B * s.O);
    return {
      train: () => { net.trainStep(d.x, d.y, RMSPROP); },
      infer: () => { net.forward(d.x); net.probabilities(out); return out; },
      dispose: () => {},
      bytes: () => net.bytes(),
    };
  },
};

// ------------------------------------------------------------------------------------ tfjs

let tf = null;
async function loadTf() {
  if (tf) return tf;
  const orig = console.log, warn = console.warn;
  console.log = console.warn = () => {}; // the "install tfjs-node for speed" banner
  try {
    tf = await import('@tensorflow/tfjs');
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(join(root, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist') + '/');
    tf.env().set('PROD', true); // no debug checks, no console banner
  } finally { console.log = orig; console.warn = warn; }
  return tf;
}

/** Makes `backend` current (each tfjs contender's tensors live on its own backend). */
async function use(backend) {
  if (tf.getBackend() !== backend) await tf.setBackend(backend);
}

function tfjsContender(backend) {
  return {
    id: `tfjs-${backend}`,
    label: `TensorFlow.js layers (${backend})`,
    note: '',
    async load() {
      try {
        await loadTf();
        if (backend === 'wasm') {
          tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false); // one thread, like every contender
          tf.env().set('WASM_HAS_SIMD_SUPPORT', true);
        }
        if (!(await tf.setBackend(backend))) return `tf.setBackend('${backend}') failed`;
        await tf.ready();
        this.note = backend === 'wasm' ? `SIMD ${tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'on' : 'off'}, 1 thread` : 'plain JS kernels';
        return null;
      } catch (e) { return `${e.message}`; }
    },
    supports(v) {
      if (v.peepholes) return 'tfjs LSTM has no peepholes';
      if (v.unit === 'gru' && v.resetAfter !== false) return 'tfjs GRU is reset-before only (resetAfter unsupported)';
      return null;
    },
    async create(s, p, d) {
      await use(backend);
      const { I, H, O, T, B } = s, GH = p.bih.length;
      // The initial weights are overwritten below: skip tfjs's slow orthogonal initializer.
      const common = { units: H, returnSequences: true, inputShape: [T, I], kernelInitializer: 'zeros', recurrentInitializer: 'zeros' };
      const rnn = s.unit === 'tanh' ? tf.layers.simpleRNN({ ...common, activation: 'tanh' })
        : s.unit === 'lstm' ? tf.layers.lstm({ ...common, recurrentActivation: 'sigmoid' })
          : tf.layers.gru({ ...common, recurrentActivation: 'sigmoid', resetAfter: false });
      const model = tf.sequential({ layers: [rnn, tf.layers.dense({ units: O, activation: 'sigmoid' })] });
      // Keras gate order: LSTM i f c o (= ours), GRU z r h (ours r z n); one bias = bih + bhh.
      const order = s.unit === 'gru' ? [1, 0, 2] : s.unit === 'lstm' ? [0, 1, 2, 3] : [0];
      const bias = new Float32Array(GH);
      for (let j = 0; j < GH; j++) bias[j] = p.bih[j] + p.bhh[j];
      rnn.setWeights([
        tf.tensor2d(permuteGates(p.W, I, H, order), [I, GH]),
        tf.tensor2d(permuteGates(p.U, H, H, order), [H, GH]),
        tf.tensor1d(permuteGates(bias, 1, H, order)),
      ]);
      model.layers[1].setWeights([tf.tensor2d(p.V, [H, O]), tf.tensor1d(p.c)]);
      model.compile({ optimizer: tf.train.rmsprop(RMSPROP.lr, RMSPROP.decay, RMSPROP.momentum, RMSPROP.eps), loss: 'binaryCrossentropy' });
      // Keras is batch-major: (B, T, ·).
      const toBT = (a, n) => { const o = new Float32Array(a.length); for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) o.set(a.subarray((t * B + b) * n, (t * B + b + 1) * n), (b * T + t) * n); return o; };
      const x = tf.tensor3d(toBT(d.x, I), [B, T, I]);
      const y = tf.tensor3d(toBT(d.y, O), [B, T, O]);
      const out = new Float32Array(T * B * O);
      return {
        train: async () => { await use(backend); await model.trainOnBatch(x, y); },
        infer: async () => {
          await use(backend);
          const r = model.predict(x);
          const v = await r.data();
          r.dispose();
          for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) out.set(v.subarray((b * T + t) * O, (b * T + t + 1) * O), (t * B + b) * O);
          return out;
        },
        dispose: () => { x.dispose(); y.dispose(); model.dispose(); },
      };
    },
  };
}

export const tfjsCpu = tfjsContender('cpu');
export const tfjsWasm = tfjsContender('wasm');

// ------------------------------------------------------------------------------- onnxruntime

// The graph is the library's own export (exportOnnx, bindings/model/onnx.ts) of a model built as
// the `ours` contender builds it: one RNN / LSTM / GRU node, MatMul + Add + Sigmoid. Only
// `outputs` (T, B, O) is fetched: time-major, so its data is the probabilities in the order
// every contender returns them.
export const onnx = {
  id: 'ort-wasm', label: 'ONNX Runtime Web (wasm)', note: '', inferenceOnly: true,
  ort: null,
  mod: null,
  async load() {
    const lib = await loadLibrary();
    if (lib.reason) return `the graph is written by exportOnnx: ${lib.reason}`;
    if (typeof lib.mod.exportOnnx !== 'function') return 'dist/node.js has no exportOnnx';
    this.mod = lib.mod;
    try {
      this.ort = await import('onnxruntime-web');
      this.ort.env.wasm.numThreads = 1;
      this.ort.env.logLevel = 'error';
      this.note = '1 thread, inference only; graph from exportOnnx';
      return null;
    } catch (e) { return e.message; }
  },
  supports() { return null; },
  async create(s, p, d) {
    const ort = this.ort;
    const m = await ourModel(this.mod, s, p);
    let bytes;
    try { bytes = this.mod.exportOnnx(m); } finally { m.dispose(); }
    const sess = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    const x = new ort.Tensor('float32', d.x, [s.T, s.B, s.I]);
    return {
      train: null,
      infer: async () => (await sess.run({ x }, ['outputs'])).outputs.data,
      dispose: () => sess.release(),
    };
  },
};

// ---------------------------------------------------------------------------------- brain.js

// brain.js lives in bench/extras (its peer gpu.js needs the native module gl): see there.
const extrasRequire = createRequire(join(root, 'bench', 'extras', 'package.json'));

export const brain = {
  id: 'brain.js', label: 'brain.js recurrent',
  note: 'no batching: one sequence at a time; its "RNN" is ReLU, not tanh; linear output + squared error; learns to predict the next input frame (O = I)',
  lib: null,
  version: null,
  async load() {
    try {
      this.lib = extrasRequire('brain.js');
      this.version = JSON.parse(readFileSync(join(root, 'bench', 'extras', 'node_modules', 'brain.js', 'package.json'), 'utf8')).version;
      return null;
    } catch (e) {
      return 'not installed (optional, bench/extras): brain.js 2.x needs its peer gpu.js, which needs the native module `gl` '
        + '(headless WebGL) built by node-gyp against X11/XInput/OpenGL headers, so it is not a devDependency. '
        + 'To include it: `apt-get install -y libxi-dev libxext-dev libx11-dev libgl-dev pkg-config build-essential python3 '
        + '&& npm --prefix bench/extras install`' + ` (${e.code ?? e.message.split('\n')[0]})`;
    }
  },
  supports(v) {
    if (v.peepholes) return 'brain.js LSTM has no peepholes';
    if (v.unit === 'gru' && v.resetAfter !== false) return 'brain.js GRU is reset-before only';
    return null;
  },
  noCheck: true,
  async create(s, p, d) {
    const { I, O, H, T, B } = s;
    if (I !== O) throw new Error('brain.js time-step nets predict the next input: needs O = I');
    const Net = { tanh: this.lib.recurrent.RNNTimeStep, lstm: this.lib.recurrent.LSTMTimeStep, gru: this.lib.recurrent.GRUTimeStep }[s.unit];
    const net = new Net({ inputSize: I, hiddenLayers: [H], outputSize: O });
    // B sequences of T frames (plain arrays, brain.js's data format), from the time-major x.
    const seqs = [];
    for (let b = 0; b < B; b++) {
      const seq = [];
      for (let t = 0; t < T; t++) seq.push(Array.from(d.x.subarray((t * B + b) * I, (t * B + b + 1) * I)));
      seqs.push(seq);
    }
    const opts = { iterations: 1, errorThresh: 0, log: false, learningRate: RMSPROP.lr };
    net.train(seqs, opts); // builds the model
    return {
      train: () => { net.train(seqs, opts); },
      infer: () => { for (const q of seqs) net.run(q); return null; },
      dispose: () => {},
    };
  },
};

export const JS_CONTENDERS = [ours, baseline, tfjsCpu, tfjsWasm, onnx, brain];
