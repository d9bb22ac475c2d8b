// A cost model of one data-parallel update on N threads, built from parts measured here on one
// thread, and the speed-up it projects for N = 2, 4, 8, 16 under three designs:
//   A  what ParallelTrainer does: the main thread publishes the parameters, every thread
//      computes its shard's gradient, the main thread adds the N − 1 other arenas one after the
//      other and takes the optimizer step;
//   B  the same with a tree reduction (⌈log₂ N⌉ rounds of arena sums, pairs in parallel);
//   C  reduce-scatter with a shard-local optimizer: thread k sums slice k of every arena
//      ((N − 1)/N of an arena each), steps the optimizer on that slice (1/N of it), and the
//      threads copy in the other slices ((N − 1)/N of an arena): nothing serial is left;
//   D  reduce-scatter with the optimizer on the main thread (what ParallelTrainer does with
//      reduce: 'scatter'): thread k sums slice k of every arena, the main thread steps the
//      optimizer on the whole sum, publishes, and every thread copies the arena in.
// Measured parts (median of many calls, ms): the gradient of a shard of B/N slots (T = 100,
// weight noise, the paper's sizes), publishing an arena, copying one in, adding two, the
// optimizer step. The model leaves out what a shared machine adds (bench/contention.mjs) and
// the ~10 µs of waking threads, so it is an upper bound of what each design can give.
//
//   npm run build && node bench/scaling-model.mjs [--only=speech|music]
import v8 from 'node:v8';
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const g = await import(pathToFileURL(join(here, '..', 'dist', 'node.js')).href);
const arg = (k, d) => { const a = process.argv.find((s) => s.startsWith(`--${k}=`)); return a ? a.slice(k.length + 3) : d; };
const ONLY = arg('only', '');
const T = 100, B = 32, NS = [1, 2, 4, 8, 16];
const SETS = {
  speech: { io: 20, units: [['tanh-400', { unit: 'tanh', hiddenSize: 400 }], ['LSTM-195', { unit: 'lstm', hiddenSize: 195 }], ['GRU-227', { unit: 'gru', hiddenSize: 227 }]] },
  music: { io: 88, units: [['tanh-100', { unit: 'tanh', hiddenSize: 100 }], ['LSTM-36', { unit: 'lstm', hiddenSize: 36 }], ['GRU-46', { unit: 'gru', hiddenSize: 46 }]] },
};
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
const time = (f, n) => { f(); const t = []; for (let i = 0; i < n; i++) { const t0 = performance.now(); f(); t.push(performance.now() - t0); } return median(t); };

const designs = {
  A: (p, n) => p.shard[n] + (n > 1 ? p.publish + p.copyIn + (n - 1) * p.add : 0) + p.opt,
  B: (p, n) => p.shard[n] + (n > 1 ? p.publish + p.copyIn + Math.ceil(Math.log2(n)) * p.add : 0) + p.opt,
  C: (p, n) => p.shard[n] + ((n - 1) / n) * (p.add + p.copyIn) + p.opt / n,
  D: (p, n) => p.shard[n] + (n > 1 ? p.publish + p.copyIn + ((n - 1) / n) * p.add : 0) + p.opt,
};

console.log(`# projected speed-up of one update (T = ${T}, B = ${B}) on N threads, from parts measured on one thread; efficiency = speed-up ÷ N`);
const rows = [['set', 'model', 'gradient of B/N slots, ms (N = 1·2·4·8·16)', 'publish · copy in · add · optimizer, ms (noise + packing, in every shard)', ...Object.keys(designs).map((d) => `${d}: speed-up (efficiency) at N = 2 · 4 · 8 · 16`)]];
for (const [set, { io, units }] of Object.entries(SETS)) {
  if (ONLY && ONLY !== set) continue;
  for (const [name, cfg] of units) {
    const m = await g.createModel({ ...cfg, inputSize: io, head: { type: 'bernoulli', size: io } });
    m.setOptimizer({ ...g.PAPER_RMSPROP, lr: 1e-9 });
    const p = { shard: {} };
    for (const n of NS) {
      const Bs = B / n, v = m.batchViews(T, Bs), rng = new g.Rng(1);
      for (let k = 0; k < v.x.length; k++) v.x[k] = rng.uniform() < 0.2 ? 1 : 0;
      for (let k = 0; k < v.y.length; k++) v.y[k] = rng.uniform() < 0.2 ? 1 : 0;
      v.mask.fill(1);
      p.shard[n] = time(() => m.lossAndGradNoisyInPlace(T, Bs, 0.075), n <= 2 ? 9 : 15);
    }
    const nf = m.arenaFloats, sab = new Float32Array(new SharedArrayBuffer(nf * 4)), a = new Float32Array(nf), b = new Float32Array(nf).fill(1e-9);
    p.publish = time(() => m.copyParamsInto(sab), 60); // as ParallelTrainer publishes
    p.copyIn = time(() => m.restoreParams(sab), 60);
    p.add = time(() => { for (let i = 0; i < nf; i++) a[i] += b[i]; }, 60);
    p.opt = time(() => m.applyGradients(b, 1), 60);
    p.pack = time(() => m.pack(0.075), 60); // part of every shard: each thread draws the noise and packs
    const proj = (d) => NS.slice(1).map((n) => { const s = designs[d](p, 1) / designs[d](p, n); return `${s.toFixed(2)}× (${Math.round((100 * s) / n)} %)`; }).join(' · ');
    rows.push([set, name, NS.map((n) => p.shard[n].toFixed(2)).join(' · '), `${[p.publish, p.copyIn, p.add, p.opt].map((x) => x.toFixed(3)).join(' · ')} (${p.pack.toFixed(3)})`, ...Object.keys(designs).map(proj)]);
    console.log(`${set} ${name}: ${rows[rows.length - 1].slice(2).join(' | ')}`);
    m.dispose();
  }
}
console.log('\n' + rows.map((r) => `| ${r.join(' | ')} |`).join('\n').replace(/\n/, `\n|${rows[0].map(() => '---').join('|')}|\n`));
