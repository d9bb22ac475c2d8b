// The limits every parser of gatedrnn checks while it reads, so that no input (a file, a data
// set, a batch) can make it hang, exhaust its memory or fail with a raw engine error. Each
// limit has a default here; a caller raises (or lowers) it through the options of the function
// that reads the input, e.g. `loadPianoRollDataset(dir, name, { maxSteps: 10_000_000 })`,
// `decodeSafetensors(bytes, { maxTensors: 50_000 })`, `midiToNoteSequence(bytes, where,
// { maxEvents: 5_000_000 })`. A value may be any positive integer, or Infinity to switch the
// bound off. An input past a limit is refused with a LimitError (a FormatError, code 'E_FORMAT')
// whose message names the limit and the option, as soon as the parser counts past it: work and
// memory stay linear in the input and bounded by the limits.
//
// The defaults are about 10× the largest real input of their kind (the four music sets: at most
// 1,037 pieces, 392,296 steps and 1,356,293 notes per set; MIDI pieces of tens of kilobytes),
// and small enough that a hostile input at a limit costs at most a few hundred megabytes.
// WebAssembly memory is a separate, hard bound: 4 GiB (MAX_MEMORY_BYTES in bindings/wasm.ts);
// every model, batch and model file is sized against it before memory is allocated or grown
// (MemoryError, code 'E_MEMORY').
import { ConfigError, LimitError } from '../errors.js';

/** Bounds of parseJsonStrict (JSON headers, index files, data sets). */
export interface JsonLimits {
  /** Deepest nesting of arrays and objects (default 64). */
  maxDepth?: number;
  /** Most values in one document, object keys included (default 10,000,000). */
  maxValues?: number;
}
export const JSON_LIMITS: Readonly<Required<JsonLimits>> = Object.freeze({ maxDepth: 64, maxValues: 10_000_000 });

/** Bounds of a safetensors header (decodeSafetensors). */
export interface SafetensorsLimits {
  /** Largest header, in bytes (default 100,000,000: the specification's own bound). */
  maxHeaderBytes?: number;
  /** Most tensors (default 10,000). */
  maxTensors?: number;
  /** Most dimensions per tensor (default 16). */
  maxRank?: number;
  /** Most `__metadata__` keys (default 1,000). */
  maxMetadataKeys?: number;
}
export const SAFETENSORS_LIMITS: Readonly<Required<SafetensorsLimits>> = Object.freeze({
  maxHeaderBytes: 100_000_000, maxTensors: 10_000, maxRank: 16, maxMetadataKeys: 1_000,
});

/** The tighter header bounds of a gatedrnn model file (parseModelFile): a model has at most
 *  5 tensors per layer for 64 layers plus the head's 2, a config and a data description. */
export const MODEL_FILE_LIMITS: Readonly<Required<SafetensorsLimits>> = Object.freeze({
  maxHeaderBytes: 16 * 1024 * 1024, maxTensors: 5 * 64 + 2, maxRank: 2, maxMetadataKeys: 64,
});

/** Bounds of the JSON text inside a model file's metadata (config, data). */
export const MODEL_METADATA_JSON: Readonly<Required<JsonLimits>> = Object.freeze({ maxDepth: 8, maxValues: 10_000 });

/** Bounds of a piano-roll data set, summed over its three splits (validatePianoRollDataset and
 *  every loader: json.gz, .pickle, MIDI folders). */
export interface PianoRollLimits {
  /** Most sequences (pieces) (default 100,000). */
  maxSequences?: number;
  /** Most time steps in total (default 4,000,000). */
  maxSteps?: number;
  /** Most notes in total, one per (step, sounding note) (default 16,000,000). */
  maxNotes?: number;
}
export const PIANO_ROLL_LIMITS: Readonly<Required<PianoRollLimits>> = Object.freeze({
  maxSequences: 100_000, maxSteps: 4_000_000, maxNotes: 16_000_000,
});

/** Bounds of the files a piano-roll data set is read from (load-node.ts). */
export interface PianoRollFileLimits {
  /** Largest .json.gz file (default 64 MiB). */
  maxCompressedBytes?: number;
  /** Largest decompressed JSON (default 128 MiB; the largest real set is 4.9 MB). */
  maxJsonBytes?: number;
  /** Largest .pickle file (default 64 MiB). */
  maxPickleBytes?: number;
}
export const PIANO_ROLL_FILE_LIMITS: Readonly<Required<PianoRollFileLimits>> = Object.freeze({
  maxCompressedBytes: 64 * 1024 * 1024, maxJsonBytes: 128 * 1024 * 1024, maxPickleBytes: 64 * 1024 * 1024,
});

/** Bounds of the pickle reader (decodePickle). */
export interface PickleLimits {
  /** Largest memo index (default 2,000,000: the real music pickles memoise under 500,000
   *  objects; a memo of 2 M entries is about 100 MB). */
  maxMemo?: number;
  /** Deepest MARK nesting (default 10,000). */
  maxMarks?: number;
  /** Most values the result describes, counting a value every time it is reached: an object
   *  the memo hands out n times counts n times, while decoding (each push, DUP and memo GET)
   *  and over the result (default 10,000,000; the largest real set describes 1.75 M). */
  maxValues?: number;
  /** Most lists, tuples and dicts created or handed out again by the memo or DUP (default
   *  5,000,000). */
  maxContainers?: number;
  /** Longest text number (INT, LONG, FLOAT, memo indices of PUT/GET), in characters
   *  (default 64; Python writes at most 24 for a float). */
  maxNumberChars?: number;
}
export const PICKLE_LIMITS: Readonly<Required<PickleLimits>> = Object.freeze({
  maxMemo: 2_000_000, maxMarks: 10_000, maxValues: 10_000_000, maxContainers: 5_000_000, maxNumberChars: 64,
});

/** Bounds of a PyTorch `.pt` zip checkpoint (readTorchPt). A state_dict has one zip entry per
 *  storage plus four or five small ones, about 30 pickle opcodes and 20 values per tensor; the
 *  entry sizes are the ones the zip's central directory declares, checked before any entry is
 *  read. Entries are views of the input (stored, never inflated): what readTorchPt allocates
 *  is the tensors it returns, at most maxElements float32 values (400 MB at the default), however
 *  many tensors share one storage or repeat an element with a stride of 0. */
export interface TorchPtLimits {
  /** Most zip entries (default 10,000). */
  maxEntries?: number;
  /** Largest entry, in bytes (default 1 GiB). */
  maxEntryBytes?: number;
  /** Largest sum of the entries' sizes, in bytes (default 2 GiB). */
  maxTotalBytes?: number;
  /** Most opcodes in data.pkl (default 1,000,000). */
  maxPickleOps?: number;
  /** Most values data.pkl creates or hands out again through its memo, and its largest memo
   *  index (default 1,000,000). */
  maxPickleValues?: number;
  /** Most tensors (default 10,000). */
  maxTensors?: number;
  /** Most dimensions per tensor (default 16). */
  maxRank?: number;
  /** Most elements over all tensors read (default 100,000,000: 400 MB of float32). */
  maxElements?: number;
}
export const TORCH_PT_LIMITS: Readonly<Required<TorchPtLimits>> = Object.freeze({
  maxEntries: 10_000, maxEntryBytes: 2 ** 30, maxTotalBytes: 2 ** 31, maxPickleOps: 1_000_000,
  maxPickleValues: 1_000_000, maxTensors: 10_000, maxRank: 16, maxElements: 100_000_000,
});

/** Bounds of one MIDI file (midiToNoteSequence, loadMidiFolder). */
export interface MidiLimits {
  /** Largest file read from disk, in bytes (default 16 MiB). */
  maxFileBytes?: number;
  /** Most events (notes, controllers, meta events…) over all tracks (default 1,000,000). */
  maxEvents?: number;
  /** Most notes (note-on events) (default 500,000). */
  maxNotes?: number;
  /** Most frames of one piece (default 100,000; the longest real piece has 4,273). */
  maxFrames?: number;
}
export const MIDI_LIMITS: Readonly<Required<MidiLimits>> = Object.freeze({
  maxFileBytes: 16 * 1024 * 1024, maxEvents: 1_000_000, maxNotes: 500_000, maxFrames: 100_000,
});

/** `defaults` with the limits of `given` that are set, each checked to be a positive integer
 *  or Infinity (ConfigError naming `where` and the key otherwise). Other keys pass through. */
export function resolveLimits<T extends Record<string, number>>(defaults: Readonly<T>, given: object | undefined, where: string): T {
  const out = { ...defaults } as T;
  if (given === undefined || given === null) return out;
  for (const key of Object.keys(defaults) as (keyof T & string)[]) {
    const v = (given as Record<string, unknown>)[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !(v === Infinity || (Number.isSafeInteger(v) && v > 0))) {
      throw new ConfigError(`${where}: limit ${key} must be a positive integer or Infinity, got ${JSON.stringify(v) ?? String(v)}`);
    }
    (out as Record<string, number>)[key] = v;
  }
  return out;
}

/** The LimitError for `where` having more than `max` `what`, raised through option `limit`. */
export function limitError(where: string, what: string, max: number, limit: string): LimitError {
  return new LimitError(`${where}: more than ${max} ${what} (the limit ${limit}; pass a larger ${limit} option to read it)`, limit, max);
}
