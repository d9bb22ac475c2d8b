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

// Jump-ahead, for drawing four stretches of one stream at once. The state transition of
// xoshiro128 is linear over GF(2), so d steps are one 128 × 128 bit matrix M^d; a state held as
// a v128 (lane w = word s_w) maps to the XOR of the matrix columns at its set bits. A matrix is
// 128 v128 columns (2 KB): column c is M^d applied to the state with only bit c (word c >> 5,
// bit c & 31) set. rng_jump_matrix(d) builds M^d by squaring (about 2·log2 d products of ~8 k
// v128 XORs) and keeps the last JUMP_SLOTS of them, so each distinct tensor size pays once.

const JUMP_SLOTS = 8;
const jumpKeys: usize = memory.data(JUMP_SLOTS * 4, 4);   // d of each cached matrix, 0 = empty
const jumpMats: usize = memory.data(JUMP_SLOTS * 2048, 16);
const matP: usize = memory.data(2048, 16), matR: usize = memory.data(2048, 16), matX: usize = memory.data(2048, 16);
let jumpNext = 0;

/** The live state (module globals) as a v128, lane w = s_w, and back. */
@inline export function rng_get4(): v128 { return i32x4(s0, s1, s2, s3); }
@inline export function rng_set4(v: v128): void {
  s0 = i32x4.extract_lane(v, 0); s1 = i32x4.extract_lane(v, 1); s2 = i32x4.extract_lane(v, 2); s3 = i32x4.extract_lane(v, 3);
}

/** The XOR of the columns of `mat` at the set bits of `v`: M·v. */
@inline export function mat_vec(mat: usize, v: v128): v128 {
  let acc = i32x4.splat(0);
  for (let w = 0; w < 4; w++) {
    let word: u32 = w == 0 ? i32x4.extract_lane(v, 0) : w == 1 ? i32x4.extract_lane(v, 1) : w == 2 ? i32x4.extract_lane(v, 2) : i32x4.extract_lane(v, 3);
    const col = mat + (<usize>(w << 5) << 4);
    while (word != 0) {
      acc = v128.xor(acc, v128.load(col + (<usize>ctz(word) << 4)));
      word &= word - 1;
    }
  }
  return acc;
}

/** dst = A·B (dst must be neither). */
function mat_mul(dst: usize, A: usize, B: usize): void {
  for (let c = 0; c < 128; c++) v128.store(dst + (<usize>c << 4), mat_vec(A, v128.load(B + (<usize>c << 4))));
}

/** The matrix of d ≥ 1 steps, from the cache or built into it. */
export function rng_jump_matrix(d: u32): usize {
  assert(d > 0, "rng_jump_matrix: d must be positive");
  for (let k = 0; k < JUMP_SLOTS; k++) if (load<u32>(jumpKeys + (<usize>k << 2)) == d) return jumpMats + (<usize>k << 11);
  // P = M: column c is one step (rng_next) of the state e_c; the live state is put back after
  const live = rng_get4();
  for (let c = 0; c < 128; c++) {
    const bit: u32 = 1 << (c & 31), w = c >> 5;
    s0 = w == 0 ? bit : 0; s1 = w == 1 ? bit : 0; s2 = w == 2 ? bit : 0; s3 = w == 3 ? bit : 0;
    rng_next();
    v128.store(matP + (<usize>c << 4), rng_get4());
  }
  rng_set4(live);
  const slot = jumpNext;
  jumpNext = (jumpNext + 1) % JUMP_SLOTS;
  const out = jumpMats + (<usize>slot << 11);
  let have = false, left = d;
  for (;;) {
    if (left & 1) {
      if (have) { mat_mul(matX, matR, matP); memory.copy(matR, matX, 2048); } else { memory.copy(matR, matP, 2048); have = true; }
    }
    left >>= 1;
    if (left == 0) break;
    mat_mul(matX, matP, matP); memory.copy(matP, matX, 2048);
  }
  memory.copy(out, matR, 2048);
  store<u32>(jumpKeys + (<usize>slot << 2), d);
  return out;
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
