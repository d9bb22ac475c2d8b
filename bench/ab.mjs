// A/B throughput of two checkouts of gatedrnn in one process: e.g. before and after a refactor.
// Each checkout's dist/node.js (with its own build/*.wasm) is loaded side by side, and the same
// full training update (forward, BPTT, Bernoulli head, RMSProp, clip, weight noise) is timed on
// both, interleaved round by round so that drift of a shared machine hits both alike.
//
//   node bench/ab.mjs --a=/path/to/old/checkout [--b=.] [--rounds=7] [--T=100] [--clip-mode=gradient|step] [--only=b1]
// Both checkouts need `npm run build` first. Prints median frames/s of each and the ratio b/a.
import v8 from 'node:v8';
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
import { pathToFileURL } from 'node:url';
import { resolve, join } from 'node:path';

const arg = (k, d) => (process.argv.find((a) => a.startsWith(`--${k}=`)) ?? `--${k}=${d}`).slice(k.length + 3);
const A = resolve(arg('a', '')), B = resolve(arg('b', '.'));
const ROUNDS = Number(arg('rounds', 7)), T = Number(arg('T', 100)), CLIP_MODE = arg('clip-mode', 'gradient'), ONLY = arg('only', '');
if (!arg('a', '')) { console.error('usage: node bench/ab.mjs --a=<checkout> [--b=<checkout>] [--rounds=N] [--T=N]'); process.exit(2); }
const libA = await import(pathToFileURL(join(A, 'dist', 'node.js')).href);
const libB = await import(pathToFileURL(join(B, 'dist', 'node.js')).href);

const CASES = [
  ['music tanh-100', { unit: 'tanh', hiddenSize: 100 }, 88, [1, 32]],
  ['music LSTM-36 peep', { unit: 'lstm', peepholes: true, hiddenSize: 36 }, 88, [1, 32]],
  ['music GRU-46 before', { unit: 'gru', resetAfter: false, hiddenSize: 46 }, 88, [1, 32]],
  ['speech tanh-400', { unit: 'tanh', hiddenSize: 400 }, 20, [1, 32]],
  ['speech LSTM-195 peep', { unit: 'lstm', peepholes: true, hiddenSize: 195 }, 20, [1, 32]],
  ['speech GRU-227 before', { unit: 'gru', resetAfter: false, hiddenSize: 227 }, 20, [1, 32]],
];

async function setup(lib, cfg, I, Bsz) {
  const m = await lib.createModel({ ...cfg, inputSize: I, head: { type: 'bernoulli', size: I }, seed: 1 }, { build: 'relaxed' });
  m.setOptimizer({ ...lib.PAPER_RMSPROP, lr: 1e-4 });
  const v = m.batchViews(T, Bsz);
  const rng = new lib.Rng(3);
  for (let i = 0; i < v.x.length; i++) v.x[i] = rng.bernoulli(0.1) ? 1 : 0;
  for (let i = 0; i < v.y.length; i++) v.y[i] = rng.bernoulli(0.1) ? 1 : 0;
  v.mask.fill(1);
  return m;
}

/** Frames per second of `steps` updates after one warm-up update. */
function time(m, Bsz, steps) {
  const opts = { clipNorm: 1, weightNoise: 0.075, clipMode: CLIP_MODE };
  m.trainStepInPlace(T, Bsz, opts);
  const t0 = performance.now();
  for (let s = 0; s < steps; s++) m.trainStepInPlace(T, Bsz, opts);
  return (steps * T * Bsz) / ((performance.now() - t0) / 1000);
}

const median = (xs) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)];
console.log(`a = ${A}\nb = ${B}\nT = ${T}, clip mode ${CLIP_MODE}, ${ROUNDS} interleaved rounds, relaxed build, one thread\n`);
console.log('| model | B | a frames/s | b frames/s | b / a |');
console.log('|---|---|---|---|---|');
for (const [name, cfg, I, Bs] of CASES) {
  for (const Bsz of Bs) {
    if (ONLY === 'b1' && Bsz !== 1) continue;
    const ma = await setup(libA, cfg, I, Bsz), mb = await setup(libB, cfg, I, Bsz);
    // about 0.3 s per measurement
    const probe = time(ma, Bsz, 2), steps = Math.max(2, Math.round((0.3 * probe) / (T * Bsz)));
    const fa = [], fb = [];
    for (let r = 0; r < ROUNDS; r++) {
      if (r % 2 === 0) { fa.push(time(ma, Bsz, steps)); fb.push(time(mb, Bsz, steps)); }
      else { fb.push(time(mb, Bsz, steps)); fa.push(time(ma, Bsz, steps)); }
    }
    const a = median(fa), b = median(fb);
    console.log(`| ${name} | ${Bsz} | ${(a / 1000).toFixed(1)}k | ${(b / 1000).toFixed(1)}k | ${(b / a).toFixed(3)} |`);
    ma.dispose(); mb.dispose();
  }
}
