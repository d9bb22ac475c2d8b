// A small, deterministic, seeded polyphonic "music" data set in the piano-roll format of the
// real ones ({train, valid, test} of note lists), so the demo and tests can train on
// something with real structure without any download.
//
// Every piece is in C major or C minor (as the real data, which was transposed to C) and is
// built from:
//   - a form of 4-bar phrases (AABA, ABAB, AABB or ABAC), each phrase a chord progression of
//     4 chords from a small set of common ones, one chord per bar of 4, 6 or 8 steps;
//   - a bass line on the chord roots (held, or root and fifth) in MIDI 36..47;
//   - an accompaniment of the chord's triad in 48..64, voice-led (each chord takes the
//     inversion nearest to the previous one), played as block chords, a pulse on every other
//     step, or an arpeggio;
//   - a melody in 60..84 with one rhythmic motif per piece (onsets, holds, rests repeated
//     every bar), chord tones at chord changes and stepwise motion in the scale in between.
// Repeated phrases repeat their melody exactly, so a model with memory can predict them.
// Pieces are cut to a length drawn uniformly from [minLength, maxLength].
//
// Only integer choices from the seeded xoshiro128** are used, so the output is identical for
// a seed on every platform. Each split has its own random stream: changing the size of one
// split does not change the others.
import { ConfigError } from '../errors.js';
import type { NoteSequence, PianoRollDataset } from './pianoroll.js';
import { deriveSeed, Rng } from './rng.js';

export interface SyntheticOptions {
  /** Seed of the whole data set (default 1). */
  seed?: number;
  /** Sequences per split (defaults 240 / 60 / 60). */
  train?: number;
  valid?: number;
  test?: number;
  /** Length range of a piece in steps (defaults 30 and 120). */
  minLength?: number;
  maxLength?: number;
}

const MAJOR = [0, 2, 4, 5, 7, 9, 11];
const MINOR = [0, 2, 3, 5, 7, 8, 11]; // harmonic minor: a major V chord

// Progressions as 0-based scale degrees (I = 0, ii = 1, ..., vi = 5).
const MAJOR_PROGRESSIONS = [
  [0, 4, 5, 3], // I V vi IV
  [0, 3, 4, 0], // I IV V I
  [0, 5, 3, 4], // I vi IV V
  [1, 4, 0, 0], // ii V I I
  [0, 3, 0, 4], // I IV I V
  [5, 3, 0, 4], // vi IV I V
];
const MINOR_PROGRESSIONS = [
  [0, 5, 2, 4], // i VI III V
  [0, 3, 4, 0], // i iv V i
  [0, 5, 3, 4], // i VI iv V
  [0, 3, 0, 4], // i iv i V
];
const FORMS = ['AABA', 'ABAB', 'AABB', 'ABAC'];

type Accomp = 'block' | 'pulse' | 'arpeggio';
type Beat = 0 | 1 | 2; // rest, onset, hold

interface Piece {
  scale: number[];
  barSteps: number;
  accomp: Accomp;
  walkingBass: boolean;
  rhythm: Beat[];
}

/** The MIDI pitch of scale degree `deg` (any integer) with degree 0 at `tonic`. */
function degreePitch(scale: number[], tonic: number, deg: number): number {
  const oct = Math.floor(deg / 7);
  return tonic + 12 * oct + scale[deg - 7 * oct];
}

/** Pitch classes of the triad on degree `d`. */
function triadClasses(scale: number[], d: number): number[] {
  return [0, 2, 4].map((k) => degreePitch(scale, 0, d + k) % 12);
}

/** All pitches in [lo, hi] whose pitch class is in `classes`, ascending. */
function pitchesIn(classes: number[], lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let p = lo; p <= hi; p++) if (classes.includes(p % 12)) out.push(p);
  return out;
}

/** The 3-note voicing of `classes` within [lo, hi] closest (sum of moves) to `prev`. */
function voiceLead(classes: number[], prev: number[] | null, lo: number, hi: number): number[] {
  const cands: number[][] = [];
  const pool = pitchesIn(classes, lo, hi);
  for (let i = 0; i < pool.length; i++) {
    const v = [pool[i]];
    for (let j = i + 1; j < pool.length && v.length < 3; j++) {
      if (!v.some((p) => p % 12 === pool[j] % 12)) v.push(pool[j]);
    }
    if (v.length === 3) cands.push(v);
  }
  if (prev === null) return cands[Math.floor(cands.length / 2)];
  let best = cands[0], bestCost = Infinity;
  for (const c of cands) {
    const cost = Math.abs(c[0] - prev[0]) + Math.abs(c[1] - prev[1]) + Math.abs(c[2] - prev[2]);
    if (cost < bestCost) { best = c; bestCost = cost; }
  }
  return best;
}

/** The melody of one phrase (one pitch or -1 per step). */
function phraseMelody(rng: Rng, piece: Piece, chords: number[], start: number): number[] {
  const { scale, barSteps, rhythm } = piece;
  const mel: number[] = [];
  let pitch = start;
  for (const d of chords) {
    const chordTones = pitchesIn(triadClasses(scale, d), 60, 84);
    for (let k = 0; k < barSteps; k++) {
      const beat = rhythm[k];
      if (beat === 0) { mel.push(-1); continue; }
      if (beat === 2 && mel.length > 0 && mel[mel.length - 1] >= 0) { mel.push(mel[mel.length - 1]); continue; }
      if (k === 0) {
        // a chord tone near the previous pitch (one of the two nearest)
        const sorted = chordTones.slice().sort((a, b) => Math.abs(a - pitch) - Math.abs(b - pitch) || a - b);
        pitch = sorted[rng.int(2)];
      } else {
        // stepwise in the scale: -2..+2 degrees, mostly single steps
        const deg = scaleDegreeOf(scale, pitch);
        const move = [-2, -1, 0, 1, 2][rng.weightedIndex([1, 4, 1, 4, 1])];
        let p = degreePitch(scale, 0, deg + move);
        if (p < 60 || p > 84) p = degreePitch(scale, 0, deg - move);
        pitch = p;
      }
      mel.push(pitch);
    }
  }
  return mel;
}

/** The scale degree (absolute, from MIDI 0) of the scale pitch nearest to `p` at or below it. */
function scaleDegreeOf(scale: number[], p: number): number {
  for (let q = p; ; q--) {
    const oct = Math.floor(q / 12);
    const i = scale.indexOf(q - 12 * oct);
    if (i >= 0) return 7 * oct + i;
  }
}

function makeRhythm(rng: Rng, barSteps: number): Beat[] {
  const r: Beat[] = [1];
  for (let k = 1; k < barSteps; k++) {
    let b = [0, 1, 2][rng.weightedIndex([2, 5, 4])] as Beat;
    if (b === 2 && r[k - 1] === 0) b = 0;
    r.push(b);
  }
  return r;
}

/** One piece of `length` steps. */
function makePiece(rng: Rng, length: number): NoteSequence {
  const minor = rng.int(5) < 2;
  const scale = minor ? MINOR : MAJOR;
  const progs = minor ? MINOR_PROGRESSIONS : MAJOR_PROGRESSIONS;
  const barSteps = [4, 6, 8][rng.weightedIndex([2, 1, 3])];
  const piece: Piece = {
    scale, barSteps,
    accomp: (['block', 'pulse', 'arpeggio'] as const)[rng.int(3)],
    walkingBass: rng.int(2) === 1,
    rhythm: makeRhythm(rng, barSteps),
  };
  const form = rng.pick(FORMS);
  // Each letter of the form: a progression and that phrase's melody, made once, reused.
  const phrases = new Map<string, { chords: number[]; melody: number[] }>();
  let lastPitch = 67 + [0, 5][rng.int(2)];
  const order: string[] = [];
  while (order.length * 4 * barSteps < length) order.push(...form);
  const steps: NoteSequence = [];
  let prevVoicing: number[] | null = null;
  for (const letter of order) {
    let ph = phrases.get(letter);
    if (!ph) {
      const chords = rng.pick(progs);
      const melody = phraseMelody(rng, piece, chords, lastPitch);
      ph = { chords, melody };
      phrases.set(letter, ph);
    }
    for (let bar = 0; bar < 4; bar++) {
      const d = ph.chords[bar];
      const cls = triadClasses(scale, d);
      const voicing = voiceLead(cls, prevVoicing, 48, 64);
      prevVoicing = voicing;
      const root = 36 + cls[0];
      const fifth = 36 + cls[2] + (cls[2] < cls[0] ? 12 : 0);
      for (let k = 0; k < barSteps; k++) {
        const notes: number[] = [];
        notes.push(piece.walkingBass && k >= barSteps / 2 && fifth <= 47 ? fifth : root);
        if (piece.accomp === 'block') notes.push(...voicing);
        else if (piece.accomp === 'pulse') { if (k % 2 === 0) notes.push(...voicing); }
        else notes.push(voicing[k % 3]);
        const m = ph.melody[bar * barSteps + k];
        if (m >= 0) { notes.push(m); lastPitch = m; }
        steps.push([...new Set(notes)].sort((a, b) => a - b));
      }
    }
  }
  return steps.slice(0, length);
}

/** The synthetic data set for `options` (deterministic). */
export function syntheticMusic(options: SyntheticOptions = {}): PianoRollDataset {
  const seed = options.seed ?? 1;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new ConfigError(`synthetic seed ${seed} must be a non-negative integer`);
  const minLength = options.minLength ?? 30, maxLength = options.maxLength ?? 120;
  if (!Number.isInteger(minLength) || minLength < 2 || !Number.isInteger(maxLength) || maxLength < minLength) {
    throw new ConfigError(`synthetic lengths must be integers with 2 ≤ minLength ≤ maxLength, got ${minLength}..${maxLength}`);
  }
  const counts = { train: options.train ?? 240, valid: options.valid ?? 60, test: options.test ?? 60 };
  const out = {} as PianoRollDataset;
  (['train', 'valid', 'test'] as const).forEach((split, i) => {
    const n = counts[split];
    if (!Number.isInteger(n) || n < 1) throw new ConfigError(`synthetic ${split} count ${n} must be a positive integer`);
    const rng = new Rng(deriveSeed(seed, i));
    const seqs: NoteSequence[] = [];
    for (let s = 0; s < n; s++) seqs.push(makePiece(rng, rng.intIn(minLength, maxLength)));
    out[split] = seqs;
  });
  return out;
}
