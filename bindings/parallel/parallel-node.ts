// Data-parallel training of one model over worker threads (Node).
//
// The main thread's model is the only one that learns. Each worker thread holds a replica (same
// config, its own WebAssembly instance) that is a stateless gradient calculator: before every
// command the main thread publishes its parameters and weight-noise state in shared memory.
// A step splits the batch's B slots into contiguous shards, one per thread (the main thread
// computes shard 0), every shard computes the gradient of its summed loss with the same noise
// sample, the gradients are added in shard order and the main model takes one optimizer step
// (global-norm clip included). The result equals the single-thread step up to float rounding
// (the sums over the batch are grouped differently).
//
// The add is a reduce-scatter: every thread writes its gradient to its own shared arena, and
// once all are written, thread k adds slice k of all of them (protocol.ts sliceRange), so no
// thread adds more than 1/N of the arenas. Each element is still added in shard order, so the
// sum is bit for bit the one-after-the-other sum. The optimizer step stays on the main thread:
// bench/scaling-model.mjs measures it at 0.02–0.2 ms against 0.05–0.4 ms for one arena add, and
// projects this design (D there) within 2 points of a shard-local optimizer at 8 threads.
//
// Commands travel through SharedArrayBuffers and Atomics (protocol.ts): workers block in
// Atomics.wait, the main thread computes its own shard and then awaits the others with
// Atomics.waitAsync, so the event loop stays free to notice a worker that dies.
import { Worker, MessageChannel } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { compileCore } from '../core-node.js';
import type { BuildKind } from '../wasm.js';
import type { Model, TrainOptions, TrainResult } from '../model/model.js';
import type { LossResult, SlotLosses, TrainTarget } from '../model/types.js';
import {
  ConfigError, DisposedError, DivergedError, EmptyError, FormatError, GatedRnnError, KernelError, MemoryError, NotFoundError, ShapeError, ValueError,
} from '../errors.js';
import * as P from './protocol.js';
import type { ReplicaInit, RebindMessage } from './worker-node.js';

export interface ParallelOptions {
  /** Threads computing shards, the main thread included (default os.availableParallelism()).
   *  1 trains on the main thread alone, exactly like Model.trainStepInPlace. */
  threads?: number;
  /** Core build of the replicas (default: the main model's build, so every shard rounds alike). */
  build?: BuildKind;
  /** The bundled worker script (default: parallel-worker.js next to this bundle, or
   *  dist/parallel-worker.js when running from the TypeScript sources). */
  workerUrl?: URL | string;
  /** How a batch's slots are split over the threads: 'even' (default: ⌊B/n⌋ or so each, the
   *  same split every step, so a run's numbers repeat exactly) or 'measured' (in proportion to
   *  each thread's measured speed over the last updates, so that a slower core — another
   *  process, a busier host — gets fewer slots; the split, and so the float rounding of the
   *  sums, then depends on timing). */
  balance?: 'even' | 'measured';
}

/** Milliseconds the main thread spent per phase since the trainer was created. */
export interface ParallelStats {
  steps: number;
  /** Publishing parameters and the command. */
  publish: number;
  /** Copying its own shard and computing it. */
  compute: number;
  /** Waiting for the workers after its own shard. */
  wait: number;
  /** Adding the gradients and the optimizer step. */
  reduce: number;
}

const ERRORS: Record<string, new (m: string) => GatedRnnError> = {
  ConfigError, ShapeError, ValueError, EmptyError, FormatError, DisposedError, NotFoundError, KernelError, DivergedError, MemoryError,
};

/** The same typed error the replica threw, with the shard named. */
function rebuildError(r: P.ErrorReport, where: string): Error {
  const E = ERRORS[r.name];
  return E ? new E(`${r.message} (${where})`) : new Error(`${r.name}: ${r.message} (${where})`);
}

// Atomics.waitAsync (Node ≥ 16) is not in the ES2022 lib typings.
const waitAsync = (Atomics as unknown as {
  waitAsync(a: Int32Array, i: number, v: number): { async: false; value: string } | { async: true; value: Promise<string> };
}).waitAsync;

const DISPOSED_MID_COMMAND = 'this ParallelTrainer was disposed while a command was running';

function defaultWorkerUrl(): URL {
  const here = new URL('./parallel-worker.js', import.meta.url); // dist/node.js → dist/parallel-worker.js
  if (existsSync(fileURLToPath(here))) return here;
  return new URL('../../dist/parallel-worker.js', import.meta.url); // bindings/parallel/*.ts (vitest, tsx)
}

export class ParallelTrainer implements TrainTarget {
  /** The model that learns; its parameters are the truth the replicas copy. */
  readonly model: Model;
  /** Threads computing shards, the main thread included. */
  readonly threads: number;
  readonly stats: ParallelStats = { steps: 0, publish: 0, compute: 0, wait: 0, reduce: 0 };
  private readonly workers: Worker[] = [];
  private readonly ports: MessageChannel['port1'][] = [];
  private readonly ctrl: Int32Array;
  private readonly f64: Float64Array;
  private readonly params: Float32Array;
  /** One shared gradient arena per thread (the main thread's first) and their sum. */
  private readonly grads: Float32Array[] = [];
  private readonly sum: Float32Array;
  private readonly errors: Uint8Array;
  private readonly dims: P.BatchDims;
  private batch = new SharedArrayBuffer(0);
  private busy = false;
  private closed = false;
  /** Set when a worker exits or throws outside a command: the trainer is unusable. */
  private crash: DisposedError | null = null;
  private onCrash: ((e: Error) => void) | null = null;

  /** 'measured' balance: each thread's speed (batch slots per ms of its shard), smoothed. */
  private readonly balance: 'even' | 'measured';
  private speeds: number[] | null = null;

  private constructor(model: Model, threads: number, balance: 'even' | 'measured' = 'even') {
    this.model = model;
    this.threads = threads;
    this.balance = balance;
    const n = model.arenaFloats, c = model.config;
    this.ctrl = new Int32Array(new SharedArrayBuffer(P.ctrlInts(threads) * 4));
    this.f64 = new Float64Array(new SharedArrayBuffer(P.f64Count(threads) * 8));
    this.params = new Float32Array(new SharedArrayBuffer(n * 4));
    const g = new SharedArrayBuffer(threads > 1 ? threads * n * 4 : 4);
    for (let w = 0; w < threads && threads > 1; w++) this.grads.push(new Float32Array(g, w * n * 4, n));
    this.sum = new Float32Array(new SharedArrayBuffer(threads > 1 ? n * 4 : 4));
    this.errors = new Uint8Array(new SharedArrayBuffer(Math.max(1, threads - 1) * P.ERROR_BYTES));
    this.dims = { I: c.inputSize, Y: c.head.targetWidth };
  }

  /** Starts threads − 1 workers, each with a replica of `model`. */
  static async create(model: Model, opts: ParallelOptions = {}): Promise<ParallelTrainer> {
    const threads = opts.threads ?? os.availableParallelism();
    if (!Number.isInteger(threads) || threads < 1 || threads > 256) throw new ConfigError(`threads must be an integer in 1..256, got ${threads}`);
    if (model.disposed) throw new DisposedError('cannot train a disposed model in parallel');
    if (opts.balance !== undefined && opts.balance !== 'even' && opts.balance !== 'measured') throw new ConfigError(`balance must be 'even' or 'measured', got ${JSON.stringify(opts.balance)}`);
    const pt = new ParallelTrainer(model, threads, opts.balance);
    if (threads === 1) return pt;
    const build = opts.build ?? model.build;
    const module = compileCore(build);
    const url = opts.workerUrl ?? defaultWorkerUrl();
    if (!existsSync(url instanceof URL ? fileURLToPath(url) : url)) {
      throw new NotFoundError(`parallel worker script not found at ${url}: run \`npm run build\` first (it writes dist/parallel-worker.js)`);
    }
    const starts: Promise<void>[] = [];
    for (let w = 1; w < threads; w++) {
      const { port1, port2 } = new MessageChannel();
      const init: ReplicaInit = {
        index: w, module, build, config: model.publicConfig(),
        ctrl: pt.ctrl.buffer as SharedArrayBuffer, f64: pt.f64.buffer as SharedArrayBuffer,
        params: pt.params.buffer as SharedArrayBuffer, grads: pt.grads[0].buffer as SharedArrayBuffer,
        sum: pt.sum.buffer as SharedArrayBuffer, errors: pt.errors.buffer as SharedArrayBuffer, port: port2,
      };
      const worker = new Worker(url, { workerData: init, transferList: [port2] });
      pt.workers.push(worker);
      pt.ports.push(port1);
      starts.push(new Promise<void>((resolve, reject) => {
        worker.once('message', (m: { type: string; error?: P.ErrorReport; arenaFloats?: number }) => {
          if (m.type === 'ready' && m.arenaFloats === model.arenaFloats) resolve();
          else if (m.type === 'ready') reject(new ShapeError(`replica ${w} has an arena of ${m.arenaFloats} floats, the model ${model.arenaFloats}`));
          else reject(rebuildError(m.error ?? { name: 'Error', message: 'unknown failure' }, `starting replica ${w}`));
        });
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`replica ${w} exited with code ${code} while starting`)));
      }));
      worker.on('error', (e) => pt.fail(new DisposedError(`replica ${w} failed: ${e.message}; the workers were stopped`)));
      worker.on('exit', (code) => pt.fail(new DisposedError(`replica ${w} exited unexpectedly (code ${code}); the workers were stopped`)));
    }
    try { await Promise.all(starts); } catch (e) { await pt.dispose(); throw e; }
    // Idle workers do not keep the process alive (a forgotten trainer must not hang it); a
    // running command refs them (see command()).
    for (const w of pt.workers) w.unref();
    return pt;
  }

  /** A worker died or threw outside a command: reject the waiting command and stop the rest,
   *  so that nothing is left running. */
  private fail(e: DisposedError): void {
    if (this.closed || this.crash) return;
    this.crash = e;
    this.onCrash?.(e);
    void this.stopWorkers();
  }

  private stopWorkers(): Promise<unknown> {
    this.issue(P.Cmd.Quit, 0, 0, 0);
    for (const p of this.ports) p.close();
    return Promise.all(this.workers.map((w) => w.terminate()));
  }

  private check(): void {
    if (this.closed) throw new DisposedError('this ParallelTrainer has been disposed');
    if (this.crash) throw new DisposedError(`this ParallelTrainer can no longer be used: ${this.crash.message}`);
    if (this.busy) throw new ConfigError('a ParallelTrainer runs one command at a time: await the previous one');
  }

  /** Views of the whole batch (T, B) for a batcher to fill in place: x (T, B, I), y (T, B, O)
   *  or (T, B) class indices, mask (T, B). With one thread they are the model's own views. */
  batchViews(T: number, B: number): { x: Float32Array; y: Float32Array | Int32Array; mask: Float32Array } {
    this.check();
    if (this.threads === 1) return this.model.batchViews(T, B);
    this.model.batchViews(T, B); // validates T and B with the model's own messages
    const at = P.batchLayout(T, B, this.dims);
    if (at.bytes > this.batch.byteLength) this.grow(at.bytes);
    const rows = T * B;
    return {
      x: new Float32Array(this.batch, at.x, rows * this.dims.I),
      y: this.model.config.head.targetType === 'i32' ? new Int32Array(this.batch, at.y, rows) : new Float32Array(this.batch, at.y, rows * this.dims.Y),
      mask: new Float32Array(this.batch, at.mask, rows),
    };
  }

  /** A larger shared batch buffer; the workers take it with the next command. */
  private grow(bytes: number): void {
    this.batch = new SharedArrayBuffer(Math.max(bytes, Math.ceil(this.batch.byteLength * 1.5)));
    const gen = ++this.ctrl[P.GEN];
    for (const p of this.ports) p.postMessage({ gen, batch: this.batch } satisfies RebindMessage);
  }

  private issue(cmd: number, T: number, B: number, shards: number): number {
    const c = this.ctrl;
    c[P.CMD] = cmd; c[P.T_] = T; c[P.B_] = B; c[P.SHARDS] = shards;
    const seq = Atomics.add(c, P.SEQ, 1) + 1;
    Atomics.notify(c, P.SEQ);
    return seq;
  }

  private workerError(w: number, what: string): Error {
    return rebuildError(P.readError(new Uint8Array(this.errors.buffer, (w - 1) * P.ERROR_BYTES, P.ERROR_BYTES), this.ctrl[P.errLen(w)]), `${what}, replica ${w}`);
  }

  /** Resolves when workers 1..shards−1 have set their `slot` (P.done: finished; P.ready: their
   *  gradient arena written) to command `seq`; rejects if one dies. */
  private async waitWorkers(seq: number, shards: number, slot: (w: number) => number = P.done): Promise<void> {
    for (let w = 1; w < shards; w++) {
      for (;;) {
        const d = Atomics.load(this.ctrl, slot(w));
        if (d === seq) break;
        if (this.crash) throw this.crash;
        // dispose() between two waits (onCrash unset) stops workers that will never get here
        if (this.closed) throw new DisposedError(DISPOSED_MID_COMMAND);
        const r = waitAsync(this.ctrl, slot(w), d);
        if (r.async) {
          await new Promise<void>((resolve, reject) => {
            this.onCrash = reject;
            r.value.then(() => resolve());
          }).finally(() => { this.onCrash = null; });
        }
      }
    }
  }

  /** Runs one command over `shards` threads: `own` computes shard 0 on the main thread.
   *  Every worker has finished when this returns or throws; the first error in shard order wins.
   *  A step's gradients are reduce-scattered into `sum` before it returns. */
  private async command<R>(cmd: number, T: number, B: number, sigma: number, own: (Ts: number, Bs: number) => R): Promise<{ own: R; shards: number }> {
    this.check();
    const at = P.batchLayout(T, B, this.dims);
    if (at.bytes > this.batch.byteLength) throw new ShapeError(`call batchViews(${T}, ${B}) and fill it before running a step on it`);
    const shards = Math.min(this.threads, B);
    this.busy = true;
    for (const w of this.workers) w.ref();
    try {
      let t0 = performance.now();
      this.model.copyParamsInto(this.params);
      this.f64[P.SIGMA] = sigma;
      const noise = this.model.getNoiseState();
      new Uint32Array(this.ctrl.buffer, P.NOISE * 4, 4).set(noise);
      const bounds = this.bounds(B, shards);
      for (let w = 0; w < shards; w++) this.ctrl[P.shardStart(w)] = bounds[w];
      const seq = this.issue(cmd, T, B, shards);
      let t1 = performance.now();
      this.stats.publish += t1 - t0;
      let result: R | undefined, ownError: unknown = null;
      try {
        const { Ts, Bs } = P.loadShard(this.model, this.batch, T, B, bounds[0], bounds[1], this.dims);
        result = own(Ts, Bs);
      } catch (e) { ownError = e; }
      t0 = performance.now();
      this.stats.compute += t0 - t1;
      const ownMs = t0 - t1;
      try {
        if (cmd === P.Cmd.Step) {
          // this thread's arena is written (or its shard failed): the workers may add it up
          Atomics.store(this.ctrl, P.ready(0), seq);
          Atomics.notify(this.ctrl, P.ready(0));
          if (ownError === null) {
            await this.waitWorkers(seq, shards, P.ready);
            const t2 = performance.now();
            const [a, b] = P.sliceRange(this.sum.length, shards, 0);
            P.reduceSlice(this.sum, this.grads, shards, a, b);
            this.stats.reduce += performance.now() - t2;
            t0 += performance.now() - t2;
          }
        }
        await this.waitWorkers(seq, shards);
      } catch (e) { this.model.setNoiseState(noise); throw e; }
      t1 = performance.now();
      this.stats.wait += t1 - t0;
      let error = this.closed ? new DisposedError(DISPOSED_MID_COMMAND) : ownError;
      for (let w = 1; w < shards && error === null; w++) if (this.ctrl[P.status(w)] !== 0) error = this.workerError(w, `shard ${w} of ${shards}`);
      if (error !== null) {
        // as in Model, a step that fails on its input leaves the noise stream where it was
        this.model.setNoiseState(noise);
        throw error;
      }
      if (cmd === P.Cmd.Step) this.learnSpeeds(bounds, ownMs, shards);
      return { own: result as R, shards };
    } finally {
      this.busy = false;
      for (const w of this.workers) w.unref();
    }
  }

  /** The shard boundaries of a command over B slots: even, or by the measured speeds. */
  private bounds(B: number, shards: number): number[] {
    if (this.balance === 'measured' && this.speeds && shards === this.threads) return P.weightedBounds(B, this.speeds);
    return Array.from({ length: shards + 1 }, (_, w) => (w === shards ? B : P.shardRange(B, shards, w)[0]));
  }

  /** Each thread's slots per ms in the last update, smoothed over the updates before it. */
  private learnSpeeds(bounds: number[], ownMs: number, shards: number): void {
    if (this.balance !== 'measured' || shards !== this.threads) return;
    const now = bounds.slice(1).map((end, w) => (end - bounds[w]) / Math.max(1e-3, w === 0 ? ownMs : this.ctrl[P.busyMicros(w)] / 1000));
    this.speeds = this.speeds ? this.speeds.map((s, w) => 0.7 * s + 0.3 * now[w]) : now;
  }

  /** The summed loss and the gradient (snapshotGrads layout, a fresh array) of the batch in
   *  batchViews(T, B), with weight noise σ drawn from the model's noise stream (as one
   *  trainStep would draw it; the stream advances). */
  async lossAndGradInPlace(T: number, B: number, weightNoise = 0): Promise<LossResult & { grads: Float32Array }> {
    return this.gradients(T, B, weightNoise);
  }

  /** Loss, frames and the gradient summed over the shards in shard order (reduce-scattered by
   *  all threads into the shared sum; `fresh`: a copy of it). */
  private async gradients(T: number, B: number, sigma: number, fresh = true): Promise<LossResult & { grads: Float32Array }> {
    if (!(sigma >= 0 && Number.isFinite(sigma))) throw new ConfigError(`weightNoise must be a non-negative number, got ${sigma}`);
    if (this.threads === 1) {
      this.check();
      const r = this.model.lossAndGradNoisyInPlace(T, B, sigma);
      return { ...r, grads: this.model.snapshotGrads() };
    }
    const m = this.model;
    const { own, shards } = await this.command(P.Cmd.Step, T, B, sigma, (Ts, Bs) => {
      const r = m.lossAndGradNoisyInPlace(Ts, Bs, sigma);
      m.copyGradsInto(this.grads[0]);
      return r;
    });
    let loss = own.loss, frames = own.frames;
    for (let w = 1; w < shards; w++) {
      loss += this.f64[P.loss(w)];
      frames += this.f64[P.frames(w)];
    }
    return { loss, frames, grads: fresh ? this.sum.slice() : this.sum };
  }

  /** One update from the batch in batchViews(T, B): the parallel twin of
   *  Model.trainStepInPlace (same options, same result up to float rounding). */
  async trainStepInPlace(T: number, B: number, opts: TrainOptions = {}): Promise<TrainResult> {
    const { clipNorm, weightNoise, clipMode } = opts;
    if (!this.model.optimizerConfig) throw new ConfigError('no optimizer: call setOptimizer({ type, lr, … }) on the model before training');
    if (clipNorm !== undefined && !(clipNorm > 0 && Number.isFinite(clipNorm))) throw new ConfigError(`clipNorm must be a positive number, got ${clipNorm}`);
    if (this.threads === 1) { this.check(); return this.model.trainStepInPlace(T, B, opts); }
    const r = await this.gradients(T, B, weightNoise ?? 0, false);
    const t0 = performance.now();
    const gradNorm = this.model.applyGradients(r.grads, r.loss, { clipNorm, clipMode });
    this.stats.reduce += performance.now() - t0;
    this.stats.steps++;
    return { loss: r.loss, frames: r.frames, gradNorm };
  }

  /** Summed loss on clean weights of the batch in batchViews(T, B) (Model.evaluateInPlace). */
  async evaluateInPlace(T: number, B: number, slots?: SlotLosses, weightNoise = 0): Promise<LossResult> {
    // per-slot losses and noisy evaluation run on the main thread alone (the shards report
    // neither slots nor share one noise draw for an evaluation)
    if (this.threads === 1 || slots || weightNoise > 0) { this.check(); return this.evaluateHere(T, B, slots, weightNoise); }
    const m = this.model;
    const { own, shards } = await this.command(P.Cmd.Eval, T, B, 0, (Ts, Bs) => m.evaluateInPlace(Ts, Bs));
    let loss = own.loss, frames = own.frames;
    for (let w = 1; w < shards; w++) { loss += this.f64[P.loss(w)]; frames += this.f64[P.frames(w)]; }
    return { loss, frames };
  }

  /** The batch in the shared views, evaluated by the main model on this thread. */
  private evaluateHere(T: number, B: number, slots?: SlotLosses, weightNoise = 0): LossResult {
    if (this.threads > 1) {
      const v = this.model.batchViews(T, B), rows = T * B, at = P.batchLayout(T, B, this.dims);
      v.x.set(new Float32Array(this.batch, at.x, rows * this.dims.I));
      v.y.set(v.y instanceof Int32Array ? new Int32Array(this.batch, at.y, rows) : new Float32Array(this.batch, at.y, rows * this.dims.Y));
      v.mask.set(new Float32Array(this.batch, at.mask, rows));
    }
    return this.model.evaluateInPlace(T, B, slots, weightNoise);
  }

  /** Stops the workers (the model stays usable). Safe to call more than once. */
  async dispose(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onCrash?.(new DisposedError(DISPOSED_MID_COMMAND));
    await this.stopWorkers();
  }

  get disposed(): boolean { return this.closed; }
}
