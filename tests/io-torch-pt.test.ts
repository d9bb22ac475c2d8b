// PyTorch's own `.pt` zip checkpoints (bindings/io/torch-pt.ts). The plain fixtures are written
// by scripts/torch_plain.py with torch.save; each must read to exactly the tensors of the
// safetensors file written beside it from the same state_dict. The evil fixtures (written with
// Python's pickle and zipfile) and the files built here must be refused with a typed error that
// names the problem, in bounded CPU time and memory (as tests/hostile.test.ts measures them).
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { decodeSafetensors, encodeSafetensors } from '../bindings/io/safetensors.js';
import { decodeTorchPt, isLegacyTorchPt, isTorchZip, readTorchPt } from '../bindings/io/torch-pt.js';
import { TORCH_PT_LIMITS } from '../bindings/io/limits.js';
import { ConfigError, FormatError, GatedRnnError, LimitError, ValueError } from '../bindings/errors.js';
import { serialize } from './fuzz/formats/pickle.js';
import { buildPt, buildZip, expectedOf, ptItems, statePickle, storageBytes, type PtSpec, type PtStorage, type PtTensor } from './fuzz/formats/torch-pt.js';

const PLAIN = new URL('./fixtures/torch-plain/', import.meta.url);
const EVIL = new URL('./fixtures/torch-pt-evil/', import.meta.url);
const read = (dir: URL, name: string): Uint8Array => new Uint8Array(readFileSync(new URL(name, dir)));

/** The tensors of a safetensors fixture, bit for bit comparable. */
function expectSameTensors(got: Map<string, { shape: number[]; data: Float32Array }>, want: Map<string, { shape: number[]; data: Float32Array }>): void {
  expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
  for (const [name, w] of want) {
    const g = got.get(name)!;
    expect(g.shape, name).toEqual(w.shape);
    expect(g.data).toBeInstanceOf(Float32Array);
    expect(Buffer.from(g.data.buffer, g.data.byteOffset, g.data.byteLength).equals(Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength)), name).toBe(true);
  }
}

interface CaseJson { case: string; unit: string; layers: number; names: string[]; shapes: Record<string, number[]>; recurrentPrefix: string; headPrefix: string | null }

describe('readTorchPt reads what torch.save wrote', () => {
  const cases = readdirSync(PLAIN).filter((f) => /^(rnn|lstm|gru)_.*\.json$/.test(f)).map((f) => f.replace(/\.json$/, ''));

  it('the plain fixtures cover every unit, both layer counts, head and no head, and odd names', () => {
    const info = cases.map((c) => JSON.parse(readFileSync(new URL(`${c}.json`, PLAIN), 'utf8')) as CaseJson);
    expect(new Set(info.map((i) => i.unit))).toEqual(new Set(['tanh', 'lstm', 'gru']));
    expect(new Set(info.map((i) => i.layers))).toEqual(new Set([1, 2]));
    expect(new Set(info.map((i) => i.recurrentPrefix))).toEqual(new Set(['', 'rnn.', 'core.', 'encoder.']));
    expect(info.some((i) => i.headPrefix === null) && info.some((i) => i.headPrefix === 'decoder.')).toBe(true);
    expect(cases.length).toBeGreaterThanOrEqual(10);
  });

  for (const c of cases) {
    it(`${c}: the same tensors as ${c}.safetensors, in state_dict order`, () => {
      const info = JSON.parse(readFileSync(new URL(`${c}.json`, PLAIN), 'utf8')) as CaseJson;
      const bytes = read(PLAIN, `${c}.pt`);
      expect(isTorchZip(bytes)).toBe(true);
      const got = readTorchPt(bytes);
      expectSameTensors(got, decodeSafetensors(read(PLAIN, `${c}.safetensors`)).tensors);
      expect([...got.keys()]).toEqual(info.names);
      for (const [k, t] of got) expect(t.shape).toEqual(info.shapes[k]);
    });
  }

  it('views of shared storages: a transpose, slices, a column, an element, stride 0, an empty slice', () => {
    const want = decodeSafetensors(read(PLAIN, 'views.safetensors')).tensors;
    const got = readTorchPt(read(PLAIN, 'views.pt'));
    expectSameTensors(got, want);
    expect(got.get('element')!.shape).toEqual([]);
    expect(got.get('transposed')!.shape).toEqual([6, 4]);
    // each is its own contiguous array, not a view of one buffer
    expect(got.get('weight')!.data.buffer).not.toBe(got.get('rows')!.data.buffer);
  });

  it('a big-endian file (byteorder "big", storages byte-swapped) reads to the same numbers', () => {
    expectSameTensors(readTorchPt(read(PLAIN, 'bigendian.pt')), decodeSafetensors(read(PLAIN, 'views.safetensors')).tensors);
  });

  it('float64, float16 and bfloat16 become float32 as tensor.float() makes them; integer and bool tensors are skipped', () => {
    const info = JSON.parse(readFileSync(new URL('dtypes.json', PLAIN), 'utf8')) as { dtypes: Record<string, string>; skipped: unknown[] };
    const r = decodeTorchPt(read(PLAIN, 'dtypes.pt'));
    expectSameTensors(r.tensors, decodeSafetensors(read(PLAIN, 'dtypes.safetensors')).tensors);
    expect(Object.fromEntries(r.dtypes)).toEqual(info.dtypes);
    expect(r.skipped).toEqual(info.skipped);
    // rounded to nearest, ties to even: 1e39 overflows, the halfway point past the largest
    // float32 rounds up to Infinity, 1e-46 to 0 — exactly as PyTorch's .float() gives them
    expect(Array.from(r.tensors.get('f64_big')!.data)).toEqual([Infinity, -Infinity, Infinity, 0]);
  });

  it('nn.Parameter objects (torch.save(dict(model.named_parameters()))) and protocol 4', () => {
    expectSameTensors(readTorchPt(read(PLAIN, 'parameters.pt')), decodeSafetensors(read(PLAIN, 'parameters.safetensors')).tensors);
    expectSameTensors(readTorchPt(read(PLAIN, 'protocol4.pt')), decodeSafetensors(read(PLAIN, 'protocol4.safetensors')).tensors);
  });

  it('a file built here: every float dtype, views, zip64 end records, no alignment', () => {
    const a: PtStorage = { key: '0', dtype: 'float32', values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] };
    const b: PtStorage = { key: 'x', dtype: 'float16', values: [0.5, -2, 65504, -0] };
    const c: PtStorage = { key: '2', dtype: 'bfloat16', values: [1.5, -3, 2 ** 100] };
    const tensors: PtTensor[] = [
      { name: 'w', storage: a, offset: 0, shape: [3, 4], stride: [4, 1] },
      { name: 'wT', storage: a, offset: 0, shape: [4, 3], stride: [1, 4] },
      { name: 'col', storage: a, offset: 1, shape: [3], stride: [4] },
      { name: 'cube', storage: a, offset: 1, shape: [2, 2, 2], stride: [6, 1, 3] },
      { name: 'h', storage: b, offset: 0, shape: [4], stride: [1] },
      { name: 'bf', storage: c, offset: 0, shape: [3], stride: [1] },
      { name: '7', storage: a, offset: 11, shape: [], stride: [] }, // an integer-like key, last
    ];
    for (const zip of [{ zip64: true }, { align: true }, {}]) {
      const spec: PtSpec = { archive: 'archive', tensors, pickle: { ordered: true, metadata: true, parameters: false }, zip, extras: true };
      const got = decodeTorchPt(buildPt(spec));
      const want = expectedOf(spec);
      for (const t of tensors) expect({ shape: got.tensors.get(t.name)!.shape, data: Array.from(got.tensors.get(t.name)!.data) }).toEqual(want.tensors[t.name]);
      expect(Array.from(got.tensors.get('cube')!.data)).toEqual([2, 5, 3, 6, 8, 11, 9, 12]);
      expect([...got.tensors.keys()]).toEqual(tensors.map((t) => t.name)); // the state_dict's order
    }
  });

  it('isTorchZip and isLegacyTorchPt tell the formats apart', () => {
    expect(isTorchZip(read(PLAIN, 'gru_l1_bare.safetensors'))).toBe(false);
    expect(isTorchZip(read(EVIL, 'legacy.pt'))).toBe(false);
    expect(isLegacyTorchPt(read(EVIL, 'legacy.pt'))).toBe(true);
    expect(isLegacyTorchPt(read(PLAIN, 'gru_l1_bare.pt'))).toBe(false);
    expect(isTorchZip(new Uint8Array(0))).toBe(false);
  });
});

// --- refusals, each measured

interface Outcome { err: unknown; ms: number; mib: number }

function attempt(fn: () => unknown): Outcome {
  const rss0 = process.memoryUsage().rss, peak0 = process.resourceUsage().maxRSS;
  const cpu0 = process.cpuUsage();
  let err: unknown;
  try { fn(); } catch (e) { err = e; }
  const cpu = process.cpuUsage(cpu0);
  const grew = Math.max(process.memoryUsage().rss - rss0, (process.resourceUsage().maxRSS - peak0) * 1024);
  return { err, ms: (cpu.user + cpu.system) / 1000, mib: grew / 2 ** 20 };
}

/** `fn` throws `cls` with a message matching `message`, in under a second of CPU and 100 MiB. */
function refused(fn: () => unknown, cls: abstract new (...a: never[]) => GatedRnnError, message: RegExp): GatedRnnError {
  const r = attempt(fn);
  expect(r.err, `expected ${cls.name}, got ${String(r.err)}`).toBeInstanceOf(cls);
  expect((r.err as Error).message).toMatch(message);
  expect(r.ms, `took ${r.ms.toFixed(0)} ms of CPU`).toBeLessThan(1000);
  expect(r.mib, `grew the process by ${r.mib.toFixed(0)} MiB`).toBeLessThan(100);
  return r.err as GatedRnnError;
}

describe('readTorchPt refuses what is not a state_dict of tensors, and runs nothing', () => {
  const evil = (name: string) => () => readTorchPt(read(EVIL, name));

  it('a pickle that calls os.system: refused at its GLOBAL, naming it and its byte offset', () => {
    refused(evil('os-system.pt'), FormatError, /^torch \.pt: os-system\/data\.pkl: GLOBAL at byte \d+: refused global "posix\.system": .*nothing is imported or executed/);
  });

  it('globals outside the allow-list: builtins.eval, a whole nn.Module', () => {
    // (protocol 2 names Python 3's builtins by their Python 2 module, __builtin__)
    refused(evil('builtins-eval.pt'), FormatError, /GLOBAL at byte \d+: refused global "__builtin__\.eval"/);
    refused(evil('whole-module.pt'), FormatError, /refused global "torch\.nn\.modules\.linear\.Linear" \(a whole module object: save model\.state_dict\(\) instead/);
  });

  it('a view past the end of its storage, and a storage shorter than its element count', () => {
    refused(evil('storage-past-end.pt'), FormatError, /tensor "weight": shape \[2, 3\], stride \[3, 1\] and offset 0 reach element 5 of storage "0", which holds 4/);
    refused(evil('storage-short.pt'), FormatError, /storage "0" holds 16 bytes, but its 8 elements of float32 need 32/);
  });

  it('a deflate bomb is never inflated; with a lower maxEntryBytes its declared size is refused first', () => {
    const bytes = read(EVIL, 'zip-bomb.pt');
    expect(bytes.length).toBeLessThan(64 * 1024);
    refused(() => readTorchPt(bytes), FormatError, /entry "zip-bomb\/data\/0" is compressed \(deflate\); torch\.save stores every entry uncompressed/);
    const e = refused(() => readTorchPt(bytes, { maxEntryBytes: 1 << 20 }), LimitError, /more than 1048576 bytes in entry "zip-bomb\/data\/0" \(it declares 33554432\).*maxEntryBytes/);
    expect((e as LimitError).limit).toBe('maxEntryBytes');
  });

  it('the legacy format, TorchScript and a checkpoint of several things say how to save a state_dict', () => {
    refused(evil('legacy.pt'), FormatError, /legacy torch\.save file .*not read\. Re-save it .*torch\.save\(torch\.load\(old_path, weights_only=True\), new_path\)/);
    refused(evil('torchscript.pt'), FormatError, /TorchScript archive \(torch\.jit\.save\).*torch\.save\(model\.state_dict\(\), path\)/);
    refused(evil('checkpoint.pt'), FormatError, /key "epoch" holds int 3, not a tensor/);
  });

  it('not a zip, a bare pickle, empty input, a wrong argument', () => {
    refused(() => readTorchPt(read(PLAIN, 'gru_l1_bare.safetensors')), FormatError, /not a zip archive/);
    refused(() => readTorchPt(Uint8Array.of(0x80, 0x02, 0x7d, 0x2e)), FormatError, /bare pickle/);
    refused(() => readTorchPt(new Uint8Array(0)), FormatError, /not a zip archive .* with nothing/);
    refused(() => readTorchPt('x' as never), ValueError, /expected a Uint8Array/);
  });

  it('every truncation and every single-byte change of a real file is refused with a typed error (or reads)', () => {
    const bytes = read(PLAIN, 'rnn_l1_bare.pt');
    const want = readTorchPt(bytes);
    let readOk = 0;
    const r = attempt(() => {
      for (let n = 0; n < bytes.length; n++) {
        expect(() => readTorchPt(bytes.subarray(0, n))).toThrow(FormatError);
      }
      for (let i = 0; i < bytes.length; i++) {
        const b = bytes.slice();
        b[i] ^= 0x5a;
        try {
          const got = readTorchPt(b);
          // a change that leaves the file valid: in padding, a field no reader needs
          expect([...got.keys()]).toEqual([...want.keys()]);
          readOk++;
        } catch (e) {
          expect(e, `byte ${i}: ${String(e)}`).toBeInstanceOf(GatedRnnError);
        }
      }
    });
    expect(r.err).toBeUndefined();
    expect(readOk).toBeLessThan(bytes.length / 2);
  });
});

describe('limits (TORCH_PT_LIMITS) are LimitErrors naming their option', () => {
  const gru = read(PLAIN, 'gru_l2_head.pt');
  const cases: [Partial<typeof TORCH_PT_LIMITS>, string, RegExp][] = [
    [{ maxEntries: 3 }, 'maxEntries', /more than 3 zip entries/],
    [{ maxEntryBytes: 100 }, 'maxEntryBytes', /more than 100 bytes in entry "gru_l2_head\/data\.pkl"/],
    [{ maxTotalBytes: 2000 }, 'maxTotalBytes', /more than 2000 bytes in all zip entries/],
    [{ maxPickleOps: 50 }, 'maxPickleOps', /gru_l2_head\/data\.pkl: more than 50 opcodes .*maxPickleOps/],
    [{ maxPickleValues: 40 }, 'maxPickleValues', /more than 40 values .*maxPickleValues/],
    [{ maxTensors: 5 }, 'maxTensors', /more than 5 tensors/],
    [{ maxRank: 1 }, 'maxRank', /more than 1 dimensions in one tensor \(rank 2\)/],
    [{ maxElements: 500 }, 'maxElements', /more than 500 tensor elements in all/],
  ];
  for (const [limits, name, message] of cases) {
    it(name, () => {
      const e = refused(() => readTorchPt(gru, limits), LimitError, message);
      expect((e as LimitError).limit).toBe(name);
      expect(e.code).toBe('E_FORMAT');
    });
  }

  it('the defaults read the fixtures; a limit may be raised or switched off; a bad limit is a ConfigError', () => {
    expect(readTorchPt(gru, { maxElements: Infinity, maxTensors: 1e6 }).size).toBe(10);
    expect(() => readTorchPt(gru, { maxTensors: 0 })).toThrow(ConfigError);
    expect(() => readTorchPt(gru, { maxElements: -1 })).toThrow(/limit maxElements must be a positive integer or Infinity/);
  });
});

describe('hostile files built here are refused quickly', () => {
  const f32 = (key: string, n: number): PtStorage => ({ key, dtype: 'float32', values: Array.from({ length: n }, (_, i) => i) });
  const spec = (tensors: PtTensor[], zip = {}): PtSpec => ({ archive: 'archive', tensors, pickle: { ordered: true, metadata: false, parameters: false }, zip, extras: false });

  it('one stored float repeated 10¹² times by a stride of 0 is refused before anything is allocated', () => {
    const bytes = buildPt(spec([{ name: 'w', storage: f32('0', 1), offset: 0, shape: [1e6, 1e6], stride: [0, 0] }]));
    expect(bytes.length).toBeLessThan(1024);
    refused(() => readTorchPt(bytes), LimitError, /more than 100000000 tensor elements in all/);
    // and below the limit, it is read (a stride of 0 is how PyTorch saves an expanded tensor)
    const small = readTorchPt(buildPt(spec([{ name: 'w', storage: f32('0', 3), offset: 2, shape: [4, 2], stride: [0, 0] }])));
    expect(Array.from(small.get('w')!.data)).toEqual(new Array(8).fill(2));
  });

  it('10,001 tensors sharing one storage stop at maxTensors', () => {
    const s = f32('0', 10);
    const bytes = buildPt(spec(Array.from({ length: 10_001 }, (_, i) => ({ name: `t${i}`, storage: s, offset: 0, shape: [10], stride: [1] }))));
    refused(() => readTorchPt(bytes), LimitError, /more than 10000 tensors/);
  });

  it('a declared entry of 2^40 bytes (zip64), and an end record that claims 2^40 entries', () => {
    refused(() => readTorchPt(buildZip([{ name: 'archive/data.pkl', data: Uint8Array.of(0x80, 2, 0x7d, 0x2e), size: 2 ** 40 }], { zip64: true })), LimitError, /declares 1099511627776/);
    const items = ptItems(spec([{ name: 'w', storage: f32('0', 2), offset: 0, shape: [2], stride: [1] }]));
    refused(() => readTorchPt(buildZip(items, { zip64: true, countField: 2 ** 40 })), LimitError, /more than 10000 zip entries/);
  });

  it('directory entries that share one local entry, duplicated names, an entry outside the archive', () => {
    const items = ptItems(spec([{ name: 'w', storage: f32('0', 2), offset: 0, shape: [2], stride: [1] }]));
    refused(() => readTorchPt(buildZip([...items, items[1]])), FormatError, /two entries are named "archive\/data\/0"/);
    refused(() => readTorchPt(buildZip([...items, { name: 'elsewhere/x', data: new Uint8Array(1) }])), FormatError, /outside the archive folder "archive"/);
    refused(() => readTorchPt(buildZip(items.filter((x) => !x.name.endsWith('/data/0')))), FormatError, /storage "0" has no entry "archive\/data\/0"/);
  });

  it('a damaged storage (its CRC-32 disagrees) is refused; a CRC of 0 is not checked', () => {
    const items = ptItems(spec([{ name: 'w', storage: f32('0', 2), offset: 0, shape: [2], stride: [1] }]));
    const bad = items.map((x) => (x.name.endsWith('/data/0') ? { ...x, crc: 12345 } : x));
    refused(() => readTorchPt(buildZip(bad)), FormatError, /entry "archive\/data\/0": its CRC-32 does not match/);
    const none = items.map((x) => ({ ...x, crc: 0 }));
    expect(Array.from(readTorchPt(buildZip(none)).get('w')!.data)).toEqual([0, 1]);
  });

  it('a pickle of 10,001 nested MARKs, and 400,000 memo references to one dict, in data.pkl', () => {
    const marks = new Uint8Array(10_001 * 2 + 3);
    marks.set([0x80, 2]);
    marks.fill(0x28, 2, 2 + 10_001);
    marks.fill(0x6c, 2 + 10_001, 2 + 2 * 10_001);
    marks[marks.length - 1] = 0x2e;
    refused(() => readTorchPt(buildZip([{ name: 'a/data.pkl', data: marks }])), FormatError, /more than 10000 nested MARKs/);
    // a list of 400,000 references to {"a": 1, "b": 2}: 800 kB that describe 1.2 million values
    const head = [0x80, 2, 0x28, 0x7d, 0x71, 0, 0x28, 0x8c, 1, 0x61, 0x4b, 1, 0x8c, 1, 0x62, 0x4b, 2, 0x75, 0x30];
    const refs = new Uint8Array(head.length + 2 * 400_000 + 2);
    refs.set(head);
    for (let i = 0; i < 400_000; i++) refs.set([0x68, 0], head.length + 2 * i);
    refs.set([0x6c, 0x2e], refs.length - 2);
    refused(() => readTorchPt(buildZip([{ name: 'a/data.pkl', data: refs }])), LimitError, /more than 1000000 values described .*maxPickleValues/);
  });

  it('pickles that use the allowed names wrongly', () => {
    const s = f32('0', 4);
    const t: PtTensor = { name: 'w', storage: s, offset: 0, shape: [4], stride: [1] };
    const withGlobals = (globals: Record<string, [string, string]>) => buildZip(ptItems(spec([t]), serialize(statePickle([t], { ordered: true, metadata: false, parameters: false, globals }))));
    // a storage type called, a tensor builder used as a storage type
    refused(() => readTorchPt(withGlobals({ 'torch._utils._rebuild_tensor_v2': ['torch', 'FloatStorage'] })), FormatError, /global torch\.FloatStorage cannot be called/);
    refused(() => readTorchPt(withGlobals({ 'torch.FloatStorage': ['torch._utils', '_rebuild_tensor_v2'] })), FormatError, /a persistent id names global torch\._utils\._rebuild_tensor_v2, not a storage type/);
    refused(() => readTorchPt(withGlobals({ 'torch.FloatStorage': ['torch', 'ComplexFloatStorage'] })), FormatError, /refused global "torch\.ComplexFloatStorage" \(a storage type this reader does not convert/);
    // one storage key named with two dtypes
    const u: PtTensor = { name: 'v', storage: { key: '0', dtype: 'float64', values: [1, 2] }, offset: 0, shape: [2], stride: [1] };
    refused(() => readTorchPt(buildZip(ptItems(spec([t]), serialize(statePickle([t, u], { ordered: true, metadata: false, parameters: false }))))), FormatError, /storage "0" is named twice, as 4 × float32 and as 2 × float64/);
  });

  it('the storage bytes helper and the reader agree on every float dtype', () => {
    for (const dtype of ['float32', 'float64', 'float16', 'bfloat16'] as const) {
      const values = [0, -0.25, 1.5, -3, 7.75, -16];
      const s: PtStorage = { key: '0', dtype, values };
      expect(storageBytes(s).length).toBe(values.length * { float32: 4, float64: 8, float16: 2, bfloat16: 2 }[dtype]);
      for (const byteorder of ['little', 'big'] as const) {
        const got = readTorchPt(buildPt({ ...spec([{ name: 'w', storage: s, offset: 0, shape: [6], stride: [1] }]), byteorder }));
        expect(Array.from(got.get('w')!.data), `${dtype} ${byteorder}`).toEqual(values);
      }
    }
  });
});

describe('readTorchPt and encodeSafetensors', () => {
  it('what is read writes back to the same safetensors file', () => {
    const st = read(PLAIN, 'lstm_l2_odd.safetensors');
    expect(Buffer.from(encodeSafetensors(readTorchPt(read(PLAIN, 'lstm_l2_odd.pt')))).equals(Buffer.from(st))).toBe(true);
  });
});
