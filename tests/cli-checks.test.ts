// The command line checks before it works (issue 11): every bad option of every command is a
// one-line typed message and exit code 1 within a fraction of a second, with nothing written;
// an output path that cannot be written is refused before training; a divergence (a non-finite
// step, or a finite blow-up far above the trivial model's NLL) saves the best model so far and
// exits with code 3; eval scores the data set the model file records; the stale temporary files
// of a killed atomic write are removed; demo and train print short output.
import { describe, it, expect, vi, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync, existsSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { main, EXIT_CODES } from '../bindings/cli/main.js';
import { removeStaleTemps, writeFileAtomic } from '../bindings/io/file-node.js';
import { blowUpNll, trivialNll } from '../bindings/train/divergence.js';
import { train, type EpochRecord } from '../bindings/train/trainer.js';
import { createModel, loadModel, saveModel, syntheticMusic, Batcher, midiToNoteSequence } from '../bindings/node.js';
import { ConfigError, DivergedError } from '../bindings/errors.js';
import { encodeWav } from '../bindings/io/wav.js';
import { reproduce, defaultOptions } from '../bindings/cli/reproduce/index.js';

/** Runs main with stdout and stderr captured (console and direct writes). */
async function run(argv: string[]): Promise<{ code: number; out: string; err: string; ms: number }> {
  const out: string[] = [], err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a) => { out.push(a.join(' ') + '\n'); });
  const error = vi.spyOn(console, 'error').mockImplementation((...a) => { err.push(a.join(' ') + '\n'); });
  const wout = vi.spyOn(process.stdout, 'write').mockImplementation(((s: string) => { out.push(String(s)); return true; }) as never);
  const werr = vi.spyOn(process.stderr, 'write').mockImplementation(((s: string) => { err.push(String(s)); return true; }) as never);
  const t0 = performance.now();
  try {
    const code = await main(argv);
    return { code, out: out.join(''), err: err.join(''), ms: performance.now() - t0 };
  } finally {
    log.mockRestore(); error.mockRestore(); wout.mockRestore(); werr.mockRestore();
  }
}

const ONE_TYPED_LINE = /^gatedrnn: [A-Za-z]+Error \(E_[A-Z_]+\): [^\n]+\n$/;
/** A pid no process has: a child that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

let dir: string;
let model: string;       // a small piano-roll model file without data metadata
let dataDir: string;     // a fake data directory: jsb and nottingham made of synthetic pieces
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gatedrnn-cli-checks-'));
  model = join(dir, 'plain.safetensors');
  const m = await createModel({ unit: 'gru', hiddenSize: 4, inputSize: 88, head: { type: 'bernoulli', size: 88 }, seed: 1 });
  await saveModel(m, model);
  m.dispose();
  dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  const small = (seed: number) => syntheticMusic({ seed, train: 16, valid: 6, test: 6, minLength: 10, maxLength: 30 });
  writeFileSync(join(dataDir, 'jsb-chorales.json.gz'), gzipSync(JSON.stringify(small(7))));
  writeFileSync(join(dataDir, 'nottingham.json.gz'), gzipSync(JSON.stringify(small(8))));
  writeFileSync(join(dir, 'a-file'), 'not a folder');
  mkdirSync(join(dir, 'folder.safetensors'));
  mkdirSync(join(dir, 'folder.svg'));
});
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

describe('every bad option is refused up front: exit 1, one typed line, no work', () => {
  it('train, demo, eval, sample and reproduce', async () => {
    const out = join(dir, 'never.safetensors'), mid = join(dir, 'never.mid'), wav = join(dir, 'never.wav'), grid = join(dir, 'never-grid');
    const file = join(dir, 'a-file'), missing = join(dir, 'no-such-folder');
    const T = ['train', '--unit', 'gru', '--hidden', '4', '--epochs', '500', '--out', out];
    const S = ['sample', model, '--out', mid];
    const cases: [string[], RegExp][] = [
      [[...T, '--threads', '0'], /ConfigError \(E_CONFIG\): --threads must be an integer in 1\.\.256, got 0/],
      [[...T, '--threads', '300'], /--threads/],
      [[...T, '--seconds', '-1'], /ConfigError \(E_CONFIG\): --seconds must be a number above 0, got -1/],
      [[...T, '--seconds', '0'], /--seconds/],
      [[...T, '--clip', '-1'], /ConfigError \(E_CONFIG\): --clip must be a number ≥ 0 \(0: off\), got -1/],
      [[...T, '--noise', '-0.1'], /--noise must be a number ≥ 0/],
      [[...T, '--lr', '0'], /--lr must be in \(0, 1000\], got 0/],
      [[...T, '--lr', '-1e-3'], /--lr/],
      [[...T, '--lr', '5000'], /--lr/],
      [[...T, '--epochs', '0'], /--epochs must be an integer ≥ 1/],
      [[...T, '--patience', '0'], /--patience/],
      [[...T, '--batch-size', '0'], /--batch-size/],
      [[...T, '--layers', '0'], /--layers must be an integer in 1\.\.64/],
      [[...T, '--hidden', '0'], /--hidden must be an integer in 1\.\.8192, got 0/],
      [[...T, '--hidden', '100000'], /--hidden/],
      [[...T, '--seed', '1e20'], /--seed must be an integer ≥ 0/],
      [[...T, '--peepholes'], /--peepholes is an LSTM option; --unit is gru/],
      [['train', '--unit', 'lstm', '--hidden', '4', '--reset-before', '--out', out], /--reset-before is a GRU option/],
      [['train', '--unit', 'gru', '--hidden', '4', '--out', join(dir, 'folder.safetensors')], /ConfigError \(E_CONFIG\): --out .*folder\.safetensors is a folder/],
      [['train', '--unit', 'gru', '--hidden', '4', '--out', join(missing, 'm.safetensors')], /NotFoundError \(E_NOT_FOUND\): --out .*: the folder .*no-such-folder does not exist/],
      [['train', '--unit', 'gru', '--hidden', '4', '--out', join(file, 'm.safetensors')], /--out/],
      [['train', '--unit', 'gru', '--hidden', '4', '--out', join(dir, 'm.bin')], /--out .*m\.bin must end in \.safetensors/],
      [[...T, '--dataset', 'jsb', '--data', file], /ConfigError \(E_CONFIG\): --data .*a-file is a file, not a folder/],
      [[...T, '--dataset', 'jsb', '--data', missing], /NotFoundError \(E_NOT_FOUND\): --data .*no-such-folder: no such folder/],
      [[...T, '--dataset', 'wav'], /--dataset wav needs --data/],
      [['demo', '--epochs', '0'], /--epochs/],
      [['demo', '--seconds', '0'], /--seconds must be a number above 0/],
      [['demo', '--lr', '-1'], /--lr/],
      [['demo', '--batch-size', '0'], /--batch-size/],
      [['demo', '--dataset', 'speech'], /demo trains the music models/],
      [['demo', '--dataset', 'jsb', '--data', file], /--data .* is a file, not a folder/],
      [['eval', join(dir, 'no-model.safetensors')], /NotFoundError \(E_NOT_FOUND\): model file .*: no such file/],
      [['eval', dir], /ConfigError \(E_CONFIG\): model file .* is a folder, not a file/],
      [['eval', model, '--batch-size', '0'], /--batch-size/],
      [['eval', model, '--data', file], /--data .* is a file, not a folder/],
      [['eval', model, '--dataset', 'speech'], /is not a speech model/],
      [[...S, '--program', '200'], /--program must be an integer in 0\.\.127, got 200/],
      [[...S, '--steps-per-quarter', '0'], /--steps-per-quarter/],
      [[...S, '--max-notes', '0'], /--max-notes must be an integer in 1\.\.88/],
      [[...S, '--frames', '0'], /--frames/],
      [[...S, '--frame-seconds', '0'], /--frame-seconds must be in \[0\.001, 10\]/],
      [[...S, '--bpm', '90', '--frame-seconds', '0.5'], /--bpm or --frame-seconds, not both/],
      [[...S, '--temperature', '0'], /--temperature must be in \(0, 100\]/],
      [[...S, '--primer-from', 'test-3'], /--primer-from 'test-3' must be split:index/],
      [[...S, '--primer', join(dir, 'none.mid')], /NotFoundError \(E_NOT_FOUND\): --primer .*: no such file/],
      [[...S, '--primer-seconds', '1'], /--primer-seconds is for speech models/],
      [[...S, '--svg', join(dir, 'folder.svg')], /--svg .* is a folder/],
      [['sample', model, '--out', join(missing, 'x.mid')], /--out .* does not exist/],
      [['sample', model, '--out', wav, '--bpm', '100'], /--bpm is an option of piano-roll models/],
      [['sample', model, '--out', wav, '--primer-seconds', '-1'], /--primer-seconds must be a number ≥ 0/],
      [['reproduce', '--out', file], /ConfigError \(E_CONFIG\): --out .* is a file, not a folder/],
      [['reproduce', '--out', join(file, 'sub')], /--out .*a-file is a file, not a folder/],
      [['reproduce', '--out', grid, '--rms-decay', '1'], /--rms-decay must be in \[0, 1\), got 1/],
      [['reproduce', '--out', grid, '--momentum', '1.5'], /--momentum/],
      [['reproduce', '--out', grid, '--rms-eps', '0', '--rms-floor', '0'], /--rms-eps and --rms-floor cannot both be 0/],
      [['reproduce', '--out', grid, '--halving-eta', '3'], /--halving-eta is for --schedule halving/],
      [['reproduce', '--out', grid, '--wav', dir], /--wav is for --dataset speech/],
      [['reproduce', '--out', grid, '--midi', dir], /--midi is for --dataset midi/],
      [['reproduce', '--out', grid, '--dataset', 'midi', '--midi', missing], /NotFoundError \(E_NOT_FOUND\): --midi .*: no such folder/],
      [['reproduce', '--out', grid, '--dataset', 'synthetic', '--download'], /--download fetches the paper's four data sets/],
      [['reproduce', '--out', grid, '--download-url', 'ftp://example.org/'], /--download-url .* is not an http\(s\) URL/],
      [['reproduce', '--out', grid, '--workers', '300'], /--workers/],
      [['reproduce', '--out', grid, '--synthetic-length', '1,5'], /--synthetic-length needs 2 ≤ min ≤ max/],
      [['reproduce', '--out', grid, '--lr-log-range', '5,8'], /above the optimizers' limit/],
      [['reproduce', '--out', grid, '--hidden', 'lstm=9000'], /--hidden lstm: at most 8192/],
      [['reproduce', '--out', grid, '--data', file], /--data .* is a file, not a folder/],
      [['reproduce', '--out', grid, '--cache', join(file, 'c')], /--cache/],
    ];
    for (const [argv, want] of cases) {
      const r = await run(argv);
      const what = argv.join(' ');
      expect(r.code, what).toBe(EXIT_CODES.error);
      expect(r.err, what).toMatch(ONE_TYPED_LINE);
      expect(r.err, what).toMatch(want);
      expect(r.ms, `${what}: ${r.ms.toFixed(0)} ms`).toBeLessThan(1000);
    }
    for (const f of [out, mid, wav, grid]) expect(existsSync(f), f).toBe(false);
  });

  it('$GATEDRNN_DATA naming a file is refused like --data', async () => {
    const saved = process.env.GATEDRNN_DATA;
    process.env.GATEDRNN_DATA = join(dir, 'a-file');
    try {
      for (const argv of [['train', '--unit', 'gru', '--hidden', '4', '--dataset', 'jsb'], ['demo', '--dataset', 'nottingham'], ['eval', model, '--dataset', 'jsb']]) {
        const r = await run(argv);
        expect(r.code, argv.join(' ')).toBe(1);
        expect(r.err, argv.join(' ')).toMatch(/^gatedrnn: ConfigError \(E_CONFIG\): \$GATEDRNN_DATA .*a-file is a file, not a folder\n$/);
      }
    } finally {
      if (saved === undefined) delete process.env.GATEDRNN_DATA; else process.env.GATEDRNN_DATA = saved;
    }
  });

  it('--out a folder is refused before 500 epochs of training would start', async () => {
    const r = await run(['train', '--unit', 'lstm', '--hidden', '36', '--epochs', '500', '--patience', '500', '--out', join(dir, 'folder.safetensors')]);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.ms).toBeLessThan(1000);
  });
});

describe('divergence', () => {
  it('the blow-up bound of each head is twice its trivial model\'s NLL', () => {
    expect(trivialNll({ type: 'bernoulli', size: 88, targetWidth: 88 })).toBeCloseTo(88 * Math.LN2, 10);
    expect(blowUpNll({ type: 'bernoulli', size: 88, targetWidth: 88 })).toBeCloseTo(2 * 88 * Math.LN2, 10); // ≈ 122
    expect(blowUpNll({ type: 'softmax', size: 10, targetWidth: 1 })).toBeCloseTo(2 * Math.log(10), 10);
    expect(blowUpNll({ type: 'mog', size: 10, targetWidth: 10 })).toBeCloseTo(10 * Math.log(2 * Math.PI * Math.E), 10);
    expect(blowUpNll({ type: 'my-head', size: 3, targetWidth: 3 })).toBeUndefined();
  });

  it('divergeAboveNll: an epoch above the bound is a divergence, handled as onDiverge says', async () => {
    const ds = syntheticMusic({ seed: 2, train: 16, valid: 6, test: 6, minLength: 10, maxLength: 30 });
    const data = { train: Batcher.fromNotes(ds.train, { batchSize: 4, seed: 1 }), valid: Batcher.fromNotes(ds.valid, { batchSize: 8, shuffle: false }) };
    const make = () => createModel({ unit: 'tanh', hiddenSize: 8, inputSize: 88, head: { type: 'bernoulli', size: 88 }, seed: 1 }, { build: 'simd' });
    const m = await make();
    const seen: EpochRecord[] = [];
    // an absurd learning rate: the first epoch is already far above 122 nats per frame, but finite
    const s = train(m, data, { epochs: 5, optimizer: { type: 'rmsprop', lr: 100 }, onDiverge: 'stop', divergeAboveNll: 122, onEpoch: (r) => seen.push(r) });
    expect(s.stopped).toBe('diverged');
    expect(s.error).toMatch(/epoch 1 blew up: validation NLL \d+\.\d nats per frame, above the bound of 122\.0/);
    expect(s.bestEpoch).toBe(-1);
    expect(s.history).toHaveLength(1);       // the blown-up epoch keeps its record …
    expect(s.history[0].best).toBe(false);   // … but is never the best
    expect(Number.isFinite(s.history[0].validNll) && s.history[0].validNll > 122).toBe(true);
    expect(seen).toHaveLength(1);
    m.dispose();
    const m2 = await make();
    expect(() => train(m2, data, { epochs: 5, optimizer: { type: 'rmsprop', lr: 100 }, divergeAboveNll: 122 })).toThrow(DivergedError);
    expect(() => train(m2, data, { epochs: 5, optimizer: { type: 'rmsprop', lr: 1e-3 }, divergeAboveNll: 0 })).toThrow(ConfigError);
    expect(() => train(m2, data, { epochs: 5, optimizer: { type: 'rmsprop', lr: 1e-3 }, divergeAboveNll: NaN })).toThrow(/divergeAboveNll must be a positive finite number/);
    // without the bound the same run is a "success" to its epoch cap
    const s3 = train(m2, data, { epochs: 2, optimizer: { type: 'rmsprop', lr: 100 } });
    expect(s3.stopped).toBe('epochs');
    m2.dispose();
  });

  it('train at a learning rate that blows up after good epochs: the best model is saved, exit code 3', async () => {
    const out = join(dir, 'diverged.safetensors');
    // LSTM-8 at lr 3 (the simd build, so the run is the same everywhere): epochs 1–3 score about
    // 96–106 nats per frame, within the bound of 2·88·ln 2 ≈ 122; epoch 4 blows up above it
    const r = await run(['train', '--unit', 'lstm', '--hidden', '8', '--lr', '3', '--batch-size', '4', '--epochs', '8', '--build', 'simd', '--out', out, '--verbose']);
    expect(r.code).toBe(EXIT_CODES.diverged);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(ONE_TYPED_LINE);
    expect(r.err).toMatch(/^gatedrnn: DivergedError \(E_DIVERGED\): training diverged: epoch 4 blew up: validation NLL \d+\.\d nats per frame, above the bound of 122\.0; the best model \(epoch 3, valid \d+\.\d+\) was saved to .*diverged\.safetensors/);
    const epochs = [...r.out.matchAll(/^epoch (\d+): train \S+ valid (\S+)/gm)].map((m) => Number(m[2]));
    expect(epochs).toHaveLength(4); // the blown-up epoch is reported, then the run ends
    expect(epochs[3]).toBeGreaterThan(2 * 88 * Math.LN2);
    expect(Math.max(...epochs.slice(0, 3))).toBeLessThan(2 * 88 * Math.LN2);
    expect(r.out).toMatch(/^best epoch 3: valid \d+\.\d+, test \d+\.\d+ nats\/frame \(diverged; 4 epoch\(s\)/m);
    expect(r.out).toMatch(/saved .*diverged\.safetensors \(epoch 3, the best before the divergence\)/);
    expect(existsSync(out)).toBe(true);
    // the file holds epoch 3's parameters: eval on the validation split gives epoch 3's NLL
    const e = await run(['eval', out, '--split', 'valid', '--build', 'simd']);
    expect(e.code).toBe(0);
    expect(Number(/: (\d+\.\d+) nats per frame pooled/.exec(e.out)![1])).toBeCloseTo(epochs[2], 2);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('an absurd learning rate blows up in the first epoch: exit code 3 and nothing to save', async () => {
    const out = join(dir, 'absurd.safetensors');
    const r = await run(['train', '--unit', 'gru', '--hidden', '8', '--lr', '100', '--batch-size', '4', '--epochs', '8', '--out', out]);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(ONE_TYPED_LINE);
    expect(r.err).toMatch(/DivergedError \(E_DIVERGED\): training diverged: epoch 1 blew up: .*no epoch before it scored within bounds, so there is no model to save/);
    expect(existsSync(out)).toBe(false);
  });

  it('the exit codes are in --help and in the README', async () => {
    const r = await run(['train', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Exit codes: 0 done; 1 a bad option[\s\S]*; 3 training diverged/);
    const readme = readFileSync('README.md', 'utf8');
    const section = readme.slice(readme.indexOf('## Command line'), readme.indexOf('\n## ', readme.indexOf('## Command line') + 5));
    expect(section).toMatch(/Exit codes: 0 done; 1 a bad option[\s\S]*?; 3 training diverged/);
  });
});

describe('eval uses the data set the model file records', () => {
  it('train records it (kind pianoroll); eval picks it, says when --dataset differs, and keeps the synthetic seed', async () => {
    const file = join(dir, 'jsb.safetensors');
    const t = await run(['train', '--unit', 'gru', '--hidden', '6', '--epochs', '2', '--batch-size', '8', '--dataset', 'jsb', '--data', dataDir, '--out', file]);
    expect(t.code).toBe(0);
    const m = await loadModel(file);
    expect(m.data).toEqual({ kind: 'pianoroll', dataset: 'jsb' });
    m.dispose();
    const test = Number(/test (\d+\.\d+) nats\/frame/.exec(t.out)![1]);
    const e = await run(['eval', file, '--data', dataDir]);
    expect(e.code).toBe(0);
    expect(e.out).toMatch(/^jsb test: \d+\.\d+ nats per frame/);
    expect(Number(/: (\d+\.\d+) nats per frame/.exec(e.out)![1])).toBeCloseTo(test, 2);
    const other = await run(['eval', file, '--data', dataDir, '--dataset', 'nottingham']);
    expect(other.code).toBe(0);
    expect(other.out).toMatch(/^nottingham test \(the model was trained on jsb\): \d+\.\d+ nats per frame/);
    const same = await run(['eval', file, '--data', dataDir, '--dataset', 'jsb']);
    expect(same.out).toMatch(/^jsb test: /);

    // synthetic data depends on its seed: the file records it and eval uses it
    const syn = join(dir, 'syn3.safetensors');
    const t3 = await run(['train', '--unit', 'gru', '--hidden', '6', '--epochs', '1', '--seed', '3', '--out', syn]);
    expect(t3.code).toBe(0);
    const m3 = await loadModel(syn);
    expect(m3.data).toEqual({ kind: 'pianoroll', dataset: 'synthetic', seed: 3 });
    m3.dispose();
    const e3 = await run(['eval', syn]);
    expect(e3.out).toMatch(/^synthetic test: /);
    expect(Number(/: (\d+\.\d+) nats per frame/.exec(e3.out)![1])).toBeCloseTo(Number(/test (\d+\.\d+) nats\/frame/.exec(t3.out)![1]), 2);

    // sample --primer-from reads the recorded data set too (synthetic with seed 3)
    const mid = join(dir, 'syn3.mid');
    expect((await run(['sample', syn, '--out', mid, '--primer-from', 'test:1', '--primer-frames', '6', '--frames', '4'])).code).toBe(0);
    const primer = syntheticMusic({ seed: 3 }).test[1].slice(0, 6);
    expect(primer.some((f) => f.length > 0) && primer.join('|') !== syntheticMusic({ seed: 1 }).test[1].slice(0, 6).join('|')).toBe(true);
    expect(midiToNoteSequence(readFileSync(mid), 'syn3.mid').slice(0, 6)).toEqual(primer);

    // a file without data metadata: synthetic, and the line says the file does not record it
    const plain = await run(['eval', model]);
    expect(plain.code).toBe(0);
    expect(plain.out).toMatch(/^synthetic test \(the model file does not record its data set; give --dataset\): /);
  });
});

describe('eval of a speech model', () => {
  it('the model keeps its kind speech and records wav as its data set; eval uses it and refuses piano-roll data', async () => {
    const wavs = join(dir, 'wavs');
    mkdirSync(wavs);
    for (let i = 0; i < 9; i++) {
      const n = 1200 + 50 * i, x = new Int16Array(n);
      for (let t = 0; t < n; t++) x[t] = Math.round(5000 * Math.sin((2 * Math.PI * (200 + 30 * i) * t) / 8000));
      writeFileSync(join(wavs, `take${i}.wav`), encodeWav(x, 8000));
    }
    const file = join(dir, 'wav.safetensors');
    const t = await run(['train', '--dataset', 'wav', '--data', wavs, '--unit', 'gru', '--hidden', '4', '--epochs', '1', '--batch-size', '4', '--out', file]);
    expect(t.code).toBe(0);
    const m = await loadModel(file);
    expect(m.data).toMatchObject({ kind: 'speech', dataset: 'wav', sampleRate: 8000, input: 20, hop: 10 });
    m.dispose();
    const e = await run(['eval', file, '--data', wavs]);
    expect(e.code).toBe(0);
    expect(e.out).toMatch(/^wav test \(\d+ steps, normalised with the model's mean/);
    const bad = await run(['eval', file, '--dataset', 'jsb', '--data', dataDir]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/ConfigError \(E_CONFIG\): .* is a speech model: evaluate it with --dataset speech or wav, not jsb/);
    const noData = await run(['eval', file]);
    expect(noData.code).toBe(1);
    expect(noData.err).toMatch(/--dataset wav needs --data/);
  });
});

describe('stale temporary files of atomic writes', () => {
  it('removeStaleTemps removes only our pattern, only of dead processes, only regular files', async () => {
    const d = join(dir, 'temps');
    mkdirSync(d);
    const dead = deadPid();
    const stale = `.m.safetensors.${dead}.0123456789ab.tmp`;
    const keep = [
      `.m.safetensors.${process.pid}.0123456789ab.tmp`,   // a live writer (this process)
      `m.safetensors.${dead}.0123456789ab.tmp`,           // no leading dot: not ours
      `.m.safetensors.${dead}.0123456789.tmp`,            // 10 hex digits: not ours
      `.m.safetensors.${dead}.0123456789ab.tmp.bak`,
      'notes.tmp', 'm.safetensors',
    ];
    for (const f of [stale, ...keep]) writeFileSync(join(d, f), 'x');
    mkdirSync(join(d, `.dir.${dead}.0123456789ab.tmp`));                    // a folder: left alone
    symlinkSync(join(d, 'notes.tmp'), join(d, `.link.${dead}.0123456789ab.tmp`)); // a symlink: left alone
    expect(await removeStaleTemps(d)).toEqual([join(d, stale)]);
    expect(readdirSync(d).sort()).toEqual([...keep, `.dir.${dead}.0123456789ab.tmp`, `.link.${dead}.0123456789ab.tmp`].sort());
    expect(await removeStaleTemps(join(d, 'no-such'))).toEqual([]);
    // the pattern is the one writeFileAtomic uses: a temp of a killed write of ours is found
    await writeFileAtomic(join(d, 'w.bin'), new Uint8Array([1]));
    const own = readdirSync(d).filter((f) => f.startsWith('.w.bin.'));
    expect(own).toEqual([]); // an atomic write leaves none behind
  });

  it('train --out, sample --out and reproduce --out remove them on start-up', async () => {
    const d = join(dir, 'killed');
    mkdirSync(d);
    const dead = deadPid();
    const stale = [`.m.safetensors.${dead}.aaaaaaaaaaaa.tmp`, `.other.safetensors.${dead}.bbbbbbbbbbbb.tmp`];
    for (const f of stale) writeFileSync(join(d, f), 'half a file');
    writeFileSync(join(d, 'mine.tmp'), 'the user\'s');
    expect((await run(['train', '--unit', 'gru', '--hidden', '4', '--epochs', '1', '--out', join(d, 'm.safetensors')])).code).toBe(0);
    expect(readdirSync(d).sort()).toEqual(['m.safetensors', 'mine.tmp']);

    writeFileSync(join(d, `.piece.mid.${dead}.cccccccccccc.tmp`), 'x');
    expect((await run(['sample', join(d, 'm.safetensors'), '--out', join(d, 'piece.mid'), '--frames', '8'])).code).toBe(0);
    expect(readdirSync(d).sort()).toEqual(['m.safetensors', 'mine.tmp', 'piece.mid']);

    const grid = join(dir, 'grid');
    mkdirSync(join(grid, 'synthetic', 'trials'), { recursive: true });
    const trialTemp = join(grid, 'synthetic', 'trials', `.gru-seed1-trial0.json.${dead}.dddddddddddd.tmp`);
    writeFileSync(trialTemp, '{');
    writeFileSync(join(grid, `.README.md.${dead}.eeeeeeeeeeee.tmp`), '#');
    await reproduce(defaultOptions({
      dataset: 'synthetic', out: grid, trials: 1, epochs: 1, patience: 1, workers: 0, batchSize: 4, units: ['gru'], hidden: { gru: 4 },
      syntheticTrain: 8, syntheticLength: [10, 20], progress: 'none', command: 'temp test',
    }));
    expect(existsSync(trialTemp)).toBe(false);
    expect(readdirSync(grid).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(existsSync(join(grid, 'synthetic', 'trials', 'gru-seed1-trial0.json'))).toBe(true);
  });
});

describe('short output', () => {
  it('demo prints its table without a line per epoch (those come with --verbose)', async () => {
    const r = await run(['demo', '--seconds', '0.5', '--epochs', '3', '--batch-size', '16']);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines.length).toBeLessThanOrEqual(14);
    expect(r.out).not.toMatch(/epoch +\d+ +train/);
    expect(lines.filter((l) => /^ {2}(tanh|GRU|LSTM) +\d+ epoch\(s\), /.test(l))).toHaveLength(3); // one line per unit
    expect(r.out).toMatch(/\| unit \| hidden \| params \|/);
    expect(r.out).toMatch(/^\| LSTM /m);
    expect(r.err).toBe(''); // no bar: stderr is not a terminal here
    const v = await run(['demo', '--seconds', '0.5', '--epochs', '2', '--batch-size', '16', '--verbose']);
    expect(v.code).toBe(0);
    expect(v.out.match(/^ {2}(tanh|GRU|LSTM) +epoch +\d+ +train/gm)?.length).toBeGreaterThanOrEqual(3);
  });

  it('train prints its result lines only, unless --verbose', async () => {
    const r = await run(['train', '--unit', 'lstm', '--hidden', '6', '--epochs', '4', '--batch-size', '16']);
    expect(r.code).toBe(0);
    expect(r.out.trimEnd().split('\n')).toHaveLength(1);
    expect(r.out).toMatch(/^best epoch \d+: valid \d+\.\d+, test \d+\.\d+ nats\/frame \(stopped: epochs; 4 epoch\(s\), /);
    const v = await run(['train', '--unit', 'lstm', '--hidden', '6', '--epochs', '4', '--batch-size', '16', '--verbose']);
    expect(v.out.match(/^epoch \d+: train /gm)).toHaveLength(4);
  });
});
