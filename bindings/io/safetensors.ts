// The safetensors format (https://github.com/huggingface/safetensors), float32 only.
//
//   [ u64 little-endian N ][ N bytes of UTF-8 JSON header ][ byte buffer ]
//   header = { "<name>": {"dtype": "F32", "shape": [d0, d1, ...], "data_offsets": [begin, end]},
//              ..., "__metadata__": {"<key>": "<string>", ...} }
//
// data_offsets are relative to the start of the byte buffer. The tensors tile the buffer
// exactly: no gaps, no overlaps, no trailing bytes. Data is little-endian, row-major.
//
// `decodeSafetensors` checks the whole file before it returns anything, and throws a
// FormatError naming the tensor and the rule for every way a file can be wrong. We write
// "F32" only, header keys in sorted order, and pad the header with spaces so the data starts
// 8-byte aligned; the output is byte-for-byte deterministic.
import { FormatError, LimitError, ShapeError, ValueError } from '../errors.js';
import { isJsonObject, parseJsonStrict, type JsonValue } from './json-strict.js';
import { SAFETENSORS_LIMITS, limitError, resolveLimits, type SafetensorsLimits } from './limits.js';

export interface Tensor {
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsFile {
  /** In the order of their data in the file. */
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

export type { SafetensorsLimits };

const METADATA_KEY = '__metadata__';

/** Every dtype the safetensors specification defines; only F32 is decoded here. */
const KNOWN_DTYPES = new Set([
  'BOOL', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'F8_E8M0', 'F4', 'F6_E2M3', 'F6_E3M2',
  'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'F64', 'I64', 'U64', 'C64',
]);

/** Largest single dimension accepted (2³¹ − 1). */
const MAX_DIM = 2147483647;

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** One tensor of a header: its name, shape and byte range in the data buffer. */
export interface SafetensorsEntry {
  name: string;
  shape: number[];
  begin: number;
  end: number;
}
type Entry = SafetensorsEntry;

/** A checked header: the tensors (sorted by their data offsets, tiling the data buffer) and
 *  the metadata, without any tensor data copied yet. */
export interface SafetensorsHeader {
  entries: SafetensorsEntry[];
  metadata: Record<string, string>;
  /** Byte offset of the data buffer in the file. */
  dataStart: number;
}

const q = (s: string): string => JSON.stringify(s);

/** Parses and fully validates a safetensors file; copies each tensor into its own Float32Array. */
export function decodeSafetensors(bytes: Uint8Array, limits: SafetensorsLimits = {}): SafetensorsFile {
  return copyTensors(bytes, readSafetensorsHeader(bytes, limits));
}

/**
 * Parses and validates everything but the tensor data: the header (counted while it is parsed:
 * at most maxTensors entries, maxMetadataKeys metadata keys, nesting 8 and the few values each
 * entry has, so a header of millions of tiny objects is refused after reading a fraction of it),
 * each entry's dtype, shape and offsets, and that the tensors tile the data buffer.
 */
export function readSafetensorsHeader(bytes: Uint8Array, limits: SafetensorsLimits = {}): SafetensorsHeader {
  const lim = resolveLimits(SAFETENSORS_LIMITS, limits, 'safetensors');
  const maxHeader = lim.maxHeaderBytes;
  const maxTensors = lim.maxTensors;
  const maxRank = lim.maxRank;
  const maxMetadataKeys = lim.maxMetadataKeys;
  const bad = (msg: string): never => { throw new FormatError(`safetensors: ${msg}`); };

  if (!(bytes instanceof Uint8Array)) throw new ValueError('decodeSafetensors: expected a Uint8Array');
  if (bytes.length < 8) bad(`file is ${bytes.length} bytes, shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenLo = view.getUint32(0, true);
  const lenHi = view.getUint32(4, true);
  const headerLen = lenHi * 4294967296 + lenLo; // exact up to 2^53
  if (headerLen > maxHeader) throw new LimitError(`safetensors: header length ${headerLen} exceeds the limit of ${maxHeader} bytes (the limit maxHeaderBytes)`, 'maxHeaderBytes', maxHeader);
  if (headerLen > bytes.length - 8) bad(`header length ${headerLen} is larger than the ${bytes.length - 8} bytes after the length field (truncated file?)`);
  if (headerLen < 2) bad(`header length ${headerLen} is too small for a JSON object`);

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + headerLen));
  } catch {
    return bad('header is not valid UTF-8');
  }
  if (text.charCodeAt(0) !== 0x7b) bad("header does not start with '{'");
  // Every value a valid header can hold: per tensor its key, entry, 3 keys, dtype, shape with
  // up to maxRank dimensions, offsets and their 2 numbers; the metadata's keys and strings.
  const perTensor = 10 + Math.min(maxRank, 1e6);
  const maxValues = 2 + (maxTensors + 1) * perTensor + 2 * maxMetadataKeys;
  const header = parseJsonStrict(text, {
    what: 'safetensors header', maxDepth: 8, maxValues, maxValuesLimit: 'maxTensors',
    // maxTensors entries and __metadata__: one entry more means more than maxTensors tensors
    items: [{ max: maxTensors + 1, what: 'tensors', limit: 'maxTensors', shown: maxTensors }],
    // the arrays are shapes and offsets: one element past maxRank still gets the rank message
    maxArrayItems: { max: Math.max(maxRank, 2) + 1, what: 'elements in one array (a shape has at most maxRank dimensions)', limit: 'maxRank' },
  });
  if (!isJsonObject(header)) return bad('header is not a JSON object');

  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const entries: Entry[] = [];

  for (const name of Object.keys(header)) {
    const value = header[name];
    if (name === METADATA_KEY) {
      if (!isJsonObject(value)) bad(`"${METADATA_KEY}" must be an object of strings`);
      const md = value as { [k: string]: JsonValue };
      const keys = Object.keys(md);
      if (keys.length > maxMetadataKeys) throw limitError('safetensors', 'metadata keys', maxMetadataKeys, 'maxMetadataKeys');
      for (const k of keys) {
        if (typeof md[k] !== 'string') bad(`metadata value for key ${q(k)} is ${JSON.stringify(md[k])}, not a string`);
        Object.defineProperty(metadata, k, { value: md[k], enumerable: true, writable: true, configurable: true });
      }
      continue;
    }
    if (entries.length >= maxTensors) throw limitError('safetensors', 'tensors', maxTensors, 'maxTensors');
    if (name.length === 0) bad('a tensor has an empty name');
    if (!isJsonObject(value)) bad(`tensor ${q(name)}: entry is not an object`);
    const e = value as { [k: string]: JsonValue };
    for (const k of Object.keys(e)) {
      if (k !== 'dtype' && k !== 'shape' && k !== 'data_offsets') bad(`tensor ${q(name)}: unexpected field ${q(k)}`);
    }
    const dtype = e.dtype;
    if (typeof dtype !== 'string') bad(`tensor ${q(name)}: dtype is missing or not a string`);
    if (!KNOWN_DTYPES.has(dtype as string)) bad(`tensor ${q(name)}: unknown dtype ${q(dtype as string)}`);
    if (dtype !== 'F32') bad(`tensor ${q(name)}: dtype ${dtype} is not supported (this reader decodes F32 only)`);

    const shapeV = e.shape;
    if (!Array.isArray(shapeV)) bad(`tensor ${q(name)}: shape is missing or not an array`);
    const shapeA = shapeV as JsonValue[];
    if (shapeA.length > maxRank) throw new LimitError(`safetensors: tensor ${q(name)}: rank ${shapeA.length} exceeds the limit of ${maxRank} (the limit maxRank)`, 'maxRank', maxRank);
    const shape: number[] = [];
    let elements = 1;
    for (let d = 0; d < shapeA.length; d++) {
      const dim = shapeA[d];
      if (typeof dim !== 'number' || !Number.isSafeInteger(dim) || dim < 0) {
        bad(`tensor ${q(name)}: shape[${d}] = ${JSON.stringify(dim)} is not a non-negative integer`);
      }
      if ((dim as number) > MAX_DIM) bad(`tensor ${q(name)}: shape[${d}] = ${dim} is larger than ${MAX_DIM}`);
      shape.push(dim as number);
      elements *= dim as number;
    }
    // A tensor can never hold more data than the file has (if a dimension is 0 the product is
    // exactly 0; otherwise a product too large for exact doubles is far above any dataLen).
    if (elements * 4 > dataLen) bad(`tensor ${q(name)}: shape [${shape.join(', ')}] needs ${elements * 4} bytes, more than the ${dataLen}-byte data buffer holds`);

    const offV = e.data_offsets;
    if (!Array.isArray(offV) || offV.length !== 2) bad(`tensor ${q(name)}: data_offsets must be an array [begin, end]`);
    const [begin, end] = offV as JsonValue[];
    for (const [label, o] of [['begin', begin], ['end', end]] as const) {
      if (typeof o !== 'number' || !Number.isSafeInteger(o) || o < 0) {
        bad(`tensor ${q(name)}: data_offsets ${label} = ${JSON.stringify(o)} is not a non-negative integer`);
      }
    }
    const b = begin as number, en = end as number;
    if (b > en) bad(`tensor ${q(name)}: data_offsets [${b}, ${en}] has begin > end`);
    if (en > dataLen) bad(`tensor ${q(name)}: data_offsets [${b}, ${en}] run past the end of the ${dataLen}-byte data buffer`);
    if (en - b !== elements * 4) bad(`tensor ${q(name)}: data_offsets [${b}, ${en}] span ${en - b} bytes but shape [${shape.join(', ')}] of F32 needs ${elements * 4}`);
    entries.push({ name, shape, begin: b, end: en });
  }

  // The tensors must tile [0, dataLen) exactly.
  entries.sort((x, y) => x.begin - y.begin || x.end - y.end);
  let cursor = 0;
  let prev: Entry | undefined;
  for (const en of entries) {
    if (en.begin < cursor) bad(`tensor ${q(en.name)}: data_offsets [${en.begin}, ${en.end}] overlap tensor ${q(prev!.name)} [${prev!.begin}, ${prev!.end}]`);
    if (en.begin > cursor) bad(`tensor ${q(en.name)}: data_offsets [${en.begin}, ${en.end}] leave a gap of ${en.begin - cursor} bytes after offset ${cursor}`);
    cursor = en.end;
    prev = en;
  }
  if (cursor !== dataLen) bad(`${dataLen - cursor} trailing bytes after the last tensor (data buffer is ${dataLen} bytes, tensors cover ${cursor})`);
  return { entries, metadata, dataStart };
}

/** Copies the tensors of a checked header out of `bytes` (the same bytes it was read from). */
export function copyTensors(bytes: Uint8Array, header: SafetensorsHeader): SafetensorsFile {
  const { entries, metadata, dataStart } = header;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tensors = new Map<string, Tensor>();
  for (const en of entries) {
    const n = (en.end - en.begin) / 4;
    const data = new Float32Array(n);
    const src = dataStart + en.begin;
    if (HOST_LITTLE_ENDIAN) {
      new Uint8Array(data.buffer).set(bytes.subarray(src, src + n * 4));
    } else {
      for (let k = 0; k < n; k++) data[k] = view.getFloat32(src + 4 * k, true);
    }
    tensors.set(en.name, { shape: en.shape, data });
  }
  return { tensors, metadata };
}

/** Writes tensors (sorted by name) and string metadata (sorted by key) as a safetensors file. */
export function encodeSafetensors(
  tensors: Map<string, Tensor> | Record<string, Tensor>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const list: [string, Tensor][] = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  list.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));

  const parts: string[] = [];
  const mdKeys = Object.keys(metadata).sort();
  if (mdKeys.length > 0) {
    const md = mdKeys.map((k) => {
      const v = metadata[k];
      if (typeof v !== 'string') throw new ValueError(`encodeSafetensors: metadata value for key ${q(k)} is ${typeof v}, must be a string`);
      return `${q(k)}:${q(v)}`;
    });
    parts.push(`${q(METADATA_KEY)}:{${md.join(',')}}`);
  }
  let offset = 0;
  for (const [name, t] of list) {
    if (name.length === 0) throw new ValueError('encodeSafetensors: a tensor has an empty name');
    if (name === METADATA_KEY) throw new ValueError(`encodeSafetensors: ${q(METADATA_KEY)} is reserved and cannot name a tensor`);
    if (!t || !(t.data instanceof Float32Array)) throw new ValueError(`encodeSafetensors: tensor ${q(name)}: data must be a Float32Array`);
    if (!Array.isArray(t.shape)) throw new ShapeError(`encodeSafetensors: tensor ${q(name)}: shape must be an array`);
    let n = 1;
    for (const d of t.shape) {
      if (!Number.isSafeInteger(d) || d < 0) throw new ShapeError(`encodeSafetensors: tensor ${q(name)}: shape [${t.shape.join(', ')}] has a dimension that is not a non-negative integer`);
      n *= d;
    }
    if (n !== t.data.length) throw new ShapeError(`encodeSafetensors: tensor ${q(name)}: shape [${t.shape.join(', ')}] has ${n} elements but data has ${t.data.length}`);
    parts.push(`${q(name)}:{"dtype":"F32","shape":[${t.shape.join(',')}],"data_offsets":[${offset},${offset + 4 * n}]}`);
    offset += 4 * n;
  }
  const headerBytes = new TextEncoder().encode(`{${parts.join(',')}}`);
  const padded = Math.ceil(headerBytes.length / 8) * 8;
  const out = new Uint8Array(8 + padded + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, padded % 4294967296, true);
  view.setUint32(4, Math.floor(padded / 4294967296), true);
  out.set(headerBytes, 8);
  out.fill(0x20, 8 + headerBytes.length, 8 + padded);
  let pos = 8 + padded;
  for (const [, t] of list) {
    if (HOST_LITTLE_ENDIAN) {
      out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), pos);
    } else {
      for (let k = 0; k < t.data.length; k++) view.setFloat32(pos + 4 * k, t.data[k], true);
    }
    pos += t.data.byteLength;
  }
  return out;
}
