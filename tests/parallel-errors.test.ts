// Bad input and failures in data-parallel training: the caller gets the typed error the model
// would throw, the parameters stay as they were, the trainer stays usable after a bad batch,
// and no worker is left running or waiting (after dispose, after a worker dies, and when a
// trainer is forgotten without dispose).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { build } from 'esbuild';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execFile } from 'node:child_process';
import type { Worker } from 'node:worker_threads';
import { createModel, Rng, ConfigError, ShapeError, ValueError, DisposedError, NotFoundError, type ModelConfig, type Model } from '../bindings/node.js';
import { ParallelTrainer } from '../bindings/parallel/parallel-node.js';

let dir = '';
let workerUrl: URL;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gatedrnn-parallel-err-'));
  const outfile = join(dir, 'parallel-worker.js');
  await build({ entryPoints: ['bindings/parallel/worker-node.ts'], outfile, bundle: true, format: 'esm', platform: 'node', packages: 'external', target: 'es2022', logLevel: 'warning' });
  workerUrl = pathToFileURL(outfile);
});
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

const IO = 5, T = 12, B = 8;
const cfg: ModelConfig = { unit: 'lstm', inputSize: IO, hiddenSize: 7, head: { type: 'bernoulli', size: IO }, seed: 2 };

function fill(v: { x: Float32Array; y: Float32Array | Int32Array; mask: Float32Array }, seed = 1): void {
  const rng = new Rng(seed);
  for (let i = 0; i < v.x.length; i++) v.x[i] = rng.uniform() < 0.3 ? 1 : 0;
  for (let i = 0; i < v.y.length; i++) v.y[i] = rng.uniform() < 0.3 ? 1 : 0;
  v.mask.fill(1);
}

async function setup(threads = 2): Promise<{ m: Model; pt: ParallelTrainer }> {
  const m = await createModel(cfg);
  m.setOptimizer({ type: 'rmsprop', lr: 0.01 });
  return { m, pt: await ParallelTrainer.create(m, { threads, workerUrl }) };
}

const workersOf = (pt: ParallelTrainer) => (pt as unknown as { workers: Worker[] }).workers;

/** Resolves once every worker thread has exited (threadId becomes −1 on exit). */
async function allExited(pt: ParallelTrainer): Promise<boolean> {
  for (let i = 0; i < 200 && workersOf(pt).some((w) => w.threadId !== -1); i++) await new Promise((r) => setTimeout(r, 10));
  return workersOf(pt).every((w) => w.threadId === -1);
}

describe('a bad batch', () => {
  it.each([
    ['a worker\'s shard (x)', 'x', (T - 1) * B * IO + (B - 1) * IO + 2, /batch x: element \d+ is NaN.*replica 1/],
    ['the main thread\'s shard (x)', 'x', 3, /batch x: element 3 is NaN/],
    ['a worker\'s shard (mask)', 'mask', 2 * B + 6, /batch mask\[\d+\] = Infinity .*must be in \[0, 1\].*replica 1/],
  ] as const)('in %s: ValueError, parameters unchanged, trainer still usable', async (_, key, at, msg) => {
    const { m, pt } = await setup();
    try {
      const v = pt.batchViews(T, B);
      fill(v);
      v[key][at] = key === 'mask' ? Infinity : NaN;
      const before = m.snapshotParams(), noise = m.getNoiseState();
      const err = await pt.trainStepInPlace(T, B, { weightNoise: 0.1 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValueError);
      expect((err as ValueError).code).toBe('E_VALUE');
      expect((err as Error).message).toMatch(msg);
      expect(m.snapshotParams()).toEqual(before);
      expect(m.updates).toBe(0);
      // the failed step leaves the model as it was: a clean step now equals a clean first step
      const ref = await createModel(cfg);
      ref.setOptimizer({ type: 'rmsprop', lr: 0.01 });
      ref.setNoiseState(noise);
      fill(ref.batchViews(T, B), 2);
      const a = ref.trainStepInPlace(T, B, { weightNoise: 0.1 });
      fill(pt.batchViews(T, B), 2);
      const b = await pt.trainStepInPlace(T, B, { weightNoise: 0.1 });
      expect(Math.abs(b.loss - a.loss) / a.loss).toBeLessThan(1e-5);
    } finally { await pt.dispose(); }
    expect(await allExited(pt)).toBe(true);
  });

  it('in every shard: the main thread\'s (shard 0) error is the one thrown', async () => {
    const { pt } = await setup(3);
    try {
      const v = pt.batchViews(T, B);
      fill(v);
      v.x[0] = NaN;
      v.x[(B - 1) * IO] = NaN;
      await expect(pt.trainStepInPlace(T, B)).rejects.toThrow(/batch x: element 0 is NaN/);
      v.x[0] = 0;
      await expect(pt.evaluateInPlace(T, B)).rejects.toThrow(/replica 2/);
    } finally { await pt.dispose(); }
  });

  it('4 threads on 2 cores, one middle shard fails: the others leave the reduce, the step rejects, the next one works', async () => {
    const { m, pt } = await setup(4);
    try {
      const v = pt.batchViews(T, B);
      fill(v);
      v.x[5 * IO + 1] = NaN; // slot 5: shard 2 of 4 (slots 4, 5)
      const before = m.snapshotParams();
      await expect(pt.trainStepInPlace(T, B, { weightNoise: 0.1 })).rejects.toThrow(/batch x: element \d+ is NaN.*shard 2 of 4, replica 2/);
      expect(m.snapshotParams()).toEqual(before);
      fill(pt.batchViews(T, B), 3);
      const ref = await createModel(cfg);
      ref.setOptimizer({ type: 'rmsprop', lr: 0.01 });
      ref.setNoiseState(m.getNoiseState());
      fill(ref.batchViews(T, B), 3);
      const a = ref.trainStepInPlace(T, B, { weightNoise: 0.1 });
      const b = await pt.trainStepInPlace(T, B, { weightNoise: 0.1 });
      expect(Math.abs(b.loss - a.loss) / a.loss).toBeLessThan(1e-5);
      expect(Math.abs(b.gradNorm - a.gradNorm) / a.gradNorm).toBeLessThan(1e-4);
    } finally { await pt.dispose(); }
    expect(await allExited(pt)).toBe(true);
  });

  it('a diverging step (NaN loss): ValueError from the optimizer step, parameters unchanged', async () => {
    const { m, pt } = await setup();
    try {
      // saturated gates (h ≈ 1) times huge finite head weights: the logits overflow to ∞
      m.setParam('bias_ih_l0', new Float32Array(4 * 7).fill(1000));
      m.setParam('head.weight', new Float32Array(IO * 7).fill(3e38));
      m.setParam('head.bias', new Float32Array(IO).fill(3e38));
      fill(pt.batchViews(T, B));
      const before = m.snapshotParams();
      await expect(pt.trainStepInPlace(T, B)).rejects.toThrow(ValueError);
      await expect(pt.trainStepInPlace(T, B)).rejects.toThrow(/diverged/);
      expect(m.snapshotParams()).toEqual(before);
    } finally { await pt.dispose(); }
  });
});

describe('misuse', () => {
  it('names what is wrong', async () => {
    const m = await createModel(cfg);
    await expect(ParallelTrainer.create(m, { threads: 0 })).rejects.toThrow(ConfigError);
    await expect(ParallelTrainer.create(m, { threads: 1.5 })).rejects.toThrow(/threads must be an integer/);
    await expect(ParallelTrainer.create(m, { threads: 2, workerUrl: join(dir, 'missing.js') })).rejects.toThrow(NotFoundError);
    const pt = await ParallelTrainer.create(m, { threads: 2, workerUrl });
    try {
      await expect(pt.trainStepInPlace(T, B)).rejects.toThrow(/no optimizer/);
      m.setOptimizer({ type: 'sgd', lr: 0.1 });
      await expect(pt.trainStepInPlace(T, B)).rejects.toThrow(/call batchViews\(12, 8\)/);
      expect(() => pt.batchViews(0, B)).toThrow(/batch T is 0/);
      expect(() => pt.batchViews(T, -1)).toThrow(ShapeError);
      fill(pt.batchViews(T, B));
      await expect(pt.trainStepInPlace(T, B, { clipNorm: -1 })).rejects.toThrow(/clipNorm must be a positive number/);
      await expect(pt.trainStepInPlace(T, B, { weightNoise: NaN })).rejects.toThrow(/weightNoise must be a non-negative number/);
      const first = pt.trainStepInPlace(T, B);
      const second = pt.trainStepInPlace(T, B);
      expect(() => pt.batchViews(T, B)).toThrow(/one command at a time/);
      await expect(second).rejects.toThrow(ConfigError);
      await first;
      expect(m.updates).toBe(1);
    } finally { await pt.dispose(); }
    await pt.dispose(); // twice is fine
    await expect(pt.trainStepInPlace(T, B)).rejects.toThrow(DisposedError);
    expect(() => pt.batchViews(T, B)).toThrow(DisposedError);
    expect(await allExited(pt)).toBe(true);
    // the model itself stays usable
    expect(m.forward({ T: 1, B: 1, x: new Float32Array(IO), y: new Float32Array(IO) }).frames).toBe(1);
  });

  it('grows the shared batch buffer for a larger batch and tells the workers', async () => {
    const { m, pt } = await setup();
    try {
      const ref = await createModel(cfg);
      for (const [t, b] of [[3, 4], [40, 16], [5, 2]]) {
        fill(pt.batchViews(t, b), t);
        fill(ref.batchViews(t, b), t);
        const a = ref.evaluateInPlace(t, b), r = await pt.evaluateInPlace(t, b);
        expect(r.frames).toBe(t * b);
        expect(Math.abs(r.loss - a.loss) / a.loss).toBeLessThan(1e-5);
      }
      expect(m.updates).toBe(0);
    } finally { await pt.dispose(); }
  });
});

describe('a worker that dies', () => {
  it('while idle: the next command rejects (DisposedError naming the exit) and the other workers stop', async () => {
    const { pt } = await setup(3);
    fill(pt.batchViews(T, B));
    await pt.trainStepInPlace(T, B);
    await workersOf(pt)[0].terminate();
    await expect(pt.trainStepInPlace(T, B)).rejects.toThrow(DisposedError);
    await expect(pt.trainStepInPlace(T, B)).rejects.toThrow(/replica 1 exited unexpectedly/);
    expect(await allExited(pt)).toBe(true);
    await pt.dispose();
  });

  it('during a step: the pending step rejects instead of hanging', async () => {
    const m = await createModel({ ...cfg, hiddenSize: 64 });
    m.setOptimizer({ type: 'sgd', lr: 0.01 });
    const pt = await ParallelTrainer.create(m, { threads: 2, workerUrl });
    fill(pt.batchViews(400, 64));
    // the exit is only noticed on the event loop, so the step below is issued to a worker that
    // is going away (its shard takes far longer than the termination)
    void workersOf(pt)[0].terminate();
    const step = pt.trainStepInPlace(400, 64);
    await expect(step).rejects.toThrow(DisposedError);
    await expect(step).rejects.toThrow(/^replica 1 exited unexpectedly/);
    expect(pt.stats.publish).toBeGreaterThan(0); // the command had gone out to the workers
    expect(m.updates).toBe(0);
    expect(await allExited(pt)).toBe(true);
    await pt.dispose();
  });

  it('dispose during a step: the step rejects, the workers stop', async () => {
    const m = await createModel({ ...cfg, hiddenSize: 64 });
    m.setOptimizer({ type: 'sgd', lr: 0.01 });
    const pt = await ParallelTrainer.create(m, { threads: 2, workerUrl });
    fill(pt.batchViews(400, 64));
    const step = pt.trainStepInPlace(400, 64);
    const gone = pt.dispose();
    await expect(step).rejects.toThrow(/disposed while a command was running/);
    await gone;
    expect(m.updates).toBe(0);
    expect(await allExited(pt)).toBe(true);
  });

  // The main thread computes its shard before its first await, so a dispose() right after the
  // call lands between its waits. When the worker had already marked its arena ready, nothing
  // was waiting to be rejected, and the step then waited forever for the worker's "done" that
  // the stopped worker never wrote (CI, session 6). A main shard slowed by 20 ms makes the
  // worker the first to finish, the case that hung; the other moments are tried as well.
  it('dispose at any moment of a step never leaves it waiting', async () => {
    // 0: in the same turn as the call (no await at all), then after a microtask, a turn, 1 ms
    const moments = [null, () => Promise.resolve(), () => new Promise((r) => setImmediate(r)), () => new Promise((r) => setTimeout(r, 1))];
    for (let i = 0; i < 12; i++) {
      const m = await createModel({ ...cfg, hiddenSize: 64 });
      m.setOptimizer({ type: 'sgd', lr: 0.01 });
      if (i < 8) {
        const own = m.lossAndGradNoisyInPlace.bind(m);
        m.lossAndGradNoisyInPlace = (...a) => { const r = own(...a); const until = performance.now() + 20; while (performance.now() < until); return r; };
      }
      const pt = await ParallelTrainer.create(m, { threads: 2, workerUrl });
      fill(pt.batchViews(100, 16));
      const step = pt.trainStepInPlace(100, 16);
      const later = moments[i % 4];
      if (later) await later();
      const gone = pt.dispose();
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        step.then(() => 'resolved', (e: Error) => (e instanceof DisposedError && /disposed while a command was running/.test(e.message) ? 'rejected' : `wrong error: ${e.message}`)),
        new Promise<string>((r) => { timer = setTimeout(() => r('still waiting after 10 s'), 10_000); }),
      ]);
      clearTimeout(timer);
      expect(outcome, `try ${i} (moment ${i % 4}${i < 8 ? ', slow main shard' : ''})`).toMatch(/^(resolved|rejected)$/);
      await gone;
      expect(await allExited(pt)).toBe(true);
    }
  });

  it('while starting (a worker script that throws): create rejects and nothing is left running', async () => {
    const bad = join(dir, 'bad-worker.mjs');
    writeFileSync(bad, 'throw new RangeError("replica script failed on load");\n');
    const m = await createModel(cfg);
    await expect(ParallelTrainer.create(m, { threads: 3, workerUrl: pathToFileURL(bad) })).rejects.toThrow(/replica script failed on load/);
  });
});

describe('a forgotten trainer', () => {
  it('does not keep the process alive (idle workers are unref\'d)', async () => {
    expect(existsSync('dist/node.js') && existsSync('dist/parallel-worker.js'), 'run `npm run build` first').toBe(true);
    const script = join(dir, 'forget.mjs');
    writeFileSync(script, `
      import { createModel, ParallelTrainer } from ${JSON.stringify(pathToFileURL(join(process.cwd(), 'dist', 'node.js')).href)};
      const m = await createModel(${JSON.stringify(cfg)});
      m.setOptimizer({ type: 'sgd', lr: 0.1 });
      const pt = await ParallelTrainer.create(m, { threads: 2 });
      const v = pt.batchViews(4, 4); v.x.fill(1); v.y.fill(1); v.mask.fill(1);
      const r = await pt.trainStepInPlace(4, 4);
      console.log('step', r.frames);
    `);
    const out = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--experimental-wasm-relaxed-simd', script], { timeout: 60_000 }, (e, stdout, stderr) => (e ? reject(new Error(`${e.message}\n${stderr}`)) : resolve(stdout)));
    });
    expect(out.trim()).toBe('step 16');
  });
});
