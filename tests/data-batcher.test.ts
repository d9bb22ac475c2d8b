import { describe, expect, it } from 'vitest';
import { Batcher, CategoricalBatcher, type BatchPlan } from '../bindings/data/batcher.js';
import { notesToFrames, type NoteSequence } from '../bindings/data/pianoroll.js';
import { Rng } from '../bindings/data/rng.js';
import { ConfigError, EmptyError, ShapeError, ValueError } from '../bindings/errors.js';

/** Random dense sequences with distinct content (first value of frame t of seq s is s*1000+t). */
function denseData(lengths: number[], dim: number): Float32Array[] {
  const r = new Rng(99);
  return lengths.map((L, s) => {
    const f = new Float32Array(L * dim);
    for (let t = 0; t < L; t++) {
      f[t * dim] = s * 1000 + t + 1;
      for (let d = 1; d < dim; d++) f[t * dim + d] = r.uniform();
    }
    return f;
  });
}

function randomNotes(n: number, r: Rng): NoteSequence[] {
  return Array.from({ length: n }, () =>
    Array.from({ length: r.intIn(1, 40) }, () => {
      const set = new Set<number>();
      const k = r.int(5);
      for (let i = 0; i < k; i++) set.add(r.intIn(21, 108));
      return [...set].sort((a, b) => a - b);
    }));
}

/**
 * Reads the batch back: for each slot with mask, the frames it saw (inputs then the last
 * target), checking on the way that y[t] = x[t+1], that the mask is a prefix and that padding
 * rows are all zero.
 */
function readBack(plan: BatchPlan, x: Float32Array, y: Float32Array, mask: Float32Array, D: number): Float32Array[] {
  const { T, B } = plan;
  const out: Float32Array[] = [];
  let maskSum = 0;
  for (let b = 0; b < B; b++) {
    let P = 0;
    while (P < T && mask[P * B + b] === 1) P++;
    for (let t = P; t < T; t++) {
      expect(mask[t * B + b], `mask after end, slot ${b} t ${t}`).toBe(0);
      for (let d = 0; d < D; d++) {
        expect(x[(t * B + b) * D + d]).toBe(0);
        expect(y[(t * B + b) * D + d]).toBe(0);
      }
    }
    maskSum += P;
    if (b >= plan.items.length) { expect(P).toBe(0); continue; }
    expect(P).toBeGreaterThan(0);
    const frames = new Float32Array((P + 1) * D);
    for (let t = 0; t < P; t++) {
      const row = (t * B + b) * D;
      frames.set(x.subarray(row, row + D), t * D);
      if (t + 1 < P) expect(Array.from(y.subarray(row, row + D))).toEqual(Array.from(x.subarray(row + B * D, row + B * D + D)));
    }
    const last = ((P - 1) * B + b) * D;
    frames.set(y.subarray(last, last + D), P * D);
    out.push(frames);
  }
  expect(maskSum).toBe(plan.frames);
  return out;
}

const key = (f: Float32Array) => Array.from(f).join(',');

describe('Batcher (frames)', () => {
  const lengths = [5, 9, 2, 7, 1, 12, 3, 8, 4, 6, 10];
  const D = 3;
  const data = denseData(lengths, D);

  it('sizes: items, frames per epoch, T per batch, B fixed', () => {
    const bt = Batcher.fromFrames(data, D, { batchSize: 4, seed: 5 });
    expect(bt.itemCount).toBe(10); // the 1-frame sequence has nothing to predict
    expect(bt.predictedFrames).toBe(lengths.reduce((a, L) => a + L - 1, 0));
    expect(bt.maxT).toBe(11);
    expect(bt.batchesPerEpoch).toBe(3);
    const plans = bt.epoch(0);
    expect(plans.map((p) => p.items.length)).toEqual([4, 4, 2]);
    for (const p of plans) {
      expect(p.B).toBe(4);
      expect(p.T).toBe(Math.max(...Array.from(p.items, (i) => bt.itemLen[i] - 1)));
    }
  });

  it('writes the shifted sequences exactly; every sequence once per epoch; padding zero', () => {
    const bt = Batcher.fromFrames(data, D, { batchSize: 4, seed: 5 });
    const want = data.filter((f) => f.length >= 2 * D).map(key).sort();
    for (const e of [0, 1, 2]) {
      const seen: string[] = [];
      for (const plan of bt.epoch(e)) {
        const dst = bt.alloc(plan);
        dst.x.fill(NaN); dst.y.fill(NaN); dst.mask.fill(NaN); // fill must overwrite everything
        bt.fill(plan, dst);
        seen.push(...readBack(plan, dst.x, dst.y, dst.mask, D).map(key));
      }
      expect(seen.sort()).toEqual(want);
    }
  });

  it('is deterministic for a seed and epoch; seeds and epochs change the order', () => {
    const a = Batcher.fromFrames(data, D, { batchSize: 3, seed: 7 });
    const b = Batcher.fromFrames(data, D, { batchSize: 3, seed: 7 });
    const order = (bt: Batcher, e: number) => bt.epoch(e).flatMap((p) => Array.from(p.items));
    expect(order(a, 4)).toEqual(order(b, 4));
    expect(order(a, 4)).toEqual(order(a, 4)); // calling again gives the same plan
    expect(order(a, 0)).not.toEqual(order(a, 1));
    expect(order(a, 0)).not.toEqual(order(Batcher.fromFrames(data, D, { batchSize: 3, seed: 8 }), 0));
    // a pinned order: catches any change to the shuffle or the seeding
    expect(order(a, 0)).toEqual([1, 7, 2, 0, 8, 9, 3, 6, 4, 5]);
    const noShuffle = Batcher.fromFrames(data, D, { batchSize: 3, shuffle: false });
    expect(order(noShuffle, 0)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(order(noShuffle, 3)).toEqual(order(noShuffle, 0));
  });

  it('dropLast drops only the partial batch', () => {
    const bt = Batcher.fromFrames(data, D, { batchSize: 4, seed: 1, dropLast: true });
    const plans = bt.epoch(0);
    expect(plans.length).toBe(2);
    expect(bt.batchesPerEpoch).toBe(2);
    expect(plans.every((p) => p.items.length === 4)).toBe(true);
    const items = plans.flatMap((p) => Array.from(p.items));
    expect(new Set(items).size).toBe(8);
  });

  it('maxLength splits long sequences so that every transition is predicted exactly once', () => {
    const m = 3;
    const bt = Batcher.fromFrames(data, D, { batchSize: 4, seed: 2, maxLength: m });
    expect(bt.maxT).toBe(m);
    expect(bt.predictedFrames).toBe(lengths.reduce((a, L) => a + L - 1, 0));
    // transitions "a|b" of the data, as a multiset
    const trans = (f: Float32Array) => {
      const out: string[] = [];
      for (let t = 0; t + 1 < f.length / D; t++) out.push(key(f.subarray(t * D, (t + 1) * D)) + '|' + key(f.subarray((t + 1) * D, (t + 2) * D)));
      return out;
    };
    const want = data.flatMap(trans).sort();
    const got: string[] = [];
    for (const plan of bt.epoch(0)) {
      expect(plan.T).toBeLessThanOrEqual(m);
      const dst = bt.alloc(plan);
      bt.fill(plan, dst);
      for (const f of readBack(plan, dst.x, dst.y, dst.mask, D)) {
        expect(f.length / D - 1).toBeLessThanOrEqual(m);
        got.push(...trans(f));
      }
    }
    expect(got.sort()).toEqual(want);
    // the 12-frame sequence (11 steps) becomes chunks of 3, 3, 3, 2 steps starting at 0, 3, 6, 9
    const chunks = Array.from(bt.itemSeq.keys()).filter((i) => bt.itemSeq[i] === 5);
    expect(chunks.map((i) => [bt.itemStart[i], bt.itemLen[i] - 1])).toEqual([[0, 3], [3, 3], [6, 3], [9, 2]]);
  });

  it('sortBuckets reduces padding and keeps every item once', () => {
    const r = new Rng(4);
    const lens = Array.from({ length: 200 }, () => r.intIn(2, 200));
    const d = denseData(lens, 1);
    const pad = (bt: Batcher) => bt.epoch(0).reduce((a, p) => a + p.T * p.B, 0);
    const plain = Batcher.fromFrames(d, 1, { batchSize: 8, seed: 3 });
    const sorted = Batcher.fromFrames(d, 1, { batchSize: 8, seed: 3, sortBuckets: 5 });
    expect(pad(sorted)).toBeLessThan(0.8 * pad(plain));
    const items = sorted.epoch(0).flatMap((p) => Array.from(p.items)).sort((a, b) => a - b);
    expect(items).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(sorted.epoch(0).map((p) => p.index)).toEqual(Array.from({ length: 25 }, (_, i) => i));
  });

  it('sortBuckets Infinity without shuffle: the whole set longest first, ties in their given order, batches in that order', () => {
    const lens = [5, 9, 3, 9, 12, 2, 5, 7, 9, 4, 12];
    const bt = Batcher.fromFrames(denseData(lens, 1), 1, { batchSize: 3, shuffle: false, sortBuckets: Infinity });
    const plans = bt.epoch(0);
    const order = plans.flatMap((p) => Array.from(p.items));
    expect(order).toEqual([4, 10, 1, 3, 8, 7, 0, 6, 9, 2, 5]);
    expect(plans.map((p) => p.T)).toEqual([11, 8, 4, 2]);
    expect(plans.map((p) => p.index)).toEqual([0, 1, 2, 3]);
    expect(bt.epoch(5).map((p) => Array.from(p.items))).toEqual(plans.map((p) => Array.from(p.items))); // no per-epoch randomness
    // the same for chunks: each chunk is an item of its own length
    const ch = Batcher.fromFrames(denseData(lens, 1), 1, { batchSize: 4, shuffle: false, sortBuckets: Infinity, maxLength: 4 });
    const l = ch.epoch(0).flatMap((p) => Array.from(p.items)).map((i) => ch.itemLen[i]);
    expect(l).toEqual([...l].sort((a, b) => b - a));
    expect(l.length).toBe(ch.itemCount);
    expect(() => Batcher.fromFrames(denseData(lens, 1), 1, { batchSize: 3, sortBuckets: -Infinity })).toThrow(ConfigError);
  });

  it('fills views of a WebAssembly memory in place and leaves what follows untouched', () => {
    const bt = Batcher.fromFrames(data, D, { batchSize: 4, seed: 9 });
    const plan = bt.epoch(0)[0];
    const n = plan.T * plan.B;
    const mem = new WebAssembly.Memory({ initial: 1 });
    const base = 64;
    const x = new Float32Array(mem.buffer, base, n * D + 4);
    const y = new Float32Array(mem.buffer, base + x.byteLength, n * D + 4);
    const mask = new Float32Array(mem.buffer, base + x.byteLength + y.byteLength, n + 4);
    for (const a of [x, y, mask]) a.fill(-7);
    bt.fill(plan, { x, y, mask });
    for (const a of [x, y, mask]) expect(Array.from(a.subarray(a.length - 4))).toEqual([-7, -7, -7, -7]);
    const ref = bt.alloc(plan);
    bt.fill(plan, ref);
    expect(Array.from(x.subarray(0, n * D))).toEqual(Array.from(ref.x));
    expect(Array.from(mask.subarray(0, n))).toEqual(Array.from(ref.mask));
  });

  it('note lists and their dense piano rolls give identical batches', () => {
    const seqs = randomNotes(23, new Rng(6));
    const a = Batcher.fromNotes(seqs, { batchSize: 5, seed: 4, maxLength: 16 });
    const b = Batcher.fromFrames(seqs.map((s) => notesToFrames(s)), 88, { batchSize: 5, seed: 4, maxLength: 16 });
    expect(a.dim).toBe(88);
    const pa = a.epoch(2), pb = b.epoch(2);
    expect(pa.length).toBe(pb.length);
    for (let i = 0; i < pa.length; i++) {
      const da = a.alloc(pa[i]), db = b.alloc(pb[i]);
      a.fill(pa[i], da);
      b.fill(pb[i], db);
      expect(da.x).toEqual(db.x);
      expect(da.y).toEqual(db.y);
      expect(da.mask).toEqual(db.mask);
    }
  });

  it('refuses bad options, data and destinations', () => {
    expect(() => Batcher.fromFrames(data, D, { batchSize: 0 })).toThrow(ConfigError);
    expect(() => Batcher.fromFrames(data, D, { batchSize: 2, maxLength: 0 })).toThrow(ConfigError);
    expect(() => Batcher.fromFrames(data, D, { batchSize: 2, seed: -1 })).toThrow(ConfigError);
    expect(() => Batcher.fromFrames(data, D, { batchSize: 2, sortBuckets: 1.5 })).toThrow(ConfigError);
    expect(() => Batcher.fromFrames([new Float32Array(5)], 3, { batchSize: 2 })).toThrow(ShapeError);
    expect(() => Batcher.fromFrames([new Float32Array(3)], 3, { batchSize: 2 })).toThrow(EmptyError);
    expect(() => Batcher.fromFrames([new Float32Array([0, 1, NaN, 0])], 2, { batchSize: 2 })).toThrow(/sequence 0: element 2 is NaN/);
    expect(() => Batcher.fromFrames([], 3, { batchSize: 2 })).toThrow(EmptyError);
    expect(() => Batcher.fromNotes([[[60], [120]]], { batchSize: 2 })).toThrow(/sequence 0 step 1: note 120 is outside/);
    expect(() => Batcher.fromNotes([[[60], []], []], { batchSize: 2 })).toThrow(/sequence 1: sequence has no time steps/);
    const bt = Batcher.fromFrames(data, D, { batchSize: 4 });
    const plan = bt.epoch(0)[0];
    const dst = bt.alloc(plan);
    expect(() => bt.fill(plan, { ...dst, x: dst.x.subarray(1) })).toThrow(/batch x must be a Float32Array of at least/);
    expect(() => bt.fill(plan, { ...dst, mask: dst.mask.subarray(1) })).toThrow(ShapeError);
    expect(() => bt.fill({ ...plan, B: 3 }, dst)).toThrow(ShapeError);
    expect(() => bt.epoch(-1)).toThrow(ValueError);
  });
});

describe('CategoricalBatcher', () => {
  const seqs = [Int32Array.from([0, 3, 1, 2]), Int32Array.from([2, 2]), Int32Array.from([1, 0, 3, 3, 3, 0])];

  it('writes one-hot inputs, next-class labels and the mask', () => {
    const bt = new CategoricalBatcher(seqs, 4, { batchSize: 4, shuffle: false });
    const [plan] = bt.epoch(0);
    expect(plan.T).toBe(5);
    expect(plan.frames).toBe(3 + 1 + 5);
    const dst = bt.alloc(plan);
    bt.fill(plan, dst);
    const { x, y, mask } = dst;
    const B = 4, K = 4;
    for (let b = 0; b < 4; b++) {
      const s = seqs[b];
      for (let t = 0; t < 5; t++) {
        const r = t * B + b;
        const real = s !== undefined && t < s.length - 1;
        expect(mask[r]).toBe(real ? 1 : 0);
        expect(y[r]).toBe(real ? s[t + 1] : 0);
        const row = Array.from(x.subarray(r * K, r * K + K));
        expect(row).toEqual(real ? [0, 1, 2, 3].map((k) => (k === s[t] ? 1 : 0)) : [0, 0, 0, 0]);
      }
    }
  });

  it('chunks, shuffles deterministically and checks its input', () => {
    const bt = new CategoricalBatcher(seqs, 4, { batchSize: 2, seed: 3, maxLength: 2 });
    expect(bt.predictedFrames).toBe(9);
    expect(bt.itemCount).toBe(2 + 1 + 3);
    const e = bt.epoch(1).flatMap((p) => Array.from(p.items));
    expect([...e].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(new CategoricalBatcher(seqs, 4, { batchSize: 2, seed: 3, maxLength: 2 }).epoch(1).flatMap((p) => Array.from(p.items))).toEqual(e);
    expect(() => new CategoricalBatcher([Int32Array.from([0, 4])], 4, { batchSize: 1 })).toThrow(/sequence 0 step 1: class 4 is outside 0\.\.3/);
    expect(() => new CategoricalBatcher([Int32Array.from([0, -1])], 4, { batchSize: 1 })).toThrow(ValueError);
    expect(() => new CategoricalBatcher([[0, 1] as unknown as Int32Array], 4, { batchSize: 1 })).toThrow(ValueError);
    const plan = bt.epoch(0)[0];
    const dst = bt.alloc(plan);
    expect(() => bt.fill(plan, { ...dst, y: new Float32Array(dst.y.length) as unknown as Int32Array })).toThrow(/batch y must be an Int32Array/);
  });
});
