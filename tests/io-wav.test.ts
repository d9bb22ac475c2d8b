import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeWav, encodeWav, floatToInt16 } from '../bindings/io/wav.js';
import { FormatError, ValueError } from '../bindings/errors.js';
import { Rng } from '../bindings/data/rng.js';
import { speechDir } from './helpers/env.js';

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

/** One RIFF chunk: id, size (the body's, unless `declared`), body, pad byte if odd (unless `pad` false). */
function chunk(id: string, body: Uint8Array | number[], opts: { declared?: number; pad?: boolean } = {}): Uint8Array {
  const b = body instanceof Uint8Array ? body : Uint8Array.from(body);
  const pad = (opts.pad ?? true) && b.length % 2 === 1 ? 1 : 0;
  const out = new Uint8Array(8 + b.length + pad);
  out.set(ascii(id), 0);
  new DataView(out.buffer).setUint32(4, opts.declared ?? b.length, true);
  out.set(b, 8);
  return out;
}

/** A RIFF/WAVE file of the given chunks; `riffSize` overrides the computed size. */
function riff(chunks: Uint8Array[], opts: { riffSize?: number; magic?: string; form?: string; trailing?: number } = {}): Uint8Array {
  const body = chunks.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(12 + body + (opts.trailing ?? 0));
  out.set(ascii(opts.magic ?? 'RIFF'), 0);
  new DataView(out.buffer).setUint32(4, opts.riffSize ?? 4 + body, true);
  out.set(ascii(opts.form ?? 'WAVE'), 8);
  let at = 12;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return out;
}

interface FmtSpec { tag?: number; channels?: number; rate?: number; byteRate?: number; blockAlign?: number; bits?: number; size?: number; ext?: { validBits?: number; sub?: number; guidTail?: number[]; cb?: number } }
const PCM_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

function fmtBody(f: FmtSpec = {}): Uint8Array {
  const channels = f.channels ?? 1, rate = f.rate ?? 8000, bits = f.bits ?? 16;
  const blockAlign = f.blockAlign ?? channels * Math.ceil(bits / 8);
  const b = new Uint8Array(f.size ?? (f.ext ? 40 : 16));
  const v = new DataView(b.buffer);
  const put16 = (at: number, x: number) => { if (at + 2 <= b.length) v.setUint16(at, x, true); };
  const put32 = (at: number, x: number) => { if (at + 4 <= b.length) v.setUint32(at, x, true); };
  put16(0, f.tag ?? (f.ext ? 0xfffe : 1)); put16(2, channels); put32(4, rate);
  put32(8, f.byteRate ?? rate * blockAlign); put16(12, blockAlign); put16(14, bits);
  if (f.ext) {
    put16(16, f.ext.cb ?? 22); put16(18, f.ext.validBits ?? bits); put32(20, 4);
    put16(24, f.ext.sub ?? 1);
    (f.ext.guidTail ?? PCM_TAIL).forEach((x, i) => { if (26 + i < b.length) b[26 + i] = x; });
  }
  return b;
}

function pcm(samples: number[]): Uint8Array {
  const b = new Uint8Array(samples.length * 2);
  samples.forEach((s, i) => new DataView(b.buffer).setInt16(2 * i, s, true));
  return b;
}

const SAMPLES = [0, 1, -1, 32767, -32768, 1234, -4321, 7];

function expectFormat(bytes: Uint8Array, pattern: RegExp, opts?: Parameters<typeof decodeWav>[1]): void {
  let err: unknown;
  try { decodeWav(bytes, opts); } catch (e) { err = e; }
  expect(err, `expected a FormatError matching ${pattern}`).toBeInstanceOf(FormatError);
  expect((err as FormatError).code).toBe('E_FORMAT');
  expect((err as Error).message).toMatch(pattern);
}

describe('WAV round trip', () => {
  it('encodeWav writes the canonical 44-byte header and decodeWav reads it back exactly', () => {
    const r = new Rng(3);
    const s = Int16Array.from({ length: 1001 }, () => r.intIn(-32768, 32767));
    s[0] = -32768; s[1] = 32767;
    const bytes = encodeWav(s, 16000);
    expect(bytes.length).toBe(44 + 2 * s.length);
    const v = new DataView(bytes.buffer);
    expect(String.fromCharCode(...bytes.subarray(0, 4))).toBe('RIFF');
    expect(v.getUint32(4, true)).toBe(36 + 2 * s.length);
    expect(String.fromCharCode(...bytes.subarray(8, 16))).toBe('WAVEfmt ');
    expect([v.getUint32(16, true), v.getUint16(20, true), v.getUint16(22, true), v.getUint32(24, true), v.getUint32(28, true), v.getUint16(32, true), v.getUint16(34, true)])
      .toEqual([16, 1, 1, 16000, 32000, 2, 16]);
    expect(String.fromCharCode(...bytes.subarray(36, 40))).toBe('data');
    expect(v.getUint32(40, true)).toBe(2 * s.length);
    const back = decodeWav(bytes);
    expect(back.sampleRate).toBe(16000);
    expect(back.channels).toBe(1);
    expect(back.bitsPerSample).toBe(16);
    expect(back.samples).toEqual(s);
    // a copy: changing the file afterwards does not change the samples
    bytes[44] ^= 0xff;
    expect(back.samples[0]).toBe(-32768);
  });

  it('decodes from an unaligned view and an empty data chunk; encodes a subarray', () => {
    const file = encodeWav(Int16Array.from(SAMPLES), 8000);
    const shifted = new Uint8Array(file.length + 3);
    shifted.set(file, 3);
    expect(Array.from(decodeWav(shifted.subarray(3)).samples)).toEqual(SAMPLES);
    expect(decodeWav(encodeWav(new Int16Array(0), 8000)).samples.length).toBe(0);
    const big = Int16Array.from([9, 1, 2, 3, 9]);
    expect(Array.from(decodeWav(encodeWav(big.subarray(1, 4), 8000)).samples)).toEqual([1, 2, 3]);
  });

  it('encodeWav refuses bad input', () => {
    expect(() => encodeWav([1, 2] as unknown as Int16Array, 8000)).toThrow(ValueError);
    expect(() => encodeWav(new Int16Array(2), 0)).toThrow(/sample rate 0/);
    expect(() => encodeWav(new Int16Array(2), 44100.5)).toThrow(ValueError);
    expect(() => encodeWav(new Int16Array(2), 2 ** 31)).toThrow(ValueError);
  });

  it('decodeWav refuses a non-Uint8Array and a bad maxSamples with a ValueError', () => {
    expect(() => decodeWav([1] as unknown as Uint8Array)).toThrow(ValueError);
    expect(() => decodeWav(new Uint8Array(44), { maxSamples: -1 })).toThrow(ValueError);
  });
});

describe('floatToInt16', () => {
  it('rounds to nearest, clips, counts the clipped values', () => {
    const r = floatToInt16(new Float32Array([0, 0.4, 0.5, -0.5, -0.6, 1, -1, 2, -2, Infinity, -Infinity]), 32767);
    expect(Array.from(r.samples)).toEqual([0, 13107, 16384, -16383, -19660, 32767, -32767, 32767, -32768, 32767, -32768]);
    expect(r.clipped).toBe(4);
    const d = floatToInt16([-1.5, 0, 2.25], 100, 10);
    expect(Array.from(d.samples)).toEqual([-140, 10, 235]);
    expect(d.clipped).toBe(0);
    expect(floatToInt16([-32768.4, 32767.4], 1).clipped).toBe(0);
    expect(floatToInt16([-32768.6, 32767.6], 1).clipped).toBe(2);
  });
  it('NaN is a ValueError naming the index; non-finite scale or offset too', () => {
    expect(() => floatToInt16([0, 1, NaN], 1)).toThrow(/element 2 is NaN/);
    expect(() => floatToInt16([Infinity], 0)).toThrow(ValueError);
    expect(() => floatToInt16([0], NaN)).toThrow(ValueError);
    expect(() => floatToInt16([0], 1, Infinity)).toThrow(ValueError);
  });
});

describe('WAV files other tools write', () => {
  const data = chunk('data', pcm(SAMPLES));
  const fmt = chunk('fmt ', fmtBody());

  it('skips LIST and other chunks before and after data, honouring the pad byte of odd sizes', () => {
    const list = chunk('LIST', [...ascii('INFOISFT'), 5, 0, 0, 0, ...ascii('Lavf'), 0]); // 17 bytes + pad
    expect(list.length).toBe(8 + 17 + 1);
    expect(Array.from(decodeWav(riff([fmt, list, data])).samples)).toEqual(SAMPLES);
    expect(Array.from(decodeWav(riff([chunk('JUNK', [1, 2, 3]), fmt, chunk('fact', [8, 0, 0, 0]), data, list])).samples)).toEqual(SAMPLES);
  });

  it('WAVE_FORMAT_EXTENSIBLE with the PCM subformat (valid bits 16 or fewer)', () => {
    expect(Array.from(decodeWav(riff([chunk('fmt ', fmtBody({ ext: {} })), data])).samples)).toEqual(SAMPLES);
    expect(decodeWav(riff([chunk('fmt ', fmtBody({ ext: { validBits: 12 } })), data])).sampleRate).toBe(8000);
  });

  it('a fmt chunk with a cbSize extension of 0 (18 bytes)', () => {
    expect(Array.from(decodeWav(riff([chunk('fmt ', fmtBody({ size: 18 })), data])).samples)).toEqual(SAMPLES);
  });

  it('the streaming placeholder 0xFFFFFFFF for the RIFF and data sizes: data to the end of the file', () => {
    const f = riff([fmt, chunk('LIST', [...ascii('INFO')]), chunk('data', pcm(SAMPLES), { declared: 0xffffffff })], { riffSize: 0xffffffff });
    expect(Array.from(decodeWav(f).samples)).toEqual(SAMPLES);
    expectFormat(f.subarray(0, f.length - 1), /not a whole number of 2-byte samples/);
    expectFormat(f, /exceed the limit of 4/, { maxSamples: 4 });
    // only as a pair: with a real RIFF size, 0xFFFFFFFF is a lying data size
    expectFormat(riff([fmt, chunk('data', pcm(SAMPLES), { declared: 0xffffffff })]), /chunk "data" at byte 36 declares 4294967295 bytes but only 16 remain/);
    // a RIFF placeholder with an honest data size also works
    expect(Array.from(decodeWav(riff([fmt, data], { riffSize: 0xffffffff })).samples)).toEqual(SAMPLES);
  });

  it('a last odd chunk without its pad byte, and bytes after the RIFF chunk', () => {
    const noPad = riff([fmt, data, chunk('LIST', [1, 2, 3], { pad: false })]);
    expect(Array.from(decodeWav(noPad).samples)).toEqual(SAMPLES);
    expect(Array.from(decodeWav(riff([fmt, data], { trailing: 5 })).samples)).toEqual(SAMPLES);
  });
});

describe('WAV decode refuses what it does not support, naming it', () => {
  const data = chunk('data', pcm(SAMPLES));
  const withFmt = (f: FmtSpec) => riff([chunk('fmt ', fmtBody(f)), data]);

  it('channels and sample widths', () => {
    expectFormat(withFmt({ channels: 2 }), /^WAV: 2 channels; only mono is supported$/);
    expectFormat(withFmt({ channels: 0, blockAlign: 2 }), /0 channels/);
    expectFormat(withFmt({ channels: 6 }), /6 channels/);
    expectFormat(withFmt({ bits: 8 }), /8 bits per sample; only 16-bit is supported/);
    expectFormat(withFmt({ bits: 24 }), /24 bits per sample/);
    expectFormat(withFmt({ bits: 32 }), /32 bits per sample/);
    expectFormat(withFmt({ ext: { validBits: 24 }, bits: 24 }), /24 bits per sample/);
    expectFormat(withFmt({ ext: { validBits: 20 } }), /valid bits 20 must be 1\.\.16/);
    expectFormat(withFmt({ ext: { validBits: 0 } }), /valid bits 0/);
  });

  it('float and compressed formats', () => {
    expectFormat(withFmt({ tag: 3, bits: 32 }), /format tag 3 \(IEEE float\) is not supported; only PCM/);
    expectFormat(withFmt({ tag: 7, bits: 8 }), /format tag 7 \(µ-law\)/);
    expectFormat(withFmt({ tag: 6 }), /A-law/);
    expectFormat(withFmt({ tag: 0x11, bits: 4 }), /IMA ADPCM/);
    expectFormat(withFmt({ tag: 0x55 }), /MPEG layer 3/);
    expectFormat(withFmt({ tag: 0x1234 }), /format tag 4660 is not supported/);
    expectFormat(withFmt({ ext: { sub: 3 }, bits: 32 }), /subformat format tag 3 \(IEEE float\) is not supported/);
    expectFormat(withFmt({ ext: { guidTail: PCM_TAIL.map((x, i) => (i === 13 ? 0x72 : x)) } }), /subformat is not a known GUID/);
    expectFormat(withFmt({ ext: {}, size: 24 }), /WAVE_FORMAT_EXTENSIBLE is 24 bytes, shorter than 40/);
    expectFormat(withFmt({ ext: { cb: 10 } }), /extension size 10 is smaller than 22/);
  });

  it('inconsistent fmt fields', () => {
    expectFormat(withFmt({ blockAlign: 4 }), /block align 4 does not match/);
    expectFormat(withFmt({ byteRate: 8000 }), /byte rate 8000 does not match sample rate 8000 × 2/);
    expectFormat(withFmt({ rate: 0 }), /sample rate 0/);
    expectFormat(withFmt({ size: 14 }), /fmt chunk is 14 bytes, shorter than the 16/);
  });

  it('missing, misplaced or repeated chunks', () => {
    const fmt = chunk('fmt ', fmtBody());
    expectFormat(riff([data]), /data chunk at byte 12 comes before the fmt chunk/);
    expectFormat(riff([data, fmt]), /comes before the fmt chunk/);
    expectFormat(riff([fmt]), /^WAV: no data chunk$/);
    expectFormat(riff([chunk('LIST', [1, 2])]), /^WAV: no fmt chunk$/);
    expectFormat(riff([]), /no fmt chunk/);
    expectFormat(riff([fmt, fmt, data]), /second fmt chunk at byte 36/);
    expectFormat(riff([fmt, data, data]), /second data chunk/);
  });

  it('not RIFF/WAVE', () => {
    expectFormat(new Uint8Array(0), /file is 0 bytes, shorter than the 12-byte RIFF header/);
    expectFormat(new Uint8Array(11), /11 bytes/);
    expectFormat(riff([chunk('fmt ', fmtBody()), data], { magic: 'RIFX' }), /big-endian RIFX/);
    expectFormat(riff([chunk('fmt ', fmtBody()), data], { magic: 'RF64' }), /RF64/);
    expectFormat(riff([], { magic: 'OggS' }), /not a RIFF file \(starts with "OggS"\)/);
    expectFormat(riff([], { magic: '\x00\x01\x02\x03' }), /starts with "\\x00\\x01\\x02\\x03"/);
    expectFormat(riff([chunk('fmt ', fmtBody())], { form: 'AVI ' }), /form type is "AVI ", not "WAVE"/);
  });

  it('lying sizes: RIFF size, chunk sizes, data not whole samples, stray bytes', () => {
    const fmt = chunk('fmt ', fmtBody());
    const good = riff([fmt, data]);
    expectFormat(riff([fmt, data], { riffSize: good.length - 7 }), /RIFF size 53 runs past the end of the 60-byte file \(needs 61 bytes; truncated\?\)/);
    expectFormat(riff([fmt, data], { riffSize: 3 }), /RIFF size 3 is smaller than/);
    expectFormat(riff([fmt, chunk('data', pcm(SAMPLES), { declared: 18 })]), /chunk "data" at byte 36 declares 18 bytes but only 16 remain/);
    expectFormat(riff([chunk('fmt ', fmtBody(), { declared: 1000 }), data]), /chunk "fmt " at byte 12 declares 1000 bytes/);
    expectFormat(riff([fmt, chunk('LIST', [1, 2], { declared: 0x7fffffff }), data]), /chunk "LIST" at byte 36 declares 2147483647 bytes/);
    expectFormat(riff([fmt, chunk('data', [1, 2, 3])]), /data chunk of 3 bytes is not a whole number of 2-byte samples/);
    expectFormat(riff([fmt, data, new Uint8Array(5)]), /5 stray bytes at byte 60/);
    // a RIFF size that ends inside the data chunk
    expectFormat(riff([fmt, data], { riffSize: good.length - 8 - 4 }), /chunk "data" at byte 36 declares 16 bytes but only 12 remain/);
  });

  it('maxSamples', () => {
    const f = riff([chunk('fmt ', fmtBody()), data]);
    expect(decodeWav(f, { maxSamples: 8 }).samples.length).toBe(8);
    expectFormat(f, /8 samples exceed the limit of 7/, { maxSamples: 7 });
  });

  it('huge declared sizes fail at once, without allocating', () => {
    const fmt = chunk('fmt ', fmtBody());
    const before = process.memoryUsage().arrayBuffers;
    const t0 = performance.now();
    for (const size of [0xfffffffe, 0x80000000, 0x7ffffffe, 1 << 30]) {
      expectFormat(riff([fmt, chunk('data', pcm(SAMPLES), { declared: size })]), new RegExp(`declares ${size} bytes but only 16 remain`));
      expectFormat(riff([fmt, chunk('data', pcm(SAMPLES), { declared: size })], { riffSize: size }), /RIFF size \d+ runs past the end/);
    }
    expect(performance.now() - t0).toBeLessThan(200);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 << 20);
  });
});

describe('WAV decode never fails with anything but a FormatError', () => {
  const small = encodeWav(Int16Array.from(SAMPLES), 8000);
  const list = chunk('LIST', [...ascii('INFOINAM'), 3, 0, 0, 0, ...ascii('ab'), 0]); // 15 bytes + pad
  const withList = riff([chunk('fmt ', fmtBody({ ext: {} })), list, chunk('data', pcm(SAMPLES)), chunk('cue ', [1])]);

  it('every truncation of a small file and of one with a LIST chunk', () => {
    for (const good of [small, withList]) {
      expect(Array.from(decodeWav(good).samples)).toEqual(SAMPLES);
      for (let n = 0; n < good.length; n++) {
        expect(() => decodeWav(good.subarray(0, n)), `truncated to ${n} of ${good.length} bytes`).toThrow(FormatError);
      }
    }
  });

  it('seeded random byte mutations of the header region (4000 files)', () => {
    const r = new Rng(2014);
    const bases = [small, withList];
    const interesting = [0x00, 0x01, 0x02, 0x10, 0x7f, 0x80, 0xfe, 0xff];
    let decoded = 0, refused = 0;
    const t0 = performance.now();
    for (let k = 0; k < 4000; k++) {
      const base = bases[k % 2];
      const f = base.slice();
      const header = base === small ? 44 : f.length - 2 * SAMPLES.length - 10;
      const flips = r.intIn(1, 4);
      for (let j = 0; j < flips; j++) {
        const at = r.int(header);
        f[at] = r.uniform() < 0.5 ? interesting[r.int(interesting.length)] : r.int(256);
      }
      const cut = r.uniform() < 0.2 ? r.int(f.length + 1) : f.length;
      const input = f.subarray(0, cut);
      try {
        const w = decodeWav(input);
        expect(w.samples.length * 2).toBeLessThanOrEqual(input.length);
        expect(w.channels).toBe(1);
        decoded++;
      } catch (e) {
        if (!(e instanceof FormatError)) throw new Error(`mutation ${k}: ${(e as Error).name}: ${(e as Error).message}`);
        refused++;
      }
    }
    expect(decoded).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(1000);
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});

const speech = speechDir();

describe.skipIf(!speech)('the real speech split files', () => {
  it('decode with the sample counts of index.json, and re-encode to the same bytes', () => {
    const index = JSON.parse(readFileSync(join(speech!, 'index.json'), 'utf8'));
    for (const name of ['train', 'valid', 'test']) {
      const s = index.splits[name];
      const bytes = new Uint8Array(readFileSync(join(speech!, s.file)));
      expect(bytes.length).toBe(44 + 2 * s.total_samples);
      const w = decodeWav(bytes);
      expect(w.sampleRate).toBe(index.sample_rate);
      expect(w.samples.length).toBe(s.total_samples);
      expect(Buffer.from(encodeWav(w.samples, w.sampleRate)).equals(bytes), `${s.file} re-encoded`).toBe(true);
    }
  });
});
