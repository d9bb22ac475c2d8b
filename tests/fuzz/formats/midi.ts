// Standard MIDI Files for the fuzz suite. Valid files come from the library's writer
// (noteSequenceToMidi, whose read-back is known exactly) or from a raw writer here that uses
// what real files use and that writer does not: format 1 with several tracks, running status,
// note-on velocity 0 as note-off, sysex, controllers, pitch bend, text, the drum channel.
// Mutations work on events and chunks (running status misuse, huge and overlong delta times,
// data bytes > 127, zero-length tracks, wrong header fields, meta events of the wrong length);
// hostile files aim at the note matching and the frame painting.
import type { Rng } from '../../../bindings/data/rng.js';
import { noteSequenceToMidi } from '../../../bindings/data/midi-write.js';
import type { NoteSequence } from '../../../bindings/data/pianoroll.js';
import { ByteWriter, ascii, readU32be, vlq } from '../bytes.js';
import { cached, randomSequence, sized, type FormatGen, type Generated, type Scale } from '../common.js';
import type { Field } from '../mutate.js';

/** One event: its delta time (a number, or raw VLQ bytes) and the bytes after it. */
export interface Ev { delta: number | number[]; data: number[] }
export interface Chunk { id: string; body: Uint8Array; len?: number }
export interface Header { format: number; ntrks?: number; division: number; len?: number; extra?: number[] }

export function trackBody(events: Ev[]): Uint8Array {
  const w = new ByteWriter();
  for (const e of events) { w.bytes(typeof e.delta === 'number' ? vlq(e.delta) : e.delta); w.bytes(e.data); }
  return w.toBytes();
}

/** A fresh end-of-track event (events are mutated in place, so never shared). */
export const eot = (): Ev => ({ delta: 0, data: [0xff, 0x2f, 0x00] });

/** MThd + chunks; `ntrks` defaults to the number of MTrk chunks. */
export function smf(h: Header, chunks: Chunk[]): Uint8Array {
  const w = new ByteWriter();
  const hbody = [...u16be(h.format), ...u16be(h.ntrks ?? chunks.filter((c) => c.id === 'MTrk').length), ...u16be(h.division), ...(h.extra ?? [])];
  w.ascii('MThd').u32be(h.len ?? hbody.length).bytes(hbody);
  for (const c of chunks) w.ascii(c.id).u32be(c.len ?? c.body.length).bytes(c.body);
  return w.toBytes();
}
const u16be = (v: number): number[] => [(v >>> 8) & 0xff, v & 0xff];

/** A track holding `notes` [note, onTick, offTick, channel], sorted, with running status when
 *  `running` and note-on velocity 0 as the note-off when `vel0`. */
export function noteTrack(notes: [number, number, number, number][], o: { running?: boolean; vel0?: boolean; extras?: Ev[] } = {}): Ev[] {
  const evs: { tick: number; off: boolean; note: number; ch: number }[] = [];
  for (const [note, on, off, ch] of notes) { evs.push({ tick: on, off: false, note, ch }); evs.push({ tick: off, off: true, note, ch }); }
  evs.sort((a, b) => a.tick - b.tick || (a.off === b.off ? 0 : a.off ? -1 : 1));
  const out: Ev[] = [...(o.extras ?? [])];
  let last = 0;
  let status = -1;
  for (const e of evs) {
    const st = (e.off && !o.vel0 ? 0x80 : 0x90) | e.ch;
    const data = [e.note, e.off ? (o.vel0 ? 0 : 0x40) : 90];
    out.push({ delta: e.tick - last, data: o.running && st === status ? data : [st, ...data] });
    status = st;
    last = e.tick;
  }
  out.push(eot());
  return out;
}

function randomNotes(rng: Rng, n: number, tpb: number): [number, number, number, number][] {
  const notes: [number, number, number, number][] = [];
  for (let i = 0; i < n; i++) {
    const on = rng.int(16) * (tpb >> 1) + (rng.bernoulli(0.2) ? rng.int(tpb) : 0);
    notes.push([rng.intIn(21, 108), on, on + rng.intIn(1, 4) * (tpb >> 1) + (rng.bernoulli(0.2) ? rng.int(60) : 0), rng.bernoulli(0.1) ? 9 : rng.int(3)]);
  }
  return notes;
}

/** Events that carry no notes, as real files have them. */
function extras(rng: Rng): Ev[] {
  const pool: Ev[] = [
    { delta: 0, data: [0xff, 0x51, 0x03, 0x07, 0xa1, 0x20] },           // tempo
    { delta: 0, data: [0xff, 0x58, 0x04, 0x04, 0x02, 0x18, 0x08] },     // time signature
    { delta: 0, data: [0xff, 0x59, 0x02, 0x00, 0x00] },                 // key signature
    { delta: 0, data: [0xff, 0x03, 0x05, ...ascii('Piano')] },          // track name
    { delta: 0, data: [0xf0, 0x05, 0x7e, 0x7f, 0x09, 0x01, 0xf7] },     // sysex (GM on)
    { delta: 0, data: [0xb0, 0x07, 0x64] },                             // controller
    { delta: 0, data: [0xc0, 0x00] },                                   // program change
    { delta: 0, data: [0xe0, 0x00, 0x40] },                             // pitch bend
    { delta: 0, data: [0xff, 0x7f, 0x03, 0x00, 0x00, 0x41] },           // sequencer specific
  ];
  return Array.from({ length: rng.int(5) }, () => rng.pick(pool));
}

/** A raw format-0/1 file with a few note tracks. */
function rawFile(rng: Rng): { h: Header; tracks: Ev[][] } {
  const tpb = rng.pick([96, 120, 240, 480, 960]);
  const ntr = rng.intIn(1, 3);
  const tracks: Ev[][] = [];
  if (ntr > 1 && rng.bernoulli(0.5)) tracks.push([...extras(rng), eot()]);
  for (let t = tracks.length; t < ntr; t++) {
    tracks.push(noteTrack(randomNotes(rng, rng.intIn(0, 12), tpb), { running: rng.bernoulli(0.5), vel0: rng.bernoulli(0.5), extras: extras(rng) }));
  }
  return { h: { format: tracks.length > 1 ? 1 : 0, division: tpb }, tracks };
}

const toChunks = (tracks: Ev[][]): Chunk[] => tracks.map((t) => ({ id: 'MTrk', body: trackBody(t) }));

/** What midiToNoteSequence reads back from noteSequenceToMidi(seq) with 2 steps per quarter:
 *  the steps up to the last one that sounds (undefined when none does). */
function readBack(seq: NoteSequence): NoteSequence | undefined {
  let last = -1;
  for (let t = 0; t < seq.length; t++) if (seq[t].length > 0) last = t;
  return last < 0 ? undefined : seq.slice(0, last + 1);
}

function valid(rng: Rng): Generated {
  if (rng.bernoulli(0.5)) {
    const seq = randomSequence(rng, 40, 6);
    const bytes = noteSequenceToMidi(seq, { stepsPerQuarter: 2, bpm: rng.intIn(40, 240), velocity: rng.intIn(1, 127), program: rng.int(128), ...(rng.bernoulli(0.3) ? { name: 'fuzz' } : {}) });
    return { bytes, how: `valid(noteSequenceToMidi, ${seq.length} steps)`, expected: readBack(seq) };
  }
  const { h, tracks } = rawFile(rng);
  return { bytes: smf(h, toChunks(tracks)), how: `valid(raw format ${h.format}, ${tracks.length} tracks)` };
}

const BAD_DELTAS: number[][] = [
  [0x8f, 0xff, 0xff, 0x7f], [0xff, 0xff, 0xff, 0xff, 0x7f], [0x80, 0x80, 0x80, 0x80, 0x80, 0x00], [0xff, 0xff, 0xff, 0x7f],
  [0x81, 0x80, 0x80, 0x80, 0x00], [0xff],
];

function mutateEvents(rng: Rng, tracks: Ev[][], h: Header, chunks: () => Chunk[]): { chunks: Chunk[]; how: string } {
  const ti = rng.int(tracks.length);
  const tr = tracks[ti];
  const ei = rng.int(Math.max(1, tr.length));
  const ev = tr[ei] ?? eot();
  switch (rng.int(16)) {
    case 0: tr.unshift({ delta: 0, data: [rng.intIn(0, 127), 64] }); return { chunks: chunks(), how: 'running status first' };
    case 1: ev.delta = rng.pick(BAD_DELTAS); return { chunks: chunks(), how: 'huge delta' };
    case 2: { tr.push({ delta: rng.pick(BAD_DELTAS), data: [] }); return { chunks: chunks(), how: 'unterminated delta at end' }; }
    case 3: tr.splice(ei, 0, { delta: rng.int(10), data: [0x90 | rng.int(16), rng.intIn(0x80, 0xff), rng.intIn(0, 0xff)] }); return { chunks: chunks(), how: 'data byte > 127' };
    case 4: tracks[ti] = []; return { chunks: chunks(), how: 'zero-length track' };
    case 5: { const i = tr.findIndex((e) => e.data[0] === 0xff && e.data[1] === 0x2f); if (i >= 0) tr.splice(i, rng.bernoulli(0.5) ? 1 : 0, ...(rng.bernoulli(0.5) ? [] : [{ delta: 5, data: [0x90, 60, 70] }])); return { chunks: chunks(), how: 'end of track moved' }; }
    case 6: {
      const meta = rng.pick<number[]>([[0xff, 0x51, 0x02, 1, 2], [0xff, 0x51, 0x04, 1, 2, 3, 4], [0xff, 0x2f, 0x01, 0], [0xff, 0x58, 0x03, 4, 2, 24], [0xff, 0x00, 0x00],
        [0xff, 0x20, 0x02, 0, 0], [0xff, 0x21, 0x00], [0xff, 0x54, 0x04, 0, 0, 0, 0], [0xff, 0x59, 0x01, 0], [0xff, 0x01, 0x8f, 0xff, 0xff, 0x7f, 0x41],
        [0xff, 0x05, 0xff, 0xff, 0xff, 0xff, 0x7f], [0xf0, 0x8f, 0xff, 0xff, 0x7f], [0xf7, 0x85, 0x00], [0xff, 0x03]]);
      tr.splice(ei, 0, { delta: 0, data: meta });
      return { chunks: chunks(), how: 'meta of wrong length' };
    }
    case 7: tr.splice(ei, 0, { delta: 0, data: [rng.intIn(0xf1, 0xfe), ...Array.from({ length: rng.int(3) }, () => rng.int(128))] }); return { chunks: chunks(), how: 'system status byte' };
    case 8: tr.splice(ei, 0, { delta: 0, data: [0x90, rng.pick([0, 20, 109, 127]), 80] }); return { chunks: chunks(), how: 'note out of range' };
    case 9: for (const e of tr) if ((e.data[0] & 0xe0) === 0x80) e.data[0] = (e.data[0] & 0xf0) | 9; return { chunks: chunks(), how: 'drums only' };
    case 10: tr.splice(ei, 0, ...Array.from({ length: rng.intIn(1, 20) }, () => ({ delta: rng.int(100), data: [rng.bernoulli(0.5) ? 0x80 : 0x90, rng.intIn(21, 108), rng.bernoulli(0.5) ? 0 : 64] }))); return { chunks: chunks(), how: 'unpaired notes' };
    case 11: {
      const c = chunks();
      c.splice(rng.int(c.length + 1), 0, { id: rng.pick(['XFIH', 'MThd', 'MTrK', '\0\0\0\0', 'RIFF']), body: Uint8Array.from({ length: rng.int(12) }, () => rng.int(256)) });
      return { chunks: c, how: 'foreign chunk' };
    }
    case 12: {
      h.format = rng.pick([0, 1, 2, 3, 0xffff]);
      if (rng.bernoulli(0.5)) h.ntrks = rng.pick([0, tracks.length + 1, 0xffff]);
      return { chunks: chunks(), how: `header format ${h.format} ntrks ${h.ntrks}` };
    }
    case 13: h.division = rng.pick([0, 1, 0x7fff, 0x8000, 0xe250, 0xe728, 0xffff, 3]); return { chunks: chunks(), how: `division ${h.division}` };
    case 14: {
      const len = rng.pick([0, 5, 6, 7, 18, 0xffffffff, 0x7fffffff]);
      h.len = len;
      if (len > 6 && len < 100) h.extra = Array.from({ length: len - 6 }, () => rng.int(256));
      return { chunks: chunks(), how: `MThd length ${len}` };
    }
    default: { // a note whose release is past the frame limit
      tr.splice(ei, 0, { delta: 0, data: [0x90, 60, 90] }, { delta: rng.pick([0x0fffffff, 12_000_000, 24_000_000, 50_000_001]), data: [0x80, 60, 0] });
      return { chunks: chunks(), how: 'very long note' };
    }
  }
}

function structured(rng: Rng, _scale: Scale): Generated {
  const { h, tracks } = rawFile(rng);
  let chunks = toChunks(tracks);
  const hows: string[] = [];
  for (let i = 0, n = rng.intIn(1, 3); i < n; i++) {
    const m = mutateEvents(rng, tracks, h, () => toChunks(tracks));
    chunks = m.chunks;
    hows.push(m.how);
  }
  return { bytes: smf(h, chunks), how: `structured(${hows.join(', ')})` };
}

/** One track: `n` note-ons of one key, then `n` note-offs (running status). */
function sameKeyTrack(n: number): Uint8Array {
  const w = new ByteWriter();
  w.bytes([0, 0x90, 60, 90]);
  for (let i = 1; i < n; i++) w.bytes([0, 60, 90]);
  w.bytes([1, 0x80, 60, 0]);
  for (let i = 1; i < n; i++) w.bytes([0, 60, 0]);
  w.bytes([0, 0xff, 0x2f, 0x00]);
  return w.toBytes();
}

/** `n` notes struck at tick 0 and held until tick `end` (the end of the track). */
function heldTrack(n: number, end: number, distinct: boolean): Uint8Array {
  const w = new ByteWriter();
  w.bytes([0, 0x90, 21, 90]);
  for (let i = 1; i < n; i++) w.bytes([0, distinct ? 21 + (i % 88) : 21, 90]);
  w.vlq(end).bytes([0xff, 0x2f, 0x00]);
  return w.toBytes();
}

function hostile(rng: Rng, scale: Scale): Generated {
  const tpb = 480; // q = 240 ticks a frame at 2 steps per quarter
  switch (rng.int(7)) {
    case 0: {
      const n = sized(scale, rng.intIn(100, 2000), rng.pick([10_000, 100_000, 250_000]));
      return { bytes: cached(`mi0-${n}`, () => smf({ format: 0, division: tpb }, [{ id: 'MTrk', body: sameKeyTrack(n) }])), how: `hostile(${n} note-ons of one key, then their note-offs)` };
    }
    case 1: {
      const frames = rng.pick([1000, 10_000, 99_999, 100_000, 100_001]);
      const n = sized(scale, rng.intIn(1, 20), rng.pick([1000, 10_000, 100_000]));
      const distinct = rng.bernoulli(0.5);
      const f = sized(scale, Math.min(frames, 10_000), frames);
      return { bytes: cached(`mi1-${n}-${f}-${distinct}`, () => smf({ format: 0, division: tpb }, [{ id: 'MTrk', body: heldTrack(n, f * 240, distinct) }])), how: `hostile(${n} notes held for ${f} frames${distinct ? '' : ', one key'})` };
    }
    case 2: {
      const n = sized(scale, rng.intIn(100, 2000), 65535);
      const body = trackBody([eot()]);
      return { bytes: cached(`mi2-${n}`, () => smf({ format: 1, division: tpb, ntrks: n }, Array.from({ length: n }, () => ({ id: 'MTrk', body })))), how: `hostile(${n} tracks)` };
    }
    case 3: {
      const n = sized(scale, rng.intIn(1000, 10_000), rng.pick([1_000_000, 1_500_000, 5_000_000]));
      return {
        bytes: cached(`mi3-${n}`, () => {
          const w = new ByteWriter();
          w.bytes([0, 0xb0, 7, 100]);
          for (let i = 1; i < n; i++) w.bytes([0, 7, i & 0x7f]);
          w.bytes([0, 0x90, 60, 90, 1, 60, 0, 0, 0xff, 0x2f, 0]);
          return smf({ format: 0, division: tpb }, [{ id: 'MTrk', body: w.toBytes() }]);
        }),
        how: `hostile(${n} controller events)`,
      };
    }
    case 4: {
      const n = sized(scale, rng.intIn(10, 200), rng.pick([2000, 16 * 128 * 8]));
      return {
        bytes: cached(`mi4-${n}`, () => {
          const notes: [number, number, number, number][] = [];
          for (let i = 0; i < n; i++) notes.push([21 + (i % 88), (i % 500) * 240, (i % 500) * 240 + 240 * (1 + (i % 7)), i % 16]);
          return smf({ format: 0, division: tpb }, [{ id: 'MTrk', body: trackBody(noteTrack(notes, { running: true, vel0: true })) }]);
        }),
        how: `hostile(${n} overlapping notes on 16 channels)`,
      };
    }
    case 5: {
      const n = sized(scale, rng.intIn(1000, 100_000), rng.pick([1_000_000, 8_000_000]));
      return {
        bytes: cached(`mi5-${n}`, () => {
          const w = new ByteWriter();
          w.bytes([0, 0xff, 0x01]).vlq(n);
          w.bytes(new Uint8Array(n).fill(0x41));
          w.bytes([0, 0x90, 60, 90, 1, 60, 0, 0, 0xff, 0x2f, 0]);
          return smf({ format: 0, division: tpb }, [{ id: 'MTrk', body: w.toBytes() }]);
        }),
        how: `hostile(a text event of ${n} bytes)`,
      };
    }
    default: {
      // many tracks, each with one note held to a late end
      const tracks = sized(scale, rng.intIn(2, 50), rng.pick([100, 1000, 10_000]));
      const f = sized(scale, 2000, rng.pick([10_000, 99_999]));
      const body = heldTrack(1, f * 240, false);
      return { bytes: cached(`mi6-${tracks}-${f}`, () => smf({ format: 1, division: tpb }, Array.from({ length: tracks }, () => ({ id: 'MTrk', body })))), how: `hostile(${tracks} tracks each holding a note for ${f} frames)` };
    }
  }
}

/** The header fields and every chunk's length field. */
function fields(b: Uint8Array): Field[] {
  const out: Field[] = [
    { at: 4, width: 4, le: false, name: 'MThd length' }, { at: 8, width: 2, le: false, name: 'format' },
    { at: 10, width: 2, le: false, name: 'ntrks' }, { at: 12, width: 2, le: false, name: 'division' },
  ];
  let at = 0;
  for (let k = 0; k < 64 && at + 8 <= b.length; k++) {
    if (k > 0) out.push({ at: at + 4, width: 4, le: false, name: `chunk ${k} length` });
    at += 8 + readU32be(b, at + 4);
  }
  return out;
}

export const midiGen: FormatGen = { valid, structured, hostile, fields, magic: ascii('MThd\0\0\0\x06\0\x01\0\x01\x01\xe0MTrk') };
