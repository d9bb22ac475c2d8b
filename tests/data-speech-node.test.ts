import { afterAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadSpeechDataset, loadWavFolder } from '../bindings/data/speech-node.js';
import { encodeWav } from '../bindings/io/wav.js';
import { EmptyError, FormatError, NotFoundError } from '../bindings/errors.js';
import { speechDir } from './helpers/env.js';

const tmp = mkdtempSync(join(tmpdir(), 'gatedrnn-speech-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let counter = 0;
const fresh = (): string => { const d = join(tmp, `d${counter++}`); mkdirSync(d); return d; };
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** A stereo 16-bit file (same layout as encodeWav but 2 channels). */
function stereoWav(frames: number): Uint8Array {
  const b = encodeWav(new Int16Array(frames * 2), 8000);
  const v = new DataView(b.buffer);
  v.setUint16(22, 2, true); v.setUint32(28, 8000 * 4, true); v.setUint16(32, 4, true);
  return b;
}

/** A small speech folder in the index.json format; returns its index object for editing. */
function makeSpeechFolder(dir: string, rate = 8000) {
  const lens = { train: [30, 12, 25], valid: [11, 14], test: [40] };
  const index: Record<string, unknown> & { splits: Record<string, Record<string, unknown> & { utterances: Record<string, unknown>[] }> } = {
    sample_rate: rate, channels: 1, sample_format: 'int16 little-endian (WAV PCM)', splits: {},
  };
  let v = 1;
  for (const [name, ls] of Object.entries(lens)) {
    const total = ls.reduce((a, b) => a + b, 0);
    const samples = Int16Array.from({ length: total }, () => v++);
    const bytes = encodeWav(samples, rate);
    writeFileSync(join(dir, `${name}.wav`), bytes);
    let off = 0;
    index.splits[name] = {
      file: `${name}.wav`, sha256: sha(bytes), num_utterances: ls.length, total_samples: total, speakers: ['ann', 'bob'],
      utterances: ls.map((L, i) => { const u = { file: `${i}_ann_${i}.wav`, speaker: i % 2 ? 'bob' : 'ann', digit: i, take: i, offset: off, length: L, source_sha256: 'ab'.repeat(32) }; off += L; return u; }),
    };
  }
  writeFileSync(join(dir, 'index.json'), JSON.stringify(index));
  return index;
}

describe('loadSpeechDataset on a generated folder', () => {
  it('reads the splits as views of each file, from the speech folder or the data root', async () => {
    const root = fresh();
    const dir = join(root, 'speech');
    mkdirSync(dir);
    makeSpeechFolder(dir);
    for (const d of [dir, root]) {
      const ds = await loadSpeechDataset(d);
      expect(ds.sampleRate).toBe(8000);
      expect(ds.name).toBe('speech');
      expect(ds.source).toBe(join(dir, 'index.json'));
      expect(ds.train.map((w) => w.length)).toEqual([30, 12, 25]);
      expect(ds.valid.map((w) => w.length)).toEqual([11, 14]);
      expect(ds.test.map((w) => w.length)).toEqual([40]);
      expect(Array.from(ds.train[1].subarray(0, 3))).toEqual([31, 32, 33]);
      expect(ds.valid[0][0]).toBe(68);
      expect(ds.train[1].buffer).toBe(ds.train[0].buffer); // subarray views, not copies
      expect(ds.utterances.train[2]).toEqual({ file: '2_ann_2.wav', speaker: 'ann', digit: 2, take: 2, offset: 42, length: 25, sourceSha256: 'ab'.repeat(32) });
    }
  });

  it('NotFoundError naming where it looked and what to put there; a missing split file', async () => {
    const empty = fresh();
    await expect(loadSpeechDataset(empty)).rejects.toThrow(NotFoundError);
    await expect(loadSpeechDataset(empty)).rejects.toThrow(new RegExp(`neither ${join(empty, 'index.json')} nor ${join(empty, 'speech', 'index.json')} exists\\. Put the speech data set there`));
    const dir = fresh();
    makeSpeechFolder(dir);
    rmSync(join(dir, 'valid.wav'));
    await expect(loadSpeechDataset(dir)).rejects.toThrow(new RegExp(`${join(dir, 'valid.wav')} does not exist \\(index.json lists it as the valid split\\)`));
  });

  it('index.json fields: missing, wrong type, out of range, inconsistent (FormatError naming the field)', async () => {
    type Index = ReturnType<typeof makeSpeechFolder>;
    const cases: [string, (ix: Index) => void, RegExp][] = [
      ['sample_rate missing', (ix) => { delete ix.sample_rate; }, /index\.json: sample_rate is missing, not an integer ≥ 1/],
      ['sample_rate string', (ix) => { ix.sample_rate = '8000'; }, /sample_rate is "8000", not an integer ≥ 1/],
      ['stereo', (ix) => { ix.channels = 2; }, /channels is 2; only mono is supported/],
      ['sample_format', (ix) => { ix.sample_format = 16; }, /sample_format is 16, not a string/],
      ['splits', (ix) => { (ix as Record<string, unknown>).splits = []; }, /splits is \[\], not an object/],
      ['split missing', (ix) => { delete ix.splits.test; }, /splits\.test is missing, not an object/],
      ['file', (ix) => { ix.splits.train.file = '../train.wav'; }, /splits\.train\.file is "\.\.\/train\.wav", not a plain file name/],
      ['sha256', (ix) => { ix.splits.valid.sha256 = 'abc'; }, /splits\.valid\.sha256 is "abc", not a sha256/],
      ['num_utterances', (ix) => { ix.splits.train.num_utterances = 4; }, /splits\.train\.num_utterances is 4 but splits\.train\.utterances has 3 entries/],
      ['total_samples', (ix) => { ix.splits.train.total_samples = -1; }, /splits\.train\.total_samples is -1, not a non-negative integer/],
      ['speakers', (ix) => { ix.splits.train.speakers = ['ann', 3]; }, /splits\.train\.speakers\[1\] is 3, not a string/],
      ['utterances', (ix) => { ix.splits.train.utterances = {} as never; }, /splits\.train\.utterances is \{\}, not an array/],
      ['utterance entry', (ix) => { ix.splits.test.utterances[0] = 5 as never; }, /splits\.test\.utterances\[0\] is 5, not an object/],
      ['length', (ix) => { ix.splits.train.utterances[1].length = 1.5; }, /splits\.train\.utterances\[1\]\.length is 1\.5, not a non-negative integer/],
      ['offset', (ix) => { delete ix.splits.train.utterances[1].offset; }, /splits\.train\.utterances\[1\]\.offset is missing/],
      ['past the end', (ix) => { ix.splits.train.utterances[2].offset = 50; }, /splits\.train\.utterances\[2\] covers samples \[50, 75\), past splits\.train\.total_samples = 67/],
      ['speaker', (ix) => { ix.splits.valid.utterances[1].speaker = 'eve'; }, /splits\.valid\.utterances\[1\]\.speaker "eve" is not in splits\.valid\.speakers/],
      ['digit', (ix) => { ix.splits.valid.utterances[1].digit = null; }, /splits\.valid\.utterances\[1\]\.digit is null/],
      ['source_sha256', (ix) => { ix.splits.valid.utterances[1].source_sha256 = 7; }, /utterances\[1\]\.source_sha256 is 7, not a sha256/],
      ['total vs the file', (ix) => { ix.splits.train.total_samples = 60; ix.splits.train.utterances[2].length = 18; }, /train\.wav: 67 samples but index\.json splits\.train\.total_samples says 60/],
      ['rate vs the file', (ix) => { ix.sample_rate = 16000; }, /train\.wav: sample rate 8000 Hz but index\.json says 16000 Hz/],
    ];
    for (const [what, edit, pattern] of cases) {
      const dir = fresh();
      const ix = makeSpeechFolder(dir);
      edit(ix);
      writeFileSync(join(dir, 'index.json'), JSON.stringify(ix));
      const err = await loadSpeechDataset(dir).then(() => undefined, (e) => e);
      expect(err, what).toBeInstanceOf(FormatError);
      expect((err as Error).message, what).toMatch(pattern);
    }
  });

  it('index.json that is not JSON, has duplicate keys or is not UTF-8', async () => {
    const dir = fresh();
    makeSpeechFolder(dir);
    writeFileSync(join(dir, 'index.json'), '{"sample_rate": 8000, "sample_rate": 8000}');
    await expect(loadSpeechDataset(dir)).rejects.toThrow(/duplicate key "sample_rate"/);
    writeFileSync(join(dir, 'index.json'), '{"sample_rate": ');
    await expect(loadSpeechDataset(dir)).rejects.toThrow(FormatError);
    writeFileSync(join(dir, 'index.json'), Uint8Array.from([0x7b, 0xff, 0x7d]));
    await expect(loadSpeechDataset(dir)).rejects.toThrow(/not valid UTF-8/);
  });

  it('a split file that is not 16-bit mono PCM is refused naming the file', async () => {
    const dir = fresh();
    const ix = makeSpeechFolder(dir);
    const bad = stereoWav(20);
    writeFileSync(join(dir, 'test.wav'), bad);
    ix.splits.test.sha256 = sha(bad);
    writeFileSync(join(dir, 'index.json'), JSON.stringify(ix));
    await expect(loadSpeechDataset(dir)).rejects.toThrow(new RegExp(`${join(dir, 'test.wav')}: WAV: 2 channels; only mono is supported`));
  });
});

describe('loadWavFolder', () => {
  const wav = (n: number, v: number, rate = 8000) => encodeWav(Int16Array.from({ length: n }, () => v), rate);

  it('a flat folder: sorted names, position i mod 10 = 1 → valid, 2 → test, the rest train', async () => {
    const dir = fresh();
    const names = Array.from({ length: 12 }, (_, i) => `u${String(i).padStart(2, '0')}.wav`);
    names.forEach((n, i) => writeFileSync(join(dir, n), wav(10 + i, i)));
    writeFileSync(join(dir, 'notes.txt'), 'not audio');
    writeFileSync(join(dir, 'LOUD.WAV'), wav(5, 99)); // sorts first: position 0 → train
    const ds = await loadWavFolder(dir);
    expect(ds.sampleRate).toBe(8000);
    expect(ds.source).toBe(dir);
    const files = (s: 'train' | 'valid' | 'test') => ds.utterances[s].map((u) => u.file);
    const sorted = ['LOUD.WAV', ...names];
    expect(files('valid')).toEqual([sorted[1], sorted[11]]);
    expect(files('test')).toEqual([sorted[2], sorted[12]]);
    expect(files('train')).toEqual(sorted.filter((_, i) => i % 10 !== 1 && i % 10 !== 2));
    expect(ds.valid.map((w) => w[0])).toEqual([0, 10]);
    expect(ds.train[0].length).toBe(5);
    expect(ds.utterances.test[0]).toEqual({ file: 'u01.wav', offset: 0, length: 11, sourceSha256: sha(readFileSync(join(dir, 'u01.wav'))) });
  });

  it('train/, valid/, test/ subfolders', async () => {
    const dir = fresh();
    for (const [s, n] of [['train', 3], ['valid', 1], ['test', 2]] as const) {
      mkdirSync(join(dir, s));
      for (let i = 0; i < n; i++) writeFileSync(join(dir, s, `${i}.wav`), wav(20, i, 16000));
    }
    writeFileSync(join(dir, 'stray.wav'), stereoWav(4)); // ignored in this layout
    const ds = await loadWavFolder(dir);
    expect(ds.sampleRate).toBe(16000);
    expect([ds.train.length, ds.valid.length, ds.test.length]).toEqual([3, 1, 2]);
    expect(ds.utterances.test.map((u) => u.file)).toEqual(['test/0.wav', 'test/1.wav']);
    rmSync(join(dir, 'valid'), { recursive: true });
    await expect(loadWavFolder(dir)).rejects.toThrow(/has split subfolders but no valid\//);
    mkdirSync(join(dir, 'valid'));
    await expect(loadWavFolder(dir)).rejects.toThrow(EmptyError);
  });

  it('a stereo file, or one at another sample rate, is refused naming the file', async () => {
    const dir = fresh();
    for (let i = 0; i < 4; i++) writeFileSync(join(dir, `a${i}.wav`), wav(12, i));
    writeFileSync(join(dir, 'b-stereo.wav'), stereoWav(10));
    await expect(loadWavFolder(dir)).rejects.toThrow(FormatError);
    await expect(loadWavFolder(dir)).rejects.toThrow(new RegExp(`${join(dir, 'b-stereo.wav')}: WAV: 2 channels; only mono is supported`));
    writeFileSync(join(dir, 'b-stereo.wav'), wav(10, 1, 44100));
    await expect(loadWavFolder(dir)).rejects.toThrow(/b-stereo\.wav: sample rate 44100 Hz differs from 8000 Hz of a0\.wav/);
  });

  it('too few files, or no folder', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'a.wav'), wav(12, 1));
    writeFileSync(join(dir, 'b.wav'), wav(12, 1));
    await expect(loadWavFolder(dir)).rejects.toThrow(/holds 2 \.wav files; at least 3 are needed/);
    await expect(loadWavFolder(join(dir, 'nope'))).rejects.toThrow(NotFoundError);
  });
});

// The real data set: GATEDRNN_DATA points at the data root; under GATEDRNN_CI a missing set fails.
const speech = speechDir();

describe.skipIf(!speech)('the shared speech data set', () => {
  it('loads: 2400/300/300 utterances, totals of index.json, first utterance 5958 samples', async () => {
    const index = JSON.parse(readFileSync(join(speech!, 'index.json'), 'utf8'));
    const ds = await loadSpeechDataset(dirname(speech!)); // the data root, found via speech/
    expect(ds.sampleRate).toBe(8000);
    expect([ds.train.length, ds.valid.length, ds.test.length]).toEqual([2400, 300, 300]);
    for (const s of ['train', 'valid', 'test'] as const) {
      expect(ds[s].reduce((a, w) => a + w.length, 0)).toBe(index.splits[s].total_samples);
      expect(ds.utterances[s].length).toBe(index.splits[s].num_utterances);
    }
    expect(ds.train[0].length).toBe(5958);
    expect(ds.utterances.train[0]).toMatchObject({ file: '0_george_10.wav', speaker: 'george', digit: 0, take: 10, offset: 0, length: 5958 });
    expect(ds.train[2399].buffer).toBe(ds.train[0].buffer);
  });

  it('a tampered copy of test.wav fails the sha256 check', async () => {
    const dir = fresh();
    copyFileSync(join(speech!, 'index.json'), join(dir, 'index.json'));
    for (const s of ['train.wav', 'valid.wav']) symlinkSync(join(speech!, s), join(dir, s));
    const bytes = new Uint8Array(readFileSync(join(speech!, 'test.wav')));
    bytes[100_000] ^= 0x01;
    writeFileSync(join(dir, 'test.wav'), bytes);
    await expect(loadSpeechDataset(dir)).rejects.toThrow(FormatError);
    await expect(loadSpeechDataset(dir)).rejects.toThrow(/^test\.wav: sha256 [0-9a-f]{64} does not match index\.json \(c8c51d1b648e00e0f6703c60e54720f7043e32afdd1d65ed9e3167f5ce046837\)/);
  });
});
