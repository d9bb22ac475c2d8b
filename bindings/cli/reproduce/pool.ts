// Running the trials: a pool of at most n at once, each on a worker thread (its own
// WebAssembly instance; worker.ts) or, with --workers 0, one after another in this thread.
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NotFoundError } from '../../errors.js';
import type { BuildKind } from '../../wasm.js';
import { runTrial, type TrialSpec, type TrialResult, type TrialData, type TrialContinuation } from '../../experiment/trial.js';
import type { WorkerInput, WorkerMessage } from './worker.js';
import type { Progress, TrialProgress } from './progress.js';
import type { ReproduceOptions } from './options.js';

/** Runs one trial to its result, reporting to `p` on the way. */
export type TrialRunner = (spec: TrialSpec, p: TrialProgress) => Promise<TrialResult>;

export interface TrialFailure { id: string; message: string }

/** The worker script: o.workerUrl, else reproduce-worker.js next to this module once bundled
 *  (dist/cli.js → dist/reproduce-worker.js). NotFoundError when workers are needed and it is absent. */
export function workerScript(o: ReproduceOptions): URL {
  const url = o.workerUrl === undefined ? new URL('./reproduce-worker.js', import.meta.url) : new URL(o.workerUrl);
  if (o.workers > 0 && !o.reportOnly && !existsSync(fileURLToPath(url))) {
    throw new NotFoundError(`the worker script ${fileURLToPath(url)} does not exist (run \`npm run build\`), or use --workers 0 to train in this thread`);
  }
  return url;
}

/** Calls fn with the set of live workers; an interrupt (SIGINT) meanwhile terminates them all. */
export async function withWorkers<T>(fn: (active: Set<Worker>) => Promise<T>): Promise<T> {
  const active = new Set<Worker>();
  const onSignal = () => { for (const w of active) void w.terminate(); };
  process.once('SIGINT', onSignal);
  try {
    return await fn(active);
  } finally {
    process.removeListener('SIGINT', onSignal);
  }
}

/** Where a trial's files go: its best model (`--save-models`) and its checkpoint; and, for
 *  successive halving, the shorter trial of the same draw it may go on from. */
export interface TrialDirs { modelDir?: string; checkpointDir?: string; continueFrom?: (spec: TrialSpec) => TrialContinuation | undefined }

/** Each trial on a new worker thread running `url`. */
export function workerRunner(data: TrialData, build: BuildKind | undefined, url: URL, active: Set<Worker>, dirs: TrialDirs = {}): TrialRunner {
  return (spec, p) => new Promise<TrialResult>((ok, fail) => {
    const input: WorkerInput = { spec, data, build, modelPath: modelPathOf(dirs.modelDir, spec), checkpointPath: modelPathOf(dirs.checkpointDir, spec), continueFrom: dirs.continueFrom?.(spec) };
    const w = new Worker(url, { workerData: input });
    active.add(w);
    let settled = false;
    const settle = (f: () => void) => { if (!settled) { settled = true; active.delete(w); f(); } };
    w.on('message', (m: WorkerMessage) => {
      switch (m.type) {
        case 'start': p.start(m.epochs, m.batches); break;
        case 'batch': p.batch(m.epoch, m.done, m.total); break;
        case 'epoch': p.epoch(m.record); break;
        case 'checkpoint': p.checkpoint?.(m.epochs); break;
        case 'done': settle(() => ok(m.result)); void w.terminate(); break;
        case 'error': settle(() => fail(Object.assign(new Error(m.error.message), { name: m.error.name, code: m.error.code, stack: m.error.stack }))); void w.terminate(); break;
      }
    });
    w.on('error', (e) => settle(() => fail(e)));
    w.on('exit', (code) => settle(() => fail(new Error(`worker for ${spec.id} exited with code ${code} before reporting a result`))));
  });
}

/** Each trial in this thread. */
export function inProcessRunner(data: TrialData, build: BuildKind | undefined, dirs: TrialDirs = {}): TrialRunner {
  return (spec, p) => runTrial(spec, data, build, {
    onStart: (e, b) => p.start(e, b), onBatch: (e, d, t) => p.batch(e, d, t), onEpoch: (r) => p.epoch(r),
  }, { modelPath: modelPathOf(dirs.modelDir, spec), checkpointPath: modelPathOf(dirs.checkpointDir, spec), continueFrom: dirs.continueFrom?.(spec) });
}

/** Where a trial's best model is saved (`--save-models`): `<dir>/models/<id>.safetensors`; its
 *  checkpoint likewise in `<dir>/checkpoints/`. */
export function modelPathOf(modelDir: string | undefined, spec: TrialSpec): string | undefined {
  return modelDir === undefined ? undefined : join(modelDir, `${spec.id}.safetensors`);
}

/** Runs `specs` with at most `n` at once; each result is handed to `save` as it arrives. A
 *  trial that fails is listed, and the others go on. */
export async function pool(specs: TrialSpec[], n: number, run: TrialRunner, progress: Progress, save: (r: TrialResult) => Promise<void>): Promise<{ failed: TrialFailure[] }> {
  const queue = [...specs];
  const failed: TrialFailure[] = [];
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
