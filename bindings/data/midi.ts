// MIDI files → piano-roll note sequences in the representation of Boulanger-Lewandowski et al.
// (2012): one frame per eighth note (by default), MIDI notes 21..108. Platform-neutral (bytes
// in, notes out); reading folders is in midi-node.ts. This module checks the chunk structure
// (the `midi-file` parser reads past a truncated chunk without noticing) and every event's bytes,
// pairs note-ons with note-offs, and quantises; parseMidiBytes gives the whole file as the
// `midi-file` package parses it, after the same checks.
//
// Quantisation, in beats (quarter notes) so tempo changes do not matter: with q = ticks per
// beat / stepsPerQuarter ticks per frame, a note held over ticks [on, off) occupies frames
// round(on/q) .. max(round(on/q) + 1, round(off/q)) − 1: onsets and releases snap to the
// nearest frame boundary and every note lasts at least one frame. The piece has as many frames
// as its last release (at least one). Channel 10 (index 9, General-MIDI drums) is skipped by
// default: drum "notes" are instruments, not pitches. Nothing is transposed (the original
// data were transposed to C major/minor; a folder of MIDI files is taken as it is).
//
// Bounds (bindings/io/limits.ts, MIDI_LIMITS): a scan of the raw track bytes, which builds no
// object per event (midiToNoteSequence takes its notes straight from it), counts the events and
// note-ons against maxEvents and maxNotes and refuses what midi-file would take silently: a data byte above 127 (midi-file does not mask
// it, so note-on 0x90 0xC8 … would become note 200, i.e. key 72 of the next channel), a delta
// time longer than 4 bytes, an event cut off by the end of its chunk. Pairing is linear (a
// read index per queue of open notes) and the frames are filled from a difference array, so
// the work is O(events + 88·frames) whatever the notes overlap.
import { parseMidi, type MidiData } from 'midi-file';
import { EmptyError, FormatError, ValueError, ConfigError } from '../errors.js';
import { MIDI_LIMITS, limitError, resolveLimits, type MidiLimits } from '../io/limits.js';
import { NOTE_MIN, NOTE_MAX, PIANO_UNITS, type NoteSequence } from './pianoroll.js';

export type { MidiLimits };

export interface MidiQuantizeOptions extends MidiLimits {
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

/** What scanEvents reports: each note-on/note-off (a note-on of velocity 0 is an off), and
 *  the end of each track with its last tick. */
interface NoteSink {
  note(tick: number, channel: number, note: number, on: boolean): void;
  trackEnd(tick: number): void;
}

/** Walks the events of every track chunk the header announces, without building objects for
 *  them: counts events and note-ons against the limits, checks every byte midi-file would
 *  misread, and hands the notes to `sink`. */
function scanEvents(bytes: Uint8Array, where: string, lim: Required<MidiLimits>, sink?: NoteSink): void {
  const len = (at: number) => ((bytes[at] << 24) >>> 0) + (bytes[at + 1] << 16) + (bytes[at + 2] << 8) + bytes[at + 3];
  const tracks = (bytes[10] << 8) + bytes[11];
  let at = 8 + len(4), events = 0, notes = 0;
  for (let t = 0; t < tracks; t++) {
    const id = String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
    if (id !== 'MTrk') throw new FormatError(`${where}: chunk ${t + 1} at byte ${at} is '${id}', expected a track ('MTrk')`);
    const end = at + 8 + len(at + 4);
    let p = at + 8, running = -1, tick = 0;
    const bad = (msg: string): never => { throw new FormatError(`${where}: track ${t}, byte ${p}: ${msg}`); };
    const varint = (what: string): number => {
      let v = 0;
      for (let n = 0; ; n++) {
        if (p >= end) bad(`${what} runs past the end of the track`);
        if (n === 4) bad(`${what} is longer than 4 bytes`);
        const x = bytes[p++];
        v = v * 128 + (x & 0x7f);
        if (!(x & 0x80)) return v;
      }
    };
    while (p < end) {
      if (++events > lim.maxEvents) throw limitError(where, 'MIDI events', lim.maxEvents, 'maxEvents');
      tick += varint('a delta time');
      if (p >= end) bad('an event is cut off after its delta time');
      const st = bytes[p];
      if (st === 0xff) { // meta event: type, length, data
        p += 2;
        if (p > end) bad('a meta event is cut off');
        const n = varint('a meta event length');
        if (n > end - p) bad(`a meta event of ${n} bytes runs past the end of the track`);
        p += n;
      } else if (st === 0xf0 || st === 0xf7) { // sysex
        p++;
        const n = varint('a sysex length');
        if (n > end - p) bad(`a sysex event of ${n} bytes runs past the end of the track`);
        p += n;
      } else if (st >= 0xf0) {
        bad(`status byte 0x${st.toString(16)} is not a MIDI file event`);
      } else {
        if (st & 0x80) { running = st; p++; } else if (running < 0) bad('running status before any status byte');
        const type = running >> 4, nData = type === 0xc || type === 0xd ? 1 : 2;
        if (nData > end - p) bad('a channel event is cut off by the end of the track');
        for (let k = 0; k < nData; k++) {
          const x = bytes[p + k];
          if (x > 0x7f) { p += k; bad(`data byte 0x${x.toString(16)} of a channel event is above 127 (note numbers, velocities and controller values are 0..127)`); }
        }
        if (type === 0x9 && bytes[p + 1] > 0 && ++notes > lim.maxNotes) throw limitError(where, 'notes', lim.maxNotes, 'maxNotes');
        if (sink && (type === 0x8 || type === 0x9)) sink.note(tick, running & 0x0f, bytes[p], type === 0x9 && bytes[p + 1] > 0);
        p += nData;
      }
    }
    sink?.trackEnd(tick);
    at = end;
  }
}

/** Parses a standard MIDI file (FormatError on anything malformed, LimitError past `limits`). */
export function parseMidiBytes(bytes: Uint8Array, where = 'MIDI file', limits: MidiLimits = {}): MidiData {
  if (!(bytes instanceof Uint8Array)) throw new ValueError(`${where}: expected the file's bytes as a Uint8Array`);
  const lim = resolveLimits(MIDI_LIMITS, limits, where);
  checkChunks(bytes, where);
  scanEvents(bytes, where, lim);
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
  const lim = resolveLimits(MIDI_LIMITS, options, where);
  const maxFrames = lim.maxFrames;
  const skipDrums = options.skipDrums ?? true;
  const outOfRange = options.outOfRange ?? 'error';
  if (!(bytes instanceof Uint8Array)) throw new ValueError(`${where}: expected the file's bytes as a Uint8Array`);
  checkChunks(bytes, where);
  // The notes come straight from the scan of the track bytes (the same events midi-file would
  // build as objects, at a fraction of the time and memory), paired per track and key.
  // the paired notes, as parallel lists of numbers (no object per note)
  const nNote: number[] = [], nOn: number[] = [], nOff: number[] = [];
  const add = (note: number, on: number, off: number): void => { nNote.push(note); nOn.push(on); nOff.push(off); };
  // channel·128 + note → onset ticks, first in first out: a list and the index of its oldest
  // open note (Array.shift would move the whole list each time: quadratic for long lists)
  let open = new Map<number, { ons: number[]; head: number }>();
  scanEvents(bytes, where, lim, {
    note(tick, channel, note, on) {
      if (skipDrums && channel === 9) return;
      const key = channel * 128 + note;
      if (on) {
        let q = open.get(key);
        if (!q) open.set(key, (q = { ons: [], head: 0 }));
        q.ons.push(tick);
      } else {
        const q = open.get(key);
        if (q && q.head < q.ons.length) {
          add(note, q.ons[q.head++], tick);
          if (q.head === q.ons.length) { q.ons.length = 0; q.head = 0; }
        }
        // a note-off without a note-on is ignored (common in the wild, harmless)
      }
    },
    trackEnd(tick) {
      // notes never released end with their track
      for (const [key, q] of open) for (let k = q.head; k < q.ons.length; k++) add(key % 128, q.ons[k], tick);
      open = new Map();
    },
  });
  const division = (bytes[12] << 8) | bytes[13];
  if (division & 0x8000) throw new FormatError(`${where}: SMPTE time division (frames per second) is not supported; the piano roll needs ticks per beat`);
  const tpb = division;
  if (tpb === 0) throw new FormatError(`${where}: the header gives 0 ticks per beat`);
  const q = tpb / spq;
  if (nNote.length === 0) throw new EmptyError(`${where}: no notes${skipDrums ? ' (outside the drum channel)' : ''}`);
  let frames = 1;
  const U = PIANO_UNITS;
  const spanA = new Float64Array(nNote.length), spanB = new Float64Array(nNote.length), spanU = new Int32Array(nNote.length);
  let spans = 0;
  for (let k = 0; k < nNote.length; k++) {
    const note = nNote[k];
    if (note < NOTE_MIN || note > NOTE_MAX) {
      if (outOfRange === 'drop') continue;
      throw new ValueError(`${where}: note ${note} at tick ${nOn[k]} (beat ${(nOn[k] / tpb).toFixed(2)}) is outside the piano range ${NOTE_MIN}..${NOTE_MAX}`);
    }
    const a = Math.round(nOn[k] / q);
    const b = Math.max(a + 1, Math.round(nOff[k] / q));
    if (b > maxFrames) throw new FormatError(`${where}: the piece is longer than ${maxFrames} frames (a note ends at frame ${b})`);
    spanA[spans] = a; spanB[spans] = b; spanU[spans] = note - NOTE_MIN; spans++;
    frames = Math.max(frames, b);
  }
  if (spans === 0) throw new EmptyError(`${where}: every note is outside ${NOTE_MIN}..${NOTE_MAX}`);
  // +1 where a note starts sounding, −1 where it stops; a running sum per unit over the frames
  // says which notes sound (O(notes + 88·frames), however long or overlapping the notes are)
  const diff = new Int32Array((frames + 1) * U), sounding = new Int32Array(U);
  for (let k = 0; k < spans; k++) { diff[spanA[k] * U + spanU[k]]++; diff[spanB[k] * U + spanU[k]]--; }
  const out: NoteSequence = new Array(frames);
  for (let t = 0; t < frames; t++) {
    const step: number[] = [];
    for (let u = 0; u < U; u++) if ((sounding[u] += diff[t * U + u]) > 0) step.push(NOTE_MIN + u);
    out[t] = step;
  }
  return out;
}
