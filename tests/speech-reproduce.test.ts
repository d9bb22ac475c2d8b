// The speech half end to end on the real spoken-digit stand-in: `reproduce --dataset speech` on
// worker threads with tiny models (one epoch over the whole training split), its trial files,
// speech Table 2 (every unit of the score, the Ubisoft rows beside it) and curves; the saved
// models carry their normalisation, and `sample` turns one into a seeded WAV and an SVG.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { build } from 'esbuild';
import { mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { reproduce, defaultOptions } from '../bindings/cli/reproduce/index.js';
import { main } from '../bindings/cli/main.js';
import { loadModel, saveModel, createModel, modelToSafetensors, modelFromSafetensors, decodeSafetensors, encodeSafetensors, ConfigError, FormatError } from '../bindings/node.js';
import { decodeWav, encodeWav } from '../bindings/io/wav.js';
import { sampleSpeech } from '../bindings/generate/speech.js';
import { nllUnits } from '../bindings/data/speech.js';
import type { TrialResult } from '../bindings/experiment/trial.js';
import { speechDir } from './helpers/env.js';

const ROOT = resolve(__dirname, '..');
const speech = speechDir();
let tmp: string;
let workerUrl: URL;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'gatedrnn-speech-'));
  await symlink(join(ROOT, 'build'), join(tmp, 'build'));
  await symlink(join(ROOT, 'node_modules'), join(tmp, 'node_modules')); // the bundle's external packages (midi-file, …)
  await build({ entryPoints: [join(ROOT, 'bindings/cli/reproduce/worker.ts')], outfile: join(tmp, 'dist', 'reproduce-worker.js'), bundle: true, format: 'esm', platform: 'node', packages: 'external', logLevel: 'error', absWorkingDir: ROOT });
  workerUrl = pathToFileURL(join(tmp, 'dist', 'reproduce-worker.js'));
});
afterAll(async () => { await rm(tmp, { recursive: true, force: true }); });

const readJson = async (p: string) => JSON.parse(await readFile(p, 'utf8'), (_k, v) => (v === null ? NaN : v));

describe.runIf(speech)('speech grid on the spoken digits', () => {
  it('runs, reports every unit of the score beside the Ubisoft rows, saves models that sample', async () => {
    const out = join(tmp, 'grid');
    const o = defaultOptions({ dataset: 'speech', data: dirname(speech!), out, trials: 1, epochs: 1, workers: 2, hidden: { tanh: 6, gru: 4, lstm: 4 }, progress: 'none', workerUrl, command: 'speech test', saveModels: true });
    expect(o).toMatchObject({ batchSize: 32, maxLength: 100 }); // the speech defaults
    const [r] = await reproduce(o);
    expect(r).toMatchObject({ dataset: 'speech', ran: 3, failed: [] });
    const dir = join(out, 'speech');
    const t: TrialResult = await readJson(join(dir, 'trials', 'gru-seed1-trial0.json'));
    expect(t.spec).toMatchObject({ task: 'speech', unit: 'gru', resetAfter: false, hiddenSize: 4, batchSize: 32, maxLength: 100 });
    expect(t.data!.sampleRate).toBe(8000);
    expect(t.data!.std).toBeCloseTo(2001.98, 1);
    expect(t.data!.mean).toBeCloseTo(-31.71, 1);
    // one predicted step per whole 10 samples of every training utterance
    const index = JSON.parse(await readFile(join(speech!, 'index.json'), 'utf8'));
    const steps = (split: string) => index.splits[split].utterances.reduce((a: number, x: { length: number }) => a + Math.floor(x.length / 10), 0);
    expect(t.frames).toEqual({ train: steps('train'), valid: steps('valid'), test: steps('test') });
    expect(Number.isFinite(t.testNll)).toBe(true);
    expect(t.recurrentParams).toBe(3 * 4 * (20 + 4) + 6 * 4);
    const md = await readFile(join(dir, 'README.md'), 'utf8');
    for (const want of ['Ubisoft A: test (train)', 'int16: bits / sample', '6.44 (6.29)', '0.88 (0.38)', 'other data', 'ln 2001.98']) expect(md).toContain(want);
    const u = nllUnits(t.testNll, t.data!.std, 10);
    expect(md).toContain(u.perSampleInt16Bits.toFixed(4));
    expect(await readFile(join(dir, 'curves-seconds.svg'), 'utf8')).toContain('int16 scale');
    expect((await readdir(join(dir, 'models'))).sort()).toEqual(['gru-seed1-trial0.safetensors', 'lstm-seed1-trial0.safetensors', 'tanh-seed1-trial0.safetensors']);

    // the saved model knows its normalisation and samples reproducibly
    const file = join(dir, 'models', 'lstm-seed1-trial0.safetensors');
    const m = await loadModel(file);
    expect(m.data).toMatchObject({ kind: 'speech', sampleRate: 8000, input: 20, hop: 10 });
    const a = sampleSpeech(m, { samples: 800, seed: 3 }), b = sampleSpeech(m, { samples: 800, seed: 3 }), c = sampleSpeech(m, { samples: 800, seed: 4 });
    expect(a.audio).toEqual(b.audio);
    expect(a.audio).not.toEqual(c.audio);
    expect(a.audio.length).toBe(800);
    m.dispose();

    // the command: a WAV of the asked length after the primer, and its picture
    const wav = join(tmp, 'gen.wav'), svg = join(tmp, 'gen.svg');
    expect(await main(['sample', file, '--out', wav, '--svg', svg, '--seconds', '0.5', '--seed', '2', '--primer-from', 'test:0', '--primer-seconds', '0.1', '--data', dirname(speech!)])).toBe(0);
    const w = decodeWav(await readFile(wav));
    expect(w.sampleRate).toBe(8000);
    expect(w.samples.length).toBe(800 + 4000);
    const real = (await readFile(join(speech!, 'test.wav')));
    expect(Array.from(w.samples.subarray(0, 800))).toEqual(Array.from(decodeWav(real).samples.subarray(0, 800))); // the primer, as read
    expect(await readFile(svg, 'utf8')).toMatch(/^<svg[\s\S]*<path d="M/);
    // bad input: named, before any work
    expect(await main(['sample', file, '--out', join(tmp, 'no-such-dir', 'x.wav')])).toBe(1);
    expect(await main(['sample', file, '--out', join(tmp, 'x.mp3')])).toBe(1);
    expect(await main(['sample', file, '--out', join(tmp, 'x.wav'), '--primer-from', 'test:99999', '--data', dirname(speech!)])).toBe(1);
    const p44 = join(tmp, 'p44.wav');
    await writeFile(p44, encodeWav(new Int16Array(4410), 44100));
    expect(await main(['sample', file, '--out', join(tmp, 'x.wav'), '--primer', p44])).toBe(1);
  });
});

describe('model files keep how the data were prepared', () => {
  it('round-trips the data metadata and refuses a malformed one', async () => {
    const m = await createModel({ unit: 'gru', inputSize: 20, hiddenSize: 3, head: { type: 'mog', components: 2, size: 10 } });
    m.data = { kind: 'speech', sampleRate: 8000, mean: -31.5, std: 2000, input: 20, hop: 10 };
    const back = await modelFromSafetensors(modelToSafetensors(m));
    expect(back.data).toEqual(m.data);
    const f = decodeSafetensors(modelToSafetensors(m));
    for (const bad of ['{', '[1]', '{"kind": 3}', '{"kind": "speech", "std": null}']) {
      await expect(modelFromSafetensors(encodeSafetensors(f.tensors, { ...f.metadata, data: bad }))).rejects.toThrow(FormatError);
    }
    // a model without speech metadata cannot be sampled as speech
    const plain = await createModel({ unit: 'gru', inputSize: 20, hiddenSize: 3, head: { type: 'mog', components: 2, size: 10 } });
    expect(() => sampleSpeech(plain, { samples: 10 })).toThrow(ConfigError);
    const path = join(tmp, 'plain.safetensors');
    await saveModel(plain, path);
    expect(await main(['sample', path, '--out', join(tmp, 'y.wav')])).toBe(1);
  });
});

describe('train, eval and sample on a folder of your own WAV files', () => {
  it('normalises by its training files, keeps that in the model, and evaluates with it', async () => {
    const dir = join(tmp, 'wavs');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(dir, { recursive: true });
    for (let i = 0; i < 12; i++) {
      const n = 1500 + 97 * i, s = new Int16Array(n);
      for (let t = 0; t < n; t++) s[t] = Math.round(6000 * Math.sin((2 * Math.PI * (180 + 25 * i) * t) / 8000) + 500);
      await writeFile(join(dir, `take${String(i).padStart(2, '0')}.wav`), encodeWav(s, 8000));
    }
    const file = join(tmp, 'wav-gru.safetensors');
    expect(await main(['train', '--dataset', 'wav', '--data', dir, '--unit', 'gru', '--hidden', '6', '--epochs', '2', '--batch-size', '4', '--out', file])).toBe(0);
    const m = await loadModel(file);
    expect(m.data).toMatchObject({ kind: 'speech', sampleRate: 8000, input: 20, hop: 10 });
    expect(m.data!.mean).toBeGreaterThan(100); // the +500 offset, from the training files only
    m.dispose();
    expect(await main(['eval', file, '--dataset', 'wav', '--data', dir, '--split', 'test'])).toBe(0);
    expect(await main(['sample', file, '--out', join(tmp, 'wav-gru.wav'), '--seconds', '0.1'])).toBe(0);
    expect(decodeWav(await readFile(join(tmp, 'wav-gru.wav'))).samples.length).toBe(800);
    expect(await main(['train', '--dataset', 'wav', '--unit', 'gru', '--hidden', '6'])).toBe(1); // no --data
    expect(await main(['demo', '--dataset', 'speech'])).toBe(1);
  });
});
