// Activation kernels: error sweep and throughput.
//
//   npm run asbuild && node bench/act.mjs [--step=16] [--quick]
//
// Error: every `step`-th f32 bit pattern in [-20, 20] (step 16 ≈ 1.4e8 points) through
// act_tanh_f32_simd / act_sigmoid_f32_simd of the plain-SIMD and relaxed builds, against
// Math.tanh and 1/(1+Math.exp(-x)) in f64; also how often the scalar twin differs from the SIMD
// kernel. Throughput: G elements/s of the SIMD and scalar kernels on a 4096-element vector
// (an LSTM step's 4H·B gates are 4·100·32 = 12800), interleaved rounds, medians.
import { readFileSync } from 'node:fs';
import v8 from 'node:v8';
import os from 'node:os';

v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
const args = process.argv.slice(2);
const STEP = Number((args.find((a) => a.startsWith('--step=')) || '--step=16').slice(7));
const QUICK = args.includes('--quick');

function load(build) {
  const bytes = readFileSync(new URL(`../build/gatedrnn.${build}.wasm`, import.meta.url));
  const ex = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { abort() { throw new Error('abort'); } } }).exports;
  const base = (ex.heap_base() + 63) & ~63;
  const CH = 1 << 20;
  const need = base + 3 * CH * 4 + 256;
  if (need > ex.memory.buffer.byteLength) ex.memory.grow(Math.ceil((need - ex.memory.buffer.byteLength) / 65536));
  return { build, ex, CH, x: base, y: base + CH * 4 + 64, z: base + 2 * CH * 4 + 128 };
}
const cores = [load('simd'), load('relaxed')];
const F = {
  tanh: { simd: 'act_tanh_f32_simd', scalar: 'act_tanh_f32_scalar', exact: (x) => Math.tanh(x) },
  sigmoid: { simd: 'act_sigmoid_f32_simd', scalar: 'act_sigmoid_f32_scalar', exact: (x) => 1 / (1 + Math.exp(-x)) },
};

console.log(`${os.cpus()[0].model} · node ${process.version}`);
console.log(`error sweep: every ${STEP}th f32 in [-20, 20]`);
const LIMIT = new Uint32Array(new Float32Array([20]).buffer)[0];
for (const c of cores) {
  for (const [name, f] of Object.entries(F)) {
    let maxAbs = 0, maxRel = 0, atAbs = 0, atRel = 0, count = 0, twinDiff = 0, maxTwin = 0;
    const simd = c.ex[f.simd], scalar = c.ex[f.scalar];
    for (const sign of [0, 0x80000000]) {
      for (let start = 0; start <= LIMIT; start += c.CH * STEP) {
        const n = Math.min(c.CH, Math.floor((LIMIT - start) / STEP) + 1);
        const bits = new Uint32Array(c.ex.memory.buffer, c.x, n);
        for (let i = 0; i < n; i++) bits[i] = (start + i * STEP) | sign;
        simd(c.y, c.x, n); scalar(c.z, c.x, n);
        const xs = new Float32Array(c.ex.memory.buffer, c.x, n);
        const ys = new Float32Array(c.ex.memory.buffer, c.y, n);
        const zs = new Float32Array(c.ex.memory.buffer, c.z, n);
        for (let i = 0; i < n; i++) {
          const x = xs[i], y = ys[i], want = f.exact(x);
          const ae = Math.abs(y - want);
          if (ae > maxAbs) { maxAbs = ae; atAbs = x; }
          if (want !== 0) { const re = ae / Math.abs(want); if (re > maxRel) { maxRel = re; atRel = x; } }
          if (y !== zs[i]) { twinDiff++; maxTwin = Math.max(maxTwin, Math.abs(y - zs[i])); }
        }
        count += n;
      }
    }
    console.log(`${name.padEnd(8)} ${c.build.padEnd(8)} points ${count}  max abs ${maxAbs.toExponential(2)} (x=${atAbs.toPrecision(6)})  max rel ${maxRel.toExponential(2)} (x=${atRel.toPrecision(6)})  scalar twin differs at ${twinDiff} points, by ≤ ${maxTwin.toExponential(1)}`);
  }
}

// throughput
const N = 4096, ROUNDS = QUICK ? 5 : 15, REPS = 2000;
const cases = [];
for (const c of cores) {
  const xs = new Float32Array(c.ex.memory.buffer, c.x, N);
  for (let i = 0; i < N; i++) xs[i] = Math.sin(i * 0.37) * 6;
  for (const [name, f] of Object.entries(F)) {
    for (const kind of ['simd', 'scalar']) {
      const fn = c.ex[f[kind]];
      cases.push({ label: `${name} ${kind} (${c.build} build)`, run: () => { for (let r = 0; r < REPS; r++) fn(c.y, c.x, N); }, s: [] });
    }
  }
}
const jsX = new Float32Array(N).map((_, i) => Math.sin(i * 0.37) * 6), jsY = new Float32Array(N);
cases.push({ label: 'tanh plain JS Math.tanh', run: () => { for (let r = 0; r < REPS; r++) for (let i = 0; i < N; i++) jsY[i] = Math.tanh(jsX[i]); }, s: [] });
for (const x of cases) x.run();
for (let r = 0; r < ROUNDS; r++) for (const x of cases) {
  const t = process.hrtime.bigint(); x.run();
  x.s.push(N * REPS / Number(process.hrtime.bigint() - t));
}
console.log(`\nthroughput, ${N} elements per call, G elements/s: median and best of ${ROUNDS} (load average ${os.loadavg().map((v) => v.toFixed(2)).join(' ')})`);
for (const x of cases) { const a = x.s.sort((p, q) => p - q); console.log(`${x.label.padEnd(34)} ${a[a.length >> 1].toFixed(3)}  ${a[a.length - 1].toFixed(3)}`); }
