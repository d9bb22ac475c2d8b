import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadPianoRollDataset, resolveDataDir, DATA_ENV, PIANO_ROLL_DATASETS } from '../bindings/data/load-node.js';
import { splitStats, SPLITS } from '../bindings/data/pianoroll.js';
import { ConfigError, EmptyError, FormatError, NotFoundError, ValueError } from '../bindings/errors.js';
import { dataDir } from './helpers/env.js';

const dir = mkdtempSync(join(tmpdir(), 'gatedrnn-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeGz(name: string, content: string | Uint8Array): void {
  writeFileSync(join(dir, PIANO_ROLL_DATASETS[name as keyof typeof PIANO_ROLL_DATASETS]), gzipSync(content));
}

describe('resolveDataDir', () => {
  it('takes the option first, then the environment, else says what to do', () => {
    const saved = process.env[DATA_ENV];
    try {
      process.env[DATA_ENV] = '/from/env';
      expect(resolveDataDir('rel/dir')).toBe(resolve('rel/dir'));
      expect(resolveDataDir()).toBe('/from/env');
      delete process.env[DATA_ENV];
      expect(() => resolveDataDir()).toThrow(NotFoundError);
      expect(() => resolveDataDir('')).toThrow(new RegExp(`neither a --data option nor ${DATA_ENV} is set`));
    } finally {
      if (saved === undefined) delete process.env[DATA_ENV]; else process.env[DATA_ENV] = saved;
    }
  });
});

describe('loadPianoRollDataset on small generated files', () => {
  it('reads and validates a gzip JSON data set', async () => {
    const ds = { train: [[[60, 64], [62]], [[21], [108]]], valid: [[[50], []]], test: [[[70]]] };
    writeGz('jsb', JSON.stringify(ds));
    expect(await loadPianoRollDataset(dir, 'jsb')).toEqual(ds);
  });

  it('NotFoundError saying where it looked and how to get the data', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'gatedrnn-empty-'));
    try {
      const p = loadPianoRollDataset(empty, 'nottingham');
      await expect(p).rejects.toThrow(NotFoundError);
      await expect(loadPianoRollDataset(empty, 'nottingham')).rejects.toThrow(
        new RegExp(`${join(empty, 'nottingham.json.gz').replace(/[.]/g, '\\.')} does not exist .*${DATA_ENV}`));
    } finally {
      rmSync(empty, { recursive: true });
    }
  });

  it('refuses an unknown name', async () => {
    await expect(loadPianoRollDataset(dir, 'bach')).rejects.toThrow(ConfigError);
    await expect(loadPianoRollDataset(dir, 'toString')).rejects.toThrow(/unknown data set "toString"; expected one of jsb, nottingham, musedata, piano-midi/);
  });

  it('refuses a file that is not gzip, truncated gzip, bad UTF-8 and bad JSON', async () => {
    writeFileSync(join(dir, 'musedata.json.gz'), 'plain text');
    await expect(loadPianoRollDataset(dir, 'musedata')).rejects.toThrow(/not a valid gzip file/);
    const gz = gzipSync(JSON.stringify({ train: [], valid: [], test: [] }));
    writeFileSync(join(dir, 'musedata.json.gz'), gz.subarray(0, gz.length - 6));
    await expect(loadPianoRollDataset(dir, 'musedata')).rejects.toThrow(FormatError);
    writeGz('musedata', Uint8Array.from([0x7b, 0xff, 0x7d]));
    await expect(loadPianoRollDataset(dir, 'musedata')).rejects.toThrow(/not valid UTF-8/);
    writeGz('musedata', '{"train": [');
    await expect(loadPianoRollDataset(dir, 'musedata')).rejects.toThrow(/not valid JSON/);
  });

  it('refuses a gzip bomb past the decompressed limit, and an oversized file', async () => {
    writeGz('piano-midi', ' '.repeat(10_000_000)); // ~10 KB compressed, 10 MB inflated
    await expect(loadPianoRollDataset(dir, 'piano-midi', { maxJsonBytes: 1_000_000 })).rejects.toThrow(/decompresses to more than the limit of 1000000 bytes/);
    await expect(loadPianoRollDataset(dir, 'piano-midi', { maxCompressedBytes: 100 })).rejects.toThrow(/larger than the limit of 100 bytes/);
  });

  it('passes on validation errors with the data set name', async () => {
    writeGz('piano-midi', JSON.stringify({ train: [[[60]], [[61], [20]]], valid: [[[60]]], test: [[[60]]] }));
    await expect(loadPianoRollDataset(dir, 'piano-midi')).rejects.toThrow(ValueError);
    await expect(loadPianoRollDataset(dir, 'piano-midi')).rejects.toThrow(/^piano-midi\.train\[1\] step 1: note 20 is outside 21\.\.108$/);
    writeGz('piano-midi', JSON.stringify({ train: [[[60]]], valid: [], test: [[[60]]] }));
    await expect(loadPianoRollDataset(dir, 'piano-midi')).rejects.toThrow(EmptyError);
  });
});

// The real data: CI sets GATEDRNN_DATA (and GATEDRNN_CI, which turns a missing data set into a
// failure). Elsewhere, without it, these tests are skipped with a warning saying why.
const realDir = dataDir();

describe.skipIf(!realDir)(`real data sets from $${DATA_ENV}`, () => {
  // Split sizes (Boulanger-Lewandowski 2012) and the note ranges and lengths of the data README.
  const expected = {
    jsb: { sizes: [229, 76, 77], range: [43, 96], trainSteps: 13807, maxLen: 160 },
    nottingham: { sizes: [694, 173, 170], range: [31, 93], trainSteps: 176561, maxLen: 1793 },
    musedata: { sizes: [524, 135, 124], range: [21, 105], trainSteps: 245202, maxLen: 4273 },
    'piano-midi': { sizes: [87, 12, 25], range: [21, 108], trainSteps: 75911, maxLen: 3857 },
  } as const;
  for (const [name, want] of Object.entries(expected)) {
    it(`${name}: split sizes ${want.sizes.join('/')}, notes ${want.range[0]}..${want.range[1]}`, async () => {
      const ds = await loadPianoRollDataset(resolveDataDir(), name);
      const stats = SPLITS.map((s) => splitStats(ds[s]));
      expect(stats.map((s) => s.sequences)).toEqual(want.sizes);
      expect(Math.min(...stats.map((s) => s.minNote))).toBe(want.range[0]);
      expect(Math.max(...stats.map((s) => s.maxNote))).toBe(want.range[1]);
      expect(stats[0].steps).toBe(want.trainSteps);
      expect(Math.max(...stats.map((s) => s.maxLength))).toBe(want.maxLen);
    });
  }
});
