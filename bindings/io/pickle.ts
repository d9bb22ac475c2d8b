// A safe reader for Python pickles that hold plain data only, such as the original
// Boulanger-Lewandowski `.pickle` piano rolls (a dict of lists of lists of lists of ints).
//
// A pickle is a program for a small stack machine; the dangerous opcodes are the ones that
// import a Python object (GLOBAL, STACK_GLOBAL, INST, OBJ, EXT*) or call one (REDUCE, BUILD,
// NEWOBJ, NEWOBJ_EX, persistent ids). This reader never resolves or calls anything: it knows
// only the opcodes that build data (protocols 0–5) and refuses every other opcode with a
// FormatError naming it and its byte offset. It also refuses cyclic data.
//
// Python → JavaScript: dict → null-prototype object (str keys only), list and tuple →
// array, str/unicode → string (Python 2 byte strings are decoded as Latin-1, as
// `pickle.load(f, encoding="latin1")` does), bytes/bytearray → Uint8Array, int → number
// (FormatError beyond ±2⁵³), float → number, bool → boolean, None → null.
// Objects reached twice through the memo are the same JavaScript object.
//
// Bounds (bindings/io/limits.ts, PICKLE_LIMITS): the values created while decoding and the
// values the result describes — an object the memo hands out n times counts n times, so a few
// kilobytes of memo references cannot describe 10¹² steps for a consumer to walk — are counted
// against maxValues; text numbers are refused by length before they are parsed (so parsing is
// linear); memo indices and MARK nesting are bounded. Dict keys must be unique.
//
// The same machine serves one restricted extension (decodePickleWith, used by io/torch-pt.ts for
// PyTorch's data.pkl): a caller-supplied PickleExtension is handed GLOBAL, STACK_GLOBAL,
// BINPERSID, REDUCE and BUILD, and decides what each may mean (an allow-list of names mapped to
// functions the caller wrote). The values it creates are PickleObjects, leaves to this reader.
// Every other refused opcode stays refused. decodePickle passes no extension.
import { FormatError, LimitError } from '../errors.js';
import { PICKLE_LIMITS, limitError, resolveLimits, type PickleLimits } from './limits.js';

export type PickleValue =
  | null
  | boolean
  | number
  | string
  | Uint8Array
  | PickleValue[]
  | { [key: string]: PickleValue };

export type { PickleLimits };

/** A value a PickleExtension creates (an imported name standing for a function the caller wrote,
 *  a persistent reference, the result of a call): opaque to this reader, a leaf of the data
 *  (never walked, never counted as a container). */
export abstract class PickleObject {
  /** How messages name it, e.g. `global torch._utils._rebuild_tensor_v2`. */
  abstract describe(): string;
}

/** What an extended decode can hold: plain data and the extension's objects. */
export type PickleData =
  | null
  | boolean
  | number
  | string
  | Uint8Array
  | PickleObject
  | PickleData[]
  | { [key: string]: PickleData };

/** Throws the reader's FormatError (prefixed with where, the opcode and its byte offset). */
export type PickleFail = (message: string) => never;

/** The restricted meaning a caller gives to opcodes decodePickle refuses. Each hook gets the
 *  values already on the stack and `fail`; it must never resolve a name dynamically. */
export interface PickleExtension {
  /** GLOBAL / STACK_GLOBAL: the object `module.name` stands for (fail for a name not allowed). */
  global(module: string, name: string, fail: PickleFail): PickleObject;
  /** BINPERSID: the object the persistent id `pid` stands for. */
  persistentLoad(pid: PickleData, fail: PickleFail): PickleData;
  /** REDUCE: the result of calling `callable` with the tuple `args`. */
  reduce(callable: PickleData, args: PickleData[], fail: PickleFail): PickleData;
  /** BUILD: applies `state` to `obj` (which stays on the stack). */
  build(obj: PickleData, state: PickleData, fail: PickleFail): void;
}

/** How decodePickleWith differs from decodePickle. */
export interface PickleOptions {
  /** The start of every message (default 'pickle'). */
  where?: string;
  /** The opcodes decodePickle refuses that the caller gives a meaning to. */
  extension?: PickleExtension;
  /** Most opcodes run (default: unbounded; the input's length bounds them). */
  maxOps?: number;
  /** The option each LimitError names, when the caller's own options call it otherwise
   *  (default: the PickleLimits key, and 'maxOps'). */
  limitNames?: { maxValues?: string; maxContainers?: string; maxOps?: string };
  /** What a refused opcode's message says is read (default: plain data). */
  refusedHint?: string;
}

/** Opcodes refused because they import or call Python objects, by byte value. */
const REFUSED: Record<number, string> = {
  0x63: 'GLOBAL', 0x93: 'STACK_GLOBAL', 0x52: 'REDUCE', 0x62: 'BUILD', 0x69: 'INST', 0x6f: 'OBJ',
  0x81: 'NEWOBJ', 0x92: 'NEWOBJ_EX', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4', 0x50: 'PERSID',
  0x51: 'BINPERSID', 0x97: 'NEXT_BUFFER', 0x98: 'READONLY_BUFFER',
};
/** Known data opcodes this reader does not build (sets). */
const UNSUPPORTED: Record<number, string> = { 0x8f: 'EMPTY_SET', 0x90: 'ADDITEMS', 0x91: 'FROZENSET' };

/** Per opcode byte: 1 refused (REFUSED), 2 unsupported (UNSUPPORTED), 0 otherwise. */
const OP_KIND = new Uint8Array(256);
for (const k of Object.keys(REFUSED)) OP_KIND[Number(k)] = 1;
for (const k of Object.keys(UNSUPPORTED)) OP_KIND[Number(k)] = 2;
/** The same with a PickleExtension: GLOBAL, STACK_GLOBAL, BINPERSID, REDUCE and BUILD go to it. */
const OP_KIND_EXT = OP_KIND.slice();
for (const k of [0x63, 0x93, 0x51, 0x52, 0x62]) OP_KIND_EXT[k] = 0;

const PLAIN_DATA = 'only plain data (dict, list, tuple, str, bytes, int, float, bool, None) is read, and nothing is ever executed';

const MARK = Symbol('mark');
type Slot = PickleData | typeof MARK;

/** A list, tuple or dict (what the container limits count and the cycle check walks). */
const isContainer = (v: PickleData): v is PickleData[] | { [key: string]: PickleData } =>
  typeof v === 'object' && v !== null && !(v instanceof Uint8Array) && !(v instanceof PickleObject);

const latin1 = (b: Uint8Array): string => {
  let s = '';
  if (b.length <= 32) { for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]); return s; }
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
  return s;
};

/** Decodes one pickle; the whole input must be consumed by STOP. */
export function decodePickle(bytes: Uint8Array, limits: PickleLimits = {}): PickleValue {
  // without an extension no PickleObject can be created: the result is plain data
  return decodePickleWith(bytes, limits, {}) as PickleValue;
}

/** decodePickle with a restricted extension (see PickleExtension) and its own message prefix. */
export function decodePickleWith(bytes: Uint8Array, limits: PickleLimits, options: PickleOptions): PickleData {
  const where = options.where ?? 'pickle';
  const ext = options.extension;
  const opKind = ext ? OP_KIND_EXT : OP_KIND;
  const maxOps = options.maxOps ?? Infinity;
  const refusedHint = options.refusedHint ?? PLAIN_DATA;
  const valuesLimit = options.limitNames?.maxValues ?? 'maxValues';
  const containersLimit = options.limitNames?.maxContainers ?? 'maxContainers';
  const opsLimit = options.limitNames?.maxOps ?? 'maxOps';
  let ops = 0;
  const lim = resolveLimits(PICKLE_LIMITS, limits, where);
  const maxMemo = lim.maxMemo;
  const maxMarks = lim.maxMarks;
  const maxValues = lim.maxValues;
  const maxChars = lim.maxNumberChars;
  const maxContainers = lim.maxContainers;
  let created = 0, containers = 0;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const stack: Slot[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PickleData>();
  let pos = 0;
  let opAt = 0;
  let op = -1; // the opcode being run; -1 outside any opcode

  const opName = (o: number): string => OPNAMES[o] ?? REFUSED[o] ?? UNSUPPORTED[o] ?? `opcode 0x${o.toString(16).padStart(2, '0')}`;
  const bad = (msg: string): never => { throw new FormatError(`${where}: ${op >= 0 ? `${opName(op)} at byte ${opAt}: ` : ''}${msg}`); };
  const need = (n: number): void => { if (n > bytes.length - pos) bad(`truncated: needs ${n} more bytes, ${bytes.length - pos} left`); };
  const take = (n: number): Uint8Array => { need(n); const b = bytes.subarray(pos, pos + n); pos += n; return b; };
  const u8 = (): number => { need(1); return bytes[pos++]; };
  const u16 = (): number => { need(2); const v = view.getUint16(pos, true); pos += 2; return v; };
  const u32 = (): number => { need(4); const v = view.getUint32(pos, true); pos += 4; return v; };
  const i32 = (): number => { need(4); const v = view.getInt32(pos, true); pos += 4; return v; };
  const u64 = (): number => {
    need(8);
    const lo = view.getUint32(pos, true), hi = view.getUint32(pos + 4, true);
    pos += 8;
    if (hi > 0x1fffff) bad('length beyond 2^53');
    return hi * 4294967296 + lo;
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) bad('truncated: missing end of line');
    const s = latin1(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  /** Pushes a value the opcode created (not one the memo or DUP hands out again). */
  const push = (v: PickleData): void => {
    if (++created > maxValues) throw limitError(where, 'values', maxValues, valuesLimit);
    if (isContainer(v) && ++containers > maxContainers) {
      throw limitError(where, 'lists, tuples and dicts', maxContainers, containersLimit);
    }
    stack.push(v);
  };
  /** Objects handed out more than once (memo GET, DUP): the only ones that can be shared or
   *  close a cycle. */
  const shared = new Set<object>();
  /** Pushes a value already counted (a memo reference, DUP). */
  const pushAgain = (v: PickleData): void => {
    // a reference describes its object once more: counted now, so that millions of DUPs or
    // GETs cannot grow the stack past the budget before the result is measured at STOP
    if (++created > maxValues) throw limitError(where, 'values (a value the memo or DUP hands out again counts again)', maxValues, valuesLimit);
    if (isContainer(v)) {
      if (++containers > maxContainers) throw limitError(where, 'lists, tuples and dicts (a reference handed out again counts again)', maxContainers, containersLimit);
      shared.add(v);
    }
    stack.push(v);
  };
  const pop = (): PickleData => {
    if (stack.length === 0 || (marks.length > 0 && stack.length <= marks[marks.length - 1])) bad('stack underflow');
    return stack.pop() as PickleData;
  };
  const top = (): PickleData => {
    if (stack.length === 0 || (marks.length > 0 && stack.length <= marks[marks.length - 1])) bad('stack underflow');
    return stack[stack.length - 1] as PickleData;
  };
  const popMark = (): PickleData[] => {
    const m = marks.pop();
    if (m === undefined) bad('no MARK on the stack');
    const items = stack.splice(m!) as PickleData[];
    return items;
  };
  const memoKey = (i: number): number => {
    if (!Number.isSafeInteger(i) || i < 0 || i > maxMemo) bad(`memo index ${i} is outside 0..${maxMemo}`);
    return i;
  };
  const memoGet = (i: number): PickleData => {
    if (!memo.has(i)) bad(`memo index ${i} was never stored`);
    return memo.get(i) as PickleData;
  };
  const int = (v: bigint | number): number => {
    const n = typeof v === 'bigint' ? Number(v) : v;
    if (!Number.isSafeInteger(n) || (typeof v === 'bigint' && BigInt(n) !== v)) bad(`integer ${v} is outside ±2^53`);
    return n;
  };
  /** The line of a text number, refused by its length before it is decoded or parsed (BigInt
   *  and regular expressions on millions of digits take seconds). */
  const numberLine = (kind: string): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end >= 0 && end - pos > maxChars) {
      throw new LimitError(`${where}: ${opName(op)} at byte ${opAt}: ${kind} of ${end - pos} characters is longer than the limit of ${maxChars} (the limit maxNumberChars)`, 'maxNumberChars', maxChars);
    }
    return line();
  };
  const textInt = (s: string): number => {
    const m = /^\s*([+-]?[0-9]+)L?\s*$/.exec(s);
    if (!m) bad(`${JSON.stringify(s)} is not a decimal integer`);
    const digits = m![1];
    return digits.length <= 15 ? Number(digits) : int(BigInt(digits)); // ≤ 15 characters: below 2^53, exact
  };
  const longBytes = (b: Uint8Array): number => {
    if (b.length === 0) return 0;
    if (b.length > 8) bad(`integer of ${b.length} bytes is outside ±2^53`);
    let v = 0n;
    for (let k = b.length - 1; k >= 0; k--) v = (v << 8n) | BigInt(b[k]);
    if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
    return int(v);
  };
  const asList = (v: PickleData, what: string): PickleData[] => {
    if (!Array.isArray(v)) bad(`${what} needs a list below it, found ${describe(v)}`);
    return v as PickleData[];
  };
  const asDict = (v: PickleData, what: string): { [k: string]: PickleData } => {
    if (!isContainer(v) || Array.isArray(v)) bad(`${what} needs a dict below it, found ${describe(v)}`);
    return v as { [k: string]: PickleData };
  };
  const setItem = (d: { [k: string]: PickleData }, k: PickleData, v: PickleData): void => {
    if (typeof k !== 'string') bad(`dict key ${describe(k)} is not a string (only str keys are supported)`);
    if (Object.prototype.hasOwnProperty.call(d, k as string)) bad(`dict key ${JSON.stringify(k)} is set twice (a Python dict pickles each key once; the second would silently replace the first)`);
    Object.defineProperty(d, k as string, { value: v, enumerable: true, writable: true, configurable: true });
  };
  const newDict = (): { [k: string]: PickleData } => Object.create(null);

  for (;;) {
    if (pos >= bytes.length) { op = -1; bad('truncated: no STOP opcode'); }
    opAt = pos;
    op = bytes[pos++];
    if (++ops > maxOps) throw limitError(where, 'opcodes', maxOps, opsLimit);
    const kind = opKind[op];
    if (kind === 1) {
      let detail = '';
      if (op === 0x63 || op === 0x69) { // GLOBAL/INST: show "module name" without resolving it
        const end1 = bytes.indexOf(0x0a, pos), end2 = end1 < 0 ? -1 : bytes.indexOf(0x0a, end1 + 1);
        if (end2 > 0) detail = ` (${JSON.stringify(latin1(bytes.subarray(pos, end1)) + '.' + latin1(bytes.subarray(end1 + 1, end2)))})`;
      } else if (op === 0x93 && stack.length >= 2 && typeof stack[stack.length - 2] === 'string' && typeof stack[stack.length - 1] === 'string') {
        detail = ` (${JSON.stringify(`${stack[stack.length - 2] as string}.${stack[stack.length - 1] as string}`)})`;
      }
      bad(`refused${detail}: this opcode imports or calls Python objects; ${refusedHint}`);
    }
    if (kind === 2) bad('sets are not supported');
    switch (op) {
      case 0x80: { const v = u8(); if (v > 5) bad(`protocol ${v} is newer than 5`); break; } // PROTO
      case 0x95: u64(); break; // FRAME: a length hint only
      case 0x2e: { // STOP
        if (marks.length > 0) bad('MARK left open at STOP');
        if (stack.length !== 1) bad(`stack holds ${stack.length} values at STOP, expected 1`);
        if (pos !== bytes.length) { op = -1; bad(`${bytes.length - pos} trailing bytes after STOP`); }
        const result = stack[0] as PickleData;
        checkDescribed(result, maxValues, shared, where, valuesLimit);
        return result;
      }
      case 0x28: if (marks.length >= maxMarks) bad(`more than ${maxMarks} nested MARKs`); marks.push(stack.length); break; // MARK
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: pushAgain(top()); break; // DUP
      // --- constants and numbers
      case 0x4e: push(null); break; // NONE
      case 0x88: push(true); break; // NEWTRUE
      case 0x89: push(false); break; // NEWFALSE
      case 0x49: { // INT (text); I00 / I01 are False / True in protocol 0
        const s = numberLine('an integer');
        push(s === '00' ? false : s === '01' ? true : textInt(s));
        break;
      }
      case 0x4c: push(textInt(numberLine('an integer'))); break; // LONG (text, trailing L)
      case 0x4a: push(i32()); break; // BININT
      case 0x4b: push(u8()); break; // BININT1
      case 0x4d: push(u16()); break; // BININT2
      case 0x8a: push(longBytes(take(u8()))); break; // LONG1
      case 0x8b: { const n = i32(); if (n < 0) bad(`negative length ${n}`); push(longBytes(take(n))); break; } // LONG4
      case 0x46: { // FLOAT (text)
        const s = numberLine('a float').trim();
        const v = s === 'nan' ? NaN : s === 'inf' ? Infinity : s === '-inf' ? -Infinity
          : /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/.test(s) ? Number(s) : bad(`${JSON.stringify(s)} is not a float`);
        push(v as number);
        break;
      }
      case 0x47: { need(8); push(view.getFloat64(pos, false)); pos += 8; break; } // BINFLOAT (big-endian)
      // --- strings and bytes
      case 0x53: push(pyStringLiteral(line(), bad)); break; // STRING (repr, Python 2 str)
      case 0x54: { const n = i32(); if (n < 0) bad(`negative length ${n}`); push(latin1(take(n))); break; } // BINSTRING
      case 0x55: push(latin1(take(u8()))); break; // SHORT_BINSTRING
      case 0x56: push(rawUnicodeEscape(line(), bad)); break; // UNICODE (raw-unicode-escape)
      case 0x58: push(decodeUtf8(take(u32()))); break; // BINUNICODE
      case 0x8c: push(decodeUtf8(take(u8()))); break; // SHORT_BINUNICODE
      case 0x8d: push(decodeUtf8(take(u64()))); break; // BINUNICODE8
      case 0x42: push(take(u32()).slice()); break; // BINBYTES
      case 0x43: push(take(u8()).slice()); break; // SHORT_BINBYTES
      case 0x8e: push(take(u64()).slice()); break; // BINBYTES8
      case 0x96: push(take(u64()).slice()); break; // BYTEARRAY8
      // --- containers
      case 0x5d: push([]); break; // EMPTY_LIST
      case 0x29: push([]); break; // EMPTY_TUPLE
      case 0x7d: push(newDict()); break; // EMPTY_DICT
      case 0x6c: push(popMark()); break; // LIST
      case 0x74: push(popMark()); break; // TUPLE
      case 0x85: { const a = pop(); push([a]); break; } // TUPLE1
      case 0x86: { const b = pop(), a = pop(); push([a, b]); break; } // TUPLE2
      case 0x87: { const c = pop(), b = pop(), a = pop(); push([a, b, c]); break; } // TUPLE3
      case 0x64: { // DICT
        const items = popMark();
        if (items.length % 2) bad('odd number of items for a dict');
        const d = newDict();
        for (let k = 0; k < items.length; k += 2) setItem(d, items[k], items[k + 1]);
        push(d);
        break;
      }
      case 0x61: { const v = pop(); asList(top(), 'APPEND').push(v); break; } // APPEND
      case 0x65: { const items = popMark(); const l = asList(top(), 'APPENDS'); for (const v of items) l.push(v); break; } // APPENDS
      case 0x73: { const v = pop(), k = pop(); setItem(asDict(top(), 'SETITEM'), k, v); break; } // SETITEM
      case 0x75: { // SETITEMS
        const items = popMark();
        if (items.length % 2) bad('odd number of items for SETITEMS');
        const d = asDict(top(), 'SETITEMS');
        for (let k = 0; k < items.length; k += 2) setItem(d, items[k], items[k + 1]);
        break;
      }
      // --- memo
      case 0x70: memo.set(memoKey(textInt(numberLine('an integer'))), top()); break; // PUT
      case 0x71: memo.set(memoKey(u8()), top()); break; // BINPUT
      case 0x72: memo.set(memoKey(u32()), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memoKey(memo.size), top()); break; // MEMOIZE
      case 0x67: pushAgain(memoGet(textInt(numberLine('an integer')))); break; // GET
      case 0x68: pushAgain(memoGet(u8())); break; // BINGET
      case 0x6a: pushAgain(memoGet(u32())); break; // LONG_BINGET
      // --- the extension's opcodes (opKind refuses them when there is none)
      case 0x63: { const m = line(), n = line(); push(ext!.global(m, n, bad)); break; } // GLOBAL
      case 0x93: { // STACK_GLOBAL
        const n = pop(), m = pop();
        if (typeof m !== 'string' || typeof n !== 'string') bad(`needs two strings below it, found ${describe(m)} and ${describe(n)}`);
        push(ext!.global(m as string, n as string, bad));
        break;
      }
      case 0x51: push(ext!.persistentLoad(pop(), bad)); break; // BINPERSID
      case 0x52: { // REDUCE
        const args = pop(), f = pop();
        if (!Array.isArray(args)) bad(`needs an argument tuple on top, found ${describe(args)}`);
        push(ext!.reduce(f, args as PickleData[], bad));
        break;
      }
      case 0x62: { const state = pop(); ext!.build(top(), state, bad); break; } // BUILD
      default: bad('unknown opcode');
    }
  }

  function decodeUtf8(b: Uint8Array): string {
    try { return utf8.decode(b); } catch { return bad('string is not valid UTF-8'); }
  }
}

const OPNAMES: Record<number, string> = {
  0x80: 'PROTO', 0x95: 'FRAME', 0x2e: 'STOP', 0x28: 'MARK', 0x30: 'POP', 0x31: 'POP_MARK', 0x32: 'DUP',
  0x4e: 'NONE', 0x88: 'NEWTRUE', 0x89: 'NEWFALSE', 0x49: 'INT', 0x4c: 'LONG', 0x4a: 'BININT',
  0x4b: 'BININT1', 0x4d: 'BININT2', 0x8a: 'LONG1', 0x8b: 'LONG4', 0x46: 'FLOAT', 0x47: 'BINFLOAT',
  0x53: 'STRING', 0x54: 'BINSTRING', 0x55: 'SHORT_BINSTRING', 0x56: 'UNICODE', 0x58: 'BINUNICODE',
  0x8c: 'SHORT_BINUNICODE', 0x8d: 'BINUNICODE8', 0x42: 'BINBYTES', 0x43: 'SHORT_BINBYTES',
  0x8e: 'BINBYTES8', 0x96: 'BYTEARRAY8', 0x5d: 'EMPTY_LIST', 0x29: 'EMPTY_TUPLE', 0x7d: 'EMPTY_DICT',
  0x6c: 'LIST', 0x74: 'TUPLE', 0x85: 'TUPLE1', 0x86: 'TUPLE2', 0x87: 'TUPLE3', 0x64: 'DICT',
  0x61: 'APPEND', 0x65: 'APPENDS', 0x73: 'SETITEM', 0x75: 'SETITEMS', 0x70: 'PUT', 0x71: 'BINPUT',
  0x72: 'LONG_BINPUT', 0x94: 'MEMOIZE', 0x67: 'GET', 0x68: 'BINGET', 0x6a: 'LONG_BINGET',
};

function describe(v: unknown): string {
  if (v === null) return 'None';
  if (v instanceof PickleObject) return v.describe();
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Uint8Array) return 'bytes';
  if (typeof v === 'object') return 'a dict';
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** Parses a Python 2 str repr such as 'a\'b\x00' (the STRING opcode's argument). */
function pyStringLiteral(s: string, bad: (m: string) => never): string {
  const q = s[0];
  if (s.length < 2 || (q !== "'" && q !== '"') || s[s.length - 1] !== q) bad(`${JSON.stringify(s)} is not a quoted string`);
  const body = s.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') { out += c; continue; }
    const e = body[++i];
    switch (e) {
      case '\\': out += '\\'; break;
      case "'": out += "'"; break;
      case '"': out += '"'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'a': out += '\x07'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'v': out += '\v'; break;
      case 'x': {
        const h = body.slice(i + 1, i + 3);
        if (!/^[0-9a-fA-F]{2}$/.test(h)) bad(`bad \\x escape in ${JSON.stringify(s)}`);
        out += String.fromCharCode(parseInt(h, 16));
        i += 2;
        break;
      }
      default: {
        const m = /^[0-7]{1,3}/.exec(body.slice(i));
        if (!m) bad(`bad escape \\${e ?? ''} in ${JSON.stringify(s)}`);
        out += String.fromCharCode(parseInt(m![0], 8) & 0xff);
        i += m![0].length - 1;
      }
    }
  }
  return out;
}

/** Decodes Python's raw-unicode-escape (the UNICODE opcode's argument, read as Latin-1). */
function rawUnicodeEscape(s: string, bad: (m: string) => never): string {
  return s.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_, u4: string | undefined, u8: string | undefined) => {
    const cp = parseInt((u4 ?? u8)!, 16);
    if (cp > 0x10ffff) bad(`code point ${cp.toString(16)} is out of range`);
    return String.fromCodePoint(cp);
  });
}

/** Refuses data that contains itself (possible through the memo), which would hang consumers,
 *  and data that describes more than `max` values counting shared objects once per reference
 *  (which would make a consumer's walk take forever). One pass over the distinct objects: an
 *  object in `shared` (handed out again by the memo or DUP) has its described size computed
 *  once and is the only kind that can close a cycle; every other object has one parent. */
function checkDescribed(root: PickleData, max: number, shared: Set<object>, where: string, limit: string): void {
  const onPath = new Set<object>();
  const size = new Map<object, number>(); // described values of each finished shared object
  const stack: { v: object; children: PickleData[]; i: number; n: number }[] = [];
  const tooMany = () => limitError(where, 'values described (an object the memo hands out n times counts n times)', max, limit);
  /** Adds child v to the open frame (or starts a frame for it). */
  const enter = (v: PickleData, parent: { n: number } | undefined): void => {
    if (!isContainer(v)) { if (parent && ++parent.n > max) throw tooMany(); return; }
    if (shared.has(v)) {
      if (onPath.has(v)) throw new FormatError(`${where}: the data contains itself (a cycle through the memo); only tree-shaped data is accepted`);
      const known = size.get(v);
      if (known !== undefined) { if (parent && (parent.n += known) > max) throw tooMany(); return; }
      onPath.add(v);
    }
    stack.push({ v, children: Array.isArray(v) ? v : Object.values(v), i: 0, n: 1 });
  };
  if (!isContainer(root)) return;
  enter(root, undefined);
  while (stack.length > 0) {
    const f = stack[stack.length - 1];
    if (f.i < f.children.length) { enter(f.children[f.i++], f); continue; }
    stack.pop();
    if (shared.has(f.v)) { onPath.delete(f.v); size.set(f.v, f.n); }
    const parent = stack[stack.length - 1];
    if (parent && (parent.n += f.n) > max) throw tooMany();
  }
}
