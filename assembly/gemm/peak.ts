// The machine's WebAssembly-SIMD multiply-add peak, for the GEMM benchmark's "fraction of peak":
// ten independent f32x4 multiply-add chains held in registers (enough to cover the latency of
// two pipes), no memory traffic. Each madd4 counts 8 flops (4 lanes × multiply + add), fused
// (relaxed build) or not. Ten accumulators plus two constants fit V8's vector registers.
import { madd4 } from "../util";

/** Runs `iters` rounds of 10 independent f32x4 multiply-adds; returns a value that depends on
 *  every chain (so nothing is optimised away). Flops = iters · 80. */
export function simd_madd_peak(iters: i32): f32 {
  const x = f32x4.splat(0.999), y = f32x4.splat(0.001);
  let a0 = f32x4.splat(0.1), a1 = f32x4.splat(0.2), a2 = f32x4.splat(0.3), a3 = f32x4.splat(0.4);
  let a4 = f32x4.splat(0.5), a5 = f32x4.splat(0.6), a6 = f32x4.splat(0.7), a7 = f32x4.splat(0.8);
  let a8 = f32x4.splat(0.9), a9 = f32x4.splat(1.1);
  for (let i = 0; i < iters; i++) {
    a0 = madd4(a0, x, y); a1 = madd4(a1, x, y); a2 = madd4(a2, x, y); a3 = madd4(a3, x, y);
    a4 = madd4(a4, x, y); a5 = madd4(a5, x, y); a6 = madd4(a6, x, y); a7 = madd4(a7, x, y);
    a8 = madd4(a8, x, y); a9 = madd4(a9, x, y);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)),
    f32x4.add(f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)), f32x4.add(a8, a9)));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
}
