// Batches of sequences for next-step prediction, written time-major straight into the
// caller's arrays (normally fresh views of the model's WebAssembly arena), with no
// intermediate copies.
//
// Next-step shift. A sequence of L frames f_0 .. f_{L−1} gives L − 1 predicted steps:
//   x[t] = f_t (input), y[t] = f_{t+1} (target), mask[t] = 1, for t = 0 .. L−2.
// The first frame is never predicted (as in Boulanger-Lewandowski 2012 and Chung 2014).
//
// Layout (DESIGN.md): x (T, B, dim), y (T, B, dim) or (T, B) class indices, mask (T, B); row
// t·B + b holds slot b at step t. Sequences are left-aligned; after a sequence's last
// predicted step its rows are 0 with mask 0. T of a batch is the longest item's predicted
// steps. B is always the configured batch size: a partial last batch keeps B slots, the empty
// ones all zero with mask 0 (or is dropped with `dropLast`).
//
// Chunking (`maxLength` = m). A sequence with P = L − 1 > m predicted steps becomes
// ceil(P / m) items; chunk k covers frames [k·m, min(k·m + m, L − 1)] (m + 1 frames, the
// last chunk fewer), so consecutive chunks share one frame: the last target of chunk k is
// the first input of chunk k + 1. Every transition f_t → f_{t+1} is therefore predicted
// exactly once per epoch and the frame count (the NLL denominator) is unchanged. Chunks are
// independent items: they are shuffled separately and each starts from the model's initial
// state, so the model sees no context from before its chunk (truncated training without
// carrying state).
//
// Sorting (`sortBuckets` = k > 0). After the epoch's shuffle the item order is cut into
// buckets of k·B items; each bucket is sorted by length (longest first, ties in shuffled
// order), cut into batches of similar length, and then the order of all batches is shuffled
// again, so the padding shrinks while each epoch still sees batches in random order.
// `sortBuckets: Infinity` with `shuffle: false` sorts the whole set once, longest first (ties in
// their given order), and keeps the batches in that order: the evaluation batches of a trial.
// Per-epoch randomness comes from (seed, epoch) alone: `epoch(e)` gives the same plan every
// time it is called, in any order, on any platform.
import { assertFinite, ConfigError, ShapeError, ValueError } from '../errors.js';
import { NOTE_MIN, PIANO_UNITS, validateSequence, writeStep, type NoteSequence } from './pianoroll.js';
import { SequencePlanner, type BatcherOptions, type BatchPlan } from './planner.js';

export { SequencePlanner, type BatcherOptions, type BatchPlan } from './planner.js';

export interface FrameBatch { x: Float32Array; y: Float32Array; mask: Float32Array }
export interface ClassBatch { x: Float32Array; y: Int32Array; mask: Float32Array }

type FrameSource =
  | { kind: 'dense'; frames: readonly Float32Array[] }
  | { kind: 'notes'; seqs: readonly NoteSequence[]; lowest: number };

/** Batches of binary (or real-valued) frames for the Bernoulli head: y is the next frame. */
export class Batcher extends SequencePlanner {
  /** Values per frame. */
  readonly dim: number;
  private readonly source: FrameSource;

  private constructor(source: FrameSource, lengths: number[], dim: number, options: BatcherOptions) {
    super(lengths, options);
    this.source = source;
    this.dim = dim;
  }

  /** From dense sequences, each a Float32Array (len, dim). They are read, never copied. */
  static fromFrames(frames: readonly Float32Array[], dim: number, options: BatcherOptions): Batcher {
    if (!Number.isInteger(dim) || dim < 1) throw new ConfigError(`dim ${dim} must be a positive integer`);
    const lengths = frames.map((f, i) => {
      if (!(f instanceof Float32Array)) throw new ValueError(`sequence ${i}: expected a Float32Array (len, ${dim})`);
      if (f.length % dim !== 0) throw new ShapeError(`sequence ${i}: ${f.length} values are not a whole number of ${dim}-value frames`);
      assertFinite(f, `sequence ${i}`);
      return f.length / dim;
    });
    return new Batcher({ kind: 'dense', frames }, lengths, dim, options);
  }

  /** From note lists; frames are written as 88-unit piano rolls (unit n − 21 for note n). */
  static fromNotes(seqs: readonly NoteSequence[], options: BatcherOptions & { lowest?: number; units?: number }): Batcher {
    const lowest = options.lowest ?? NOTE_MIN, units = options.units ?? PIANO_UNITS;
    seqs.forEach((s, i) => {
      validateSequence(s, `sequence ${i}`);
      for (let t = 0; t < s.length; t++) {
        for (const n of s[t]) {
          if (n < lowest || n >= lowest + units) throw new ValueError(`sequence ${i} step ${t}: note ${n} is outside the ${units}-unit roll ${lowest}..${lowest + units - 1}`);
        }
      }
    });
    return new Batcher({ kind: 'notes', seqs, lowest }, seqs.map((s) => s.length), units, options);
  }

  /** Fresh arrays of exactly the sizes `fill` writes for `plan` (for callers without an arena). */
  alloc(plan: BatchPlan): FrameBatch {
    const n = plan.T * plan.B;
    return { x: new Float32Array(n * this.dim), y: new Float32Array(n * this.dim), mask: new Float32Array(n) };
  }

  /**
   * Writes the batch `plan` into dst: x, y (T, B, dim) and mask (T, B), the first T·B·dim
   * (T·B) elements of each; anything after that is left untouched. Padding is written as 0.
   */
  fill(plan: BatchPlan, dst: FrameBatch): void {
    const { T, B } = plan;
    const D = this.dim;
    const need = T * B * D;
    this.checkMask(plan, dst.mask);
    for (const k of ['x', 'y'] as const) {
      const a = dst[k];
      if (!(a instanceof Float32Array) || a.length < need) {
        throw new ShapeError(`batch ${k} must be a Float32Array of at least T·B·dim = ${T}·${B}·${D} = ${need} values, got ${a?.length}`);
      }
    }
    const { x, y } = dst;
    x.fill(0, 0, need);
    y.fill(0, 0, need);
    this.writeMask(plan, dst.mask);
    if (this.source.kind === 'dense') this.fillDense(plan, x, y, this.source.frames);
    else this.fillNotes(plan, x, y, this.source.seqs, this.source.lowest);
  }

  private fillDense(plan: BatchPlan, x: Float32Array, y: Float32Array, frames: readonly Float32Array[]): void {
    const B = plan.B, D = this.dim;
    for (let b = 0; b < plan.items.length; b++) {
      const it = plan.items[b];
      const f = frames[this.itemSeq[it]], start = this.itemStart[it], P = this.itemLen[it] - 1;
      for (let t = 0; t < P; t++) {
        const row = (t * B + b) * D;
        const at = (start + t) * D;
        for (let d = 0; d < D; d++) {
          x[row + d] = f[at + d];
          y[row + d] = f[at + D + d];
        }
      }
    }
  }

  private fillNotes(plan: BatchPlan, x: Float32Array, y: Float32Array, seqs: readonly NoteSequence[], lowest: number): void {
    const B = plan.B, D = this.dim;
    for (let b = 0; b < plan.items.length; b++) {
      const it = plan.items[b];
      const seq = seqs[this.itemSeq[it]], start = this.itemStart[it], P = this.itemLen[it] - 1;
      for (let t = 0; t < P; t++) {
        const row = (t * B + b) * D;
        writeStep(x, row, seq[start + t], lowest, D);
        writeStep(y, row, seq[start + t + 1], lowest, D);
      }
    }
  }
}

/**
 * Batches of categorical sequences (Int32Array of class indices in [0, classes)) for the
 * softmax head: x is the one-hot (T, B, classes) of token t, y (T, B) the index of token t+1
 * (0 in padding, where the mask is 0).
 */
export class CategoricalBatcher extends SequencePlanner {
  readonly classes: number;
  private readonly seqs: readonly Int32Array[];

  constructor(seqs: readonly Int32Array[], classes: number, options: BatcherOptions) {
    if (!Number.isInteger(classes) || classes < 1) throw new ConfigError(`classes ${classes} must be a positive integer`);
    seqs.forEach((s, i) => {
      if (!(s instanceof Int32Array)) throw new ValueError(`sequence ${i}: expected an Int32Array of class indices`);
      for (let t = 0; t < s.length; t++) {
        if (s[t] < 0 || s[t] >= classes) throw new ValueError(`sequence ${i} step ${t}: class ${s[t]} is outside 0..${classes - 1}`);
      }
    });
    super(seqs.map((s) => s.length), options);
    this.classes = classes;
    this.seqs = seqs;
  }

  alloc(plan: BatchPlan): ClassBatch {
    const n = plan.T * plan.B;
    return { x: new Float32Array(n * this.classes), y: new Int32Array(n), mask: new Float32Array(n) };
  }

  /** Writes x (T, B, classes) one-hot, y (T, B) next-token indices and mask (T, B). */
  fill(plan: BatchPlan, dst: ClassBatch): void {
    const { T, B } = plan;
    const K = this.classes;
    this.checkMask(plan, dst.mask);
    if (!(dst.x instanceof Float32Array) || dst.x.length < T * B * K) {
      throw new ShapeError(`batch x must be a Float32Array of at least T·B·classes = ${T}·${B}·${K} = ${T * B * K} values, got ${dst.x?.length}`);
    }
    if (!(dst.y instanceof Int32Array) || dst.y.length < T * B) {
      throw new ShapeError(`batch y must be an Int32Array of at least T·B = ${T}·${B} = ${T * B} values, got ${dst.y?.length}`);
    }
    const { x, y } = dst;
    x.fill(0, 0, T * B * K);
    y.fill(0, 0, T * B);
    this.writeMask(plan, dst.mask);
    for (let b = 0; b < plan.items.length; b++) {
      const it = plan.items[b];
      const s = this.seqs[this.itemSeq[it]], start = this.itemStart[it], P = this.itemLen[it] - 1;
      for (let t = 0; t < P; t++) {
        const r = t * B + b;
        x[r * K + s[start + t]] = 1;
        y[r] = s[start + t + 1];
      }
    }
  }
}
