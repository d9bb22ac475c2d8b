// The WebAssembly-SIMD FMA peak of one build, sampled between a bench's own measurements:
// simd_madd_peak runs 10 independent f32x4 multiply-add chains, 80 FLOPs per iteration
// (bench/gemm.mjs measures the same kernel for its ceiling).

/** A sampler of the peak in GFLOP/s: each call times one run of 2^22 iterations. */
export async function fmaPeakSampler(g, build) {
  const core = await g.loadCore(build), iters = 1 << 22;
  core.k.simd_madd_peak(iters); // warm-up
  return () => { const t0 = performance.now(); core.k.simd_madd_peak(iters); return (iters * 80) / ((performance.now() - t0) / 1000) / 1e9; };
}
