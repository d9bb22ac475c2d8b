// One trial of the reproduction grid: one unit, one learning rate, one seed, trained with the
// paper's protocol and scored on the test set with the parameters of its best validation
// epoch. Runs the same in a worker thread (reproduce-worker.ts) and in-process (--workers 0).
import { createModel, defaultBuild } from '../node.js';
import { GatedRnnError, ValueError } from '../errors.js';
import { Batcher } from '../data/batcher.js';
import { PIANO_UNITS, type PianoRollDataset } from '../data/pianoroll.js';
import { train, evaluateNll, type EpochRecord } from '../train/trainer.js';
import type { OptimizerConfig } from '../optim/optimizer.js';
import type { ModelConfig, Unit } from '../model/types.js';
import type { BuildKind } from '../wasm.js';

/** Everything that decides a trial's numbers. Two trials with equal specs give equal results. */
export interface TrialSpec {
  /** `<unit>-seed<seed>-trial<k>`, unique within a data set. */
  id: string;
  dataset: string;
  unit: Unit;
  /** Display name as in the paper's tables: tanh, GRU, LSTM. */
  unitName: string;
  hiddenSize: number;
  peepholes?: boolean;
  resetAfter?: boolean;
  /** Seed of the initialisation, the shuffles and the weight noise. */
  seed: number;
  /** Index of the learning-rate draw. */
  trial: number;
  lr: number;
  epochs: number;
  patience: number;
  batchSize: number;
  /** Sort items by length within buckets of this many batches (0 = off; only for B > 1). */
  sortBuckets: number;
  /** Longest predicted chunk of a sequence (0 = whole sequences). */
  maxLength: number;
  clipNorm: number;
  weightNoise: number;
  optimizer: OptimizerConfig;
  lrDecayEpochs: number;
  lrDecayTo: number;
  /** Stop a trial after this many seconds of training updates (0 = no limit). */
  timeLimitSeconds: number;
}

export interface TrialEpoch {
  epoch: number;
  trainNll: number;
  validNll: number;
  /** Mean loss per frame of the epoch's updates (with weight noise). */
  trainLossNoisy: number;
  trainSeconds: number;
  /** Wall-clock seconds since the trial's training began (updates + evaluation). */
  elapsed: number;
  /** Training seconds summed up to and including this epoch (the paper's x-axis in Fig. 3). */
  trainSecondsTotal: number;
  lr: number;
  best: boolean;
}

export interface TrialResult {
  spec: TrialSpec;
  recurrentParams: number;
  history: TrialEpoch[];
  /** Index into history of the best validation NLL (−1 if no epoch finished). */
  bestEpoch: number;
  bestValidNll: number;
  /** Train NLL (clean weights) at the best epoch. */
  trainNll: number;
  /** Test NLL with the best parameters. */
  testNll: number;
  stopped: 'epochs' | 'patience' | 'time' | 'diverged';
  /** The divergence message when stopped = 'diverged'. */
  error?: string;
  /** Wall-clock seconds of the whole trial (model creation to test score). */
  seconds: number;
  build: BuildKind;
  startedAt: string;
  finishedAt: string;
  /** Predicted frames per split. */
  frames: { train: number; valid: number; test: number };
}

export interface TrialCallbacks {
  /** Once the data are batched: epochs at most, batches per epoch. */
  onStart?: (epochs: number, batchesPerEpoch: number) => void;
  onBatch?: (epoch: number, done: number, total: number) => void;
  onEpoch?: (e: TrialEpoch) => void;
}

/** The model configuration of a trial (88 inputs, sigmoid output over 88 notes). */
export function trialModelConfig(s: TrialSpec): ModelConfig {
  const c: ModelConfig = { unit: s.unit, hiddenSize: s.hiddenSize, inputSize: PIANO_UNITS, head: { type: 'bernoulli', size: PIANO_UNITS }, seed: s.seed };
  if (s.unit === 'lstm') c.peepholes = s.peepholes ?? true;
  if (s.unit === 'gru') c.resetAfter = s.resetAfter ?? false;
  return c;
}

/** Trains and scores one trial. Divergence ends the trial early with what it had (not an error). */
export async function runTrial(spec: TrialSpec, data: PianoRollDataset, build: BuildKind | undefined, cb: TrialCallbacks = {}): Promise<TrialResult> {
  const startedAt = new Date();
  const t0 = performance.now();
  const B = spec.batchSize;
  const batcher = (seqs: PianoRollDataset['train'], shuffle: boolean) => Batcher.fromNotes(seqs, {
    batchSize: B, seed: spec.seed, shuffle,
    sortBuckets: shuffle && B > 1 ? spec.sortBuckets : 0,
    maxLength: spec.maxLength > 0 ? spec.maxLength : undefined,
  });
  // Evaluation never chunks: the score is on whole sequences from a zero state.
  const evalBatcher = (seqs: PianoRollDataset['train']) => Batcher.fromNotes(seqs, { batchSize: Math.max(B, 8), shuffle: false });
  const trainB = batcher(data.train, true);
  const validB = evalBatcher(data.valid), testB = evalBatcher(data.test), trainEvalB = evalBatcher(data.train);
  const kind = build ?? defaultBuild();
  const model = await createModel(trialModelConfig(spec), { build: kind });
  try {
    cb.onStart?.(spec.epochs, trainB.batchesPerEpoch);
    const history: TrialEpoch[] = [];
    let bestParams: Float32Array | null = null;
    let trainSecondsTotal = 0;
    let epoch = 0;
    let stopped: TrialResult['stopped'];
    let error: string | undefined;
    try {
      const s = train(model, { train: trainB, valid: validB }, {
        epochs: spec.epochs, patience: spec.patience, optimizer: spec.optimizer,
        clipNorm: spec.clipNorm > 0 ? spec.clipNorm : undefined, weightNoise: spec.weightNoise,
        lrDecayEpochs: spec.lrDecayEpochs, lrDecayTo: spec.lrDecayTo,
        timeLimitSeconds: spec.timeLimitSeconds > 0 ? spec.timeLimitSeconds : undefined,
        evalTrain: false, // scored below on whole sequences (the training batcher may chunk)
        onBatch: (done, total) => cb.onBatch?.(epoch, done, total),
        onEpoch: (r: EpochRecord) => {
          trainSecondsTotal += r.trainSeconds;
          const rec: TrialEpoch = {
            epoch: r.epoch, trainNll: evaluateNll(model, trainEvalB), validNll: r.validNll, trainLossNoisy: r.trainLossNoisy,
            trainSeconds: r.trainSeconds, elapsed: (performance.now() - t0) / 1000, trainSecondsTotal, lr: r.lr, best: r.best,
          };
          if (r.best) bestParams = model.snapshotParams();
          history.push(rec);
          epoch = r.epoch + 1;
          cb.onEpoch?.(rec);
        },
      });
      stopped = s.stopped;
    } catch (e) {
      // A diverged update (non-finite loss or gradient) ends this learning rate's trial: that
      // is a result of the grid, not a failure of the run.
      if (!(e instanceof ValueError) || !/diverged/.test(e.message)) throw e;
      stopped = 'diverged';
      error = e.message;
      if (bestParams) model.restoreParams(bestParams);
    }
    let bestEpoch = -1;
    history.forEach((h, i) => { if (bestEpoch < 0 || h.validNll < history[bestEpoch].validNll) bestEpoch = i; });
    const testNll = bestEpoch >= 0 ? evaluateNll(model, testB) : NaN;
    return {
      spec, recurrentParams: model.recurrentParamCount(), history, bestEpoch,
      bestValidNll: bestEpoch >= 0 ? history[bestEpoch].validNll : NaN,
      trainNll: bestEpoch >= 0 ? history[bestEpoch].trainNll : NaN,
      testNll, stopped, error, seconds: (performance.now() - t0) / 1000,
      build: kind, startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(),
      frames: { train: trainB.predictedFrames, valid: validB.predictedFrames, test: testB.predictedFrames },
    };
  } finally {
    model.dispose();
  }
}

/** A structured-clone-safe description of an error, so a worker can report it. */
export function errorInfo(e: unknown): { name: string; code?: string; message: string; stack?: string } {
  if (e instanceof GatedRnnError) return { name: e.name, code: e.code, message: e.message, stack: e.stack };
  if (e instanceof Error) return { name: e.name, message: e.message, stack: e.stack };
  return { name: 'Error', message: String(e) };
}
