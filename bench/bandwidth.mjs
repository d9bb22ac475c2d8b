// How fast one core can read memory from WebAssembly, by working-set size (bench/kernels/
// bandwidth.ts: 8 independent v128 xor chains over a buffer, compiled here with asc), beside
// the bytes a batch-1 step of inference must read (every layer's W, U and the head, as packed:
// 4·(I·G·H + H·G·H + H·O)) at the rate the contender benchmark measured (docs/benchmarks.json).
// At B = 1 a step does 2 flops per weight read, so inference at the speech sizes is bound by
// this read rate, not by the FMA peak: the table says how close each row is.
//
//   node bench/bandwidth.mjs        (needs node_modules/.bin/asc; reads docs/benchmarks.json)
import { execFileSync } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url)), root = join(here, '..');
const dir = mkdtempSync(join(tmpdir(), 'gatedrnn-bw-'));
const wasmFile = join(dir, 'bw.wasm');
execFileSync(join(root, 'node_modules', '.bin', 'asc'), [join(here, 'kernels', 'bandwidth.ts'), '-O3', '--enable', 'simd', '--runtime', 'stub', '--initialMemory', '1100', '-o', wasmFile]);
const { instance } = await WebAssembly.instantiate(readFileSync(wasmFile));
rmSync(dir, { recursive: true, force: true });
const { read_f32, memory } = instance.exports;
new Float32Array(memory.buffer).fill(0.5);

/** GB/s reading `kb` kilobytes again and again (best of 7 windows of about 0.2 GB each). */
function readRate(kb) {
  const n = kb * 256, reps = Math.max(3, Math.round(2e8 / (n * 4)));
  let best = Infinity;
  for (let w = 0; w < 7; w++) {
    const t0 = performance.now();
    read_f32(1024, n, reps);
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return (n * 4 * reps) / best / 1e9;
}

const sizes = [64, 256, 512, 704, 1024, 2048, 8192, 65536];
const rates = new Map(sizes.map((kb) => [kb, readRate(kb)]));
console.log('# one core, WebAssembly SIMD reads (8 × v128 xor chains), GB/s by working set');
console.log(sizes.map((kb) => `${kb} kB: ${rates.get(kb).toFixed(1)}`).join('  ·  '));

const G = { tanh: 1, lstm: 4, gru: 3 };
const bench = JSON.parse(readFileSync(join(root, 'docs', 'benchmarks.json'), 'utf8'));
console.log(`\n# batch-1 inference (docs/benchmarks.json of ${bench.meta.date}): bytes read per step and the rate that needs\n`);
console.log('| row | weights read per step | steps/s (ours) | read rate | same-size read rate | share | ONNX Runtime steps/s |');
console.log('|---|---|---|---|---|---|---|');
for (const r of bench.results) {
  if (r.B !== 1 || !r.by.ours?.inferFps) continue;
  const bytes = 4 * (r.I * G[r.unit] * r.H + r.H * G[r.unit] * r.H + r.H * r.O);
  const kb = sizes.find((s) => s * 1024 >= bytes) ?? sizes[sizes.length - 1];
  const need = (bytes * r.by.ours.inferFps) / 1e9, have = rates.get(kb);
  const ort = r.by['ort-wasm']?.inferFps;
  console.log(`| ${r.key} ${r.variant} | ${(bytes / 1024).toFixed(0)} kB | ${(r.by.ours.inferFps / 1e3).toFixed(1)} k | ${need.toFixed(1)} GB/s | ${have.toFixed(1)} GB/s (${kb} kB) | ${(100 * need / have).toFixed(0)} % | ${ort ? `${(ort / 1e3).toFixed(1)} k` : '—'} |`);
}
