// MIDI → piano roll: quantisation to eighth notes, note pairing, channels, tracks, validation
// of bad files, and the folder loader. Every MIDI file here is written by the test (midi-file's
// writer), so the expected frames follow from the events by hand.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeMidi, type MidiData, type MidiEvent } from 'midi-file';
import { midiToNoteSequence, parseMidiBytes } from '../bindings/data/midi.js';
import { loadMidiDataset, loadMidiFolder } from '../bindings/data/midi-node.js';
import { Batcher } from '../bindings/data/batcher.js';
import { loadMusic } from '../bindings/cli/main.js';
import { EmptyError, FormatError, NotFoundError, ValueError, ConfigError } from '../bindings/errors.js';

const TPB = 480; // ticks per quarter note; an eighth note is 240 ticks

/** A note as (MIDI number, start tick, end tick, channel). */
type N = [note: number, on: number, off: number, channel?: number];

/** One track of note-on/note-off events (sorted by tick), with delta times. */
function track(notes: N[], opts: { zeroVelocityOff?: boolean } = {}): MidiEvent[] {
  const evs: { tick: number; ev: MidiEvent }[] = [];
  for (const [note, on, off, ch = 0] of notes) {
    evs.push({ tick: on, ev: { deltaTime: 0, type: 'noteOn', channel: ch, noteNumber: note, velocity: 90 } as MidiEvent });
    evs.push({
      tick: off,
      ev: (opts.zeroVelocityOff
        ? { deltaTime: 0, type: 'noteOn', channel: ch, noteNumber: note, velocity: 0 }
        : { deltaTime: 0, type: 'noteOff', channel: ch, noteNumber: note, velocity: 0 }) as MidiEvent,
    });
  }
  // offs before ons at the same tick, so a repeated note closes before it reopens
  evs.sort((a, b) => a.tick - b.tick || (a.ev.type === 'noteOff' || (a.ev as { velocity: number }).velocity === 0 ? -1 : 1));
  let last = 0;
  const out: MidiEvent[] = [];
  for (const { tick, ev } of evs) { out.push({ ...ev, deltaTime: tick - last }); last = tick; }
  out.push({ deltaTime: 0, type: 'endOfTrack', meta: true } as MidiEvent);
  return out;
}

function midi(tracks: MidiEvent[][], ticksPerBeat = TPB): Uint8Array {
  const data: MidiData = { header: { format: tracks.length > 1 ? 1 : 0, numTracks: tracks.length, ticksPerBeat }, tracks };
  return Uint8Array.from(writeMidi(data));
}

describe('midiToNoteSequence', () => {
  it('quantises to one frame per eighth note, holding notes over their frames', () => {
    // C4 quarter at beat 0, E4 eighth at beat 1, G4+C5 half from beat 1.5
    const bytes = midi([track([[60, 0, 480], [64, 480, 720], [67, 720, 1680], [72, 720, 1680]])]);
    expect(midiToNoteSequence(bytes)).toEqual([[60], [60], [64], [67, 72], [67, 72], [67, 72], [67, 72]]);
  });

  it('snaps onsets and releases to the nearest frame and keeps every note at least one frame', () => {
    const seq = midiToNoteSequence(midi([track([
      [60, 100, 400], // 0.42 → frame 0, release 1.67 → 2: frames 0, 1
      [62, 130, 140], // onset 0.54 → frame 1, 10 ticks long: still one frame
      [64, 950, 1300], // 3.96 → 4, 5.42 → 5: frame 4
    ])]));
    expect(seq).toEqual([[60], [60, 62], [], [], [64]]);
  });

  it('treats a note-on with velocity 0 as a note-off and merges tracks (format 1)', () => {
    const a = track([[48, 0, 960]], { zeroVelocityOff: true });
    const b = track([[72, 480, 960, 1]]);
    expect(midiToNoteSequence(midi([a, b]))).toEqual([[48], [48], [48, 72], [48, 72]]);
  });

  it('pairs overlapping repeats of one note first-in first-out, and closes unreleased notes at the end of their track', () => {
    const evs: MidiEvent[] = [
      { deltaTime: 0, type: 'noteOn', channel: 0, noteNumber: 60, velocity: 80 },
      { deltaTime: 240, type: 'noteOn', channel: 0, noteNumber: 60, velocity: 80 },
      { deltaTime: 240, type: 'noteOff', channel: 0, noteNumber: 60, velocity: 0 }, // ends the first (frames 0–1)
      { deltaTime: 0, type: 'noteOn', channel: 0, noteNumber: 65, velocity: 80 }, // never released
      { deltaTime: 480, type: 'noteOff', channel: 0, noteNumber: 60, velocity: 0 }, // ends the second (frames 1–3)
      { deltaTime: 240, type: 'endOfTrack', meta: true },
    ] as MidiEvent[];
    expect(midiToNoteSequence(midi([evs]))).toEqual([[60], [60], [60, 65], [60, 65], [65]]);
  });

  it('skips the drum channel by default and can keep it', () => {
    const bytes = midi([track([[60, 0, 240], [38, 0, 480, 9]])]);
    expect(midiToNoteSequence(bytes)).toEqual([[60]]);
    expect(midiToNoteSequence(bytes, 'f', { skipDrums: false })).toEqual([[38, 60], [38]]);
    expect(() => midiToNoteSequence(midi([track([[38, 0, 240, 9]])]), 'drums.mid')).toThrow(EmptyError);
  });

  it('uses one frame per quarter note with stepsPerQuarter 1 (the JSB resolution)', () => {
    const bytes = midi([track([[60, 0, 960], [64, 960, 1200]])]);
    expect(midiToNoteSequence(bytes, 'f', { stepsPerQuarter: 1 })).toEqual([[60], [60], [64]]);
    expect(() => midiToNoteSequence(bytes, 'f', { stepsPerQuarter: 0 })).toThrow(ConfigError);
  });

  it('refuses notes outside 21..108 with the file, note and position, or drops them on request', () => {
    const bytes = midi([track([[60, 0, 240], [110, 240, 480]])]);
    expect(() => midiToNoteSequence(bytes, 'high.mid')).toThrow(ValueError);
    expect(() => midiToNoteSequence(bytes, 'high.mid')).toThrow(/high\.mid: note 110 at tick 240 .*21\.\.108/);
    expect(midiToNoteSequence(bytes, 'high.mid', { outOfRange: 'drop' })).toEqual([[60]]);
    expect(() => midiToNoteSequence(midi([track([[20, 0, 240]])]), 'low.mid', { outOfRange: 'drop' })).toThrow(EmptyError);
  });

  it('refuses a file without notes, a piece longer than the frame limit, and SMPTE time', () => {
    const empty = midi([[{ deltaTime: 0, type: 'endOfTrack', meta: true } as MidiEvent]]);
    expect(() => midiToNoteSequence(empty, 'empty.mid')).toThrow(EmptyError);
    expect(() => midiToNoteSequence(midi([track([[60, 0, 240 * 50]])]), 'long.mid', { maxFrames: 20 })).toThrow(/longer than 20 frames/);
    const smpte = midi([track([[60, 0, 240]])]);
    smpte[12] = 0xe7; smpte[13] = 40; // −25 fps, 40 ticks per frame
    expect(() => midiToNoteSequence(smpte, 'smpte.mid')).toThrow(/SMPTE/);
  });

  it('refuses bytes that are not a MIDI file, and truncated files', () => {
    const good = midi([track([[60, 0, 480], [64, 480, 960]])]);
    expect(() => parseMidiBytes(new TextEncoder().encode('RIFF....WAVEfmt '), 'x.mid')).toThrow(/not a MIDI file/);
    for (const cut of [10, 20, good.length - 3]) {
      expect(() => midiToNoteSequence(good.subarray(0, cut), 'cut.mid')).toThrow(FormatError);
    }
    const liar = good.slice();
    liar[11] = 3; // the header claims 3 tracks, the file has 1
    expect(() => parseMidiBytes(liar, 'liar.mid')).toThrow(/announces 3 track/);
    const junk = good.slice();
    junk[22] = 0xf4; // an undefined status byte inside the track
    expect(() => parseMidiBytes(junk, 'junk.mid')).toThrow(FormatError);
  });
});

describe('MIDI folders', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatedrnn-midi-'));
    const piece = (k: number) => midi([track([[60 + k, 0, 480], [64 + k, 480, 960], [67 + k, 960, 1440]])]);
    for (const [split, n] of [['train', 3], ['valid', 2], ['test', 2]] as const) {
      await mkdir(join(dir, 'set', split), { recursive: true });
      for (let i = 0; i < n; i++) await writeFile(join(dir, 'set', split, `piece${i}.mid`), piece(i));
      await writeFile(join(dir, 'set', split, 'notes.txt'), 'not a MIDI file, ignored');
    }
    await mkdir(join(dir, 'nosplit', 'train'), { recursive: true });
    await mkdir(join(dir, 'nomidi'), { recursive: true });
    await writeFile(join(dir, 'nomidi', 'readme.txt'), 'x');
  });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  it('loads train/valid/test in name order as a validated data set that batches', async () => {
    const ds = await loadMidiDataset(join(dir, 'set'));
    expect([ds.train.length, ds.valid.length, ds.test.length]).toEqual([3, 2, 2]);
    expect(ds.train[1]).toEqual([[61], [61], [65], [65], [68], [68]]);
    const b = Batcher.fromNotes(ds.train, { batchSize: 2, shuffle: false });
    expect(b.predictedFrames).toBe(15);
  });

  it('is reachable as the "midi" data set of the CLI (folder from --data)', async () => {
    const ds = await loadMusic('midi', join(dir, 'set'));
    expect(ds.valid).toHaveLength(2);
  });

  it('says which folder is missing or empty', async () => {
    await expect(loadMidiDataset(join(dir, 'nosplit'))).rejects.toThrow(EmptyError);
    await expect(loadMidiDataset(join(dir, 'absent'))).rejects.toThrow(NotFoundError);
    await expect(loadMidiDataset(join(dir, 'absent'))).rejects.toThrow(/subfolder train\/ is missing/);
    await expect(loadMidiFolder(join(dir, 'nomidi'))).rejects.toThrow(/no \.mid or \.midi files/);
  });

  it('names the bad file when one piece is invalid', async () => {
    await mkdir(join(dir, 'bad', 'train'), { recursive: true });
    await writeFile(join(dir, 'bad', 'train', 'a.mid'), midi([track([[60, 0, 480]])]));
    await writeFile(join(dir, 'bad', 'train', 'b.mid'), midi([track([[10, 0, 480]])]));
    await expect(loadMidiFolder(join(dir, 'bad', 'train'))).rejects.toThrow(/b\.mid: note 10/);
  });
});
