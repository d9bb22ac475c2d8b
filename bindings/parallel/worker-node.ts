// Worker-thread entry of ParallelTrainer: one model replica in its own WebAssembly instance.
// It is a stateless gradient calculator: every command brings the main model's parameters and
// weight-noise state, so the replica computes exactly what the main model would on its shard.
// It waits on shared memory (Atomics.wait), never on the event loop, between commands.
// Bundled to dist/parallel-worker.js (scripts/bundle.mjs).
import { parentPort, workerData, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { enableRelaxedSimd } from '../core-node.js';
import { instantiateCore, type BuildKind } from '../wasm.js';
import { Model } from '../model/model.js';
import type { ModelConfig } from '../model/types.js';
import * as P from './protocol.js';

export interface ReplicaInit {
  index: number;
  module: WebAssembly.Module;
  build: BuildKind;
  config: ModelConfig;
  ctrl: SharedArrayBuffer;
  f64: SharedArrayBuffer;
  params: SharedArrayBuffer;
  /** One gradient arena per thread, the main thread's first. */
  grads: SharedArrayBuffer;
  /** The reduced gradient of a step (every thread adds its slice). */
  sum: SharedArrayBuffer;
  errors: SharedArrayBuffer;
  port: MessagePort;
}

/** Messages on the init port: the new batch buffer after the main thread grew it. */
export interface RebindMessage { gen: number; batch: SharedArrayBuffer }

// V8 flags are per process, but set it here too so the worker stands on its own.
enableRelaxedSimd();

const init = workerData as ReplicaInit;
const w = init.index;
const ctrl = new Int32Array(init.ctrl), f64 = new Float64Array(init.f64);
const errors = new Uint8Array(init.errors, (w - 1) * P.ERROR_BYTES, P.ERROR_BYTES);

let model: Model;
try {
  model = new Model(init.config, await instantiateCore(init.module, init.build));
} catch (e) {
  parentPort!.postMessage({ type: 'error', error: P.describeError(e) });
  throw e;
}
const n = model.arenaFloats;
const params = new Float32Array(init.params, 0, n);
const threads = init.grads.byteLength / (n * 4);
const arenas = Array.from({ length: threads }, (_, k) => new Float32Array(init.grads, k * n * 4, n));
const grads = arenas[w], sum = new Float32Array(init.sum, 0, n);
const dims: P.BatchDims = { I: model.config.inputSize, Y: model.config.head.targetWidth };
let batch = new SharedArrayBuffer(0), gen = 0;

/** Takes the batch buffers the main thread posted until this worker has generation `want`.
 *  They were posted before the command was issued, so they are already queued. */
function rebind(want: number): void {
  while (gen !== want) {
    const m = receiveMessageOnPort(init.port)?.message as RebindMessage | undefined;
    if (!m) throw new Error(`replica: batch buffer ${want} was not posted`);
    ({ gen, batch } = m);
  }
}

/** Blocks until thread k has written its gradient of command `seq`; false when a newer command
 *  (Quit, after a failure elsewhere) came instead. */
function awaitReady(k: number, seq: number): boolean {
  for (;;) {
    const r = Atomics.load(ctrl, P.ready(k));
    if (r === seq) return true;
    if (Atomics.load(ctrl, P.SEQ) !== seq) return false;
    Atomics.wait(ctrl, P.ready(k), r, 50);
  }
}

/** Step, second half: once every shard's arena is written, add slice w of them into the sum. */
function reduceOwnSlice(seq: number, shards: number): void {
  for (let k = 0; k < shards; k++) if (k !== w && !awaitReady(k, seq)) return;
  const [a, b] = P.sliceRange(n, shards, w);
  P.reduceSlice(sum, arenas, shards, a, b);
}

function markReady(seq: number): void {
  Atomics.store(ctrl, P.ready(w), seq);
  Atomics.notify(ctrl, P.ready(w));
}

function run(cmd: number, seq: number): void {
  rebind(ctrl[P.GEN]);
  const T = ctrl[P.T_], B = ctrl[P.B_], shards = ctrl[P.SHARDS];
  if (w >= shards) return; // fewer slots than threads: this one sits the command out
  model.restoreParams(params);
  const t0 = performance.now();
  const b0 = ctrl[P.shardStart(w)], b1 = w + 1 < shards ? ctrl[P.shardStart(w + 1)] : B;
  const { Ts, Bs } = P.loadShard(model, batch, T, B, b0, b1, dims);
  if (cmd === P.Cmd.Step) {
    model.setNoiseState(new Uint32Array(ctrl.buffer, P.NOISE * 4, 4).slice());
    const r = model.lossAndGradNoisyInPlace(Ts, Bs, f64[P.SIGMA]);
    model.copyGradsInto(grads);
    f64[P.loss(w)] = r.loss;
    f64[P.frames(w)] = r.frames;
    ctrl[P.busyMicros(w)] = Math.min(2 ** 31 - 1, Math.round((performance.now() - t0) * 1000));
    markReady(seq);
    reduceOwnSlice(seq, shards);
    return;
  } else if (cmd === P.Cmd.Eval) {
    const r = model.evaluateInPlace(Ts, Bs);
    f64[P.loss(w)] = r.loss;
    f64[P.frames(w)] = r.frames;
  } else throw new Error(`replica: unknown command ${cmd}`);
  ctrl[P.busyMicros(w)] = Math.min(2 ** 31 - 1, Math.round((performance.now() - t0) * 1000));
}

parentPort!.postMessage({ type: 'ready', arenaFloats: n });
let seen = 0;
for (;;) {
  Atomics.wait(ctrl, P.SEQ, seen);
  const seq = Atomics.load(ctrl, P.SEQ);
  if (seq === seen) continue;
  seen = seq;
  const cmd = ctrl[P.CMD];
  if (cmd === P.Cmd.Quit) break;
  let failed = 0;
  try { run(cmd, seq); } catch (e) {
    ctrl[P.errLen(w)] = P.writeError(errors, P.describeError(e));
    failed = 1;
  }
  ctrl[P.status(w)] = failed;
  // a step that failed before its arena was written still releases the others' reduce (the
  // main thread reads STATUS and throws; the sum is not used)
  if (Atomics.load(ctrl, P.ready(w)) !== seq) markReady(seq);
  Atomics.store(ctrl, P.done(w), seq);
  Atomics.notify(ctrl, P.done(w));
}
model.dispose();
init.port.close();
