// Sampling from any model: step by step on a Stream (batch 1), each step's draw from the head's
// distribution fed back as the next step's input. Platform-neutral and seeded: the same model,
// options and seed give the same values in Node and in the browser.
//
// What is fed back is the head's own target row: a Bernoulli frame (piano rolls: 88 notes on or
// off), a mixture-of-Gaussians row, or a softmax class as a one-hot input. That needs the model
// to read what it predicts (inputSize = the head's target width, or = the softmax classes). A
// speech model, which reads a window of samples and predicts the next `hop` of them, is sampled
// by generate/speech.ts, which model.sample() calls when the file carries speech metadata.
//
// Start. Training never predicts a sequence's first frame (data/batcher.ts: x = f_t, y = f_t+1),
// so generation needs one to read: the primer's frames, or without a primer an all-zero frame
// (silence; one-hot class 0 for a softmax model), which is not part of the result.
import { ConfigError, ShapeError, ValueError } from '../errors.js';
import { getHead } from '../head/registry.js';
import { Rng } from '../data/rng.js';
import { framesToNotes, notesToFrames, PIANO_UNITS, validateSequence, type NoteSequence } from '../data/pianoroll.js';
import { sampleSpeech, speechInfo } from './speech.js';
import type { Model } from '../model/model.js';

export interface SampleOptions {
  /** Frames (time steps) to generate after the primer. */
  frames: number;
  /** Seed of the draws (default 1). */
  seed?: number;
  /** > 1 flattens the distribution, < 1 sharpens it (default 1: the model's own). */
  temperature?: number;
  /** Bernoulli heads: at most this many units on per frame (the most probable of those drawn). */
  maxNotes?: number;
  /** What the model reads first: a NoteSequence (88-unit piano-roll models), frames flattened
   *  (P·inputSize values), class indices (softmax models), or int16 audio (speech models). */
  primer?: NoteSequence | ArrayLike<number> | Int16Array;
}

export interface SampleResult {
  /** (primerFrames + frames) rows of `width` values: the primer's rows, then the generated ones.
   *  Bernoulli and mog: the drawn target rows (f32); softmax: class indices (i32, width 1);
   *  speech: the audio samples as numbers (width = the model's hop). */
  values: Float32Array | Int32Array;
  width: number;
  primerFrames: number;
  frames: number;
  /** Piano-roll models (88-unit Bernoulli): the same rows as notes, MIDI 21..108. */
  notes?: NoteSequence;
  /** Speech models: the audio (int16) and its sample rate. */
  audio?: Int16Array;
  sampleRate?: number;
}

/** Most frames one call generates. */
export const MAX_SAMPLE_FRAMES = 1_000_000;
/** Temperatures accepted: (0, MAX_TEMPERATURE]. */
export const MAX_TEMPERATURE = 100;

function checkOptions(model: Model, o: SampleOptions): void {
  if (!o || typeof o !== 'object') throw new ConfigError('sample() needs options { frames, seed?, temperature?, maxNotes?, primer? }');
  if (!Number.isInteger(o.frames) || o.frames < 1 || o.frames > MAX_SAMPLE_FRAMES) {
    throw new ConfigError(`frames must be an integer in 1..${MAX_SAMPLE_FRAMES}, got ${o.frames}`);
  }
  if (o.seed !== undefined && !Number.isSafeInteger(o.seed)) throw new ConfigError(`seed must be an integer, got ${o.seed}`);
  const tau = o.temperature;
  if (tau !== undefined && !(typeof tau === 'number' && tau > 0 && tau <= MAX_TEMPERATURE)) {
    throw new ConfigError(`temperature must be a number in (0, ${MAX_TEMPERATURE}], got ${tau}`);
  }
  if (o.maxNotes !== undefined) {
    if (model.config.head.type !== 'bernoulli') throw new ConfigError(`maxNotes caps the notes of a Bernoulli (piano-roll) head; this model's head is '${model.config.head.type}'`);
    if (!Number.isInteger(o.maxNotes) || o.maxNotes < 1) throw new ConfigError(`maxNotes must be an integer ≥ 1, got ${o.maxNotes}`);
  }
}

/** The primer as input rows (P, I); P = 0 without one. */
function primerRows(model: Model, primer: SampleOptions['primer'], oneHot: boolean): { rows: Float32Array; P: number } {
  const I = model.config.inputSize;
  if (primer === undefined) return { rows: new Float32Array(0), P: 0 };
  if (Array.isArray(primer) && (primer.length === 0 || Array.isArray(primer[0]))) {
    if (I !== PIANO_UNITS) throw new ShapeError(`a NoteSequence primer needs a piano-roll model (${PIANO_UNITS} inputs); this one reads ${I}`);
    validateSequence(primer, 'primer');
    return { rows: notesToFrames(primer as NoteSequence), P: primer.length };
  }
  if (typeof (primer as ArrayLike<number>).length !== 'number') throw new ShapeError('primer must be a NoteSequence or an array of numbers');
  const flat = primer as ArrayLike<number>;
  if (oneHot) {
    const C = model.config.head.outputs, rows = new Float32Array(flat.length * I);
    for (let t = 0; t < flat.length; t++) {
      const c = flat[t];
      if (!Number.isInteger(c) || c < 0 || c >= C) throw new ValueError(`primer[${t}] = ${c} is not a class index in 0..${C - 1}`);
      rows[t * I + c] = 1;
    }
    return { rows, P: flat.length };
  }
  if (flat.length % I !== 0) throw new ShapeError(`primer has ${flat.length} values, not a whole number of ${I}-value frames`);
  const rows = Float32Array.from(flat);
  for (let i = 0; i < rows.length; i++) {
    if (!Number.isFinite(rows[i])) throw new ValueError(`primer[${i}] = ${rows[i]} is not finite`);
  }
  return { rows, P: rows.length / I };
}

/** Generates `frames` frames after the primer (see the module comment). */
export function sampleModel(model: Model, o: SampleOptions): SampleResult {
  checkOptions(model, o);
  const draw = { temperature: o.temperature ?? 1, maxNotes: o.maxNotes };
  if (model.data?.kind === 'speech') {
    const info = speechInfo(model);
    if (o.primer !== undefined && !(o.primer instanceof Int16Array)) throw new ShapeError('a speech model\'s primer is int16 audio (an Int16Array)');
    const r = sampleSpeech(model, { samples: o.frames * info.hop, seed: o.seed, primer: o.primer as Int16Array | undefined, draw });
    return {
      values: Float32Array.from(r.audio), width: info.hop, primerFrames: r.primerSamples / info.hop,
      frames: o.frames, audio: r.audio, sampleRate: r.sampleRate,
    };
  }
  const head = model.config.head, def = getHead(head.type), I = model.config.inputSize, W = head.targetWidth;
  const oneHot = head.targetType === 'i32';
  if (oneHot ? I !== head.outputs : I !== W) {
    throw new ConfigError(`sample() feeds each draw back as the next input, so the model must read what it predicts: it reads ${I} values a step but its ${head.type} head draws ${oneHot ? `one of ${head.outputs} classes` : `${W} values`}`);
  }
  const { rows, P } = primerRows(model, o.primer, oneHot);
  const out = oneHot ? new Int32Array((P + o.frames) * W) : new Float32Array((P + o.frames) * W);
  if (P > 0) {
    if (oneHot) for (let t = 0; t < P; t++) out[t] = rows.subarray(t * I, (t + 1) * I).indexOf(1);
    else out.set(rows);
  }
  const rng = new Rng(o.seed ?? 1), stream = model.stream(1);
  // the primer's rows but its last only set the state; the last (or the silent start) is read
  // before the first draw
  for (let t = 0; t + 1 < P; t++) stream.step(rows.subarray(t * I, (t + 1) * I));
  let x: Float32Array = P > 0 ? rows.subarray((P - 1) * I, P * I) : new Float32Array(I);
  if (P === 0 && oneHot) x[0] = 1;
  for (let k = 0; k < o.frames; k++) {
    const y = def.sample(stream.step(x), rng, head, draw);
    out.set(y, (P + k) * W);
    if (oneHot) { x = new Float32Array(I); x[y[0]] = 1; } else x = y as Float32Array;
  }
  const result: SampleResult = { values: out, width: W, primerFrames: P, frames: o.frames };
  if (head.type === 'bernoulli' && W === PIANO_UNITS) result.notes = framesToNotes(out as Float32Array);
  return result;
}
