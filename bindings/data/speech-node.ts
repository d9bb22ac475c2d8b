// Node-only: loading raw-speech data sets as int16 waveforms, one per utterance.
//
// loadSpeechDataset(dir): the shared speech folder (data README section 2): index.json and the
// split files train.wav, valid.wav, test.wav, each the split's utterances back to back.
//   * index.json is parsed strictly (duplicate keys refused) and checked field by field; a
//     missing field or one of the wrong type or range is a FormatError naming it, e.g.
//     "index.json: splits.train.utterances[3].length is -1, not a non-negative integer".
//     Unknown extra fields are ignored.
//   * Each split file is read with a size bound, its sha256 compared with index.json, decoded
//     (16-bit mono PCM, see io/wav.ts), and its sample rate and sample count compared with
//     index.json. Every utterance [offset, offset + length) must lie inside the file (they
//     need not tile it). Utterances are subarray views of the split's samples, not copies.
//   * `dir` is the speech folder itself or the data root holding it as speech/.
//
// loadWavFolder(dir): a folder of the user's own .wav files (16-bit mono PCM, one common
// sample rate; a file that differs is a FormatError naming it), one utterance per file.
//   * With subfolders train/, valid/, test/ (all three, each with at least one .wav): those
//     are the splits.
//   * Otherwise the .wav files of `dir` itself (at least 3) are split by this fixed rule: sort
//     the file names (by UTF-16 code units, so the split is the same on every machine and
//     locale); the file at position i (0-based) goes to valid if i mod 10 = 1, to test if
//     i mod 10 = 2, else to train (80 / 10 / 10 for large folders; one file each for valid and
//     test from 3 files on).
//   Only names ending in .wav (any case) are read; subfolders are not searched recursively.
import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { EmptyError, FormatError, NotFoundError } from '../errors.js';
import { readFileLimited } from '../io/file-node.js';
import { isJsonObject, parseJsonStrict, type JsonValue } from '../io/json-strict.js';
import { decodeWav } from '../io/wav.js';
import { SPLITS, type Split } from './pianoroll.js';

/** One utterance: where its samples came from. */
export interface UttMeta {
  /** The source file name (index.json's "file", or the path relative to a wav folder). */
  file: string;
  /** First sample within its split file (0 for a file of its own). */
  offset: number;
  /** Samples. */
  length: number;
  /** sha256 (hex) of the source file (index.json's "source_sha256", or computed). */
  sourceSha256: string;
  /** From index.json only. */
  speaker?: string;
  digit?: number;
  take?: number;
}

export interface SpeechDataset {
  name: string;
  /** Samples per second (8000 for the shared speech set). */
  sampleRate: number;
  train: Int16Array[];
  valid: Int16Array[];
  test: Int16Array[];
  utterances: { train: UttMeta[]; valid: UttMeta[]; test: UttMeta[] };
  /** The index.json or the folder it was read from. */
  source: string;
}

export interface SpeechLoadLimits {
  /** Largest WAV file read (default 1 GiB). */
  maxFileBytes?: number;
  /** Largest index.json read (default 64 MiB). */
  maxIndexBytes?: number;
}

const HOW_TO_GET =
  'Put the speech data set there (index.json with train.wav, valid.wav and test.wav; see the data README, ' +
  'section 2), or give the data root that holds it as speech/ (--data <dir> or GATEDRNN_DATA).';

const SHA256 = /^[0-9a-f]{64}$/i;

async function isFile(path: string): Promise<boolean> {
  try { return (await stat(path)).isFile(); } catch { return false; }
}

async function isDir(path: string): Promise<boolean> {
  try { return (await stat(path)).isDirectory(); } catch { return false; }
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** decodeWav, with the file's path in front of any format error. */
function decodeFile(bytes: Uint8Array, path: string): { sampleRate: number; samples: Int16Array } {
  try {
    return decodeWav(bytes);
  } catch (err) {
    if (err instanceof FormatError) throw new FormatError(`${path}: ${err.message}`);
    throw err;
  }
}

/** Field readers for index.json: each names the field (a dotted path) in its FormatError. */
const at = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

class Fields {
  constructor(readonly file: string) {}
  fail(path: string, v: JsonValue | undefined, want: string): never {
    const got = v === undefined ? 'missing' : `${JSON.stringify(v)?.slice(0, 60)}`;
    throw new FormatError(`${this.file}: ${path} is ${got}, not ${want}`);
  }
  obj(v: JsonValue | undefined, path: string): { [k: string]: JsonValue } {
    if (!isJsonObject(v)) this.fail(path, v, 'an object');
    return v as { [k: string]: JsonValue };
  }
  arr(o: { [k: string]: JsonValue }, key: string, path: string): JsonValue[] {
    const v = o[key];
    if (!Array.isArray(v)) this.fail(at(path, key), v, 'an array');
    return v as JsonValue[];
  }
  str(o: { [k: string]: JsonValue }, key: string, path: string): string {
    const v = o[key];
    if (typeof v !== 'string') this.fail(at(path, key), v, 'a string');
    return v as string;
  }
  int(o: { [k: string]: JsonValue }, key: string, path: string, min = 0): number {
    const v = o[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) this.fail(at(path, key), v, min === 0 ? 'a non-negative integer' : `an integer ≥ ${min}`);
    return v as number;
  }
  sha(o: { [k: string]: JsonValue }, key: string, path: string): string {
    const v = o[key];
    if (typeof v !== 'string' || !SHA256.test(v)) this.fail(at(path, key), v, 'a sha256 (64 hex digits)');
    return (v as string).toLowerCase();
  }
  fileName(o: { [k: string]: JsonValue }, key: string, path: string): string {
    const v = o[key];
    if (typeof v !== 'string' || v === '' || v === '.' || v === '..' || /[/\\\0]/.test(v)) this.fail(at(path, key), v, 'a plain file name');
    return v as string;
  }
}

interface SplitIndex { file: string; sha256: string; totalSamples: number; utterances: UttMeta[] }
interface SpeechIndex { sampleRate: number; splits: Record<Split, SplitIndex> }

/** Checks the parsed index.json (`file` labels the errors). */
export function validateSpeechIndex(json: JsonValue, file = 'index.json'): SpeechIndex {
  const f = new Fields(file);
  const root = f.obj(json, 'the top level');
  const sampleRate = f.int(root, 'sample_rate', '', 1);
  const channels = f.int(root, 'channels', '', 1);
  if (channels !== 1) throw new FormatError(`${file}: channels is ${channels}; only mono is supported`);
  f.str(root, 'sample_format', '');
  const splitsObj = f.obj(root.splits, 'splits');
  const splits = {} as Record<Split, SplitIndex>;
  for (const name of SPLITS) {
    const p = `splits.${name}`;
    const s = f.obj(splitsObj[name], p);
    const splitFile = f.fileName(s, 'file', p);
    const sha = f.sha(s, 'sha256', p);
    const count = f.int(s, 'num_utterances', p);
    const total = f.int(s, 'total_samples', p);
    const speakers = f.arr(s, 'speakers', p);
    speakers.forEach((v, i) => { if (typeof v !== 'string') f.fail(`${p}.speakers[${i}]`, v, 'a string'); });
    const known = new Set(speakers as string[]);
    const list = f.arr(s, 'utterances', p);
    if (list.length !== count) throw new FormatError(`${file}: ${p}.num_utterances is ${count} but ${p}.utterances has ${list.length} entries`);
    const utterances = list.map((u, i): UttMeta => {
      const q = `${p}.utterances[${i}]`;
      const o = f.obj(u, q);
      const meta: UttMeta = {
        file: f.str(o, 'file', q),
        speaker: f.str(o, 'speaker', q),
        digit: f.int(o, 'digit', q),
        take: f.int(o, 'take', q),
        offset: f.int(o, 'offset', q),
        length: f.int(o, 'length', q),
        sourceSha256: f.sha(o, 'source_sha256', q),
      };
      if (!known.has(meta.speaker!)) throw new FormatError(`${file}: ${q}.speaker ${JSON.stringify(meta.speaker)} is not in ${p}.speakers`);
      if (meta.offset + meta.length > total) {
        throw new FormatError(`${file}: ${q} covers samples [${meta.offset}, ${meta.offset + meta.length}), past ${p}.total_samples = ${total}`);
      }
      return meta;
    });
    splits[name] = { file: splitFile, sha256: sha, totalSamples: total, utterances };
  }
  return { sampleRate, splits };
}

async function readIndex(path: string, maxBytes: number): Promise<SpeechIndex> {
  const bytes = await readFileLimited(path, maxBytes);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new FormatError(`${path}: not valid UTF-8`);
  }
  return validateSpeechIndex(parseJsonStrict(text, { what: path }), path);
}

/** The folder holding index.json: `dir` itself or its speech/ subfolder. */
async function findSpeechFolder(dir: string): Promise<string> {
  const root = resolve(dir);
  if (await isFile(join(root, 'index.json'))) return root;
  if (await isFile(join(root, 'speech', 'index.json'))) return join(root, 'speech');
  throw new NotFoundError(`no speech data set in ${root}: neither ${join(root, 'index.json')} nor ${join(root, 'speech', 'index.json')} exists. ${HOW_TO_GET}`);
}

/** Reads and verifies the shared speech data set (see the file header). */
export async function loadSpeechDataset(dir: string, limits: SpeechLoadLimits = {}): Promise<SpeechDataset> {
  const folder = await findSpeechFolder(dir);
  const indexPath = join(folder, 'index.json');
  const index = await readIndex(indexPath, limits.maxIndexBytes ?? 64 * 1024 * 1024);
  const maxBytes = limits.maxFileBytes ?? 1 << 30;
  const out = { train: [], valid: [], test: [] } as Record<Split, Int16Array[]>;
  for (const name of SPLITS) {
    const s = index.splits[name];
    const path = join(folder, s.file);
    let bytes: Uint8Array;
    try {
      bytes = await readFileLimited(path, maxBytes);
    } catch (err) {
      if (err instanceof NotFoundError) throw new NotFoundError(`speech data set: ${path} does not exist (index.json lists it as the ${name} split). ${HOW_TO_GET}`);
      throw err;
    }
    const got = sha256(bytes);
    if (got !== s.sha256) throw new FormatError(`${s.file}: sha256 ${got} does not match index.json (${s.sha256}); the file is corrupt or not the one index.json describes`);
    const wav = decodeFile(bytes, path);
    if (wav.sampleRate !== index.sampleRate) throw new FormatError(`${s.file}: sample rate ${wav.sampleRate} Hz but index.json says ${index.sampleRate} Hz`);
    if (wav.samples.length !== s.totalSamples) throw new FormatError(`${s.file}: ${wav.samples.length} samples but index.json splits.${name}.total_samples says ${s.totalSamples}`);
    out[name] = s.utterances.map((u) => wav.samples.subarray(u.offset, u.offset + u.length));
  }
  return {
    name: basename(folder),
    sampleRate: index.sampleRate,
    ...out,
    utterances: { train: index.splits.train.utterances, valid: index.splits.valid.utterances, test: index.splits.test.utterances },
    source: indexPath,
  };
}

async function wavNames(dir: string): Promise<string[]> {
  const names = await readdir(dir);
  return names.filter((n) => /\.wav$/i.test(n)).sort();
}

/** Reads a folder of the user's own .wav files as a data set (see the file header for the split rule). */
export async function loadWavFolder(dir: string, limits: SpeechLoadLimits = {}): Promise<SpeechDataset> {
  const root = resolve(dir);
  if (!(await isDir(root))) throw new NotFoundError(`wav folder ${root} does not exist or is not a directory`);
  const maxBytes = limits.maxFileBytes ?? 1 << 30;
  const files = { train: [], valid: [], test: [] } as Record<Split, string[]>;
  const present = await Promise.all(SPLITS.map((s) => isDir(join(root, s))));
  if (present.some(Boolean)) {
    for (const [i, s] of SPLITS.entries()) {
      const sub = join(root, s);
      if (!present[i]) throw new NotFoundError(`wav folder ${root} has split subfolders but no ${s}/: give all of train/, valid/ and test/, or put every .wav file directly in ${root}`);
      const names = await wavNames(sub);
      if (names.length === 0) throw new EmptyError(`${sub} holds no .wav files`);
      files[s] = names.map((n) => `${s}/${n}`);
    }
  } else {
    const names = await wavNames(root);
    if (names.length < 3) throw new EmptyError(`wav folder ${root} holds ${names.length} .wav files; at least 3 are needed to split them into train, valid and test (or use train/, valid/, test/ subfolders)`);
    names.forEach((n, i) => { files[i % 10 === 1 ? 'valid' : i % 10 === 2 ? 'test' : 'train'].push(n); });
  }

  let rate = 0, rateFile = '';
  const waves = { train: [], valid: [], test: [] } as Record<Split, Int16Array[]>;
  const utterances = { train: [], valid: [], test: [] } as Record<Split, UttMeta[]>;
  for (const s of SPLITS) {
    for (const file of files[s]) {
      const path = join(root, file);
      const bytes = await readFileLimited(path, maxBytes);
      const wav = decodeFile(bytes, path);
      if (rateFile === '') { rate = wav.sampleRate; rateFile = file; }
      else if (wav.sampleRate !== rate) throw new FormatError(`${path}: sample rate ${wav.sampleRate} Hz differs from ${rate} Hz of ${rateFile}; every file must have the same rate`);
      waves[s].push(wav.samples);
      utterances[s].push({ file, offset: 0, length: wav.samples.length, sourceSha256: sha256(bytes) });
    }
  }
  return { name: basename(root), sampleRate: rate, ...waves, utterances, source: root };
}
