// Python pickles of piano-roll data sets for the fuzz suite. A tiny encoder writes the subset the
// loader accepts the way CPython's protocol-2 pickler does for the Boulanger-Lewandowski files:
// a dict of lists of lists of lists of ints (or floats), every container memoised with BINPUT /
// LONG_BINPUT, one shared empty step reached again with BINGET, APPENDS in batches. Mutations
// work on the opcode list (unknown and refused opcodes, memo misuse and cycles, deep nesting,
// huge LONG/INT/FLOAT digits, length fields); hostile pickles aim at the reader's and the data
// set validation's time and memory (memo amplification, nesting, a text float that backtracks).
import type { Rng } from '../../../bindings/data/rng.js';
import type { PianoRollDataset } from '../../../bindings/data/pianoroll.js';
import { ByteWriter, ascii, concat, repeatBytes, utf8 } from '../bytes.js';
import { cached, randomDataset, sized, type FormatGen, type Generated, type Scale } from '../common.js';
import type { Field } from '../mutate.js';

/** One opcode and its argument bytes. */
export interface Op { code: number; arg: number[] }

export const OP = {
  MARK: 0x28, STOP: 0x2e, POP: 0x30, POP_MARK: 0x31, DUP: 0x32, FLOAT: 0x46, INT: 0x49, BININT: 0x4a, BININT1: 0x4b,
  LONG: 0x4c, BININT2: 0x4d, NONE: 0x4e, PERSID: 0x50, BINPERSID: 0x51, REDUCE: 0x52, STRING: 0x53, BINSTRING: 0x54,
  SHORT_BINSTRING: 0x55, UNICODE: 0x56, BINUNICODE: 0x58, APPEND: 0x61, BUILD: 0x62, GLOBAL: 0x63, DICT: 0x64, APPENDS: 0x65,
  GET: 0x67, BINGET: 0x68, INST: 0x69, LONG_BINGET: 0x6a, LIST: 0x6c, OBJ: 0x6f, PUT: 0x70, BINPUT: 0x71, LONG_BINPUT: 0x72,
  SETITEM: 0x73, TUPLE: 0x74, SETITEMS: 0x75, EMPTY_DICT: 0x7d, EMPTY_LIST: 0x5d, EMPTY_TUPLE: 0x29, BINFLOAT: 0x47,
  PROTO: 0x80, NEWOBJ: 0x81, EXT1: 0x82, TUPLE1: 0x85, TUPLE2: 0x86, TUPLE3: 0x87, NEWTRUE: 0x88, NEWFALSE: 0x89, LONG1: 0x8a,
  LONG4: 0x8b, SHORT_BINUNICODE: 0x8c, BINUNICODE8: 0x8d, BINBYTES8: 0x8e, EMPTY_SET: 0x8f, FRAME: 0x95, MEMOIZE: 0x94,
  STACK_GLOBAL: 0x93, BINBYTES: 0x42, SHORT_BINBYTES: 0x43, BYTEARRAY8: 0x96, NEWOBJ_EX: 0x92,
} as const;

/** How each opcode's argument is laid out: a fixed width, a length prefix of 1/4/8 bytes, or
 *  newline-terminated text (line2: two lines). Opcodes absent here take no argument. */
const ARG: Record<number, 'u1' | 'u2' | 'u4' | 'f8' | 'u8' | 'len1' | 'len4' | 'len8' | 'line' | 'line2'> = {
  [OP.PROTO]: 'u1', [OP.BININT1]: 'u1', [OP.BINPUT]: 'u1', [OP.BINGET]: 'u1', [OP.EXT1]: 'u1',
  [OP.BININT2]: 'u2', 0x83: 'u2', [OP.BININT]: 'u4', [OP.LONG_BINPUT]: 'u4', [OP.LONG_BINGET]: 'u4', 0x84: 'u4',
  [OP.BINFLOAT]: 'f8', [OP.FRAME]: 'u8',
  [OP.LONG1]: 'len1', [OP.SHORT_BINSTRING]: 'len1', [OP.SHORT_BINUNICODE]: 'len1', [OP.SHORT_BINBYTES]: 'len1',
  [OP.LONG4]: 'len4', [OP.BINSTRING]: 'len4', [OP.BINUNICODE]: 'len4', [OP.BINBYTES]: 'len4',
  [OP.BINUNICODE8]: 'len8', [OP.BINBYTES8]: 'len8', [OP.BYTEARRAY8]: 'len8',
  [OP.INT]: 'line', [OP.LONG]: 'line', [OP.FLOAT]: 'line', [OP.STRING]: 'line', [OP.UNICODE]: 'line', [OP.PUT]: 'line',
  [OP.GET]: 'line', [OP.PERSID]: 'line', [OP.GLOBAL]: 'line2', [OP.INST]: 'line2',
};
/** Every opcode byte protocols 0–5 define. */
const KNOWN = new Set<number>([...Object.values(OP), 0x83, 0x84, 0x90, 0x91, 0x97, 0x98]);

export const op = (code: number, arg: ArrayLike<number> = []): Op => ({ code, arg: Array.from(arg) });
const le = (v: number, n: number): number[] => Array.from({ length: n }, (_, k) => Number((BigInt.asUintN(64, BigInt(v)) >> BigInt(8 * k)) & 0xffn));
export const line = (code: number, text: string): Op => op(code, [...ascii(text), 0x0a]);

export function serialize(ops: Op[]): Uint8Array {
  const w = new ByteWriter();
  for (const o of ops) w.u8(o.code).bytes(o.arg);
  return w.toBytes();
}

/** The smallest int opcode for `v`, as CPython picks it. */
export function intOp(v: number): Op {
  if (v >= 0 && v < 256) return op(OP.BININT1, [v]);
  if (v >= 0 && v < 65536) return op(OP.BININT2, le(v, 2));
  if (v >= -2147483648 && v < 2147483648) return op(OP.BININT, le(v, 4));
  const b: number[] = [];
  let x = BigInt(v);
  do { b.push(Number(BigInt.asUintN(8, x))); x >>= 8n; } while (!(x === 0n && (b[b.length - 1] & 0x80) === 0) && !(x === -1n && (b[b.length - 1] & 0x80) !== 0));
  return op(OP.LONG1, [b.length, ...b]);
}
export const floatOp = (v: number): Op => { const w = new ByteWriter(); w.f64be(v); return op(OP.BINFLOAT, w.toBytes()); };
const binunicode = (s: string): Op => { const b = utf8(s); return op(OP.BINUNICODE, [...le(b.length, 4), ...b]); };
const shortBinstring = (s: string): Op => op(OP.SHORT_BINSTRING, [s.length, ...ascii(s)]);

interface EncodeOptions { floats: boolean; batch: number; shareSilence: boolean; py2Keys: boolean }

/** A data set as CPython's protocol-2 pickler writes it. */
export function encodeDataset(ds: PianoRollDataset, o: EncodeOptions): Op[] {
  const ops: Op[] = [op(OP.PROTO, [2])];
  let memo = 0;
  const put = (): Op => (memo < 256 ? op(OP.BINPUT, [memo++]) : op(OP.LONG_BINPUT, le(memo++, 4)));
  let silence = -1;
  const list = (items: Op[][]): void => {
    ops.push(op(OP.EMPTY_LIST), put());
    if (items.length === 1) { ops.push(...items[0], op(OP.APPEND)); return; }
    for (let i = 0; i < items.length; i += o.batch) {
      const chunk = items.slice(i, i + o.batch);
      if (chunk.length === 1) { ops.push(...chunk[0], op(OP.APPEND)); continue; }
      ops.push(op(OP.MARK));
      for (const it of chunk) ops.push(...it);
      ops.push(op(OP.APPENDS));
    }
  };
  const step = (s: number[]): Op[] => {
    if (s.length === 0 && o.shareSilence) {
      if (silence >= 0) return [silence < 256 ? op(OP.BINGET, [silence]) : op(OP.LONG_BINGET, le(silence, 4))];
      silence = memo;
      return [op(OP.EMPTY_LIST), put()];
    }
    const start = ops.length;
    list(s.map((n) => [o.floats ? floatOp(n) : intOp(n)]));
    return ops.splice(start);
  };
  ops.push(op(OP.EMPTY_DICT), put(), op(OP.MARK));
  for (const key of ['train', 'valid', 'test'] as const) {
    ops.push(o.py2Keys ? shortBinstring(key) : binunicode(key), put());
    list(ds[key].map((seq) => {
      const s0 = ops.length;
      list(seq.map(step));
      return ops.splice(s0);
    }));
  }
  ops.push(op(OP.SETITEMS), op(OP.STOP));
  return ops;
}

/** Walks the opcodes of `b` as far as they can be read (up to `max`); each with its offset. */
export function disassemble(b: Uint8Array, max = 100_000): { at: number; code: number; argAt: number; argLen: number }[] {
  const out: { at: number; code: number; argAt: number; argLen: number }[] = [];
  let pos = 0;
  while (pos < b.length && out.length < max) {
    const code = b[pos];
    if (!KNOWN.has(code)) break;
    const kind = ARG[code];
    const argAt = pos + 1;
    let len = 0;
    if (kind === 'u1') len = 1;
    else if (kind === 'u2') len = 2;
    else if (kind === 'u4') len = 4;
    else if (kind === 'f8' || kind === 'u8') len = 8;
    else if (kind === 'len1') len = 1 + (b[argAt] ?? 0);
    else if (kind === 'len4') len = 4 + (((b[argAt] | (b[argAt + 1] << 8) | (b[argAt + 2] << 16) | (b[argAt + 3] << 24)) >>> 0));
    else if (kind === 'len8') len = 8 + (b[argAt] | (b[argAt + 1] << 8) | (b[argAt + 2] << 16)) + (b[argAt + 3] ?? 0) * 2 ** 24 + (b[argAt + 4] ?? 0) * 2 ** 32;
    else if (kind === 'line' || kind === 'line2') {
      let e = b.indexOf(0x0a, argAt);
      if (kind === 'line2' && e >= 0) e = b.indexOf(0x0a, e + 1);
      if (e < 0) break;
      len = e + 1 - argAt;
    }
    out.push({ at: pos, code, argAt, argLen: len });
    pos = argAt + len;
    if (code === OP.STOP) break;
  }
  return out;
}

function fields(b: Uint8Array): Field[] {
  const out: Field[] = [];
  for (const d of disassemble(b, 4096)) {
    const kind = ARG[d.code];
    const w = kind === 'u1' || kind === 'len1' ? 1 : kind === 'u2' ? 2 : kind === 'u4' || kind === 'len4' ? 4 : kind === 'u8' || kind === 'len8' ? 8 : 0;
    if (w > 0) out.push({ at: d.argAt, width: w as 1 | 2 | 4 | 8, le: true, name: `0x${d.code.toString(16)} arg` });
  }
  return out;
}

function validOps(rng: Rng): { ops: Op[]; ds: PianoRollDataset; o: EncodeOptions } {
  const ds = randomDataset(rng, 3, 10);
  const o: EncodeOptions = { floats: rng.bernoulli(0.3), batch: rng.pick([1000, 1000, 2, 3]), shareSilence: rng.bernoulli(0.7), py2Keys: rng.bernoulli(0.5) };
  return { ops: encodeDataset(ds, o), ds, o };
}

function valid(rng: Rng): Generated {
  const { ops, ds, o } = validOps(rng);
  return { bytes: serialize(ops), how: `valid(protocol 2${o.floats ? ', floats' : ''}${o.shareSilence ? ', shared silence' : ''}, batch ${o.batch})`, expected: ds };
}

const digits = (rng: Rng, n: number): string => {
  let s = String(rng.intIn(1, 9));
  while (s.length < n) s += String(rng.int(10));
  return s;
};

/** A value-producing replacement for one value of the pickle (net effect: one value pushed). */
function hostileValue(rng: Rng): { ops: Op[]; how: string } {
  switch (rng.int(16)) {
    case 0: { const d = rng.intIn(2, 300); return { ops: [...Array.from({ length: d }, () => op(OP.EMPTY_LIST)), ...Array.from({ length: d - 1 }, () => op(OP.APPEND))], how: `nested lists ${d}` }; }
    case 1: { const d = rng.intIn(2, 300); return { ops: [...Array.from({ length: d }, () => op(OP.MARK)), ...Array.from({ length: d }, () => op(OP.LIST))], how: `nested marks ${d}` }; }
    case 2: { const n = rng.pick([16, 17, 19, 400, 5000]); return { ops: [line(rng.pick([OP.INT, OP.LONG]), digits(rng, n) + (rng.bernoulli(0.5) ? 'L' : ''))], how: `text int of ${n} digits` }; }
    case 3: { const n = rng.pick([20, 400, 3000]); return { ops: [line(OP.FLOAT, digits(rng, n) + rng.pick(['', 'x', '.5', 'e99999', 'e-99999', '.']))], how: `text float of ${n} digits` }; }
    case 4: return { ops: [line(OP.FLOAT, rng.pick(['nan', 'inf', '-inf', '1e999', '-0.0', '60.0', ' 60 ', '6e1', '0x3c', '', '1_0']))], how: 'text float' };
    case 5: { const n = rng.pick([0, 8, 9, 255]); return { ops: [op(OP.LONG1, [n, ...Array.from({ length: n }, () => rng.int(256))])], how: `LONG1 of ${n} bytes` }; }
    case 6: { const n = rng.pick([-1, 0, 9, 0x7fffffff, 0xffffffff]); return { ops: [op(OP.LONG4, [...le(n, 4), 1, 2])], how: `LONG4 length ${n}` }; }
    case 7: return { ops: [op(rng.pick([OP.BINUNICODE, OP.BINBYTES, OP.BINSTRING]), [...le(rng.pick([0xffffffff, 0x7fffffff, 100]), 4), 0x61])], how: 'string length past the end' };
    case 8: return { ops: [op(rng.pick([OP.BINUNICODE8, OP.BINBYTES8, OP.BYTEARRAY8]), [...le(rng.pick([2 ** 53, 2 ** 53 - 1, 2 ** 32]), 8), 0x61])], how: 'long length past the end' };
    case 9: return { ops: [op(OP.SHORT_BINUNICODE, [3, 0xff, 0xfe, 0x80])], how: 'bad UTF-8' };
    case 10: return { ops: [rng.pick([op(OP.BINGET, [250]), op(OP.LONG_BINGET, le(0xffffffff, 4)), line(OP.GET, '99999999999999999999'), line(OP.GET, '-1')])], how: 'memo index never stored' };
    case 11: return { ops: [op(OP.NONE), rng.pick([op(OP.LONG_BINPUT, le(0xffffffff, 4)), line(OP.PUT, '-1'), line(OP.PUT, '10000001'), line(OP.PUT, digits(rng, 30))])], how: 'memo index out of range' };
    case 12: return { ops: [rng.pick([op(OP.NEWTRUE), op(OP.NONE), floatOp(60.5), floatOp(NaN), floatOp(Infinity), floatOp(-0), intOp(-1), intOp(20), intOp(109), intOp(2 ** 40), line(OP.STRING, "'60'"), line(OP.UNICODE, '\\u0041')])], how: 'odd note' };
    case 13: return { ops: [line(OP.STRING, rng.pick(["'abc", "'a\\x4'", "'\\\\'", '"', "'\\u1234'", "'" + 'a'.repeat(1000) + "'"]))], how: 'STRING repr' };
    case 14: return { ops: [line(OP.UNICODE, rng.pick(['\\U00110000', '\\ud800', '\\U0010ffff', '\\u00']))], how: 'UNICODE escape' };
    default: return { ops: [op(OP.EMPTY_DICT), shortBinstring('__proto__'), op(OP.NEWTRUE), op(OP.SETITEM)], how: 'a dict with __proto__' };
  }
}

/** Indices of the ops that push one plain value (a note, a key or an empty list). */
const valueAt = (ops: Op[]): number[] => ops.flatMap((o, i) => ([OP.BININT1, OP.BININT2, OP.BININT, OP.BINFLOAT, OP.LONG1, OP.SHORT_BINSTRING, OP.BINUNICODE, OP.BINGET].includes(o.code as never) ? [i] : []));

function mutateOps(rng: Rng, ops: Op[]): string {
  const i = rng.int(ops.length);
  switch (rng.int(14)) {
    case 0: {
      const codes = [...KNOWN];
      const code = rng.pick(codes);
      const kind = ARG[code];
      const arg = kind === 'u1' ? [rng.int(256)] : kind === 'u2' ? le(rng.int(65536), 2) : kind === 'u4' ? le(rng.int(2 ** 32), 4) : kind === 'f8' ? le(rng.int(2 ** 32), 8)
        : kind === 'u8' ? le(rng.int(1000), 8) : kind === 'len1' ? [2, 0x61, 0x62] : kind === 'len4' ? [...le(2, 4), 0x61, 0x62] : kind === 'len8' ? [...le(1, 8), 0x61]
          : kind === 'line' ? [...ascii(String(rng.int(300))), 0x0a] : kind === 'line2' ? [...ascii('builtins\neval'), 0x0a] : [];
      ops.splice(i, 0, op(code, arg));
      return `insert 0x${code.toString(16)}`;
    }
    case 1: { let c = rng.int(256); while (KNOWN.has(c)) c = rng.int(256); ops.splice(i, 0, op(c)); return `unknown opcode 0x${c.toString(16)}`; }
    case 2: {
      const seq = rng.pick([
        [op(OP.GLOBAL, ascii('os\nsystem\n'))],
        [binunicode('builtins'), binunicode('eval'), op(OP.STACK_GLOBAL)], [op(OP.NONE), op(OP.EMPTY_TUPLE), op(OP.REDUCE)],
        [op(OP.EMPTY_DICT), op(OP.EMPTY_DICT), op(OP.BUILD)], [line(OP.PERSID, '1')], [op(OP.EXT1, [1])], [op(OP.EMPTY_SET)],
      ]);
      ops.splice(i, 0, ...seq);
      return 'refused opcode';
    }
    case 3: ops.splice(i, 1); return `delete op ${i}`;
    case 4: ops.splice(i, 0, { ...ops[i], arg: ops[i].arg.slice() }); return `duplicate op ${i}`;
    case 5: { if (i + 1 < ops.length) [ops[i], ops[i + 1]] = [ops[i + 1], ops[i]]; return `swap ops ${i}`; }
    case 6: { // a container that contains itself
      const puts = ops.flatMap((o, k) => (o.code === OP.BINPUT && k > 0 && ops[k - 1].code === OP.EMPTY_LIST ? [k] : []));
      if (puts.length === 0) return 'no cycle';
      const k = rng.pick(puts);
      ops.splice(k + 1, 0, op(OP.BINGET, ops[k].arg), op(OP.APPEND));
      return 'cycle through the memo';
    }
    case 7: { // a list reached again from inside a step (memo reuse across levels)
      const puts = ops.flatMap((o, k) => (o.code === OP.BINPUT ? [k] : []));
      const vals = valueAt(ops);
      if (puts.length === 0 || vals.length === 0) return 'no reuse';
      ops.splice(rng.pick(vals), 1, op(OP.BINGET, ops[rng.pick(puts)].arg));
      return 'memo reuse';
    }
    case 8: {
      ops[0] = rng.pick([op(OP.PROTO, [rng.pick([0, 1, 3, 4, 5, 6, 255])]), op(OP.FRAME, le(rng.pick([0, 2 ** 53 - 1, 2 ** 53]), 8)), op(OP.NONE), op(OP.MARK)]);
      return 'first opcode';
    }
    case 9: {
      const which = rng.int(3);
      if (which === 0) ops.splice(i, 0, op(OP.STOP));
      else if (which === 1) ops.pop();
      else ops.push(...rng.pick([[op(OP.NONE)], [op(OP.STOP)], [op(OP.POP)]]));
      return `stop ${which}`;
    }
    case 10: { // a key that is not a string
      const keys = ops.flatMap((o, k) => (o.code === OP.SHORT_BINSTRING || o.code === OP.BINUNICODE ? [k] : []));
      if (keys.length === 0) return 'no key';
      ops.splice(rng.pick(keys), 1, rng.pick([intOp(1), op(OP.NONE), op(OP.EMPTY_TUPLE), shortBinstring('__proto__'), shortBinstring('constructor'), shortBinstring('train'), binunicode('valid\u0000')]));
      return 'key';
    }
    case 11: ops.splice(i, 0, op(OP.FRAME, le(rng.pick([0, 8, 2 ** 53 - 1]), 8))); return 'frame';
    default: { // one value replaced
      const vals = valueAt(ops);
      if (vals.length === 0) return 'no value';
      const h = hostileValue(rng);
      ops.splice(rng.pick(vals), 1, ...h.ops);
      return h.how;
    }
  }
}

function structured(rng: Rng, _scale: Scale): Generated {
  const { ops } = validOps(rng);
  const hows: string[] = [];
  for (let k = 0, n = rng.intIn(1, 3); k < n; k++) hows.push(mutateOps(rng, ops));
  return { bytes: serialize(ops), how: `structured(${hows.join(', ')})` };
}

/** {train: t, valid: t, test: t} around the ops that build t (memo 0 is free for them). */
function datasetAround(body: Op[], memoOfT: number): Op[] {
  const get = memoOfT < 256 ? op(OP.BINGET, [memoOfT]) : op(OP.LONG_BINGET, le(memoOfT, 4));
  return [op(OP.PROTO, [2]), op(OP.EMPTY_DICT), op(OP.MARK), shortBinstring('train'), ...body, shortBinstring('valid'), get, shortBinstring('test'), get, op(OP.SETITEMS), op(OP.STOP)];
}

/** A data set whose pieces are k references to one piece of k references to one full step. */
export function amplified(k: number, notes = 88): Uint8Array {
  const w = new ByteWriter();
  const pre = serialize([op(OP.PROTO, [2]), op(OP.EMPTY_DICT), op(OP.MARK), shortBinstring('train')]);
  w.bytes(pre);
  // step: [21 .. 21+notes-1], memo 0
  w.u8(OP.EMPTY_LIST).u8(OP.BINPUT).u8(0).u8(OP.MARK);
  for (let n = 0; n < notes; n++) w.u8(OP.BININT1).u8(21 + n);
  w.u8(OP.APPENDS);
  w.u8(OP.POP); // the step stays in the memo only
  // piece: k × step, memo 1
  w.u8(OP.EMPTY_LIST).u8(OP.BINPUT).u8(1).u8(OP.MARK);
  for (let i = 0; i < k; i++) w.u8(OP.BINGET).u8(0);
  w.u8(OP.APPENDS).u8(OP.POP);
  // split: k × piece, memo 2
  w.u8(OP.EMPTY_LIST).u8(OP.BINPUT).u8(2).u8(OP.MARK);
  for (let i = 0; i < k; i++) w.u8(OP.BINGET).u8(1);
  w.u8(OP.APPENDS);
  w.bytes(serialize([shortBinstring('valid'), op(OP.BINGET, [2]), shortBinstring('test'), op(OP.BINGET, [2]), op(OP.SETITEMS), op(OP.STOP)]));
  return w.toBytes();
}

function hostile(rng: Rng, scale: Scale): Generated {
  switch (rng.int(9)) {
    case 0: {
      const k = sized(scale, rng.intIn(10, 60), rng.pick([1000, 10_000, 100_000]));
      return { bytes: cached(`pk0-${k}`, () => amplified(k)), how: `hostile(memo amplification: ${k}×${k} steps of 88 notes per split)` };
    }
    case 1: {
      const d = sized(scale, rng.intIn(1000, 10_000), rng.pick([100_000, 1_000_000, 5_000_000]));
      return { bytes: cached(`pk1-${d}`, () => concat([OP.PROTO, 2], repeatBytes([OP.EMPTY_LIST], d), repeatBytes([OP.APPEND], d - 1), [OP.STOP])), how: `hostile(lists nested ${d} deep)` };
    }
    case 2: {
      const d = sized(scale, rng.pick([9999, 10_000, 10_001]), rng.pick([10_001, 1_000_000]));
      return { bytes: cached(`pk2-${d}`, () => concat([OP.PROTO, 2], repeatBytes([OP.MARK], d), repeatBytes([OP.LIST], d), [OP.STOP])), how: `hostile(${d} nested MARKs)` };
    }
    case 3: {
      const n = sized(scale, rng.intIn(100, 2000), rng.pick([20_000, 100_000, 1_000_000]));
      const tail = rng.pick(['x', '', '.', 'e']);
      return { bytes: cached(`pk3-${n}-${tail}`, () => concat([OP.PROTO, 2, OP.FLOAT], repeatBytes([0x31], n), ascii(tail + '\n'), [OP.STOP])), how: `hostile(text FLOAT of ${n} digits + '${tail}')` };
    }
    case 4: {
      const n = sized(scale, rng.intIn(100, 5000), rng.pick([100_000, 1_000_000, 10_000_000]));
      const code = rng.pick([OP.INT, OP.LONG, OP.GET, OP.PUT]);
      return { bytes: cached(`pk4-${n}-${code}`, () => concat([OP.PROTO, 2, OP.NONE, code], repeatBytes([0x37], n), ascii('\n'), [OP.STOP])), how: `hostile(text 0x${code.toString(16)} of ${n} digits)` };
    }
    case 5: {
      const n = sized(scale, rng.intIn(1000, 20_000), rng.pick([1_000_000, 5_000_000, 60_000_000]));
      return {
        bytes: cached(`pk5-${n}`, () => {
          // one piece of n empty steps (1 byte each: the shared silence through DUP)
          const w = new ByteWriter();
          w.bytes(serialize([op(OP.PROTO, [2]), op(OP.EMPTY_DICT), op(OP.MARK), shortBinstring('train'), op(OP.EMPTY_LIST), op(OP.BINPUT, [0]), op(OP.EMPTY_LIST), op(OP.BINPUT, [1]), op(OP.MARK)]));
          w.u8(OP.EMPTY_LIST);
          w.bytes(repeatBytes([OP.DUP], n - 1));
          w.u8(OP.APPENDS).u8(OP.APPEND);
          w.bytes(serialize([shortBinstring('valid'), op(OP.BINGET, [0]), shortBinstring('test'), op(OP.BINGET, [0]), op(OP.SETITEMS), op(OP.STOP)]));
          return w.toBytes();
        }),
        how: `hostile(${n} steps through DUP)`,
      };
    }
    case 6: {
      const n = sized(scale, rng.intIn(1000, 20_000), rng.pick([1_000_000, 2_000_000, 10_000_001, 12_000_000]));
      const memoize = rng.bernoulli(0.5); // MEMOIZE (1 byte an entry) or LONG_BINPUT (5)
      return {
        bytes: cached(`pk6-${n}-${memoize}`, () => {
          const w = new ByteWriter();
          w.u8(OP.PROTO).u8(4).u8(OP.NONE);
          if (memoize) w.bytes(repeatBytes([OP.MEMOIZE], n));
          else for (let i = 0; i < n; i++) w.u8(OP.LONG_BINPUT).u32le(i);
          w.u8(OP.STOP);
          return w.toBytes();
        }),
        how: `hostile(${n} memo entries by ${memoize ? 'MEMOIZE' : 'LONG_BINPUT'})`,
      };
    }
    case 7: {
      const n = sized(scale, rng.intIn(10_000, 100_000), rng.pick([16 * 1024 * 1024, 60_000_000]));
      return { bytes: cached(`pk7-${n}`, () => concat([OP.PROTO, 2, OP.BINUNICODE, ...le(n, 4)], repeatBytes([0x61], n), [OP.STOP])), how: `hostile(a string of ${n} bytes)` };
    }
    default: {
      // valid and invalid twins: the shared-step amplification at a small size plus one bad note
      const k = sized(scale, 30, rng.pick([300, 3000]));
      const body: Op[] = [op(OP.EMPTY_LIST), op(OP.BINPUT, [0]), intOp(60), op(OP.APPEND), op(OP.POP),
        op(OP.EMPTY_LIST), op(OP.BINPUT, [1]), op(OP.MARK), ...Array.from({ length: k }, () => op(OP.BINGET, [0])), op(OP.APPENDS), op(OP.POP),
        op(OP.EMPTY_LIST), op(OP.BINPUT, [2]), op(OP.MARK), ...Array.from({ length: k }, () => op(OP.BINGET, [1])), op(OP.EMPTY_LIST), intOp(20), op(OP.APPEND), op(OP.APPENDS)];
      return { bytes: cached(`pk8-${k}`, () => serialize(datasetAround(body, 2))), how: `hostile(${k}×${k} shared steps then a bad note)` };
    }
  }
}

export const pickleGen: FormatGen = { valid, structured, hostile, fields, magic: Uint8Array.of(OP.PROTO, 2, OP.EMPTY_DICT, OP.BINPUT, 0) };
