// PyTorch `.pt` zip checkpoints for the fuzz suite (readTorchPt). A small writer here makes what
// torch.save writes: data.pkl as PyTorch's protocol-2 pickler lays out a state_dict
// (OrderedDict, _rebuild_tensor_v2 over BINPERSID storages, memoised globals, BUILD of
// `_metadata`), one stored entry per storage, optionally 64-byte aligned and with the zip64 end
// records PyTorch 2 writes. Valid files hold random float tensors of every float dtype, views
// (offsets, transposes, stride 0) and skipped integer tensors, with the float32 arrays they must
// read to. Structured mutations change the pickle (globals outside the allow-list, storage
// tuples, shapes, strides, refused opcodes) or the archive (missing, duplicated, compressed or
// oversized entries, CRCs, byteorder) and rebuild the zip with correct CRCs, so that each check
// is reached; hostile files aim at the limits (stride-0 amplification, tensor and entry counts,
// declared sizes, a deflate bomb, deep pickles).
import { crc32 as zlibCrc32, deflateRawSync } from 'node:zlib';
import type { Rng } from '../../../bindings/data/rng.js';
import { ByteWriter, ascii, concat, readU32le, utf8 } from '../bytes.js';
import { cached, sized, type FormatGen, type Generated, type Scale } from '../common.js';
import type { Field } from '../mutate.js';
import { OP, intOp, op, serialize, type Op } from './pickle.js';

export type PtDtype = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'bool';

const STORAGE: Record<PtDtype, { type: string; size: number }> = {
  float32: { type: 'FloatStorage', size: 4 }, float64: { type: 'DoubleStorage', size: 8 },
  float16: { type: 'HalfStorage', size: 2 }, bfloat16: { type: 'BFloat16Storage', size: 2 },
  int64: { type: 'LongStorage', size: 8 }, bool: { type: 'BoolStorage', size: 1 },
};

export interface PtStorage { key: string; dtype: PtDtype; values: number[] }
export interface PtTensor { name: string; storage: PtStorage; offset: number; shape: number[]; stride: number[] }

// --- the zip writer

export interface ZipItem {
  name: string;
  data: Uint8Array;
  /** 0 stored (default), 8 deflate: `data` is then the raw deflate stream. */
  method?: number;
  /** Declared uncompressed size (default data.length) and CRC (default the data's). */
  size?: number;
  crc?: number;
}

export interface ZipOptions { align?: boolean; zip64?: boolean; countField?: number }

const crc32 = (b: Uint8Array): number => zlibCrc32(b) >>> 0;

/** A zip archive as PyTorch's writer makes it: local header (padded with an "FB" extra field so
 *  the data is 64-byte aligned, when `align`), data; central directory; end records. */
export function buildZip(items: ZipItem[], o: ZipOptions = {}): Uint8Array {
  const w = new ByteWriter();
  const central = new ByteWriter();
  for (const it of items) {
    const name = utf8(it.name);
    const local = w.length;
    const size = it.size ?? it.data.length;
    const big = size >= 0xffffffff;
    let extra: number[] = [];
    if (o.align) {
      const pad = (64 - ((local + 30 + name.length + 4) % 64)) % 64;
      extra = [0x46, 0x42, pad & 0xff, pad >> 8, ...new Array<number>(pad).fill(0x5a)];
    }
    const crc = it.crc ?? (it.method === 8 ? 0 : crc32(it.data));
    w.u32le(0x04034b50).u16le(big ? 45 : 20).u16le(0x800).u16le(it.method ?? 0).u16le(0).u16le(0x21)
      .u32le(crc).u32le(it.data.length).u32le(big ? 0xffffffff : size).u16le(name.length).u16le(extra.length)
      .bytes(name).bytes(extra).bytes(it.data);
    const x64 = big ? [1, 0, 8, 0, ...u64bytes(size)] : [];
    central.u32le(0x02014b50).u16le(0x031e).u16le(big ? 45 : 20).u16le(0x800).u16le(it.method ?? 0).u16le(0).u16le(0x21)
      .u32le(crc).u32le(it.data.length).u32le(big ? 0xffffffff : size).u16le(name.length).u16le(x64.length).u16le(0)
      .u16le(0).u16le(0).u32le(0).u32le(local).bytes(name).bytes(x64);
  }
  const cdOffset = w.length, cd = central.toBytes();
  w.bytes(cd);
  const count = o.countField ?? items.length;
  if (o.zip64) {
    const at = w.length;
    w.u32le(0x06064b50).u64le(44).u16le(45).u16le(45).u32le(0).u32le(0).u64le(count).u64le(count).u64le(cd.length).u64le(cdOffset);
    w.u32le(0x07064b50).u32le(0).u64le(at).u32le(1);
  }
  const c16 = Math.min(count, 0xffff);
  w.u32le(0x06054b50).u16le(0).u16le(0).u16le(c16).u16le(c16).u32le(cd.length).u32le(cdOffset).u16le(0);
  return w.toBytes();
}

function u64bytes(v: number): number[] {
  const w = new ByteWriter();
  w.u64le(v);
  return Array.from(w.toBytes());
}

// --- the pickle of a state_dict, as PyTorch's pickler writes it

const binunicode = (s: string): Op => { const b = utf8(s); return op(OP.BINUNICODE, [...le4(b.length), ...b]); };
const le4 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
const globalOp = (m: string, n: string): Op => op(OP.GLOBAL, ascii(`${m}\n${n}\n`));

export interface PickleOptions { ordered: boolean; metadata: boolean; parameters: boolean; globals?: Record<string, [string, string]> }

export function statePickle(tensors: PtTensor[], o: PickleOptions): Op[] {
  const ops: Op[] = [op(OP.PROTO, [2])];
  let memo = 0;
  const put = (): Op => (memo < 256 ? op(OP.BINPUT, [memo++]) : op(OP.LONG_BINPUT, le4(memo++)));
  const get = (i: number): Op => (i < 256 ? op(OP.BINGET, [i]) : op(OP.LONG_BINGET, le4(i)));
  const seen = new Map<string, number>();
  /** A global, memoised the first time (its module and name may be replaced by o.globals). */
  const global = (m: string, n: string): Op[] => {
    const [mm, nn] = o.globals?.[`${m}.${n}`] ?? [m, n];
    const k = `${mm}\n${nn}`;
    const at = seen.get(k);
    if (at !== undefined) return [get(at)];
    seen.set(k, memo);
    return [globalOp(mm, nn), put()];
  };
  const tuple = (v: number[]): Op[] => {
    const items = v.map(intOp);
    if (v.length === 0) return [op(OP.EMPTY_TUPLE)];
    if (v.length <= 3) return [...items, op([OP.TUPLE1, OP.TUPLE2, OP.TUPLE3][v.length - 1])];
    return [op(OP.MARK), ...items, op(OP.TUPLE)];
  };
  const orderedDict = (): Op[] => [...global('collections', 'OrderedDict'), op(OP.EMPTY_TUPLE), op(OP.REDUCE), put()];
  if (o.ordered) ops.push(...orderedDict());
  else ops.push(op(OP.EMPTY_DICT), put());
  ops.push(op(OP.MARK));
  for (const t of tensors) {
    ops.push(binunicode(t.name), put());
    if (o.parameters) ops.push(...global('torch._utils', '_rebuild_parameter'), op(OP.MARK));
    ops.push(...global('torch._utils', '_rebuild_tensor_v2'), op(OP.MARK), op(OP.MARK), binunicode('storage'), put(),
      ...global('torch', STORAGE[t.storage.dtype].type), binunicode(t.storage.key), put(), binunicode('cpu'), put(),
      intOp(t.storage.values.length), op(OP.TUPLE), put(), op(OP.BINPERSID), intOp(t.offset), ...tuple(t.shape), put(),
      ...tuple(t.stride), put(), op(OP.NEWFALSE), ...orderedDict(), op(OP.TUPLE), put(), op(OP.REDUCE), put());
    if (o.parameters) ops.push(op(OP.NEWFALSE), ...orderedDict(), op(OP.TUPLE), put(), op(OP.REDUCE), put());
  }
  ops.push(op(OP.SETITEMS));
  if (o.ordered && o.metadata) {
    ops.push(op(OP.EMPTY_DICT), put(), binunicode('_metadata'), put(), ...orderedDict(), op(OP.MARK), binunicode(''), put(),
      op(OP.EMPTY_DICT), put(), binunicode('version'), put(), intOp(1), op(OP.SETITEM), op(OP.SETITEMS), op(OP.SETITEM), op(OP.BUILD));
  }
  ops.push(op(OP.STOP));
  return ops;
}

/** A storage's bytes in `order`. */
export function storageBytes(s: PtStorage, order: 'little' | 'big' = 'little'): Uint8Array {
  const size = STORAGE[s.dtype].size;
  const out = new Uint8Array(s.values.length * size);
  const v = new DataView(out.buffer);
  const le = order === 'little';
  s.values.forEach((x, i) => {
    switch (s.dtype) {
      case 'float32': v.setFloat32(4 * i, x, le); break;
      case 'float64': v.setFloat64(8 * i, x, le); break;
      case 'float16': v.setUint16(2 * i, toHalf(x), le); break;
      case 'bfloat16': { const t = new DataView(new ArrayBuffer(4)); t.setFloat32(0, x); v.setUint16(2 * i, t.getUint16(0), le); break; }
      case 'int64': v.setBigInt64(8 * i, BigInt(x), le); break;
      case 'bool': v.setUint8(i, x ? 1 : 0); break;
    }
  });
  return out;
}

/** binary16 bits of x, for the values the generator draws (k/4 with |k| < 64: exact). */
function toHalf(x: number): number {
  if (x === 0) return Object.is(x, -0) ? 0x8000 : 0;
  const sign = x < 0 ? 0x8000 : 0;
  let a = Math.abs(x), e = 15;
  while (a >= 2) { a /= 2; e++; }
  while (a < 1) { a *= 2; e--; }
  return sign | (e << 10) | Math.round((a - 1) * 1024);
}

export interface PtSpec {
  archive: string;
  tensors: PtTensor[];
  pickle: PickleOptions;
  byteorder?: 'little' | 'big';
  zip: ZipOptions;
  /** Extra entries (PyTorch 2's .format_version, .data/serialization_id…). */
  extras: boolean;
}

/** The zip items of a spec, in torch.save's order. */
export function ptItems(spec: PtSpec, pkl: Uint8Array = serialize(statePickle(spec.tensors, spec.pickle))): ZipItem[] {
  const a = spec.archive;
  const items: ZipItem[] = [{ name: `${a}/data.pkl`, data: pkl }];
  if (spec.extras) items.push({ name: `${a}/.format_version`, data: ascii('1') }, { name: `${a}/.storage_alignment`, data: ascii('64') });
  if (spec.byteorder) items.push({ name: `${a}/byteorder`, data: ascii(spec.byteorder) });
  const storages = new Map(spec.tensors.map((t) => [t.storage.key, t.storage]));
  for (const s of storages.values()) items.push({ name: `${a}/data/${s.key}`, data: storageBytes(s, spec.byteorder ?? 'little') });
  items.push({ name: `${a}/version`, data: ascii('3\n') });
  if (spec.extras) items.push({ name: `${a}/.data/serialization_id`, data: ascii('1234567890') });
  return items;
}

export const buildPt = (spec: PtSpec): Uint8Array => buildZip(ptItems(spec), spec.zip);

/** What readTorchPt must give (the float tensors gathered row-major), as runTarget returns it. */
export function expectedOf(spec: PtSpec): { tensors: Record<string, { shape: number[]; data: number[] }>; skipped: { name: string; dtype: string; shape: number[] }[] } {
  const tensors: Record<string, { shape: number[]; data: number[] }> = {};
  const skipped: { name: string; dtype: string; shape: number[] }[] = [];
  for (const t of spec.tensors) {
    if (t.storage.dtype === 'int64' || t.storage.dtype === 'bool') { skipped.push({ name: t.name, dtype: t.storage.dtype, shape: t.shape }); continue; }
    const data: number[] = [];
    const walk = (d: number, at: number): void => {
      if (d === t.shape.length) { data.push(t.storage.values[at]); return; }
      for (let i = 0; i < t.shape[d]; i++) walk(d + 1, at + i * t.stride[d]);
    };
    walk(0, t.offset);
    Object.defineProperty(tensors, t.name, { value: { shape: t.shape, data }, enumerable: true, writable: true, configurable: true });
  }
  return { tensors, skipped };
}

// --- valid files

const NAMES = ['rnn.weight_ih_l0', 'rnn.weight_hh_l0', 'rnn.bias_ih_l0', 'head.weight', 'head.bias', 'weight_ih_l1', 'encoder.0.bias',
  '', '__proto__', 'constructor', 'toString', 'bn.num_batches_tracked', 'é.poids', '0', '1.weight'];

function randomValue(rng: Rng, dtype: PtDtype): number {
  if (dtype === 'int64') return rng.intIn(-1000, 1000);
  if (dtype === 'bool') return rng.int(2);
  if (dtype === 'float16' || dtype === 'bfloat16') return (rng.int(128) - 64) / 4;
  return Math.fround((rng.uniform() - 0.5) * 8);
}

function randomSpec(rng: Rng): PtSpec {
  const storages: PtStorage[] = [];
  const nStorages = rng.intIn(1, 3);
  for (let k = 0; k < nStorages; k++) {
    const dtype: PtDtype = rng.bernoulli(0.6) ? 'float32' : rng.pick(['float64', 'float16', 'bfloat16', 'int64', 'bool'] as const);
    const n = rng.bernoulli(0.1) ? 0 : rng.intIn(1, 24);
    storages.push({ key: String(k), dtype, values: Array.from({ length: n }, () => randomValue(rng, dtype)) });
  }
  const tensors: PtTensor[] = [];
  const names = new Set<string>();
  const nTensors = rng.intIn(1, 5);
  for (let k = 0; k < nTensors; k++) {
    const storage = rng.pick(storages);
    let name = rng.bernoulli(0.7) ? `layer${k}.weight` : rng.pick(NAMES);
    if (names.has(name)) name = `${name}.${k}`;
    names.add(name);
    tensors.push({ name, storage, ...randomView(rng, storage.values.length) });
  }
  return {
    archive: rng.pick(['archive', 'model', 'rnn_l1_bare']),
    tensors,
    pickle: { ordered: rng.bernoulli(0.8), metadata: rng.bernoulli(0.7), parameters: rng.bernoulli(0.15) },
    byteorder: rng.bernoulli(0.5) ? undefined : rng.bernoulli(0.8) ? 'little' : 'big',
    zip: { align: rng.bernoulli(0.7), zip64: rng.bernoulli(0.5) },
    extras: rng.bernoulli(0.5),
  };
}

/** A view inside a storage of n elements: contiguous, transposed, stride 0 or sliced. */
function randomView(rng: Rng, n: number): { offset: number; shape: number[]; stride: number[] } {
  if (n === 0) { const shape = rng.pick([[0], [0, 3], [2, 0]]); return { offset: 0, shape, stride: contiguous(shape) }; }
  const rank = rng.int(4);
  let shape = Array.from({ length: rank }, () => rng.intIn(1, 4));
  let stride = contiguous(shape);
  if (rank === 2 && rng.bernoulli(0.3)) { shape = [shape[1], shape[0]]; stride = [1, shape[1]]; } // a transpose
  if (rank >= 1 && rng.bernoulli(0.15)) stride[rng.int(rank)] = 0; // expanded
  let extent = 1;
  for (let d = 0; d < rank; d++) extent += (shape[d] - 1) * stride[d];
  if (extent > n) { shape = [rng.intIn(1, n)]; stride = [1]; extent = shape[0]; }
  return { offset: rng.int(n - extent + 1), shape, stride };
}

function contiguous(shape: number[]): number[] {
  const s = new Array<number>(shape.length);
  let k = 1;
  for (let d = shape.length - 1; d >= 0; d--) { s[d] = k; k *= shape[d]; }
  return s;
}

function valid(rng: Rng): Generated {
  const spec = randomSpec(rng);
  return { bytes: buildPt(spec), how: `valid(${spec.tensors.length} tensors${spec.zip.zip64 ? ', zip64' : ''}${spec.byteorder === 'big' ? ', big-endian' : ''}${spec.pickle.parameters ? ', parameters' : ''})`, expected: expectedOf(spec) };
}

// --- structured mutations: the pickle or the archive changed, the zip rebuilt around it

const BAD_GLOBALS: [string, string][] = [['posix', 'system'], ['os', 'system'], ['builtins', 'eval'], ['builtins', 'getattr'],
  ['torch._utils', '_rebuild_qtensor'], ['torch', 'ComplexFloatStorage'], ['__torch__.Net', 'Net'], ['torch.nn.modules.linear', 'Linear'],
  ['collections', 'Counter'], ['numpy.core.multiarray', '_reconstruct'], ['torch', 'Tensor'], ['collections', 'OrderedDict ']];

function mutatePickle(rng: Rng, spec: PtSpec): { ops: Op[]; how: string } {
  switch (rng.int(8)) {
    case 0: { // a global outside the allow-list in place of an allowed one
      const which = rng.pick(['collections.OrderedDict', 'torch._utils._rebuild_tensor_v2', `torch.${STORAGE[spec.tensors[0].storage.dtype].type}`]);
      const bad = rng.pick(BAD_GLOBALS);
      return { ops: statePickle(spec.tensors, { ...spec.pickle, ordered: true, globals: { [which]: bad } }), how: `global ${which} -> ${bad.join('.')}` };
    }
    case 1: { // a view past its storage, or a wrong element count in the persistent id
      const t = rng.pick(spec.tensors);
      const n = t.storage.values.length;
      const c = rng.int(4);
      const changed = c === 0 ? { ...t, offset: n + rng.int(3) } : c === 1 ? { ...t, shape: [n + 1], stride: [1], offset: 0 }
        : c === 2 ? { ...t, shape: [2, 2], stride: [n, n], offset: 0 } : { ...t, storage: { ...t.storage, values: [...t.storage.values, 0] } };
      return { ops: statePickle(spec.tensors.map((x) => (x === t ? changed : x)), spec.pickle), how: `view ${c} of ${JSON.stringify(t.name)}` };
    }
    case 2: { // a huge or negative number where the pickle has a small one
      const ops = statePickle(spec.tensors, spec.pickle);
      const ints = ops.map((o, i) => [o, i] as const).filter(([o]) => o.code === OP.BININT1 || o.code === OP.BININT2);
      if (ints.length === 0) return { ops, how: 'no ints' };
      const [, i] = rng.pick(ints);
      const v = rng.pick([-1, 2 ** 31 - 1, 2 ** 53, -(2 ** 53), 2 ** 40, 1e6]);
      ops[i] = intOp(v);
      return { ops, how: `int ${i} -> ${v}` };
    }
    case 3: { // a refused or misplaced opcode inserted
      const ops = statePickle(spec.tensors, spec.pickle);
      const at = rng.intIn(1, ops.length - 1);
      const ins = rng.pick([op(OP.INST, ascii('os\nsystem\n')), op(OP.NEWOBJ), op(OP.REDUCE), op(OP.BUILD), op(OP.BINPERSID), op(OP.EMPTY_TUPLE), op(OP.NONE),
        op(0x93), op(OP.EXT1, [1]), line2(OP.PERSID, '0'), op(OP.MARK), op(OP.POP), op(OP.DUP), op(OP.TUPLE), op(OP.SETITEMS)]);
      ops.splice(at, 0, ins);
      return { ops, how: `insert 0x${ins.code.toString(16)} at op ${at}` };
    }
    case 4: { // an opcode deleted or duplicated
      const ops = statePickle(spec.tensors, spec.pickle);
      const at = rng.int(ops.length);
      if (rng.bernoulli(0.5)) ops.splice(at, 1); else ops.splice(at, 0, ops[at]);
      return { ops, how: `delete/duplicate op ${at}` };
    }
    case 5: { // a value that is not a tensor, or a root that is not a dict
      const ops = statePickle(spec.tensors, spec.pickle);
      const reduces = ops.map((o, i) => [o, i] as const).filter(([o]) => o.code === OP.REDUCE);
      if (rng.bernoulli(0.5) && reduces.length > 0) {
        const [, i] = reduces[reduces.length - 1];
        ops.splice(i + 2, 0, op(OP.POP), intOp(3)); // the last call's result replaced by 3
        return { ops, how: 'a value replaced by an int' };
      }
      return { ops: [op(OP.PROTO, [2]), ...rng.pick([[op(OP.EMPTY_LIST)], [op(OP.NONE)], [binunicode('x')]]), op(OP.STOP)], how: 'root not a dict' };
    }
    case 6: // protocol 4 framing and STACK_GLOBAL in place of GLOBAL
      return { ops: toStackGlobal(statePickle(spec.tensors, spec.pickle)), how: 'STACK_GLOBAL' };
    default: { // a storage tuple of another shape
      const ops = statePickle(spec.tensors, spec.pickle);
      const i = ops.findIndex((o) => o.code === OP.BINPERSID);
      ops.splice(i, 0, rng.pick([op(OP.POP), intOp(0), op(OP.TUPLE1)]));
      return { ops, how: 'persistent id changed' };
    }
  }
}

const line2 = (code: number, s: string): Op => op(code, ascii(`${s}\n`));

/** GLOBAL m\nn\n → SHORT_BINUNICODE m, SHORT_BINUNICODE n, STACK_GLOBAL (protocol 4). */
function toStackGlobal(ops: Op[]): Op[] {
  const out: Op[] = [op(OP.PROTO, [4])];
  for (const o of ops.slice(1)) {
    if (o.code !== OP.GLOBAL) { out.push(o); continue; }
    const [m, n] = String.fromCharCode(...o.arg).split('\n');
    const s = (x: string): Op => { const b = utf8(x); return op(OP.SHORT_BINUNICODE, [b.length, ...b]); };
    out.push(s(m), s(n), op(OP.STACK_GLOBAL));
  }
  return out;
}

function mutateArchive(rng: Rng, spec: PtSpec): { items: ZipItem[]; zip: ZipOptions; how: string } {
  const items = ptItems(spec);
  const a = spec.archive;
  const pick = (): number => rng.int(items.length);
  switch (rng.int(9)) {
    case 0: { const i = items.findIndex((x) => x.name.includes('/data/')); if (i >= 0) items.splice(i, 1); return { items, zip: spec.zip, how: 'storage entry removed' }; }
    case 1: { const i = pick(); items.push({ ...items[i] }); return { items, zip: spec.zip, how: `entry ${items[i].name} twice` }; }
    case 2: { const i = pick(); items[i] = { ...items[i], data: deflateRawSync(items[i].data), method: 8, crc: crc32(items[i].data), size: items[i].data.length }; return { items, zip: spec.zip, how: `entry ${i} deflated` }; }
    case 3: { const i = pick(); items[i] = { ...items[i], crc: (crc32(items[i].data) ^ (1 << rng.int(32))) >>> 0 }; return { items, zip: spec.zip, how: `entry ${i} bad CRC` }; }
    case 4: return { items: [...items, { name: `${a}/byteorder`, data: ascii(rng.pick(['middle', 'big\n', '', 'LITTLE', 'little'.repeat(4)])) }], zip: spec.zip, how: 'byteorder' };
    case 5: return { items: [...items, { name: rng.pick(['other/x', 'data.pkl', `${a}/constants.pkl`, `${a}/code/m.py`, `${a}x/data.pkl`]), data: ascii('x') }], zip: spec.zip, how: 'an entry outside the state_dict layout' };
    case 6: { const i = pick(); items[i] = { ...items[i], size: rng.pick([2 ** 30 + 1, 2 ** 31, 2 ** 40, 0xffffffff]) }; return { items, zip: spec.zip, how: `entry ${i} declares a huge size` }; }
    case 7: return { items, zip: { ...spec.zip, countField: rng.pick([0, items.length + 1, 0xffff, 10_001, 2 ** 40]), zip64: true }, how: 'entry count' };
    default: return { items: items.filter((x) => !x.name.endsWith('/data.pkl')), zip: spec.zip, how: 'no data.pkl' };
  }
}

function structured(rng: Rng, _scale: Scale): Generated {
  const spec = randomSpec(rng);
  if (rng.bernoulli(0.6)) {
    const m = mutatePickle(rng, spec);
    return { bytes: buildZip(ptItems(spec, serialize(m.ops)), spec.zip), how: `structured(pickle: ${m.how})` };
  }
  const m = mutateArchive(rng, spec);
  return { bytes: buildZip(m.items, m.zip), how: `structured(zip: ${m.how})` };
}

// --- hostile files

const f32Storage = (key: string, n: number): PtStorage => ({ key, dtype: 'float32', values: new Array<number>(n).fill(0.5) });
const plainSpec = (tensors: PtTensor[]): PtSpec => ({ archive: 'archive', tensors, pickle: { ordered: true, metadata: false, parameters: false }, zip: { align: true }, extras: false });

function hostile(rng: Rng, scale: Scale): Generated {
  switch (rng.int(7)) {
    case 0: { // one element repeated by a stride of 0: a few bytes for maxElements and more
      const n = rng.pick([sized(scale, 200_000, 50_000_000), 100_000_001, 2 ** 40, 2 ** 53 - 1]);
      const s = f32Storage('0', 1);
      return { bytes: cached(`pt0-${n}`, () => buildPt(plainSpec([{ name: 'w', storage: s, offset: 0, shape: [n], stride: [0] }]))), how: `hostile(stride 0 over ${n} elements)` };
    }
    case 1: { // many tensors on one storage (the tensor count, and elements through sharing)
      // (at the 'test' scale below maxTensors: the refusal itself is in tests/io-torch-pt.test.ts)
      const k = rng.pick([sized(scale, 200, 9999), sized(scale, 400, 10_001), sized(scale, 800, 50_000)]);
      const s = f32Storage('0', 1000);
      return { bytes: cached(`pt1-${k}`, () => buildPt(plainSpec(Array.from({ length: k }, (_, i) => ({ name: `t${i}`, storage: s, offset: 0, shape: [1000], stride: [1] }))))), how: `hostile(${k} tensors on one storage)` };
    }
    case 2: { // many zip entries (the central directory walk)
      const k = rng.pick([sized(scale, 2000, 9990), 10_001, sized(scale, 5000, 100_000)]);
      return {
        bytes: cached(`pt2-${k}`, () => {
          const items = ptItems(plainSpec([{ name: 'w', storage: f32Storage('0', 4), offset: 0, shape: [4], stride: [1] }]));
          for (let i = 0; i < k; i++) items.push({ name: `archive/extra/${i}`, data: new Uint8Array(0) });
          return buildZip(items);
        }),
        how: `hostile(${k} zip entries)`,
      };
    }
    case 3: { // a deflate bomb: a storage of zeros, stored deflated
      const mib = rng.pick([sized(scale, 4, 256), sized(scale, 16, 1024), 2048]);
      return {
        bytes: cached(`pt3-${mib}-${scale}`, () => {
          const n = mib * 262_144;
          // the stream holds at most 1 MiB (64 MiB at the 'fuzz' scale): the reader never
          // inflates, so only the declared size matters
          const zeros = new Uint8Array(Math.min(4 * n, sized(scale, 1, 64) * 1024 * 1024));
          const w = { name: 'w', storage: { key: '0', dtype: 'float32' as const, values: [] }, offset: 0, shape: [0], stride: [1] };
          const pkl = serialize(statePickle([w], plainSpec([]).pickle)); // names numel 0: the entry is refused before that matters
          return buildZip([{ name: 'archive/data.pkl', data: pkl }, { name: 'archive/data/0', data: deflateRawSync(zeros), method: 8, size: 4 * n, crc: 0 }]);
        }),
        how: `hostile(a ${mib} MiB deflate bomb)`,
      };
    }
    case 4: { // a data.pkl nested deeply, or memo references past the value budget
      const d = rng.pick([sized(scale, 5000, 10_001), 10_001]);
      return { bytes: cached(`pt4-${d}`, () => buildZip([{ name: 'archive/data.pkl', data: concat([OP.PROTO, 2], new Uint8Array(d).fill(OP.MARK), new Uint8Array(d).fill(OP.LIST), [OP.STOP]) }])), how: `hostile(${d} nested MARKs in data.pkl)` };
    }
    case 5: { // DUPs of one dict: values handed out again count against maxPickleValues
      const n = rng.pick([sized(scale, 20_000, 999_000), sized(scale, 50_000, 1_000_001), sized(scale, 100_000, 5_000_000)]);
      return { bytes: cached(`pt5-${n}`, () => buildZip([{ name: 'archive/data.pkl', data: concat([OP.PROTO, 2, OP.MARK, OP.EMPTY_DICT], new Uint8Array(n).fill(OP.DUP), [OP.LIST, OP.STOP]) }])), how: `hostile(${n} DUPs in data.pkl)` };
    }
    default: { // a huge declared size in zip64 form, or entries sharing their bytes
      if (rng.bernoulli(0.5)) {
        const size = rng.pick([2 ** 31, 2 ** 40, 2 ** 53 - 1]);
        return { bytes: buildZip([{ name: 'archive/data.pkl', data: ascii('\x80\x02}.'), size }], { zip64: true }), how: `hostile(declared size ${size})` };
      }
      const k = rng.pick([2, 100, 9000]);
      const b = buildPt(plainSpec([{ name: 'w', storage: f32Storage('0', 4), offset: 0, shape: [4], stride: [1] }]));
      return { bytes: overlapEntries(b, k), how: `hostile(${k} directory entries over one local entry)` };
    }
  }
}

/** `b` with `k` more central directory entries that all point at the first local header. */
function overlapEntries(b: Uint8Array, k: number): Uint8Array {
  const eocd = b.length - 22;
  const cdOffset = readU32le(b, eocd + 16), cdSize = readU32le(b, eocd + 12);
  const first = b.subarray(cdOffset, cdOffset + 46 + (b[cdOffset + 28] | (b[cdOffset + 29] << 8)));
  const w = new ByteWriter();
  w.bytes(b.subarray(0, cdOffset + cdSize));
  for (let i = 0; i < k; i++) w.bytes(first);
  const count = Math.min(0xffff, (b[eocd + 10] | (b[eocd + 11] << 8)) + k);
  w.u32le(0x06054b50).u16le(0).u16le(0).u16le(count).u16le(count).u32le(cdSize + k * first.length).u32le(cdOffset).u16le(0);
  return w.toBytes();
}

// --- the length and count fields, for format-blind mutations

function fields(b: Uint8Array): Field[] {
  const out: Field[] = [];
  const eocd = b.length - 22;
  if (eocd < 0 || readU32le(b, eocd) !== 0x06054b50) return out;
  out.push({ at: eocd + 8, width: 2, le: true, name: 'eocd count' }, { at: eocd + 10, width: 2, le: true, name: 'eocd total' },
    { at: eocd + 12, width: 4, le: true, name: 'cd size' }, { at: eocd + 16, width: 4, le: true, name: 'cd offset' });
  let at = readU32le(b, eocd + 16);
  for (let i = 0; i < 64 && at + 46 <= b.length && readU32le(b, at) === 0x02014b50; i++) {
    out.push({ at: at + 20, width: 4, le: true, name: 'cd compressed' }, { at: at + 24, width: 4, le: true, name: 'cd size' },
      { at: at + 28, width: 2, le: true, name: 'cd name length' }, { at: at + 30, width: 2, le: true, name: 'cd extra length' },
      { at: at + 42, width: 4, le: true, name: 'cd local offset' }, { at: at + 10, width: 2, le: true, name: 'cd method' });
    const local = readU32le(b, at + 42);
    if (local + 30 <= b.length) out.push({ at: local + 26, width: 2, le: true, name: 'local name length' }, { at: local + 28, width: 2, le: true, name: 'local extra length' });
    at += 46 + (b[at + 28] | (b[at + 29] << 8)) + (b[at + 30] | (b[at + 31] << 8)) + (b[at + 32] | (b[at + 33] << 8));
  }
  return out;
}

export const torchPtGen: FormatGen = { valid, structured, hostile, fields, magic: Uint8Array.of(0x50, 0x4b, 0x03, 0x04) };
