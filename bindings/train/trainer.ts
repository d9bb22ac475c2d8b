// Training and evaluation on one thread: the one loop of loop.ts driven synchronously, with the
// model itself as the target. The data-parallel twin is bindings/parallel/train-node.ts.
// Platform-neutral.
import type { Model } from '../model/model.js';
import { nllScoreSteps, nllSteps, runAsync, runSync, trainSteps, type AnyBatcher, type NllScores, type TrainData } from './loop.js';
import type { TrainConfig, TrainSummary } from './schedule.js';

export { TrainSchedule, type TrainConfig, type EpochRecord, type TrainSummary, type ScheduleState } from './schedule.js';
export { checkpointToSafetensors, parseCheckpoint, CHECKPOINT_FORMAT, type TrainCheckpoint, type CheckpointOptions } from './checkpoint.js';
export type { TrainData, TrainTarget, AnyBatcher, NllScores } from './loop.js';

/** Mean NLL per predicted frame (nats) of the model on every item of the batcher. Throws
 *  EmptyError when the batcher has no predicted frames. */
export function evaluateNll(model: Model, batcher: AnyBatcher): number {
  return runSync(nllSteps(model, batcher));
}

/** Both averages of the NLL on every item of the batcher: pooled over frames, and the mean over
 *  sequences of each sequence's per-frame NLL. */
export function evaluateNllScores(model: Model, batcher: AnyBatcher, opts: { weightNoise?: number } = {}): NllScores {
  return runSync(nllScoreSteps(model, batcher, true, opts.weightNoise ?? 0));
}

/** Trains with early stopping; on return the model holds the parameters of the best epoch.
 *  A checkpoint `save` callback here must be synchronous (trainAsync awaits one). */
export function train(model: Model, data: TrainData, cfg: TrainConfig): TrainSummary {
  return runSync(trainSteps(model, model, data, cfg));
}

/** `train` on this thread, awaiting what the loop's callbacks return (a checkpoint's write):
 *  the same steps and numbers. */
export function trainAsync(model: Model, data: TrainData, cfg: TrainConfig): Promise<TrainSummary> {
  return runAsync(trainSteps(model, model, data, cfg));
}
