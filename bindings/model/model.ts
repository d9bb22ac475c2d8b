// A recurrent model living in one WebAssembly instance. The model composes: the parameter
// table and arena (params.ts, arena.ts), batch checks (batch.ts), the compute path
// (compute.ts), the head (bindings/head/), the PyTorch orientation (torch.ts), the optimizer
// update (optim/step.ts) and streaming (stream.ts). No math happens here.
import type { Core, BuildKind } from '../wasm.js';
import { ConfigError, DisposedError, ShapeError, assertFinite } from '../errors.js';
import { resolveConfig, publicConfig, type ResolvedConfig } from './config.js';
import { recurrentParamCount, type ParamSpec } from './params.js';
import { Arena, checkModelFits, type ActPtrs } from './arena.js';
import { checkDims, checkStates, checkViews, copyBatch, type States } from './batch.js';
import { backward, forward, headLoss, headOutputs, packWeights } from './compute.js';
import { toFileOrientation, fromFileOrientation } from './torch.js';
import { fillOrthogonalBlocks, checkInitCost } from './init.js';
import { Stream } from './stream.js';
import { sampleModel, type SampleOptions, type SampleResult } from '../generate/sample.js';
import { Rng } from '../data/rng.js';
import { resolveOptimizer, type OptimizerConfig, type ResolvedOptimizer } from '../optim/optimizer.js';
import { applyUpdate } from '../optim/step.js';
import { getHead } from '../head/registry.js';
import { noLossError } from '../head/linear.js';
import type { Batch, BatchViews, DataInfo, ForwardOptions, ForwardResult, LossResult, ModelConfig, SlotLosses, TargetArray, TrainOptions, TrainResult, TrainTarget } from './types.js';

export { Stream };

/** A state dict as loadStateDict takes it: name → values (row-major, PyTorch orientation) or
 *  { shape, data }, as a plain object or a Map. */
export type StateDictInput =
  | Record<string, ArrayLike<number> | { shape: number[]; data: ArrayLike<number> }>
  | Map<string, ArrayLike<number> | { shape: number[]; data: ArrayLike<number> }>;

function isTensorLike(v: unknown): v is { shape: number[]; data: ArrayLike<number> } {
  return !!v && typeof v === 'object' && 'data' in v && 'shape' in v;
}

function stateDictEntries(sd: StateDictInput): Map<string, ArrayLike<number> | { shape: number[]; data: ArrayLike<number> }> {
  if (sd instanceof Map) return sd;
  if (!sd || typeof sd !== 'object') throw new ShapeError('loadStateDict: expected an object or a Map of name → tensor');
  return new Map(Object.entries(sd));
}
export type { TrainOptions, TrainResult, ForwardResult };

function checkNoise(sigma: number | undefined): void {
  if (sigma !== undefined && !(sigma >= 0 && Number.isFinite(sigma))) throw new ConfigError(`weightNoise must be a non-negative number, got ${sigma}`);
}
function checkClip(clip: number | undefined): void {
  if (clip !== undefined && !(clip > 0 && Number.isFinite(clip))) throw new ConfigError(`clipNorm must be a positive number, got ${clip}`);
}

/** `Y`, the array type of batchViews(T, B).y, is only a compile-time label: createModel infers it
 *  from a config's head type (Float32Array for 'bernoulli' and 'mog', Int32Array for 'softmax'),
 *  and a model whose head is not known statically (loadModel, a `ModelConfig` variable) has
 *  either. */
export class Model<Y extends TargetArray = TargetArray> implements TrainTarget {
  readonly config: ResolvedConfig;
  /** How the data were prepared (normalisation etc.); saved in and loaded from model files. */
  data?: DataInfo;
  private core: Core | null;
  private readonly arena: Arena;
  private readonly specByName = new Map<string, ParamSpec>();
  private packedFresh = false;
  private optimizer: ResolvedOptimizer | null = null;
  private step = 0;
  private haveInputGrad = false;
  private haveStateGrad = false;
  /** Initial states for the next forward (a caller's batch or a stream step). */
  private pendingStates: States = {};

  /** `opts.initParams: false` (for a model whose every parameter is set next, e.g. from a
   *  file) leaves the parameters at zero instead of drawing them. */
  constructor(config: ModelConfig, core: Core, opts: { initParams?: boolean } = {}) {
    this.config = resolveConfig(config);
    const init = opts.initParams ?? true;
    checkModelFits(this.config, core.heapBase()); // memory first: the more basic refusal
    if (init) checkInitCost(this.config);
    this.core = core;
    this.arena = new Arena(core, this.config);
    for (const s of this.arena.table) this.specByName.set(s.name, s);
    const seed = BigInt(this.config.seed);
    core.k.rng_seed(this.arena.rng, Number(seed & 0xffffffffn), Number(seed >> 32n));
    if (init) this.initParams();
  }

  private get live(): Core {
    if (!this.core) throw new DisposedError('this model has been disposed');
    return this.core;
  }

  /** Parameters as the paper's code initialised them (init.ts and the table's `init`), from config.seed. */
  private initParams(): void {
    const c = this.config, rng = new Rng(c.seed);
    for (const s of this.arena.table) {
      if (s.init === 'uniform') rng.fillUniform(this.view(s), -0.1, 0.1);
      else if (s.init === 'orthogonal') fillOrthogonalBlocks(this.view(s), c.hiddenSize, c.gates, rng);
    }
    this.packedFresh = false;
  }

  /** A live view of one tensor in the parameter (or gradient) region, arena orientation. */
  private view(s: ParamSpec, region = this.arena.params): Float32Array {
    return this.live.f32(this.arena.ptr(s, region), s.size);
  }

  // --------------------------------------------------------------------------- parameters

  /** File/PyTorch names of every parameter tensor, in file order. */
  paramNames(): string[] { return this.arena.table.map((s) => s.name); }

  /** The parameter table (file names and shapes, arena shapes, weight noise): see params.ts. */
  paramTable(): readonly ParamSpec[] { return this.arena.table; }

  paramShape(name: string): number[] { return [...this.spec(name).fileShape]; }

  /** Parameters of the recurrent layers (both bias vectors counted, as PyTorch does). */
  recurrentParamCount(): number { return recurrentParamCount(this.config); }

  private spec(name: string): ParamSpec {
    const s = this.specByName.get(name);
    if (!s) throw new ShapeError(`no parameter '${name}'; this model has ${this.paramNames().join(', ')}`);
    return s;
  }

  /** A copy of a parameter in PyTorch orientation. */
  getParam(name: string): Float32Array { const s = this.spec(name); return toFileOrientation(s, this.view(s)); }

  /** The gradient of the last lossAndGrad/trainStep loss (a sum over frames), PyTorch orientation. */
  getGrad(name: string): Float32Array { const s = this.spec(name); return toFileOrientation(s, this.view(s, this.arena.grads)); }

  /** Sets a parameter from data in PyTorch orientation (row-major, length = product of shape). */
  setParam(name: string, data: ArrayLike<number>): void {
    const s = this.spec(name);
    fromFileOrientation(s, data, this.view(s));
    this.packedFresh = false;
  }

  /** Every parameter by its PyTorch state_dict name, in PyTorch orientation (copies). */
  stateDict(): Record<string, Float32Array> {
    const out: Record<string, Float32Array> = {};
    for (const s of this.arena.table) out[s.name] = toFileOrientation(s, this.view(s));
    return out;
  }

  /** Sets parameters from a state dict: PyTorch names (read as `prefix` + name) and
   *  orientation, each value an array or { shape, data }. Everything is checked before
   *  anything is written. strict (default): every parameter present and no other name;
   *  `strict: false`: missing parameters keep their values, other names are ignored. */
  loadStateDict(sd: StateDictInput, opts: { prefix?: string; strict?: boolean } = {}): void {
    const prefix = opts.prefix ?? '', strict = opts.strict ?? true;
    if (typeof prefix !== 'string') throw new ConfigError('loadStateDict: prefix must be a string');
    const entries = stateDictEntries(sd);
    const mine = new Set(this.arena.table.map((s) => prefix + s.name));
    if (strict) {
      const extra = [...entries.keys()].filter((k) => !mine.has(k));
      if (extra.length) throw new ShapeError(`loadStateDict: unexpected ${extra.map((k) => `'${k}'`).slice(0, 5).join(', ')}${extra.length > 5 ? ` and ${extra.length - 5} more` : ''} for this model (pass strict: false to ignore them)`);
    }
    const plan: [ParamSpec, ArrayLike<number>][] = [];
    for (const s of this.arena.table) {
      const v = entries.get(prefix + s.name);
      if (v === undefined) {
        if (strict) throw new ShapeError(`loadStateDict: '${prefix + s.name}' [${s.fileShape}] is missing (pass strict: false to keep its value)`);
        continue;
      }
      const data = isTensorLike(v) ? v.data : v;
      if (isTensorLike(v) && (!Array.isArray(v.shape) || v.shape.length !== s.fileShape.length || v.shape.some((d, i) => d !== s.fileShape[i]))) {
        throw new ShapeError(`loadStateDict: '${prefix + s.name}' has shape [${v.shape}], this model needs [${s.fileShape}]`);
      }
      if (!data || typeof data.length !== 'number' || data.length !== s.size) throw new ShapeError(`loadStateDict: '${prefix + s.name}' has ${data?.length} values, shape [${s.fileShape}] needs ${s.size}`);
      assertFinite(data, prefix + s.name);
      plan.push([s, data]);
    }
    for (const [s, data] of plan) fromFileOrientation(s, data, this.view(s));
    this.packedFresh = false;
  }

  // --------------------------------------------------------------------------- batches

  /** The activation region for (T, B); moving it forgets earlier input/state gradients. */
  private acts(T: number, B: number): ActPtrs {
    const { acts, moved } = this.arena.layoutActs(this.live, T, B);
    if (moved) this.haveInputGrad = this.haveStateGrad = false;
    return acts;
  }

  /** Fresh views of the arena's batch buffers for (T, B), for a batcher to fill in place:
   *  x (T, B, I), y (T, B, target width) floats or (T, B) labels, mask (T, B). */
  batchViews(T: number, B: number): BatchViews<Y> {
    checkDims(this.config, T, B);
    const a = this.acts(T, B), c = this.config, core = this.live, N = T * B;
    const views: BatchViews = {
      x: core.f32(a.x, N * c.inputSize),
      y: c.head.targetType === 'i32' ? core.i32(a.y, N) : core.f32(a.y, N * c.head.targetWidth),
      mask: core.f32(a.mask, N),
    };
    return views as BatchViews<Y>;
  }

  /** Copies a Batch into the arena after checking every shape and value; `targetsOptional`
   *  (forward only) lets batch.y be omitted, and `targets` says whether it was given. */
  private loadBatch(batch: Batch, targetsOptional = false): ActPtrs & { targets: boolean } {
    if (!batch || typeof batch !== 'object') throw new ShapeError('batch must be an object { T, B, x, y, mask? }');
    const v = this.batchViews(batch.T, batch.B);
    const { targets } = copyBatch(this.live, this.config, batch, v, { targetsOptional });
    this.pendingStates = checkStates(this.config, batch, batch.B);
    return { ...this.arena.acts!, targets };
  }

  /** Whether the head has a loss (not 'linear', not a model without a head). */
  get trainable(): boolean { return getHead(this.config.head.type).trainable !== false; }

  /** ConfigError before any work when the head has no loss. */
  private needLoss(): void {
    if (!this.trainable) throw noLossError(this.config.head.type);
  }

  /** Checks a batch a batcher already wrote into batchViews(T, B). */
  private checkInPlace(T: number, B: number): ActPtrs {
    checkDims(this.config, T, B);
    const a = this.arena.acts;
    if (!a || a.T !== T || a.B !== B) throw new ShapeError(`call batchViews(${T}, ${B}) and fill it before using the in-place batch`);
    checkViews(this.live, this.config, B, this.batchViews(T, B));
    this.pendingStates = {};
    return a;
  }

  // --------------------------------------------------------------------------- compute

  private pack(sigma: number): void {
    if (sigma === 0 && this.packedFresh) return;
    packWeights(this.live, this.config, this.arena, sigma);
    this.packedFresh = sigma === 0;
  }

  private forwardArena(a: ActPtrs): number {
    const states = this.pendingStates;
    this.pendingStates = {};
    return forward(this.live, this.config, this.arena, a, states);
  }

  private lossAndGradArena(a: ActPtrs, inputGrad: boolean, sigma: number, stateGrad = false): LossResult {
    this.pack(sigma);
    const frames = this.forwardArena(a);
    this.live.k.fill_f32(this.arena.grads, this.arena.layout.floats, 0);
    const loss = headLoss(this.live, this.config, a, true);
    backward(this.live, this.config, this.arena, a, inputGrad, stateGrad);
    this.haveInputGrad = inputGrad;
    this.haveStateGrad = stateGrad;
    return { loss, frames };
  }

  private evaluateArena(a: ActPtrs, slots?: SlotLosses, sigma = 0): LossResult {
    this.pack(sigma);
    const frames = this.forwardArena(a);
    if (slots) this.slotLosses(a, slots);
    return { loss: headLoss(this.live, this.config, a, false), frames };
  }

  /** Per batch slot b: the summed loss and frames of its rows (t·B + b), by scoring the logits
   *  once per slot with the mask narrowed to that slot (the head skips rows whose mask is 0). */
  private slotLosses(a: ActPtrs, out: SlotLosses): void {
    const { T, B } = a;
    if (!(out.loss instanceof Float64Array) || !(out.frames instanceof Float64Array) || out.loss.length < B || out.frames.length < B) {
      throw new ShapeError(`slot losses need two Float64Arrays of at least B = ${B} values`);
    }
    const mask = this.live.f32(a.mask, T * B), saved = Float32Array.from(mask);
    try {
      for (let b = 0; b < B; b++) {
        mask.fill(0);
        let frames = 0;
        for (let t = 0; t < T; t++) { const i = t * B + b; mask[i] = saved[i]; frames += saved[i]; }
        out.frames[b] = frames;
        out.loss[b] = frames > 0 ? headLoss(this.live, this.config, a, false) : 0;
      }
    } finally {
      this.live.f32(a.mask, T * B).set(saved);
    }
  }

  /** Loss (summed over unmasked frames) and gradients of every parameter, no weight noise.
   *  Also the initial-state gradients (getStateGrad) unless `stateGrad: false`, and the
   *  input gradient (getInputGrad) if `inputGrad: true`. */
  lossAndGrad(batch: Batch, opts: { inputGrad?: boolean; stateGrad?: boolean } = {}): LossResult {
    this.needLoss();
    return this.lossAndGradArena(this.loadBatch(batch), !!opts.inputGrad, 0, opts.stateGrad ?? true);
  }

  /** Like lossAndGrad for a batch a batcher already wrote into `batchViews(T, B)`. */
  lossAndGradInPlace(T: number, B: number, opts: { inputGrad?: boolean; stateGrad?: boolean } = {}): LossResult {
    this.needLoss();
    return this.lossAndGradArena(this.checkInPlace(T, B), !!opts.inputGrad, 0, opts.stateGrad ?? true);
  }

  /** ∂loss/∂x (T, B, I) of the last lossAndGrad(…, { inputGrad: true }). */
  getInputGrad(): Float32Array {
    const a = this.arena.acts;
    if (!a || !this.haveInputGrad) throw new ShapeError('no input gradient: call lossAndGrad(batch, { inputGrad: true }) first');
    return this.live.f32(a.dx0, a.T * a.B * this.config.inputSize).slice();
  }

  /** ∂loss/∂h0 (and ∂loss/∂c0 for the LSTM) of a layer, (B, H), after lossAndGrad. */
  getStateGrad(layer: number): { dh0: Float32Array; dc0?: Float32Array } {
    const a = this.arena.acts, c = this.config;
    if (!a || !this.haveStateGrad) throw new ShapeError('no state gradient: call lossAndGrad first (trainStep does not compute it)');
    if (!Number.isInteger(layer) || layer < 0 || layer >= c.layers) throw new ShapeError(`layer ${layer} is not in 0..${c.layers - 1}`);
    const n = a.B * c.hiddenSize;
    const dh0 = this.live.f32(a.dh0[layer], n).slice();
    return c.unit === 'lstm' ? { dh0, dc0: this.live.f32(a.dc0[layer], n).slice() } : { dh0 };
  }

  /** Forward only: summed loss (NaN when batch.y is omitted or the head has no loss) and the
   *  head's output distribution (T, B, O); with options also the top layer's hidden states,
   *  the logits and each layer's final states (for comparing with PyTorch's output, h_n, c_n). */
  forward(batch: Batch, opts: ForwardOptions = {}): ForwardResult {
    const a = this.loadBatch(batch, true), c = this.config, core = this.live;
    const N = a.T * a.B, O = c.head.outputs, BH = a.B * c.hiddenSize;
    let r: LossResult;
    if (a.targets && this.trainable) r = this.evaluateArena(a);
    else { this.pack(0); r = { loss: NaN, frames: this.forwardArena(a) }; }
    headOutputs(core, c, a);
    const out: ForwardResult = { ...r, outputs: core.f32(a.probs, N * O).slice() };
    if (opts.hidden) out.hidden = core.f32(a.hs[c.layers - 1] + BH * 4, N * c.hiddenSize).slice();
    if (opts.logits) out.logits = core.f32(a.z, N * O).slice();
    if (opts.finalStates) {
      const last = (p: number) => core.f32(p + a.T * BH * 4, BH).slice(); // step T of (T+1, B, H)
      out.finalStates = { h: a.hs.map(last) };
      if (c.unit === 'lstm') out.finalStates.c = a.saved.map(last); // saved begins with cs (T+1, B, H)
    }
    return out;
  }

  /** Summed loss (no gradients) of a batch already in `batchViews(T, B)`, on clean weights
   *  unless `weightNoise` σ > 0 (a draw from the training noise stream, which it advances);
   *  with `slots`, also each slot's summed loss and frames (for per-sequence averages). */
  evaluateInPlace(T: number, B: number, slots?: SlotLosses, weightNoise = 0): LossResult {
    this.needLoss();
    const a = this.checkInPlace(T, B);
    checkNoise(weightNoise);
    return this.evaluateArena(a, slots, weightNoise);
  }

  // --------------------------------------------------------------------------- training

  /** Chooses the optimizer and resets its state. */
  setOptimizer(cfg: OptimizerConfig): void {
    this.needLoss();
    this.optimizer = resolveOptimizer(cfg);
    for (const p of this.arena.opt) this.live.k.fill_f32(p, this.arena.layout.floats, 0);
    this.step = 0;
  }

  get optimizerConfig(): ResolvedOptimizer | null { return this.optimizer; }

  /** One update: loss and gradients (with weight noise if asked), optional global-norm
   *  clipping, then the optimizer step. Parameters are left untouched if the loss or the
   *  gradient is not finite (a DivergedError, a kind of ValueError, says so). */
  trainStep(batch: Batch, opts: TrainOptions = {}): TrainResult {
    this.checkTrainOptions(opts);
    return this.trainArena(this.loadBatch(batch), opts);
  }

  /** trainStep for a batch a batcher already wrote into `batchViews(T, B)`. */
  trainStepInPlace(T: number, B: number, opts: TrainOptions = {}): TrainResult {
    this.checkTrainOptions(opts);
    return this.trainArena(this.checkInPlace(T, B), opts);
  }

  private checkTrainOptions(opts: TrainOptions): void {
    if (!this.optimizer) throw new ConfigError('no optimizer: call setOptimizer({ type, lr, … }) before trainStep');
    checkClip(opts.clipNorm);
    checkNoise(opts.weightNoise);
    if (opts.clipMode !== undefined && opts.clipMode !== 'gradient' && opts.clipMode !== 'step') throw new ConfigError(`clipMode must be 'gradient' or 'step', got ${JSON.stringify(opts.clipMode)}`);
  }

  private trainArena(a: ActPtrs, opts: TrainOptions): TrainResult {
    const r = this.lossAndGradArena(a, false, opts.weightNoise ?? 0);
    return { ...r, gradNorm: this.applyArenaGradients(r.loss, opts.clipNorm, opts.clipMode) };
  }

  /** Clip and optimizer step from the gradients in the arena; returns the norm before clipping. */
  private applyArenaGradients(loss: number, clipNorm: number | undefined, clipMode?: 'gradient' | 'step'): number {
    const a = this.arena;
    const norm = applyUpdate(this.live, { params: a.params, grads: a.grads, opt: a.opt, n: a.layout.floats }, this.optimizer!, this.step + 1, loss, clipNorm, clipMode);
    this.step++;
    this.packedFresh = false;
    return norm;
  }

  // ----------------------------------------------------- data-parallel training support

  /** Floats in the parameter (and gradient) arena, padding included. */
  get arenaFloats(): number { return this.arena.layout.floats; }

  /** A copy of the whole gradient arena (same layout as snapshotParams). */
  snapshotGrads(): Float32Array { return this.live.f32(this.arena.grads, this.arenaFloats).slice(); }

  /** Like lossAndGradInPlace, with weight noise σ drawn from this model's own RNG stream
   *  (replicas seeded alike draw the same noise). */
  lossAndGradNoisyInPlace(T: number, B: number, weightNoise: number): LossResult {
    const a = this.checkInPlace(T, B);
    checkNoise(weightNoise ?? NaN);
    return this.lossAndGradArena(a, false, weightNoise);
  }

  /** An optimizer step from gradients computed elsewhere (e.g. summed over worker replicas):
   *  `grads` has the arena layout of snapshotGrads(); `loss` is their summed loss. */
  applyGradients(grads: Float32Array, loss: number, opts: { clipNorm?: number; clipMode?: 'gradient' | 'step' } = {}): number {
    if (!this.optimizer) throw new ConfigError('no optimizer: call setOptimizer({ type, lr, … }) first');
    if (!(grads instanceof Float32Array) || grads.length !== this.arenaFloats) {
      throw new ShapeError(`gradients must be a Float32Array of ${this.arenaFloats} values (snapshotGrads layout)`);
    }
    checkClip(opts.clipNorm);
    this.live.f32(this.arena.grads, this.arenaFloats).set(grads);
    return this.applyArenaGradients(loss, opts.clipNorm, opts.clipMode);
  }

  /** The weight-noise RNG state (4 u32), so replicas can be put in step. */
  getNoiseState(): Uint32Array { return Uint32Array.from(this.live.u32(this.arena.rng, 4)); }
  setNoiseState(state: Uint32Array): void {
    if (!(state instanceof Uint32Array) || state.length !== 4 || state.every((w) => w === 0)) throw new ShapeError('noise state must be 4 u32 words, not all zero');
    this.live.u32(this.arena.rng, 4).set(state);
  }

  /** Changes the learning rate of the current optimizer (keeps its state), e.g. for decay. */
  setLearningRate(lr: number): void {
    if (!this.optimizer) throw new ConfigError('no optimizer: call setOptimizer first');
    if (!(lr > 0 && Number.isFinite(lr))) throw new ConfigError(`learning rate must be a positive number, got ${lr}`);
    this.optimizer = { ...this.optimizer, lr };
  }

  /** Updates applied since setOptimizer. */
  get updates(): number { return this.step; }

  /** The optimizer's state for a checkpoint: its update count and its three slots (arena
   *  layout, like snapshotParams). */
  getOptimizerState(): { step: number; slots: Float32Array[] } {
    return { step: this.step, slots: this.arena.opt.map((p) => this.live.f32(p, this.arenaFloats).slice()) };
  }

  /** Puts back getOptimizerState() of a model of the same config (after setOptimizer). */
  setOptimizerState(state: { step: number; slots: Float32Array[] }): void {
    if (!this.optimizer) throw new ConfigError('no optimizer: call setOptimizer first');
    if (!state || !Number.isInteger(state.step) || state.step < 0) throw new ShapeError('optimizer state: step must be a non-negative integer');
    if (!Array.isArray(state.slots) || state.slots.length !== this.arena.opt.length || state.slots.some((x) => !(x instanceof Float32Array) || x.length !== this.arenaFloats)) {
      throw new ShapeError(`optimizer state: expected ${this.arena.opt.length} Float32Arrays of ${this.arenaFloats} values`);
    }
    this.arena.opt.forEach((p, i) => this.live.f32(p, this.arenaFloats).set(state.slots[i]));
    this.step = state.step;
  }

  /** A copy of every parameter (arena layout), for keeping the best model during training. */
  snapshotParams(): Float32Array { return this.live.f32(this.arena.params, this.arenaFloats).slice(); }

  /** Copies every parameter (arena layout) into `dst` without allocating (what a data-parallel
   *  step publishes: a fresh 0.7 MB array per step cost milliseconds of allocation and GC). */
  copyParamsInto(dst: Float32Array): void {
    if (!(dst instanceof Float32Array) || dst.length !== this.arenaFloats) throw new ShapeError(`expected a Float32Array of ${this.arenaFloats} values`);
    dst.set(this.live.f32(this.arena.params, this.arenaFloats));
  }

  /** Copies the gradient arena into `dst` without allocating (snapshotGrads' layout). */
  copyGradsInto(dst: Float32Array): void {
    if (!(dst instanceof Float32Array) || dst.length !== this.arenaFloats) throw new ShapeError(`expected a Float32Array of ${this.arenaFloats} values`);
    dst.set(this.live.f32(this.arena.grads, this.arenaFloats));
  }

  /** Puts back parameters from snapshotParams() of this model. */
  restoreParams(snapshot: Float32Array): void {
    if (!(snapshot instanceof Float32Array) || snapshot.length !== this.arenaFloats) {
      throw new ShapeError(`snapshot must be a Float32Array of ${this.arenaFloats} values from snapshotParams()`);
    }
    this.live.f32(this.arena.params, this.arenaFloats).set(snapshot);
    this.packedFresh = false;
  }

  // --------------------------------------------------------------------------- streaming

  /** Step-by-step stateful inference over B parallel streams (for sampling and streaming). */
  stream(B = 1): Stream { return new Stream(this, B); }

  /** Generates `frames` frames, each draw fed back as the next input (generate/sample.ts):
   *  seeded, optionally primed, at a temperature; piano-roll models also give the notes. */
  sample(opts: SampleOptions): SampleResult { this.needLoss(); return sampleModel(this, opts); }

  /** @internal one step for Stream: x (B, I) → distribution (B, O); states updated in place. */
  _streamStep(x: ArrayLike<number>, B: number, h: Float32Array[], c: Float32Array[]): Float32Array {
    const cfg = this.config, I = cfg.inputSize, O = cfg.head.outputs, BH = B * cfg.hiddenSize;
    if (!x || x.length !== B * I) throw new ShapeError(`stream step input must have B·I = ${B * I} values, got ${x?.length}`);
    assertFinite(x, 'stream step input');
    const v = this.batchViews(1, B), a = this.arena.acts!, core = this.live;
    v.x.set(x);
    v.mask.fill(1);
    this.pendingStates = { h0: h, c0: cfg.unit === 'lstm' ? c : undefined };
    this.pack(0);
    this.forwardArena(a);
    for (let l = 0; l < cfg.layers; l++) {
      h[l].set(core.f32(a.hs[l] + BH * 4, BH));
      if (cfg.unit === 'lstm') c[l].set(core.f32(a.saved[l] + BH * 4, BH)); // cs[1]
    }
    headOutputs(core, cfg, a);
    return core.f32(a.probs, B * O).slice();
  }

  // --------------------------------------------------------------------------- lifecycle

  /** Which WebAssembly build this model runs on (replicas should use the same one). */
  get build(): BuildKind { return this.live.build; }

  /** The config in the form model files store it. */
  publicConfig(): ModelConfig { return publicConfig(this.config); }

  /** Frees the WebAssembly instance; every later call throws DisposedError. */
  dispose(): void { this.core = null; }

  get disposed(): boolean { return this.core === null; }
}
