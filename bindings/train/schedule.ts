// The epoch-level bookkeeping of training: the learning-rate schedule, early stopping on the
// validation NLL, the best parameters, the time limit and the records. The loop (loop.ts) only
// runs the batches. Platform-neutral.
import { ConfigError, DivergedError } from '../errors.js';
import type { Model } from '../model/model.js';
import type { OptimizerConfig } from '../optim/optimizer.js';
import type { CheckpointOptions } from './checkpoint.js';

export interface TrainConfig {
  /** Most epochs (default 100). */
  epochs?: number;
  optimizer: OptimizerConfig;
  /** Rescale the gradient to this L2 norm when larger (paper: 1). */
  clipNorm?: number;
  /** What clipNorm bounds: the 'gradient' (default) or the optimizer's 'step' (the released code). */
  clipMode?: 'gradient' | 'step';
  /** σ of the weight noise during training (paper: 0.075). */
  weightNoise?: number;
  /** Stop after this many epochs without a better validation NLL (default 10). */
  patience?: number;
  /** Linear decay of the learning rate to `lrDecayTo`·lr over `lrDecayEpochs` (paper code: to 1% over 500). */
  lrDecayEpochs?: number;
  lrDecayTo?: number;
  /** Beyond the paper: weight noise decayed with the learning rate, linearly to
   *  `noiseDecayTo`·weightNoise over lrDecayEpochs (default 1: constant noise). */
  noiseDecayTo?: number;
  /** Stop when the training time exceeds this many seconds (checked after each epoch). */
  timeLimitSeconds?: number;
  /** Also evaluate the training set on clean weights each epoch (default true). */
  evalTrain?: boolean;
  /** A diverged update (DivergedError): 'throw' it (default; the model keeps the parameters of
   *  the step before) or 'stop' training, put back the best parameters and return a summary
   *  with `stopped: 'diverged'` — what a learning-rate grid wants — or 'skip' the update (its
   *  batch is left out, nothing changes) and go on, stopping as 'stop' does only after
   *  MAX_SKIPPED_IN_A_ROW diverged updates in a row. */
  onDiverge?: 'throw' | 'stop' | 'skip';
  /** A finite blow-up: an epoch whose validation NLL (per predicted frame) is above this, or
   *  not finite, counts as a divergence after its record is kept (it is never the best epoch),
   *  and onDiverge says what follows: a DivergedError ('throw'), or the run ends on the best
   *  parameters with `stopped: 'diverged'` ('stop', 'skip'). Off by default; blowUpNll(head)
   *  (divergence.ts) gives a bound per head. */
  divergeAboveNll?: number;
  /** σ of weight noise during the epochs' evaluations (default 0: clean weights; the released
   *  code appears to monitor with noise on — an ablation). The draws advance the noise stream. */
  evalWeightNoise?: number;
  /** Also score the mean over sequences of each sequence's per-frame NLL (validNllSeq,
   *  trainNllSeq; default false). Early stopping uses the pooled NLL either way. */
  perSequence?: boolean;
  /** Called after every epoch. */
  onEpoch?: (r: EpochRecord) => void;
  /** Called after every batch with (batches done in this epoch, batches in the epoch). */
  onBatch?: (done: number, total: number) => void;
  /** Time source in milliseconds (default performance.now). */
  now?: () => number;
  /** Checkpoints after every epoch and resuming from one (train/checkpoint.ts). */
  checkpoint?: CheckpointOptions;
}

export interface EpochRecord {
  epoch: number;
  /** Mean NLL per predicted frame (nats) on the training set, clean weights (NaN if evalTrain is off). */
  trainNll: number;
  /** Mean training loss per frame during the epoch (with weight noise). */
  trainLossNoisy: number;
  validNll: number;
  /** The same two scores as the mean over sequences of each sequence's per-frame NLL (NaN unless
   *  TrainConfig.perSequence). */
  trainNllSeq: number;
  validNllSeq: number;
  /** Seconds spent in training updates this epoch. */
  trainSeconds: number;
  /** Training seconds summed over the epochs so far, this one included. */
  trainSecondsTotal: number;
  /** Seconds since training started, evaluation included. */
  elapsed: number;
  lr: number;
  best: boolean;
}

export interface TrainSummary {
  history: EpochRecord[];
  /** Index into history of the best validation NLL (−1 if no epoch finished). */
  bestEpoch: number;
  bestValidNll: number;
  /** Why training stopped. */
  stopped: 'epochs' | 'patience' | 'time' | 'diverged';
  /** The divergence message when stopped = 'diverged'. */
  error?: string;
  /** Updates left out as diverged under onDiverge 'skip' (absent when none). */
  skipped?: number;
  seconds: number;
}

/** Where a schedule stands after an epoch, for a checkpoint (train/checkpoint.ts). */
export interface ScheduleState {
  history: EpochRecord[];
  best: { epoch: number; nll: number; params: Float32Array };
  /** Why training stopped, when it has (then a resumed run only finishes). */
  stopped?: TrainSummary['stopped'];
  error?: string;
  trainTime: number;
  /** Seconds since training began, evaluation included. */
  elapsed: number;
  skipped: number;
  skippedInARow: number;
}

/** onDiverge 'skip' gives up after this many diverged updates in a row. */
export const MAX_SKIPPED_IN_A_ROW = 20;

function positive(v: number | undefined, def: number, what: string, integer = false): number {
  const x = v ?? def;
  if (typeof x !== 'number' || !(x > 0) || (integer && !Number.isInteger(x))) throw new ConfigError(`${what} must be a positive ${integer ? 'integer' : 'number'}, got ${v}`);
  return x;
}

export class TrainSchedule {
  readonly epochs: number;
  readonly updateOptions: { clipNorm?: number; weightNoise?: number; clipMode?: 'gradient' | 'step' };
  private readonly patience: number;
  private readonly now: () => number;
  private readonly timeLimit: number;
  private readonly history: EpochRecord[] = [];
  private best: { epoch: number; nll: number; params: Float32Array };
  private stopped: TrainSummary['stopped'] = 'epochs';
  private ended = false;
  private error: string | undefined;
  private trainTime = 0;
  private t0: number;
  private epochStart = 0;
  private lr = 0;
  private skipped = 0;
  private skippedInARow = 0;

  constructor(private readonly model: Model, private readonly cfg: TrainConfig) {
    this.epochs = positive(cfg.epochs, 100, 'epochs', true);
    this.patience = positive(cfg.patience, 10, 'patience', true);
    this.now = cfg.now ?? (() => performance.now());
    if (cfg.timeLimitSeconds !== undefined) positive(cfg.timeLimitSeconds, 1, 'timeLimitSeconds');
    this.timeLimit = cfg.timeLimitSeconds ?? Infinity;
    if (cfg.onDiverge !== undefined && cfg.onDiverge !== 'throw' && cfg.onDiverge !== 'stop' && cfg.onDiverge !== 'skip') {
      throw new ConfigError(`onDiverge must be 'throw', 'stop' or 'skip', got ${JSON.stringify(cfg.onDiverge)}`);
    }
    if (cfg.noiseDecayTo !== undefined && !(cfg.noiseDecayTo >= 0 && cfg.noiseDecayTo <= 1)) throw new ConfigError(`noiseDecayTo must be in [0, 1], got ${cfg.noiseDecayTo}`);
    if (cfg.divergeAboveNll !== undefined && !(typeof cfg.divergeAboveNll === 'number' && cfg.divergeAboveNll > 0 && Number.isFinite(cfg.divergeAboveNll))) {
      throw new ConfigError(`divergeAboveNll must be a positive finite number, got ${cfg.divergeAboveNll}`);
    }
    if (cfg.evalWeightNoise !== undefined && !(cfg.evalWeightNoise >= 0 && Number.isFinite(cfg.evalWeightNoise))) throw new ConfigError(`evalWeightNoise must be a non-negative number, got ${cfg.evalWeightNoise}`);
    this.updateOptions = { clipNorm: cfg.clipNorm, weightNoise: cfg.weightNoise, clipMode: cfg.clipMode };
    model.setOptimizer(cfg.optimizer);
    this.best = { epoch: -1, nll: Infinity, params: model.snapshotParams() };
    this.t0 = this.now();
  }

  /** Sets epoch e's learning rate (linear decay if asked) and starts its clock. */
  beginEpoch(e: number): void {
    const { lrDecayEpochs = 0, lrDecayTo = 0.01, noiseDecayTo = 1 } = this.cfg, lr0 = this.cfg.optimizer.lr;
    const at = lrDecayEpochs > 0 ? Math.min(1, e / lrDecayEpochs) : 0;
    this.lr = lr0 * (1 - (1 - lrDecayTo) * at);
    if (this.cfg.weightNoise !== undefined) this.updateOptions.weightNoise = this.cfg.weightNoise * (1 - (1 - noiseDecayTo) * at);
    this.model.setLearningRate(this.lr);
    this.epochStart = this.now();
  }

  /** Seconds of training updates in the epoch so far (call before evaluating). */
  endUpdates(): number {
    const seconds = (this.now() - this.epochStart) / 1000;
    this.trainTime += seconds;
    return seconds;
  }

  /** Records epoch e; returns true when training should stop. Throws DivergedError (after the
   *  record) when the validation NLL is above cfg.divergeAboveNll or not finite. */
  endEpoch(e: number, r: { loss: number; frames: number; seconds: number; validNll: number; trainNll: number; validNllSeq?: number; trainNllSeq?: number }): boolean {
    const bound = this.cfg.divergeAboveNll;
    const blownUp = bound !== undefined && !(r.validNll <= bound);
    const isBest = !blownUp && r.validNll < this.best.nll;
    if (isBest) this.best = { epoch: e, nll: r.validNll, params: this.model.snapshotParams() };
    const rec: EpochRecord = {
      epoch: e, trainNll: r.trainNll, trainLossNoisy: r.loss / r.frames, validNll: r.validNll, trainNllSeq: r.trainNllSeq ?? NaN, validNllSeq: r.validNllSeq ?? NaN,
      trainSeconds: r.seconds, trainSecondsTotal: this.trainTime, elapsed: (this.now() - this.t0) / 1000, lr: this.lr, best: isBest,
    };
    this.history.push(rec);
    this.cfg.onEpoch?.(rec);
    if (blownUp) {
      const what = Number.isFinite(r.validNll) ? `${r.validNll.toFixed(1)} nats per frame, above the bound of ${bound!.toFixed(1)}` : `is ${r.validNll}`;
      throw new DivergedError(`epoch ${e + 1} blew up: validation NLL ${what}`);
    }
    if (e - this.best.epoch >= this.patience) { this.stopped = 'patience'; return (this.ended = true); }
    if (this.trainTime >= this.timeLimit) { this.stopped = 'time'; return (this.ended = true); }
    if (e + 1 >= this.epochs) this.ended = true;
    return false;
  }

  /** The schedule after an epoch, for a checkpoint (the arrays are the schedule's own). */
  state(): ScheduleState {
    const s: ScheduleState = {
      history: this.history, best: this.best, trainTime: this.trainTime, elapsed: (this.now() - this.t0) / 1000,
      skipped: this.skipped, skippedInARow: this.skippedInARow,
    };
    if (this.ended) s.stopped = this.stopped;
    if (this.error !== undefined) s.error = this.error;
    return s;
  }

  /** Continues from state(): the records, the best epoch and its parameters, the clocks (the
   *  elapsed time goes on from where it was) and the skipped-update counts. True when that run
   *  had already ended (the loop then only finishes). */
  restore(st: ScheduleState): boolean {
    this.history.splice(0, this.history.length, ...st.history);
    this.best = { epoch: st.best.epoch, nll: st.best.nll, params: st.best.params };
    this.trainTime = st.trainTime;
    this.t0 = this.now() - st.elapsed * 1000;
    this.skipped = st.skipped;
    this.skippedInARow = st.skippedInARow;
    if (st.error !== undefined) this.error = st.error;
    if (st.stopped !== undefined) { this.stopped = st.stopped; this.ended = true; }
    return this.ended;
  }

  /** A diverged update under onDiverge 'skip': true to leave it out and go on, false once
   *  MAX_SKIPPED_IN_A_ROW updates in a row have diverged (then it stops as 'stop' does). */
  skip(): boolean {
    if (this.cfg.onDiverge !== 'skip') return false;
    this.skipped++;
    return ++this.skippedInARow <= MAX_SKIPPED_IN_A_ROW;
  }

  /** An update that went through (ends a run of skipped ones). */
  updated(): void { this.skippedInARow = 0; }

  /** A diverged update: true if training should stop quietly (onDiverge 'stop' or 'skip'),
   *  false if the error should propagate. */
  diverged(message: string): boolean {
    if (this.cfg.onDiverge !== 'stop' && this.cfg.onDiverge !== 'skip') return false;
    this.stopped = 'diverged';
    this.error = message;
    return true;
  }

  /** Puts back the best parameters and summarises the run. */
  finish(): TrainSummary {
    this.model.restoreParams(this.best.params);
    const bestEpoch = this.history.findIndex((h) => h.epoch === this.best.epoch);
    const s: TrainSummary = { history: this.history, bestEpoch, bestValidNll: this.best.nll, stopped: this.stopped, seconds: (this.now() - this.t0) / 1000 };
    if (this.error !== undefined) s.error = this.error;
    if (this.skipped > 0) s.skipped = this.skipped;
    return s;
  }
}
