// The training loop of bindings/train/trainer.ts `train`, with every update and every
// evaluation batch split over threads by a ParallelTrainer. Same TrainConfig, same records,
// same result up to float rounding; asynchronous because the main thread awaits its workers.
import { ConfigError } from '../errors.js';
import type { Model } from '../model/model.js';
import type { Batcher, CategoricalBatcher, BatchPlan } from '../data/batcher.js';
import { TrainSchedule, type TrainConfig, type TrainSummary } from '../train/trainer.js';
import { ParallelTrainer, type ParallelOptions } from './parallel-node.js';

type AnyBatcher = Batcher | CategoricalBatcher;

export interface ParallelTrainConfig extends TrainConfig {
  /** Threads (a number, see ParallelOptions.threads) or a running ParallelTrainer of this
   *  model, which is left running; otherwise one is started and disposed on return. */
  parallel?: number | ParallelTrainer;
  /** Options for the ParallelTrainer started here. */
  parallelOptions?: Omit<ParallelOptions, 'threads'>;
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
  const given = cfg.parallel instanceof ParallelTrainer ? cfg.parallel : null;
  if (given && given.model !== model) throw new ConfigError('cfg.parallel is a ParallelTrainer of another model');
  const s = new TrainSchedule(model, cfg);
  const pt = given ?? await ParallelTrainer.create(model, { ...cfg.parallelOptions, threads: cfg.parallel as number | undefined });
  try {
    for (let e = 0; e < s.epochs; e++) {
      s.beginEpoch(e);
      const plans = data.train.epoch(e);
      let loss = 0, frames = 0;
      for (let i = 0; i < plans.length; i++) {
        fill(pt, data.train, plans[i]);
        const r = await pt.trainStepInPlace(plans[i].T, plans[i].B, s.updateOptions);
        loss += r.loss;
        frames += r.frames;
        cfg.onBatch?.(i + 1, plans.length);
      }
      const seconds = s.endUpdates();
      const validNll = await evaluateNllParallel(pt, data.valid);
      const trainNll = cfg.evalTrain === false ? NaN : await evaluateNllParallel(pt, data.train);
      if (s.endEpoch(e, { loss, frames, seconds, validNll, trainNll })) break;
    }
    return s.finish();
  } finally {
    if (!given) await pt.dispose();
  }
}
