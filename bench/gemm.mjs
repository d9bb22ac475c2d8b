// GEMM benchmark: GFLOP/s of the wasm kernels (plain SIMD and relaxed-SIMD builds) against the
// machine's measured WebAssembly-SIMD multiply-add peak and a plain-JS i-k-j loop.
//
//   npm run asbuild && node bench/gemm.mjs [--quick] [--filter=substring]
//
// Every (build, kernel, shape) case is sampled in interleaved rounds after a warm-up (wasm has
// no mid-call tier-up, and this VM's FP throughput drifts: docs/toolchain.md), and medians are
// reported together with the best sample (on a shared machine the best is the better estimate
// of what the kernel does uncontended). Flops = 2·M·N·K per call for every kernel, fused or not.
import { readFileSync } from 'node:fs';
import v8 from 'node:v8';
import os from 'node:os';

v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const FILTER = (args.find((a) => a.startsWith('--filter=')) || '').slice(9);
const ROUNDS = QUICK ? 5 : 11;
const SAMPLE_MS = QUICK ? 8 : 15;

function load(build) {
  const bytes = readFileSync(new URL(`../build/gatedrnn.${build}.wasm`, import.meta.url));
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
    env: { abort() { throw new Error(`kernel contract failed in ${build} build`); } },
  });
  const ex = inst.exports;
  let top = (ex.heap_base() + 63) & ~63;
  const alloc = (n) => {
    const p = top;
    top = (p + n * 4 + 63) & ~63;
    const have = ex.memory.buffer.byteLength;
    if (top > have) ex.memory.grow(Math.ceil((top - have) / 65536));
    return p;
  };
  const f32 = (p, n) => new Float32Array(ex.memory.buffer, p, n);
  return { build, ex, alloc, f32 };
}

function randomFill(a, seed) {
  let s = seed >>> 0 || 1;
  for (let i = 0; i < a.length; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    a[i] = (s / 4294967296) - 0.5;
  }
  return a;
}

/** Times `fn` (which does `work` flops) in samples of ≈ SAMPLE_MS; returns a sampler. */
function sampler(name, fn, flops) {
  // calibrate: calls per sample
  let reps = 1;
  for (;;) {
    const t0 = process.hrtime.bigint();
    for (let r = 0; r < reps; r++) fn();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (ms >= SAMPLE_MS / 4 || reps > 1 << 22) { reps = Math.max(1, Math.round(reps * SAMPLE_MS / Math.max(ms, 1e-3))); break; }
    reps *= 4;
  }
  const samples = [];
  return {
    name,
    sample() {
      const t0 = process.hrtime.bigint();
      for (let r = 0; r < reps; r++) fn();
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      samples.push(flops * reps / s / 1e9);
    },
    median() { const a = [...samples].sort((x, y) => x - y); return a[a.length >> 1]; },
    max() { return Math.max(...samples); },
  };
}

const loadStart = os.loadavg().map((x) => x.toFixed(2)).join(' ');
const cores = { simd: load('simd'), relaxed: load('relaxed') };

// Shapes: [label, M, K, N] for C(M,N) += A(M,K)·B(K,N); tn: C(M,N) += Aᵀ(M,K)·B(K,N).
const NN = [
  ['lstm36 x·W / h·U', 32, 36, 144], ['gru46', 32, 46, 138], ['lstm x88', 32, 88, 144],
  ['tanh100', 32, 100, 100], ['B=1 lstm36', 1, 36, 144], ['B=1 lstm195', 1, 195, 780],
  ['speech 400', 32, 400, 400], ['speech lstm195', 32, 195, 780], ['speech gru227', 32, 227, 681],
  ['x-proj T·B=3200', 3200, 88, 144], ['square 512', 512, 512, 512],
];
const TN = [
  ['dW lstm x88', 88, 3200, 144], ['dU lstm36', 36, 3200, 144], ['dU gru46', 46, 3200, 138],
  ['dU tanh100', 100, 3200, 100], ['dU speech lstm195', 195, 3200, 780], ['dU speech 400', 400, 3200, 400],
  ['tn square 512', 512, 512, 512],
];

const cases = [];
const machine = `${os.cpus()[0].model} · ${os.cpus().length} cpus · node ${process.version} · v8 ${process.versions.v8}`;

for (const [label, M, K, N] of NN) {
  if (FILTER && !label.includes(FILTER)) continue;
  const flops = 2 * M * N * K;
  for (const c of Object.values(cores)) {
    const A = c.alloc(M * K), B = c.alloc(K * N), C = c.alloc(M * N);
    const Bp = c.alloc(c.ex.packed_size(K, N));
    randomFill(c.f32(A, M * K), 1); randomFill(c.f32(B, K * N), 2);
    c.ex.pack_b_f32(Bp, B, N, K, N);
    for (const k of ['gemm_f32', 'gemm_f32_4x8_scalar']) {
      if (k.endsWith('scalar') && (c.build === 'relaxed' || M * N * K > 3e7)) continue;
      const f = c.ex[k];
      cases.push({ label, shape: `${M}x${K}·${K}x${N}`, kernel: k, build: c.build, s: sampler(k, () => f(C, N, A, K, Bp, M, N, K), flops) });
    }
  }
  if (M * N * K <= 3e7) {
    const a = randomFill(new Float32Array(M * K), 1), b = randomFill(new Float32Array(K * N), 2), cc = new Float32Array(M * N);
    cases.push({ label, shape: `${M}x${K}·${K}x${N}`, kernel: 'js i-k-j', build: 'js', s: sampler('js', () => jsGemm(cc, a, b, M, N, K), flops) });
  }
}
for (const [label, M, K, N] of TN) {
  if (FILTER && !label.includes(FILTER)) continue;
  const flops = 2 * M * N * K;
  for (const c of Object.values(cores)) {
    if (!c.ex.gemm_tn_f32) continue;
    const A = c.alloc(K * M), B = c.alloc(K * N), C = c.alloc(M * N);
    randomFill(c.f32(A, M * K), 3); randomFill(c.f32(B, K * N), 4);
    for (const k of ['gemm_tn_f32', 'gemm_tn_f32_4x8_scalar']) {
      if (k.endsWith('scalar') && (c.build === 'relaxed' || M * N * K > 3e7)) continue;
      const f = c.ex[k];
      cases.push({ label, shape: `(${K}x${M})ᵀ·${K}x${N}`, kernel: k, build: c.build, s: sampler(k, () => f(C, N, A, M, B, N, M, N, K), flops) });
    }
  }
}
const PEAK_ITERS = 1 << 20;
const peaks = {};
for (const c of Object.values(cores)) {
  peaks[c.build] = sampler('peak', () => c.ex.simd_madd_peak(PEAK_ITERS), PEAK_ITERS * 80);
}

function jsGemm(c, a, b, M, N, K) {
  for (let i = 0; i < M; i++) {
    for (let k = 0; k < K; k++) {
      const aik = a[i * K + k], bo = k * N, co = i * N;
      for (let n = 0; n < N; n++) c[co + n] += aik * b[bo + n];
    }
  }
}

// warm-up, then interleaved rounds (peaks sampled in every round too)
for (const x of cases) x.s.sample();
const all = [...cases.map((x) => x.s), ...Object.values(peaks)];
for (let r = 0; r < ROUNDS; r++) for (const s of all) s.sample();

const peakR = peaks.relaxed.max(), peakS = peaks.simd.max();
const loadEnd = os.loadavg().map((x) => x.toFixed(2)).join(' ');
console.log(machine);
console.log(`load average at start ${loadStart}, at end ${loadEnd}` + (os.loadavg()[0] > os.cpus().length * 0.75 ? '  (busy machine: medians are depressed; the best samples are the better estimate)' : ''));
console.log(`rounds ${ROUNDS} (interleaved, after a warm-up), samples of ≈${SAMPLE_MS} ms; GFLOP/s median and best of the samples`);
console.log(`WASM-SIMD FMA peak (relaxed build, 10 independent f32x4.relaxed_madd chains in registers): best ${peakR.toFixed(1)} GFLOP/s (median ${peaks.relaxed.median().toFixed(1)})`);
console.log(`the same kernel in the plain build (mul then add on the chain, latency-bound, not a peak): best ${peakS.toFixed(1)} GFLOP/s`);
console.log('');
const pad = (s, n) => String(s).padEnd(n);
console.log(pad('case', 20) + pad('shape', 24) + pad('kernel', 24) + pad('build', 9) + pad('median', 8) + pad('best', 8) + 'best / FMA peak');
for (const x of cases) {
  console.log(pad(x.label, 20) + pad(x.shape, 24) + pad(x.kernel, 24) + pad(x.build, 9) + pad(x.s.median().toFixed(2), 8) + pad(x.s.max().toFixed(2), 8) +
    (100 * x.s.max() / peakR).toFixed(0) + '%');
}
