// Sampling (generate/sample.ts, the heads' draws), piano rolls to MIDI (data/midi-write.ts) and
// their SVG picture (report/pianoroll-svg.ts). The draws are checked against the model's own
// batch forward over the sampled rows: each generated row must be what the seeded uniforms
// give under the probabilities that forward computes after reading the rows before it.
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createModel, saveModel } from '../bindings/node.js';
import { main } from '../bindings/cli/main.js';
import type { Model } from '../bindings/model/model.js';
import { Rng } from '../bindings/data/rng.js';
import { syntheticMusic } from '../bindings/data/synthetic.js';
import { midiToNoteSequence, parseMidiBytes } from '../bindings/data/midi.js';
import { noteSequenceToMidi } from '../bindings/data/midi-write.js';
import { pianoRollSvg } from '../bindings/report/pianoroll-svg.js';
import { framesToNotes, type NoteSequence } from '../bindings/data/pianoroll.js';
import { ConfigError, ShapeError, ValueError } from '../bindings/errors.js';

const PIANO = { inputSize: 88, head: { type: 'bernoulli', size: 88 } } as const;

/** The batch-1 forward's output rows for x = values[0 .. n−1] (n rows of width I). */
function forwardOutputs(m: Model, x: Float32Array, n: number, yWidth: number, yType: 'f32' | 'i32'): Float32Array {
  const y = yType === 'f32' ? new Float32Array(n * yWidth) : new Int32Array(n);
  return m.forward({ T: n, B: 1, x: x.slice(0, n * m.config.inputSize), y }).outputs;
}

describe('model.sample on a piano-roll model', () => {
  let m: Model;
  const piece = syntheticMusic({ seed: 4, train: 1, valid: 1, test: 1 }).train[0];
  beforeAll(async () => {
    m = await createModel({ unit: 'gru', hiddenSize: 24, seed: 7, ...PIANO });
  });

  it('is reproducible from the seed and differs between seeds', () => {
    const a = m.sample({ frames: 40, seed: 3 }), b = m.sample({ frames: 40, seed: 3 }), c = m.sample({ frames: 40, seed: 4 });
    expect(a.values).toEqual(b.values);
    expect(a.values).not.toEqual(c.values);
    expect(a.frames).toBe(40);
    expect(a.primerFrames).toBe(0);
    expect(a.width).toBe(88);
    expect(a.values.length).toBe(40 * 88);
    expect([...a.values].every((v) => v === 0 || v === 1)).toBe(true);
    expect(a.notes).toEqual(framesToNotes(a.values as Float32Array));
  });

  it('draws each row from the distribution after the rows before it (checked against forward)', () => {
    const primer = piece.slice(0, 12);
    const r = m.sample({ frames: 30, seed: 11, primer });
    expect(r.primerFrames).toBe(12);
    expect(r.notes!.slice(0, 12)).toEqual(primer);
    const n = r.primerFrames + r.frames, v = r.values as Float32Array;
    // outputs row t predicts row t + 1
    const p = forwardOutputs(m, v, n - 1, 88, 'f32');
    const rng = new Rng(11);
    let checked = 0;
    for (let k = 0; k < r.frames; k++) {
      const row = r.primerFrames + k;
      for (let u = 0; u < 88; u++) {
        const draw = rng.uniform(), prob = p[(row - 1) * 88 + u];
        if (Math.abs(draw - prob) < 1e-5) continue; // a float-rounding tie: either is right
        expect(v[row * 88 + u], `row ${row} unit ${u}`).toBe(draw < prob ? 1 : 0);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(30 * 88 - 5);
  });

  it('a NoteSequence primer and the same frames as numbers give the same sample', () => {
    const primer = piece.slice(0, 8);
    const a = m.sample({ frames: 16, seed: 2, primer });
    const flat = new Float32Array(8 * 88);
    primer.forEach((step, t) => step.forEach((n) => { flat[t * 88 + n - 21] = 1; }));
    expect(m.sample({ frames: 16, seed: 2, primer: flat }).values).toEqual(a.values);
  });

  it('temperature sharpens and flattens; maxNotes caps the polyphony', async () => {
    const loud = await createModel({ unit: 'tanh', hiddenSize: 8, seed: 1, ...PIANO });
    loud.setParam('head.bias', new Float32Array(88).fill(0.4)); // p ≈ 0.6 for every note
    const count = (r: { values: ArrayLike<number> }) => [...r.values].reduce((s, x) => s + x, 0);
    const cold = count(loud.sample({ frames: 50, seed: 5, temperature: 0.05 }));
    const warm = count(loud.sample({ frames: 50, seed: 5 }));
    const hot = count(loud.sample({ frames: 50, seed: 5, temperature: 20 }));
    expect(cold).toBeGreaterThan(warm);
    expect(warm).toBeGreaterThan(hot);
    const capped = loud.sample({ frames: 30, seed: 5, maxNotes: 3 });
    for (const step of capped.notes!) expect(step.length).toBeLessThanOrEqual(3);
    expect(capped.notes!.filter((s) => s.length === 3).length).toBeGreaterThan(25);
  });

  it('refuses bad options with typed errors', () => {
    expect(() => m.sample({ frames: 0 })).toThrow(ConfigError);
    expect(() => m.sample({ frames: 1.5 })).toThrow(ConfigError);
    expect(() => m.sample({ frames: 5, temperature: 0 })).toThrow(/temperature/);
    expect(() => m.sample({ frames: 5, temperature: Number.NaN })).toThrow(ConfigError);
    expect(() => m.sample({ frames: 5, maxNotes: 0 })).toThrow(/maxNotes/);
    expect(() => m.sample({ frames: 5, primer: new Float32Array(87) })).toThrow(ShapeError);
    expect(() => m.sample({ frames: 5, primer: [[20]] })).toThrow(ValueError);
    expect(() => m.sample({ frames: 5, primer: new Float32Array(88).fill(Number.NaN) })).toThrow(ValueError);
  });
});

describe('model.sample with the other heads', () => {
  it('softmax: feeds each class back one-hot, checked against forward', async () => {
    const m = await createModel({ unit: 'lstm', hiddenSize: 10, inputSize: 5, head: { type: 'softmax', size: 5 }, seed: 2 });
    const r = m.sample({ frames: 25, seed: 9, primer: [1, 4, 2] });
    expect(r.values).toBeInstanceOf(Int32Array);
    expect([...r.values.slice(0, 3)]).toEqual([1, 4, 2]);
    const n = r.values.length, x = new Float32Array(n * 5);
    for (let t = 0; t < n; t++) x[t * 5 + r.values[t]] = 1;
    const p = forwardOutputs(m, x, n - 1, 1, 'i32'), rng = new Rng(9);
    for (let t = 3; t < n; t++) {
      let u = rng.uniform(), c = 0;
      for (; c < 4; c++) { u -= p[(t - 1) * 5 + c]; if (u < 0) break; }
      if (Math.abs(u) > 1e-5) expect(r.values[t], `step ${t}`).toBe(c);
    }
    expect(() => m.sample({ frames: 3, primer: [5] })).toThrow(/class index in 0\.\.4/);
    expect(() => m.sample({ frames: 3, maxNotes: 2 })).toThrow(/Bernoulli/);
    // a cold softmax picks the most probable class; without a primer it starts from class 0
    m.setParam('head.bias', [0, 0.3, -0.2, 0.1, 0.25]); // keeps the classes apart (untrained ≈ uniform)
    const cold = m.sample({ frames: 10, seed: 1, temperature: 1e-3 }), L = cold.values.length;
    const px = new Float32Array((L + 1) * 5);
    px[0] = 1;
    for (let t = 0; t < L; t++) px[(t + 1) * 5 + cold.values[t]] = 1;
    const pc = forwardOutputs(m, px, L, 1, 'i32');
    for (let t = 0; t < L; t++) {
      const row = [...pc.slice(t * 5, (t + 1) * 5)];
      expect(cold.values[t]).toBe(row.indexOf(Math.max(...row)));
    }
  });

  it('mog: a model that reads its own rows samples real values; a mismatch is a ConfigError', async () => {
    const m = await createModel({ unit: 'tanh', hiddenSize: 6, inputSize: 3, head: { type: 'mog', components: 2, size: 3 }, seed: 4 });
    const r = m.sample({ frames: 20, seed: 1 });
    expect(r.values).toBeInstanceOf(Float32Array);
    expect(r.values.length).toBe(60);
    expect([...r.values].every(Number.isFinite)).toBe(true);
    expect(m.sample({ frames: 20, seed: 1 }).values).toEqual(r.values);
    const odd = await createModel({ unit: 'gru', hiddenSize: 6, inputSize: 4, head: { type: 'bernoulli', size: 3 }, seed: 1 });
    expect(() => odd.sample({ frames: 2 })).toThrow(/reads 4 values a step but its bernoulli head draws 3 values/);
  });
});

describe('piano rolls to MIDI and back', () => {
  const pieces = syntheticMusic({ seed: 8, train: 6, valid: 1, test: 1 }).train;
  const trimmed = (s: NoteSequence) => { let e = s.length; while (e > 1 && s[e - 1].length === 0) e--; return s.slice(0, e); };

  it('our MIDI reader returns the written roll, at several grids', () => {
    for (const [i, piece] of pieces.entries()) {
      const spq = [1, 2, 3, 4, 2, 12][i];
      const bytes = noteSequenceToMidi(piece, { stepsPerQuarter: spq });
      expect(midiToNoteSequence(bytes, 'written', { stepsPerQuarter: spq })).toEqual(trimmed(piece));
    }
  });

  it('held notes, repeated chords and notes that end and start on one boundary survive', () => {
    const roll: NoteSequence = [[60], [60, 64], [64], [], [21, 108], [21, 108], [67], [60], [60]];
    expect(midiToNoteSequence(noteSequenceToMidi(roll), 'r')).toEqual(roll);
    const midi = parseMidiBytes(noteSequenceToMidi(roll));
    const ons = midi.tracks[0].filter((e) => e.type === 'noteOn');
    expect(ons.length).toBe(6); // one per run, not per frame: 60, 64, 21, 108, 67, then 60 once for frames 7–8
  });

  it('writes the tempo, the program and the velocity asked for', () => {
    const roll = pieces[0];
    const events = (o: Parameters<typeof noteSequenceToMidi>[1]) => parseMidiBytes(noteSequenceToMidi(roll, o)).tracks[0];
    const tempo = (o: Parameters<typeof noteSequenceToMidi>[1]) => (events(o).find((e) => e.type === 'setTempo') as { microsecondsPerBeat: number }).microsecondsPerBeat;
    expect(tempo({})).toBe(500_000);
    expect(tempo({ bpm: 90 })).toBe(666_667);
    expect(tempo({ frameSeconds: 0.125, stepsPerQuarter: 4 })).toBe(500_000);
    const ev = events({ program: 40, velocity: 100, name: 'sample <1>' });
    expect(ev.find((e) => e.type === 'programChange')).toMatchObject({ programNumber: 40 });
    expect(ev.filter((e) => e.type === 'noteOn').every((e) => (e as { velocity: number }).velocity === 100)).toBe(true);
    expect(ev.find((e) => e.type === 'trackName')).toMatchObject({ text: 'sample <1>' });
    expect(() => noteSequenceToMidi(roll, { bpm: 0 })).toThrow(ConfigError);
    expect(() => noteSequenceToMidi(roll, { velocity: 0 })).toThrow(/velocity/);
    expect(() => noteSequenceToMidi([[60, 59]])).toThrow(ValueError);
  });

  it('draws one bar per note run, split in two colours', () => {
    const roll: NoteSequence = [[60], [60, 64], [64], [], [67], [67]];
    const svg = pianoRollSvg(roll, { title: 'a & b', splitAt: 4 });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('a &amp; b');
    const groups = [...svg.matchAll(/<g fill="#[0-9a-f]+">(.*?)<\/g>/g)].map((g) => (g[1].match(/<rect/g) ?? []).length);
    expect(groups).toEqual([2, 1]); // blue: 60 (2 frames), 64 (2 frames); red: 67
    expect(svg).toContain('>C4<');
  });
});

describe('gatedrnn sample for a music model', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatedrnn-sample-'));
  const file = join(dir, 'gru.safetensors');
  beforeAll(async () => {
    const m = await createModel({ unit: 'gru', hiddenSize: 16, seed: 5, ...PIANO });
    await saveModel(m, file);
  });

  it('writes a MIDI file our reader parses to the sampled roll, and its SVG', async () => {
    const mid = join(dir, 'piece.mid'), svg = join(dir, 'roll.svg');
    expect(await main(['sample', file, '--out', mid, '--svg', svg, '--frames', '40', '--seed', '4', '--primer-from', 'test:1', '--primer-frames', '8', '--bpm', '100'])).toBe(0);
    const m = await createModel({ unit: 'gru', hiddenSize: 16, seed: 5, ...PIANO });
    const piece = syntheticMusic().test[1].slice(0, 8);
    const want = m.sample({ frames: 40, seed: 4, primer: piece }).notes!;
    const got = midiToNoteSequence(readFileSync(mid), 'piece.mid');
    expect(got).toEqual(want.slice(0, got.length));
    expect(want.slice(got.length).every((s) => s.length === 0)).toBe(true); // only trailing silence is not in a MIDI file
    const tempo = parseMidiBytes(readFileSync(mid)).tracks[0].find((e) => e.type === 'setTempo') as { microsecondsPerBeat: number };
    expect(tempo.microsecondsPerBeat).toBe(600_000);
    expect(readFileSync(svg, 'utf8')).toMatch(/^<svg[\s\S]*<g fill="#d62728"><rect/);
  });

  it('primes from a MIDI file', async () => {
    const primer = join(dir, 'primer.mid'), out = join(dir, 'primed.mid');
    const roll: NoteSequence = [[48, 60], [48, 64], [48, 67], [50, 65]];
    writeFileSync(primer, noteSequenceToMidi(roll));
    expect(await main(['sample', file, '--out', out, '--primer', primer, '--frames', '10'])).toBe(0);
    expect(midiToNoteSequence(readFileSync(out), 'primed.mid').slice(0, 4)).toEqual(roll);
  });

  it('names bad arguments before any work and writes nothing', async () => {
    const out = join(dir, 'bad.mid');
    expect(await main(['sample', file, '--out', join(dir, 'x.mp3')])).toBe(1);
    expect(await main(['sample', file, '--out', join(dir, 'x.wav')])).toBe(1); // not a speech model
    expect(await main(['sample', file, '--out', join(dir, 'nope', 'x.mid')])).toBe(1);
    expect(await main(['sample', file, '--out', out, '--frames', '0'])).toBe(1);
    expect(await main(['sample', file, '--out', out, '--seconds', '2'])).toBe(1);
    expect(await main(['sample', file, '--out', out, '--temperature', '-1'])).toBe(1);
    expect(await main(['sample', file, '--out', out, '--bpm', '0'])).toBe(1);
    expect(await main(['sample', file, '--out', out, '--primer-from', 'test:9999'])).toBe(1);
    expect(await main(['sample', file, '--out', out, '--primer', join(dir, 'x.wav')])).toBe(1);
    expect(existsSync(out)).toBe(false);
    const softmax = join(dir, 'softmax.safetensors');
    await saveModel(await createModel({ unit: 'tanh', hiddenSize: 4, inputSize: 5, head: { type: 'softmax', size: 5 } }), softmax);
    expect(await main(['sample', softmax, '--out', out])).toBe(1);
  });
});
