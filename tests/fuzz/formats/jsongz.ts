// Piano-roll data sets as gzip JSON (<name>.json.gz) for the fuzz suite. Valid files are a
// random data set, JSON.stringify'd with some layout, gzipped at a random level (sometimes as
// two gzip members, which gunzip joins). Mutations work on the JSON text (duplicate keys, deep
// nesting, numbers in every form JSON allows and some it does not, wrong types, encodings) and
// on the gzip layer (members, flags, trailers); hostile files are gzip bombs and documents that
// build very many values from a small file.
import { gzipSync, deflateRawSync, deflateSync } from 'node:zlib';
import type { Rng } from '../../../bindings/data/rng.js';
import { ByteWriter, concat, repeatBytes, utf8 } from '../bytes.js';
import { cached, randomDataset, sized, type FormatGen, type Generated, type Scale } from '../common.js';
import type { Field } from '../mutate.js';

const gz = (b: Uint8Array, level = 6): Uint8Array => new Uint8Array(gzipSync(b, { level }));

/** A gzip stream of `total` bytes repeating `pattern` between `prefix` and `suffix`: one gzip
 *  member per ~1 MiB (gunzip joins members), so a 256 MiB bomb costs a millisecond to build. */
export function gzipRepeated(prefix: string, pattern: string, total: number, suffix: string): Uint8Array {
  const per = Math.max(1, Math.floor((1 << 20) / pattern.length));
  const full = Math.floor(total / (per * pattern.length));
  const rest = Math.floor((total - full * per * pattern.length) / pattern.length);
  const member = cached(`gzmember-${pattern}`, () => gz(repeatBytes(utf8(pattern), per * pattern.length), 9));
  const parts: Uint8Array[] = [gz(utf8(prefix))];
  for (let i = 0; i < full; i++) parts.push(member);
  if (rest > 0) parts.push(gz(repeatBytes(utf8(pattern), rest * pattern.length), 9));
  parts.push(gz(utf8(suffix)));
  return concat(...parts);
}

function layout(rng: Rng, v: unknown): string {
  const indent = rng.pick([undefined, undefined, 1, 2, '\t']);
  return JSON.stringify(v, null, indent);
}

function valid(rng: Rng): Generated {
  const ds = randomDataset(rng, 4, 12);
  const text = utf8(layout(rng, ds));
  const level = rng.intIn(0, 9);
  if (rng.bernoulli(0.15) && text.length > 2) {
    const cut = rng.intIn(1, text.length - 1);
    return { bytes: concat(gz(text.subarray(0, cut), level), gz(text.subarray(cut), level)), how: `valid(two gzip members, level ${level})`, expected: ds };
  }
  return { bytes: gz(text, level), how: `valid(level ${level})`, expected: ds };
}

const NUMBERS = ['60.0', '6e1', '6E1', '0.6e2', '600e-1', '-0', '0', '1e309', '1e400', '-1e400', '123456789012345678901234567890', '60.000000000000001',
  '60.00000000000001', '1e-400', '5e-324', 'NaN', 'Infinity', '-Infinity', '0x3c', '+60', '060', '.5', '60.', '6e', '--60', '60n', '2e1', '1.7976931348623157e308'];

/** Replaces the first `[` ... `]` holding only numbers (a step) with `rep`. */
function replaceStep(text: string, rep: string, rng: Rng): string {
  const re = /\[(?:\s*\d+\s*,?)+\]|\[\]/g;
  const hits = [...text.matchAll(re)];
  if (hits.length === 0) return text;
  const m = rng.pick(hits);
  return text.slice(0, m.index!) + rep + text.slice(m.index! + m[0].length);
}

function replaceNumber(text: string, rep: string, rng: Rng): string {
  const hits = [...text.matchAll(/\d+/g)];
  if (hits.length === 0) return text;
  const m = rng.pick(hits);
  return text.slice(0, m.index!) + rep + text.slice(m.index! + m[0].length);
}

function mutateText(rng: Rng, text: string): { text: string | Uint8Array; how: string } {
  switch (rng.int(14)) {
    case 0: { const body = text.slice(1, text.indexOf('],"') + 1); return { text: `{${body},${text.slice(1)}`, how: 'duplicate key' }; }
    case 1: { const d = rng.pick([2, 64, 65, 1000, 20_000]); return { text: replaceStep(text, '['.repeat(d) + ']'.repeat(d), rng), how: `nest ${d}` }; }
    case 2: { const n = rng.pick(NUMBERS); return { text: replaceNumber(text, n, rng), how: `number ${n}` }; }
    case 3: {
      const k = rng.pick(['extra', '__proto__', 'constructor', 'Train', 'train ', '', 'toString']);
      return { text: `{"${k}":[[[60]]],${text.slice(1)}`, how: `key ${JSON.stringify(k)}` };
    }
    case 4: {
      const k = rng.pick(['train', 'valid', 'test']);
      let o: Record<string, unknown>;
      try { o = JSON.parse(text) as Record<string, unknown>; } catch { o = { train: [[[60]]], valid: [[[60]]], test: [[[60]]] }; }
      if (o && typeof o === 'object') delete o[k];
      let t: string;
      try { t = JSON.stringify(o); } catch { t = '{"valid":[[[60]]],"test":[[[60]]]}'; } // nested too deep to write back
      return { text: t, how: `missing ${k}` };
    }
    case 5: {
      const v = rng.pick(['null', 'true', '"60"', '{}', '[]', '[[]]', '{"0":60}', '"\\ud800"']);
      return { text: rng.bernoulli(0.5) ? replaceStep(text, v, rng) : replaceNumber(text, v, rng), how: `value ${v}` };
    }
    case 6: return { text: concat([0xef, 0xbb, 0xbf], utf8(text)), how: 'BOM' };
    case 7: { const b = new Uint8Array(text.length * 2); for (let i = 0; i < text.length; i++) { b[2 * i] = text.charCodeAt(i); } return { text: concat([0xff, 0xfe], b), how: 'UTF-16LE' }; }
    case 8: { const b = utf8(text || ' '); b[rng.int(b.length)] = rng.pick([0xff, 0xc0, 0x80, 0xed, 0xf8]); return { text: b, how: 'bad UTF-8' }; }
    case 9: return { text: text + rng.pick([' x', ',', '}', '\u0000', ' {}', '\n// c', '\u00a0']), how: 'trailing garbage' };
    case 10: return { text: text.slice(0, rng.int(text.length + 1)), how: 'truncated text' };
    case 11: return { text: rng.pick(['', ' ', 'null', '[]', '{}', '"x"', '0', '{"train":[],"valid":[],"test":[]}', '{"train":[[]],"valid":[[]],"test":[[]]}']), how: 'tiny document' };
    case 12: { const n = rng.pick([100, 5000, 50_000]); return { text: replaceStep(text, `[]${',[]'.repeat(n)}`, rng), how: `${n} tiny steps` }; }
    default: { const bad = rng.pick(['20', '109', '60,60', '61,60', '60.5', '-60', '1e2']); return { text: `{"train":[[[60]]],"valid":[[[60]]],"test":[[[${bad}]]]}`, how: `bad note ${bad}` }; }
  }
}

/** A gzip member with header flags set (FTEXT/FHCRC/FEXTRA/FNAME/FCOMMENT) around raw deflate. */
function gzipWithFlags(rng: Rng, data: Uint8Array): Uint8Array {
  const flags = rng.int(32);
  const w = new ByteWriter();
  w.bytes([0x1f, 0x8b, 8, flags]).u32le(0).bytes([0, 3]);
  if (flags & 4) { const n = rng.pick([0, 4, 0xffff]); w.u16le(n); w.bytes(new Uint8Array(Math.min(n, 16))); }
  if (flags & 8) w.bytes(utf8('name.json')).u8(rng.bernoulli(0.9) ? 0 : 1);
  if (flags & 16) w.bytes(utf8('comment')).u8(0);
  if (flags & 2) w.u16le(rng.int(65536));
  w.bytes(deflateRawSync(data));
  w.u32le(rng.bernoulli(0.5) ? zlibCrc(data) : rng.int(2 ** 32)).u32le(rng.bernoulli(0.7) ? data.length : rng.int(2 ** 32));
  return w.toBytes();
}

function zlibCrc(b: Uint8Array): number {
  let c = ~0;
  for (let i = 0; i < b.length; i++) {
    c ^= b[i];
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function mutateGzip(rng: Rng, text: Uint8Array): { bytes: Uint8Array; how: string } {
  switch (rng.int(7)) {
    case 0: return { bytes: gzipWithFlags(rng, text), how: 'gzip flags' };
    case 1: return { bytes: concat(gz(text), rng.pick([[0], [0x1f], [0x1f, 0x8b], [0, 0, 0, 0, 0, 0, 0, 0], utf8('garbage')])), how: 'bytes after the gzip member' };
    case 2: return { bytes: concat(gz(new Uint8Array(0)), gz(text), gz(new Uint8Array(0))), how: 'empty members' };
    case 3: return { bytes: new Uint8Array(deflateSync(text)), how: 'zlib, not gzip' };
    case 4: return { bytes: new Uint8Array(deflateRawSync(text)), how: 'raw deflate' };
    case 5: return { bytes: gz(new Uint8Array(0)), how: 'empty gzip' };
    default: return { bytes: text, how: 'not compressed' };
  }
}

function structured(rng: Rng, _scale: Scale): Generated {
  const ds = randomDataset(rng, 3, 8);
  let text: string | Uint8Array = JSON.stringify(ds);
  const hows: string[] = [];
  if (rng.bernoulli(0.85)) {
    for (let k = 0, n = rng.intIn(1, 2); k < n; k++) {
      const m = mutateText(rng, typeof text === 'string' ? text : new TextDecoder().decode(text));
      text = m.text;
      hows.push(m.how);
    }
  }
  const bytes = typeof text === 'string' ? utf8(text) : text;
  if (hows.length === 0 || rng.bernoulli(0.15)) {
    const m = mutateGzip(rng, bytes);
    return { bytes: m.bytes, how: `structured(${[...hows, m.how].join(', ')})` };
  }
  return { bytes: gz(bytes, rng.intIn(0, 9)), how: `structured(${hows.join(', ')})` };
}

const ONE = '[[[60]]]';

function hostile(rng: Rng, scale: Scale): Generated {
  const MiB = 1024 * 1024;
  switch (rng.int(8)) {
    case 0: { // a bomb of whitespace or brackets, around and past the decompressed limit
      const n = sized(scale, rng.intIn(MiB >> 2, MiB), rng.pick([100 * MiB, 256 * MiB - 1, 256 * MiB + 1, 600 * MiB]));
      const pattern = rng.pick([' ', '[', '0', '\n']);
      return { bytes: cached(`jz0-${n}-${pattern}`, () => gzipRepeated('', pattern, n, '')), how: `hostile(gzip bomb: ${n} × ${JSON.stringify(pattern)})` };
    }
    case 1: { // very many empty steps in one piece
      const n = sized(scale, rng.intIn(5000, 60_000), rng.pick([4_000_001, 20_000_000, 80_000_000]));
      return { bytes: cached(`jz1-${n}`, () => gzipRepeated('{"valid":[[[]]],"test":[[[]]],"train":[[', '[],', n * 3, `[]]]}`)), how: `hostile(${n} empty steps)` };
    }
    case 2: { // very many one-step pieces
      const n = sized(scale, rng.intIn(5000, 40_000), rng.pick([100_001, 1_000_000, 20_000_000]));
      return { bytes: cached(`jz2-${n}`, () => gzipRepeated('{"valid":[[[]]],"test":[[[]]],"train":[', '[[]],', n * 5, `[[]]]}`)), how: `hostile(${n} pieces)` };
    }
    case 3: { // steps of all 88 notes
      const step = `[${Array.from({ length: 88 }, (_, i) => 21 + i).join(',')}],`;
      const n = sized(scale, rng.intIn(500, 3000), rng.pick([200_000, 500_000]));
      return { bytes: cached(`jz3-${n}`, () => gzipRepeated('{"valid":[[[]]],"test":[[[]]],"train":[[', step, n * step.length, `[]]]}`)), how: `hostile(${n} steps of 88 notes)` };
    }
    case 4: { // deep nesting
      const n = sized(scale, rng.intIn(5000, 100_000), rng.pick([1_000_000, 10_000_000, 100_000_000]));
      const closed = rng.bernoulli(0.5);
      return { bytes: cached(`jz4-${n}-${closed}`, () => concat(gzipRepeated('{"train":', '[', n, ''), gzipRepeated('', ']', closed ? n : 0, '}'))), how: `hostile(nesting ${n}${closed ? '' : ', unclosed'})` };
    }
    case 5: { // one number of very many digits
      const n = sized(scale, rng.intIn(10_000, 200_000), rng.pick([10_000_000, 100_000_000]));
      return { bytes: cached(`jz5-${n}`, () => gzipRepeated('{"valid":[[[60]]],"test":[[[60]]],"train":[[[', '1', n, ']]]}')), how: `hostile(a number of ${n} digits)` };
    }
    case 6: { // one long string
      const n = sized(scale, rng.intIn(10_000, 200_000), rng.pick([10_000_000, 200_000_000]));
      return { bytes: cached(`jz6-${n}`, () => gzipRepeated(`{"valid":${ONE},"test":${ONE},"train":${ONE},"`, 'a', n, '":1}')), how: `hostile(a key of ${n} characters)` };
    }
    default: { // the same key very many times
      const n = sized(scale, rng.intIn(1000, 10_000), rng.pick([1_000_000, 10_000_000]));
      return { bytes: cached(`jz7-${n}`, () => gzipRepeated(`{"valid":${ONE},"test":${ONE},`, `"train":${ONE},`, n * (10 + ONE.length), `"train":${ONE}}`)), how: `hostile(key "train" ${n} times)` };
    }
  }
}

function fields(b: Uint8Array): Field[] {
  const out: Field[] = [
    { at: 3, width: 1, le: true, name: 'FLG' }, { at: 4, width: 4, le: true, name: 'MTIME' }, { at: 8, width: 1, le: true, name: 'XFL' },
  ];
  if (b.length >= 18) out.push({ at: b.length - 8, width: 4, le: true, name: 'CRC32' }, { at: b.length - 4, width: 4, le: true, name: 'ISIZE' });
  return out;
}

export const jsongzGen: FormatGen = { valid, structured, hostile, fields, magic: Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3) };
