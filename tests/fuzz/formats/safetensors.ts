// Model files (safetensors with the gatedrnn metadata) for the fuzz suite. A valid file is what
// modelToSafetensors writes for a small random model — built here from the same pieces
// (resolveConfig, publicConfig, paramTable, encodeSafetensors) so no WebAssembly core is needed;
// tests/fuzz.test.ts checks it is byte for byte what modelToSafetensors writes. Mutations work
// on the header JSON (shapes, offsets, dtypes, names, metadata, the config JSON inside it) and
// on its text and length field; hostile files aim at the header parser's and parseModelFile's
// time and memory.
import { Rng } from '../../../bindings/data/rng.js';
import { encodeSafetensors, type Tensor } from '../../../bindings/io/safetensors.js';
import { publicConfig, resolveConfig } from '../../../bindings/model/config.js';
import { paramTable } from '../../../bindings/model/params.js';
import { FORMAT, FORMAT_VERSION } from '../../../bindings/model/file.js';
import type { DataInfo, ModelConfig } from '../../../bindings/model/types.js';
import { ByteWriter, concat, repeatBytes, utf8 } from '../bytes.js';
import { cached, sized, type FormatGen, type Generated, type Scale } from '../common.js';
import { randomBytes, type Field } from '../mutate.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

/** Sets a key as an own property, also "__proto__". */
function setKey(o: Obj, k: string, v: Json): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

export function randomModelConfig(rng: Rng): ModelConfig {
  const unit = rng.pick(['tanh', 'lstm', 'gru'] as const);
  const head = rng.pick([
    () => ({ type: 'bernoulli', size: rng.intIn(1, 6) }),
    () => ({ type: 'softmax', size: rng.intIn(2, 6) }),
    () => ({ type: 'mog', components: rng.intIn(1, 3), size: rng.intIn(1, 3) }),
  ])();
  const c: ModelConfig = { unit, inputSize: rng.intIn(1, 6), hiddenSize: rng.intIn(1, 6), layers: rng.bernoulli(0.8) ? rng.intIn(1, 2) : 3, head, seed: rng.int(1000) };
  if (unit === 'lstm' && rng.bernoulli(0.5)) c.peepholes = rng.bernoulli(0.5);
  if (unit === 'gru' && rng.bernoulli(0.5)) c.resetAfter = rng.bernoulli(0.5);
  if (rng.bernoulli(0.2)) c.recurrentInit = 'uniform';
  return c;
}

function randomFloat(rng: Rng): number {
  if (rng.bernoulli(0.05)) return rng.pick([0, -0, 3.4e38, -3.4e38, 1e-45, 1.1754943508222875e-38, 1, -1]);
  return rng.normal() * 0.3;
}

/** The tensors a model of `config` has, with random finite values. */
export function randomParams(rng: Rng, config: ModelConfig): Map<string, Tensor> {
  const r = resolveConfig(config);
  const out = new Map<string, Tensor>();
  for (const s of paramTable(r)) {
    const data = new Float32Array(s.size);
    for (let i = 0; i < data.length; i++) data[i] = randomFloat(rng);
    out.set(s.name, { shape: s.fileShape.slice(), data });
  }
  return out;
}

/** A model file as modelToSafetensors writes it for these parameters (and data info). */
export function buildModelFile(config: ModelConfig, params: Map<string, Tensor>, data?: DataInfo): Uint8Array {
  const md: Record<string, string> = { format: FORMAT, format_version: FORMAT_VERSION, config: JSON.stringify(publicConfig(resolveConfig(config))) };
  if (data !== undefined) md.data = JSON.stringify(data);
  return encodeSafetensors(params, md);
}

function randomDataInfo(rng: Rng): DataInfo | undefined {
  if (rng.bernoulli(0.6)) return undefined;
  return rng.bernoulli(0.5)
    ? { kind: 'speech', sampleRate: 16000, mean: rng.normal(), std: 1 + rng.uniform(), input: rng.intIn(1, 400), hop: rng.intIn(1, 200) }
    : { kind: 'music', stepsPerQuarter: 2, name: 'jsb' };
}

/** A valid model file and what parseModelFile returns for it. */
function validModel(rng: Rng): Generated & { config: ModelConfig; params: Map<string, Tensor>; data?: DataInfo } {
  const config = randomModelConfig(rng);
  const params = randomParams(rng, config);
  const data = randomDataInfo(rng);
  const bytes = buildModelFile(config, params, data);
  const pub = publicConfig(resolveConfig(config));
  const expected: Record<string, unknown> = {
    config: pub,
    tensors: Object.fromEntries([...params].map(([k, t]) => [k, { shape: t.shape, data: Array.from(t.data) }])),
  };
  if (data !== undefined) expected.data = data;
  return { bytes, how: `valid(${config.unit} I=${config.inputSize} H=${config.hiddenSize} L=${config.layers ?? 1} ${config.head?.type ?? "no head"})`, expected, config, params, data };
}

/** Splits a safetensors file into its header object and data buffer. */
function split(bytes: Uint8Array): { header: Obj; data: Uint8Array } {
  const len = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const text = new TextDecoder().decode(bytes.subarray(8, 8 + len));
  return { header: JSON.parse(text) as Obj, data: bytes.slice(8 + len) };
}

interface Assemble {
  /** Header length field (default: the header's byte length after padding). */
  len?: number | bigint;
  /** Padding byte (default space) and whether to pad to 8 at all. */
  pad?: number;
  noPad?: boolean;
}

/** [u64 length][header][data]. */
export function assemble(header: string | Uint8Array, data: Uint8Array, o: Assemble = {}): Uint8Array {
  const h = typeof header === 'string' ? utf8(header) : header;
  const padded = o.noPad ? h.length : Math.ceil(h.length / 8) * 8;
  const w = new ByteWriter();
  w.u64le(o.len ?? padded);
  w.bytes(h);
  for (let i = h.length; i < padded; i++) w.u8(o.pad ?? 0x20);
  w.bytes(data);
  return w.toBytes();
}

const SHAPES: Json[] = [
  [2147483647, 2147483647], [2147483648], [4294967295, 1], [1e300], [9007199254740993], [-1, 4], [1.5], ['3'], [null],
  [], [0], [0, 5], [5, 0], Array(17).fill(1), Array(200).fill(1), [2147483647, 2147483647, 2147483647, 2147483647, 2147483647],
  [1, 1, 1, 1], {}, 'x', null, [1e-7], [-0],
];
const DTYPES: Json[] = ['F16', 'BF16', 'F64', 'I32', 'U8', 'f32', '', 'F32 ', 'FLOAT', 123, null, ['F32'], 'F8_E4M3'];
const NAMES = ['', '__proto__', 'constructor', 'toString', 'hasOwnProperty', '__metadata__', 'head.weight ', 'weight_ih_l99',
  'é', '\u0000', '\ud800', 'a'.repeat(5000), 'head.bias\n', 'HEAD.WEIGHT'];

function configMutation(rng: Rng, cfgText: string): string {
  if (rng.bernoulli(0.3)) {
    return rng.pick(['', 'null', '[]', '1e999', '{', '"lstm"', '{"unit":"lstm"}', '{"unit":"lstm","inputSize":1,"hiddenSize":1,"head":{"type":"bernoulli","size":1}}',
      '['.repeat(100) + ']'.repeat(100), '{"__proto__":{"unit":"lstm"}}', '{"unit":"lstm","unit":"gru"}', cfgText + ' x', cfgText.slice(0, cfgText.length >> 1)]);
  }
  let c: Obj;
  try { c = JSON.parse(cfgText) as Obj; } catch { c = {}; }
  if (!c || typeof c !== 'object' || Array.isArray(c)) c = {};
  const key = rng.pick(['unit', 'inputSize', 'hiddenSize', 'layers', 'head', 'seed', 'recurrentInit', 'peepholes', 'resetAfter', '__proto__', 'extra']);
  const values: Json[] = key === 'head'
    ? [null, {}, { type: 'mog', components: 1e9, size: 1 }, { type: 'mog', components: 64, size: 64 }, { type: 'x' }, { type: 'bernoulli', size: 0 },
      { type: 'softmax', size: 1 }, { type: 'bernoulli', size: 65536 }, { type: 'bernoulli', size: 1, extra: 1 }, { type: 'constructor' }, { type: '__proto__' }, 'bernoulli']
    : [0, -1, 1.5, 65536, 65537, 8192, 8193, 64, 65, 1e308, 2 ** 53, '4', null, true, [], {}, 'tanh', 'lstm', 'gru', 'orthogonal', 'uniform', 'x'];
  setKey(c, key, rng.pick(values));
  if (rng.bernoulli(0.2)) { c.hiddenSize = 8192; c.layers = 64; c.inputSize = 65536; }
  return JSON.stringify(c);
}

function dataMutation(rng: Rng): string {
  return rng.pick(['{}', '{"kind":1}', '{"kind":"speech","mean":"x"}', '{"kind":"s","x":{}}', '{"kind":"s","x":null}', '[]', 'null', '"kind"', '',
    '{"kind":"s","mean":1e999}', '{"kind":"s","__proto__":1}', '[[[[[[[[[[]]]]]]]]]]', '{"kind":"s","kind":"t"}']);
}

/** One mutation of the header object. */
function mutateHeader(rng: Rng, h: Obj, dataLen: number): string {
  const names = Object.keys(h).filter((k) => k !== '__metadata__');
  const name = names.length > 0 ? rng.pick(names) : 'x';
  const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);
  const entry: Obj = isObj(h[name]) ? h[name] : {};
  const md: Obj = isObj(h.__metadata__) ? h.__metadata__ : {};
  switch (rng.int(13)) {
    case 0: entry.shape = rng.pick(SHAPES); return `shape ${name}`;
    case 1: {
      const other = names.length > 0 ? (h[rng.pick(names)] as Obj | undefined) : undefined;
      const [b, e] = (entry.data_offsets as number[] | undefined) ?? [0, 0];
      entry.data_offsets = rng.pick<Json>([[-4, 0], [0, -1], [e, b], [0, 2 ** 53], [0, 1e300], [b, e + 4], [b + 4, e], [0, 0], [1.5, 5.5], 'x', [0], [0, 4, 8],
        [0, dataLen], [dataLen, dataLen], [b, 2 ** 32 + e], other?.data_offsets ?? [0, 0], [-0, e - b]]);
      return `offsets ${name}`;
    }
    case 2: entry.dtype = rng.pick(DTYPES); return `dtype ${name}`;
    case 3: {
      if (rng.bernoulli(0.5)) setKey(entry, rng.pick(['extra', 'dtype ', '__proto__', 'offsets']), 1);
      else delete entry[rng.pick(['dtype', 'shape', 'data_offsets'])];
      return `fields ${name}`;
    }
    case 4: setKey(h, name, rng.pick<Json>([null, 1, 'x', [], true, [entry]])); return `entry ${name} not an object`;
    case 5: { const v = h[name]; delete h[name]; setKey(h, rng.pick(NAMES), v ?? null); return `rename ${name}`; }
    case 6: {
      if (rng.bernoulli(0.5)) { delete h[name]; return `remove ${name}`; }
      setKey(h, `${name}_copy`, JSON.parse(JSON.stringify(entry)) as Json); return `copy ${name}`;
    }
    case 7: {
      const which = rng.int(7);
      if (which === 0) setKey(h, '__metadata__', rng.pick<Json>([null, 1, 'x', [], [['config', '{}']]]));
      else if (which === 1) setKey(md, rng.pick(['config', 'format', 'format_version', 'data', 'x']), rng.pick<Json>([1, null, {}, [], true]));
      else if (which === 2) delete md[rng.pick(['config', 'format', 'format_version'])];
      else if (which === 3) md.format = rng.pick(['', 'safetensors', 'GATEDRNN', 'gatedrnn ']);
      else if (which === 4) md.format_version = rng.pick(['', '2', '1.0', '0', ' 1']);
      else if (which === 5) for (let i = 0, n = rng.intIn(1, 80); i < n; i++) md[`k${i}`] = 'v';
      else setKey(md, rng.pick(['__proto__', 'constructor', '']), 'x');
      return `metadata ${which}`;
    }
    case 8: md.config = configMutation(rng, typeof md.config === 'string' ? md.config : '{}'); return 'config';
    case 9: md.data = dataMutation(rng); return 'data info';
    case 10: for (let i = 0, n = rng.intIn(1, 300); i < n; i++) setKey(h, `z${i}`, { dtype: 'F32', shape: [0], data_offsets: [0, 0] }); return 'zero tensors';
    case 11: { // a shape that matches the offsets but not the config
      const [b, e] = (entry.data_offsets as number[] | undefined) ?? [0, 0];
      const n = Math.max(0, (e - b) / 4);
      entry.shape = rng.pick<Json>([[n], [1, n], [n, 1], [1, 1, n]]);
      return `reshape ${name}`;
    }
    default: { // offsets shifted so the tensors no longer tile the buffer
      for (const k of names) {
        const en = h[k] as Obj;
        if (Array.isArray(en?.data_offsets)) en.data_offsets = (en.data_offsets as number[]).map((x) => x + 4);
      }
      return 'shift offsets';
    }
  }
}

/** One mutation of the header's text or the file layout around it. */
function mutateLayout(rng: Rng, text: string, data: Uint8Array): { bytes: Uint8Array; how: string } {
  const h = utf8(text);
  switch (rng.int(11)) {
    case 0: { // duplicate the first member
      const end = text.indexOf('},') + 1;
      const t = end > 1 ? `{${text.slice(1, end)},${text.slice(1)}` : text;
      return { bytes: assemble(t, data), how: 'duplicate key' };
    }
    case 1: {
      const d = rng.pick([9, 64, 1000]);
      const at = text.indexOf('"shape":');
      const t = at > 0 ? `${text.slice(0, at)}"shape":${'['.repeat(d)}${']'.repeat(d)},"x":${text.slice(at + 8)}` : text;
      return { bytes: assemble(t, data), how: `nest ${d}` };
    }
    case 2: return { bytes: assemble(concat([0xef, 0xbb, 0xbf], h), data), how: 'BOM' };
    case 3: return { bytes: assemble(' ' + text, data), how: 'leading space' };
    case 4: return { bytes: assemble(text + rng.pick([' x', ',', '}', '\u0000', ' {}']), data), how: 'trailing garbage' };
    case 5: { const b = h.slice(); b[rng.int(b.length)] = rng.pick([0xff, 0xc0, 0x80, 0xed]); return { bytes: assemble(b, data), how: 'bad UTF-8' }; }
    case 6: return { bytes: assemble(h, data, { pad: rng.pick([0, 9, 10, 0x7d, 0xff]) }), how: 'pad byte' };
    case 7: { const d = rng.intIn(-9, 9); const padded = Math.ceil(h.length / 8) * 8; return { bytes: assemble(h, data, { len: Math.max(0, padded + d) }), how: `length ${d}` }; }
    case 8: return { bytes: assemble(h, data.subarray(0, Math.max(0, data.length - rng.intIn(1, 8)))), how: 'short data' };
    case 9: return { bytes: assemble(h, concat(data, new Uint8Array(rng.intIn(1, 8)))), how: 'long data' };
    default: { // non-finite floats in the data (parseModelFile checks finiteness)
      const d = data.slice();
      const v = new DataView(d.buffer);
      for (let i = 0, n = rng.intIn(1, 3); i < n && d.length >= 4; i++) v.setFloat32(4 * rng.int(d.length >> 2), rng.pick([NaN, Infinity, -Infinity]), true);
      return { bytes: assemble(h, d), how: 'non-finite data' };
    }
  }
}

function structured(rng: Rng, _scale: Scale): Generated {
  const base = validModel(rng);
  const { header, data } = split(base.bytes);
  const hows: string[] = [];
  if (rng.bernoulli(0.8)) {
    for (let i = 0, n = rng.intIn(1, 3); i < n; i++) hows.push(mutateHeader(rng, header, data.length));
  }
  const text = JSON.stringify(header);
  if (hows.length === 0 || rng.bernoulli(0.3)) {
    const m = mutateLayout(rng, text, data);
    return { bytes: m.bytes, how: `structured(${[...hows, m.how].join(', ')})` };
  }
  return { bytes: assemble(text, data), how: `structured(${hows.join(', ')})` };
}

const META = `"__metadata__":{"config":${JSON.stringify(JSON.stringify({ unit: 'tanh', inputSize: 1, hiddenSize: 1, head: { type: 'bernoulli', size: 1 } }))},"format":"gatedrnn","format_version":"1"}`;

function hostile(rng: Rng, scale: Scale): Generated {
  const kind = rng.int(10);
  switch (kind) {
    case 0: { // many zero-size tensors (all valid on their own)
      const n = sized(scale, rng.intIn(500, 3000), rng.pick([10_001, 60_000, 300_000]));
      const bytes = cached(`st0-${n}`, () => {
        const parts = [META];
        for (let i = 0; i < n; i++) parts.push(`"t${i}":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`);
        return assemble(`{${parts.join(',')}}`, new Uint8Array(0));
      });
      return { bytes, how: `hostile(${n} zero tensors)` };
    }
    case 1: { // many one-element tensors tiling the buffer (the tiling check sorts them)
      const n = sized(scale, rng.intIn(200, 2000), rng.pick([10_001, 100_000]));
      const bytes = cached(`st1-${n}`, () => {
        const parts = [META];
        const order = new Rng(n).permutation(n);
        for (let i = 0; i < n; i++) parts.push(`"t${i}":{"dtype":"F32","shape":[1],"data_offsets":[${4 * order[i]},${4 * order[i] + 4}]}`);
        return assemble(`{${parts.join(',')}}`, new Uint8Array(4 * n));
      });
      return { bytes, how: `hostile(${n} tiling tensors)` };
    }
    case 2: { // deep nesting inside the header
      const d = sized(scale, rng.intIn(1000, 20_000), rng.pick([100_000, 1_000_000, 4_000_000]));
      const bytes = cached(`st2-${d}`, () => assemble(concat(utf8('{"a":'), repeatBytes([0x5b], d), repeatBytes([0x5d], d), utf8('}')), new Uint8Array(0)));
      return { bytes, how: `hostile(header nesting ${d})` };
    }
    case 3: { // a config string that nests deeply (parsed by parseModelFile, not the header parser)
      const d = sized(scale, rng.intIn(1000, 20_000), rng.pick([100_000, 1_000_000, 4_000_000]));
      const closed = rng.bernoulli(0.5);
      const bytes = cached(`st3-${d}-${closed}`, () => assemble(concat(utf8('{"__metadata__":{"config":"'), repeatBytes([0x5b], d), closed ? repeatBytes([0x5d], d) : [], utf8('"}}')), new Uint8Array(0)));
      return { bytes, how: `hostile(config nesting ${d}${closed ? '' : ', unclosed'})` };
    }
    case 4: { // a header length the file cannot hold
      const len = rng.pick<number | bigint>([2 ** 53, (1n << 64n) - 1n, 100_000_000, 100_000_001, 2 ** 32, 16 * 1024 * 1024 + 1, 2 ** 31 - 1]);
      return { bytes: assemble(`{${META}}`, randomBytes(rng, rng.int(64)), { len }), how: `hostile(header length ${len})` };
    }
    case 5: { // huge rank / huge claimed shapes
      const rank = sized(scale, rng.intIn(17, 5000), rng.pick([17, 100_000, 1_000_000]));
      const dim = rng.pick([1, 2147483647]);
      const bytes = cached(`st5-${rank}-${dim}`, () => assemble(`{${META},"head.bias":{"dtype":"F32","shape":[${Array(rank).fill(dim).join(',')}],"data_offsets":[0,4]}}`, new Uint8Array(4)));
      return { bytes, how: `hostile(rank ${rank} of ${dim})` };
    }
    case 6: { // many metadata keys
      const n = sized(scale, rng.intIn(1001, 5000), rng.pick([1001, 100_000, 500_000]));
      const bytes = cached(`st6-${n}`, () => {
        const parts: string[] = [];
        for (let i = 0; i < n; i++) parts.push(`"k${i}":"v"`);
        return assemble(`{"__metadata__":{${parts.join(',')}}}`, new Uint8Array(0));
      });
      return { bytes, how: `hostile(${n} metadata keys)` };
    }
    case 7: { // one long string (escapes or plain)
      const n = sized(scale, rng.intIn(10_000, 200_000), rng.pick([1_000_000, 16 * 1024 * 1024, 60_000_000]));
      const escapes = rng.bernoulli(0.5);
      const bytes = cached(`st7-${n}-${escapes}`, () => assemble(concat(utf8('{"__metadata__":{"config":"'), escapes ? repeatBytes(utf8('\\u0041'), n) : repeatBytes([0x61], n), utf8('"}}')), new Uint8Array(0)));
      return { bytes, how: `hostile(string of ${n} bytes${escapes ? ' of escapes' : ''})` };
    }
    case 8: { // the largest config the library allows, with a tensor that claims its shape
      const cfg = { unit: 'lstm', inputSize: 65536, hiddenSize: 8192, layers: 64, head: { type: 'bernoulli', size: 65536 } };
      const md = `"__metadata__":{"config":${JSON.stringify(JSON.stringify(cfg))}}`;
      const t = rng.bernoulli(0.5) ? '' : `,"weight_ih_l0":{"dtype":"F32","shape":[32768,65536],"data_offsets":[0,${32768 * 65536 * 4}]}`;
      return { bytes: assemble(`{${md}${t}}`, new Uint8Array(0)), how: `hostile(largest config${t ? ' + a tensor claiming 8 GiB' : ''})` };
    }
    default: { // a number with very many digits
      const n = sized(scale, rng.intIn(1000, 100_000), rng.pick([1_000_000, 10_000_000]));
      const bytes = cached(`st9-${n}`, () => assemble(concat(utf8(`{${META},"head.bias":{"dtype":"F32","shape":[`), repeatBytes([0x31], n), utf8('],"data_offsets":[0,4]}}')), new Uint8Array(4)));
      return { bytes, how: `hostile(a number of ${n} digits)` };
    }
  }
}

export const safetensorsGen: FormatGen = {
  valid: (rng) => { const v = validModel(rng); return { bytes: v.bytes, how: v.how, expected: v.expected }; },
  structured,
  hostile,
  fields: (b) => [
    { at: 0, width: 8, le: true, name: 'header length' },
    { at: 0, width: 4, le: true, name: 'header length lo' },
    { at: 4, width: 4, le: true, name: 'header length hi' },
  ],
  magic: new Uint8Array([0x40, 0, 0, 0, 0, 0, 0, 0, 0x7b]),
};
