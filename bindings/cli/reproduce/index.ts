// `gatedrnn reproduce`: the paper's music experiments (Table 2, Figures 2–3) in one command.
//
// The grid is units × learning-rate trials × seeds (plan.ts). Each trial trains one model in its
// own worker thread (pool.ts, worker.ts; one WebAssembly instance per trial) with the protocol of
// docs/results/PROTOCOL.md and writes `<out>/<dataset>/trials/<id>.json` atomically when it
// finishes; a rerun with the same settings skips every trial whose file exists, so an
// interrupted run resumes where it stopped (a trial cut off midway resumes from its checkpoint of
// its last epoch). With --queue the trials run on a BullMQ job queue instead, on workers anywhere
// (queue.ts); this command then only plans, waits and writes, as the local run does. When the grid
// is complete the folder gets `trials.json` (every trial), `README.md` (Table 2 with the paper's
// numbers beside ours and every trial), and `curves-epochs.svg` / `curves-seconds.svg`
// (Figures 2–3); `<out>/README.md` sums up every data set found in the output folder (write.ts).
// The options and their defaults are in options.ts, the command line in command.ts.
import { mkdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { ConfigError, GatedRnnError } from '../../errors.js';
import { removeStaleTemps, writeFileAtomic } from '../../io/file-node.js';
import { checkInputFolder, checkOutputFolder } from '../checks.js';
import type { TrialContinuation, TrialResult, TrialSpec } from '../../experiment/trial.js';
import { rungEpochs, rungSpec, survivors } from './halving.js';
import { checkOptions, datasetList, type ReproduceOptions } from './options.js';
import { loadReproduceData } from './data.js';
import { planTrials, resume, toJson, trialPath } from './plan.js';
import { Progress } from './progress.js';
import { inProcessRunner, modelPathOf, pool, withWorkers, workerRunner, workerScript, type TrialFailure, type TrialRunner } from './pool.js';
import { checkRedis, openCoordinator, redisOptions, type QueueCoordinator } from './queue.js';
import { appendRunLog, logFromTrials, machineDescription, readRunLog, writeDatasetReport, writeSummary } from './write.js';

export { defaultOptions, datasetList, REPRODUCE_DEFAULTS, REAL_DATASETS, type ReproduceOptions } from './options.js';
export { learningRates, planTrials, readFinishedTrial } from './plan.js';
export { loadReproduceData } from './data.js';
export { fmtDuration } from './progress.js';
export { machineDescription } from './write.js';

export interface DatasetOutcome { dataset: string; dir: string; results: TrialResult[]; ran: number; skipped: number; failed: TrialFailure[] }

/** Some trials of the grid failed for a reason other than divergence. */
export class TrialFailedError extends GatedRnnError { constructor(m: string) { super('E_VALUE', m); } }

/** Runs (or resumes) the grid of every data set named by o.dataset and writes the reports. */
export async function reproduce(o: ReproduceOptions): Promise<DatasetOutcome[]> {
  checkOptions(o);
  const names = datasetList(o.dataset);
  await checkPaths(o);
  if (o.queue !== undefined && !o.reportOnly) await checkRedis(redisOptions(o.queue));
  const out = resolve(o.out);
  await mkdir(out, { recursive: true });
  await removeStaleTemps(out);
  const url = o.queue !== undefined ? new URL('file:///unused') : workerScript(o);
  const outcomes: DatasetOutcome[] = [];
  await withWorkers(async (active) => {
    for (const name of names) outcomes.push(await reproduceDataset(name, o, out, url, active));
  });
  await writeSummary(out);
  const failed = outcomes.flatMap((x) => x.failed.map((f) => `${x.dataset}/${f.id}: ${f.message}`));
  if (failed.length > 0) throw new TrialFailedError(`${failed.length} trial(s) failed (finished trials are saved; rerun to retry): ${failed.join('; ')}`);
  return outcomes;
}

/** The folders, before any data is read: --out (and --cache) can be created or written, --midi
 *  and --wav are folders, and --data is not a file (a missing one is fine: the data set is then
 *  looked for in the download cache). */
async function checkPaths(o: ReproduceOptions): Promise<void> {
  await checkOutputFolder(o.out, '--out');
  if (o.cache !== undefined) await checkOutputFolder(o.cache, '--cache');
  if (o.midi !== undefined) await checkInputFolder(o.midi, '--midi');
  if (o.wav !== undefined) await checkInputFolder(o.wav, '--wav');
  if (o.data !== undefined) {
    const st = await stat(o.data).catch(() => undefined);
    if (st && !st.isDirectory()) throw new ConfigError(`--data ${o.data} is a file, not a folder`);
  }
}

async function reproduceDataset(name: string, o: ReproduceOptions, out: string, url: URL, active: Set<Worker>): Promise<DatasetOutcome> {
  const started = new Date();
  const t0 = performance.now();
  const data = await loadReproduceData(name, o);
  const dir = join(out, name);
  await mkdir(join(dir, 'trials'), { recursive: true });
  const checkpointDir = join(dir, 'checkpoints');
  for (const d of [dir, join(dir, 'trials'), join(dir, 'models'), checkpointDir]) await removeStaleTemps(d);
  const modelDir = o.saveModels ? join(dir, 'models') : undefined;
  if (modelDir && !o.reportOnly) await mkdir(modelDir, { recursive: true });
  if (!o.reportOnly) await mkdir(checkpointDir, { recursive: true });
  // successive halving: a rung trial goes on from the last checkpoint of the draw's shorter one
  const continuations = new Map<string, TrialContinuation>();
  const dirs = { modelDir, checkpointDir, continueFrom: (spec: TrialSpec) => continuations.get(spec.id) };
  const coordinator = o.queue !== undefined && !o.reportOnly ? await openCoordinator(o.queue, name, data, o, dirs.continueFrom) : undefined;
  try {
    return await gridOf(name, o, dir, started, t0, coordinator?.runner ?? (o.reportOnly ? null : o.workers === 0 ? inProcessRunner(data, o.build, dirs) : workerRunner(data, o.build, url, active, dirs)), checkpointDir, coordinator, continuations);
  } finally {
    await coordinator?.close();
  }
}

/** The grid of one data set with a runner: finished trials read back, the others run (halving
 *  rungs first), the run logged and the reports written. */
async function gridOf(name: string, o: ReproduceOptions, dir: string, started: Date, t0: number, runner: TrialRunner | null, checkpointDir: string, coordinator?: QueueCoordinator, continuations = new Map<string, TrialContinuation>()): Promise<DatasetOutcome> {
  /** Rung trials whose last checkpoint the next rung may go on from: kept until it has. */
  const keep = new Set<string>();
  const dropCheckpoint = async (spec: TrialSpec) => {
    if (o.reportOnly) return;
    await rm(modelPathOf(checkpointDir, spec)!, { force: true });
    await coordinator?.dropCheckpoint(spec);
  };
  // every queued trial is enqueued at once; the workers' number is the queue's business
  const workersFor = (n: number) => (coordinator ? Math.max(1, n) : o.workers === 0 ? 1 : Math.min(o.workers, Math.max(1, n)));
  /** Resumes `specs`: the finished ones from their files, the others trained (not with --report-only). */
  const runSpecs = async (specs: TrialSpec[]) => {
    const { finished: results, todo } = await resume(dir, specs);
    const skipped = results.length;
    for (const r of results) await coordinator?.done(r.spec, keep.has(r.spec.id));
    if (!runner || todo.length === 0) return { results, skipped, failed: [] as TrialFailure[] };
    const progress = new Progress(name, specs.length, skipped, workersFor(todo.length), o.progress);
    let failed: TrialFailure[] = [];
    try {
      ({ failed } = await pool(todo, workersFor(todo.length), runner, progress, async (r) => {
        await writeFileAtomic(trialPath(dir, r.spec.id), new TextEncoder().encode(toJson(r)));
        // the result is on disk: its checkpoint (each epoch's, resumed from after a kill) and its
        // job are not needed, unless the next rung of halving goes on from it
        if (!keep.has(r.spec.id)) await dropCheckpoint(r.spec);
        await coordinator?.done(r.spec, keep.has(r.spec.id));
        results.push(r);
      }));
    } finally {
      progress.stop();
    }
    return { results, skipped, failed };
  };
  let specs = planTrials(name, o), ranEarly = 0;
  const failedEarly: TrialFailure[] = [];
  /** Checkpoints left by the last halving rung, dropped once the full trials are done. */
  let lastRung: TrialSpec[] = [];
  if (o.schedule === 'halving') {
    // successive halving over the draws (halving.ts): shorter rungs first, the survivors go on
    // from their rung's last checkpoint (its epochs are the first epochs of the longer trial)
    const draws = Math.max(1, o.onlyTrials.length || o.trials), eta = o.halvingEta ?? 3;
    const caps = rungEpochs(o.epochs, eta, draws), last = caps.length - 1;
    const rungOf = (s: TrialSpec, r: number) => (r < last ? rungSpec(s, r, caps[r]) : s);
    for (let r = 0; r < last; r++) {
      const rung = specs.map((s) => rungOf(s, r));
      for (const s of rung) keep.add(s.id);
      const got = await runSpecs(rung);
      ranEarly += got.results.length - got.skipped;
      failedEarly.push(...got.failed);
      const going = survivors(specs, got.results, eta);
      for (const s of specs) {
        const here = rungOf(s, r);
        if (going.includes(s)) continuations.set(rungOf(s, r + 1).id, { path: modelPathOf(checkpointDir, here)!, trial: here.id, epochs: caps[r], spec: here });
        else await dropCheckpoint(here);
        if (r > 0) await dropCheckpoint(rungOf(s, r - 1)); // superseded by this rung's
      }
      specs = going;
      lastRung = going.map((s) => rungOf(s, r));
    }
  }
  const { results, skipped, failed: failedLast } = await runSpecs(specs);
  for (const s of lastRung) await dropCheckpoint(s);
  const failed = [...failedEarly, ...failedLast];
  if (o.reportOnly) {
    let log = await readRunLog(dir);
    // interrupted before any invocation finished: describe the run by its trials
    if (log.invocations.length === 0 && results.length > 0) log = logFromTrials(name, results, o);
    if (results.length > 0) await writeDatasetReport(dir, name, results, o, log);
    return { dataset: name, dir, results, ran: 0, skipped, failed: [] };
  }
  const workers = workersFor(specs.length);
  const log = await appendRunLog(dir, {
    command: o.command ?? `gatedrnn reproduce --dataset ${name}`, started: started.toISOString(), finished: new Date().toISOString(),
    seconds: (performance.now() - t0) / 1000, trialsRun: results.length - skipped + ranEarly, workers, machine: machineDescription(),
  });
  if (results.length > 0) await writeDatasetReport(dir, name, results, o, log);
  return { dataset: name, dir, results, ran: results.length - skipped + ranEarly, skipped, failed };
}
