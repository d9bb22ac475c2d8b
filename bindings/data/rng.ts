// A small seeded PRNG for the TypeScript side: xoshiro128** (Blackman & Vigna), 128 bits of
// state, seeded by splitmix64. Used for shuffling, initialisation and the synthetic data
// generator; no Math.random anywhere.
//
// Seeding (so that the WebAssembly core's `rng_seed(state, seed_lo, seed_hi)` can produce the
// same stream): the seed is an unsigned 64-bit integer s = seed_hi·2³² + seed_lo. Two outputs
// z1, z2 of splitmix64 started at s give the state words
//   s0 = low32(z1), s1 = high32(z1), s2 = low32(z2), s3 = high32(z2).
// An all-zero state cannot arise (splitmix64 is a bijection of its counter and z1 = z2 = 0
// would need two different counters to map to 0).
//
// Determinism: nextU32, uniform, int, shuffle and the integer helpers use only 32-bit integer
// arithmetic and exact float divisions, so they give the same numbers on every platform.
// `normal` uses Math.log, Math.sqrt and Math.cos: V8 (Node, Chrome) computes these with the
// same fdlibm port everywhere, but another engine may differ in the last bit.
import { ValueError } from '../errors.js';

const MASK64 = (1n << 64n) - 1n;
const TWO32 = 4294967296;

/** The next splitmix64 output for the counter `x` (returns [output, next counter]). */
function splitmix64(x: bigint): [bigint, bigint] {
  x = (x + 0x9e3779b97f4a7c15n) & MASK64;
  let z = x;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return [z ^ (z >> 31n), x];
}

/** Turns a seed (a non-negative safe integer or a bigint below 2⁶⁴) into the 64-bit value. */
function seedToBigInt(seed: number | bigint): bigint {
  if (typeof seed === 'bigint') {
    if (seed < 0n || seed > MASK64) throw new ValueError(`rng seed ${seed} must be in [0, 2^64)`);
    return seed;
  }
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new ValueError(`rng seed ${seed} must be a non-negative integer (at most 2^53 - 1)`);
  }
  return BigInt(seed);
}

/** Derives an independent 64-bit seed from a seed and a stream index (e.g. the epoch). */
export function deriveSeed(seed: number | bigint, stream: number): bigint {
  if (!Number.isSafeInteger(stream) || stream < 0) throw new ValueError(`rng stream ${stream} must be a non-negative integer`);
  let [z] = splitmix64(seedToBigInt(seed) ^ 0x5851f42d4c957f2dn);
  [z] = splitmix64((z + BigInt(stream)) & MASK64);
  return z;
}

export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare = NaN; // the second Box–Muller value, NaN when none is cached

  constructor(seed: number | bigint = 1) {
    const s = seedToBigInt(seed);
    const [z1, c1] = splitmix64(s);
    const [z2] = splitmix64(c1);
    this.s0 = Number(z1 & 0xffffffffn) | 0;
    this.s1 = Number(z1 >> 32n) | 0;
    this.s2 = Number(z2 & 0xffffffffn) | 0;
    this.s3 = Number(z2 >> 32n) | 0;
  }

  /** A generator with the given raw state (4 u32, not all zero), e.g. from `state()`. */
  static fromState(state: ArrayLike<number>): Rng {
    if (state.length !== 4) throw new ValueError(`rng state must have 4 words, got ${state.length}`);
    const r = new Rng(0);
    r.s0 = state[0] | 0; r.s1 = state[1] | 0; r.s2 = state[2] | 0; r.s3 = state[3] | 0;
    if ((r.s0 | r.s1 | r.s2 | r.s3) === 0) throw new ValueError('rng state must not be all zero');
    return r;
  }

  /** A copy of the 4 state words (a cached normal deviate is not part of it). */
  state(): Uint32Array {
    return Uint32Array.of(this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0);
  }

  /** The next 32 random bits as an unsigned integer in [0, 2³²). */
  nextU32(): number {
    const s0 = this.s0, s1 = this.s1, s2 = this.s2, s3 = this.s3;
    const x = Math.imul(s1, 5);
    const result = Math.imul((x << 7) | (x >>> 25), 9);
    const t = s1 << 9;
    const n2 = s2 ^ s0;
    const n3 = s3 ^ s1;
    this.s1 = s1 ^ n2;
    this.s0 = s0 ^ n3;
    this.s2 = n2 ^ t;
    this.s3 = (n3 << 11) | (n3 >>> 21);
    return result >>> 0;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in [lo, hi). */
  uniformIn(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** An unbiased integer in [0, n), n ≤ 2³² (rejection sampling). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > TWO32) throw new ValueError(`rng.int(n): n = ${n} must be an integer in [1, 2^32]`);
    const limit = TWO32 - (TWO32 % n); // accept u < limit
    for (;;) {
      const u = this.nextU32();
      if (u < limit) return u % n;
    }
  }

  /** An integer in [lo, hi] inclusive. */
  intIn(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** True with probability p (p is compared with a 32-bit uniform, exact on every platform). */
  bernoulli(p: number): boolean {
    return this.nextU32() < p * TWO32;
  }

  /** An element of `items` chosen uniformly. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new ValueError('rng.pick: empty list');
    return items[this.int(items.length)];
  }

  /** An index chosen with probability proportional to `weights` (non-negative integers, exact). */
  weightedIndex(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) {
      if (!Number.isInteger(w) || w < 0) throw new ValueError(`rng.weightedIndex: weight ${w} must be a non-negative integer`);
      total += w;
    }
    if (total <= 0) throw new ValueError('rng.weightedIndex: weights sum to 0');
    let r = this.int(total);
    for (let i = 0; i < weights.length; i++) {
      if (r < weights[i]) return i;
      r -= weights[i];
    }
    return weights.length - 1; // unreachable
  }

  /** A standard normal deviate (Box–Muller; the second value is cached). */
  normal(): number {
    if (!Number.isNaN(this.spare)) {
      const v = this.spare;
      this.spare = NaN;
      return v;
    }
    let u = 0;
    do u = this.uniform(); while (u === 0);
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    const a = 2 * Math.PI * v;
    this.spare = r * Math.sin(a);
    return r * Math.cos(a);
  }

  /** Fisher–Yates shuffle of `a` in place; returns `a`. */
  shuffle<T, A extends { length: number; [i: number]: T }>(a: A): A {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** A permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }

  /** Fills `dst` with uniform values in [lo, hi). */
  fillUniform(dst: Float32Array | Float64Array, lo: number, hi: number): void {
    for (let i = 0; i < dst.length; i++) dst[i] = lo + (hi - lo) * this.uniform();
  }

  /** Fills `dst` with normal values N(mean, std²). */
  fillNormal(dst: Float32Array | Float64Array, mean: number, std: number): void {
    for (let i = 0; i < dst.length; i++) dst[i] = mean + std * this.normal();
  }
}
