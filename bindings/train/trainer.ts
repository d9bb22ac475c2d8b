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

/** Trains with early stopping; on return the model holds the parameters of the best epoch. */
export function train(model: Model, data: { train: AnyBatcher; valid: AnyBatcher }, cfg: TrainConfig): TrainSummary {
  const epochs = positive(cfg.epochs, 100, 'epochs', true);
  const patience = positive(cfg.patience, 10, 'patience', true);
  const now = cfg.now ?? (() => performance.now());
  const timeLimit = cfg.timeLimitSeconds ?? Infinity;
  const decayEpochs = cfg.lrDecayEpochs ?? 0;
  const decayTo = cfg.lrDecayTo ?? 0.01;
  model.setOptimizer(cfg.optimizer);
  const lr0 = cfg.optimizer.lr;
  const opts = { clipNorm: cfg.clipNorm, weightNoise: cfg.weightNoise };
  const history: EpochRecord[] = [];
  let best = { epoch: -1, nll: Infinity, params: model.snapshotParams() };
  let stopped: TrainSummary['stopped'] = 'epochs';
  let trainTime = 0;
  const t0 = now();
  for (let e = 0; e < epochs; e++) {
    const lr = decayEpochs > 0 ? lr0 * (1 - (1 - decayTo) * Math.min(1, e / decayEpochs)) : lr0;
    model.setLearningRate(lr);
    const plans = data.train.epoch(e);
    let loss = 0, frames = 0;
    const ts = now();
    plans.forEach((plan, i) => {
      const r = fillAndRun(model, data.train, plan, () => model.trainStepInPlace(plan.T, plan.B, opts));
      loss += r.loss;
      frames += r.frames;
      cfg.onBatch?.(i + 1, plans.length);
    });
    const seconds = (now() - ts) / 1000;
    trainTime += seconds;
    const validNll = evaluateNll(model, data.valid);
    const trainNll = cfg.evalTrain === false ? NaN : evaluateNll(model, data.train);
    const isBest = validNll < best.nll;
    if (isBest) best = { epoch: e, nll: validNll, params: model.snapshotParams() };
    const rec: EpochRecord = { epoch: e, trainNll, trainLossNoisy: loss / frames, validNll, trainSeconds: seconds, elapsed: (now() - t0) / 1000, lr, best: isBest };
    history.push(rec);
    cfg.onEpoch?.(rec);
    if (e - best.epoch >= patience) { stopped = 'patience'; break; }
    if (trainTime >= timeLimit) { stopped = 'time'; break; }
  }
  model.restoreParams(best.params);
  return { history, bestEpoch: best.epoch, bestValidNll: best.nll, stopped, seconds: (now() - t0) / 1000 };
}
