// One trial of the reproduction grid: one unit, one learning rate, one seed, trained with the
// paper's protocol by the one training loop (train/) and scored on the test set with the
// parameters of its best validation epoch. The same code runs in a worker thread (the
// reproduce command's worker) and in-process (--workers 0).
import { existsSync } from 'node:fs';
import { createModel, defaultBuild, loadCheckpoint, saveCheckpoint, saveModel } from '../node.js';
import { ConfigError, GatedRnnError } from '../errors.js';
import { Batcher } from '../data/batcher.js';
import { WaveBatcher } from '../data/speech.js';
import type { PianoRollDataset } from '../data/pianoroll.js';
import { trainAsync, evaluateNllScores, type EpochRecord, type CheckpointOptions, type TrainCheckpoint, type TrainConfig } from '../train/trainer.js';
import { checkFingerprint, runFingerprint } from '../train/checkpoint.js';
import type { OptimizerConfig } from '../optim/optimizer.js';
import type { ModelConfig, Unit } from '../model/types.js';
import type { Model } from '../model/model.js';
import type { BuildKind } from '../wasm.js';
import { musicModelConfig, speechModelConfig, paperUnit, unitsFor, SPEECH_SETUP } from './paper.js';

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
  /** 'speech': raw audio, 20 samples in, a mixture of 20 Gaussians over the next 10 (absent:
   *  piano-roll music, as every trial file written before speech existed). */
  task?: 'speech';
  /** Ablations (absent = the default): clip the optimizer's step instead of the gradient; weight
   *  noise also when evaluating (valid, train and test); U(−0.1, 0.1) recurrent matrices. */
  clipMode?: 'step';
  evalWeightNoise?: number;
  recurrentInit?: 'uniform';
  /** Beyond the paper (absent = the paper's): the LSTM's forget-gate bias at initialisation
   *  (0 otherwise); 'skip' a diverged update and go on instead of ending the trial. */
  forgetBias?: number;
  onDiverge?: 'skip';
  /** Weight noise decayed with the learning rate to this fraction of σ (absent = constant). */
  noiseDecayTo?: number;
  /** Music: score every k-th training sequence for each epoch's train curve (absent = 1: all of
   *  them); the reported train NLL is then scored on the whole training set once, with the
   *  best parameters. Evaluation is not training: this changes no parameter and no test number. */
  trainEvalEvery?: number;
}

/** The data of a speech trial: int16 utterances and the training split's normalisation. */
export interface SpeechTrialData {
  kind: 'speech';
  sampleRate: number;
  train: Int16Array[];
  valid: Int16Array[];
  test: Int16Array[];
  norm: { mean: number; std: number };
}

/** What a trial trains on: piano rolls or speech. */
export type TrialData = PianoRollDataset | SpeechTrialData;

export function isSpeechData(d: TrialData): d is SpeechTrialData {
  return (d as { kind?: unknown }).kind === 'speech';
}

/** Training utterances scored each epoch for the train curve of a speech trial: every 8th
 *  (300 of the 2,400 spoken digits), so that scoring costs an eighth of an epoch, not a whole. */
export const SPEECH_TRAIN_EVAL_EVERY = 8;

/** One epoch of a trial, as written to the trial files (the field order of the files). */
export interface TrialEpoch {
  epoch: number;
  trainNll: number;
  validNll: number;
  /** The same as the mean over sequences of each sequence's per-frame NLL (absent in trial
   *  files written before both conventions were recorded). */
  trainNllSeq?: number;
  validNllSeq?: number;
  /** Mean loss per frame of the epoch's updates (with weight noise). */
  trainLossNoisy: number;
  trainSeconds: number;
  /** Wall-clock seconds since the trial's training began (updates + evaluation). Measured from
   *  the start of the training loop; trial files written before it ran on train/ counted from
   *  the model's creation, a fraction of a second earlier. */
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
  /** NaN when no epoch finished. */
  bestValidNll: number;
  /** Train NLL (clean weights) at the best epoch. */
  trainNll: number;
  /** The train NLL as the mean over sequences of each sequence's per-frame NLL, scored on the
   *  whole training set when spec.trainEvalEvery > 1 (absent otherwise: then the best epoch's
   *  history entry has it). */
  trainNllSeq?: number;
  /** Test NLL with the best parameters. */
  testNll: number;
  /** The test NLL as the mean over sequences of each sequence's per-frame NLL (absent in older files). */
  testNllSeq?: number;
  stopped: 'epochs' | 'patience' | 'time' | 'diverged';
  /** The divergence message when stopped = 'diverged'. */
  error?: string;
  /** Diverged updates left out (spec.onDiverge 'skip'; absent when none). */
  skipped?: number;
  /** Wall-clock seconds of the whole trial (model creation to test score); of the resumed part
   *  only when the trial was resumed. */
  seconds: number;
  /** The trial was killed and resumed from its checkpoint written after this many epochs
   *  (absent when it ran in one go). Its numbers are those of an uninterrupted run. */
  resumedAfterEpoch?: number;
  /** Successive halving: the trial went on from the last checkpoint of the shorter rung trial
   *  `trial` of the same draw, which had run its first `epochs` epochs (absent when it trained
   *  from the start). Its numbers are those of a run from the start; `seconds` counts only
   *  this trial's part. */
  continuedFrom?: { trial: string; epochs: number };
  build: BuildKind;
  startedAt: string;
  finishedAt: string;
  /** Predicted frames per split. */
  frames: { train: number; valid: number; test: number };
  /** Speech: the normalisation of the data (the NLL's scale) and the sample rate. */
  data?: { sampleRate: number; mean: number; std: number; input: number; hop: number };
}

export interface TrialCallbacks {
  /** Once the data are batched: epochs at most, batches per epoch. */
  onStart?: (epochs: number, batchesPerEpoch: number) => void;
  onBatch?: (epoch: number, done: number, total: number) => void;
  onEpoch?: (e: TrialEpoch) => void;
  /** After the checkpoint of `epochs` finished epochs is on disk (opts.checkpointPath). */
  onCheckpoint?: (epochs: number) => void;
}

/** The model configuration of a trial (88 inputs, sigmoid output over 88 notes). A spec without
 *  the unit's form flags gets Table 1's. */
export function trialModelConfig(s: TrialSpec): ModelConfig {
  const paper = s.task === 'speech' ? unitsFor('speech').find((u) => u.unit === s.unit)! : paperUnit(s.unit);
  const form = { unit: s.unit, hiddenSize: s.hiddenSize, peepholes: s.peepholes ?? paper.peepholes, resetAfter: s.resetAfter ?? paper.resetAfter };
  const c = s.task === 'speech' ? speechModelConfig(form, s.seed) : musicModelConfig(form, s.seed);
  if (s.recurrentInit) c.recurrentInit = s.recurrentInit;
  return c;
}

type AnyTrialBatcher = Batcher | WaveBatcher;

/** The batchers of a trial: shuffled (maybe chunked) training batches; evaluation on whole
 *  sequences, longest first, from a zero state. */
function trialBatchers(spec: TrialSpec, data: TrialData): { train: AnyTrialBatcher; valid: AnyTrialBatcher; test: AnyTrialBatcher; trainEval: AnyTrialBatcher; trainFull?: AnyTrialBatcher } {
  const B = spec.batchSize;
  const trainOpts = { batchSize: B, seed: spec.seed, shuffle: true, sortBuckets: B > 1 ? spec.sortBuckets : 0, maxLength: spec.maxLength > 0 ? spec.maxLength : undefined };
  // Whole sequences sorted by length, longest first, two at a time for the music models: a batch
  // of 8 unsorted music sequences was mostly padding (1.6–3.1× the predicted frames), and at the
  // music sizes a frame costs no less in a batch of 8 than of 2 (docs/results/table2-speedup.md).
  // A sequence's score does not depend on its batch-mates or its slot, bit for bit
  // (tests/train-loop.test.ts). With evaluation noise on, each batch draws its own weights, so
  // the batching is part of the measurement and stays as it was (8 at a time, in given order).
  const noisy = !!spec.evalWeightNoise;
  const evalOpts = { batchSize: noisy ? Math.max(B, 8) : Math.max(B, 2), shuffle: false, sortBuckets: noisy ? 0 : Infinity };
  if (isSpeechData(data)) {
    const w = (waves: Int16Array[], o: typeof evalOpts | typeof trainOpts) => WaveBatcher.fromWaves(waves, data.norm, { ...o, input: SPEECH_SETUP.input, hop: SPEECH_SETUP.hop });
    return {
      train: w(data.train, trainOpts), valid: w(data.valid, evalOpts), test: w(data.test, evalOpts),
      trainEval: w(data.train.filter((_, i) => i % SPEECH_TRAIN_EVAL_EVERY === 0), evalOpts),
    };
  }
  const ev = (seqs: PianoRollDataset['train']) => Batcher.fromNotes(seqs, evalOpts);
  const k = spec.trainEvalEvery ?? 1;
  const every = { train: Batcher.fromNotes(data.train, trainOpts), valid: ev(data.valid), test: ev(data.test), trainEval: ev(data.train) };
  return k > 1 ? { ...every, trainEval: ev(data.train.filter((_, i) => i % k === 0)), trainFull: every.trainEval } : every;
}

/** A training loop record in the trial files' form. */
function trialEpoch(r: EpochRecord): TrialEpoch {
  return {
    epoch: r.epoch, trainNll: r.trainNll, validNll: r.validNll, trainNllSeq: r.trainNllSeq, validNllSeq: r.validNllSeq, trainLossNoisy: r.trainLossNoisy, trainSeconds: r.trainSeconds,
    elapsed: r.elapsed, trainSecondsTotal: r.trainSecondsTotal, lr: r.lr, best: r.best,
  };
}

/** Sets the forget-gate slice (gate order i, f, g, o) of every LSTM layer's input bias to b;
 *  the recurrent bias stays 0, so the gate's total bias is b. */
export function setForgetBias(model: Model, b: number): void {
  const c = model.config;
  if (c.unit !== 'lstm') throw new ConfigError(`forgetBias applies to the LSTM only, not ${c.unit}`);
  const H = c.hiddenSize, bias = new Float32Array(4 * H);
  bias.fill(b, H, 2 * H);
  for (let l = 0; l < c.layers; l++) model.setParam(`bias_ih_l${l}`, bias);
}

/** What decides a trial's numbers besides its TrainConfig: the spec (not its epoch cap or time
 *  limit, which a resumed trial may change) and the data's size. */
function trialKey(spec: TrialSpec, frames: TrialResult['frames']): Record<string, unknown> {
  const { epochs: _e, timeLimitSeconds: _t, ...rest } = spec;
  return { spec: rest, frames };
}

/** Where a trial may go on from instead of starting (successive halving): the checkpoint file
 *  a shorter trial of the same draw left after its last epoch, that trial's id and epochs. */
export interface TrialContinuation { path: string; trial: string; epochs: number; /** the shorter trial's spec (the queue finds its checkpoint by it) */ spec?: TrialSpec }

/** The checkpoint of a shorter run of the same draw as a resume point for this run, or
 *  undefined when it is not one: it must have run exactly `epochs` epochs and ended there by
 *  its cap (or by a patience this run's longer patience would not have reached), without a
 *  divergence, and differ from this run only in the trial's id and patience — which decide
 *  nothing before it ended (the learning-rate and noise schedules follow the epoch index,
 *  every batch plan (seed, epoch)). */
function continuation(ck: TrainCheckpoint, now: Record<string, unknown>, epochs: number): TrainCheckpoint | undefined {
  const st = ck.schedule;
  if (ck.epoch !== epochs || st.history.length !== epochs || st.error !== undefined) return undefined;
  const nowTrain = now.train as { patience: number }, nowSpec = (now.key as { spec: { id: string; patience: number } }).spec;
  const since = epochs - 1 - st.best.epoch;
  if (!(st.stopped === 'epochs' || (st.stopped === 'patience' && since < nowTrain.patience))) return undefined;
  const saved = JSON.parse(JSON.stringify(ck.fingerprint)) as typeof now;
  const savedTrain = saved.train as { patience?: number } | undefined, savedSpec = (saved.key as { spec?: { id?: string; patience?: number } } | undefined)?.spec;
  if (!savedTrain || !savedSpec || !((savedTrain.patience ?? Infinity) <= nowTrain.patience)) return undefined;
  savedTrain.patience = nowTrain.patience;
  savedSpec.id = nowSpec.id;
  savedSpec.patience = nowSpec.patience;
  try { checkFingerprint(saved, now); } catch { return undefined; } // another run's checkpoint
  const { stopped: _s, ...going } = st;
  return { ...ck, fingerprint: now, schedule: going };
}

/** Trains and scores one trial. Divergence ends the trial early with what it had (not an error).
 *  With `checkpointPath`, a checkpoint is written there after every epoch, and a trial whose
 *  checkpoint is already there (it was killed) resumes from it bit-identically; without one
 *  there, `continueFrom` names a shorter trial's last checkpoint to go on from (it is used
 *  only if it is a true prefix of this trial, else the trial starts from scratch). */
export async function runTrial(spec: TrialSpec, data: TrialData, build: BuildKind | undefined, cb: TrialCallbacks = {}, opts: { modelPath?: string; checkpointPath?: string; continueFrom?: TrialContinuation } = {}): Promise<TrialResult> {
  const startedAt = new Date();
  const t0 = performance.now();
  if ((spec.task === 'speech') !== isSpeechData(data)) throw new ConfigError(`trial ${spec.id}: a ${spec.task ?? 'music'} trial was given ${isSpeechData(data) ? 'speech' : 'piano-roll'} data`);
  const { train: trainB, valid: validB, test: testB, trainEval: trainEvalB, trainFull: trainFullB } = trialBatchers(spec, data);
  const kind = build ?? defaultBuild();
  const model = await createModel(trialModelConfig(spec), { build: kind });
  try {
    if (spec.forgetBias !== undefined) setForgetBias(model, spec.forgetBias);
    cb.onStart?.(spec.epochs, trainB.batchesPerEpoch);
    const frames = { train: trainB.predictedFrames, valid: validB.predictedFrames, test: testB.predictedFrames };
    let epoch = 0;
    // A diverged update (non-finite loss or gradient) ends this learning rate's trial with the
    // best parameters so far: a result of the grid (stopped: 'diverged'), not a failure.
    const cfg: TrainConfig = {
      epochs: spec.epochs, patience: spec.patience, optimizer: spec.optimizer,
      clipNorm: spec.clipNorm > 0 ? spec.clipNorm : undefined, weightNoise: spec.weightNoise,
      lrDecayEpochs: spec.lrDecayEpochs, lrDecayTo: spec.lrDecayTo, noiseDecayTo: spec.noiseDecayTo,
      timeLimitSeconds: spec.timeLimitSeconds > 0 ? spec.timeLimitSeconds : undefined,
      onDiverge: spec.onDiverge ?? 'stop', perSequence: true, clipMode: spec.clipMode, evalWeightNoise: spec.evalWeightNoise,
      onBatch: (done, total) => cb.onBatch?.(epoch, done, total),
      onEpoch: (r) => { epoch = r.epoch + 1; cb.onEpoch?.(trialEpoch(r)); },
    };
    let continued: TrialResult['continuedFrom'];
    const at = opts.checkpointPath;
    if (at !== undefined) {
      const key = trialKey(spec, frames);
      let resume = existsSync(at) ? (await loadCheckpoint(at)).checkpoint : undefined;
      const from = opts.continueFrom;
      if (!resume && from && existsSync(from.path)) {
        // a file that does not parse is no resume point either: the trial then starts from scratch
        const shorter = await loadCheckpoint(from.path).then((c) => c.checkpoint, () => undefined);
        resume = shorter && continuation(shorter, runFingerprint(model, cfg, key), from.epochs);
        if (resume) continued = { trial: from.trial, epochs: from.epochs };
      }
      cfg.checkpoint = { key, save: async (c) => { await saveCheckpoint(at, model, c); cb.onCheckpoint?.(c.epoch); }, ...(resume ? { resume } : {}) };
    }
    const checkpoint = cfg.checkpoint;
    epoch = checkpoint?.resume?.epoch ?? 0;
    const s = await trainAsync(model, { train: trainB, valid: validB, trainEval: trainEvalB }, cfg);
    const history = s.history.map(trialEpoch);
    const best = s.bestEpoch >= 0 ? history[s.bestEpoch] : undefined;
    const none = { pooled: NaN, perSequence: NaN };
    const test = best ? evaluateNllScores(model, testB, { weightNoise: spec.evalWeightNoise }) : none;
    // the curve scored a subset of the training set: the whole of it, once, with the best parameters
    const full = best && trainFullB ? evaluateNllScores(model, trainFullB, { weightNoise: spec.evalWeightNoise }) : undefined;
    const result: TrialResult = {
      spec, recurrentParams: model.recurrentParamCount(), history, bestEpoch: s.bestEpoch,
      bestValidNll: best ? s.bestValidNll : NaN,
      trainNll: full ? full.pooled : best ? best.trainNll : NaN,
      ...(full ? { trainNllSeq: full.perSequence } : {}),
      testNll: test.pooled, testNllSeq: test.perSequence,
      stopped: s.stopped, error: s.error, ...(s.skipped ? { skipped: s.skipped } : {}), seconds: (performance.now() - t0) / 1000,
      ...(continued ? { continuedFrom: continued } : checkpoint?.resume ? { resumedAfterEpoch: checkpoint.resume.epoch } : {}),
      build: kind, startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(),
      frames,
    };
    if (isSpeechData(data)) {
      result.data = { sampleRate: data.sampleRate, ...data.norm, input: SPEECH_SETUP.input, hop: SPEECH_SETUP.hop };
      model.data = { kind: 'speech', ...result.data };
    } else model.data = { kind: 'pianoroll', dataset: spec.dataset }; // eval and sample find the data set
    // the best-validation parameters, with how the data were prepared (for eval and sample)
    if (opts.modelPath !== undefined && best) await saveModel(model, opts.modelPath);
    return result;
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
