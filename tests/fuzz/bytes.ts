// Byte helpers for the fuzz generators: a growable writer, concatenation, and the number
// encodings the five formats use (little- and big-endian integers, MIDI variable-length
// quantities).

/** Appends bytes and numbers; `bytes()` returns a copy of what was written. */
export class ByteWriter {
  private buf = new Uint8Array(256);
  private n = 0;

  get length(): number { return this.n; }

  private room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.n + k) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.n));
    this.buf = next;
  }

  u8(v: number): this { this.room(1); this.buf[this.n++] = v & 0xff; return this; }
  bytes(b: ArrayLike<number>): this {
    this.room(b.length);
    this.buf.set(b, this.n);
    this.n += b.length;
    return this;
  }
  ascii(s: string): this {
    this.room(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.n++] = s.charCodeAt(i) & 0xff;
    return this;
  }
  u16le(v: number): this { return this.u8(v).u8(v >>> 8); }
  u16be(v: number): this { return this.u8(v >>> 8).u8(v); }
  u32le(v: number): this { return this.u8(v).u8(v >>> 8).u8(v >>> 16).u8(v >>> 24); }
  u32be(v: number): this { return this.u8(v >>> 24).u8(v >>> 16).u8(v >>> 8).u8(v); }
  i32le(v: number): this { return this.u32le(v >>> 0); }
  /** An unsigned 64-bit value given as a number (exact below 2⁵³) or a bigint. */
  u64le(v: number | bigint): this {
    const b = BigInt.asUintN(64, BigInt(v));
    return this.u32le(Number(b & 0xffffffffn)).u32le(Number(b >> 32n));
  }
  f64be(v: number): this {
    const t = new Uint8Array(8);
    new DataView(t.buffer).setFloat64(0, v, false);
    return this.bytes(t);
  }
  /** A MIDI variable-length quantity (7 bits a byte, high bit = more follow). */
  vlq(v: number): this { return this.bytes(vlq(v)); }
  /** Where the next byte goes; with `patchU32be`/`patchU32le`, for sizes known only later. */
  mark(): number { return this.n; }
  patchU32be(at: number, v: number): this {
    this.buf[at] = v >>> 24; this.buf[at + 1] = v >>> 16; this.buf[at + 2] = v >>> 8; this.buf[at + 3] = v;
    return this;
  }
  patchU32le(at: number, v: number): this {
    this.buf[at] = v; this.buf[at + 1] = v >>> 8; this.buf[at + 2] = v >>> 16; this.buf[at + 3] = v >>> 24;
    return this;
  }
  toBytes(): Uint8Array { return this.buf.slice(0, this.n); }
}

/** The variable-length quantity of a non-negative integer below 2³⁵ (5 bytes at most). */
export function vlq(v: number): number[] {
  const out = [v % 128];
  v = Math.floor(v / 128);
  while (v > 0) { out.unshift(0x80 | (v % 128)); v = Math.floor(v / 128); }
  return out;
}

export function concat(...parts: ArrayLike<number>[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

export const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);
export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

export function readU32le(b: Uint8Array, at: number): number {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
}
export function readU32be(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

/** `n` bytes filled by repeating `pattern` (fast: doubling copies). */
export function repeatBytes(pattern: ArrayLike<number>, n: number): Uint8Array {
  const out = new Uint8Array(n);
  if (n === 0 || pattern.length === 0) return out;
  out.set(Array.prototype.slice.call(pattern, 0, Math.min(pattern.length, n)) as number[], 0);
  let filled = Math.min(pattern.length, n);
  while (filled < n) {
    const k = Math.min(filled, n - filled);
    out.copyWithin(filled, 0, k);
    filled += k;
  }
  return out;
}
