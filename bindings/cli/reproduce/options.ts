// The settings of `gatedrnn reproduce`, their defaults and their checks. The defaults of the
// points the paper leaves open, with the measurements behind them, are in
// docs/results/PROTOCOL.md; in short:
//   batch size 1     — the authors' code updates after every sequence; at these sizes B = 4 is
//                      at most 1.5× faster per frame but makes 4× fewer updates.
//   epochs 60, patience 10 — early stopping with the best parameters kept (paper); the cap
//                      keeps the 30-trial JSB grid to minutes on two worker threads.
//   RMSProp decay 0.95, momentum 0.9, RMS floor 0.01, eps 0 — the authors' released code.
//   lr decay linear to 1 % over 500 epochs — the released code (barely acts within 60 epochs).
//   clip: the gradient's global L2 norm rescaled to 1 when larger (the paper's wording; the
//                      code clips the step instead).
//   weight noise σ 0.075 on the recurrent layer's W and U, in training only.
import { availableParallelism } from 'node:os';
import { ConfigError } from '../../errors.js';
import { PIANO_ROLL_DATASETS } from '../../data/load-node.js';
import { PAPER_RMSPROP } from '../../optim/optimizer.js';
import type { BuildKind } from '../../wasm.js';
import { PAPER_UNITS } from '../../experiment/paper.js';
import { MAX_HIDDEN_SIZE } from '../../model/config.js';

/** The paper's four data sets, in the order of its Table 2 rows here. */
export const REAL_DATASETS = Object.keys(PIANO_ROLL_DATASETS);

/** Every value --dataset takes. */
export const DATASET_CHOICES = [...REAL_DATASETS, 'all', 'speech', 'synthetic', 'midi'];

export interface ReproduceOptions {
  /** jsb | nottingham | musedata | piano-midi | all | synthetic | midi */
  dataset: string;
  data?: string;
  /** For dataset 'speech': a folder of the user's own 16-bit mono WAV files instead of the
   *  spoken digits (train/, valid/, test/ subfolders, or one flat folder). */
  wav?: string;
  /** MIDI folder (train/, valid/, test/) for dataset 'midi'. */
  midi?: string;
  /** Fetch a missing data set's original pickle into the cache. */
  download?: boolean;
  /** Where the original pickles are published (default: the author's page). */
  downloadUrl?: string;
  /** Download cache folder (default: defaultCacheDir()). */
  cache?: string;
  out: string;
  trials: number;
  /** Run only these draw indices (each < trials); empty = all. */
  onlyTrials: number[];
  /** Worker threads; 0 runs the trials one after another in this thread. */
  workers: number;
  epochs: number;
  patience: number;
  batchSize: number;
  seeds: number[];
  lrSeed: number;
  lrLogMin: number;
  lrLogMax: number;
  /** Unit keys of Table 1 (tanh, gru, lstm). */
  units: string[];
  /** Hidden-size overrides by unit key (tanh, gru, lstm). */
  hidden: Record<string, number>;
  clip: number;
  noise: number;
  rmsDecay: number;
  momentum: number;
  rmsFloor: number;
  rmsEps: number;
  lrDecayEpochs: number;
  lrDecayTo: number;
  maxLength: number;
  sortBuckets: number;
  trialSeconds: number;
  /** Synthetic data: training sequences (valid and test get a quarter each) and length range. */
  syntheticTrain: number;
  syntheticLength: [number, number];
  build?: BuildKind;
  /** Ablations: 'step' clips the optimizer's step (the released code) instead of the gradient;
   *  weight noise σ also at evaluation; 'uniform' recurrent matrices instead of orthogonal. */
  clipMode?: 'gradient' | 'step';
  evalNoise?: number;
  recurrentInit?: 'orthogonal' | 'uniform';
  /** Beyond the paper: the optimizer (default RMSProp with the settings above; 'adam' with
   *  β = 0.9, 0.999, ε = 1e-8), the LSTM's initial forget-gate bias, and 'skip' to leave out a
   *  diverged update instead of ending the trial ('stop', the default). */
  optimizer?: 'rmsprop' | 'adam';
  forgetBias?: number;
  onDiverge?: 'stop' | 'skip';
  /** Weight noise decayed linearly with the learning rate to this fraction of σ (default 1). */
  noiseDecayTo?: number;
  /** Music: score every k-th training sequence for the per-epoch train curve (default 1, all);
   *  the reported train NLL is the whole set's, scored once with the best parameters. */
  trainEvalEvery?: number;
  /** 'full' (default): every draw to the epoch cap; 'halving': successive halving over the
   *  draws (halving.ts), keeping the best 1/halvingEta (default 3) after each rung. */
  schedule?: 'full' | 'halving';
  halvingEta?: number;
  /** Save each trial's best model as <out>/<dataset>/models/<id>.safetensors. */
  saveModels?: boolean;
  /** Write the reports from the finished trials without training anything. */
  reportOnly?: boolean;
  /** Progress output: 'auto' (bars on a terminal, log lines otherwise), 'bars', 'log', 'none'. */
  progress: 'auto' | 'bars' | 'log' | 'none';
  /** The worker script, a file URL (default: reproduce-worker.js next to the bundled CLI). */
  workerUrl?: URL | string;
  /** The command line recorded in the report. */
  command?: string;
  /** Run the trials on this BullMQ queue (redis:// or rediss:// URL) instead of worker threads
   *  here: `gatedrnn worker --queue <url>` processes run them (queue.ts). */
  queue?: string;
  /** Attempts of a queued trial that throws before it is reported as failed (default 3). */
  queueAttempts?: number;
}

/** Defaults of every open point; docs/results/PROTOCOL.md gives the reasons. */
export const REPRODUCE_DEFAULTS = {
  trials: 10, epochs: 60, patience: 10, batchSize: 1, seeds: [1], lrSeed: 1, lrLogMin: -12, lrLogMax: -6,
  clip: 1, noise: 0.075, rmsDecay: PAPER_RMSPROP.decay, momentum: PAPER_RMSPROP.momentum, rmsFloor: PAPER_RMSPROP.floor, rmsEps: PAPER_RMSPROP.eps,
  lrDecayEpochs: 500, lrDecayTo: 0.01, maxLength: 0, sortBuckets: 4, trialSeconds: 0,
  syntheticTrain: 240, syntheticLength: [30, 120] as [number, number],
} as const;

/** What `--dataset speech` changes of those defaults when the option is not given, and why
 *  (docs/results/PROTOCOL.md "Speech"). The spoken-digit training split is 840 K predicted steps
 *  an epoch at ≈169 K recurrent parameters and a 420-output mixture head, about 50 s an epoch at
 *  the B = 32 speed on this machine's cores (B = 1, the paper code's, would be about twice as
 *  long), so the 30-trial grid gets batches of 32 chunks and at most 5 epochs to fit about an
 *  hour and a half on two cores. Chunks of 100 steps (1,000 samples, 125 ms): whole utterances
 *  run up to 1,826 steps, over which the tanh-RNN's gradient overflows float32 under weight noise
 *  (the update is then refused as diverged); chunks also cut the padding and give 300 updates
 *  an epoch instead of 75. */
export const SPEECH_DEFAULTS = { batchSize: 32, maxLength: 100, epochs: 5, patience: 3, sortBuckets: 4 } as const;

/** The unit keys of Table 1, the default of --units. */
export const UNIT_KEYS: string[] = PAPER_UNITS.map((u) => u.key);

export function defaultOptions(over: Partial<ReproduceOptions> = {}): ReproduceOptions {
  return {
    dataset: 'jsb', out: 'reproduce-results', workers: availableParallelism(), onlyTrials: [], units: [...UNIT_KEYS], hidden: {}, progress: 'auto',
    ...REPRODUCE_DEFAULTS, seeds: [...REPRODUCE_DEFAULTS.seeds], syntheticLength: [...REPRODUCE_DEFAULTS.syntheticLength],
    ...(over.dataset === 'speech' ? SPEECH_DEFAULTS : {}),
    ...over,
  };
}

/** Refuses settings that cannot make a grid (ConfigError naming the option). */
export function checkOptions(o: ReproduceOptions): void {
  const posInt = (v: number, what: string, min = 1) => {
    if (!Number.isInteger(v) || v < min) throw new ConfigError(`${what} must be an integer ≥ ${min}, got ${v}`);
  };
  posInt(o.trials, '--trials'); posInt(o.workers, '--workers', 0); posInt(o.epochs, '--epochs'); posInt(o.patience, '--patience');
  posInt(o.batchSize, '--batch-size'); posInt(o.maxLength, '--max-length', 0); posInt(o.sortBuckets, '--sort-buckets', 0);
  if (o.seeds.length === 0) throw new ConfigError('--seeds needs at least one seed');
  for (const k of o.onlyTrials) if (!Number.isInteger(k) || k < 0 || k >= o.trials) throw new ConfigError(`--only-trials: draw ${k} is not among the ${o.trials} trials (0..${o.trials - 1})`);
  o.seeds.forEach((s) => posInt(s, '--seeds', 0));
  if (new Set(o.seeds).size !== o.seeds.length) throw new ConfigError(`--seeds has a repeated seed: ${o.seeds.join(',')}`);
  if (!(o.lrLogMin < o.lrLogMax)) throw new ConfigError(`the learning-rate range needs lrLogMin < lrLogMax, got ${o.lrLogMin}, ${o.lrLogMax}`);
  if (o.units.length === 0) throw new ConfigError('--units needs at least one unit');
  for (const u of o.units) if (!UNIT_KEYS.includes(u)) throw new ConfigError(`--units: unknown unit ${JSON.stringify(u)}; expected ${UNIT_KEYS.join(', ')}`);
  for (const [k, v] of Object.entries(o.hidden)) {
    if (!UNIT_KEYS.includes(k)) throw new ConfigError(`--hidden: unknown unit ${JSON.stringify(k)}; expected ${UNIT_KEYS.join(', ')}`);
    posInt(v, `--hidden ${k}`);
  }
  if (!(o.clip >= 0)) throw new ConfigError(`--clip must be ≥ 0 (0 = off), got ${o.clip}`);
  if (!(o.noise >= 0)) throw new ConfigError(`--noise must be ≥ 0, got ${o.noise}`);
  if (!(o.trialSeconds >= 0)) throw new ConfigError(`--trial-seconds must be ≥ 0 (0 = no limit), got ${o.trialSeconds}`);
  if (!(o.lrDecayEpochs >= 0) || !(o.lrDecayTo > 0 && o.lrDecayTo <= 1)) throw new ConfigError(`lr decay needs epochs ≥ 0 and 0 < to ≤ 1, got ${o.lrDecayEpochs}, ${o.lrDecayTo}`);
  posInt(o.syntheticTrain, '--synthetic-train', 4);
  if (o.schedule !== undefined && o.schedule !== 'full' && o.schedule !== 'halving') throw new ConfigError(`--schedule must be full or halving, got ${o.schedule}`);
  if (o.halvingEta !== undefined && !(Number.isInteger(o.halvingEta) && o.halvingEta >= 2)) throw new ConfigError(`--halving-eta must be an integer ≥ 2, got ${o.halvingEta}`);
  if (o.clipMode !== undefined && o.clipMode !== 'gradient' && o.clipMode !== 'step') throw new ConfigError(`--clip-mode must be gradient or step, got ${o.clipMode}`);
  if (o.evalNoise !== undefined && !(o.evalNoise >= 0)) throw new ConfigError(`--eval-noise must be ≥ 0, got ${o.evalNoise}`);
  if (o.recurrentInit !== undefined && o.recurrentInit !== 'orthogonal' && o.recurrentInit !== 'uniform') throw new ConfigError(`--recurrent-init must be orthogonal or uniform, got ${o.recurrentInit}`);
  if (o.trainEvalEvery !== undefined) posInt(o.trainEvalEvery, '--train-eval-every');
  if (o.optimizer !== undefined && o.optimizer !== 'rmsprop' && o.optimizer !== 'adam') throw new ConfigError(`--optimizer must be rmsprop or adam, got ${o.optimizer}`);
  if (o.forgetBias !== undefined && !Number.isFinite(o.forgetBias)) throw new ConfigError(`--forget-bias must be a finite number, got ${o.forgetBias}`);
  if (o.noiseDecayTo !== undefined && !(o.noiseDecayTo >= 0 && o.noiseDecayTo <= 1)) throw new ConfigError(`--noise-decay-to must be in [0, 1], got ${o.noiseDecayTo}`);
  if (o.onDiverge !== undefined && o.onDiverge !== 'stop' && o.onDiverge !== 'skip') throw new ConfigError(`--on-diverge must be stop or skip, got ${o.onDiverge}`);
  // the rest of the options, before any data is read or any trial starts
  for (const [k, v] of Object.entries(o.hidden)) if (v > MAX_HIDDEN_SIZE) throw new ConfigError(`--hidden ${k}: at most ${MAX_HIDDEN_SIZE} units, got ${v}`);
  if (o.workers > 256) throw new ConfigError(`--workers must be an integer in 0..256, got ${o.workers}`);
  if (!(Number.isFinite(o.lrLogMin) && Number.isFinite(o.lrLogMax))) throw new ConfigError(`--lr-log-range must be finite, got ${o.lrLogMin},${o.lrLogMax}`);
  if (!(o.lrLogMax <= Math.log(1e3))) throw new ConfigError(`--lr-log-range: the largest learning rate exp(${o.lrLogMax}) is above the optimizers' limit of 1000`);
  posInt(o.lrSeed, '--lr-seed', 0);
  if (!(o.syntheticLength[0] >= 2 && o.syntheticLength[0] <= o.syntheticLength[1])) throw new ConfigError(`--synthetic-length needs 2 ≤ min ≤ max, got ${o.syntheticLength.join(',')}`);
  if (!(Number.isFinite(o.clip) && Number.isFinite(o.noise) && Number.isFinite(o.trialSeconds))) throw new ConfigError('--clip, --noise and --trial-seconds must be finite numbers');
  if (o.optimizer !== 'adam') {
    // the RMSProp settings, as the optimizer will check them in every trial (optim/optimizer.ts)
    const inRange = (v: number, what: string, lo: number, hi: number, hiOpen: boolean) => {
      if (!(Number.isFinite(v) && v >= lo && (hiOpen ? v < hi : v <= hi))) throw new ConfigError(`${what} must be in [${lo}, ${hi}${hiOpen ? ')' : ']'}, got ${v}`);
    };
    inRange(o.rmsDecay, '--rms-decay', 0, 1, true);
    inRange(o.momentum, '--momentum', 0, 1, true);
    inRange(o.rmsEps, '--rms-eps', 0, 1, false);
    inRange(o.rmsFloor, '--rms-floor', 0, 1e3, false);
    if (o.rmsEps === 0 && o.rmsFloor === 0) throw new ConfigError('--rms-eps and --rms-floor cannot both be 0 (a zero gradient would divide 0 by 0)');
  }
  if (o.halvingEta !== undefined && o.schedule !== 'halving') throw new ConfigError('--halving-eta is for --schedule halving');
  if (o.midi !== undefined && o.dataset !== 'midi') throw new ConfigError(`--midi is for --dataset midi (the data set is ${o.dataset})`);
  if (o.wav !== undefined && o.dataset !== 'speech') throw new ConfigError(`--wav is for --dataset speech (the data set is ${o.dataset})`);
  if (o.download && !REAL_DATASETS.includes(o.dataset) && o.dataset !== 'all') throw new ConfigError(`--download fetches the paper's four data sets (${REAL_DATASETS.join(', ')}, all), not ${o.dataset}`);
  if (o.downloadUrl !== undefined) {
    let u: URL | undefined;
    try { u = new URL(o.downloadUrl); } catch { /* below */ }
    if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) throw new ConfigError(`--download-url ${o.downloadUrl} is not an http(s) URL`);
  }
  if (o.queue !== undefined) {
    if (o.dataset === 'midi' || o.wav !== undefined) throw new ConfigError('--queue runs data sets every worker loads from its own data directory (jsb, nottingham, musedata, piano-midi, speech, synthetic), not a --midi or --wav folder of this machine');
    if (o.saveModels) throw new ConfigError('--save-models saves models on the machine that trains them; with --queue the workers are elsewhere. Rerun the best trials locally with --only-trials to save their models');
  }
  if (o.queueAttempts !== undefined && !(Number.isInteger(o.queueAttempts) && o.queueAttempts >= 1 && o.queueAttempts <= 100)) throw new ConfigError(`--attempts must be an integer in 1..100, got ${o.queueAttempts}`);
  if (o.progress !== 'auto' && o.progress !== 'bars' && o.progress !== 'log' && o.progress !== 'none') throw new ConfigError(`--progress must be auto, bars, log or none, got ${o.progress}`);
}

/** The data sets named by --dataset. */
export function datasetList(name: string): string[] {
  if (name === 'all') return [...REAL_DATASETS];
  if (name === 'synthetic' || name === 'midi' || name === 'speech' || REAL_DATASETS.includes(name)) return [name];
  throw new ConfigError(`unknown --dataset ${JSON.stringify(name)}; expected one of ${DATASET_CHOICES.join(', ')}`);
}
