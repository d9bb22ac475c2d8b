// The one training loop. It is written once, as a generator that yields every step's result
// (a value or a promise), and run by two drivers: `runSync` for a Model on this thread and
// `runAsync` for a ParallelTrainer whose steps await worker threads. Both see the same
// schedule, records and divergence handling. Platform-neutral.
import { DivergedError, EmptyError } from '../errors.js';
import type { Model } from '../model/model.js';
import type { LossResult, SlotLosses, TrainResult, TrainTarget } from '../model/types.js';
import type { Batcher, CategoricalBatcher, BatchPlan, FrameBatch } from '../data/batcher.js';
import type { WaveBatcher } from '../data/speech.js';
import { TrainSchedule, type TrainConfig, type TrainSummary } from './schedule.js';
import { applyCheckpoint, captureCheckpoint, checkFingerprint, runFingerprint } from './checkpoint.js';

/** The piano-roll, class and waveform batchers: each plans epochs and fills a batch's views. */
export type AnyBatcher = Batcher | CategoricalBatcher | WaveBatcher;
export type { TrainTarget };

/** A value now (one thread) or later (worker threads). */
export type MaybePromise<T> = T | Promise<T>;

/** A loop written once: it yields each step's result (value or promise) and is resumed with
 *  the settled value; a driver below runs it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Steps<R> = Generator<unknown, R, any>;

/** The data of a training run. `trainEval` scores the training set each epoch (default
 *  `train`; pass whole sequences here when `train` cuts them into chunks). */
export interface TrainData { train: AnyBatcher; valid: AnyBatcher; trainEval?: AnyBatcher }

function fill(target: TrainTarget, batcher: AnyBatcher, plan: BatchPlan): void {
  (batcher as Batcher).fill(plan, target.batchViews(plan.T, plan.B) as FrameBatch);
}

/** The two ways to average an NLL over a data set (docs/results/PROTOCOL.md "Conventions"):
 *  `pooled` = total NLL ÷ all predicted frames; `perSequence` = the mean over sequences of each
 *  sequence's own per-frame NLL (NaN when not asked for). */
export interface NllScores { pooled: number; perSequence: number }

/** Mean NLL per predicted frame over every item of the batcher (yields each batch's loss). */
export function* nllSteps(target: TrainTarget, batcher: AnyBatcher): Steps<number> {
  return (yield* nllScoreSteps(target, batcher, false)).pooled;
}

/** Both averages over every item of the batcher; the per-sequence one sums a sequence's chunks
 *  (items of one source sequence) before dividing. */
export function* nllScoreSteps(target: TrainTarget, batcher: AnyBatcher, perSequence: boolean, weightNoise = 0): Steps<NllScores> {
  let loss = 0, frames = 0;
  const seqLoss = new Map<number, number>(), seqFrames = new Map<number, number>();
  let slots: SlotLosses | undefined;
  for (const plan of batcher.epoch(0)) {
    fill(target, batcher, plan);
    if (perSequence && (!slots || slots.loss.length < plan.B)) slots = { loss: new Float64Array(plan.B), frames: new Float64Array(plan.B) };
    const r: LossResult = yield target.evaluateInPlace(plan.T, plan.B, perSequence ? slots : undefined, weightNoise);
    loss += r.loss;
    frames += r.frames;
    if (perSequence) {
      for (let b = 0; b < plan.items.length; b++) {
        const seq = batcher.itemSeq[plan.items[b]];
        seqLoss.set(seq, (seqLoss.get(seq) ?? 0) + slots!.loss[b]);
        seqFrames.set(seq, (seqFrames.get(seq) ?? 0) + slots!.frames[b]);
      }
    }
  }
  if (!(frames > 0)) throw new EmptyError('the data to evaluate have no predicted frames (an empty set, or every step masked)');
  // summed in sequence order, so the average does not depend on how the batches were formed
  let sum = 0, n = 0;
  for (const seq of [...seqFrames.keys()].sort((a, b) => a - b)) { const f = seqFrames.get(seq)!; if (f > 0) { sum += seqLoss.get(seq)! / f; n++; } }
  return { pooled: loss / frames, perSequence: perSequence ? sum / n : NaN };
}

/** Epochs of updates with early stopping; ends with the best parameters in the model. */
export function* trainSteps(model: Model, target: TrainTarget, data: TrainData, cfg: TrainConfig): Steps<TrainSummary> {
  const s = new TrainSchedule(model, cfg);
  const ck = cfg.checkpoint, fingerprint = ck?.save || ck?.resume ? runFingerprint(model, cfg, ck.key) : {};
  let first = 0;
  if (ck?.resume) {
    checkFingerprint(ck.resume.fingerprint, fingerprint);
    applyCheckpoint(model, ck.resume);
    if (s.restore(ck.resume.schedule)) return s.finish(); // that run had ended: only its summary is left
    first = ck.resume.epoch;
  }
  try {
    for (let e = first; e < s.epochs; e++) {
      s.beginEpoch(e);
      const plans = data.train.epoch(e);
      let loss = 0, frames = 0;
      for (let i = 0; i < plans.length; i++) {
        fill(target, data.train, plans[i]);
        let r: TrainResult;
        try {
          r = yield target.trainStepInPlace(plans[i].T, plans[i].B, s.updateOptions);
        } catch (err) {
          if (err instanceof DivergedError && s.skip()) { cfg.onBatch?.(i + 1, plans.length); continue; }
          throw err;
        }
        s.updated();
        loss += r.loss;
        frames += r.frames;
        cfg.onBatch?.(i + 1, plans.length);
      }
      const seconds = s.endUpdates();
      const ps = !!cfg.perSequence, none = { pooled: NaN, perSequence: NaN };
      const en = cfg.evalWeightNoise ?? 0;
      const valid: NllScores = yield* nllScoreSteps(target, data.valid, ps, en);
      const tr: NllScores = cfg.evalTrain === false ? none : yield* nllScoreSteps(target, data.trainEval ?? data.train, ps, en);
      const stop = s.endEpoch(e, { loss, frames, seconds, validNll: valid.pooled, trainNll: tr.pooled, validNllSeq: valid.perSequence, trainNllSeq: tr.perSequence });
      if (ck?.save) {
        const saved = ck.save(captureCheckpoint(model, s.state(), e + 1, fingerprint));
        if (isPromise(saved)) yield saved; // the async drivers wait for the write
      }
      if (stop) break;
    }
  } catch (e) {
    if (!(e instanceof DivergedError) || !s.diverged(e.message)) throw e;
  }
  return s.finish();
}

function isPromise(v: unknown): v is Promise<unknown> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}

/** Runs a loop whose every step is synchronous. */
export function runSync<R>(g: Steps<R>): R {
  let r = g.next();
  while (!r.done) {
    if (isPromise(r.value)) throw new TypeError('runSync: a training step returned a promise; use runAsync');
    r = g.next(r.value);
  }
  return r.value;
}

/** Runs a loop, awaiting the steps that return promises; a rejection is thrown into the loop. */
export async function runAsync<R>(g: Steps<R>): Promise<R> {
  let r = g.next();
  while (!r.done) {
    let v: unknown;
    try { v = await r.value; } catch (e) { r = g.throw(e); continue; }
    r = g.next(v);
  }
  return r.value;
}
