// Piano rolls → Standard MIDI Files (format 0, one track, one channel), the inverse of midi.ts.
// Platform-neutral (notes in, bytes out); the bytes are written by the `midi-file` package.
//
// A note is a run of consecutive frames in which it sounds: a piano roll cannot tell a held note
// from the same note struck again on the next frame, so runs become single notes (as the data's
// publisher made the rolls from MIDI, the other way round). With stepsPerQuarter = s frames per
// beat and ticksPerBeat = 120·s, frame t starts at tick 120·t, so midi.ts's quantisation with the
// same s reads back exactly the frames written (up to the last release: trailing silence has no
// event to mark it, and the reader ends a piece at its last note-off).
//
// Tempo: `bpm` beats per minute (default 120, so a frame of the default eighth-note grid lasts
// 0.25 s), or `frameSeconds` to give the length of one frame directly.
import { writeMidi, type MidiData, type MidiEvent } from 'midi-file';
import { ConfigError } from '../errors.js';
import { validateSequence, type NoteSequence } from './pianoroll.js';

export interface MidiWriteOptions {
  /** Frames per quarter note (default 2, the eighth-note grid of midi.ts; JSB's rolls used 1). */
  stepsPerQuarter?: number;
  /** Quarter notes per minute (default 120). */
  bpm?: number;
  /** Or the length of one frame in seconds (overrides bpm). */
  frameSeconds?: number;
  /** Note-on velocity 1..127 (default 80). */
  velocity?: number;
  /** General MIDI program 0..127 (default 0, acoustic grand piano). */
  program?: number;
  /** Track name stored in the file. */
  name?: string;
}

/** Ticks per frame: every frame boundary is a whole number of ticks. */
const TICKS_PER_FRAME = 120;

function intIn(v: unknown, lo: number, hi: number, key: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw new ConfigError(`${key} must be an integer in ${lo}..${hi}, got ${JSON.stringify(v)}`);
  return v;
}

/** Microseconds per quarter note for the options (checked). */
export function midiTempo(o: MidiWriteOptions, spq: number): number {
  if (o.frameSeconds !== undefined) {
    if (!(typeof o.frameSeconds === 'number' && o.frameSeconds >= 0.001 && o.frameSeconds <= 10)) throw new ConfigError(`frameSeconds must be in [0.001, 10], got ${o.frameSeconds}`);
    return Math.round(o.frameSeconds * spq * 1e6);
  }
  const bpm = o.bpm ?? 120;
  if (!(typeof bpm === 'number' && bpm >= 1 && bpm <= 1000)) throw new ConfigError(`bpm must be in [1, 1000], got ${bpm}`);
  return Math.round(60e6 / bpm);
}

/** A Standard MIDI File holding the roll (see the module comment). */
export function noteSequenceToMidi(seq: NoteSequence, o: MidiWriteOptions = {}): Uint8Array {
  validateSequence(seq, 'notes');
  const spq = intIn(o.stepsPerQuarter ?? 2, 1, 96, 'stepsPerQuarter');
  const velocity = intIn(o.velocity ?? 80, 1, 127, 'velocity');
  const program = intIn(o.program ?? 0, 0, 127, 'program');
  const tempo = midiTempo(o, spq);
  if (tempo > 0xffffff) throw new ConfigError(`the tempo gives ${tempo} µs per quarter note; MIDI stores at most ${0xffffff}: use a faster tempo or fewer frames per quarter`);
  // frame boundary t: notes released there (off), then notes struck there (on)
  const offs: number[][] = Array.from({ length: seq.length + 1 }, () => []);
  const ons: number[][] = Array.from({ length: seq.length + 1 }, () => []);
  for (let t = 0; t < seq.length; t++) {
    const prev = t > 0 ? new Set(seq[t - 1]) : new Set<number>();
    const now = new Set(seq[t]);
    for (const n of seq[t]) if (!prev.has(n)) ons[t].push(n);
    for (const n of prev) if (!now.has(n)) offs[t].push(n);
  }
  for (const n of seq[seq.length - 1]) offs[seq.length].push(n);
  const track: MidiEvent[] = [];
  if (o.name !== undefined) track.push({ deltaTime: 0, meta: true, type: 'trackName', text: String(o.name).slice(0, 200) });
  track.push({ deltaTime: 0, meta: true, type: 'setTempo', microsecondsPerBeat: tempo });
  track.push({ deltaTime: 0, meta: true, type: 'timeSignature', numerator: 4, denominator: 4, metronome: 24, thirtyseconds: 8 });
  track.push({ deltaTime: 0, type: 'programChange', channel: 0, programNumber: program });
  let last = 0;
  for (let t = 0; t <= seq.length; t++) {
    const tick = t * TICKS_PER_FRAME;
    for (const n of offs[t]) { track.push({ deltaTime: tick - last, type: 'noteOff', channel: 0, noteNumber: n, velocity: 0 }); last = tick; }
    for (const n of ons[t]) { track.push({ deltaTime: tick - last, type: 'noteOn', channel: 0, noteNumber: n, velocity }); last = tick; }
  }
  track.push({ deltaTime: seq.length * TICKS_PER_FRAME - last, meta: true, type: 'endOfTrack' });
  const data: MidiData = { header: { format: 0, numTracks: 1, ticksPerBeat: TICKS_PER_FRAME * spq }, tracks: [track] };
  return Uint8Array.from(writeMidi(data));
}
