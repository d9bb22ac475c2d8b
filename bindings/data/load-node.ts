// Node-only: finding and reading the four polyphonic-music data sets (<name>.json.gz, see the
// data README for the format and provenance). The compressed file, its decompressed size and
// the content it describes (sequences, steps and notes in total, counted while the JSON is
// parsed) are bounded (bindings/io/limits.ts), so a corrupt file, a gzip bomb or a small file
// of millions of empty steps fails with a FormatError instead of exhausting memory. Duplicate
// keys (a second "train") are refused.
import { gunzip, createGunzip } from 'node:zlib';
import { resolve, join } from 'node:path';
import { ConfigError, FormatError, LimitError, NotFoundError } from '../errors.js';
import { readFileLimited } from '../io/file-node.js';
import { decodePickle } from '../io/pickle.js';
import { parseJsonStrict } from '../io/json-strict.js';
import { PIANO_ROLL_FILE_LIMITS, PIANO_ROLL_LIMITS, limitError, resolveLimits, type PianoRollFileLimits, type PianoRollLimits } from '../io/limits.js';
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

/** The file limits (compressed and decompressed bytes, pickle bytes) and the content limits
 *  (sequences, steps, notes) of a data set; defaults in bindings/io/limits.ts. */
export interface LoadLimits extends PianoRollFileLimits, PianoRollLimits {}

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
  const files = resolveLimits(PIANO_ROLL_FILE_LIMITS, limits, `data set "${name}"`);
  const content = resolveLimits(PIANO_ROLL_LIMITS, limits, `data set "${name}"`);
  const maxGz = files.maxCompressedBytes;
  const maxJson = files.maxJsonBytes;
  let gz: Uint8Array;
  try {
    gz = await readFileLimited(path, maxGz);
  } catch (err) {
    if (err instanceof NotFoundError) throw new NotFoundError(`data set "${name}": ${path} does not exist (looked in ${resolve(dir)}). ${HOW_TO_GET}`);
    throw err;
  }
  // decompressed in chunks, each counted as it arrives: a bomb of empty steps stops the
  // decompression at the step limit, a few megabytes in
  const json = await gunzipLimited(gz, maxJson, path, pianoRollScanner(path, content));
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(json);
  } catch {
    throw new FormatError(`${path}: decompressed content is not valid UTF-8`);
  }
  return validatePianoRollDataset(parsePianoRollJson(text, path, content), name, content);
}

/**
 * Parses the JSON of a data set `{train, valid, test}` strictly, counting what it describes as
 * it goes: at depth 1 the sequences of the splits, at depth 2 their steps, at depth 3 the
 * notes (a LimitError the moment a total passes its limit, so memory and time stay within the
 * limits whatever the file size), nesting at most 6 deep, no duplicate keys.
 */
export function parsePianoRollJson(text: string, what: string, limits: PianoRollLimits = {}): unknown {
  const lim = resolveLimits(PIANO_ROLL_LIMITS, limits, what);
  try {
    return parseJsonStrict(text, {
      what, maxDepth: 6,
      // every value of a valid data set: root, 3 keys and splits, sequences, steps, notes; and
      // a little room for the message about a value of the wrong type
      maxValues: 1000 + lim.maxSequences + lim.maxSteps + lim.maxNotes, maxValuesLimit: 'maxNotes',
      items: [undefined,
        { max: lim.maxSequences, what: 'sequences in total', limit: 'maxSequences' },
        { max: lim.maxSteps, what: 'time steps in total', limit: 'maxSteps' },
        { max: lim.maxNotes, what: 'notes in total', limit: 'maxNotes' }],
    });
  } catch (err) {
    if (err instanceof LimitError || !(err instanceof FormatError)) throw err;
    throw new FormatError(`${what}: decompressed content is not valid JSON (${err.message.startsWith(`${what}: `) ? err.message.slice(what.length + 2) : err.message})`);
  }
}

/**
 * gunzip with a bound on the output size (FormatError past it, or on corrupt input). With
 * `scan`, the output is decompressed in chunks and each is handed to `scan` as it arrives; an
 * error it throws stops the decompression there and is the result.
 */
export function gunzipLimited(gz: Uint8Array, maxBytes: number, what: string, scan?: (chunk: Uint8Array) => void): Promise<Uint8Array> {
  if (!scan) {
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
  return new Promise((ok, fail) => {
    const z = createGunzip({ chunkSize: 256 * 1024 });
    const chunks: Buffer[] = [];
    let total = 0, done = false;
    const stop = (e: unknown): void => { if (done) return; done = true; z.destroy(); fail(e); };
    z.on('data', (c: Buffer) => {
      if (done) return;
      total += c.length;
      if (total > maxBytes) { stop(new FormatError(`${what}: decompresses to more than the limit of ${maxBytes} bytes`)); return; }
      try { scan(c); } catch (e) { stop(e); return; }
      chunks.push(c);
    });
    z.on('error', (err) => stop(new FormatError(`${what}: not a valid gzip file (${err.message})`)));
    z.on('end', () => {
      if (done) return;
      done = true;
      const out = Buffer.concat(chunks, total);
      ok(new Uint8Array(out.buffer, out.byteOffset, out.byteLength));
    });
    z.end(gz);
  });
}

/**
 * A scan of the raw JSON bytes of a data set, chunk by chunk, that counts what the text
 * describes without building it: values at nesting depth 2 (the sequences of the splits), 3
 * (their steps) and 4 (the notes), and every array or object, against the limits. It follows
 * only the bracket structure and strings; the strict parse afterwards checks the syntax.
 */
export function pianoRollScanner(what: string, limits: PianoRollLimits = {}): (chunk: Uint8Array) => void {
  const lim = resolveLimits(PIANO_ROLL_LIMITS, limits, what);
  // containers of a valid set: root, splits, sequences, steps; a little room beyond for the
  // message about a note that is an array
  const maxContainers = 1000 + lim.maxSequences + lim.maxSteps;
  let depth = 0, inString = false, escape = false, inToken = false;
  let sequences = 0, steps = 0, notes = 0, containers = 0;
  const value = (): void => {
    if (depth === 2) { if (++sequences > lim.maxSequences) throw limitError(what, 'sequences in total', lim.maxSequences, 'maxSequences'); }
    else if (depth === 3) { if (++steps > lim.maxSteps) throw limitError(what, 'time steps in total', lim.maxSteps, 'maxSteps'); }
    else if (depth === 4) { if (++notes > lim.maxNotes) throw limitError(what, 'notes in total', lim.maxNotes, 'maxNotes'); }
  };
  return (chunk) => {
    for (let k = 0; k < chunk.length; k++) {
      const b = chunk[k];
      if (inString) {
        if (escape) escape = false;
        else if (b === 0x5c) escape = true;
        else if (b === 0x22) inString = false;
        continue;
      }
      if (b >= 0x30 && b <= 0x39) { if (!inToken) { value(); inToken = true; } continue; } // digits: most bytes
      if (b === 0x2c) { inToken = false; continue; } // ,
      if (b === 0x5b || b === 0x7b) { // [ {
        value();
        if (++containers > maxContainers) throw limitError(what, 'arrays and objects', maxContainers, 'maxSteps');
        depth++;
        inToken = false;
      } else if (b === 0x5d || b === 0x7d) { depth--; inToken = false; } // ] }
      else if (b === 0x22) { value(); inString = true; inToken = false; }
      else if (b === 0x2c || b === 0x3a || b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) inToken = false; // , : whitespace
      else if (!inToken) { value(); inToken = true; } // a number or literal starts
    }
  };
}

/**
 * Reads one of the original Boulanger-Lewandowski `.pickle` files (e.g. "JSB Chorales.pickle")
 * with the safe pickle reader (plain data only; nothing is imported or executed) and validates
 * it like the JSON files. `name` labels error messages.
 */
export async function loadPianoRollPickle(path: string, name: string, limits: PianoRollLimits & { maxBytes?: number } = {}): Promise<PianoRollDataset> {
  const content = resolveLimits(PIANO_ROLL_LIMITS, limits, `data set "${name}"`);
  const maxBytes = limits.maxBytes ?? PIANO_ROLL_FILE_LIMITS.maxPickleBytes;
  const bytes = await readFileLimited(path, maxBytes);
  // every value a valid data set describes (root, keys, splits, sequences, steps, notes), shared
  // references counted each time: a pickle whose memo reuses a piece cannot describe more
  const maxValues = 1000 + content.maxSequences + content.maxSteps + content.maxNotes;
  const maxContainers = 1000 + content.maxSequences + content.maxSteps;
  let obj: unknown;
  try { obj = decodePickle(bytes, { maxValues, maxContainers }); } catch (e) {
    if (e instanceof LimitError && (e.limit === 'maxValues' || e.limit === 'maxContainers')) {
      throw new LimitError(`${path}: describes more than ${maxValues} values (sequences, steps and notes; an object the memo hands out n times counts n times), more than the limits maxSequences + maxSteps + maxNotes allow; pass larger ones to read it`, 'maxSteps', content.maxSteps);
    }
    throw e;
  }
  return validatePianoRollDataset(obj, name, content);
}
