// The training loop shared by the demo, `train` and `reproduce`: epochs of shuffled batches
// written straight into the model's arena, evaluation on clean weights, early stopping on the
// validation NLL, and the best parameters kept. Platform-neutral.
import { ConfigError } from '../errors.js';
import type { Model } from '../model/model.js';
import type { OptimizerConfig } from '../optim/optimizer.js';
import type { Batcher, CategoricalBatcher, BatchPlan } from '../data/batcher.js';

type AnyBatcher = Batcher | CategoricalBatcher;

export interface TrainConfig {
  /** Most epochs (default 100). */
  epochs?: number;
  optimizer: OptimizerConfig;
  /** Rescale the gradient to this L2 norm when larger (paper: 1). */
  clipNorm?: number;
  /** σ of the weight noise during training (paper: 0.075). */
  weightNoise?: number;
  /** Stop after this many epochs without a better validation NLL (default 10). */
  patience?: number;
  /** Linear decay of the learning rate to `lrDecayTo`·lr over `lrDecayEpochs` (paper code: to 1% over 500). */
  lrDecayEpochs?: number;
  lrDecayTo?: number;
  /** Stop when the training time exceeds this many seconds (checked after each epoch). */
  timeLimitSeconds?: number;
  /** Also evaluate the training set on clean weights each epoch (default true). */
  evalTrain?: boolean;
  /** Called after every epoch. */
  onEpoch?: (r: EpochRecord) => void;
  /** Called after every batch with (batches done in this epoch, batches in the epoch). */
  onBatch?: (done: number, total: number) => void;
  /** Time source in milliseconds (default performance.now). */
  now?: () => number;
}

export interface EpochRecord {
  epoch: number;
  /** Mean NLL per predicted frame (nats) on the training set, clean weights (NaN if evalTrain is off). */
  trainNll: number;
  /** Mean training loss per frame during the epoch (with weight noise). */
  trainLossNoisy: number;
  validNll: number;
  /** Seconds spent in training updates this epoch. */
  trainSeconds: number;
  /** Seconds since training started, evaluation included. */
  elapsed: number;
  lr: number;
  best: boolean;
}

export interface TrainSummary {
  history: EpochRecord[];
  bestEpoch: number;
  bestValidNll: number;
  /** Why training stopped. */
  stopped: 'epochs' | 'patience' | 'time';
  seconds: number;
}

function positive(v: number | undefined, def: number, what: string, integer = false): number {
  const x = v ?? def;
  if (typeof x !== 'number' || !(x > 0) || (integer && !Number.isInteger(x))) throw new ConfigError(`${what} must be a positive ${integer ? 'integer' : 'number'}, got ${v}`);
  return x;
}

function fillAndRun<R>(model: Model, batcher: AnyBatcher, plan: BatchPlan, run: () => R): R {
  const v = model.batchViews(plan.T, plan.B);
  (batcher as Batcher).fill(plan, v as { x: Float32Array; y: Float32Array; mask: Float32Array });
  return run();
}

/** Mean NLL per predicted frame (nats) of the model on every item of the batcher. */
export function evaluateNll(model: Model, batcher: AnyBatcher): number {
  let loss = 0, frames = 0;
  for (const plan of batcher.epoch(0)) {
    const r = fillAndRun(model, batcher, plan, () => model.evaluateInPlace(plan.T, plan.B));
    loss += r.loss;
    frames += r.frames;
  }
  return loss / frames;
}

/** The epoch-level bookkeeping every training loop shares (this one and the data-parallel
 *  one in bindings/parallel): the learning-rate schedule, early stopping on the validation NLL,
 *  the best parameters, the time limit and the records. The loops only run the batches. */
export class TrainSchedule {
  readonly epochs: number;
  readonly updateOptions: { clipNorm?: number; weightNoise?: number };
  private readonly patience: number;
  private readonly now: () => number;
  private readonly timeLimit: number;
  private readonly history: EpochRecord[] = [];
  private best: { epoch: number; nll: number; params: Float32Array };
  private stopped: TrainSummary['stopped'] = 'epochs';
  private trainTime = 0;
  private readonly t0: number;
  private epochStart = 0;
  private lr = 0;

  constructor(private readonly model: Model, private readonly cfg: TrainConfig) {
    this.epochs = positive(cfg.epochs, 100, 'epochs', true);
    this.patience = positive(cfg.patience, 10, 'patience', true);
    this.now = cfg.now ?? (() => performance.now());
    this.timeLimit = cfg.timeLimitSeconds ?? Infinity;
    this.updateOptions = { clipNorm: cfg.clipNorm, weightNoise: cfg.weightNoise };
    model.setOptimizer(cfg.optimizer);
    this.best = { epoch: -1, nll: Infinity, params: model.snapshotParams() };
    this.t0 = this.now();
  }

  /** Sets epoch e's learning rate (linear decay if asked) and starts its clock. */
  beginEpoch(e: number): void {
    const { lrDecayEpochs = 0, lrDecayTo = 0.01 } = this.cfg, lr0 = this.cfg.optimizer.lr;
    this.lr = lrDecayEpochs > 0 ? lr0 * (1 - (1 - lrDecayTo) * Math.min(1, e / lrDecayEpochs)) : lr0;
    this.model.setLearningRate(this.lr);
    this.epochStart = this.now();
  }

  /** Seconds of training updates in the epoch so far (call before evaluating). */
  endUpdates(): number {
    const seconds = (this.now() - this.epochStart) / 1000;
    this.trainTime += seconds;
    return seconds;
  }

  /** Records epoch e; returns true when training should stop. */
  endEpoch(e: number, r: { loss: number; frames: number; seconds: number; validNll: number; trainNll: number }): boolean {
    const isBest = r.validNll < this.best.nll;
    if (isBest) this.best = { epoch: e, nll: r.validNll, params: this.model.snapshotParams() };
    const rec: EpochRecord = {
      epoch: e, trainNll: r.trainNll, trainLossNoisy: r.loss / r.frames, validNll: r.validNll,
      trainSeconds: r.seconds, elapsed: (this.now() - this.t0) / 1000, lr: this.lr, best: isBest,
    };
    this.history.push(rec);
    this.cfg.onEpoch?.(rec);
    if (e - this.best.epoch >= this.patience) { this.stopped = 'patience'; return true; }
    if (this.trainTime >= this.timeLimit) { this.stopped = 'time'; return true; }
    return false;
  }

  /** Puts back the best parameters and summarises the run. */
  finish(): TrainSummary {
    this.model.restoreParams(this.best.params);
    return { history: this.history, bestEpoch: this.best.epoch, bestValidNll: this.best.nll, stopped: this.stopped, seconds: (this.now() - this.t0) / 1000 };
  }
}

/** Trains with early stopping; on return the model holds the parameters of the best epoch. */
export function train(model: Model, data: { train: AnyBatcher; valid: AnyBatcher }, cfg: TrainConfig): TrainSummary {
  const s = new TrainSchedule(model, cfg);
  for (let e = 0; e < s.epochs; e++) {
    s.beginEpoch(e);
    const plans = data.train.epoch(e);
    let loss = 0, frames = 0;
    plans.forEach((plan, i) => {
      const r = fillAndRun(model, data.train, plan, () => model.trainStepInPlace(plan.T, plan.B, s.updateOptions));
      loss += r.loss;
      frames += r.frames;
      cfg.onBatch?.(i + 1, plans.length);
    });
    const seconds = s.endUpdates();
    const validNll = evaluateNll(model, data.valid);
    const trainNll = cfg.evalTrain === false ? NaN : evaluateNll(model, data.train);
    if (s.endEpoch(e, { loss, frames, seconds, validNll, trainNll })) break;
  }
  return s.finish();
}
