// Hostile inputs (issue 11, "budgets before parsing"): each builds, in the test, a small input
// that used to hang gatedrnn, exhaust its memory or surface a raw engine error, and checks that
// it is refused with a typed error (class, code, a message that names the problem) in well
// under a second of CPU time and without using much memory. The time bound is a bound on a
// hang, not a benchmark: the correct behaviour is milliseconds. It is CPU time (this process's
// user + system), so that other work on a loaded machine does not count; the wall clock gets a
// looser bound, HANG_BOUND_MS. Memory: the growth of the peak RSS (and of
// the RSS) across the call, in MiB, below MEMORY_BOUND_MIB.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createModel, loadModel } from '../bindings/node.js';
import { decodeSafetensors, encodeSafetensors } from '../bindings/io/safetensors.js';
import { parseModelFile } from '../bindings/model/file.js';
import { decodePickle } from '../bindings/io/pickle.js';
import { loadPianoRollDataset, loadPianoRollPickle } from '../bindings/data/load-node.js';
import { midiToNoteSequence, parseMidiBytes } from '../bindings/data/midi.js';
import { readFileLimited } from '../bindings/io/file-node.js';
import { ConfigError, FormatError, LimitError, MemoryError, ValueError, type GatedRnnError } from '../bindings/errors.js';
import { JSON_LIMITS, MIDI_LIMITS, PIANO_ROLL_LIMITS, PICKLE_LIMITS, SAFETENSORS_LIMITS } from '../bindings/io/limits.js';

const TIME_BOUND_MS = 1000;
const HANG_BOUND_MS = 10_000;
const MEMORY_BOUND_MIB = 200;

interface Outcome { err: unknown; ms: number; wallMs: number; mib: number }

/** Runs `fn`, expecting it to throw; the time it took and how much the process grew. */
async function attempt(fn: () => unknown): Promise<Outcome> {
  const rss0 = process.memoryUsage().rss, peak0 = process.resourceUsage().maxRSS; // maxRSS: KiB
  const t0 = performance.now(), cpu0 = process.cpuUsage();
  let err: unknown;
  try { await fn(); } catch (e) { err = e; }
  const cpu = process.cpuUsage(cpu0), wallMs = performance.now() - t0;
  const grew = Math.max(process.memoryUsage().rss - rss0, (process.resourceUsage().maxRSS - peak0) * 1024);
  return { err, ms: (cpu.user + cpu.system) / 1000, wallMs, mib: grew / 2 ** 20 };
}

const figures: string[] = [];

/** The outcome is a refusal of class `cls` and code `code` naming the problem, fast and small. */
async function refused(name: string, fn: () => unknown, cls: abstract new (...a: never[]) => GatedRnnError, code: string, message: RegExp): Promise<Outcome> {
  const r = await attempt(fn);
  figures.push(`${name}: ${r.ms.toFixed(1)} ms, +${r.mib.toFixed(1)} MiB`);
  expect(r.err, `${name}: expected ${cls.name}, got ${String(r.err)}`).toBeInstanceOf(cls);
  expect((r.err as GatedRnnError).code).toBe(code);
  expect((r.err as Error).message).toMatch(message);
  expect(r.ms, `${name} took ${r.ms.toFixed(0)} ms of CPU`).toBeLessThan(TIME_BOUND_MS);
  expect(r.wallMs, `${name} took ${r.wallMs.toFixed(0)} ms`).toBeLessThan(HANG_BOUND_MS);
  expect(r.mib, `${name} grew the process by ${r.mib.toFixed(0)} MiB`).toBeLessThan(MEMORY_BOUND_MIB);
  return r;
}

afterAll(() => { console.log(`[hostile] time and memory of each refusal:\n  ${figures.join('\n  ')}`); });

const enc = (s: string) => new TextEncoder().encode(s);

/** A safetensors file: the u64 header length, the header text, then `data`. */
function safetensors(header: string, data = new Uint8Array(0)): Uint8Array {
  const h = enc(header), out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setUint32(0, h.length, true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

describe('safetensors headers are counted while they are parsed', () => {
  it('a header of a million tiny objects (12 MB, within the 100 MB header limit) is refused after maxTensors entries', async () => {
    const parts: string[] = [];
    for (let i = 0; i < 1_000_000; i++) parts.push(`"t${i}":{}`);
    const bytes = safetensors(`{${parts.join(',')}}`);
    expect(bytes.length).toBeLessThan(SAFETENSORS_LIMITS.maxHeaderBytes);
    const r = await refused('safetensors: 1e6 tiny entries', () => decodeSafetensors(bytes), LimitError, 'E_FORMAT', /more than 10000 tensors \(the limit maxTensors/);
    expect(r.err).toBeInstanceOf(FormatError);
    expect((r.err as LimitError).limit).toBe('maxTensors');
  });

  it('one entry whose shape holds a million empty objects is refused at the array of maxRank + 1 elements', async () => {
    const bytes = safetensors(`{"w":{"dtype":"F32","shape":[${'{},'.repeat(999_999)}{}],"data_offsets":[0,0]}}`);
    await refused('safetensors: shape of 1e6 objects', () => decodeSafetensors(bytes), LimitError, 'E_FORMAT', /more than 17 elements in one array \(a shape has at most maxRank dimensions\) \(the limit maxRank/);
  });

  it('one entry of a million keys is refused when the values a valid header can hold run out', async () => {
    const keys: string[] = [];
    for (let i = 0; i < 1_000_000; i++) keys.push(`"k${i}":0`);
    const bytes = safetensors(`{"w":{${keys.join(',')}}}`);
    await refused('safetensors: entry of 1e6 keys', () => decodeSafetensors(bytes), LimitError, 'E_FORMAT', /more than 262028 values \(object keys included\) \(the limit maxTensors/);
  });

  it('a model file is read with the tighter model-file limits', async () => {
    const parts: string[] = [];
    for (let i = 0; i < 2000; i++) parts.push(`"t${i}":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`);
    await refused('model file: 2000 tensors', () => parseModelFile(safetensors(`{${parts.join(',')}}`)), LimitError, 'E_FORMAT', /more than 322 tensors/);
  });
});

describe('piano-roll data sets: the content is budgeted while it is decompressed and parsed', () => {
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'gatedrnn-hostile-')); });
  afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

  /** A json.gz of `head`, `chunk` × copies and `tail`, as concatenated gzip members (each
   *  compressed once), which is how a few hundred kB can expand to tens of megabytes. */
  function bomb(name: string, head: string, chunk: string, copies: number, tail: string): number {
    const c = gzipSync(chunk, { level: 9 });
    const members = [gzipSync(head), ...new Array(copies).fill(c), gzipSync(tail)];
    const gz = Buffer.concat(members);
    writeFileSync(join(dir, `${name}.json.gz`), gz);
    return gz.length;
  }
  const tail = ']],"valid":[[[60]]],"test":[[[60]]]}';

  it('empty steps: 200 kB expanding to 90 MB (30 million steps) stops at maxSteps, a few MB into the decompression', async () => {
    const size = bomb('jsb-chorales', '{"train":[[', '[],'.repeat(300_000), 100, '[]' + tail);
    expect(size).toBeLessThan(400_000);
    await refused('json.gz: 3e7 empty steps', () => loadPianoRollDataset(dir, 'jsb'), LimitError, 'E_FORMAT', /jsb-chorales\.json\.gz: more than 4000000 time steps in total \(the limit maxSteps/);
  });

  it('tiny steps: 88-note steps stop at maxNotes', async () => {
    const full = `[${Array.from({ length: 88 }, (_, k) => 21 + k).join(',')}],`;
    bomb('nottingham', '{"train":[[', full.repeat(2_000), 100, '[60]' + tail); // 17.6 M notes
    await refused('json.gz: 1.8e7 notes', () => loadPianoRollDataset(dir, 'nottingham'), LimitError, 'E_FORMAT', /more than 16000000 notes in total \(the limit maxNotes/);
  });

  it('tiny sequences stop at maxSequences', async () => {
    bomb('musedata', '{"train":[', '[[]],'.repeat(20_000), 10, '[[60]]' + tail.slice(1));
    await refused('json.gz: 2e5 sequences', () => loadPianoRollDataset(dir, 'musedata'), LimitError, 'E_FORMAT', /more than 100000 sequences in total \(the limit maxSequences/);
  });

  it('the limits are options', async () => {
    writeFileSync(join(dir, 'piano-midi.json.gz'), gzipSync(JSON.stringify({ train: [[[60], [62], [64]]], valid: [[[60]]], test: [[[60]]] })));
    await expect(loadPianoRollDataset(dir, 'piano-midi')).resolves.toBeTruthy();
    await refused('json.gz: maxSteps 4', () => loadPianoRollDataset(dir, 'piano-midi', { maxSteps: 4 }), LimitError, 'E_FORMAT', /more than 4 time steps/);
    await expect(loadPianoRollDataset(dir, 'piano-midi', { maxSteps: 0 })).rejects.toThrow(ConfigError);
  });

  it('a duplicate "train" key is refused, not silently dropped', async () => {
    writeFileSync(join(dir, 'piano-midi.json.gz'), gzipSync('{"train":[[[60]]],"valid":[[[60]]],"test":[[[60]]],"train":[[[61]]]}'));
    await refused('json.gz: duplicate train', () => loadPianoRollDataset(dir, 'piano-midi'), FormatError, 'E_FORMAT', /duplicate key "train"/);
  });
});

// --- pickles

/** Pickle opcodes used below. */
const P = { PROTO: 0x80, EMPTY_DICT: 0x7d, EMPTY_LIST: 0x5d, MARK: 0x28, APPENDS: 0x65, SETITEMS: 0x75, BINPUT: 0x71, BINGET: 0x68, BININT1: 0x4b, POP: 0x30, STOP: 0x2e, SHORT_BINUNICODE: 0x8c };
const str = (s: string) => [P.SHORT_BINUNICODE, s.length, ...enc(s)];

/** {train, valid, test} each the same split of `seqs` references to one sequence of `steps`
 *  references to one 88-note step: 3·seqs·steps steps, 88 times that many notes, from a few
 *  bytes per reference. */
function memoBomb(seqs: number, steps: number): Uint8Array {
  const b: number[] = [P.PROTO, 2, P.EMPTY_DICT];
  b.push(P.EMPTY_LIST, P.BINPUT, 1, P.MARK);
  for (let n = 21; n <= 108; n++) b.push(P.BININT1, n);
  b.push(P.APPENDS, P.POP); // memo 1: the step
  b.push(P.EMPTY_LIST, P.BINPUT, 2, P.MARK);
  for (let t = 0; t < steps; t++) b.push(P.BINGET, 1);
  b.push(P.APPENDS, P.POP); // memo 2: the sequence
  b.push(P.EMPTY_LIST, P.BINPUT, 3, P.MARK);
  for (let s = 0; s < seqs; s++) b.push(P.BINGET, 2);
  b.push(P.APPENDS, P.POP); // memo 3: the split
  b.push(P.MARK, ...str('train'), P.BINGET, 3, ...str('valid'), P.BINGET, 3, ...str('test'), P.BINGET, 3, P.SETITEMS, P.STOP);
  return Uint8Array.from(b);
}

describe('pickles: shared references count, text numbers are refused by length', () => {
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'gatedrnn-hostile-')); });
  afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

  it('a 40 kB pickle whose memo describes 3·10⁸ steps and 2.6·10¹⁰ notes is refused before anything walks it', async () => {
    const bytes = memoBomb(10_000, 10_000);
    expect(bytes.length).toBeLessThan(50_000);
    const path = join(dir, 'memo.pickle');
    writeFileSync(path, bytes);
    const r = await refused('pickle: memo bomb (data set)', () => loadPianoRollPickle(path, 'memo'), LimitError, 'E_FORMAT', /describes more than \d+ values .*memo hands out n times counts n times/);
    expect((r.err as Error).message).toContain(path);
    await refused('pickle: memo bomb (decodePickle)', () => decodePickle(bytes), LimitError, 'E_FORMAT', /more than 10000000 values described/);
  });

  it('a small memo-shared data set within the limits still loads', async () => {
    const path = join(dir, 'small.pickle');
    writeFileSync(path, memoBomb(3, 5));
    const ds = await loadPianoRollPickle(path, 'small');
    expect(ds.train.length).toBe(3);
    expect(ds.test[2][4].length).toBe(88);
  });

  it('a FLOAT of 100 kB of digits is refused by its length (it took 33 s: a quadratic regular expression)', async () => {
    const bytes = enc(`F${'1'.repeat(100_000)}x\n.`);
    await refused('pickle: FLOAT 1e5 digits', () => decodePickle(bytes), LimitError, 'E_FORMAT', /FLOAT at byte 0: a float of 100001 characters is longer than the limit of 64/);
    // within the length limit the expression is linear: a long bad float is a plain FormatError
    await refused('pickle: FLOAT 63 chars', () => decodePickle(enc(`F${'1'.repeat(62)}x\n.`)), FormatError, 'E_FORMAT', /is not a float/);
  });

  it('a LONG of 10 million digits is refused by its length before BigInt sees it (it took 15 s)', async () => {
    const bytes = enc(`L${'7'.repeat(10_000_000)}L\n.`);
    await refused('pickle: LONG 1e7 digits', () => decodePickle(bytes), LimitError, 'E_FORMAT', /LONG at byte 0: an integer of 10000001 characters is longer than the limit of 64/);
    await refused('pickle: INT 1e6 digits', () => decodePickle(enc(`I${'7'.repeat(1_000_000)}\n.`)), LimitError, 'E_FORMAT', /INT at byte 0: an integer/);
  });

  it('a dict key set twice is refused', async () => {
    const bytes = Uint8Array.from([P.PROTO, 2, P.EMPTY_DICT, P.MARK, ...str('train'), P.EMPTY_LIST, ...str('train'), P.EMPTY_LIST, P.SETITEMS, P.STOP]);
    await refused('pickle: duplicate key', () => decodePickle(bytes), FormatError, 'E_FORMAT', /dict key "train" is set twice/);
  });

  it('a pickle of empty lists stops at maxContainers while decoding', async () => {
    const n = 300_000, b = new Uint8Array(3 + 2 * n + 2);
    b.set([P.PROTO, 2, P.EMPTY_LIST]);
    for (let i = 0; i < n; i++) { b[3 + 2 * i] = P.EMPTY_LIST; b[4 + 2 * i] = 0x61; } // EMPTY_LIST APPEND
    b.set([P.STOP], 3 + 2 * n);
    await refused('pickle: 3e5 lists, maxContainers 1e5', () => decodePickle(b.subarray(0, 3 + 2 * n + 1), { maxContainers: 100_000 }), LimitError, 'E_FORMAT', /more than 100000 lists, tuples and dicts/);
  });
});

// --- MIDI

function vlq(n: number): number[] {
  const out = [n & 0x7f];
  for (n = Math.floor(n / 128); n > 0; n = Math.floor(n / 128)) out.unshift((n & 0x7f) | 0x80);
  return out;
}
/** A format-0 MIDI file of one track (480 ticks per beat) holding `events` (raw bytes). */
function smf(events: number[] | Uint8Array): Uint8Array {
  const len = events.length + 4;
  const head = [0x4d, 0x54, 0x68, 0x64, 0, 0, 0, 6, 0, 0, 0, 1, 0x01, 0xe0, 0x4d, 0x54, 0x72, 0x6b, (len >>> 24) & 255, (len >>> 16) & 255, (len >>> 8) & 255, len & 255];
  const out = new Uint8Array(head.length + len);
  out.set(head);
  out.set(events, head.length);
  out.set([0x00, 0xff, 0x2f, 0x00], head.length + events.length);
  return out;
}
/** `n` note-ons of one key at tick 0 (running status), then `n` note-offs a beat later. */
function oneKey(n: number): Uint8Array {
  const ev = new Uint8Array(4 + 3 * (n - 1) + 4 + 3 * (n - 1));
  ev.set([0x00, 0x90, 60, 100]);
  let p = 4;
  for (let i = 1; i < n; i++) { ev.set([0x00, 60, 100], p); p += 3; }
  ev.set([0x83, 0x60, 60, 0], p); p += 4; // delta 480, velocity 0 = note-off
  for (let i = 1; i < n; i++) { ev.set([0x00, 60, 0], p); p += 3; }
  return smf(ev);
}

describe('MIDI: linear note pairing and frames, budgets on events and notes, data bytes checked', () => {
  it('30,000 overlapping notes each 10,000 frames long: O(notes + 88·frames), not notes·frames (it took 21 s)', async () => {
    const ev: number[] = [0x00, 0x90, 21, 100];
    for (let i = 1; i < 30_000; i++) ev.push(0x00, 21 + (i % 88), 100);
    ev.push(...vlq(10_000 * 240), 21, 0);
    for (let i = 1; i < 30_000; i++) ev.push(0x00, 21 + (i % 88), 0);
    const bytes = smf(ev);
    const r = await attempt(() => { const seq = midiToNoteSequence(bytes, 'overlap.mid'); expect(seq.length).toBe(10_000); expect(seq[5000].length).toBe(88); throw new Error('done'); });
    figures.push(`MIDI: 3e4 overlapping notes × 1e4 frames (accepted): ${r.ms.toFixed(1)} ms, +${r.mib.toFixed(1)} MiB`);
    expect((r.err as Error).message).toBe('done');
    expect(r.ms).toBeLessThan(TIME_BOUND_MS);
    expect(r.wallMs).toBeLessThan(HANG_BOUND_MS);
    expect(r.mib).toBeLessThan(MEMORY_BOUND_MIB);
  });

  it('100,000 note-ons of one key then 100,000 note-offs pair first-in first-out in linear time', async () => {
    const bytes = oneKey(100_000);
    const r = await attempt(() => { expect(midiToNoteSequence(bytes, 'one-key.mid')).toEqual([[60], [60]]); throw new Error('done'); });
    figures.push(`MIDI: 1e5 + 1e5 events of one key (accepted): ${r.ms.toFixed(1)} ms, +${r.mib.toFixed(1)} MiB`);
    expect((r.err as Error).message).toBe('done');
    expect(r.ms).toBeLessThan(TIME_BOUND_MS);
    expect(r.wallMs).toBeLessThan(HANG_BOUND_MS);
    expect(r.mib).toBeLessThan(MEMORY_BOUND_MIB);
  });

  it('a million note-ons of one key and a million note-offs pass maxNotes and are refused while scanning', async () => {
    const bytes = oneKey(1_000_000);
    await refused('MIDI: 1e6 + 1e6 events', () => midiToNoteSequence(bytes, 'million.mid'), LimitError, 'E_FORMAT', /million\.mid: more than 500000 notes \(the limit maxNotes/);
    await refused('MIDI: 1e6 + 1e6 events, parseMidiBytes', () => parseMidiBytes(bytes, 'million.mid'), LimitError, 'E_FORMAT', /more than 500000 notes/);
    await refused('MIDI: maxNotes 1000', () => midiToNoteSequence(oneKey(2000), 'notes.mid', { maxNotes: 1000 }), LimitError, 'E_FORMAT', /more than 1000 notes \(the limit maxNotes/);
  });

  it('a million and a half controller events pass maxEvents', async () => {
    const n = 1_500_000, ev = new Uint8Array(4 + 3 * n);
    ev.set([0x00, 0xb0, 64, 127]); // sustain pedal, then running status
    for (let i = 1; i <= n; i++) ev.set([0x00, 64, i & 127], 1 + 3 * i);
    const bytes = smf(ev);
    await refused('MIDI: 1.5e6 controller events', () => midiToNoteSequence(bytes, 'pedal.mid'), LimitError, 'E_FORMAT', /pedal\.mid: more than 1000000 MIDI events \(the limit maxEvents/);
  });

  it('a note-on data byte above 127 is a FormatError, not another note (midi-file does not mask it)', async () => {
    // 0x90 0xC8 0x40: "note 200", which the old pairing keyed as channel 1's note 72
    const bytes = smf([0x00, 0x90, 0xc8, 0x40, 0x83, 0x60, 0x91, 72, 0]);
    await refused('MIDI: data byte 0xc8', () => midiToNoteSequence(bytes, 'byte.mid'), FormatError, 'E_FORMAT', /byte\.mid: track 0, byte 24: data byte 0xc8 of a channel event is above 127/);
    await refused('MIDI: velocity 0x80', () => parseMidiBytes(smf([0x00, 0x90, 60, 0x80]), 'vel.mid'), FormatError, 'E_FORMAT', /data byte 0x80/);
    await refused('MIDI: 5-byte delta', () => midiToNoteSequence(smf([0x81, 0x81, 0x81, 0x81, 0x01, 0x90, 60, 64]), 'delta.mid'), FormatError, 'E_FORMAT', /delta time is longer than 4 bytes/);
    await refused('MIDI: cut-off event', () => midiToNoteSequence(smf([0x00, 0x90, 60]).subarray(0, 25), 'cut.mid'), FormatError, 'E_FORMAT', /cut off|truncated/);
  });
});

// --- batches

describe('labels and the in-place path get the same checks as copied batches', () => {
  it('softmax labels ≥ 2³² are refused as numbers, not wrapped by Int32Array into valid classes', async () => {
    const m = await createModel({ unit: 'gru', inputSize: 3, hiddenSize: 4, head: { type: 'softmax', size: 3 } });
    try {
      const batch = { T: 2, B: 1, x: new Float32Array(6), y: [1, 2 ** 32 + 1] as unknown as Int32Array };
      await refused('softmax label 2^32+1', () => m.lossAndGrad(batch), ValueError, 'E_VALUE', /batch\.y\[1\] = 4294967297 is not a class index in 0\.\.2/);
      await refused('softmax label -2^32', () => m.forward({ ...batch, y: Float64Array.of(0, -(2 ** 32)) as unknown as Int32Array }), ValueError, 'E_VALUE', /batch\.y\[1\] = -4294967296/);
    } finally { m.dispose(); }
  });

  it('trainStepInPlace and evaluateInPlace refuse targets outside [0, 1] and a mask of 7, and train on nothing', async () => {
    const m = await createModel({ unit: 'lstm', inputSize: 88, hiddenSize: 8, head: { type: 'bernoulli', size: 88 } });
    try {
      m.setOptimizer({ type: 'sgd', lr: 0.1 });
      const before = m.snapshotParams();
      const T = 10, B = 4, fill = () => { const v = m.batchViews(T, B); v.x.fill(0); v.y.fill(1); v.mask.fill(1); return v; };
      fill().y[123] = 2;
      await refused('in place: target 2', () => m.trainStepInPlace(T, B), ValueError, 'E_VALUE', /batch y\[123\] = 2 \(t=0, b=1, unit 35\) is not a probability in \[0, 1\]/);
      fill().y[7] = -0.5;
      await refused('in place: target -0.5', () => m.evaluateInPlace(T, B), ValueError, 'E_VALUE', /batch y\[7\] = -0\.5/);
      fill().mask[5] = 7;
      await refused('in place: mask 7', () => m.trainStepInPlace(T, B), ValueError, 'E_VALUE', /batch mask\[5\] = 7 \(t=1, b=1\) must be in \[0, 1\]/);
      fill().mask[0] = NaN;
      await refused('in place: mask NaN', () => m.lossAndGradInPlace(T, B), ValueError, 'E_VALUE', /batch mask\[0\] = NaN/);
      expect(m.updates).toBe(0);
      expect(m.snapshotParams()).toEqual(before);
      const v = fill();
      v.y[0] = -0; v.mask[1] = 0.5; // −0 is a valid 0
      expect(Number.isFinite(m.trainStepInPlace(T, B).loss)).toBe(true);
    } finally { m.dispose(); }
  });
});

// --- WebAssembly memory

describe('sizes beyond the 4 GiB WebAssembly memory are refused before anything is allocated', () => {
  const meta = (config: object) => `{"__metadata__":{"format":"gatedrnn","format_version":"1","config":${JSON.stringify(JSON.stringify(config))}}}`;

  it('hiddenSize 8192: a MemoryError naming the size and the limit', async () => {
    await refused('createModel LSTM H=8192', () => createModel({ unit: 'lstm', inputSize: 88, hiddenSize: 8192, head: { type: 'bernoulli', size: 88 } }), MemoryError, 'E_MEMORY', /a lstm model with hiddenSize 8192.* needs 8\.\d+ GiB of WebAssembly memory; a 32-bit WebAssembly memory holds at most 4\.00 GiB/);
    // a tanh-8192 fits (2.2 GiB) but drawing its orthogonal blocks would take half an hour
    await refused('createModel tanh H=8192', () => createModel({ unit: 'tanh', inputSize: 88, hiddenSize: 8192, head: { type: 'bernoulli', size: 88 } }), ConfigError, 'E_CONFIG', /hiddenSize 8192 is above 2048.*recurrentInit: 'uniform'/);
  });

  it('a model file whose config needs more than 4 GiB (the 688 MB LSTM-6500) is refused from its header, before any tensor is read', async () => {
    const config = { unit: 'lstm', inputSize: 88, hiddenSize: 6500, layers: 1, head: { type: 'bernoulli', size: 88 } };
    // the header of the real file, without its 688 MB of data: the memory check comes first
    const header = meta(config);
    await refused('model file LSTM H=6500', () => parseModelFile(safetensors(header)), MemoryError, 'E_MEMORY', /hiddenSize 6500.* needs 5\.\d+ GiB of WebAssembly memory; .* at most 4\.00 GiB/);
  });

  it('batchViews(3e6, 1) is refused before memory grows, and the model stays usable', async () => {
    const m = await createModel({ unit: 'lstm', inputSize: 88, hiddenSize: 36, head: { type: 'bernoulli', size: 88 } });
    try {
      await refused('batchViews(3e6, 1)', () => m.batchViews(3e6, 1), MemoryError, 'E_MEMORY', /a batch of T=3000000, B=1 .* needs \d+\.\d+ GiB of WebAssembly memory/);
      expect(m.batchViews(2, 1).x.length).toBe(176);
    } finally { m.dispose(); }
  });

  it('a loaded model is not initialised first (its tensors replace the draw)', async () => {
    const m = await createModel({ unit: 'tanh', inputSize: 4, hiddenSize: 5, head: { type: 'bernoulli', size: 4 } });
    const file = encodeSafetensors(new Map(m.paramNames().map((n) => [n, { shape: m.paramShape(n), data: m.getParam(n) }])), { format: 'gatedrnn', format_version: '1', config: JSON.stringify(m.publicConfig()) });
    const parsed = parseModelFile(file);
    expect(parsed.tensors.size).toBe(m.paramNames().length);
    m.dispose();
  });
});

// --- files that are not regular

describe.skipIf(process.platform === 'win32')('only regular files are read', () => {
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'gatedrnn-hostile-')); mkdirSync(join(dir, 'folder')); });
  afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

  it('a named pipe is refused at once (loadModel used to wait forever for a writer and block exit)', async () => {
    const fifo = join(dir, 'model.safetensors');
    execFileSync('mkfifo', [fifo]);
    await refused('readFileLimited(fifo)', () => readFileLimited(fifo, 1 << 20), FormatError, 'E_FORMAT', /model\.safetensors is not a regular file \(it is a named pipe\); only regular files are read/);
    await refused('loadModel(fifo)', () => loadModel(fifo), FormatError, 'E_FORMAT', /is not a regular file \(it is a named pipe\)/);
    await refused('readFileLimited(folder)', () => readFileLimited(join(dir, 'folder'), 1 << 20), FormatError, 'E_FORMAT', /is not a regular file \(it is a directory\)/);
    await refused('readFileLimited(/dev/zero)', () => readFileLimited('/dev/zero', 1 << 20), FormatError, 'E_FORMAT', /is not a regular file \(it is a character device\)/);
  });
});

describe('the limits module', () => {
  it('documents every default', () => {
    expect(JSON_LIMITS).toEqual({ maxDepth: 64, maxValues: 10_000_000 });
    expect(PIANO_ROLL_LIMITS).toEqual({ maxSequences: 100_000, maxSteps: 4_000_000, maxNotes: 16_000_000 });
    expect(PICKLE_LIMITS.maxNumberChars).toBe(64);
    expect(MIDI_LIMITS.maxEvents).toBe(1_000_000);
    expect(Object.isFrozen(SAFETENSORS_LIMITS)).toBe(true);
  });
});
