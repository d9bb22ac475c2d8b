// RIFF/WAVE files for the fuzz suite. Valid files come from encodeWav or from a chunk writer
// here that also uses what decodeWav documents as accepted: WAVE_FORMAT_EXTENSIBLE, an 18-byte
// fmt, extra chunks with odd sizes and their pad bytes, the streaming 0xFFFFFFFF sizes, a last
// chunk without its pad, bytes after the RIFF chunk. Mutations work on chunks and fmt fields;
// hostile files have very many chunks or very large (streamed) data.
import type { Rng } from '../../../bindings/data/rng.js';
import { encodeWav } from '../../../bindings/io/wav.js';
import { ByteWriter, ascii, readU32le, repeatBytes } from '../bytes.js';
import { cached, sized, type FormatGen, type Generated, type Scale } from '../common.js';
import type { Field } from '../mutate.js';

export interface WavChunk { id: string; body: Uint8Array; size?: number; pad?: boolean }

export function riff(chunks: WavChunk[], o: { riffSize?: number; magic?: string; form?: string; trailing?: Uint8Array } = {}): Uint8Array {
  const body = new ByteWriter();
  for (const c of chunks) {
    body.ascii(c.id).u32le(c.size ?? c.body.length).bytes(c.body);
    if ((c.pad ?? true) && c.body.length % 2 === 1) body.u8(0);
  }
  const b = body.toBytes();
  const w = new ByteWriter();
  w.ascii(o.magic ?? 'RIFF').u32le(o.riffSize ?? 4 + b.length).ascii(o.form ?? 'WAVE').bytes(b);
  if (o.trailing) w.bytes(o.trailing);
  return w.toBytes();
}

interface Fmt { tag?: number; channels?: number; rate: number; byteRate?: number; blockAlign?: number; bits?: number; cb?: number[] }

export function fmtBody(f: Fmt): Uint8Array {
  const w = new ByteWriter();
  w.u16le(f.tag ?? 1).u16le(f.channels ?? 1).u32le(f.rate).u32le(f.byteRate ?? (f.rate * 2) >>> 0).u16le(f.blockAlign ?? 2).u16le(f.bits ?? 16);
  if (f.cb) w.bytes(f.cb);
  return w.toBytes();
}

const GUID_PCM_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];
/** The 24-byte extension of WAVE_FORMAT_EXTENSIBLE: cbSize 22, valid bits, mask, subformat. */
export function extensible(validBits = 16, subTag = 1, tail = GUID_PCM_TAIL, cbSize = 22): number[] {
  const w = new ByteWriter();
  w.u16le(cbSize).u16le(validBits).u32le(4).u16le(subTag).bytes(tail);
  return Array.from(w.toBytes());
}

function samplesOf(rng: Rng, n: number): Int16Array {
  const s = new Int16Array(n);
  for (let i = 0; i < n; i++) s[i] = rng.bernoulli(0.05) ? rng.pick([-32768, 32767, 0, -1]) : rng.int(65536) - 32768;
  return s;
}
const bytesOf = (s: Int16Array): Uint8Array => new Uint8Array(s.buffer, s.byteOffset, s.byteLength).slice();
const extra = (rng: Rng): WavChunk => ({ id: rng.pick(['LIST', 'fact', 'cue ', 'bext', 'junk', 'id3 ']), body: Uint8Array.from({ length: rng.int(12) }, () => rng.int(256)) });

function valid(rng: Rng): Generated {
  const rate = rng.pick([8000, 16000, 22050, 44100, 48000, 1, 0x7fffffff]);
  const samples = samplesOf(rng, rng.bernoulli(0.1) ? 0 : rng.int(600));
  const expected = { sampleRate: rate, channels: 1, bitsPerSample: 16, samples: Array.from(samples) };
  if (rng.bernoulli(0.5)) return { bytes: encodeWav(samples, rate), how: `valid(encodeWav, ${samples.length} samples)`, expected };
  const fmtKind = rng.int(3);
  const fmt: WavChunk = {
    id: 'fmt ',
    body: fmtBody(fmtKind === 0 ? { rate } : fmtKind === 1 ? { rate, cb: [0, 0] } : { tag: 0xfffe, rate, cb: extensible(rng.intIn(1, 16)) }),
  };
  const streamed = rng.bernoulli(0.2);
  const chunks: WavChunk[] = [];
  if (rng.bernoulli(0.3)) chunks.push(extra(rng));
  chunks.push(fmt);
  if (rng.bernoulli(0.3)) chunks.push(extra(rng));
  chunks.push({ id: 'data', body: bytesOf(samples), ...(streamed ? { size: 0xffffffff } : {}) });
  let noPadEnd = false;
  if (!streamed && rng.bernoulli(0.3)) {
    const e = extra(rng);
    noPadEnd = e.body.length % 2 === 1 && rng.bernoulli(0.5);
    chunks.push({ ...e, pad: !noPadEnd });
  }
  const trailing = !streamed && rng.bernoulli(0.2) ? Uint8Array.from({ length: rng.intIn(1, 9) }, () => rng.int(256)) : undefined;
  const bytes = riff(chunks, { ...(streamed ? { riffSize: 0xffffffff } : {}), ...(trailing ? { trailing } : {}) });
  return { bytes, how: `valid(chunks: fmt ${['16', '18', 'extensible'][fmtKind]}${streamed ? ', streamed' : ''}${noPadEnd ? ', no final pad' : ''}${trailing ? ', trailing bytes' : ''})`, expected };
}

function structured(rng: Rng, _scale: Scale): Generated {
  const rate = rng.pick([8000, 16000, 44100]);
  const samples = samplesOf(rng, rng.int(200));
  const f: Fmt = { rate };
  let fmt: WavChunk = { id: 'fmt ', body: fmtBody(f) };
  let data: WavChunk = { id: 'data', body: bytesOf(samples) };
  let chunks: WavChunk[] = [fmt, data];
  const o: { riffSize?: number; magic?: string; form?: string; trailing?: Uint8Array } = {};
  const hows: string[] = [];
  for (let k = 0, n = rng.intIn(1, 3); k < n; k++) {
    switch (rng.int(16)) {
      case 0: chunks = [data, fmt]; hows.push('data before fmt'); break;
      case 1: chunks.splice(rng.int(chunks.length + 1), 0, rng.bernoulli(0.5) ? fmt : data); hows.push('duplicate chunk'); break;
      case 2: chunks = chunks.filter((c) => c.id !== (rng.bernoulli(0.5) ? 'fmt ' : 'data')); hows.push('missing chunk'); break;
      case 3: { data = { id: 'data', body: data.body.slice(0, Math.max(1, data.body.length - 1) | 1) }; chunks = chunks.map((c) => (c.id === 'data' ? data : c)); hows.push('odd data'); break; }
      case 4: {
        const key = rng.pick(['tag', 'channels', 'rate', 'byteRate', 'blockAlign', 'bits'] as const);
        const v = rng.pick(key === 'tag' ? [0, 2, 3, 6, 7, 0x11, 0x55, 0xfffe, 0xffff] : key === 'rate' ? [0, 1, 0x7fffffff, 0x80000000, 0xffffffff]
          : key === 'byteRate' ? [0, rate, rate * 4, 0xffffffff] : key === 'blockAlign' ? [0, 1, 4, 0xffff] : key === 'bits' ? [0, 8, 24, 32, 0xffff] : [0, 2, 6, 0xffff]);
        (f as unknown as Record<string, number>)[key] = v;
        fmt = { id: 'fmt ', body: fmtBody(f) };
        chunks = chunks.map((c) => (c.id === 'fmt ' ? fmt : c));
        hows.push(`fmt ${key}=${v}`);
        break;
      }
      case 5: {
        const which = rng.int(5);
        f.tag = 0xfffe;
        f.cb = which === 0 ? extensible(rng.pick([0, 17, 16, 1])) : which === 1 ? extensible(16, rng.pick([3, 0, 0xfffe])) : which === 2 ? extensible(16, 1, GUID_PCM_TAIL.map((x, i) => (i === 5 ? x ^ 1 : x)))
          : which === 3 ? extensible(16, 1, GUID_PCM_TAIL, rng.pick([0, 21, 0xffff])) : extensible().slice(0, rng.int(24));
        fmt = { id: 'fmt ', body: fmtBody(f) };
        chunks = chunks.map((c) => (c.id === 'fmt ' ? fmt : c));
        hows.push(`extensible ${which}`);
        break;
      }
      case 6: { const c = chunks.length > 0 ? rng.pick(chunks) : undefined; if (c) { c.size = rng.pick([0, 1, 14, 15, 17, 0x7fffffff, 0xfffffffe, 0xffffffff, c.body.length + 1, c.body.length + 2]); hows.push(`chunk ${c.id} size ${c.size}`); } break; }
      case 7: o.riffSize = rng.pick([0, 3, 4, 0xfffffffe, 0xffffffff, 0x7fffffff]); hows.push(`riff size ${o.riffSize}`); break;
      case 8: o.magic = rng.pick(['RIFX', 'RF64', 'riff', 'RIFF\0'.slice(0, 4), 'FORM']); hows.push(`magic ${o.magic}`); break;
      case 9: o.form = rng.pick(['AVI ', 'wave', 'WAV ', '\0\0\0\0']); hows.push(`form ${o.form}`); break;
      case 10: { const n = rng.intIn(1, 200); for (let i = 0; i < n; i++) chunks.splice(rng.int(chunks.length + 1), 0, { id: 'junk', body: new Uint8Array(rng.int(3)) }); hows.push(`${n} small chunks`); break; }
      case 11: { chunks.splice(rng.int(chunks.length + 1), 0, { id: 'LIST', body: Uint8Array.of(1, 2, 3), pad: false }); hows.push('missing pad'); break; }
      case 12: { o.riffSize = 0xffffffff; data.size = 0xffffffff; chunks.push({ id: 'junk', body: Uint8Array.of(rng.int(256)), pad: false }); hows.push('streamed with odd tail'); break; }
      case 13: { o.trailing = Uint8Array.from({ length: rng.intIn(1, 40) }, () => rng.int(256)); hows.push('trailing'); break; }
      case 14: { fmt = { id: 'fmt ', body: fmt.body.slice(0, rng.pick([0, 8, 14, 15])) }; chunks = chunks.map((c) => (c.id === 'fmt ' ? fmt : c)); hows.push('short fmt'); break; }
      default: { const c = chunks.length > 0 ? rng.pick(chunks) : undefined; if (c) { c.id = rng.pick(['FMT ', 'fmt\0', 'DATA', 'data ', 'dat']).padEnd(4, ' ').slice(0, 4); hows.push(`id ${c.id}`); } break; }
    }
  }
  return { bytes: riff(chunks, o), how: `structured(${hows.join(', ')})` };
}

function hostile(rng: Rng, scale: Scale): Generated {
  const fmt: WavChunk = { id: 'fmt ', body: fmtBody({ rate: 16000 }) };
  switch (rng.int(4)) {
    case 0: {
      const n = sized(scale, rng.intIn(1000, 20_000), rng.pick([1_000_000, 4_000_000]));
      return {
        bytes: cached(`wv0-${n}`, () => {
          const junk = repeatBytes([...ascii('junk'), 0, 0, 0, 0], n * 8);
          const w = new ByteWriter();
          w.ascii('RIFF').u32le(4 + n * 8 + 8 + 16 + 8 + 2).ascii('WAVE').ascii('fmt ').u32le(16).bytes(fmt.body).bytes(junk).ascii('data').u32le(2).u16le(7);
          return w.toBytes();
        }),
        how: `hostile(${n} empty chunks)`,
      };
    }
    case 1: {
      const n = 2 * Math.floor(sized(scale, rng.intIn(50_000, 1_000_000), rng.pick([8 * 1024 * 1024, 48 * 1024 * 1024])) / 2);
      return {
        bytes: cached(`wv1-${n}`, () => {
          const w = new ByteWriter();
          w.ascii('RIFF').u32le(0xffffffff).ascii('WAVE').ascii('fmt ').u32le(16).bytes(fmt.body).ascii('data').u32le(0xffffffff);
          const head = w.toBytes();
          const out = new Uint8Array(head.length + n);
          out.set(head);
          return out;
        }),
        how: `hostile(streamed data of ${n} bytes)`,
      };
    }
    case 2: {
      return { bytes: riff([fmt, { id: 'data', body: new Uint8Array(16), size: rng.pick([0xfffffffe, 0x7ffffffe, 0x80000000]) }], { riffSize: rng.pick([0xffffffff, 0xfffffffe]) }), how: 'hostile(data size near 4 GiB)' };
    }
    default: {
      const n = sized(scale, rng.intIn(1000, 20_000), rng.pick([500_000, 2_000_000]));
      return {
        bytes: cached(`wv3-${n}`, () => {
          const w = new ByteWriter();
          w.ascii('RIFF').u32le(4 + 24 + n * 10 + 10).ascii('WAVE').ascii('fmt ').u32le(16).bytes(fmt.body);
          for (let i = 0; i < n; i++) w.ascii('odd!').u32le(1).u8(0x55).u8(0);
          w.ascii('data').u32le(2).u16le(1);
          return w.toBytes();
        }),
        how: `hostile(${n} odd chunks with pads)`,
      };
    }
  }
}

function fields(b: Uint8Array): Field[] {
  const out: Field[] = [{ at: 4, width: 4, le: true, name: 'RIFF size' }];
  let at = 12;
  for (let k = 0; k < 64 && at + 8 <= b.length; k++) {
    const id = String.fromCharCode(b[at], b[at + 1], b[at + 2], b[at + 3]);
    out.push({ at: at + 4, width: 4, le: true, name: `${id} size` });
    if (id === 'fmt ') {
      out.push({ at: at + 8, width: 2, le: true, name: 'format tag' }, { at: at + 10, width: 2, le: true, name: 'channels' },
        { at: at + 12, width: 4, le: true, name: 'sample rate' }, { at: at + 16, width: 4, le: true, name: 'byte rate' },
        { at: at + 20, width: 2, le: true, name: 'block align' }, { at: at + 22, width: 2, le: true, name: 'bits' }, { at: at + 24, width: 2, le: true, name: 'cbSize' });
    }
    const size = readU32le(b, at + 4);
    at += 8 + size + (size % 2);
  }
  return out;
}

export const wavGen: FormatGen = { valid, structured, hostile, fields, magic: ascii('RIFF\x24\0\0\0WAVEfmt ') };
