// `gatedrnn reproduce`: the paper's music experiments (Table 2, Figures 2–3) in one command.
//
// The grid is units × learning-rate trials × seeds. Each trial trains one model in its own
// worker thread (one WebAssembly instance per trial) with the protocol of docs/results/PROTOCOL.md and
// writes `<out>/<dataset>/trials/<id>.json` atomically when it finishes; a rerun with the same
// settings skips every trial whose file exists, so an interrupted run resumes where it stopped
// (a trial cut off midway starts again). When the grid is complete the folder gets `trials.json`
// (every trial), `README.md` (Table 2 with the paper's numbers beside ours and every trial),
// and `curves-epochs.svg` / `curves-seconds.svg` (Figures 2–3). `<out>/README.md` sums up every
// data set found in the output folder.
//
// Defaults and why (the paper leaves these open; docs/results/PROTOCOL.md has the details):
//   batch size 1     — the paper's code updates after every sequence; B = 1 is also the fastest
//                      per epoch in updates-to-quality at these tiny sizes (measured: see docs).
//   epochs 60, patience 10 — early stopping with the best parameters kept (paper); the cap
//                      keeps a 10-trial JSB grid inside about an hour on two cores.
//   RMSProp decay 0.95, momentum 0.9, RMS floor 0.01, eps 0 — the authors' released code.
//   lr decay linear to 1 % over 500 epochs — the released code (barely acts within 100 epochs).
//   clip: the gradient's global L2 norm rescaled to 1 when larger (the paper's wording; the
//                      code clips the step instead).
//   weight noise σ 0.075 on every weight, training only (evaluation on clean weights).
import { Worker } from 'node:worker_threads';
import { mkdir, readFile, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { availableParallelism, cpus, platform, release, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import { ConfigError, FormatError, GatedRnnError, NotFoundError } from '../errors.js';
import { writeFileAtomic } from '../io/file-node.js';
import { syntheticMusic } from '../data/synthetic.js';
import { loadPianoRollDataset, loadPianoRollPickle, resolveDataDir, PIANO_ROLL_DATASETS, DATA_ENV } from '../data/load-node.js';
import { Rng } from '../data/rng.js';
import { originalPickleUrl, defaultCacheDir, downloadCached, ORIGINAL_PICKLES, ORIGINAL_BASE_URL } from '../data/download-node.js';
import type { PianoRollDataset } from '../data/pianoroll.js';
import { PAPER_RMSPROP } from '../optim/optimizer.js';
import type { BuildKind } from '../wasm.js';
import { runTrial, type TrialSpec, type TrialResult, type TrialEpoch } from '../experiment/trial.js';
import type { WorkerInput, WorkerMessage } from './reproduce-worker.js';
import { datasetReport, curvePoints, summaryTable, type RunSettings, type ReportMeta } from '../report/table.js';
import { learningCurves } from '../report/plots.js';
import { PAPER_UNITS, datasetTitle } from '../experiment/paper.js';
import { int, num, intList, nameList, hiddenList, range } from './parse.js';

export const REAL_DATASETS = Object.keys(PIANO_ROLL_DATASETS);

export interface ReproduceOptions {
  /** jsb | nottingham | musedata | piano-midi | all | synthetic | midi */
  dataset: string;
  data?: string;
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
  /** Write the reports from the finished trials without training anything. */
  reportOnly?: boolean;
  /** Progress output: 'auto' (bars on a terminal, log lines otherwise), 'bars', 'log', 'none'. */
  progress: 'auto' | 'bars' | 'log' | 'none';
  /** The worker script, a file URL (default: reproduce-worker.js next to this module). */
  workerUrl?: URL | string;
  /** The command line recorded in the report. */
  command?: string;
}

/** Defaults of every open point; docs/results/PROTOCOL.md gives the reasons. */
export const REPRODUCE_DEFAULTS = {
  trials: 10, epochs: 60, patience: 10, batchSize: 1, seeds: [1], lrSeed: 1, lrLogMin: -12, lrLogMax: -6,
  clip: 1, noise: 0.075, rmsDecay: PAPER_RMSPROP.decay, momentum: PAPER_RMSPROP.momentum, rmsFloor: PAPER_RMSPROP.floor, rmsEps: PAPER_RMSPROP.eps,
  lrDecayEpochs: 500, lrDecayTo: 0.01, maxLength: 0, sortBuckets: 4, trialSeconds: 0,
  syntheticTrain: 240, syntheticLength: [30, 120] as [number, number],
} as const;

export function defaultOptions(over: Partial<ReproduceOptions> = {}): ReproduceOptions {
  return {
    dataset: 'jsb', out: 'reproduce-results', workers: availableParallelism(), onlyTrials: [], units: PAPER_UNITS.map((u) => u.key), hidden: {}, progress: 'auto',
    ...REPRODUCE_DEFAULTS, seeds: [...REPRODUCE_DEFAULTS.seeds], syntheticLength: [...REPRODUCE_DEFAULTS.syntheticLength],
    ...over,
  };
}

/** The learning rates of trials 0..n−1: exp(U(logMin, logMax)) from one seeded stream, so a
 *  run with fewer trials uses a prefix of the same draws. Shared by every unit and seed. */
export function learningRates(n: number, seed: number, logMin = -12, logMax = -6): number[] {
  const rng = new Rng(seed);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(Math.exp(logMin + (logMax - logMin) * rng.uniform()));
  return out;
}

function checkOptions(o: ReproduceOptions): void {
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
  const known = PAPER_UNITS.map((u) => u.key as string);
  if (o.units.length === 0) throw new ConfigError('--units needs at least one unit');
  for (const u of o.units) if (!known.includes(u as never)) throw new ConfigError(`--units: unknown unit ${JSON.stringify(u)}; expected ${known.join(', ')}`);
  for (const [k, v] of Object.entries(o.hidden)) {
    if (!known.includes(k as never)) throw new ConfigError(`--hidden: unknown unit ${JSON.stringify(k)}; expected ${known.join(', ')}`);
    posInt(v, `--hidden ${k}`);
  }
  if (!(o.clip >= 0)) throw new ConfigError(`--clip must be ≥ 0 (0 = off), got ${o.clip}`);
  if (!(o.noise >= 0)) throw new ConfigError(`--noise must be ≥ 0, got ${o.noise}`);
  if (!(o.trialSeconds >= 0)) throw new ConfigError(`--trial-seconds must be ≥ 0 (0 = no limit), got ${o.trialSeconds}`);
  if (!(o.lrDecayEpochs >= 0) || !(o.lrDecayTo > 0 && o.lrDecayTo <= 1)) throw new ConfigError(`lr decay needs epochs ≥ 0 and 0 < to ≤ 1, got ${o.lrDecayEpochs}, ${o.lrDecayTo}`);
  posInt(o.syntheticTrain, '--synthetic-train', 4);
}

/** The data sets named by --dataset. */
export function datasetList(name: string): string[] {
  if (name === 'all') return [...REAL_DATASETS];
  if (name === 'synthetic' || name === 'midi' || REAL_DATASETS.includes(name)) return [name];
  throw new ConfigError(`unknown --dataset ${JSON.stringify(name)}; expected one of ${[...REAL_DATASETS, 'all', 'synthetic', 'midi'].join(', ')}`);
}

/** Loads one data set of the grid. A real data set is read, in this order, from
 *  `<data>/<name>.json.gz`, from the original pickle in `<data>/` (e.g. "JSB Chorales.pickle"),
 *  from the original pickle in the download cache, or — with `--download` — fetched from the
 *  author's URL into the cache first. */
export async function loadReproduceData(name: string, o: ReproduceOptions): Promise<PianoRollDataset> {
  if (name === 'synthetic') {
    const n = o.syntheticTrain, q = Math.max(2, Math.round(n / 4));
    return syntheticMusic({ seed: 1, train: n, valid: q, test: q, minLength: o.syntheticLength[0], maxLength: o.syntheticLength[1] });
  }
  if (name === 'midi') {
    if (!o.midi) throw new ConfigError('--dataset midi needs --midi <dir> (a folder with train/, valid/ and test/ subfolders of .mid files)');
    const { loadMidiDataset } = await import('../data/midi-node.js');
    return loadMidiDataset(o.midi);
  }
  const pickle = ORIGINAL_PICKLES[name];
  const cache = o.cache ?? defaultCacheDir();
  let dataDir: string | undefined;
  try { dataDir = resolveDataDir(o.data); } catch (e) { if (!(e instanceof NotFoundError)) throw e; }
  if (dataDir !== undefined) {
    if (existsSync(join(dataDir, PIANO_ROLL_DATASETS[name as keyof typeof PIANO_ROLL_DATASETS]))) return loadPianoRollDataset(dataDir, name);
    if (existsSync(join(dataDir, pickle))) return loadPianoRollPickle(join(dataDir, pickle), name);
  }
  if (existsSync(join(cache, pickle))) return loadPianoRollPickle(join(cache, pickle), name);
  const url = originalPickleUrl(name, o.downloadUrl);
  if (o.download) {
    if (o.progress !== 'none') process.stderr.write(`downloading ${url} into ${cache}\n`);
    const got = await downloadCached(url, cache, pickle);
    return loadPianoRollPickle(got.path, name);
  }
  const where = dataDir !== undefined
    ? `${join(dataDir, PIANO_ROLL_DATASETS[name as keyof typeof PIANO_ROLL_DATASETS])} and ${join(dataDir, pickle)} do not exist, nor ${join(cache, pickle)}`
    : `no data directory is given (--data or ${DATA_ENV}) and ${join(cache, pickle)} does not exist`;
  throw new NotFoundError(`data set "${name}": ${where}. Put ${PIANO_ROLL_DATASETS[name as keyof typeof PIANO_ROLL_DATASETS]} ` +
    `(gzip JSON {train, valid, test}, see the data README) or the original "${pickle}" in the data directory, ` +
    `or pass --download to fetch the original pickle from ${url} into the cache ${cache}.`);
}

/** The trials of one data set, in the order they are run (larger models first per lr is not
 *  needed: all three have ≈20 K parameters; trials interleave units so early results cover all). */
export function planTrials(dataset: string, o: ReproduceOptions): TrialSpec[] {
  const lrs = learningRates(o.trials, o.lrSeed, o.lrLogMin, o.lrLogMax);
  const specs: TrialSpec[] = [];
  for (const seed of o.seeds) {
    for (let k = 0; k < o.trials; k++) {
      if (o.onlyTrials.length > 0 && !o.onlyTrials.includes(k)) continue;
      for (const u of PAPER_UNITS) {
        if (!o.units.includes(u.key)) continue;
        const spec: TrialSpec = {
          id: `${u.key}-seed${seed}-trial${k}`, dataset, unit: u.unit, unitName: u.name,
          hiddenSize: o.hidden[u.key] ?? u.hiddenSize, seed, trial: k, lr: lrs[k],
          epochs: o.epochs, patience: o.patience, batchSize: o.batchSize, sortBuckets: o.sortBuckets, maxLength: o.maxLength,
          clipNorm: o.clip, weightNoise: o.noise,
          optimizer: { type: 'rmsprop', lr: lrs[k], decay: o.rmsDecay, momentum: o.momentum, eps: o.rmsEps, floor: o.rmsFloor, centered: false },
          lrDecayEpochs: o.lrDecayEpochs, lrDecayTo: o.lrDecayTo, timeLimitSeconds: o.trialSeconds,
        };
        if (u.peepholes !== undefined) spec.peepholes = u.peepholes;
        if (u.resetAfter !== undefined) spec.resetAfter = u.resetAfter;
        specs.push(spec);
      }
    }
  }
  return specs;
}

/** JSON with object keys sorted, to compare specs independent of key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return '[' + v.map(canonical).join(',') + ']';
  if (v && typeof v === 'object') {
    return '{' + Object.keys(v).filter((k) => (v as Record<string, unknown>)[k] !== undefined).sort()
      .map((k) => JSON.stringify(k) + ':' + canonical((v as Record<string, unknown>)[k])).join(',') + '}';
  }
  return JSON.stringify(v);
}

function trialPath(dir: string, id: string): string { return join(dir, 'trials', `${id}.json`); }

/** A finished trial from disk, or undefined if there is none. A file for the same id with other
 *  settings is refused: mixing two protocols in one table would be silently wrong. */
export async function readFinishedTrial(dir: string, spec: TrialSpec): Promise<TrialResult | undefined> {
  const path = trialPath(dir, spec.id);
  let text: string;
  try { text = await readFile(path, 'utf8'); } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  let r: TrialResult;
  try { r = JSON.parse(text, (_k, v) => (v === null ? NaN : v)) as TrialResult; } catch (e) {
    throw new FormatError(`${path}: not valid JSON (${(e as Error).message}); delete it to rerun that trial`);
  }
  if (!r || typeof r !== 'object' || !r.spec || !Array.isArray(r.history)) throw new FormatError(`${path}: not a trial result; delete it to rerun that trial`);
  if (canonical(r.spec) !== canonical(spec)) {
    const diff = Object.keys({ ...spec, ...r.spec }).filter((k) => canonical((spec as unknown as Record<string, unknown>)[k]) !== canonical((r.spec as unknown as Record<string, unknown>)[k]));
    throw new ConfigError(`${path} was run with other settings (${diff.map((k) => `${k}: ${canonical((r.spec as unknown as Record<string, unknown>)[k])} there, ${canonical((spec as unknown as Record<string, unknown>)[k])} now`).join('; ')}); use another --out folder, or delete it to rerun`);
  }
  return r;
}

/** NaN and ±Infinity are written as null (JSON has neither); readFinishedTrial maps null back to NaN. */
function toJson(v: unknown, indent = 2): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? null : x), indent) + '\n';
}

// ------------------------------------------------------------------------------- progress

interface TrialProgress {
  epoch(e: TrialEpoch): void;
  batch(epoch: number, done: number, total: number): void;
  start(epochs: number, batches: number): void;
  finish(r: TrialResult | undefined, error?: string): void;
}

class Progress {
  private readonly multi?: cliProgress.MultiBar;
  private readonly overall?: cliProgress.SingleBar;
  private readonly log: boolean;
  private readonly t0 = performance.now();
  private finished = 0;
  private finishedSeconds = 0;
  private readonly running = new Map<string, number>(); // id → start time

  constructor(private readonly dataset: string, private readonly total: number, private readonly skipped: number, private readonly workers: number, mode: ReproduceOptions['progress']) {
    const tty = process.stderr.isTTY === true;
    const bars = mode === 'bars' || (mode === 'auto' && tty);
    this.log = mode === 'log' || (mode === 'auto' && !tty);
    if (bars) {
      this.multi = new cliProgress.MultiBar({
        format: '{name} |{bar}| {info}', barsize: 24, hideCursor: true, clearOnComplete: false, stopOnComplete: false,
        autopadding: true, etaBuffer: 20, fps: 5,
      }, cliProgress.Presets.shades_classic);
      this.overall = this.multi.create(total, skipped, { name: `${dataset} grid`.padEnd(22), info: this.overallInfo() });
    }
  }

  private overallInfo(): string {
    const done = this.skipped + this.finished;
    const elapsed = (performance.now() - this.t0) / 1000;
    let eta = 'ETA estimating…';
    if (this.finished > 0) {
      const per = this.finishedSeconds / this.finished;
      const now = performance.now();
      const runningLeft = [...this.running.values()].reduce((a, t) => a + Math.max(0, per - (now - t) / 1000), 0);
      const queued = this.total - done - this.running.size;
      eta = `ETA ${fmtDuration((queued * per + runningLeft) / Math.max(1, this.workers))}`;
    }
    return `${done}/${this.total} trials (${this.skipped} from before) | ${fmtDuration(elapsed)} | ${eta}`;
  }

  private say(s: string): void {
    if (this.log) process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${s}\n`);
  }

  trial(spec: TrialSpec): TrialProgress {
    this.running.set(spec.id, performance.now());
    const name = `${spec.id}`.padEnd(22);
    const bar = this.multi?.create(1, 0, { name, info: `lr ${spec.lr.toExponential(1)} starting` });
    let epochs = spec.epochs, batches = 1, best = Infinity, last = NaN, ep = 0;
    const info = () => `lr ${spec.lr.toExponential(1)} | epoch ${ep}/${epochs} | valid ${fmtN(last)} | best ${fmtN(best)}`;
    this.say(`start ${this.dataset}/${spec.id} lr ${spec.lr.toExponential(3)}`);
    return {
      start: (e, b) => { epochs = e; batches = b; bar?.setTotal(e * b); bar?.update(0, { info: info() }); },
      batch: (epoch, done) => { bar?.update(epoch * batches + done, { info: info() }); this.overall?.update({ info: this.overallInfo() }); },
      epoch: (r) => {
        ep = r.epoch + 1; last = r.validNll; best = Math.min(best, r.validNll);
        bar?.update(ep * batches, { info: info() });
        this.say(`${this.dataset}/${spec.id} epoch ${ep}: train ${fmtN(r.trainNll)} valid ${fmtN(r.validNll)}${r.best ? ' *' : ''} (${r.trainSeconds.toFixed(1)} s)`);
      },
      finish: (r, error) => {
        const started = this.running.get(spec.id)!;
        this.running.delete(spec.id);
        if (r) { this.finished++; this.finishedSeconds += (performance.now() - started) / 1000; }
        if (bar) { this.multi!.remove(bar); }
        const msg = r
          ? `done  ${this.dataset}/${spec.id} lr ${spec.lr.toExponential(2)}: valid ${fmtN(r.bestValidNll)} test ${fmtN(r.testNll)} after ${r.history.length} epochs (${r.stopped}, ${r.seconds.toFixed(0)} s)`
          : `FAILED ${this.dataset}/${spec.id}: ${error}`;
        if (this.multi) this.multi.log(msg + '\n');
        this.say(msg);
        this.overall?.update(this.skipped + this.finished, { info: this.overallInfo() });
      },
    };
  }

  stop(): void { this.multi?.stop(); }
}

function fmtN(x: number): string { return Number.isFinite(x) ? x.toFixed(3) : '—'; }
export function fmtDuration(s: number): string {
  if (!Number.isFinite(s)) return '—';
  s = Math.round(s);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

// ------------------------------------------------------------------------------- running

type TrialRunner = (spec: TrialSpec, p: TrialProgress) => Promise<TrialResult>;

function workerRunner(data: PianoRollDataset, build: BuildKind | undefined, url: URL, active: Set<Worker>): TrialRunner {
  return (spec, p) => new Promise<TrialResult>((ok, fail) => {
    const input: WorkerInput = { spec, data, build };
    const w = new Worker(url, { workerData: input });
    active.add(w);
    let settled = false;
    const settle = (f: () => void) => { if (!settled) { settled = true; active.delete(w); f(); } };
    w.on('message', (m: WorkerMessage) => {
      switch (m.type) {
        case 'start': p.start(m.epochs, m.batches); break;
        case 'batch': p.batch(m.epoch, m.done, m.total); break;
        case 'epoch': p.epoch(m.record); break;
        case 'done': settle(() => ok(m.result)); void w.terminate(); break;
        case 'error': settle(() => fail(Object.assign(new Error(m.error.message), { name: m.error.name, code: m.error.code, stack: m.error.stack }))); void w.terminate(); break;
      }
    });
    w.on('error', (e) => settle(() => fail(e)));
    w.on('exit', (code) => settle(() => fail(new Error(`worker for ${spec.id} exited with code ${code} before reporting a result`))));
  });
}

function inProcessRunner(data: PianoRollDataset, build: BuildKind | undefined): TrialRunner {
  return (spec, p) => runTrial(spec, data, build, {
    onStart: (e, b) => p.start(e, b), onBatch: (e, d, t) => p.batch(e, d, t), onEpoch: (r) => p.epoch(r),
  });
}

/** Runs `specs` with at most `n` at once; each result is handed to `save` as it arrives. */
async function pool(specs: TrialSpec[], n: number, run: TrialRunner, progress: Progress, save: (r: TrialResult) => Promise<void>): Promise<{ failed: { id: string; message: string }[] }> {
  const queue = [...specs];
  const failed: { id: string; message: string }[] = [];
  const lane = async () => {
    for (let spec = queue.shift(); spec; spec = queue.shift()) {
      const p = progress.trial(spec);
      try {
        const r = await run(spec, p);
        await save(r);
        p.finish(r);
      } catch (e) {
        const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
        failed.push({ id: spec.id, message });
        p.finish(undefined, message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, n) }, lane));
  return { failed };
}

export function machineDescription(): string {
  const c = cpus();
  return `${c[0]?.model?.trim() ?? 'unknown CPU'}, ${availableParallelism()} logical cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${platform()} ${release()}, Node ${process.version}`;
}

export interface DatasetOutcome { dataset: string; dir: string; results: TrialResult[]; ran: number; skipped: number; failed: { id: string; message: string }[] }

interface RunLog { invocations: { command: string; started: string; finished: string; seconds: number; trialsRun: number; workers: number; machine: string }[] }

/** Runs (or resumes) the grid of every data set named by o.dataset and writes the reports. */
export async function reproduce(o: ReproduceOptions): Promise<DatasetOutcome[]> {
  checkOptions(o);
  const names = datasetList(o.dataset);
  const out = resolve(o.out);
  await mkdir(out, { recursive: true });
  const outcomes: DatasetOutcome[] = [];
  const url = o.workerUrl === undefined ? new URL('./reproduce-worker.js', import.meta.url) : new URL(o.workerUrl);
  if (o.workers > 0 && !o.reportOnly && !existsSync(fileURLToPath(url))) {
    throw new NotFoundError(`the worker script ${fileURLToPath(url)} does not exist (run \`npm run build\`), or use --workers 0 to train in this thread`);
  }
  const active = new Set<Worker>();
  const onSignal = () => { for (const w of active) void w.terminate(); };
  process.once('SIGINT', onSignal);
  try {
    for (const name of names) outcomes.push(await reproduceDataset(name, o, out, url, active));
  } finally {
    process.removeListener('SIGINT', onSignal);
  }
  await writeSummary(out);
  const failed = outcomes.flatMap((x) => x.failed.map((f) => `${x.dataset}/${f.id}: ${f.message}`));
  if (failed.length > 0) throw new TrialFailedError(`${failed.length} trial(s) failed (finished trials are saved; rerun to retry): ${failed.join('; ')}`);
  return outcomes;
}

/** Some trials of the grid failed for a reason other than divergence. */
export class TrialFailedError extends GatedRnnError { constructor(m: string) { super('E_VALUE', m); } }

async function reproduceDataset(name: string, o: ReproduceOptions, out: string, url: URL, active: Set<Worker>): Promise<DatasetOutcome> {
  const started = new Date();
  const t0 = performance.now();
  const data = await loadReproduceData(name, o);
  const dir = join(out, name);
  await mkdir(join(dir, 'trials'), { recursive: true });
  const specs = planTrials(name, o);
  const results: TrialResult[] = [];
  const todo: TrialSpec[] = [];
  for (const s of specs) {
    const r = await readFinishedTrial(dir, s);
    if (r) results.push(r); else todo.push(s);
  }
  const skipped = results.length;
  if (o.reportOnly) {
    let log: RunLog = { invocations: [] };
    try { log = JSON.parse(await readFile(join(dir, 'run.json'), 'utf8')) as RunLog; } catch { /* no run finished here */ }
    if (log.invocations.length === 0 && results.length > 0) {
      // interrupted before any invocation finished: describe the run by its trials
      const started = results.map((r) => r.startedAt).sort()[0], finished = results.map((r) => r.finishedAt).sort().at(-1)!;
      log.invocations.push({
        command: o.command ?? `gatedrnn reproduce --dataset ${name}`, started, finished,
        seconds: (Date.parse(finished) - Date.parse(started)) / 1000, trialsRun: results.length, workers: o.workers, machine: machineDescription(),
      });
    }
    if (results.length > 0) await writeDatasetReport(dir, name, results, o, log);
    return { dataset: name, dir, results, ran: 0, skipped, failed: [] };
  }
  const workers = o.workers === 0 ? 1 : Math.min(o.workers, Math.max(1, todo.length));
  const progress = new Progress(name, specs.length, skipped, workers, o.progress);
  const runner = o.workers === 0 ? inProcessRunner(data, o.build) : workerRunner(data, o.build, url, active);
  let failed: { id: string; message: string }[] = [];
  try {
    ({ failed } = await pool(todo, workers, runner, progress, async (r) => {
      await writeFileAtomic(trialPath(dir, r.spec.id), new TextEncoder().encode(toJson(r)));
      results.push(r);
    }));
  } finally {
    progress.stop();
  }
  const finished = new Date();
  const logPath = join(dir, 'run.json');
  let log: RunLog = { invocations: [] };
  try { log = JSON.parse(await readFile(logPath, 'utf8')) as RunLog; } catch { /* first run */ }
  log.invocations.push({
    command: o.command ?? `gatedrnn reproduce --dataset ${name}`, started: started.toISOString(), finished: finished.toISOString(),
    seconds: (performance.now() - t0) / 1000, trialsRun: results.length - skipped, workers, machine: machineDescription(),
  });
  await writeFileAtomic(logPath, new TextEncoder().encode(toJson(log)));
  if (results.length > 0) await writeDatasetReport(dir, name, results, o, log);
  return { dataset: name, dir, results, ran: results.length - skipped, skipped, failed };
}

function reductions(o: ReproduceOptions, results: TrialResult[]): string[] {
  const r: string[] = [];
  if (o.onlyTrials.length > 0) r.push(`only ${o.onlyTrials.length} of the ${o.trials} learning-rate draws per unit (draws ${[...o.onlyTrials].sort((a, b) => a - b).join(', ')})`);
  else if (o.trials < 10) r.push(`${o.trials} of the paper's 10 learning-rate trials per unit`);
  if (o.epochs < REPRODUCE_DEFAULTS.epochs) r.push(`at most ${o.epochs} epochs (default ${REPRODUCE_DEFAULTS.epochs})`);
  if (o.trialSeconds > 0) r.push(`at most ${o.trialSeconds} s of training per trial`);
  if (o.maxLength > 0) r.push(`training on chunks of ${o.maxLength} steps`);
  const planned = planTrials(results[0]?.spec.dataset ?? '', o).length;
  if (results.length < planned) r.push(`${results.length} of the ${planned} planned trials had finished when this report was written`);
  const capped = results.filter((x) => x.stopped === 'epochs' || x.stopped === 'time').length;
  if (capped > 0) r.push(`${capped} of ${results.length} trials were stopped by the epoch or time cap rather than by early stopping`);
  return r;
}

async function writeDatasetReport(dir: string, name: string, results: TrialResult[], o: ReproduceOptions, log: RunLog): Promise<void> {
  const sorted = [...results].sort((a, b) => a.spec.id.localeCompare(b.spec.id));
  // one trial per line: compact, and still diffable
  const lines = sorted.map((r) => toJson(r, 0).trimEnd());
  await writeFileAtomic(join(dir, 'trials.json'), new TextEncoder().encode('[\n' + lines.join(',\n') + '\n]\n'));
  const figures = await learningCurves(curvePoints(results), datasetTitle(name));
  await writeFileAtomic(join(dir, 'curves-epochs.svg'), new TextEncoder().encode(figures.epoch));
  await writeFileAtomic(join(dir, 'curves-seconds.svg'), new TextEncoder().encode(figures.seconds));
  const last = log.invocations[log.invocations.length - 1];
  const settings: RunSettings = { trials: o.onlyTrials.length || o.trials, epochs: o.epochs, patience: o.patience, batchSize: o.batchSize, seeds: o.seeds, reductions: reductions(o, results) };
  const meta: ReportMeta = {
    command: last.command, machine: last.machine,
    date: `${log.invocations[0].started} – ${last.finished}`,
    wallSeconds: log.invocations.reduce((a, x) => a + x.seconds, 0),
    trialSeconds: results.reduce((a, r) => a + r.seconds, 0),
    workers: last.workers,
  };
  const md = datasetReport(name, results, settings, meta, { epoch: 'curves-epochs.svg', seconds: 'curves-seconds.svg' });
  await writeFileAtomic(join(dir, 'README.md'), new TextEncoder().encode(md));
}

/** `<out>/README.md`: Table 2 over every data set folder with a trials.json. */
async function writeSummary(out: string): Promise<void> {
  const entries = await readdir(out, { withFileTypes: true });
  const order = [...REAL_DATASETS, 'synthetic', 'midi'];
  const dirs = entries.filter((e) => e.isDirectory() && existsSync(join(out, e.name, 'trials.json'))).map((e) => e.name)
    .sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99) || a.localeCompare(b));
  if (dirs.length === 0) return;
  const byDataset = [];
  for (const d of dirs) {
    const results = JSON.parse(await readFile(join(out, d, 'trials.json'), 'utf8'), (_k, v) => (v === null ? NaN : v)) as TrialResult[];
    const trials = new Set(results.map((r) => r.spec.trial)).size;
    const s = results[0].spec;
    byDataset.push({ dataset: d, results, note: `[${trials} trials, ≤${s.epochs} epochs, B=${s.batchSize}](${d}/README.md)` });
  }
  const md = ['# Table 2 reproduction (polyphonic music)', '',
    'Test NLL per frame in nats (train NLL in brackets) of the best-validation trial per unit; the paper\'s numbers are Chung et al. (2014), Table 2.',
    'Each data set\'s folder holds its command, machine, date, run time, every trial and the learning curves.', '',
    summaryTable(byDataset), ''];
  const extra = [['PROTOCOL.md', 'protocol, defaults and the reasons'], ['NOTES.md', 'discussion of the results']].filter(([f]) => existsSync(join(out, f)));
  if (extra.length > 0) md.push(extra.map(([f, what]) => `See [${f}](${f}) for the ${what}.`).join(' '), '');
  await writeFileAtomic(join(out, 'README.md'), new TextEncoder().encode(md.join('\n')));
}

// ------------------------------------------------------------------------------- CLI

/** Adds `reproduce` to the program. */
export function registerReproduce(program: Command): Command {
  const d = REPRODUCE_DEFAULTS;
  return program.command('reproduce')
    .description('the paper\'s music experiments: 3 units × learning-rate trials on worker threads → Table 2 and learning curves (resumable)')
    .addOption(new Option('--dataset <name>', 'data set').choices([...REAL_DATASETS, 'all', 'synthetic', 'midi']).default('jsb'))
    .option('--data <dir>', 'data directory with the <name>.json.gz files (default: $GATEDRNN_DATA)')
    .option('--midi <dir>', 'for --dataset midi: a folder with train/, valid/, test/ of .mid files')
    .option('--download', 'fetch a missing data set\'s original pickle from the author\'s page into the cache', false)
    .option('--download-url <url>', 'where the original pickles are published', ORIGINAL_BASE_URL)
    .option('--cache <dir>', 'download cache (default: $GATEDRNN_CACHE, $XDG_CACHE_HOME/gatedrnn or ~/.cache/gatedrnn)')
    .option('--out <dir>', 'output folder (one subfolder per data set; rerun the same command to resume)', 'reproduce-results')
    .option('--trials <n>', 'learning-rate trials per unit (paper: 10)', int, d.trials)
    .option('--only-trials <list>', 'run only these learning-rate draws (comma-separated indices below --trials)', intList, [])
    .option('--workers <n>', 'worker threads (0: in this thread)', int, availableParallelism())
    .option('--epochs <n>', 'most epochs per trial', int, d.epochs)
    .option('--patience <n>', 'early stopping: epochs without a better validation NLL', int, d.patience)
    .option('--batch-size <n>', 'sequences per update (paper code: 1)', int, d.batchSize)
    .option('--seeds <list>', 'comma-separated seeds (init, shuffling, weight noise); the grid runs once per seed', intList, [...d.seeds])
    .option('--lr-seed <n>', 'seed of the learning-rate draws', int, d.lrSeed)
    .option('--units <list>', 'units to run', nameList, PAPER_UNITS.map((u) => u.key))
    .option('--hidden <list>', 'hidden sizes, e.g. tanh=100,gru=46,lstm=36 (default: Table 1)', hiddenList, {})
    .option('--clip <x>', 'rescale the gradient to this global L2 norm when larger (0: off)', num, d.clip)
    .option('--noise <x>', 'weight-noise σ in training', num, d.noise)
    .option('--rms-decay <x>', 'RMSProp decay of the squared-gradient average', num, d.rmsDecay)
    .option('--momentum <x>', 'RMSProp momentum', num, d.momentum)
    .option('--rms-floor <x>', 'RMSProp floor on the RMS', num, d.rmsFloor)
    .option('--rms-eps <x>', 'RMSProp epsilon added to the RMS', num, d.rmsEps)
    .option('--lr-decay-epochs <n>', 'linear learning-rate decay over this many epochs (0: off)', int, d.lrDecayEpochs)
    .option('--lr-decay-to <x>', 'final fraction of the learning rate', num, d.lrDecayTo)
    .option('--max-length <n>', 'cut training sequences into chunks of at most n steps (0: whole sequences)', int, d.maxLength)
    .option('--sort-buckets <n>', 'with batch size > 1: sort by length within buckets of n batches', int, d.sortBuckets)
    .option('--trial-seconds <s>', 'stop a trial after this much training time (0: no limit)', num, d.trialSeconds)
    .option('--synthetic-train <n>', 'synthetic data: training sequences (valid and test get a quarter)', int, d.syntheticTrain)
    .option('--synthetic-length <min,max>', 'synthetic data: sequence length range', range, [...d.syntheticLength])
    .addOption(new Option('--build <kind>', 'WebAssembly build').choices(['relaxed', 'simd', 'debug']))
    .option('--report-only', 'write the tables and plots from the finished trials, train nothing', false)
    .addOption(new Option('--progress <mode>', 'progress display').choices(['auto', 'bars', 'log', 'none']).default('auto'))
    .action(async (opts: Record<string, unknown>) => {
      // the command that trains (a --report-only rerun of it names the same run)
      const argv = process.argv.slice(2).filter((a) => a !== '--report-only');
      const o = defaultOptions({ ...(opts as Partial<ReproduceOptions>), command: `gatedrnn ${argv.join(' ')}` });
      const outcomes = await reproduce(o);
      for (const x of outcomes) {
        console.log(`${x.dataset}: ${x.ran} trial(s) run, ${x.skipped} reused → ${join(x.dir, 'README.md')}`);
      }
    });
}
