// Piano rolls: the polyphonic-music data of Boulanger-Lewandowski et al. (2012).
// A sequence is a list of time steps; a step is the sorted list of MIDI notes (21..108)
// sounding then ([] = silence). As model input a step becomes an 88-unit binary frame with
// unit n − 21 set for every note n, the input and target of Chung et al. (2014). The files
// (<name>.json.gz, {train, valid, test}) are found and read by load-node.ts.
import { EmptyError, FormatError, ShapeError, ValueError } from '../errors.js';
import { PIANO_ROLL_LIMITS, limitError, resolveLimits, type PianoRollLimits } from '../io/limits.js';

export type { PianoRollLimits };

/** One step: MIDI note numbers, sorted ascending, unique, each in 21..108. */
export type NoteStep = number[];
/** One piece: its steps in time order. */
export type NoteSequence = NoteStep[];

export const SPLITS = ['train', 'valid', 'test'] as const;
export type Split = (typeof SPLITS)[number];

export interface PianoRollDataset {
  train: NoteSequence[];
  valid: NoteSequence[];
  test: NoteSequence[];
}

/** Lowest and highest MIDI note of the piano roll, and its number of units. */
export const NOTE_MIN = 21;
export const NOTE_MAX = 108;
export const PIANO_UNITS = NOTE_MAX - NOTE_MIN + 1; // 88

/** Running totals of a data set being validated, against its limits (validateSplit and
 *  validateSequence take one to count into; validatePianoRollDataset makes it). */
export interface Tally { sequences: number; steps: number; notes: number; lim: Required<PianoRollLimits>; name: string }

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 20 ? v.slice(0, 20) + '…' : v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

/**
 * Checks that `obj` is exactly `{train, valid, test}` of non-empty lists of non-empty
 * sequences whose steps are sorted, duplicate-free lists of integer notes in 21..108, and
 * returns it typed. Errors name the dataset, split, sequence index, step and bad value:
 * FormatError for a wrong structure, ValueError for a bad note, EmptyError for an empty split
 * or sequence. The sequences, steps and notes of all three splits together are bounded by
 * `limits` (PIANO_ROLL_LIMITS by default; a LimitError as soon as a total passes its limit).
 */
export function validatePianoRollDataset(obj: unknown, name: string, limits: PianoRollLimits = {}): PianoRollDataset {
  const tally: Tally = { sequences: 0, steps: 0, notes: 0, lim: resolveLimits(PIANO_ROLL_LIMITS, limits, name), name };
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    throw new FormatError(`${name}: expected an object {train, valid, test}, got ${describe(obj)}`);
  }
  const rec = obj as Record<string, unknown>;
  for (const key of Object.keys(rec)) {
    if (!(SPLITS as readonly string[]).includes(key)) {
      throw new FormatError(`${name}: unexpected key ${JSON.stringify(key)} (expected exactly train, valid, test)`);
    }
  }
  for (const split of SPLITS) {
    if (!Object.prototype.hasOwnProperty.call(rec, split)) throw new FormatError(`${name}: split "${split}" is missing`);
    validateSplit(rec[split], `${name}.${split}`, tally);
  }
  return rec as unknown as PianoRollDataset;
}

/** Validates one list of sequences; `where` prefixes every message (e.g. "jsb.train"). */
export function validateSplit(seqs: unknown, where: string, tally?: Tally): NoteSequence[] {
  if (!Array.isArray(seqs)) throw new FormatError(`${where}: expected an array of sequences, got ${describe(seqs)}`);
  if (seqs.length === 0) throw new EmptyError(`${where}: has no sequences`);
  if (tally && (tally.sequences += seqs.length) > tally.lim.maxSequences) throw limitError(tally.name, 'sequences in total', tally.lim.maxSequences, 'maxSequences');
  for (let s = 0; s < seqs.length; s++) validateSequence(seqs[s], `${where}[${s}]`, tally);
  return seqs as NoteSequence[];
}

/** Validates one sequence; `where` names it in messages (e.g. "jsb.train[3]"). */
export function validateSequence(seq: unknown, where: string, tally?: Tally): NoteSequence {
  if (!Array.isArray(seq)) throw new FormatError(`${where}: expected a sequence (array of steps), got ${describe(seq)}`);
  if (seq.length === 0) throw new EmptyError(`${where}: sequence has no time steps`);
  if (tally && (tally.steps += seq.length) > tally.lim.maxSteps) throw limitError(tally.name, 'time steps in total', tally.lim.maxSteps, 'maxSteps');
  for (let t = 0; t < seq.length; t++) {
    const step = seq[t];
    if (!Array.isArray(step)) throw new FormatError(`${where} step ${t}: expected an array of MIDI notes, got ${describe(step)}`);
    if (tally && (tally.notes += step.length) > tally.lim.maxNotes) throw limitError(tally.name, 'notes in total', tally.lim.maxNotes, 'maxNotes');
    let prev = -Infinity;
    for (let k = 0; k < step.length; k++) {
      const n = step[k];
      if (typeof n !== 'number' || !Number.isInteger(n)) {
        throw new ValueError(`${where} step ${t}: note ${k} is ${describe(n)}, not an integer MIDI note`);
      }
      if (n < NOTE_MIN || n > NOTE_MAX) throw new ValueError(`${where} step ${t}: note ${n} is outside ${NOTE_MIN}..${NOTE_MAX}`);
      if (n === prev) throw new ValueError(`${where} step ${t}: note ${n} appears twice`);
      if (n < prev) throw new ValueError(`${where} step ${t}: notes are not sorted ascending (${prev} before ${n})`);
      prev = n;
    }
  }
  return seq as NoteSequence;
}

/** Sets the frame of `step` into dst[offset .. offset+units) (the caller zeroes it first). */
export function writeStep(dst: Float32Array, offset: number, step: NoteStep, lowest = NOTE_MIN, units = PIANO_UNITS): void {
  for (let k = 0; k < step.length; k++) {
    const u = step[k] - lowest;
    if (!(u >= 0 && u < units) || !Number.isInteger(u)) throw new ValueError(`note ${step[k]} does not fit the ${units}-unit roll starting at ${lowest}`);
    dst[offset + u] = 1;
  }
}

/** The binary piano roll of a sequence: Float32Array (len, units), unit n − lowest set per note n. */
export function notesToFrames(seq: NoteSequence, lowest = NOTE_MIN, units = PIANO_UNITS): Float32Array {
  const out = new Float32Array(seq.length * units);
  for (let t = 0; t < seq.length; t++) writeStep(out, t * units, seq[t], lowest, units);
  return out;
}

/** The notes of frames (len, units): unit u is on when its value is ≥ threshold. */
export function framesToNotes(frames: Float32Array, units = PIANO_UNITS, lowest = NOTE_MIN, threshold = 0.5): NoteSequence {
  if (units <= 0 || frames.length % units !== 0) throw new ShapeError(`framesToNotes: ${frames.length} values are not a whole number of ${units}-unit frames`);
  const seq: NoteSequence = [];
  for (let t = 0; t < frames.length / units; t++) {
    const step: number[] = [];
    for (let u = 0; u < units; u++) if (frames[t * units + u] >= threshold) step.push(lowest + u);
    seq.push(step);
  }
  return seq;
}

export interface SplitStats {
  sequences: number;
  steps: number;
  minLength: number;
  maxLength: number;
  /** Lowest and highest note over all steps (NaN when every step is silent). */
  minNote: number;
  maxNote: number;
  emptySteps: number;
  maxPolyphony: number;
  /** Σ over sequences of (length − 1): the frames a next-step model predicts. */
  predictedFrames: number;
}

/** Counts and ranges of one split (for reports and tests). */
export function splitStats(seqs: NoteSequence[]): SplitStats {
  const st: SplitStats = {
    sequences: seqs.length, steps: 0, minLength: Infinity, maxLength: 0, minNote: Infinity, maxNote: -Infinity,
    emptySteps: 0, maxPolyphony: 0, predictedFrames: 0,
  };
  for (const seq of seqs) {
    st.steps += seq.length;
    st.predictedFrames += Math.max(0, seq.length - 1);
    st.minLength = Math.min(st.minLength, seq.length);
    st.maxLength = Math.max(st.maxLength, seq.length);
    for (const step of seq) {
      if (step.length === 0) st.emptySteps++;
      else {
        st.minNote = Math.min(st.minNote, step[0]);
        st.maxNote = Math.max(st.maxNote, step[step.length - 1]);
      }
      st.maxPolyphony = Math.max(st.maxPolyphony, step.length);
    }
  }
  if (seqs.length === 0) st.minLength = 0;
  if (st.minNote === Infinity) { st.minNote = NaN; st.maxNote = NaN; }
  return st;
}
