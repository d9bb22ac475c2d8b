// The shared-memory protocol between ParallelTrainer (main thread) and its replica workers.
// Platform-neutral: only SharedArrayBuffer and Atomics.
//
// ctrl (Int32Array over a SharedArrayBuffer):
//   [SEQ]      command number; the main thread bumps it (Atomics.add + notify) to issue one
//   [CMD]      what to do (Cmd), [T], [B] the whole batch, [SHARDS] how many shards
//   [GEN]      generation of the batch buffer; a newer one comes as a message on the worker's
//              port, posted before the command that first uses it
//   [NOISE..]  4 words: the weight-noise RNG state every shard starts from
//   per worker w (1 ≤ w < SHARDS): [DONE] the last SEQ it finished, [STATUS] 0 ok / 1 error,
//              [ERRLEN] bytes of its error report in `errors`
//   per thread w (0 ≤ w < SHARDS, the main thread is 0): [READY] the last SEQ whose gradient
//              it has written to its arena (or failed to: then its STATUS says so)
// f64 (Float64Array over a SharedArrayBuffer): [SIGMA], per worker [LOSS], [FRAMES]
// params: the main model's parameter arena (snapshotParams layout), published before a command
// grads:  one gradient arena per thread, in thread order (the main thread's first)
// sum:    the step's gradient: reduce-scatter, thread w adds slice w (sliceRange) of every
//         arena, in thread order, once all of them are READY; the main thread then steps the
//         optimizer on the whole of it
// batch:  the whole batch, time-major, as a batcher fills it: x (T, B, I) | y | mask (T, B)
// errors: per worker ERROR_BYTES of UTF-8 JSON { name, code, message }

export const Cmd = { Step: 1, Eval: 2, Quit: 3 } as const;

export const SEQ = 0, CMD = 1, T_ = 2, B_ = 3, SHARDS = 4, GEN = 5, NOISE = 8;
const WORKER_BASE = 16, STRIDE = 6;
export const done = (w: number) => WORKER_BASE + STRIDE * w;
export const status = (w: number) => WORKER_BASE + STRIDE * w + 1;
export const errLen = (w: number) => WORKER_BASE + STRIDE * w + 2;
/** The first batch slot of shard w (the main thread writes every shard's before a command;
 *  shard w ends where shard w + 1 starts, the last at B). */
export const shardStart = (w: number) => WORKER_BASE + STRIDE * w + 3;
/** Microseconds worker w spent computing its shard of the last command (for load balance). */
export const busyMicros = (w: number) => WORKER_BASE + STRIDE * w + 4;
/** The last SEQ whose gradient thread w has written to its arena. */
export const ready = (w: number) => WORKER_BASE + STRIDE * w + 5;
export const ctrlInts = (threads: number) => WORKER_BASE + STRIDE * threads;

export const SIGMA = 0;
export const loss = (w: number) => 2 + 2 * w;
export const frames = (w: number) => 3 + 2 * w;
export const f64Count = (threads: number) => 2 + 2 * threads;

export const ERROR_BYTES = 4096;

/** Slots [start, end) of shard s of n over a batch of B (contiguous; shard 0 is the smallest). */
export function shardRange(B: number, n: number, s: number): [number, number] {
  return [Math.floor((s * B) / n), Math.floor(((s + 1) * B) / n)];
}

/** Floats [start, end) of the gradient sum that thread s of n adds up: contiguous, in
 *  multiples of 16 floats (64 bytes, so no two threads write one cache line) but for the last. */
export function sliceRange(floats: number, n: number, s: number): [number, number] {
  const at = (k: number) => (k >= n ? floats : Math.min(floats, Math.floor((k * floats) / n / 16) * 16));
  return [at(s), at(s + 1)];
}

/** sum[a, b) = arenas[0] + arenas[1] + … in that order, element by element: the same float
 *  sums as adding the arenas one after the other over the whole length. */
export function reduceSlice(sum: Float32Array, arenas: Float32Array[], count: number, a: number, b: number): void {
  sum.set(arenas[0].subarray(a, b), a);
  for (let j = 1; j < count; j++) {
    const g = arenas[j];
    for (let i = a; i < b; i++) sum[i] += g[i];
  }
}

/** The B slots split over n shards in proportion to each thread's speed (slots per ms, as
 *  last measured), every shard at least one slot; the largest remainders get the slots that
 *  rounding leaves. Returns the n + 1 boundaries. */
export function weightedBounds(B: number, speeds: number[]): number[] {
  const n = speeds.length, total = speeds.reduce((a, b) => a + b, 0);
  const want = speeds.map((v) => Math.max(1, (v / total) * B));
  const sizes = want.map((x) => Math.max(1, Math.floor(x)));
  let left = B - sizes.reduce((a, b) => a + b, 0);
  const order = want.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0]);
  for (let k = 0; left > 0; k = (k + 1) % n, left--) sizes[order[k][1]]++;
  for (let k = 0; left < 0; k = (k + 1) % n) { const i = order[n - 1 - k][1]; if (sizes[i] > 1) { sizes[i]--; left++; } }
  const bounds = [0];
  for (const s of sizes) bounds.push(bounds[bounds.length - 1] + s);
  return bounds;
}

/** Floats per time-major row of y: O (bernoulli) or 1 class index (softmax). */
export interface BatchDims { I: number; Y: number }

/** Byte offsets of x, y and mask of a (T, B) batch in the batch buffer, and its total bytes. */
export function batchLayout(T: number, B: number, d: BatchDims): { x: number; y: number; mask: number; bytes: number } {
  const rows = T * B;
  const y = rows * d.I * 4, mask = y + rows * d.Y * 4;
  return { x: 0, y, mask, bytes: mask + rows * 4 };
}

/** Time steps a shard must run: up to its last unmasked step (at least 1, so that every
 *  shard draws the same weight noise). Steps after it cannot change the loss (the network is
 *  causal and their outputs are masked), so the shard's gradient is unchanged. */
export function shardSteps(mask: Float32Array, T: number, B: number, b0: number, b1: number): number {
  for (let t = T - 1; t > 0; t--) {
    const row = t * B;
    for (let b = b0; b < b1; b++) if (mask[row + b] !== 0) return t + 1;
  }
  return 1;
}

/** Copies slots [b0, b1) of the first Ts steps of a (T, B, width) time-major array into the
 *  (Ts, b1 − b0, width) array `dst`. */
export function copyShard(dst: Float32Array | Int32Array, src: Float32Array | Int32Array, Ts: number, B: number, b0: number, b1: number, width: number): void {
  const Bs = b1 - b0;
  for (let t = 0; t < Ts; t++) {
    const from = (t * B + b0) * width;
    dst.set(src.subarray(from, from + Bs * width), t * Bs * width);
  }
}

type BatchViews = { x: Float32Array; y: Float32Array | Int32Array; mask: Float32Array };

/** Copies slots [b0, b1) of the whole (T, B) batch in `batch` into the model's own batch views,
 *  trimmed to the shard's steps; returns the shard's (Ts, Bs) for the in-place calls. */
export function loadShard(model: { batchViews(T: number, B: number): BatchViews }, batch: SharedArrayBuffer, T: number, B: number, b0: number, b1: number, d: BatchDims): { Ts: number; Bs: number } {
  const at = batchLayout(T, B, d), rows = T * B;
  const mask = new Float32Array(batch, at.mask, rows);
  const Ts = shardSteps(mask, T, B, b0, b1), Bs = b1 - b0;
  const v = model.batchViews(Ts, Bs);
  copyShard(v.x, new Float32Array(batch, at.x, rows * d.I), Ts, B, b0, b1, d.I);
  copyShard(v.y, v.y instanceof Int32Array ? new Int32Array(batch, at.y, rows) : new Float32Array(batch, at.y, rows * d.Y), Ts, B, b0, b1, d.Y);
  copyShard(v.mask, mask, Ts, B, b0, b1, 1);
  return { Ts, Bs };
}

/** A serialisable description of a thrown value. */
export interface ErrorReport { name: string; code?: string; message: string }

export function describeError(e: unknown): ErrorReport {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return { name: e.name, code: typeof code === 'string' ? code : undefined, message: e.message };
  }
  return { name: 'Error', message: String(e) };
}

const encoder = new TextEncoder(), decoder = new TextDecoder();

/** Writes a report into `dst` (truncating the message to fit); returns the bytes written. */
export function writeError(dst: Uint8Array, r: ErrorReport): number {
  let msg = r.message;
  for (;;) {
    const bytes = encoder.encode(JSON.stringify({ ...r, message: msg }));
    if (bytes.length <= dst.length) { dst.set(bytes); return bytes.length; }
    msg = msg.slice(0, Math.max(0, msg.length - (bytes.length - dst.length) - 16)) + '…';
  }
}

export function readError(src: Uint8Array, n: number): ErrorReport {
  // decode from a copy: TextDecoder refuses views of shared memory
  return JSON.parse(decoder.decode(src.slice(0, n))) as ErrorReport;
}
