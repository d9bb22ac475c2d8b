// Epoch planning shared by every batcher (frames, classes, waveforms): which items exist
// (sequences, or chunks of them under `maxLength`), their order each epoch (seeded shuffles,
// optional length-sorted buckets) and which items share a batch. A subclass only says how
// long each sequence is and writes the batch contents; the rules (next-step shift, chunking,
// sorting, per-(seed, epoch) determinism) are described in batcher.ts.
import { ConfigError, EmptyError, ShapeError, ValueError } from '../errors.js';
import { deriveSeed, Rng } from './rng.js';

export interface BatcherOptions {
  /** Slots per batch (B). */
  batchSize: number;
  /** Seed of the per-epoch shuffles (default 1). */
  seed?: number;
  /** Shuffle the items every epoch (default true). Off: items in their given order. */
  shuffle?: boolean;
  /** Drop the last batch of an epoch when it has fewer than B items (default false: keep it). */
  dropLast?: boolean;
  /** Most predicted steps per item: longer sequences are split into chunks (default: no limit). */
  maxLength?: number;
  /** Sort by length within buckets of this many batches to reduce padding (default 0 = off;
   *  Infinity: the whole epoch, which with `shuffle: false` is the evaluation order — longest
   *  first, ties in their given order). */
  sortBuckets?: number;
}

/** One batch of an epoch: which items sit in which slots, and its T. */
export interface BatchPlan {
  /** Position of this batch in its epoch. */
  index: number;
  /** Time steps of the batch: the longest item's predicted steps. */
  T: number;
  /** Slots (the configured batch size). */
  B: number;
  /** Item indices in slot order; count = items.length ≤ B. */
  items: Int32Array;
  /** Predicted frames in this batch = the sum of the mask. */
  frames: number;
}

function checkOptions(o: BatcherOptions): Required<BatcherOptions> {
  const B = o.batchSize;
  if (!Number.isInteger(B) || B < 1) throw new ConfigError(`batchSize ${B} must be a positive integer`);
  const seed = o.seed ?? 1;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new ConfigError(`seed ${seed} must be a non-negative integer`);
  const maxLength = o.maxLength ?? Infinity;
  if (maxLength !== Infinity && (!Number.isInteger(maxLength) || maxLength < 1)) {
    throw new ConfigError(`maxLength ${maxLength} must be a positive integer (predicted steps per chunk)`);
  }
  const sortBuckets = o.sortBuckets ?? 0;
  if (!(Number.isInteger(sortBuckets) || sortBuckets === Infinity) || sortBuckets < 0) throw new ConfigError(`sortBuckets ${sortBuckets} must be a non-negative integer or Infinity`);
  return { batchSize: B, seed, shuffle: o.shuffle ?? true, dropLast: o.dropLast ?? false, maxLength, sortBuckets };
}

/**
 * The epoch planning shared by the batchers: items, chunks, shuffles. `lengths[s]` is the
 * number of frames of sequence s; it gives lengths[s] − 1 predicted steps.
 */
export abstract class SequencePlanner {
  readonly options: Required<BatcherOptions>;
  /** For item i: its source sequence, first frame and number of frames (≥ 2). */
  readonly itemSeq: Int32Array;
  readonly itemStart: Int32Array;
  readonly itemLen: Int32Array;
  /** Σ over items of (frames − 1): the mask total of one epoch (without dropLast). */
  readonly predictedFrames: number;
  /** The largest T any batch can have: size the arena with it. */
  readonly maxT: number;

  protected constructor(lengths: ArrayLike<number>, options: BatcherOptions) {
    this.options = checkOptions(options);
    const m = this.options.maxLength;
    const seq: number[] = [], start: number[] = [], len: number[] = [];
    let frames = 0, maxT = 0;
    for (let s = 0; s < lengths.length; s++) {
      const P = lengths[s] - 1; // predicted steps; a 1-frame sequence has none and yields no item
      const chunk = m === Infinity ? Math.max(P, 1) : m;
      for (let at = 0; at < P; at += chunk) {
        const p = Math.min(chunk, P - at);
        seq.push(s); start.push(at); len.push(p + 1);
        frames += p;
        maxT = Math.max(maxT, p);
      }
    }
    if (seq.length === 0) throw new EmptyError('batcher: no sequence has 2 or more frames, so there is nothing to predict');
    this.itemSeq = Int32Array.from(seq);
    this.itemStart = Int32Array.from(start);
    this.itemLen = Int32Array.from(len);
    this.predictedFrames = frames;
    this.maxT = maxT;
  }

  get batchSize(): number { return this.options.batchSize; }
  get itemCount(): number { return this.itemSeq.length; }
  /** Batches in one epoch. */
  get batchesPerEpoch(): number {
    const n = this.itemCount, B = this.options.batchSize;
    return this.options.dropLast ? Math.floor(n / B) : Math.ceil(n / B);
  }

  /** The batches of epoch `e` (0, 1, ...): deterministic for (seed, e). */
  epoch(e: number): BatchPlan[] {
    if (!Number.isSafeInteger(e) || e < 0) throw new ValueError(`epoch ${e} must be a non-negative integer`);
    const { batchSize: B, shuffle, dropLast, sortBuckets, seed } = this.options;
    const n = this.itemCount;
    const rng = new Rng(deriveSeed(seed, e));
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    if (shuffle) rng.shuffle(order);
    if (sortBuckets > 0) {
      const bucket = Math.min(n, sortBuckets * B);
      const len = this.itemLen;
      for (let s = 0; s < n; s += bucket) {
        const part = Array.from(order.subarray(s, Math.min(n, s + bucket)));
        part.sort((a, b) => len[b] - len[a]); // stable: ties keep the shuffled order
        order.set(part, s);
      }
    }
    const plans: BatchPlan[] = [];
    for (let s = 0; s < n; s += B) {
      const items = order.slice(s, Math.min(n, s + B));
      if (dropLast && items.length < B) break;
      let T = 0, frames = 0;
      for (const it of items) { const p = this.itemLen[it] - 1; T = Math.max(T, p); frames += p; }
      plans.push({ index: 0, T, B, items, frames });
    }
    if (shuffle && sortBuckets > 0) rng.shuffle(plans);
    plans.forEach((p, i) => { p.index = i; });
    return plans;
  }

  protected checkMask(plan: BatchPlan, mask: Float32Array): void {
    const need = plan.T * plan.B;
    if (!(mask instanceof Float32Array) || mask.length < need) {
      throw new ShapeError(`batch mask must be a Float32Array of at least T·B = ${plan.T}·${plan.B} = ${need} values, got ${mask?.length}`);
    }
    if (plan.B !== this.options.batchSize || plan.items.length > plan.B) {
      throw new ShapeError(`batch plan has B = ${plan.B} with ${plan.items.length} items but this batcher's batch size is ${this.options.batchSize}`);
    }
  }

  /** Writes mask (T, B) for `plan` and returns nothing; rows past each item's end are 0. */
  protected writeMask(plan: BatchPlan, mask: Float32Array): void {
    const { T, B } = plan;
    mask.fill(0, 0, T * B);
    for (let b = 0; b < plan.items.length; b++) {
      const p = this.itemLen[plan.items[b]] - 1;
      for (let t = 0; t < p; t++) mask[t * B + b] = 1;
    }
  }
}
