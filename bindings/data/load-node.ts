// Node-only: finding and reading the four polyphonic-music data sets (<name>.json.gz, see the
// data README for the format and provenance). The compressed file and its decompressed size
// are bounded, so a corrupt file or a gzip bomb fails with a FormatError instead of
// exhausting memory.
import { gunzip } from 'node:zlib';
import { resolve, join } from 'node:path';
import { ConfigError, FormatError, NotFoundError } from '../errors.js';
import { readFileLimited } from '../io/file-node.js';
import { decodePickle } from '../io/pickle.js';
import { validatePianoRollDataset, type PianoRollDataset } from './pianoroll.js';

export const PIANO_ROLL_DATASETS = {
  jsb: 'jsb-chorales.json.gz',
  nottingham: 'nottingham.json.gz',
  musedata: 'musedata.json.gz',
  'piano-midi': 'piano-midi.json.gz',
} as const;
export type PianoRollName = keyof typeof PIANO_ROLL_DATASETS;

/** Environment variable naming the data directory. */
export const DATA_ENV = 'GATEDRNN_DATA';

const HOW_TO_GET =
  'The files jsb-chorales.json.gz, nottingham.json.gz, musedata.json.gz and piano-midi.json.gz ' +
  '(Boulanger-Lewandowski et al. 2012 piano rolls as gzip JSON {train, valid, test}; see the data README) ' +
  `must be in one directory, passed with --data <dir> or the environment variable ${DATA_ENV}.`;

export interface LoadLimits {
  /** Largest compressed file accepted (default 64 MiB). */
  maxCompressedBytes?: number;
  /** Largest decompressed JSON accepted (default 256 MiB; the largest real file is 4.9 MB). */
  maxJsonBytes?: number;
}

/** The data directory: `option` if given, else $GATEDRNN_DATA, else NotFoundError. */
export function resolveDataDir(option?: string): string {
  if (option !== undefined && option !== '') return resolve(option);
  const env = process.env[DATA_ENV];
  if (env !== undefined && env !== '') return resolve(env);
  throw new NotFoundError(`no data directory given: neither a --data option nor ${DATA_ENV} is set. ${HOW_TO_GET}`);
}

/** Reads, decompresses, parses and validates `<dir>/<file of name>`. */
export async function loadPianoRollDataset(dir: string, name: string, limits: LoadLimits = {}): Promise<PianoRollDataset> {
  if (!Object.prototype.hasOwnProperty.call(PIANO_ROLL_DATASETS, name)) {
    throw new ConfigError(`unknown data set ${JSON.stringify(name)}; expected one of ${Object.keys(PIANO_ROLL_DATASETS).join(', ')}`);
  }
  const file = PIANO_ROLL_DATASETS[name as PianoRollName];
  const path = join(resolve(dir), file);
  const maxGz = limits.maxCompressedBytes ?? 64 * 1024 * 1024;
  const maxJson = limits.maxJsonBytes ?? 256 * 1024 * 1024;
  let gz: Uint8Array;
  try {
    gz = await readFileLimited(path, maxGz);
  } catch (err) {
    if (err instanceof NotFoundError) throw new NotFoundError(`data set "${name}": ${path} does not exist (looked in ${resolve(dir)}). ${HOW_TO_GET}`);
    throw err;
  }
  const json = await gunzipLimited(gz, maxJson, path);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(json);
  } catch {
    throw new FormatError(`${path}: decompressed content is not valid UTF-8`);
  }
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (err) {
    throw new FormatError(`${path}: decompressed content is not valid JSON (${(err as Error).message})`);
  }
  return validatePianoRollDataset(obj, name);
}

/** gunzip with a bound on the output size (FormatError past it, or on corrupt input). */
export function gunzipLimited(gz: Uint8Array, maxBytes: number, what: string): Promise<Uint8Array> {
  return new Promise((ok, fail) => {
    gunzip(gz, { maxOutputLength: maxBytes }, (err, out) => {
      if (!err) { ok(new Uint8Array(out.buffer, out.byteOffset, out.byteLength)); return; }
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
        fail(new FormatError(`${what}: decompresses to more than the limit of ${maxBytes} bytes`));
      } else {
        fail(new FormatError(`${what}: not a valid gzip file (${err.message})`));
      }
    });
  });
}

/**
 * Reads one of the original Boulanger-Lewandowski `.pickle` files (e.g. "JSB Chorales.pickle")
 * with the safe pickle reader (plain data only; nothing is imported or executed) and validates
 * it like the JSON files. `name` labels error messages.
 */
export async function loadPianoRollPickle(path: string, name: string, limits: { maxBytes?: number } = {}): Promise<PianoRollDataset> {
  const bytes = await readFileLimited(path, limits.maxBytes ?? 256 * 1024 * 1024);
  return validatePianoRollDataset(decodePickle(bytes), name);
}
