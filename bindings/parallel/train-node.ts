// `train` with every update and every evaluation batch split over threads by a
// ParallelTrainer: the one loop of bindings/train/loop.ts, driven asynchronously because the
// main thread awaits its workers. Same TrainConfig, same records, same result up to float
// rounding.
import { ConfigError } from '../errors.js';
import type { Model } from '../model/model.js';
import { nllSteps, runAsync, trainSteps, type AnyBatcher, type TrainData } from '../train/loop.js';
import type { TrainConfig, TrainSummary } from '../train/schedule.js';
import { ParallelTrainer, type ParallelOptions } from './parallel-node.js';

export interface ParallelTrainConfig extends TrainConfig {
  /** Threads (a number, see ParallelOptions.threads) or a running ParallelTrainer of this
   *  model, which is left running; otherwise one is started and disposed on return. */
  parallel?: number | ParallelTrainer;
  /** Options for the ParallelTrainer started here. */
  parallelOptions?: Omit<ParallelOptions, 'threads'>;
}

/** Mean NLL per predicted frame (nats) on every item of the batcher, batches split over threads. */
export function evaluateNllParallel(pt: ParallelTrainer, batcher: AnyBatcher): Promise<number> {
  return runAsync(nllSteps(pt, batcher));
}

/** `train` over threads: early stopping on the validation NLL; on return the model holds the
 *  parameters of the best epoch. */
export async function trainParallel(model: Model, data: TrainData, cfg: ParallelTrainConfig): Promise<TrainSummary> {
  const given = cfg.parallel instanceof ParallelTrainer ? cfg.parallel : null;
  if (given && given.model !== model) throw new ConfigError('cfg.parallel is a ParallelTrainer of another model');
  const pt = given ?? await ParallelTrainer.create(model, { ...cfg.parallelOptions, threads: cfg.parallel as number | undefined });
  try {
    return await runAsync(trainSteps(model, pt, data, cfg));
  } finally {
    if (!given) await pt.dispose();
  }
}
