// A protobuf writer: the four wire types a serialiser of ONNX (and similar) messages needs —
// varints (0), fixed 64-bit (1, unused here), length-delimited (2) and fixed 32-bit (5) — plus
// packed repeated fields. Fields are written in the order called; nothing is buffered by field
// number, so a message is laid out exactly as its writer says. Platform-neutral (no Node).
//
// Large payloads (tensor bytes) are never copied while messages nest: a writer keeps a list of
// chunks, small scalars go into a growing scratch buffer, and message() splices the inner
// writer's chunks after the length prefix. finish() copies everything once.
import { ValueError } from '../errors.js';

/** Wire types of the protobuf encoding. */
export const WIRE = { varint: 0, fixed64: 1, lengthDelimited: 2, fixed32: 5 } as const;

/** Field numbers are 1 .. 2^29 − 1; 19000–19999 are reserved by protobuf itself. */
const MAX_FIELD = 2 ** 29 - 1;
/** Payloads at least this long are kept as their own chunk instead of copied into scratch. */
const BLOB_BYTES = 256;

export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private scratch = new Uint8Array(64);
  private pos = 0;
  private flushedBytes = 0;

  /** Bytes written so far. */
  get byteLength(): number { return this.flushedBytes + this.pos; }

  // ------------------------------------------------------------------ scalar fields

  /** An unsigned varint field (uint32/uint64, a non-negative int32/int64, an enum, a bool):
   *  a safe integer ≥ 0 or a bigint in [0, 2^64). */
  uint(field: number, v: number | bigint): this { return this.tag(field, WIRE.varint).rawVarint(v); }

  /** A signed int64/int32 field: negative values as their 64-bit two's complement (ten bytes),
   *  as protobuf writes int64 (not zig-zag: that is sint64, which ONNX does not use). */
  int64(field: number, v: number | bigint): this { return this.tag(field, WIRE.varint).rawVarint(toUint64(v)); }

  bool(field: number, v: boolean): this { return this.uint(field, v ? 1 : 0); }

  /** A float field (wire type fixed32, IEEE 754 little-endian). */
  float(field: number, v: number): this {
    this.tag(field, WIRE.fixed32);
    this.reserve(4);
    new DataView(this.scratch.buffer).setFloat32(this.pos, v, true);
    this.pos += 4;
    return this;
  }

  /** A fixed32 field (an unsigned 32-bit integer, little-endian). */
  fixed32(field: number, v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new ValueError(`protobuf: fixed32 value ${v} is not an integer in 0..2^32−1`);
    this.tag(field, WIRE.fixed32);
    this.reserve(4);
    new DataView(this.scratch.buffer).setUint32(this.pos, v, true);
    this.pos += 4;
    return this;
  }

  // ------------------------------------------------------------------ length-delimited fields

  /** A bytes field. The array is referenced, not copied, until finish(): do not change it. */
  bytes(field: number, data: Uint8Array): this {
    this.tag(field, WIRE.lengthDelimited).rawVarint(data.length);
    return this.append(data);
  }

  /** A string field, UTF-8. */
  string(field: number, s: string): this { return this.bytes(field, utf8.encode(s)); }

  /** An embedded message: `inner`'s bytes, spliced without a copy. */
  message(field: number, inner: ProtoWriter): this {
    this.tag(field, WIRE.lengthDelimited).rawVarint(inner.byteLength);
    inner.flush();
    for (const c of inner.chunks) this.append(c);
    return this;
  }

  /** A packed repeated varint field (repeated int64/uint64/int32/enum [packed = true]). */
  packedInt64(field: number, values: ArrayLike<number | bigint>): this {
    const body = new ProtoWriter();
    for (let i = 0; i < values.length; i++) body.rawVarint(toUint64(values[i]));
    return this.message(field, body);
  }

  /** A packed repeated float field (repeated float [packed = true]): 4 bytes each, little-endian. */
  packedFloat(field: number, values: ArrayLike<number>): this {
    return this.bytes(field, float32LittleEndian(values));
  }

  // ------------------------------------------------------------------ output

  /** The encoded message, one contiguous array. */
  finish(): Uint8Array {
    this.flush();
    const out = new Uint8Array(this.flushedBytes);
    let o = 0;
    for (const c of this.chunks) { out.set(c, o); o += c.length; }
    return out;
  }

  // ------------------------------------------------------------------ encoding

  /** A field's key: (field number << 3) | wire type, as a varint. */
  private tag(field: number, wire: number): this {
    if (!Number.isInteger(field) || field < 1 || field > MAX_FIELD) throw new ValueError(`protobuf: field number ${field} is not in 1..${MAX_FIELD}`);
    return this.rawVarint(field * 8 + wire); // may exceed 2^31: not a shift
  }

  /** A varint of a value in [0, 2^64): seven bits per byte, low bits first, the high bit set on
   *  every byte but the last. */
  private rawVarint(v: number | bigint): this {
    if (typeof v === 'number') {
      if (!Number.isSafeInteger(v) || v < 0) throw new ValueError(`protobuf: varint value ${v} is not a safe non-negative integer`);
      this.reserve(8); // 2^53 needs at most 8 bytes
      while (v >= 0x80) {
        this.scratch[this.pos++] = (v % 0x80) | 0x80; // % and /, not bit operators: v may exceed 2^32
        v = Math.floor(v / 0x80);
      }
      this.scratch[this.pos++] = v;
      return this;
    }
    if (v < 0n || v >= 1n << 64n) throw new ValueError(`protobuf: varint value ${v} is not in [0, 2^64)`);
    this.reserve(10);
    while (v >= 0x80n) {
      this.scratch[this.pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.scratch[this.pos++] = Number(v);
    return this;
  }

  /** Small payloads are copied into scratch; large ones become a chunk of their own. */
  private append(data: Uint8Array): this {
    if (data.length < BLOB_BYTES) {
      this.reserve(data.length);
      this.scratch.set(data, this.pos);
      this.pos += data.length;
    } else {
      this.flush();
      this.chunks.push(data);
      this.flushedBytes += data.length;
    }
    return this;
  }

  /** Room for n more bytes in scratch, growing it (doubling) if needed. */
  private reserve(n: number): void {
    if (this.pos + n <= this.scratch.length) return;
    const grown = new Uint8Array(Math.max(this.scratch.length * 2, this.pos + n));
    grown.set(this.scratch.subarray(0, this.pos));
    this.scratch = grown;
  }

  /** Moves the scratch bytes into the chunk list (a fresh scratch follows). */
  private flush(): void {
    if (this.pos === 0) return;
    this.chunks.push(this.scratch.subarray(0, this.pos));
    this.flushedBytes += this.pos;
    this.scratch = new Uint8Array(64);
    this.pos = 0;
  }
}

const utf8 = new TextEncoder();

/** True where typed arrays are little-endian already (every mainstream engine). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** An int64 value as the uint64 its two's complement varint encodes. */
function toUint64(v: number | bigint): number | bigint {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new ValueError(`protobuf: int64 value ${v} is not a safe integer`);
    return v >= 0 ? v : BigInt.asUintN(64, BigInt(v));
  }
  if (v < -(1n << 63n) || v >= 1n << 63n) throw new ValueError(`protobuf: int64 value ${v} is out of range`);
  return BigInt.asUintN(64, v);
}

/** Float32 values as little-endian bytes (a view of the array itself when it already is one). */
export function float32LittleEndian(values: ArrayLike<number>): Uint8Array {
  const f = values instanceof Float32Array ? values : Float32Array.from(values);
  if (LITTLE_ENDIAN) return new Uint8Array(f.buffer, f.byteOffset, f.byteLength);
  const out = new Uint8Array(f.length * 4), dv = new DataView(out.buffer);
  for (let i = 0; i < f.length; i++) dv.setFloat32(i * 4, f[i], true);
  return out;
}

/** Int64 values as little-endian bytes (8 each). */
export function int64LittleEndian(values: ArrayLike<number | bigint>): Uint8Array {
  const out = new Uint8Array(values.length * 8), dv = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === 'number' && !Number.isSafeInteger(v)) throw new ValueError(`protobuf: int64 value ${v} is not a safe integer`);
    dv.setBigInt64(i * 8, BigInt(v), true);
  }
  return out;
}
