// A recurrent model living in one WebAssembly instance: the TypeScript side lays out the
// arena, validates input, and calls the core's flat kernels in order (forward over the layers,
// the head and its loss, backward through time, the optimizer). No math happens here.
import { Core, type BuildKind } from '../wasm.js';
import { Layout, Bump, type Slot } from '../layout.js';
import { ConfigError, DisposedError, DivergedError, EmptyError, ShapeError, ValueError, assertFinite } from '../errors.js';
import { resolveConfig, publicConfig, recurrentParamCount, type ResolvedConfig } from './config.js';
import { fillOrthogonalBlocks } from './init.js';
import { Rng } from '../data/rng.js';
import { resolveOptimizer, type OptimizerConfig, type ResolvedOptimizer } from '../optim/optimizer.js';
import type { Batch, LossResult, ModelConfig } from './types.js';

/** How a tensor of the file format (PyTorch orientation) maps onto an arena slot. */
interface TensorSpec {
  name: string;
  /** Shape as PyTorch's state_dict has it. */
  shape: number[];
  slot: Slot;
  /** True when the arena holds the transpose (2-D only). */
  transposed: boolean;
  /** Input (W) or recurrent (U) matrix of a layer: weight noise applies. */
  noisy: boolean;
}

interface LayerPtrs {
  I: number;
  W: number; U: number; bih: number; bhh: number; peep: number;
  dW: number; dU: number; dbih: number; dbhh: number; dpeep: number;
  packed: number;
}

interface ActPtrs {
  T: number; B: number;
  x: number; y: number; mask: number;
  hs: number[]; saved: number[]; dhs: number[]; work: number[];
  dh0: number[]; dc0: number[];
  z: number; dz: number; probs: number; dx0: number;
}

export interface TrainOptions {
  /** Rescale the gradient to this global L2 norm whenever it is larger (default: no clipping). */
  clipNorm?: number;
  /** σ of Gaussian noise added to every input and recurrent matrix for this update (default 0). */
  weightNoise?: number;
}

export interface TrainResult extends LossResult {
  /** Global L2 norm of the gradient of the summed loss before clipping. */
  gradNorm: number;
}

export interface ForwardResult extends LossResult {
  /** (T, B, O): sigmoid probabilities (bernoulli head) or softmax probabilities. */
  outputs: Float32Array;
}

export class Model {
  readonly config: ResolvedConfig;
  private core: Core | null;
  private readonly layout = new Layout();
  private readonly specs: TensorSpec[] = [];
  private readonly specByName = new Map<string, TensorSpec>();
  private readonly layers: LayerPtrs[] = [];
  private paramsPtr = 0;
  private gradsPtr = 0;
  private optPtr: number[] = [];
  private headPacked = { Vp: 0, VTp: 0 };
  private noisePtr = 0;
  private rngPtr = 0;
  private actsBase = 0;
  private acts: ActPtrs | null = null;
  private packedFresh = false;
  private optimizer: ResolvedOptimizer | null = null;
  private step = 0;
  private haveInputGrad = false;
  private haveStateGrad = false;

  constructor(config: ModelConfig, core: Core) {
    this.config = resolveConfig(config);
    this.core = core;
    const c = this.config, H = c.hiddenSize, GH = c.gates * H, O = c.head.size;
    // --- parameter table (arena orientation) and its file names -------------------------
    for (let l = 0; l < c.layers; l++) {
      const I = l === 0 ? c.inputSize : H;
      this.addSpec(`weight_ih_l${l}`, [GH, I], this.layout.add(`l${l}.W`, [I, GH]), true, true);
      this.addSpec(`weight_hh_l${l}`, [GH, H], this.layout.add(`l${l}.U`, [H, GH]), true, true);
      this.addSpec(`bias_ih_l${l}`, [GH], this.layout.add(`l${l}.bih`, [GH]), false, false);
      this.addSpec(`bias_hh_l${l}`, [GH], this.layout.add(`l${l}.bhh`, [GH]), false, false);
      if (c.peepholes) this.addSpec(`weight_peephole_l${l}`, [3, H], this.layout.add(`l${l}.peep`, [3 * H]), false, false);
    }
    this.addSpec('head.weight', [O, H], this.layout.add('head.V', [H, O]), true, false);
    this.addSpec('head.bias', [O], this.layout.add('head.c', [O]), false, false);

    // --- fixed regions: params | grads | 3 optimizer slots | packed weights | noise | rng ---
    const bump = new Bump(core.heapBase());
    this.paramsPtr = bump.take(this.layout.bytes);
    this.gradsPtr = bump.take(this.layout.bytes);
    for (let s = 0; s < 3; s++) this.optPtr.push(bump.take(this.layout.bytes));
    const fn = (n: string) => core.fn(n);
    let noiseFloats = 0;
    for (let l = 0; l < c.layers; l++) {
      const I = l === 0 ? c.inputSize : H;
      const p = (n: string) => this.paramsPtr + this.layout.get(`l${l}.${n}`).offset;
      const g = (n: string) => this.gradsPtr + this.layout.get(`l${l}.${n}`).offset;
      this.layers.push({
        I,
        W: p('W'), U: p('U'), bih: p('bih'), bhh: p('bhh'), peep: c.peepholes ? p('peep') : 0,
        dW: g('W'), dU: g('U'), dbih: g('bih'), dbhh: g('bhh'), dpeep: c.peepholes ? g('peep') : 0,
        packed: bump.takeFloats(fn('cell_packed_size')(c.kind, I, H)),
      });
      noiseFloats = Math.max(noiseFloats, I * GH + H * GH);
    }
    this.headPacked.Vp = bump.takeFloats(fn('packed_size')(H, O));
    this.headPacked.VTp = bump.takeFloats(fn('packed_size')(O, H));
    this.noisePtr = bump.takeFloats(noiseFloats);
    this.rngPtr = bump.take(16);
    this.actsBase = bump.next;
    core.ensureBytes(this.actsBase);
    fn('fill_f32')(this.paramsPtr, (this.actsBase - this.paramsPtr) / 4, 0);
    const seed = BigInt(c.seed);
    fn('rng_seed')(this.rngPtr, Number(seed & 0xffffffffn), Number(seed >> 32n));
    this.initParams();
  }

  private addSpec(name: string, shape: number[], slot: Slot, transposed: boolean, noisy: boolean): void {
    const spec = { name, shape, slot, transposed, noisy };
    this.specs.push(spec);
    this.specByName.set(name, spec);
  }

  private get live(): Core {
    if (!this.core) throw new DisposedError('this model has been disposed');
    return this.core;
  }

  private k(name: string): (...a: number[]) => number { return this.live.fn(name); }

  /** Parameters as the paper's code initialised them (see init.ts), from config.seed. */
  private initParams(): void {
    const c = this.config, H = c.hiddenSize, rng = new Rng(c.seed);
    for (let l = 0; l < c.layers; l++) {
      rng.fillUniform(this.slotView(this.layout.get(`l${l}.W`)), -0.1, 0.1);
      fillOrthogonalBlocks(this.slotView(this.layout.get(`l${l}.U`)), H, c.gates, rng);
      if (c.peepholes) rng.fillUniform(this.slotView(this.layout.get(`l${l}.peep`)), -0.1, 0.1);
    }
    rng.fillUniform(this.slotView(this.layout.get('head.V')), -0.1, 0.1);
    this.packedFresh = false;
  }

  private slotView(slot: Slot, region = this.paramsPtr): Float32Array {
    return this.live.f32(region + slot.offset, slot.size);
  }

  // --------------------------------------------------------------------------- parameters

  /** File/PyTorch names of every parameter tensor, in file order. */
  paramNames(): string[] { return this.specs.map((s) => s.name); }

  paramShape(name: string): number[] { return [...this.spec(name).shape]; }

  /** Parameters of the recurrent layers (both bias vectors counted, as PyTorch does). */
  recurrentParamCount(): number { return recurrentParamCount(this.config); }

  private spec(name: string): TensorSpec {
    const s = this.specByName.get(name);
    if (!s) throw new ShapeError(`no parameter '${name}'; this model has ${this.paramNames().join(', ')}`);
    return s;
  }

  private readTensor(name: string, region: number): Float32Array {
    const s = this.spec(name), v = this.slotView(s.slot, region);
    if (!s.transposed) return Float32Array.from(v);
    const [rows, cols] = s.shape, out = new Float32Array(rows * cols); // arena holds (cols, rows)
    for (let i = 0; i < cols; i++) for (let j = 0; j < rows; j++) out[j * cols + i] = v[i * rows + j];
    return out;
  }

  /** A copy of a parameter in PyTorch orientation. */
  getParam(name: string): Float32Array { return this.readTensor(name, this.paramsPtr); }

  /** The gradient of the last lossAndGrad/trainStep loss (a sum over frames), PyTorch orientation. */
  getGrad(name: string): Float32Array { return this.readTensor(name, this.gradsPtr); }

  /** Sets a parameter from data in PyTorch orientation (row-major, length = product of shape). */
  setParam(name: string, data: ArrayLike<number>): void {
    const s = this.spec(name);
    if (!data || typeof data.length !== 'number') throw new ShapeError(`${name}: expected an array of ${s.slot.size} numbers`);
    if (data.length !== s.slot.size) {
      throw new ShapeError(`${name}: expected ${s.slot.size} values for shape [${s.shape}], got ${data.length}`);
    }
    assertFinite(data, name);
    const v = this.slotView(s.slot);
    if (!s.transposed) v.set(data);
    else {
      const [rows, cols] = s.shape;
      for (let i = 0; i < cols; i++) for (let j = 0; j < rows; j++) v[i * rows + j] = data[j * cols + i];
    }
    this.packedFresh = false;
  }

  // --------------------------------------------------------------------------- arena

  /** Lays out the activation region for (T, B), growing memory if needed. */
  private ensureCapacity(T: number, B: number): ActPtrs {
    const a = this.acts;
    if (a && a.T === T && a.B === B) return a;
    const c = this.config, H = c.hiddenSize, I = c.inputSize, O = c.head.size;
    const k = (n: string) => this.k(n);
    const bump = new Bump(this.actsBase);
    const p: ActPtrs = {
      T, B,
      x: bump.takeFloats(T * B * I),
      y: bump.takeFloats(T * B * (c.head.type === 'softmax' ? 1 : O)),
      mask: bump.takeFloats(T * B),
      hs: [], saved: [], dhs: [], work: [], dh0: [], dc0: [],
      z: bump.takeFloats(T * B * O),
      dz: bump.takeFloats(T * B * O),
      probs: bump.takeFloats(T * B * O),
      dx0: bump.takeFloats(T * B * I),
    };
    for (let l = 0; l < c.layers; l++) {
      p.hs.push(bump.takeFloats((T + 1) * B * H));
      p.saved.push(bump.takeFloats(k('cell_saved_size')(c.kind, T, B, H)));
      p.dhs.push(bump.takeFloats(T * B * H));
      p.work.push(bump.takeFloats(k('cell_work_size')(c.kind, T, B, H)));
      p.dh0.push(bump.takeFloats(B * H));
      p.dc0.push(bump.takeFloats(B * H));
    }
    this.live.ensureBytes(bump.next);
    this.acts = p;
    this.haveInputGrad = this.haveStateGrad = false; // their buffers moved
    return p;
  }

  /** Fresh views of the arena's batch buffers for (T, B), for a batcher to fill in place:
   *  x (T, B, I), y (T, B, O) floats or (T, B) labels, mask (T, B). */
  batchViews(T: number, B: number): { x: Float32Array; y: Float32Array | Int32Array; mask: Float32Array } {
    this.checkDims(T, B);
    const a = this.ensureCapacity(T, B), c = this.config, core = this.live;
    return {
      x: core.f32(a.x, T * B * c.inputSize),
      y: c.head.type === 'softmax' ? core.i32(a.y, T * B) : core.f32(a.y, T * B * c.head.size),
      mask: core.f32(a.mask, T * B),
    };
  }

  private checkDims(T: number, B: number): void {
    for (const [v, n] of [[T, 'T'], [B, 'B']] as const) {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new ShapeError(`batch ${n} must be a non-negative integer, got ${v}`);
      if (v === 0) throw new EmptyError(`batch ${n} is 0: there is nothing to compute`);
    }
    if (T * B * Math.max(this.config.inputSize, this.config.head.size, this.config.hiddenSize) > 1 << 28) {
      throw new ShapeError(`batch of T=${T}, B=${B} is too large for one step; split it`);
    }
  }

  /** Copies a Batch into the arena after checking every shape and value. */
  private loadBatch(batch: Batch): { T: number; B: number } {
    if (!batch || typeof batch !== 'object') throw new ShapeError('batch must be an object { T, B, x, y, mask? }');
    const { T, B } = batch, c = this.config, I = c.inputSize, O = c.head.size;
    this.checkDims(T, B);
    const want = (arr: ArrayLike<number> | undefined, n: number, what: string) => {
      if (!arr || typeof arr.length !== 'number') throw new ShapeError(`batch.${what} is missing`);
      if (arr.length !== n) throw new ShapeError(`batch.${what} has ${arr.length} values; (T=${T}, B=${B}) needs ${n}`);
    };
    want(batch.x, T * B * I, `x (T, B, ${I})`);
    const v = this.batchViews(T, B);
    v.x.set(batch.x);
    if (c.head.type === 'softmax') {
      want(batch.y, T * B, 'y (T, B) class indices');
      const y = batch.y;
      for (let i = 0; i < y.length; i++) {
        if (!Number.isInteger(y[i])) throw new ValueError(`batch.y[${i}] = ${y[i]} is not an integer class index`);
      }
      (v.y as Int32Array).set(y);
    } else {
      want(batch.y, T * B * O, `y (T, B, ${O})`);
      const y = batch.y;
      for (let i = 0; i < y.length; i++) {
        const t = y[i];
        if (!(t >= 0 && t <= 1)) throw new ValueError(`batch.y[${i}] = ${t} is not a probability in [0, 1]`);
      }
      v.y.set(y);
    }
    if (batch.mask !== undefined) {
      want(batch.mask, T * B, 'mask (T, B)');
      const m = batch.mask;
      for (let i = 0; i < m.length; i++) {
        if (!(m[i] >= 0 && m[i] <= 1)) throw new ValueError(`batch.mask[${i}] = ${m[i]} must be in [0, 1]`);
      }
      v.mask.set(m);
    } else v.mask.fill(1);
    this.checkArenaFinite(v.x, 'batch.x');
    this.checkLabels(v, B, 'batch.y');
    this.loadStates(batch, B);
    return { T, B };
  }

  /** Softmax head: every label on a row that counts (mask ≠ 0) must be a class index. */
  private checkLabels(v: { y: Float32Array | Int32Array; mask: Float32Array }, B: number, what: string): void {
    if (!(v.y instanceof Int32Array)) return;
    const O = this.config.head.size, y = v.y, m = v.mask;
    for (let i = 0; i < y.length; i++) {
      if (m[i] !== 0 && (y[i] < 0 || y[i] >= O)) {
        throw new ValueError(`${what}[${i}] = ${y[i]} (t=${Math.floor(i / B)}, b=${i % B}) is not a class index in 0..${O - 1}`);
      }
    }
  }

  /** Finds NaN/Infinity with the SIMD counter and names the first bad element. */
  private checkArenaFinite(view: Float32Array, what: string): void {
    if (this.k('count_nonfinite_f32')(view.byteOffset, view.length) > 0) assertFinite(view, what);
  }

  private pendingStates: { h0?: Float32Array[]; c0?: Float32Array[] } = {};

  private loadStates(batch: Pick<Batch, 'h0' | 'c0'>, B: number): void {
    const c = this.config, n = B * c.hiddenSize;
    const check = (list: Float32Array[] | undefined, what: string) => {
      if (list === undefined) return;
      if (!Array.isArray(list) || list.length !== c.layers) throw new ShapeError(`batch.${what} must be an array of ${c.layers} (B, H) arrays, one per layer`);
      list.forEach((s, l) => {
        if (!s || s.length !== n) throw new ShapeError(`batch.${what}[${l}] must have B·H = ${n} values, got ${s?.length}`);
        assertFinite(s, `batch.${what}[${l}]`);
      });
    };
    check(batch.h0, 'h0');
    if (batch.c0 !== undefined && c.unit !== 'lstm') throw new ShapeError(`batch.c0 is for the LSTM only; this model is '${c.unit}'`);
    check(batch.c0, 'c0');
    this.pendingStates = { h0: batch.h0, c0: batch.c0 };
  }

  // --------------------------------------------------------------------------- compute

  /** Packs the weights for the cells and the head; with noise, from W + σ·ε (training). */
  private pack(noise: number): void {
    const c = this.config, H = c.hiddenSize, GH = c.gates * H, O = c.head.size;
    if (noise === 0 && this.packedFresh) return;
    const k = (n: string) => this.k(n);
    for (const L of this.layers) {
      if (noise > 0) {
        const nW = this.noisePtr, nU = this.noisePtr + L.I * GH * 4;
        k('weight_noise_f32')(nW, L.W, L.I * GH, noise, this.rngPtr);
        k('weight_noise_f32')(nU, L.U, H * GH, noise, this.rngPtr);
        k('cell_pack')(c.kind, L.packed, nW, nU, L.I, H);
      } else k('cell_pack')(c.kind, L.packed, L.W, L.U, L.I, H);
    }
    const V = this.paramsPtr + this.layout.get('head.V').offset;
    k('pack_b_f32')(this.headPacked.Vp, V, O, H, O);
    k('pack_bt_f32')(this.headPacked.VTp, V, O, O, H);
    this.packedFresh = noise === 0;
  }

  /** Forward through every layer and the head for the batch already in the arena. */
  private forwardArena(T: number, B: number): LossResult {
    const a = this.ensureCapacity(T, B), c = this.config, H = c.hiddenSize, O = c.head.size, core = this.live;
    const k = (n: string) => this.k(n);
    const BH = B * H;
    const { h0, c0 } = this.pendingStates;
    this.pendingStates = {};
    for (let l = 0; l < c.layers; l++) {
      const L = this.layers[l];
      if (h0) core.f32(a.hs[l], BH).set(h0[l]); else k('fill_f32')(a.hs[l], BH, 0);
      if (c.unit === 'lstm') { if (c0) core.f32(a.saved[l], BH).set(c0[l]); else k('fill_f32')(a.saved[l], BH, 0); }
      const x = l === 0 ? a.x : a.hs[l - 1] + BH * 4;
      k('cell_forward')(c.kind, a.hs[l], a.saved[l], x, L.packed, L.bih, L.bhh, L.peep, T, B, L.I, H);
    }
    const top = a.hs[c.layers - 1] + BH * 4, N = T * B;
    k('bias_rows_f32')(a.z, O, this.paramsPtr + this.layout.get('head.c').offset, N, O);
    k('gemm_f32')(a.z, O, top, H, this.headPacked.Vp, N, O, H);
    let frames = 0;
    const m = core.f32(a.mask, N);
    for (let i = 0; i < N; i++) frames += m[i];
    return { loss: 0, frames };
  }

  private headLoss(T: number, B: number, withGrad: boolean): number {
    const a = this.acts!, c = this.config, O = c.head.size, N = T * B;
    const fn = c.head.type === 'bernoulli' ? 'bernoulli_nll' : 'softmax_xent';
    const loss = this.k(fn)(withGrad ? a.dz : 0, a.z, a.y, a.mask, N, O);
    return loss;
  }

  private backwardArena(T: number, B: number, inputGrad: boolean, stateGrad: boolean): void {
    const a = this.acts!, c = this.config, H = c.hiddenSize, O = c.head.size, N = T * B, BH = B * H;
    const k = (n: string) => this.k(n);
    const top = a.hs[c.layers - 1] + BH * 4;
    const g = (n: string) => this.gradsPtr + this.layout.get(n).offset;
    k('gemm_tn_f32')(g('head.V'), O, top, H, a.dz, O, H, O, N);
    k('colsum_f32')(g('head.c'), a.dz, O, N, O);
    const dtop = a.dhs[c.layers - 1];
    k('fill_f32')(dtop, N * H, 0);
    k('gemm_f32')(dtop, H, a.dz, O, this.headPacked.VTp, N, H, O);
    for (let l = c.layers - 1; l >= 0; l--) {
      const L = this.layers[l];
      let dx = 0;
      if (l > 0) { dx = a.dhs[l - 1]; k('fill_f32')(dx, N * H, 0); }
      else if (inputGrad) { dx = a.dx0; k('fill_f32')(dx, N * L.I, 0); }
      if (stateGrad) { k('fill_f32')(a.dh0[l], BH, 0); k('fill_f32')(a.dc0[l], BH, 0); }
      const x = l === 0 ? a.x : a.hs[l - 1] + BH * 4;
      k('cell_backward')(c.kind, dx, stateGrad ? a.dh0[l] : 0, stateGrad && c.unit === 'lstm' ? a.dc0[l] : 0,
        L.dW, L.dU, L.dbih, L.dbhh, L.dpeep,
        a.dhs[l], a.hs[l], a.saved[l], x, L.packed, L.bih, L.bhh, L.peep, a.work[l], T, B, L.I, H);
    }
    this.haveInputGrad = inputGrad;
    this.haveStateGrad = stateGrad;
  }

  private lossAndGradArena(T: number, B: number, inputGrad: boolean, noise: number, stateGrad = false): LossResult {
    this.pack(noise);
    const { frames } = this.forwardArena(T, B);
    this.k('fill_f32')(this.gradsPtr, this.layout.floats, 0);
    const loss = this.headLoss(T, B, true);
    this.backwardArena(T, B, inputGrad, stateGrad);
    return { loss, frames };
  }

  /** Loss (summed over unmasked frames) and gradients of every parameter, no weight noise.
   *  Also the initial-state gradients (getStateGrad) unless `stateGrad: false`, and the
   *  input gradient (getInputGrad) if `inputGrad: true`. */
  lossAndGrad(batch: Batch, opts: { inputGrad?: boolean; stateGrad?: boolean } = {}): LossResult {
    const { T, B } = this.loadBatch(batch);
    return this.lossAndGradArena(T, B, !!opts.inputGrad, 0, opts.stateGrad ?? true);
  }

  /** Like lossAndGrad for a batch a batcher already wrote into `batchViews(T, B)`. */
  lossAndGradInPlace(T: number, B: number, opts: { inputGrad?: boolean; stateGrad?: boolean } = {}): LossResult {
    this.checkInPlace(T, B);
    return this.lossAndGradArena(T, B, !!opts.inputGrad, 0, opts.stateGrad ?? true);
  }

  private checkInPlace(T: number, B: number): void {
    this.checkDims(T, B);
    const a = this.acts;
    if (!a || a.T !== T || a.B !== B) throw new ShapeError(`call batchViews(${T}, ${B}) and fill it before using the in-place batch`);
    const v = this.batchViews(T, B);
    this.checkArenaFinite(v.x, 'batch x');
    if (v.y instanceof Float32Array) this.checkArenaFinite(v.y, 'batch y');
    this.checkArenaFinite(v.mask, 'batch mask');
    this.checkLabels(v, B, 'batch y');
    this.pendingStates = {};
  }

  /** ∂loss/∂x (T, B, I) of the last lossAndGrad(…, { inputGrad: true }). */
  getInputGrad(): Float32Array {
    const a = this.acts;
    if (!a || !this.haveInputGrad) throw new ShapeError('no input gradient: call lossAndGrad(batch, { inputGrad: true }) first');
    return Float32Array.from(this.live.f32(a.dx0, a.T * a.B * this.config.inputSize));
  }

  /** ∂loss/∂h0 (and ∂loss/∂c0 for the LSTM) of a layer, (B, H), after lossAndGrad. */
  getStateGrad(layer: number): { dh0: Float32Array; dc0?: Float32Array } {
    const a = this.acts, c = this.config;
    if (!a || !this.haveStateGrad) throw new ShapeError('no state gradient: call lossAndGrad first (trainStep does not compute it)');
    if (!Number.isInteger(layer) || layer < 0 || layer >= c.layers) throw new ShapeError(`layer ${layer} is not in 0..${c.layers - 1}`);
    const n = a.B * c.hiddenSize;
    const dh0 = Float32Array.from(this.live.f32(a.dh0[layer], n));
    return c.unit === 'lstm' ? { dh0, dc0: Float32Array.from(this.live.f32(a.dc0[layer], n)) } : { dh0 };
  }

  /** Forward only: summed loss and output probabilities (T, B, O). */
  forward(batch: Batch): ForwardResult {
    const { T, B } = this.loadBatch(batch);
    const r = this.evaluateInPlaceRaw(T, B);
    const a = this.acts!, O = this.config.head.size, N = T * B;
    if (this.config.head.type === 'bernoulli') this.k('act_sigmoid_f32_simd')(a.probs, a.z, N * O);
    else this.k('softmax_rows_f32')(a.probs, a.z, N, O);
    return { ...r, outputs: Float32Array.from(this.live.f32(a.probs, N * O)) };
  }

  private evaluateInPlaceRaw(T: number, B: number): LossResult {
    this.pack(0);
    const { frames } = this.forwardArena(T, B);
    return { loss: this.headLoss(T, B, false), frames };
  }

  /** Summed loss (no weight noise, no gradients) of a batch already in `batchViews(T, B)`. */
  evaluateInPlace(T: number, B: number): LossResult {
    this.checkInPlace(T, B);
    return this.evaluateInPlaceRaw(T, B);
  }

  // --------------------------------------------------------------------------- training

  /** Chooses the optimizer and resets its state. */
  setOptimizer(cfg: OptimizerConfig): void {
    this.optimizer = resolveOptimizer(cfg);
    for (const p of this.optPtr) this.k('fill_f32')(p, this.layout.floats, 0);
    this.step = 0;
  }

  get optimizerConfig(): ResolvedOptimizer | null { return this.optimizer; }

  /** One update: loss and gradients (with weight noise if asked), optional global-norm
   *  clipping, then the optimizer step. Parameters are left untouched if the loss or the
   *  gradient is not finite (a ValueError says so). */
  trainStep(batch: Batch, opts: TrainOptions = {}): TrainResult {
    this.checkTrainOptions(opts);
    const { T, B } = this.loadBatch(batch);
    return this.trainArena(T, B, opts);
  }

  /** trainStep for a batch a batcher already wrote into `batchViews(T, B)`. */
  trainStepInPlace(T: number, B: number, opts: TrainOptions = {}): TrainResult {
    this.checkTrainOptions(opts);
    this.checkInPlace(T, B);
    return this.trainArena(T, B, opts);
  }

  private checkTrainOptions(opts: TrainOptions): void {
    if (!this.optimizer) throw new ConfigError('no optimizer: call setOptimizer({ type, lr, … }) before trainStep');
    const { clipNorm, weightNoise } = opts;
    if (clipNorm !== undefined && !(clipNorm > 0 && Number.isFinite(clipNorm))) throw new ConfigError(`clipNorm must be a positive number, got ${clipNorm}`);
    if (weightNoise !== undefined && !(weightNoise >= 0 && Number.isFinite(weightNoise))) throw new ConfigError(`weightNoise must be a non-negative number, got ${weightNoise}`);
  }

  private trainArena(T: number, B: number, opts: TrainOptions): TrainResult {
    const r = this.lossAndGradArena(T, B, false, opts.weightNoise ?? 0);
    return { ...r, gradNorm: this.applyArenaGradients(r.loss, opts.clipNorm) };
  }

  /** Clip and optimizer step from the gradients in the arena; returns the norm before clipping. */
  private applyArenaGradients(loss: number, clipNorm: number | undefined): number {
    const k = (n: string) => this.k(n);
    const n = this.layout.floats;
    const gradNorm = Math.sqrt(k('sum_sq_f32')(this.gradsPtr, n));
    if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
      throw new DivergedError(`training step ${this.step + 1} diverged: loss ${loss}, gradient norm ${gradNorm}; parameters were not updated (lower the learning rate or clip the gradient)`, this.step + 1);
    }
    if (clipNorm !== undefined && gradNorm > clipNorm) k('scale_f32')(this.gradsPtr, n, clipNorm / gradNorm);
    const o = this.optimizer!, p = this.paramsPtr, g = this.gradsPtr, [s0, s1, s2] = this.optPtr;
    this.step++;
    switch (o.type) {
      case 'sgd': k('sgd_step')(p, g, s0, n, o.lr, o.momentum); break;
      case 'rmsprop': k('rmsprop_step')(p, g, s0, s1, s2, n, o.lr, o.decay, o.momentum, o.eps, o.floor, o.centered ? 1 : 0); break;
      case 'adam': k('adam_step')(p, g, s0, s1, n, o.lr, o.beta1, o.beta2, o.eps, this.step); break;
    }
    this.packedFresh = false;
    return gradNorm;
  }

  // ----------------------------------------------------- data-parallel training support

  /** Floats in the parameter (and gradient) arena, padding included. */
  get arenaFloats(): number { return this.layout.floats; }

  /** A copy of the whole gradient arena (same layout as snapshotParams). */
  snapshotGrads(): Float32Array {
    return Float32Array.from(this.live.f32(this.gradsPtr, this.layout.floats));
  }

  /** Like lossAndGradInPlace, with weight noise σ drawn from this model's own RNG stream
   *  (replicas seeded alike draw the same noise). */
  lossAndGradNoisyInPlace(T: number, B: number, weightNoise: number): LossResult {
    this.checkInPlace(T, B);
    if (!(weightNoise >= 0 && Number.isFinite(weightNoise))) throw new ConfigError(`weightNoise must be a non-negative number, got ${weightNoise}`);
    return this.lossAndGradArena(T, B, false, weightNoise);
  }

  /** An optimizer step from gradients computed elsewhere (e.g. summed over worker replicas):
   *  `grads` has the arena layout of snapshotGrads(); `loss` is their summed loss. */
  applyGradients(grads: Float32Array, loss: number, opts: { clipNorm?: number } = {}): number {
    if (!this.optimizer) throw new ConfigError('no optimizer: call setOptimizer({ type, lr, … }) first');
    if (!(grads instanceof Float32Array) || grads.length !== this.layout.floats) {
      throw new ShapeError(`gradients must be a Float32Array of ${this.layout.floats} values (snapshotGrads layout)`);
    }
    this.checkTrainOptions({ clipNorm: opts.clipNorm });
    this.live.f32(this.gradsPtr, this.layout.floats).set(grads);
    return this.applyArenaGradients(loss, opts.clipNorm);
  }

  /** The weight-noise RNG state (4 u32), so replicas can be put in step. */
  getNoiseState(): Uint32Array { return Uint32Array.from(this.live.u32(this.rngPtr, 4)); }
  setNoiseState(state: Uint32Array): void {
    if (!(state instanceof Uint32Array) || state.length !== 4 || state.every((w) => w === 0)) throw new ShapeError('noise state must be 4 u32 words, not all zero');
    this.live.u32(this.rngPtr, 4).set(state);
  }

  /** Changes the learning rate of the current optimizer (keeps its state), e.g. for decay. */
  setLearningRate(lr: number): void {
    if (!this.optimizer) throw new ConfigError('no optimizer: call setOptimizer first');
    if (!(lr > 0 && Number.isFinite(lr))) throw new ConfigError(`learning rate must be a positive number, got ${lr}`);
    this.optimizer = { ...this.optimizer, lr };
  }

  /** Updates applied since setOptimizer. */
  get updates(): number { return this.step; }

  /** A copy of every parameter (arena layout), for keeping the best model during training. */
  snapshotParams(): Float32Array {
    return Float32Array.from(this.live.f32(this.paramsPtr, this.layout.floats));
  }

  /** Puts back parameters from snapshotParams() of this model. */
  restoreParams(snapshot: Float32Array): void {
    if (!(snapshot instanceof Float32Array) || snapshot.length !== this.layout.floats) {
      throw new ShapeError(`snapshot must be a Float32Array of ${this.layout.floats} values from snapshotParams()`);
    }
    this.live.f32(this.paramsPtr, this.layout.floats).set(snapshot);
    this.packedFresh = false;
  }

  // --------------------------------------------------------------------------- streaming

  /** Step-by-step stateful inference over B parallel streams (for sampling and streaming). */
  stream(B = 1): Stream { return new Stream(this, B); }

  /** @internal one step for Stream: x (B, I) → probabilities (B, O); states updated in place. */
  _streamStep(x: ArrayLike<number>, B: number, h: Float32Array[], c: Float32Array[]): Float32Array {
    const cfg = this.config, I = cfg.inputSize, O = cfg.head.size, H = cfg.hiddenSize, BH = B * H;
    if (!x || x.length !== B * I) throw new ShapeError(`stream step input must have B·I = ${B * I} values, got ${x?.length}`);
    assertFinite(x, 'stream step input');
    const v = this.batchViews(1, B);
    v.x.set(x);
    v.mask.fill(1);
    this.pendingStates = { h0: h, c0: cfg.unit === 'lstm' ? c : undefined };
    this.pack(0);
    this.forwardArena(1, B);
    const a = this.acts!, core = this.live;
    for (let l = 0; l < cfg.layers; l++) {
      h[l].set(core.f32(a.hs[l] + BH * 4, BH));
      if (cfg.unit === 'lstm') c[l].set(core.f32(a.saved[l] + BH * 4, BH));
    }
    if (cfg.head.type === 'bernoulli') this.k('act_sigmoid_f32_simd')(a.probs, a.z, B * O);
    else this.k('softmax_rows_f32')(a.probs, a.z, B, O);
    return Float32Array.from(core.f32(a.probs, B * O));
  }

  // --------------------------------------------------------------------------- lifecycle

  /** Which WebAssembly build this model runs on (replicas should use the same one). */
  get build(): BuildKind { return this.live.build; }

  /** The config in the form model files store it. */
  publicConfig(): ModelConfig { return publicConfig(this.config); }

  /** Frees the WebAssembly instance; every later call throws DisposedError. */
  dispose(): void { this.core = null; this.acts = null; }

  get disposed(): boolean { return this.core === null; }
}

/** Stateful inference: keeps h (and c) per layer between calls to step(). */
export class Stream {
  readonly B: number;
  private readonly h: Float32Array[];
  private readonly c: Float32Array[];
  constructor(private readonly model: Model, B: number) {
    if (!Number.isInteger(B) || B < 1) throw new ShapeError(`stream batch size must be a positive integer, got ${B}`);
    this.B = B;
    const n = B * model.config.hiddenSize;
    this.h = Array.from({ length: model.config.layers }, () => new Float32Array(n));
    this.c = Array.from({ length: model.config.layers }, () => new Float32Array(n));
  }
  /** Feeds one frame per stream, x (B, I); returns the predicted distribution (B, O). */
  step(x: ArrayLike<number>): Float32Array { return this.model._streamStep(x, this.B, this.h, this.c); }
  /** Back to the zero state. */
  reset(): void { for (const a of [...this.h, ...this.c]) a.fill(0); }
  /** Copies of the state per layer. */
  getState(): { h: Float32Array[]; c?: Float32Array[] } {
    const h = this.h.map((a) => a.slice());
    return this.model.config.unit === 'lstm' ? { h, c: this.c.map((a) => a.slice()) } : { h };
  }
}
