// What every format generator of the fuzz suite provides, and the pieces two of them share
// (random piano rolls for the pickle and json.gz data sets, the MIDI files).
import type { Rng } from '../../bindings/data/rng.js';
import type { NoteSequence, PianoRollDataset } from '../../bindings/data/pianoroll.js';
import type { Field } from './mutate.js';

/** 'test': the bounded run inside `npm test` (hostile inputs of at most a few hundred KB);
 *  'fuzz': `npm run fuzz` (hostile inputs up to the parsers' documented limits and past them). */
export type Scale = 'test' | 'fuzz';

export interface Generated {
  bytes: Uint8Array;
  /** How the input was made, e.g. "valid(encodeWav) | bitflip x2". */
  how: string;
  /** Only for unmutated valid inputs: what the parser must return (compared as canonical JSON
   *  by the runner); undefined when the generator does not predict it. */
  expected?: unknown;
}

export interface FormatGen {
  /** A valid input built from scratch with the library's own writers (or a writer here). */
  valid(rng: Rng, scale: Scale): Generated;
  /** Format-aware mutations of a valid input (header JSON, opcodes, chunks, events…). */
  structured(rng: Rng, scale: Scale): Generated;
  /** Constructions aimed at the parser's time and memory (amplification, deep nesting, huge
   *  counts, bombs), sized by `scale`. */
  hostile(rng: Rng, scale: Scale): Generated;
  /** The length and count fields of `bytes`, for format-blind extreme-value mutations. */
  fields(bytes: Uint8Array): Field[];
  /** Bytes a random input of the format starts with (so raw noise gets past the magic). */
  magic: Uint8Array;
}

/** A random step: 0..maxNotes distinct MIDI notes in 21..108, sorted. */
export function randomStep(rng: Rng, maxNotes: number): number[] {
  const k = rng.int(maxNotes + 1);
  const set = new Set<number>();
  for (let i = 0; i < k; i++) set.add(rng.intIn(21, 108));
  return [...set].sort((a, b) => a - b);
}

/** A random piece of 1..maxSteps steps; notes are often held over several steps. */
export function randomSequence(rng: Rng, maxSteps: number, maxNotes = 5): NoteSequence {
  const n = rng.intIn(1, maxSteps);
  const seq: NoteSequence = [];
  let prev: number[] = [];
  for (let t = 0; t < n; t++) {
    const step = rng.bernoulli(0.4) ? prev.slice() : rng.bernoulli(0.15) ? [] : randomStep(rng, maxNotes);
    seq.push(step);
    prev = step;
  }
  return seq;
}

/** A random valid data set: each split 1..maxSeqs sequences. */
export function randomDataset(rng: Rng, maxSeqs = 3, maxSteps = 12): PianoRollDataset {
  const split = () => Array.from({ length: rng.intIn(1, maxSeqs) }, () => randomSequence(rng, maxSteps));
  return { train: split(), valid: split(), test: split() };
}

/** `k` of the scale: the first for 'test', the second for 'fuzz'. */
export const sized = (scale: Scale, test: number, fuzz: number): number => (scale === 'test' ? test : fuzz);

// Hostile inputs at the 'fuzz' scale take long to build (megabytes of text, a gzip bomb), and
// one construction comes back many times in 10⁵ cases: they are kept here, keyed by everything
// they depend on (a builder must be a pure function of its key, never of the case's Rng, so a
// case is the same whether or not its input was cached). Least recently used first out.
const cache = new Map<string, Uint8Array>();
let cacheBytes = 0;
const CACHE_MAX = 192 * 1024 * 1024;

/** The bytes `build()` makes for `key`, built once. Callers must not modify them. */
export function cached(key: string, build: () => Uint8Array): Uint8Array {
  const hit = cache.get(key);
  if (hit) { cache.delete(key); cache.set(key, hit); return hit; }
  const b = build();
  if (b.length <= CACHE_MAX / 3) {
    cache.set(key, b);
    cacheBytes += b.length;
    for (const [k, v] of cache) {
      if (cacheBytes <= CACHE_MAX) break;
      cache.delete(k);
      cacheBytes -= v.length;
    }
  }
  return b;
}
