// Data-parallel training (bindings/parallel/): the shards' gradients summed and one optimizer
// step must give what the single-thread step gives, up to float rounding, for every unit kind,
// masks and variable lengths, uneven and empty shards, weight noise and clipping; trainParallel
// must follow `train`. The worker script is bundled from the sources here (esbuild), so the
// tests see the current code; one test also runs the dist/ bundle that `npm run build` writes.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { build } from 'esbuild';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createModel, Batcher, CategoricalBatcher, Rng, train, type ModelConfig, type Model, type BatchPlan } from '../bindings/node.js';
import { ParallelTrainer } from '../bindings/parallel/parallel-node.js';
import { trainParallel } from '../bindings/parallel/train-node.js';
import { shardRange, shardSteps, weightedBounds, writeError, readError, ERROR_BYTES } from '../bindings/parallel/protocol.js';

let dir = '';
let workerUrl: URL;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gatedrnn-parallel-'));
  const outfile = join(dir, 'parallel-worker.js');
  await build({ entryPoints: ['bindings/parallel/worker-node.ts'], outfile, bundle: true, format: 'esm', platform: 'node', packages: 'external', target: 'es2022', logLevel: 'warning' });
  workerUrl = pathToFileURL(outfile);
});
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

const DIM = 6;

/** Binary frame sequences of lengths 2..maxLen (so batches are padded and masked). */
function frameData(count: number, seed: number, maxLen = 24): Float32Array[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => {
    const L = rng.intIn(2, maxLen);
    const f = new Float32Array(L * DIM);
    for (let i = 0; i < f.length; i++) f[i] = rng.bernoulli(0.3) ? 1 : 0;
    return f;
  });
}

function tokenData(count: number, seed: number, classes: number): Int32Array[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => Int32Array.from({ length: rng.intIn(2, 20) }, () => rng.int(classes)));
}

/** Largest |a − b| relative to max(1, |b|∞). */
function relDiff(a: Float32Array, b: Float32Array): number {
  let d = 0, s = 1;
  for (let i = 0; i < a.length; i++) { d = Math.max(d, Math.abs(a[i] - b[i])); s = Math.max(s, Math.abs(b[i])); }
  return d / s;
}

function fillModel(m: Model, batcher: Batcher | CategoricalBatcher, plan: BatchPlan): void {
  (batcher as Batcher).fill(plan, m.batchViews(plan.T, plan.B) as { x: Float32Array; y: Float32Array; mask: Float32Array });
}
function fillParallel(pt: ParallelTrainer, batcher: Batcher | CategoricalBatcher, plan: BatchPlan): void {
  (batcher as Batcher).fill(plan, pt.batchViews(plan.T, plan.B) as { x: Float32Array; y: Float32Array; mask: Float32Array });
}

/** An independent reference for one data-parallel step, on one model and one thread: the
 *  shards' sub-batches (full T, no trimming) one after the other from the same noise state,
 *  their gradients added in shard order, then applyGradients. The parallel step must match it
 *  bit for bit. */
/** The same batch as one step of the single-thread model and one of the ParallelTrainer. */
async function stepBoth(single: Model, pt: ParallelTrainer, batcher: Batcher, plan: BatchPlan, opts: { clipNorm?: number; weightNoise?: number }) {
  fillModel(single, batcher, plan);
  const a = single.trainStepInPlace(plan.T, plan.B, opts);
  fillParallel(pt, batcher, plan);
  const b = await pt.trainStepInPlace(plan.T, plan.B, opts);
  return { a, b };
}

function shardedStep(m: Model, batcher: Batcher, plan: BatchPlan, shards: number, opts: { clipNorm?: number; weightNoise?: number }) {
  const full = batcher.alloc(plan), { T, B } = plan, D = DIM;
  batcher.fill(plan, full);
  const s0 = m.getNoiseState();
  let sum: Float32Array | null = null, loss = 0, frames = 0;
  for (let s = 0; s < Math.min(shards, B); s++) {
    const b0 = Math.floor((s * B) / Math.min(shards, B)), b1 = Math.floor(((s + 1) * B) / Math.min(shards, B)), Bs = b1 - b0;
    const v = m.batchViews(T, Bs);
    for (let t = 0; t < T; t++) {
      for (let b = b0; b < b1; b++) {
        const from = t * B + b, to = t * Bs + (b - b0);
        v.x.set(full.x.subarray(from * D, from * D + D), to * D);
        (v.y as Float32Array).set(full.y.subarray(from * D, from * D + D), to * D);
        v.mask[to] = full.mask[from];
      }
    }
    m.setNoiseState(s0);
    const r = m.lossAndGradNoisyInPlace(T, Bs, opts.weightNoise ?? 0);
    const g = m.snapshotGrads();
    if (!sum) sum = g; else for (let i = 0; i < g.length; i++) sum[i] += g[i];
    loss += r.loss;
    frames += r.frames;
  }
  const gradNorm = m.applyGradients(sum!, loss, { clipNorm: opts.clipNorm });
  return { loss, frames, gradNorm };
}

const units: [string, Partial<ModelConfig>][] = [
  ['tanh', { unit: 'tanh' }],
  ['lstm', { unit: 'lstm' }],
  ['lstm peepholes', { unit: 'lstm', peepholes: true }],
  ['gru reset-after', { unit: 'gru' }],
  ['gru reset-before', { unit: 'gru', resetAfter: false }],
  ['lstm 2 layers', { unit: 'lstm', layers: 2 }],
];

describe('ParallelTrainer steps equal the single-thread steps', () => {
  // 69 items in batches of 32: two full batches and one of 5 items (with 2 threads the second
  // shard of that batch is empty; with 3 threads the shards are 10, 11, 11 slots; 5 threads are
  // more than this machine's cores)
  const data = frameData(69, 7);
  for (const [name, u] of units) {
    for (const threads of [2, 3, 5]) {
      it(`${name}, ${threads} threads: rmsprop + clip + weight noise over 6 steps`, async () => {
        const cfg = { inputSize: DIM, hiddenSize: 9, head: { type: 'bernoulli' as const, size: DIM }, seed: 3, ...u } as ModelConfig;
        const single = await createModel(cfg), par = await createModel(cfg), ref = await createModel(cfg);
        const opt = { type: 'rmsprop' as const, lr: 0.01, decay: 0.9, momentum: 0.9 };
        for (const m of [single, par, ref]) m.setOptimizer(opt);
        const pt = await ParallelTrainer.create(par, { threads, workerUrl });
        try {
          const batcher = Batcher.fromFrames(data, DIM, { batchSize: 32, seed: 5 });
          const plans = [...batcher.epoch(0), ...batcher.epoch(1)];
          expect(plans.some((p) => p.items.length === 5)).toBe(true);
          let worst = 0;
          for (const plan of plans) {
            const opts = { clipNorm: 2, weightNoise: 0.05 };
            const { a, b } = await stepBoth(single, pt, batcher, plan, opts);
            const c = shardedStep(ref, batcher, plan, threads, opts);
            // bit for bit what the shards compute one after the other on one thread
            expect(b).toEqual(c);
            expect(par.snapshotParams()).toEqual(ref.snapshotParams());
            // and the unsharded step up to rounding (RMSprop divides by √ms, which amplifies
            // the rounding of small gradient components in the first steps)
            expect(b.frames).toBe(a.frames);
            expect(b.frames).toBe(plan.frames);
            expect(Math.abs(b.loss - a.loss) / a.loss).toBeLessThan(1e-5);
            expect(Math.abs(b.gradNorm - a.gradNorm) / a.gradNorm).toBeLessThan(1e-4);
            // the noise stream advanced exactly as in the single run
            expect(Array.from(par.getNoiseState())).toEqual(Array.from(single.getNoiseState()));
            worst = Math.max(worst, relDiff(par.snapshotParams(), single.snapshotParams()));
          }
          expect(worst).toBeLessThan(1e-4);
          if (process.env.PARALLEL_REPORT) console.log(`${name}, ${threads} threads: params vs unsharded, max rel diff ${worst.toExponential(2)}`);
          expect(pt.stats.steps).toBe(plans.length);
        } finally { await pt.dispose(); }
      });
    }
  }
});

describe('ParallelTrainer with measured balance', () => {
  it('3 threads on 2 cores, measured balance: steps equal the single-thread steps up to rounding', async () => {
    const cfg = { inputSize: DIM, hiddenSize: 12, head: { type: 'bernoulli' as const, size: DIM }, seed: 4, unit: 'gru', resetAfter: false } as ModelConfig;
    const single = await createModel(cfg), par = await createModel(cfg);
    const opt = { type: 'rmsprop' as const, lr: 0.01, decay: 0.9, momentum: 0.9 };
    for (const m of [single, par]) m.setOptimizer(opt);
    const pt = await ParallelTrainer.create(par, { threads: 3, workerUrl, balance: 'measured' });
    try {
      const batcher = Batcher.fromFrames(frameData(96, 11), DIM, { batchSize: 32, seed: 2 });
      const plans = [...batcher.epoch(0), ...batcher.epoch(1), ...batcher.epoch(2)];
      let worst = 0;
      for (const plan of plans) {
        const { a, b } = await stepBoth(single, pt, batcher, plan, { clipNorm: 2, weightNoise: 0.05 });
        expect(b.frames).toBe(a.frames);
        expect(Math.abs(b.loss - a.loss) / a.loss).toBeLessThan(1e-5);
        expect(Array.from(par.getNoiseState())).toEqual(Array.from(single.getNoiseState()));
        worst = Math.max(worst, relDiff(par.snapshotParams(), single.snapshotParams()));
      }
      expect(worst).toBeLessThan(1e-4);
      await expect(ParallelTrainer.create(par, { threads: 2, balance: 'fast' as never })).rejects.toThrow(/balance must be 'even' or 'measured'/);
    } finally { await pt.dispose(); }
  });
});

describe('ParallelTrainer gradients', () => {
  it('equal the single-thread gradient for a full batch with masks, with and without noise', async () => {
    const cfg: ModelConfig = { unit: 'gru', inputSize: DIM, hiddenSize: 12, head: { type: 'bernoulli', size: DIM }, seed: 11 };
    const single = await createModel(cfg), par = await createModel(cfg);
    const pt = await ParallelTrainer.create(par, { threads: 2, workerUrl });
    try {
      const batcher = Batcher.fromFrames(frameData(32, 9, 40), DIM, { batchSize: 32 });
      const [plan] = batcher.epoch(0);
      for (const sigma of [0, 0.1]) {
        fillModel(single, batcher, plan);
        const a = single.lossAndGradNoisyInPlace(plan.T, plan.B, sigma);
        const ga = single.snapshotGrads();
        fillParallel(pt, batcher, plan);
        const b = await pt.lossAndGradInPlace(plan.T, plan.B, sigma);
        expect(b.frames).toBe(a.frames);
        expect(Math.abs(b.loss - a.loss) / a.loss).toBeLessThan(1e-5);
        let norm = 0;
        for (const g of ga) norm = Math.max(norm, Math.abs(g));
        let d = 0;
        for (let i = 0; i < ga.length; i++) d = Math.max(d, Math.abs(b.grads[i] - ga[i]));
        expect(d / norm).toBeLessThan(1e-5);
      }
    } finally { await pt.dispose(); }
  });

  it('replica noise differs from the main model\'s if not put in step (the check above can fail)', async () => {
    // the same gradient with a noise stream advanced by one draw must differ clearly
    const cfg: ModelConfig = { unit: 'tanh', inputSize: DIM, hiddenSize: 8, head: { type: 'bernoulli', size: DIM } };
    const m = await createModel(cfg);
    const batcher = Batcher.fromFrames(frameData(8, 2), DIM, { batchSize: 8 });
    const [plan] = batcher.epoch(0);
    const s0 = m.getNoiseState();
    fillModel(m, batcher, plan);
    m.lossAndGradNoisyInPlace(plan.T, plan.B, 0.1);
    const g1 = m.snapshotGrads();
    m.lossAndGradNoisyInPlace(plan.T, plan.B, 0.1);
    expect(relDiff(m.snapshotGrads(), g1)).toBeGreaterThan(1e-3);
    m.setNoiseState(s0);
    m.lossAndGradNoisyInPlace(plan.T, plan.B, 0.1);
    expect(relDiff(m.snapshotGrads(), g1)).toBe(0);
  });

  it('softmax head (class-index targets) with adam, 2 threads', async () => {
    const K = 7;
    const cfg: ModelConfig = { unit: 'lstm', inputSize: K, hiddenSize: 10, head: { type: 'softmax', size: K }, seed: 4 };
    const single = await createModel(cfg), par = await createModel(cfg);
    single.setOptimizer({ type: 'adam', lr: 0.01 });
    par.setOptimizer({ type: 'adam', lr: 0.01 });
    const pt = await ParallelTrainer.create(par, { threads: 2, workerUrl });
    try {
      const batcher = new CategoricalBatcher(tokenData(50, 3, K), K, { batchSize: 32 });
      for (const plan of [...batcher.epoch(0), ...batcher.epoch(1)]) {
        fillModel(single, batcher, plan);
        const a = single.trainStepInPlace(plan.T, plan.B, { clipNorm: 1 });
        fillParallel(pt, batcher, plan);
        const b = await pt.trainStepInPlace(plan.T, plan.B, { clipNorm: 1 });
        expect(Math.abs(b.loss - a.loss) / a.loss).toBeLessThan(1e-5);
        expect(relDiff(par.snapshotParams(), single.snapshotParams())).toBeLessThan(2e-5);
      }
      fillParallel(pt, batcher, batcher.epoch(0)[0]);
      const p = batcher.epoch(0)[0];
      fillModel(single, batcher, p);
      const ea = single.evaluateInPlace(p.T, p.B), eb = await pt.evaluateInPlace(p.T, p.B);
      expect(eb.frames).toBe(ea.frames);
      expect(Math.abs(eb.loss - ea.loss) / ea.loss).toBeLessThan(1e-5);
    } finally { await pt.dispose(); }
  });

  it('odd batch sizes: B = 7 over 2 threads (3 + 4 slots), B = 1 (one shard), and more threads than slots', async () => {
    const cfg: ModelConfig = { unit: 'gru', resetAfter: false, inputSize: DIM, hiddenSize: 8, head: { type: 'bernoulli', size: DIM }, seed: 8 };
    for (const [B, threads] of [[7, 2], [1, 2], [2, 3]]) {
      const single = await createModel(cfg), par = await createModel(cfg);
      single.setOptimizer({ type: 'sgd', lr: 0.1, momentum: 0.5 });
      par.setOptimizer({ type: 'sgd', lr: 0.1, momentum: 0.5 });
      const pt = await ParallelTrainer.create(par, { threads, workerUrl });
      try {
        const batcher = Batcher.fromFrames(frameData(15, B), DIM, { batchSize: B });
        for (const plan of batcher.epoch(0)) {
          fillModel(single, batcher, plan);
          const a = single.trainStepInPlace(plan.T, plan.B, { weightNoise: 0.02 });
          fillParallel(pt, batcher, plan);
          const b = await pt.trainStepInPlace(plan.T, plan.B, { weightNoise: 0.02 });
          expect(Math.abs(b.loss - a.loss) / a.loss).toBeLessThan(1e-5);
        }
        expect(relDiff(par.snapshotParams(), single.snapshotParams())).toBeLessThan(2e-5);
      } finally { await pt.dispose(); }
    }
  });

  it('one thread is the plain path: bit-identical to trainStepInPlace, no workers', async () => {
    const cfg: ModelConfig = { unit: 'lstm', inputSize: DIM, hiddenSize: 8, head: { type: 'bernoulli', size: DIM } };
    const single = await createModel(cfg), par = await createModel(cfg);
    single.setOptimizer({ type: 'rmsprop', lr: 0.01 });
    par.setOptimizer({ type: 'rmsprop', lr: 0.01 });
    const pt = await ParallelTrainer.create(par, { threads: 1 });
    const batcher = Batcher.fromFrames(frameData(40, 4), DIM, { batchSize: 16 });
    for (const plan of batcher.epoch(0)) {
      fillModel(single, batcher, plan);
      const a = single.trainStepInPlace(plan.T, plan.B, { weightNoise: 0.05, clipNorm: 1 });
      fillParallel(pt, batcher, plan);
      const b = await pt.trainStepInPlace(plan.T, plan.B, { weightNoise: 0.05, clipNorm: 1 });
      expect(b).toEqual(a);
    }
    expect(par.snapshotParams()).toEqual(single.snapshotParams());
    await pt.dispose();
  });
});

describe('trainParallel', () => {
  it('follows train: same epochs, NLLs within rounding, best parameters restored', async () => {
    const cfg: ModelConfig = { unit: 'gru', inputSize: DIM, hiddenSize: 10, head: { type: 'bernoulli', size: DIM }, seed: 21 };
    const mk = () => ({
      train: Batcher.fromFrames(frameData(80, 31), DIM, { batchSize: 32, seed: 2, sortBuckets: 2 }),
      valid: Batcher.fromFrames(frameData(20, 32), DIM, { batchSize: 32, shuffle: false }),
    });
    const tc = { epochs: 3, optimizer: { type: 'rmsprop' as const, lr: 0.005 }, clipNorm: 1, weightNoise: 0.05, lrDecayEpochs: 2 };
    const single = await createModel(cfg), par = await createModel(cfg);
    const a = train(single, mk(), tc);
    const batches: number[] = [];
    const b = await trainParallel(par, mk(), { ...tc, parallel: 2, parallelOptions: { workerUrl }, onBatch: (d) => batches.push(d) });
    expect(b.history.length).toBe(a.history.length);
    expect(b.bestEpoch).toBe(a.bestEpoch);
    expect(b.stopped).toBe(a.stopped);
    for (let e = 0; e < a.history.length; e++) {
      const x = a.history[e], y = b.history[e];
      expect(y.lr).toBe(x.lr);
      for (const k of ['trainNll', 'trainLossNoisy', 'validNll'] as const) expect(Math.abs(y[k] - x[k]) / x[k]).toBeLessThan(1e-5);
    }
    expect(batches.filter((d) => d === 1).length).toBe(3);
    expect(relDiff(par.snapshotParams(), single.snapshotParams())).toBeLessThan(2e-5);
  });

  it('leaves a given ParallelTrainer running and rejects one of another model', async () => {
    const cfg: ModelConfig = { unit: 'tanh', inputSize: DIM, hiddenSize: 6, head: { type: 'bernoulli', size: DIM } };
    const m = await createModel(cfg), other = await createModel(cfg);
    const pt = await ParallelTrainer.create(m, { threads: 2, workerUrl });
    try {
      const data = { train: Batcher.fromFrames(frameData(20, 1), DIM, { batchSize: 8 }), valid: Batcher.fromFrames(frameData(8, 2), DIM, { batchSize: 8 }) };
      await trainParallel(m, data, { epochs: 1, optimizer: { type: 'sgd', lr: 0.01 }, parallel: pt });
      expect(pt.disposed).toBe(false);
      await expect(trainParallel(other, data, { epochs: 1, optimizer: { type: 'sgd', lr: 0.01 }, parallel: pt })).rejects.toThrow(/another model/);
    } finally { await pt.dispose(); }
  });
});

describe('the bundled worker (dist/)', () => {
  it('runs from dist/parallel-worker.js, which `npm run build` writes', async () => {
    expect(existsSync('dist/parallel-worker.js'), 'run `npm run build` first').toBe(true);
    const cfg: ModelConfig = { unit: 'lstm', inputSize: DIM, hiddenSize: 8, head: { type: 'bernoulli', size: DIM } };
    const single = await createModel(cfg), par = await createModel(cfg);
    const pt = await ParallelTrainer.create(par, { threads: 2 }); // default URL: ../../dist/parallel-worker.js from the sources
    try {
      const batcher = Batcher.fromFrames(frameData(16, 6), DIM, { batchSize: 16 });
      const [plan] = batcher.epoch(0);
      fillModel(single, batcher, plan);
      const a = single.evaluateInPlace(plan.T, plan.B);
      fillParallel(pt, batcher, plan);
      const b = await pt.evaluateInPlace(plan.T, plan.B);
      expect(Math.abs(b.loss - a.loss) / a.loss).toBeLessThan(1e-5);
    } finally { await pt.dispose(); }
  });
});

describe('protocol helpers', () => {
  it('shards cover the slots contiguously, differ by at most one, the main thread\'s the smallest', () => {
    for (const B of [1, 2, 7, 31, 32, 33]) {
      for (let n = 1; n <= Math.min(B, 5); n++) {
        const r = Array.from({ length: n }, (_, s) => shardRange(B, n, s));
        expect(r[0][0]).toBe(0);
        expect(r[n - 1][1]).toBe(B);
        for (let s = 1; s < n; s++) expect(r[s][0]).toBe(r[s - 1][1]);
        const sizes = r.map(([a, b]) => b - a);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
        expect(sizes[0]).toBe(Math.min(...sizes));
      }
    }
  });
  it('measured balance: shards in proportion to the speeds, contiguous, at least one slot each', () => {
    expect(weightedBounds(32, [1, 1])).toEqual([0, 16, 32]);
    expect(weightedBounds(32, [1, 0.8])).toEqual([0, 18, 32]); // 17.8 → 18, 14.2 → 14
    expect(weightedBounds(3, [100, 1, 1])).toEqual([0, 1, 2, 3]); // every shard keeps a slot
    const rng = new Rng(9);
    for (let k = 0; k < 200; k++) {
      const n = 1 + Math.floor(rng.uniform() * 6), B = n + Math.floor(rng.uniform() * 60);
      const b = weightedBounds(B, Array.from({ length: n }, () => 0.05 + rng.uniform()));
      expect(b).toHaveLength(n + 1);
      expect([b[0], b[n]]).toEqual([0, B]);
      for (let w = 0; w < n; w++) expect(b[w + 1] - b[w]).toBeGreaterThanOrEqual(1);
    }
  });
  it('a shard runs to its last unmasked step, at least one', () => {
    const T = 5, B = 4, mask = new Float32Array(T * B);
    mask[0 * B + 0] = 1; mask[3 * B + 1] = 1; mask[4 * B + 3] = 1;
    expect(shardSteps(mask, T, B, 0, 1)).toBe(1);
    expect(shardSteps(mask, T, B, 0, 2)).toBe(4);
    expect(shardSteps(mask, T, B, 2, 3)).toBe(1); // empty shard
    expect(shardSteps(mask, T, B, 2, 4)).toBe(5);
  });
  it('error reports round-trip and long messages are cut to fit', () => {
    const buf = new Uint8Array(new SharedArrayBuffer(ERROR_BYTES));
    const n = writeError(buf, { name: 'ValueError', code: 'E_VALUE', message: 'batch x: element 3 is NaN' });
    expect(readError(buf, n)).toEqual({ name: 'ValueError', code: 'E_VALUE', message: 'batch x: element 3 is NaN' });
    const long = writeError(buf, { name: 'ShapeError', message: 'é'.repeat(10_000) });
    expect(long).toBeLessThanOrEqual(ERROR_BYTES);
    const r = readError(buf, long);
    expect(r.name).toBe('ShapeError');
    expect(r.message.endsWith('…')).toBe(true);
  });
});
