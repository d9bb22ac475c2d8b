// Training throughput of the core (issue 2's figure): frames/s of one full update — forward,
// backprop through time, Bernoulli head, RMSProp step — at B = 32 (and B = 1), T = 100, for the
// paper's music-sized models, in the relaxed-SIMD and plain-SIMD builds, next to the plain
// float64 TypeScript reference (tests/reference) measured in the same process.
//
//   npm run build && node bench/train.mjs [--reps=N]
import v8 from 'node:v8';
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
import { build } from 'esbuild';
import { cpus } from 'node:os';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';

const here = dirname(fileURLToPath(import.meta.url));
const REPS = Number((process.argv.find((a) => a.startsWith('--reps=')) ?? '--reps=7').slice(7));
const g = await import(pathToFileURL(join(here, '..', 'dist', 'node.js')).href);
const out = await build({ entryPoints: [join(here, '..', 'tests', 'reference', 'index.ts')], bundle: true, format: 'esm', platform: 'node', write: false });
const dir = mkdtempSync(join(tmpdir(), 'gatedrnn-train-'));
writeFileSync(join(dir, 'ref.mjs'), out.outputFiles[0].contents);
const ref = await import(pathToFileURL(join(dir, 'ref.mjs')).href);

const IO = 88, T = 100;
const UNITS = [
  { name: 'tanh-100', cfg: { unit: 'tanh', hiddenSize: 100 } },
  { name: 'LSTM-36 (peepholes)', cfg: { unit: 'lstm', peepholes: true, hiddenSize: 36 } },
  { name: 'GRU-46 (reset-before)', cfg: { unit: 'gru', resetAfter: false, hiddenSize: 46 } },
  { name: 'LSTM-36 (PyTorch form)', cfg: { unit: 'lstm', hiddenSize: 36 } },
  { name: 'GRU-46 (reset-after)', cfg: { unit: 'gru', hiddenSize: 46 } },
];

function pianoBatch(B, seed) {
  const rng = new g.Rng(seed);
  const roll = new Float32Array((T + 1) * B * IO);
  for (let k = 0; k < roll.length; k++) roll[k] = rng.uniform() < 4 / IO ? 1 : 0;
  return { T, B, x: roll.subarray(0, T * B * IO), y: roll.subarray(B * IO) };
}

const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };

async function ours(cfg, build, B) {
  const m = await g.createModel({ ...cfg, inputSize: IO, head: { type: 'bernoulli', size: IO } }, { build });
  m.setOptimizer({ ...g.PAPER_RMSPROP, lr: 1e-4 });
  const b = pianoBatch(B, 1);
  const v = m.batchViews(T, B);
  v.x.set(b.x); v.y.set(b.y); v.mask.fill(1);
  const step = () => m.trainStepInPlace(T, B, { clipNorm: 1, weightNoise: 0.075 });
  for (let i = 0; i < 3; i++) step(); // warm-up: WebAssembly tiers up between calls
  return () => { const t0 = performance.now(); step(); return performance.now() - t0; };
}

function reference(cfg, B) {
  const c = { ...cfg, inputSize: IO, head: { type: 'bernoulli', size: IO } };
  const rng = new ref.Rng(1);
  const params = ref.zeroParams(c);
  for (const k of Object.keys(params)) for (let j = 0; j < params[k].length; j++) params[k][j] = rng.uniform(-0.1, 0.1);
  const b = pianoBatch(B, 1);
  const data = { T, B, x: Float64Array.from(b.x), y: Float64Array.from(b.y) };
  const step = () => {
    const r = ref.lossAndGrad(c, params, data);
    for (const k of Object.keys(params)) { const p = params[k], gr = r.grads[k]; for (let j = 0; j < p.length; j++) p[j] -= 1e-4 * gr[j]; }
  };
  step();
  return () => { const t0 = performance.now(); step(); return performance.now() - t0; };
}

console.log(`# training throughput, frames/s (T = ${T}, input/output ${IO}, one thread), median of ${REPS} interleaved updates`);
console.log(`# ${cpus()[0]?.model ?? '?'}, ${cpus().length} cores, node ${process.version}, ${new Date().toISOString().slice(0, 10)}\n`);
const rows = [['model', 'B', 'ours relaxed', 'ours simd', 'f64 reference', 'relaxed / reference']];
for (const u of UNITS) {
  for (const B of [32, 1]) {
    const runs = { relaxed: await ours(u.cfg, 'relaxed', B), simd: await ours(u.cfg, 'simd', B) };
    const withRef = B === 32 && !u.name.includes('PyTorch form') && !u.name.includes('reset-after');
    if (withRef) runs.reference = reference(u.cfg, B);
    const times = Object.fromEntries(Object.keys(runs).map((k) => [k, []]));
    for (let r = 0; r < REPS; r++) for (const k of Object.keys(runs)) times[k].push(runs[k]());
    const fps = (k) => (times[k] ? (B * T) / (median(times[k]) / 1000) : NaN);
    const f = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '—');
    rows.push([u.name, String(B), f(fps('relaxed')), f(fps('simd')), f(fps('reference')), withRef ? `${(fps('relaxed') / fps('reference')).toFixed(0)}×` : '—']);
  }
}
const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
for (const [i, r] of rows.entries()) {
  console.log('| ' + r.map((c, j) => c.padStart(w[j])).join(' | ') + ' |');
  if (i === 0) console.log('|' + w.map((n) => '-'.repeat(n + 2)).join('|') + '|');
}
