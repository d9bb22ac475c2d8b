// MIDI files → piano-roll note sequences in the representation of Boulanger-Lewandowski et al.
// (2012): one frame per eighth note (by default), MIDI notes 21..108. Platform-neutral (bytes
// in, notes out); reading folders is in midi-node.ts. Parsing is done by the `midi-file`
// package; this module checks the chunk structure first (that parser reads past a truncated
// chunk without noticing), pairs note-ons with note-offs, and quantises.
//
// Quantisation, in beats (quarter notes) so tempo changes do not matter: with q = ticks per
// beat / stepsPerQuarter ticks per frame, a note held over ticks [on, off) occupies frames
// round(on/q) .. max(round(on/q) + 1, round(off/q)) − 1: onsets and releases snap to the
// nearest frame boundary and every note lasts at least one frame. The piece has as many frames
// as its last release (at least one). Channel 10 (index 9, General-MIDI drums) is skipped by
// default: drum "notes" are instruments, not pitches. Nothing is transposed (the original
// data were transposed to C major/minor; a folder of MIDI files is taken as it is).
import { parseMidi, type MidiData } from 'midi-file';
import { EmptyError, FormatError, ValueError, ConfigError } from '../errors.js';
import { NOTE_MIN, NOTE_MAX, type NoteSequence } from './pianoroll.js';

export interface MidiQuantizeOptions {
  /** Frames per quarter note (default 2: one per eighth note; JSB used 1). */
  stepsPerQuarter?: number;
  /** Skip MIDI channel 10 (index 9), the General-MIDI percussion channel (default true). */
  skipDrums?: boolean;
  /** Notes outside 21..108: 'error' (default) or 'drop'. */
  outOfRange?: 'error' | 'drop';
  /** Most frames one piece may have (default 100,000; the longest real piece has 4,273). */
  maxFrames?: number;
}

/** Checks the chunk structure (MThd of 6+ bytes, then chunks whose lengths fit the file). */
function checkChunks(bytes: Uint8Array, where: string): void {
  const id = (at: number) => String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
  const len = (at: number) => ((bytes[at] << 24) >>> 0) + (bytes[at + 1] << 16) + (bytes[at + 2] << 8) + bytes[at + 3];
  if (bytes.length < 14 || id(0) !== 'MThd') throw new FormatError(`${where}: not a MIDI file (no 'MThd' header)`);
  if (len(4) < 6) throw new FormatError(`${where}: MIDI header chunk is ${len(4)} bytes, expected 6`);
  let at = 0, chunks = 0;
  while (at < bytes.length) {
    if (at + 8 > bytes.length) throw new FormatError(`${where}: truncated MIDI file (a chunk header is cut off at byte ${at})`);
    const n = len(at + 4);
    if (at + 8 + n > bytes.length) throw new FormatError(`${where}: truncated MIDI file (chunk '${id(at)}' at byte ${at} declares ${n} bytes, ${bytes.length - at - 8} remain)`);
    at += 8 + n;
    chunks++;
  }
  const tracks = (bytes[10] << 8) + bytes[11];
  if (chunks - 1 < tracks) throw new FormatError(`${where}: the header announces ${tracks} track(s) but the file holds ${chunks - 1}`);
}

/** Parses a standard MIDI file (FormatError on anything malformed). */
export function parseMidiBytes(bytes: Uint8Array, where = 'MIDI file'): MidiData {
  if (!(bytes instanceof Uint8Array)) throw new ValueError(`${where}: expected the file's bytes as a Uint8Array`);
  checkChunks(bytes, where);
  let midi: MidiData;
  try {
    midi = parseMidi(bytes);
  } catch (e) {
    throw new FormatError(`${where}: malformed MIDI data (${e instanceof Error ? e.message : String(e)})`);
  }
  for (const [i, track] of midi.tracks.entries()) {
    for (const ev of track) {
      if (!Number.isInteger(ev.deltaTime) || ev.deltaTime < 0) throw new FormatError(`${where}: track ${i} has an invalid delta time`);
    }
  }
  return midi;
}

/** One MIDI file as a note sequence (see the module comment for the quantisation). */
export function midiToNoteSequence(bytes: Uint8Array, where = 'MIDI file', options: MidiQuantizeOptions = {}): NoteSequence {
  const spq = options.stepsPerQuarter ?? 2;
  if (!Number.isInteger(spq) || spq < 1 || spq > 96) throw new ConfigError(`stepsPerQuarter must be an integer in 1..96, got ${spq}`);
  const maxFrames = options.maxFrames ?? 100_000;
  const skipDrums = options.skipDrums ?? true;
  const outOfRange = options.outOfRange ?? 'error';
  const midi = parseMidiBytes(bytes, where);
  const tpb = midi.header.ticksPerBeat;
  if (tpb === undefined) throw new FormatError(`${where}: SMPTE time division (frames per second) is not supported; the piano roll needs ticks per beat`);
  if (tpb === 0) throw new FormatError(`${where}: the header gives 0 ticks per beat`);
  const q = tpb / spq;
  const notes: { note: number; on: number; off: number }[] = [];
  midi.tracks.forEach((track, ti) => {
    let tick = 0;
    const open = new Map<number, number[]>(); // channel·128 + note → onset ticks (FIFO)
    for (const ev of track) {
      tick += ev.deltaTime;
      if (ev.type !== 'noteOn' && ev.type !== 'noteOff') continue;
      const e = ev as { type: 'noteOn' | 'noteOff'; channel: number; noteNumber: number; velocity: number };
      if (skipDrums && e.channel === 9) continue;
      const key = e.channel * 128 + e.noteNumber;
      if (e.type === 'noteOn' && e.velocity > 0) {
        let list = open.get(key);
        if (!list) open.set(key, (list = []));
        list.push(tick);
      } else {
        const on = open.get(key)?.shift();
        if (on !== undefined) notes.push({ note: e.noteNumber, on, off: tick });
        // a note-off without a note-on is ignored (common in the wild, harmless)
      }
    }
    // notes never released end with their track
    for (const [key, ons] of open) for (const on of ons) notes.push({ note: key % 128, on, off: tick });
    void ti;
  });
  if (notes.length === 0) throw new EmptyError(`${where}: no notes${skipDrums ? ' (outside the drum channel)' : ''}`);
  let frames = 1;
  const spans: { note: number; a: number; b: number }[] = [];
  for (const n of notes) {
    if (n.note < NOTE_MIN || n.note > NOTE_MAX) {
      if (outOfRange === 'drop') continue;
      throw new ValueError(`${where}: note ${n.note} at tick ${n.on} (beat ${(n.on / tpb).toFixed(2)}) is outside the piano range ${NOTE_MIN}..${NOTE_MAX}`);
    }
    const a = Math.round(n.on / q);
    const b = Math.max(a + 1, Math.round(n.off / q));
    if (b > maxFrames) throw new FormatError(`${where}: the piece is longer than ${maxFrames} frames (a note ends at frame ${b})`);
    spans.push({ note: n.note, a, b });
    frames = Math.max(frames, b);
  }
  if (spans.length === 0) throw new EmptyError(`${where}: every note is outside ${NOTE_MIN}..${NOTE_MAX}`);
  const sets: Set<number>[] = Array.from({ length: frames }, () => new Set<number>());
  for (const s of spans) for (let t = s.a; t < s.b; t++) sets[t].add(s.note);
  return sets.map((s) => [...s].sort((x, y) => x - y));
}
