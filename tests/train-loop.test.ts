// The one training loop (bindings/train/loop.ts) under both drivers: `train` (one thread) and
// `trainParallel` (worker threads) give the same weights; a divergence is a typed DivergedError
// that either propagates or, with onDiverge 'stop', ends training on the best parameters with
// the same summary on one and two threads; evaluation of data with no frames is refused.
import { bundleParallelWorker } from './helpers/worker.js';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createModel, Batcher, Rng, train, evaluateNll, DivergedError, ValueError, EmptyError, type ModelConfig, type Model } from '../bindings/node.js';
import { trainParallel } from '../bindings/parallel/train-node.js';
import { runSync, runAsync, trainSteps } from '../bindings/train/loop.js';

let workerUrl: URL;
let cleanup = () => {};
beforeAll(async () => { ({ url: workerUrl, cleanup } = await bundleParallelWorker('gatedrnn-loop-')); });
afterAll(() => cleanup());

const DIM = 5;
function frames(count: number, seed: number): Float32Array[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => Float32Array.from({ length: rng.intIn(3, 20) * DIM }, () => (rng.bernoulli(0.3) ? 1 : 0)));
}
const data = () => ({
  train: Batcher.fromFrames(frames(48, 1), DIM, { batchSize: 16, seed: 3 }),
  valid: Batcher.fromFrames(frames(16, 2), DIM, { batchSize: 16, shuffle: false }),
  trainEval: Batcher.fromFrames(frames(48, 1), DIM, { batchSize: 16, shuffle: false }),
});
const cfg: ModelConfig = { unit: 'lstm', inputSize: DIM, hiddenSize: 7, head: { type: 'bernoulli', size: DIM }, seed: 4 };

function maxRel(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return d;
}

/** Makes update number `at` (counted from 1) diverge: the model's trainStepInPlace throws as the
 *  optimizer step does on a non-finite gradient, before touching the parameters. */
function divergeAt(m: Model, at: number): void {
  const real = m.trainStepInPlace.bind(m);
  let n = 0;
  m.trainStepInPlace = (T, B, o) => {
    if (++n === at) throw new DivergedError(`training step ${n} diverged: loss NaN, gradient norm NaN; parameters were not updated`, n);
    return real(T, B, o);
  };
}

describe('the one training loop', () => {
  it('one thread and two threads: same records and the same weights up to rounding', async () => {
    const tc = { epochs: 3, optimizer: { type: 'adam' as const, lr: 0.01 }, clipNorm: 1, weightNoise: 0.05 };
    const a = await createModel(cfg), b = await createModel(cfg);
    const sa = train(a, data(), tc);
    const sb = await trainParallel(b, data(), { ...tc, parallel: 2, parallelOptions: { workerUrl } });
    expect(sb.history.map((h) => h.epoch)).toEqual(sa.history.map((h) => h.epoch));
    expect(sb.bestEpoch).toBe(sa.bestEpoch);
    sa.history.forEach((h, e) => {
      expect(sb.history[e].trainSecondsTotal).toBeGreaterThan(0);
      for (const k of ['trainNll', 'validNll', 'trainLossNoisy'] as const) expect(Math.abs(sb.history[e][k] - h[k]) / h[k]).toBeLessThan(1e-5);
    });
    expect(maxRel(b.snapshotParams(), a.snapshotParams())).toBeLessThan(2e-5);
    expect(evaluateNll(a, data().valid)).toBeCloseTo(sa.bestValidNll, 6);
  });

  it('trainEval scores the training set on its own batcher', async () => {
    const m = await createModel(cfg), d = data();
    const s = train(m, d, { epochs: 1, optimizer: { type: 'sgd', lr: 0.01 }, patience: 5 });
    expect(s.history[0].trainNll).toBeCloseTo(evaluateNll(m, d.trainEval), 6);
  });

  it('a divergence is a DivergedError (a ValueError) by default, on one and two threads', async () => {
    const m = await createModel(cfg);
    divergeAt(m, 2);
    const e = (() => { try { train(m, data(), { epochs: 2, optimizer: { type: 'sgd', lr: 0.01 } }); return null; } catch (x) { return x; } })();
    expect(e).toBeInstanceOf(DivergedError);
    expect(e).toBeInstanceOf(ValueError);
    expect((e as DivergedError).code).toBe('E_DIVERGED');
    expect((e as DivergedError).step).toBe(2);
    // two threads: logits that overflow make a real non-finite loss in the reduced step
    const p = await createModel(cfg);
    p.setParam('head.weight', new Float32Array(7 * DIM).fill(3e38));
    await expect(trainParallel(p, data(), { epochs: 1, optimizer: { type: 'sgd', lr: 0.01 }, parallel: 2, parallelOptions: { workerUrl } })).rejects.toThrow(DivergedError);
  });

  it("onDiverge 'stop': training ends on the best epoch's parameters, the same on one and two threads", async () => {
    // update 8 diverges: 3 batches an epoch, so epochs 0 and 1 finish and epoch 2 is cut short
    const tc = { epochs: 10, patience: 10, optimizer: { type: 'adam' as const, lr: 0.01 }, onDiverge: 'stop' as const };
    const a = await createModel(cfg), b = await createModel(cfg);
    divergeAt(a, 8);
    const realApply = b.applyGradients.bind(b);
    let n = 0;
    b.applyGradients = (g, loss, o) => (++n === 8 ? realApply(g, NaN, o) : realApply(g, loss, o)); // a NaN loss, as a real divergence
    const sa = train(a, data(), tc);
    const sb = await trainParallel(b, data(), { ...tc, parallel: 2, parallelOptions: { workerUrl } });
    expect(sa.stopped).toBe('diverged');
    expect(sa.error).toMatch(/diverged/);
    expect(sb.stopped).toBe('diverged');
    expect(sa.history.length).toBe(2);
    expect(sb.history.length).toBe(2);
    expect(sb.bestEpoch).toBe(sa.bestEpoch);
    expect(evaluateNll(a, data().valid)).toBeCloseTo(sa.bestValidNll, 5);
    expect(maxRel(b.snapshotParams(), a.snapshotParams())).toBeLessThan(1e-4);
  });

  it("onDiverge 'stop' in the first epoch: no record, bestEpoch −1, the initial parameters back", async () => {
    const m = await createModel(cfg), init = m.snapshotParams();
    divergeAt(m, 2);
    const s = train(m, data(), { epochs: 3, optimizer: { type: 'sgd', lr: 0.01 }, onDiverge: 'stop' });
    expect(s).toMatchObject({ stopped: 'diverged', bestEpoch: -1, history: [] });
    expect(m.snapshotParams()).toEqual(init);
  });

  it("onDiverge 'skip': the diverged update is left out, training goes on, the count is reported", async () => {
    const tc = { epochs: 3, patience: 10, optimizer: { type: 'adam' as const, lr: 0.01 }, onDiverge: 'skip' as const };
    const a = await createModel(cfg);
    divergeAt(a, 2);
    const sa = train(a, data(), tc);
    expect(sa.stopped).toBe('epochs');
    expect(sa.history.length).toBe(3);
    expect(sa.skipped).toBe(1);
    // one batch fewer than the run without a divergence
    const b = await createModel(cfg);
    const clean = train(b, data(), { ...tc, onDiverge: 'stop' });
    expect(clean.skipped).toBeUndefined();
    expect(maxRel(a.snapshotParams(), b.snapshotParams())).toBeGreaterThan(0);
    // every update diverging: after MAX_SKIPPED_IN_A_ROW in a row it stops as 'stop' does
    const { MAX_SKIPPED_IN_A_ROW } = await import('../bindings/train/schedule.js');
    const c = await createModel(cfg), init = c.snapshotParams();
    c.trainStepInPlace = () => { throw new DivergedError('training step diverged: loss NaN', 0); };
    const sc = train(c, data(), { ...tc, epochs: 100 });
    expect(sc).toMatchObject({ stopped: 'diverged', skipped: MAX_SKIPPED_IN_A_ROW + 1 });
    expect(sc.history.length).toBe(Math.floor(MAX_SKIPPED_IN_A_ROW / 3)); // 3 batches an epoch
    expect(c.snapshotParams()).toEqual(init);
  });

  it('noiseDecayTo: the weight noise falls with the learning rate, epoch by epoch', async () => {
    const m = await createModel(cfg), real = m.trainStepInPlace.bind(m), seen: number[] = [];
    m.trainStepInPlace = (T, B, o) => { seen.push(o?.weightNoise ?? NaN); return real(T, B, o); };
    const s = train(m, data(), { epochs: 3, optimizer: { type: 'sgd', lr: 0.01 }, weightNoise: 0.1, lrDecayEpochs: 2, lrDecayTo: 0.5, noiseDecayTo: 0 });
    expect(s.history.map((h) => h.lr)).toEqual([0.01, 0.0075, 0.005]);
    // 3 batches an epoch: σ 0.1, then 0.05, then 0 (at the end of the decay)
    expect(seen.map((x) => +x.toFixed(6))).toEqual([0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0, 0, 0]);
    expect(() => train(m, data(), { epochs: 1, optimizer: { type: 'sgd', lr: 0.01 }, noiseDecayTo: 2 })).toThrow(/noiseDecayTo/);
  });

  it('refuses bad settings and data with nothing to score', async () => {
    const m = await createModel(cfg);
    expect(() => train(m, data(), { epochs: 1, optimizer: { type: 'sgd', lr: 0.01 }, onDiverge: 'retry' as never })).toThrow(/onDiverge/);
    expect(() => train(m, data(), { epochs: 0, optimizer: { type: 'sgd', lr: 0.01 } })).toThrow(/epochs must be a positive integer/);
    // a batcher (here a stand-in) with no batches at all: refused, not 0/0
    const empty = { epoch: () => [], fill: () => {} } as unknown as Batcher;
    expect(() => evaluateNll(m, empty)).toThrow(EmptyError);
    // the sync driver refuses a target whose steps are asynchronous
    const asyncTarget = { batchViews: m.batchViews.bind(m), trainStepInPlace: async () => ({ loss: 0, frames: 1, gradNorm: 0 }), evaluateInPlace: async () => ({ loss: 0, frames: 1 }) };
    expect(() => runSync(trainSteps(m, asyncTarget, data(), { epochs: 1, optimizer: { type: 'sgd', lr: 0.01 } }))).toThrow(/runAsync/);
    const s = await runAsync(trainSteps(m, asyncTarget, data(), { epochs: 1, optimizer: { type: 'sgd', lr: 0.01 } }));
    expect(s.history[0].validNll).toBe(0);
  });
});

describe('both conventions of the NLL', () => {
  it('per-sequence mean = the mean of each sequence scored alone; pooled = total ÷ frames; same on two threads', async () => {
    const { evaluateNllScores } = await import('../bindings/train/trainer.js');
    const m = await createModel(cfg);
    const seqs = frames(7, 9);
    const all = Batcher.fromFrames(seqs, DIM, { batchSize: 3, shuffle: false });
    const r = evaluateNllScores(m, all);
    let total = 0, count = 0, perSeq = 0;
    for (const s of seqs) {
      const one = Batcher.fromFrames([s], DIM, { batchSize: 1, shuffle: false });
      const nll = evaluateNll(m, one);
      perSeq += nll / seqs.length;
      total += nll * one.predictedFrames;
      count += one.predictedFrames;
    }
    expect(r.pooled).toBeCloseTo(total / count, 5);
    expect(r.perSequence).toBeCloseTo(perSeq, 5);
    expect(r.perSequence).not.toBe(r.pooled); // the sequences differ in length, so the two differ
    // in the records of both drivers
    const tc = { epochs: 1, optimizer: { type: 'sgd' as const, lr: 0.01 }, perSequence: true };
    const a = await createModel(cfg), b = await createModel(cfg);
    const sa = train(a, data(), tc), sb = await trainParallel(b, data(), { ...tc, parallel: 2, parallelOptions: { workerUrl } });
    expect(Number.isFinite(sa.history[0].validNllSeq)).toBe(true);
    expect(sb.history[0].validNllSeq).toBeCloseTo(sa.history[0].validNllSeq, 4);
    expect(sb.history[0].trainNllSeq).toBeCloseTo(sa.history[0].trainNllSeq, 4);
    expect(train(await createModel(cfg), data(), { epochs: 1, optimizer: { type: 'sgd', lr: 0.01 } }).history[0].validNllSeq).toBeNaN();
  });
});

describe('evaluation does not depend on how the batches are formed', () => {
  // The trials score 2 (music) or 32 (speech) length-sorted sequences at a time where they once
  // scored 8 (32) in their given order. A slot's rows round the same wherever the slot sits,
  // so a sequence's score is bit for bit the same; only the pooled sum's order changes. (The
  // tanh recurrence once applied tanh to the whole (B, H) block, so with H mod 4 ≠ 0 a row's
  // last values took the vector or the scalar tanh by the row's place: 1e-12–1e-8 relative.)
  it('each sequence scores the same bit for bit at any batch size and order; the pooled NLL to rounding', async () => {
    const { evaluateNllScores } = await import('../bindings/train/trainer.js');
    for (const [unit, H] of [['tanh', 8], ['tanh', 7], ['tanh', 46], ['lstm', 7], ['gru', 7]] as const) {
      const m = await createModel({ ...cfg, unit, hiddenSize: H });
      const seqs = frames(13, 21);
      const base = evaluateNllScores(m, Batcher.fromFrames(seqs, DIM, { batchSize: 8, shuffle: false }));
      for (const o of [{ batchSize: 2, sortBuckets: Infinity }, { batchSize: 3, sortBuckets: Infinity }, { batchSize: 6 }, { batchSize: 8, sortBuckets: Infinity }, { batchSize: 1 }]) {
        const r = evaluateNllScores(m, Batcher.fromFrames(seqs, DIM, { ...o, shuffle: false }));
        expect(r.perSequence).toBe(base.perSequence); // the mean is summed in sequence order
        expect(Math.abs(r.pooled - base.pooled)).toBeLessThan(1e-8 * base.pooled);
      }
    }
  });
});

describe('the ablation switches', () => {
  it("clipMode 'step' bounds the parameter step, not the gradient", async () => {
    const m = await createModel(cfg), d = data();
    m.setOptimizer({ type: 'sgd', lr: 10, momentum: 0.5 });
    const p0 = m.snapshotParams(), plan = d.train.epoch(0)[0];
    d.train.fill(plan, m.batchViews(plan.T, plan.B) as never);
    const r = m.trainStepInPlace(plan.T, plan.B, { clipNorm: 0.01, clipMode: 'step' });
    expect(r.gradNorm).toBeGreaterThan(0.01);
    const p1 = m.snapshotParams();
    let sq = 0;
    for (let i = 0; i < p0.length; i++) sq += (p1[i] - p0[i]) ** 2;
    expect(Math.sqrt(sq)).toBeCloseTo(0.01, 4); // lr 10 · |g| ≫ 0.01: the step was cut to the norm
    expect(() => m.trainStepInPlace(plan.T, plan.B, { clipNorm: 1, clipMode: 'both' as never })).toThrow(/clipMode/);
  });

  it('evaluation with weight noise differs from clean evaluation and advances the noise stream', async () => {
    const m = await createModel(cfg), v = data().valid;
    const { evaluateNllScores } = await import('../bindings/train/trainer.js');
    const clean = evaluateNllScores(m, v), s0 = m.getNoiseState();
    const noisy = evaluateNllScores(m, v, { weightNoise: 0.5 });
    expect(noisy.pooled).not.toBe(clean.pooled);
    expect(m.getNoiseState()).not.toEqual(s0);
    expect(evaluateNllScores(m, v).pooled).toBe(clean.pooled); // clean again after a noisy pass
  });

  it("recurrentInit 'uniform': U(−0.1, 0.1) recurrent matrices, kept in the file's config", async () => {
    const m = await createModel({ ...cfg, recurrentInit: 'uniform' });
    const U = m.getParam('weight_hh_l0');
    expect(Math.max(...U.map(Math.abs))).toBeLessThanOrEqual(0.1);
    expect(m.publicConfig().recurrentInit).toBe('uniform');
    const o = await createModel(cfg);
    expect(Math.max(...o.getParam('weight_hh_l0').map(Math.abs))).toBeGreaterThan(0.1); // orthogonal blocks
    expect(o.publicConfig().recurrentInit).toBeUndefined();
    await expect(createModel({ ...cfg, recurrentInit: 'zeros' as never })).rejects.toThrow(/recurrentInit/);
  });
});
