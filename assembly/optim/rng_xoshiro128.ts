// The generator behind every random kernel: xoshiro128** (Blackman & Vigna), 128 bits of state
// kept by the caller as 4 u32 at `state` (so each model, or each purpose, owns its stream).
// rng_seed expands a 64-bit seed (two u32 halves) with splitmix64, which never yields the
// all-zero state for practical purposes (and we guard against it anyway).
// While a kernel runs, the state lives in four module globals: rng_load at entry, rng_store
// at exit; rng_next draws one value, rng_fill_u32 a batch into rngBuf with the state in locals
// (the SIMD kernels then transform the batch four lanes at a time). Both give the same stream.
// Uniform floats use the top 24 bits of a draw, so they are exact multiples of 2^-24.

let s0: u32 = 0, s1: u32 = 0, s2: u32 = 0, s3: u32 = 0;

@inline export function rng_load(state: usize): void {
  s0 = load<u32>(state); s1 = load<u32>(state, 4); s2 = load<u32>(state, 8); s3 = load<u32>(state, 12);
}

@inline export function rng_store(state: usize): void {
  store<u32>(state, s0); store<u32>(state, s1, 4); store<u32>(state, s2, 8); store<u32>(state, s3, 12);
}

/** Next 32-bit output of xoshiro128**. */
@inline export function rng_next(): u32 {
  const r = rotl<u32>(s1 * 5, 7) * 9;
  const t = s1 << 9;
  s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3;
  s2 ^= t;
  s3 = rotl<u32>(s3, 11);
  return r;
}

/** buf[0..count) ← the next `count` draws. The state sits in locals for the loop (V8 keeps them
 *  in registers; the module globals would be loaded and stored on every draw). */
@inline export function rng_fill_u32(buf: usize, count: i32): void {
  let a = s0, b = s1, c = s2, d = s3;
  for (let i = 0; i < count; i++) {
    store<u32>(buf + (<usize>i << 2), rotl<u32>(b * 5, 7) * 9);
    const t = b << 9;
    c ^= a; d ^= b; b ^= c; a ^= d;
    c ^= t;
    d = rotl<u32>(d, 11);
  }
  s0 = a; s1 = b; s2 = c; s3 = d;
}

/** Static scratch for batches of raw draws (the SIMD kernels transform them four at a time). */
export const RNG_BATCH: i32 = 256;
export const rngBuf: usize = memory.data(RNG_BATCH * 4, 16);

let sm: u64 = 0;
@inline function splitmix64(): u64 {
  sm += 0x9e3779b97f4a7c15;
  let z = sm;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
  z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
  return z ^ (z >> 31);
}

/** state ← xoshiro128** state seeded from the 64-bit seed (seed_hi << 32) | seed_lo. */
export function rng_seed(state: usize, seed_lo: u32, seed_hi: u32): void {
  assert((state & 3) == 0 && state + 16 <= (<usize>memory.size() << 16), "rng_seed: state outside memory");
  sm = (<u64>seed_hi << 32) | <u64>seed_lo;
  const a = splitmix64(), b = splitmix64();
  s0 = <u32>a; s1 = <u32>(a >> 32); s2 = <u32>b; s3 = <u32>(b >> 32);
  if ((s0 | s1 | s2 | s3) == 0) s0 = 1;
  rng_store(state);
}
