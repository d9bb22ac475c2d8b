// Format-blind mutations of a byte string, each drawn from a seeded Rng: bit flips, byte
// insertion, deletion and duplication, truncation, splicing two inputs, and setting a length or
// count field (given by the format, or at a random offset) to an extreme value. Each returns the
// new bytes and a short label for the case's `how`.
import type { Rng } from '../../bindings/data/rng.js';
import { concat } from './bytes.js';

/** A length, count or size field of a format: where it is and how it is stored. */
export interface Field {
  at: number;
  width: 1 | 2 | 4 | 8;
  le: boolean;
  name: string;
}

export interface Mutated { bytes: Uint8Array; how: string }

/** Bytes that make parsers take a different branch (boundaries of signed/unsigned ranges). */
const INTERESTING_U8 = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x0a, 0x20, 0x22, 0x28, 0x2e, 0x5b, 0x7b, 0x5c];

/** Extreme values for a field of `width` bytes: 0, 1, the signed and unsigned maxima and
 *  their neighbours (2³¹−1, 2³¹, 2³²−1, …). */
export function extremes(width: 1 | 2 | 4 | 8): bigint[] {
  const bits = BigInt(width * 8);
  const max = (1n << bits) - 1n;
  const smax = (1n << (bits - 1n)) - 1n;
  const out = [0n, 1n, 2n, smax, smax + 1n, max - 1n, max];
  if (width >= 4) out.push(0x7fffffffn, 0x80000000n, 0xffffffffn, 0xfffffffen, 0x10000n);
  if (width === 8) out.push((1n << 53n) - 1n, 1n << 53n, (1n << 53n) + 1n, 1n << 32n, 100_000_001n);
  return out;
}

export function writeField(b: Uint8Array, f: Field, v: bigint): void {
  for (let k = 0; k < f.width; k++) {
    const byte = Number((v >> BigInt(8 * k)) & 0xffn);
    const at = f.le ? f.at + k : f.at + f.width - 1 - k;
    if (at >= 0 && at < b.length) b[at] = byte;
  }
}

export function readField(b: Uint8Array, f: Field): bigint {
  let v = 0n;
  for (let k = f.width - 1; k >= 0; k--) {
    const at = f.le ? f.at + k : f.at + f.width - 1 - k;
    v = (v << 8n) | BigInt(at < b.length ? b[at] : 0);
  }
  return v;
}

/** A random offset inside `b` (0 for an empty input). */
const offset = (rng: Rng, b: Uint8Array, extra = 0): number => rng.int(b.length + extra + 1) % (b.length + extra + 1);

/** `n` random bytes (half of the time biased to interesting ones). */
export function randomBytes(rng: Rng, n: number): Uint8Array {
  const out = new Uint8Array(n);
  const biased = rng.bernoulli(0.5);
  for (let i = 0; i < n; i++) out[i] = biased && rng.bernoulli(0.5) ? rng.pick(INTERESTING_U8) : rng.int(256);
  return out;
}

/** Sets one field (of `fields`, or 1/2/4/8 bytes at a random offset) to an extreme value, or to
 *  its value ± a small amount. */
export function mutateField(rng: Rng, b: Uint8Array, fields: Field[]): Mutated {
  const out = b.slice();
  let f: Field;
  if (fields.length > 0 && rng.bernoulli(0.8)) f = rng.pick(fields);
  else {
    const width = rng.pick([1, 2, 4, 8] as const);
    f = { at: rng.int(Math.max(1, b.length)), width, le: rng.bernoulli(0.5), name: `${width}-byte@?` };
  }
  let v: bigint;
  if (rng.bernoulli(0.25)) {
    const d = BigInt(rng.intIn(-4, 4));
    v = BigInt.asUintN(f.width * 8, readField(b, f) + d);
  } else {
    v = rng.pick(extremes(f.width));
  }
  writeField(out, f, v);
  return { bytes: out, how: `field ${f.name}@${f.at}=${v}` };
}

/** One format-blind mutation of `b`; `other` (another input of the format) is used to splice. */
export function mutateOnce(rng: Rng, b: Uint8Array, fields: Field[], other: () => Uint8Array): Mutated {
  const kind = rng.int(10);
  switch (kind) {
    case 0: { // bit flips
      const out = b.slice();
      const k = rng.intIn(1, 8);
      for (let i = 0; i < k && out.length > 0; i++) out[rng.int(out.length)] ^= 1 << rng.int(8);
      return { bytes: out, how: `bitflip x${k}` };
    }
    case 1: { // set bytes to interesting values
      const out = b.slice();
      const k = rng.intIn(1, 4);
      for (let i = 0; i < k && out.length > 0; i++) out[rng.int(out.length)] = rng.pick(INTERESTING_U8);
      return { bytes: out, how: `byteset x${k}` };
    }
    case 2: { // insert random bytes
      const at = offset(rng, b);
      const ins = randomBytes(rng, rng.bernoulli(0.8) ? rng.intIn(1, 16) : rng.intIn(17, 512));
      return { bytes: concat(b.subarray(0, at), ins, b.subarray(at)), how: `insert ${ins.length}@${at}` };
    }
    case 3: { // delete a range
      const at = offset(rng, b);
      const n = Math.min(b.length - at, rng.bernoulli(0.7) ? rng.intIn(1, 8) : rng.intIn(1, Math.max(1, b.length >> 1)));
      return { bytes: concat(b.subarray(0, at), b.subarray(at + n)), how: `delete ${n}@${at}` };
    }
    case 4: { // duplicate a range (possibly many times)
      const at = offset(rng, b);
      const n = Math.min(b.length - at, rng.intIn(1, 64));
      const times = rng.bernoulli(0.8) ? 1 : rng.intIn(2, 64);
      const to = offset(rng, b);
      const copies: Uint8Array[] = [];
      for (let t = 0; t < times; t++) copies.push(b.subarray(at, at + n));
      return { bytes: concat(b.subarray(0, to), ...copies, b.subarray(to)), how: `duplicate ${n}@${at}x${times}->${to}` };
    }
    case 5: { // truncate
      const at = b.length === 0 ? 0 : rng.int(b.length);
      return { bytes: b.slice(0, at), how: `truncate ${at}/${b.length}` };
    }
    case 6: { // splice with another input
      const o = other();
      const a = offset(rng, b), c = offset(rng, o);
      return { bytes: concat(b.subarray(0, a), o.subarray(c)), how: `splice ${a}+other@${c}` };
    }
    case 7: { // append
      const tail = rng.bernoulli(0.5) ? randomBytes(rng, rng.intIn(1, 32)) : b.subarray(0, Math.min(b.length, rng.intIn(1, 64)));
      return { bytes: concat(b, tail), how: `append ${tail.length}` };
    }
    default: // 8, 9: a length/count field to an extreme
      return mutateField(rng, b, fields);
  }
}

/** 1..max mutations in a row; `fields` is recomputed for each step by `fieldsOf`. */
export function mutate(rng: Rng, b: Uint8Array, fieldsOf: (b: Uint8Array) => Field[], other: () => Uint8Array, max = 4): Mutated {
  const k = rng.bernoulli(0.6) ? 1 : rng.intIn(2, max);
  const hows: string[] = [];
  let cur = b;
  for (let i = 0; i < k; i++) {
    let fields: Field[] = [];
    try { fields = fieldsOf(cur); } catch { fields = []; }
    const m = mutateOnce(rng, cur, fields, other);
    cur = m.bytes;
    hows.push(m.how);
  }
  return { bytes: cur, how: hows.join(', ') };
}
