// Arena plumbing: the JS side owns allocation (bindings/layout.ts); wasm only reports where
// its own static data ends and offers bulk fills and copies.

/** First byte free for the arena (16-byte aligned). */
export function heap_base(): usize {
  return (__heap_base + 63) & ~(<usize>63);
}

/** Which build this is: 0 scalar-only, 1 SIMD, 2 SIMD + relaxed SIMD. */
export function simd_level(): i32 {
  if (ASC_FEATURE_RELAXED_SIMD) return 2;
  if (ASC_FEATURE_SIMD) return 1;
  return 0;
}

/** dst[0..n) = value */
export function fill_f32(dst: usize, n: i32, value: f32): void {
  for (let i = 0; i < n; i++) store<f32>(dst + (<usize>i << 2), value);
}

/** dst[0..n) = src[0..n) (regions may overlap) */
export function copy_f32(dst: usize, src: usize, n: i32): void {
  memory.copy(dst, src, <usize>n << 2);
}
