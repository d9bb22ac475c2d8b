import { describe, expect, it } from 'vitest';
import {
  WaveBatcher, denormalise, nllUnits, normalise, speechNorm, speechSteps, writeStepInput, writeStepTarget,
} from '../bindings/data/speech.js';
import type { BatchPlan } from '../bindings/data/planner.js';
import { Rng } from '../bindings/data/rng.js';
import { ConfigError, EmptyError, ShapeError, ValueError } from '../bindings/errors.js';

const f32 = (a: number[]) => Array.from(Float32Array.from(a));
const row = (a: Float32Array, r: number, w: number) => Array.from(a.subarray(r * w, r * w + w));

describe('speech framing: read 20 samples, predict the next 10', () => {
  // s_j = j + 1 for j < 40; the 7 samples past 10·floor(47/10) are 30000 + j so a leak shows.
  const wave = Int16Array.from({ length: 47 }, (_, j) => (j < 40 ? j + 1 : 30000 + j));
  const norm = { mean: 2, std: 4 }; // z(s) = (s − 2) / 4; silence z(0) = −0.5

  it('L = 47 gives 4 steps; step 0 reads silence; samples 40..46 are dropped', () => {
    const bt = WaveBatcher.fromWaves([wave], norm, { batchSize: 1, shuffle: false });
    expect(speechSteps(47)).toBe(4);
    expect(bt.predictedFrames).toBe(4);
    expect(bt.predictedSamples).toBe(40);
    expect(bt.maxT).toBe(4);
    expect(bt.silence).toBe(-0.5);
    const [plan] = bt.epoch(0);
    expect(plan.T).toBe(4);
    expect(plan.frames).toBe(4);
    const { x, y, mask } = bt.alloc(plan);
    expect([x.length, y.length, mask.length]).toEqual([80, 40, 4]);
    bt.fill(plan, { x, y, mask });
    expect(Array.from(mask)).toEqual([1, 1, 1, 1]);
    // Step 0: input samples −20..−1 (all silence), target samples 0..9 = values 1..10.
    expect(row(x, 0, 20)).toEqual(new Array(20).fill(-0.5));
    expect(row(y, 0, 10)).toEqual(f32([-0.25, 0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2]));
    // Step 1: input samples −10..9 (10 silences, then values 1..10), target samples 10..19 = 11..20.
    expect(row(x, 1, 20)).toEqual(f32([...new Array(10).fill(-0.5), -0.25, 0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2]));
    expect(row(y, 1, 10)).toEqual(f32([2.25, 2.5, 2.75, 3, 3.25, 3.5, 3.75, 4, 4.25, 4.5]));
    // Step 2: input samples 0..19 (values 1..20), target samples 20..29 (21..30).
    expect(row(x, 2, 20)).toEqual(f32(Array.from({ length: 20 }, (_, i) => (i + 1 - 2) / 4)));
    expect(row(y, 2, 10)).toEqual(f32(Array.from({ length: 10 }, (_, i) => (i + 21 - 2) / 4)));
    // Step 3: input samples 10..29, target samples 30..39 (values 31..40); nothing past 39.
    expect(row(x, 3, 20)).toEqual(f32(Array.from({ length: 20 }, (_, i) => (i + 11 - 2) / 4)));
    expect(row(y, 3, 10)).toEqual(f32([7.25, 7.5, 7.75, 8, 8.25, 8.5, 8.75, 9, 9.25, 9.5]));
    expect([...x, ...y].every((v) => v < 10)).toBe(true);
  });

  it('utterances shorter than the hop give no item; none at all is an EmptyError', () => {
    const bt = WaveBatcher.fromWaves([wave, new Int16Array(9), new Int16Array(10)], norm, { batchSize: 4, shuffle: false });
    expect(bt.itemCount).toBe(2);
    expect(bt.predictedFrames).toBe(5);
    const [plan] = bt.epoch(0);
    expect(Array.from(plan.items)).toEqual([0, 1]);
    expect(() => WaveBatcher.fromWaves([new Int16Array(9), new Int16Array(0)], norm, { batchSize: 1 })).toThrow(EmptyError);
    expect(() => WaveBatcher.fromWaves([], norm, { batchSize: 1 })).toThrow(/no utterance has 10 or more samples/);
  });

  it('padding and empty slots are 0 with mask 0 (not the silence value)', () => {
    const bt = WaveBatcher.fromWaves([wave, wave.subarray(0, 25)], norm, { batchSize: 3, shuffle: false });
    const [plan] = bt.epoch(0);
    const { x, y, mask } = bt.alloc(plan);
    bt.fill(plan, { x, y, mask });
    expect(plan.T).toBe(4);
    const B = 3;
    expect(Array.from(mask)).toEqual([1, 1, 0, 1, 1, 0, 1, 0, 0, 1, 0, 0]);
    for (let t = 0; t < 4; t++) {
      for (let b = 0; b < B; b++) {
        if (mask[t * B + b] === 1) continue;
        expect(row(x, t * B + b, 20).every((v) => v === 0), `x padding t ${t} b ${b}`).toBe(true);
        expect(row(y, t * B + b, 10).every((v) => v === 0)).toBe(true);
      }
    }
    // slot 1 (25 samples → 2 steps) reads the same as slot 0 for its two steps
    expect(row(x, 1 * B + 1, 20)).toEqual(row(x, 1 * B + 0, 20));
    expect(row(y, 1 * B + 1, 10)).toEqual(row(y, 1 * B + 0, 10));
  });

  it('other widths: input 5, hop 3 (input need not be a multiple of hop)', () => {
    const w = Int16Array.from([10, 20, 30, 40, 50, 60, 70, 80]); // 8 samples → 2 steps
    const bt = WaveBatcher.fromWaves([w], { mean: 0, std: 10 }, { batchSize: 1, input: 5, hop: 3 });
    const [plan] = bt.epoch(0);
    const b = bt.alloc(plan);
    bt.fill(plan, b);
    expect(bt.input).toBe(5);
    expect(bt.hop).toBe(3);
    expect(plan.T).toBe(2);
    expect(Array.from(b.x)).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 2, 3]); // silence is 0 here (mean 0)
    expect(Array.from(b.y)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('writeStepInput / writeStepTarget, as a sampler uses them, and their range checks', () => {
    const n = { mean: 2, std: 4 };
    const out = new Float32Array(22).fill(99);
    writeStepInput(out, 1, wave, 1, n);
    expect(out[0]).toBe(99);
    expect(out[21]).toBe(99);
    expect(Array.from(out.subarray(1, 21))).toEqual(f32([...new Array(10).fill(-0.5), ...Array.from({ length: 10 }, (_, i) => (i + 1 - 2) / 4)]));
    writeStepInput(out, 0, wave, 4, n); // the step after the last: input 20..39, allowed
    expect(() => writeStepInput(out, 0, wave, 5, n)).toThrow(ValueError);
    expect(() => writeStepInput(out, 0, wave, -1, n)).toThrow(ValueError);
    writeStepTarget(out, 0, wave, 3, n);
    expect(() => writeStepTarget(out, 0, wave, 4, n)).toThrow(/samples 40\.\.49, is outside the 47-sample wave/);
  });
});

describe('speech chunking', () => {
  // z = (s + 0.5) / 2 is exact in f32, silence is 0.25 and padding 0, so every row decodes
  // back to the sample values (s = 2z − 0.5) and we can tell which samples a row holds.
  const norm = { mean: -0.5, std: 2 };
  const r = new Rng(7);
  const lengths = Array.from({ length: 30 }, () => r.intIn(5, 600));
  lengths.push(10, 9, 20, 21);
  const waves = lengths.map((L, u) => Int16Array.from({ length: L }, (_, j) => u * 600 + j + 1));
  const decode = (v: number) => 2 * v - 0.5;

  for (const opts of [{ maxLength: 7, sortBuckets: 0 }, { maxLength: 3, sortBuckets: 2 }, { maxLength: 1, sortBuckets: 0 }, { maxLength: 1000, sortBuckets: 1 }]) {
    it(`maxLength ${opts.maxLength}, sortBuckets ${opts.sortBuckets}: every step predicted exactly once; chunk inputs are the real samples before them`, () => {
      const bt = WaveBatcher.fromWaves(waves, norm, { batchSize: 4, seed: 11, ...opts });
      const totalSteps = lengths.reduce((a, L) => a + Math.floor(L / 10), 0);
      expect(bt.predictedFrames).toBe(totalSteps);
      const seen = new Map<string, number>();
      let frames = 0, chunkStartsWithContext = 0;
      for (const plan of bt.epoch(2)) {
        const { x, y, mask } = bt.alloc(plan);
        bt.fill(plan, { x, y, mask });
        const B = plan.B;
        frames += plan.frames;
        for (let b = 0; b < B; b++) {
          for (let t = 0; t < plan.T; t++) {
            if (mask[t * B + b] !== 1) continue;
            const ys = row(y, t * B + b, 10).map(decode);
            const u = Math.floor((ys[0] - 1) / 600), j0 = ys[0] - 1 - u * 600;
            expect(j0 % 10).toBe(0);
            const k = j0 / 10; // the utterance's step
            expect(ys).toEqual(Array.from({ length: 10 }, (_, i) => waves[u][10 * k + i]));
            const xs = row(x, t * B + b, 20);
            const want = Array.from({ length: 20 }, (_, i) => { const j = 10 * k - 20 + i; return j < 0 ? 0.25 : (waves[u][j] + 0.5) / 2; });
            expect(xs).toEqual(want);
            if (t === 0 && k >= 2) { chunkStartsWithContext++; expect(xs.includes(0.25)).toBe(false); }
            const key = `${u}:${k}`;
            seen.set(key, (seen.get(key) ?? 0) + 1);
          }
        }
      }
      expect(frames).toBe(totalSteps);
      expect(seen.size).toBe(totalSteps);
      expect([...seen.values()].every((c) => c === 1)).toBe(true);
      if (opts.maxLength < 60) expect(chunkStartsWithContext).toBeGreaterThan(0);
      expect(bt.maxT).toBe(Math.min(opts.maxLength, Math.max(...lengths.map((L) => Math.floor(L / 10)))));
    });
  }
});

describe('speech normalisation', () => {
  it('speechNorm is the mean and population std over all training samples', () => {
    const n = speechNorm([Int16Array.from([1, 2, 3]), Int16Array.from([4])]);
    expect(n.mean).toBe(2.5);
    expect(n.std).toBeCloseTo(Math.sqrt(1.25), 15);
    const ext = speechNorm([Int16Array.from([32767, -32768]), Int16Array.from([32767, -32768])]);
    expect(ext).toEqual({ mean: -0.5, std: 32767.5 });
    const r = new Rng(1);
    const waves = Array.from({ length: 5 }, () => Int16Array.from({ length: 1000 + r.int(500) }, () => Math.round(r.normal() * 1500 + 40)));
    const m = speechNorm(waves);
    const all = waves.flatMap((w) => Array.from(w));
    const mean = all.reduce((a, b) => a + b, 0) / all.length;
    expect(m.mean).toBeCloseTo(mean, 9);
    expect(m.std).toBeCloseTo(Math.sqrt(all.reduce((a, s) => a + (s - mean) ** 2, 0) / all.length), 9);
    const z = waves.flatMap((w) => Array.from(normalise(w, m)));
    expect(z.reduce((a, b) => a + b, 0) / z.length).toBeCloseTo(0, 6);
    expect(Math.sqrt(z.reduce((a, b) => a + b * b, 0) / z.length)).toBeCloseTo(1, 6);
  });

  it('refuses empty, constant and non-int16 training data', () => {
    expect(() => speechNorm([])).toThrow(EmptyError);
    expect(() => speechNorm([new Int16Array(0)])).toThrow(EmptyError);
    expect(() => speechNorm([Int16Array.from([5, 5, 5])])).toThrow(/standard deviation is 0/);
    expect(() => speechNorm([[1, 2] as unknown as Int16Array])).toThrow(ValueError);
  });

  it('denormalise(normalise(s)) is s for every int16 value; out-of-range values clip', () => {
    const norm = { mean: 3.7, std: 2011.3 };
    const s = new Int16Array(65536);
    for (let i = 0; i < 65536; i++) s[i] = i - 32768;
    const back = denormalise(normalise(s, norm), norm);
    const firstBad = back.samples.findIndex((v, i) => v !== s[i]);
    expect(firstBad, `first mismatch at ${s[firstBad]}`).toBe(-1);
    expect(back.clipped).toBe(0);
    const c = denormalise([100, -100, 0], norm);
    expect(Array.from(c.samples)).toEqual([32767, -32768, 4]);
    expect(c.clipped).toBe(2);
    expect(() => denormalise([NaN], norm)).toThrow(ValueError);
    expect(() => normalise(s, { mean: 0, std: 0 })).toThrow(ValueError);
  });
});

describe('WaveBatcher batches', () => {
  const r = new Rng(5);
  const waves = Array.from({ length: 23 }, () => Int16Array.from({ length: r.intIn(30, 900) }, () => r.intIn(-3000, 3000)));
  const norm = speechNorm(waves);
  const opts = { batchSize: 4, seed: 3, maxLength: 25, sortBuckets: 2 };

  it('fill into preallocated views of a larger buffer equals alloc + fill, and leaves the rest alone', () => {
    const bt = WaveBatcher.fromWaves(waves, norm, opts);
    const plans = bt.epoch(0);
    const cap = bt.maxT * 4;
    const arena = new Float32Array(cap * 31 + 100).fill(NaN);
    const x = arena.subarray(0, cap * 20 + 10), y = arena.subarray(cap * 20 + 10, cap * 30 + 20), mask = arena.subarray(cap * 30 + 20);
    for (const plan of [...plans, plans[0]]) { // reused views: stale data from a longer batch must not survive
      bt.fill(plan, { x, y, mask });
      const fresh = bt.alloc(plan);
      bt.fill(plan, fresh);
      const n = plan.T * plan.B;
      expect(x.subarray(0, n * 20)).toEqual(fresh.x);
      expect(y.subarray(0, n * 10)).toEqual(fresh.y);
      expect(mask.subarray(0, n)).toEqual(fresh.mask);
      expect(fresh.mask.reduce((a, b) => a + b, 0)).toBe(plan.frames);
    }
    expect(Number.isNaN(x[cap * 20 + 5])).toBe(true);
    expect(Number.isNaN(y[cap * 10 + 5])).toBe(true);
  });

  it('deterministic for (seed, epoch); different epochs and seeds shuffle differently', () => {
    const a = WaveBatcher.fromWaves(waves, norm, opts), b = WaveBatcher.fromWaves(waves, norm, opts);
    const key = (ps: BatchPlan[]) => ps.map((p) => `${p.T}:${Array.from(p.items).join(',')}`).join('|');
    expect(key(a.epoch(3))).toBe(key(b.epoch(3)));
    expect(key(a.epoch(3))).toBe(key(a.epoch(3)));
    expect(key(a.epoch(2))).not.toBe(key(a.epoch(3)));
    expect(key(WaveBatcher.fromWaves(waves, norm, { ...opts, seed: 4 }).epoch(3))).not.toBe(key(a.epoch(3)));
    const pa = a.epoch(5)[1], pb = b.epoch(5)[1];
    const fa = a.alloc(pa), fb = b.alloc(pb);
    a.fill(pa, fa); b.fill(pb, fb);
    expect(fa).toEqual(fb);
    expect(a.batchesPerEpoch).toBe(a.epoch(0).length);
    const dl = WaveBatcher.fromWaves(waves, norm, { ...opts, dropLast: true });
    expect(dl.epoch(0).every((p) => p.items.length === 4)).toBe(true);
    expect(dl.batchesPerEpoch).toBe(Math.floor(dl.itemCount / 4));
  });

  it('refuses bad options, norms, waves and views', () => {
    expect(() => WaveBatcher.fromWaves(waves, norm, { batchSize: 2, input: 0 })).toThrow(ConfigError);
    expect(() => WaveBatcher.fromWaves(waves, norm, { batchSize: 2, hop: 2.5 })).toThrow(/hop 2.5 must be a positive integer/);
    expect(() => WaveBatcher.fromWaves(waves, norm, { batchSize: 0 })).toThrow(ConfigError);
    expect(() => WaveBatcher.fromWaves(waves, { mean: 0, std: 0 }, { batchSize: 2 })).toThrow(ValueError);
    expect(() => WaveBatcher.fromWaves(waves, { mean: NaN, std: 1 }, { batchSize: 2 })).toThrow(ValueError);
    expect(() => WaveBatcher.fromWaves([new Float32Array(20) as unknown as Int16Array], norm, { batchSize: 2 })).toThrow(/utterance 0: expected an Int16Array/);
    const bt = WaveBatcher.fromWaves(waves, norm, { batchSize: 2 });
    const plan = bt.epoch(0)[0];
    const ok = bt.alloc(plan);
    expect(() => bt.fill(plan, { ...ok, x: ok.x.subarray(1) })).toThrow(ShapeError);
    expect(() => bt.fill(plan, { ...ok, y: new Float32Array(3) })).toThrow(/batch y must be a Float32Array of at least T·B·hop/);
    expect(() => bt.fill(plan, { ...ok, mask: new Float32Array(1) })).toThrow(ShapeError);
    expect(() => bt.fill({ ...plan, B: 3 }, ok)).toThrow(ShapeError);
  });
});

describe('nllUnits', () => {
  it('converts NLL per step to per sample and to the int16 scale', () => {
    const u = nllUnits(25, 100, 10);
    expect(u.perStep).toBe(25);
    expect(u.perSample).toBe(2.5);
    expect(u.perSampleInt16Nats).toBeCloseTo(2.5 + Math.log(100), 14);
    expect(u.perSampleInt16Bits).toBeCloseTo((2.5 + Math.log(100)) / Math.LN2, 14);
    expect(nllUnits(-5, 1).perSampleInt16Nats).toBe(-0.5); // hop 10 by default; ln 1 = 0
    expect(() => nllUnits(1, 0)).toThrow(ValueError);
    expect(() => nllUnits(1, 2, 0)).toThrow(ConfigError);
  });

  it('matches the change of variables for a Gaussian: −log N(s; m, σ) = −log N(z; 0, 1) + ln σ', () => {
    const mean = 12, std = 1800, hop = 10;
    const r = new Rng(9);
    const s = Array.from({ length: hop }, () => r.intIn(-9000, 9000));
    const nlog = (v: number, m: number, sd: number) => 0.5 * Math.log(2 * Math.PI) + Math.log(sd) + 0.5 * ((v - m) / sd) ** 2;
    const perStepZ = s.reduce((a, v) => a + nlog((v - mean) / std, 0, 1), 0);
    const perSampleS = s.reduce((a, v) => a + nlog(v, mean, std), 0) / hop;
    expect(nllUnits(perStepZ, std, hop).perSampleInt16Nats).toBeCloseTo(perSampleS, 12);
  });
});
