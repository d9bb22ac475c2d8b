// Kill and resume, out of process: `gatedrnn train --checkpoint` and a `reproduce` grid are
// SIGKILLed at random moments (three seeds each), resumed, and end with files equal to an
// uninterrupted run's: the model byte for byte, the trial results number for number (clocks
// aside). At most one epoch is lost: the resumed run starts after the last epoch the killed
// one reported, or the one before it (killed while writing that epoch's checkpoint).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleCli } from './helpers/bundle.js';
import { defaultOptions, type ReproduceOptions } from '../bindings/cli/reproduce/index.js';
import { Rng } from '../bindings/data/rng.js';

let tmp: string;

// The children run compiled JavaScript (tests/helpers/bundle.ts).
beforeAll(async () => { tmp = await bundleCli('gatedrnn-kill-'); }, 120_000);
afterAll(async () => { await rm(tmp, { recursive: true, force: true }); });

interface Run { code: number | null; signal: NodeJS.Signals | null; out: string; err: string }

/** Runs a script; `killWhen(out)` is polled every 20 ms and a true answer SIGKILLs the child. */
function run(script: string, args: string[], killWhen?: (out: string) => boolean | Promise<boolean>): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(tmp, 'dist', script), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout!.on('data', (d) => { out += d; });
    child.stderr!.on('data', (d) => { err += d; });
    const timer = killWhen ? setInterval(async () => { if (await killWhen(out)) { clearInterval(timer); child.kill('SIGKILL'); } }, 20) : undefined;
    child.once('exit', (code, signal) => { if (timer) clearInterval(timer); done({ code, signal, out, err }); });
  });
}

describe('gatedrnn train, killed and resumed', () => {
  const args = (dir: string) => ['train', '--unit', 'lstm', '--peepholes', '--hidden', '16', '--epochs', '7', '--batch-size', '8', '--seed', '4', '--noise', '0.075',
    '--verbose', '--checkpoint', join(dir, 'ck.safetensors'), '--out', join(dir, 'model.safetensors')];
  it('ends with the uninterrupted run\'s model file, byte for byte (3 random kills)', async () => {
    const refDir = join(tmp, 'train-ref');
    await mkdir(refDir, { recursive: true });
    const t0 = performance.now();
    const ref = await run('cli.mjs', args(refDir));
    const seconds = (performance.now() - t0) / 1000;
    expect(ref.code, ref.err).toBe(0);
    const epochLines = (s: string) => s.split('\n').filter((l) => /^epoch \d+:/.test(l.trim())).length;
    expect(epochLines(ref.out)).toBe(7);
    const refModel = await readFile(join(refDir, 'model.safetensors'));
    const perEpoch = seconds / 7;
    const rng = new Rng(20261202);
    for (let k = 0; k < 3; k++) {
      const dir = join(tmp, `train-kill-${k}`);
      await mkdir(dir, { recursive: true });
      // after a random number of reported epochs (1..5), a random part of the next one
      const after = 1 + Math.floor(rng.uniform() * 5), delay = rng.uniform() * perEpoch * 1000;
      let at = Infinity;
      const killed = await run('cli.mjs', args(dir), (out) => {
        if (at === Infinity && epochLines(out) >= after) at = performance.now() + delay;
        return performance.now() >= at;
      });
      expect(killed.signal, `kill ${k}: ${killed.err}`).toBe('SIGKILL');
      expect(existsSync(join(dir, 'model.safetensors'))).toBe(false);
      const reported = epochLines(killed.out);
      const resumed = await run('cli.mjs', [...args(dir), '--resume', join(dir, 'ck.safetensors')]);
      expect(resumed.code, resumed.err).toBe(0);
      const from = Number(/resuming after epoch (\d+)/.exec(resumed.out)?.[1]);
      expect(from, `kill ${k}: ${reported} epochs reported before the kill`).toBeGreaterThanOrEqual(Math.max(1, reported - 1));
      expect(epochLines(resumed.out)).toBe(7 - from);
      expect(Buffer.compare(await readFile(join(dir, 'model.safetensors')), refModel), `kill ${k} after ${reported} epochs`).toBe(0);
    }
  }, 600_000);
});

describe('gatedrnn reproduce, killed and resumed', () => {
  const grid = (out: string): ReproduceOptions => defaultOptions({
    dataset: 'synthetic', out, trials: 1, epochs: 8, patience: 8, workers: 1, batchSize: 4, saveModels: true,
    hidden: { tanh: 10, gru: 8, lstm: 7 }, syntheticTrain: 120, syntheticLength: [20, 50],
    progress: 'none', workerUrl: pathToFileURL(join(tmp, 'dist', 'reproduce-worker.js')).href, command: 'kill test grid', cache: join(tmp, 'no-cache'),
  });
  /** A trial file without its clocks (which differ between runs). */
  const untimed = (json: string) => {
    const r = JSON.parse(json);
    delete r.seconds; delete r.startedAt; delete r.finishedAt; delete r.resumedAfterEpoch;
    for (const h of r.history) { delete h.trainSeconds; delete h.elapsed; delete h.trainSecondsTotal; }
    return r;
  };
  const files = async (dir: string, sub: string) => (await readdir(join(dir, 'synthetic', sub)).catch(() => [] as string[])).filter((f) => !f.startsWith('.')).sort();

  it('ends with the uninterrupted grid\'s trials and models (3 random kills mid-trial)', async () => {
    const refOut = join(tmp, 'grid-ref');
    const ref = await run('reproduce.mjs', [JSON.stringify(grid(refOut))]);
    expect(ref.code, ref.err).toBe(0);
    const trials = await files(refOut, 'trials');
    expect(trials).toHaveLength(3);
    expect(await files(refOut, 'checkpoints')).toEqual([]); // removed once each result is written
    // the fastest trial's time per epoch, to spread the kills over a few epochs of it
    const perEpochMs = Math.min(...await Promise.all(trials.map(async (t) => {
      const r = JSON.parse(await readFile(join(refOut, 'synthetic', 'trials', t), 'utf8'));
      return (r.seconds / r.history.length) * 1000;
    })));
    const rng = new Rng(7);
    for (let k = 0; k < 3; k++) {
      const out = join(tmp, `grid-kill-${k}`);
      // once k trials have finished, after a random 0–3 epochs of the fastest trial, at a moment when an unfinished
      // trial has a checkpoint (it is mid-trial)
      let at = Infinity;
      const midTrial = async () => {
        const done = new Set((await files(out, 'trials')).map((f) => f.replace(/\.json$/, '')));
        return done.size >= k && (await files(out, 'checkpoints')).some((f) => !done.has(f.replace(/\.safetensors$/, '')));
      };
      const killed = await run('reproduce.mjs', [JSON.stringify(grid(out))], async () => {
        if (at === Infinity && await midTrial()) at = performance.now() + rng.uniform() * 3 * perEpochMs;
        return performance.now() >= at && await midTrial();
      });
      expect(killed.signal, `kill ${k}: ${killed.err}`).toBe("SIGKILL");
      const finished = new Set(await files(out, 'trials'));
      const left = (await files(out, 'checkpoints')).filter((f) => !finished.has(f.replace(/\.safetensors$/, '.json')));
      expect(left.length, `kill ${k}: a trial was mid-way`).toBeGreaterThan(0);
      const resumed = await run('reproduce.mjs', [JSON.stringify(grid(out))]);
      expect(resumed.code, resumed.err).toBe(0);
      const cut = left[0].replace(/\.safetensors$/, '.json');
      const again = JSON.parse(await readFile(join(out, 'synthetic', 'trials', cut), 'utf8'));
      expect(again.resumedAfterEpoch, `${cut} was resumed from its checkpoint`).toBeGreaterThanOrEqual(1);
      expect(await files(out, 'checkpoints')).toEqual([]);
      for (const t of trials) {
        const [a, b] = await Promise.all([readFile(join(refOut, 'synthetic', 'trials', t), 'utf8'), readFile(join(out, 'synthetic', 'trials', t), 'utf8')]);
        expect(untimed(b), `${t} after kill ${k} (checkpoints left: ${left.join(', ')})`).toEqual(untimed(a));
        const m = t.replace(/\.json$/, '.safetensors');
        expect(Buffer.compare(await readFile(join(out, 'synthetic', 'models', m)), await readFile(join(refOut, 'synthetic', 'models', m))), m).toBe(0);
      }
    }
  }, 600_000);
});
