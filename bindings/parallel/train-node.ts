// The training loop of bindings/train/trainer.ts `train`, with every update and every
// evaluation batch split over threads by a ParallelTrainer. Same TrainConfig, same records,
// same result up to float rounding; asynchronous because the main thread awaits its workers.
import { ConfigError } from '../errors.js';
import type { Model } from '../model/model.js';
import type { Batcher, CategoricalBatcher, BatchPlan } from '../data/batcher.js';
import type { TrainConfig, TrainSummary, EpochRecord } from '../train/trainer.js';
import { ParallelTrainer, type ParallelOptions } from './parallel-node.js';

type AnyBatcher = Batcher | CategoricalBatcher;

export interface ParallelTrainConfig extends TrainConfig {
  /** Threads (a number, see ParallelOptions.threads) or a running ParallelTrainer of this
   *  model, which is left running; otherwise one is started and disposed on return. */
  parallel?: number | ParallelTrainer;
  /** Options for the ParallelTrainer started here. */
  parallelOptions?: Omit<ParallelOptions, 'threads'>;
}

function positive(v: number | undefined, def: number, what: string, integer = false): number {
  const x = v ?? def;
  if (typeof x !== 'number' || !(x > 0) || (integer && !Number.isInteger(x))) throw new ConfigError(`${what} must be a positive ${integer ? 'integer' : 'number'}, got ${v}`);
  return x;
}

function fill(pt: ParallelTrainer, batcher: AnyBatcher, plan: BatchPlan): void {
  (batcher as Batcher).fill(plan, pt.batchViews(plan.T, plan.B) as { x: Float32Array; y: Float32Array; mask: Float32Array });
}

/** Mean NLL per predicted frame (nats) on every item of the batcher, batches split over threads. */
export async function evaluateNllParallel(pt: ParallelTrainer, batcher: AnyBatcher): Promise<number> {
  let loss = 0, frames = 0;
  for (const plan of batcher.epoch(0)) {
    fill(pt, batcher, plan);
    const r = await pt.evaluateInPlace(plan.T, plan.B);
    loss += r.loss;
    frames += r.frames;
  }
  return loss / frames;
}

/** `train` over threads: early stopping on the validation NLL; on return the model holds the
 *  parameters of the best epoch. */
export async function trainParallel(model: Model, data: { train: AnyBatcher; valid: AnyBatcher }, cfg: ParallelTrainConfig): Promise<TrainSummary> {
  const epochs = positive(cfg.epochs, 100, 'epochs', true);
  const patience = positive(cfg.patience, 10, 'patience', true);
  const now = cfg.now ?? (() => performance.now());
  const timeLimit = cfg.timeLimitSeconds ?? Infinity;
  const decayEpochs = cfg.lrDecayEpochs ?? 0;
  const decayTo = cfg.lrDecayTo ?? 0.01;
  const given = cfg.parallel instanceof ParallelTrainer ? cfg.parallel : null;
  if (given && given.model !== model) throw new ConfigError('cfg.parallel is a ParallelTrainer of another model');
  model.setOptimizer(cfg.optimizer);
  const pt = given ?? await ParallelTrainer.create(model, { ...cfg.parallelOptions, threads: cfg.parallel as number | undefined });
  try {
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
      for (let i = 0; i < plans.length; i++) {
        fill(pt, data.train, plans[i]);
        const r = await pt.trainStepInPlace(plans[i].T, plans[i].B, opts);
        loss += r.loss;
        frames += r.frames;
        cfg.onBatch?.(i + 1, plans.length);
      }
      const seconds = (now() - ts) / 1000;
      trainTime += seconds;
      const validNll = await evaluateNllParallel(pt, data.valid);
      const trainNll = cfg.evalTrain === false ? NaN : await evaluateNllParallel(pt, data.train);
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
  } finally {
    if (!given) await pt.dispose();
  }
}
