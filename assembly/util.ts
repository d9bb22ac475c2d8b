// Shared helpers for every kernel: contracts asserted at entry (kept in the debug build,
// removed by --noAssert in release), and the multiply-add that becomes a fused one when the
// module is compiled with relaxed SIMD.

/** Debug-build contract: `n` f32 elements starting at byte offset `ptr` lie inside memory. */
@inline
export function checkRange(ptr: usize, n: i32): void {
  assert(n >= 0, "negative element count");
  assert(n == 0 || ptr + (<usize>n << 2) <= (<usize>memory.size() << 16), "tensor outside linear memory");
  assert((ptr & 3) == 0, "tensor not 4-byte aligned");
}

/** a*b + c on four lanes: fused on engines with relaxed SIMD, mul+add otherwise. */
@inline
export function madd4(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.relaxed_madd(a, b, c);
  } else {
    return f32x4.add(f32x4.mul(a, b), c);
  }
}
