// Training throughput of the plain float64 TypeScript reference (tests/reference/): frames/s of
// one update (forward, backprop through time, an SGD step) at B = 32, T = 100 for the paper's
// music-sized models — tanh-100, LSTM-36 with peepholes, GRU-46 reset-before, 88 in and out,
// Bernoulli head. The reference is written for clarity (per-sequence, per-step loops over
// Float64Arrays); this is the "plain TypeScript" point of comparison, not a tuned baseline.
//
//   node bench/reference.mjs [--steps=N]     (N timed updates per model after one warm-up; default 5)
import { build } from 'esbuild';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const STEPS = Number((process.argv.find((a) => a.startsWith('--steps=')) ?? '--steps=5').slice(8));

const out = await build({
  entryPoints: [join(here, '..', 'tests', 'reference', 'index.ts')],
  bundle: true, format: 'esm', platform: 'node', target: 'node20', write: false,
});
const dir = mkdtempSync(join(tmpdir(), 'gatedrnn-ref-'));
writeFileSync(join(dir, 'reference.mjs'), out.outputFiles[0].contents);
const ref = await import(pathToFileURL(join(dir, 'reference.mjs')).href);

const esbuildVersion = JSON.parse(readFileSync(join(here, '..', 'node_modules', 'esbuild', 'package.json'), 'utf8')).version;
console.log(`# reference (f64 TypeScript) training throughput`);
console.log(`# node ${process.version}, esbuild ${esbuildVersion}, ${cpus()[0]?.model ?? 'unknown cpu'}, ${cpus().length} cores; one thread`);

const B = 32, T = 100, IO = 88;
const MODELS = [
  { name: 'tanh-100', cfg: { unit: 'tanh', hiddenSize: 100 } },
  { name: 'LSTM-36 (peepholes)', cfg: { unit: 'lstm', peepholes: true, hiddenSize: 36 } },
  { name: 'GRU-46 (reset-before)', cfg: { unit: 'gru', resetAfter: false, hiddenSize: 46 } },
];

// A piano-roll-like batch: ~4 notes on per frame; the target is the next frame.
function batch(rng) {
  const roll = new Float64Array((T + 1) * B * IO);
  for (let k = 0; k < roll.length; k++) roll[k] = rng.next() < 4 / IO ? 1 : 0;
  return { T, B, x: roll.subarray(0, T * B * IO), y: roll.subarray(B * IO) };
}

for (const { name, cfg: unitCfg } of MODELS) {
  const cfg = { ...unitCfg, inputSize: IO, head: { type: 'bernoulli', size: IO } };
  const rng = new ref.Rng(1);
  const params = ref.zeroParams(cfg);
  for (const k of Object.keys(params)) for (let j = 0; j < params[k].length; j++) params[k][j] = rng.uniform(-0.1, 0.1);
  const data = batch(rng);
  const update = () => {
    const r = ref.lossAndGrad(cfg, params, data);
    for (const k of Object.keys(params)) { const p = params[k], g = r.grads[k]; for (let j = 0; j < p.length; j++) p[j] -= 1e-4 * g[j]; }
    return r;
  };
  update();  // warm-up (JIT)
  const times = [];
  let loss = 0;
  for (let s = 0; s < STEPS; s++) {
    const t0 = performance.now();
    loss = update().loss;
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const med = times[Math.floor(times.length / 2)];
  const nParams = Object.values(params).reduce((n, p) => n + p.length, 0);
  console.log(`${name.padEnd(24)} ${String(nParams).padStart(6)} params  median ${med.toFixed(0).padStart(5)} ms/update  ${(B * T / med * 1000).toFixed(0).padStart(6)} frames/s  (min ${(B * T / times[0] * 1000).toFixed(0)}, ${STEPS} updates, loss/frame ${(loss / (B * T)).toFixed(2)})`);
}
