// Data-parallel scaling (issue 4, "Two cores"): frames/s of one full update — forward, BPTT,
// Bernoulli head, RMSProp step with clipping and weight noise — on one thread (Model.
// trainStepInPlace) and over a ParallelTrainer of 2 threads (main + 1 worker), B = 32, T = 100,
// the paper's speech and music sizes. Steps alternate between the contenders (interleaved) and
// the medians are compared. Also printed: the single-thread time of a half batch (B = 16), so
// `ideal` = t(B=32) / t(B=16) is the best speed-up two shards could give on this kernel, and the
// main thread's time per step in each phase of the parallel step. CPU time (process.cpuUsage,
// all threads) shows how many cores the process really got (the machine is shared: with
// autogroup scheduling a busy neighbour session caps us near one core, whatever our thread
// count), and `work efficiency` = CPU(1 thread) / CPU(N threads) is the share of the parallel
// step's work that is useful, which bounds the speed-up on N free cores by N × efficiency.
//
//   npm run build && node bench/parallel.mjs [--reps=N] [--rounds=N] [--threads=N] [--only=speech|music]
import v8 from 'node:v8';
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
import { cpus, loadavg, availableParallelism } from 'node:os';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (k, d) => { const a = process.argv.find((s) => s.startsWith(`--${k}=`)); return a ? a.slice(k.length + 3) : d; };
const REPS = Number(arg('reps', 9)), ROUNDS = Number(arg('rounds', 1)), THREADS = Number(arg('threads', 2));
const ONLY = arg("only", "");
const g = await import(pathToFileURL(join(here, '..', 'dist', 'node.js')).href);

const T = 100, B = 32;
const SETS = {
  speech: { io: 20, units: [['tanh-400', { unit: 'tanh', hiddenSize: 400 }], ['LSTM-195', { unit: 'lstm', hiddenSize: 195 }], ['GRU-227', { unit: 'gru', hiddenSize: 227 }]] },
  music: { io: 88, units: [['tanh-100', { unit: 'tanh', hiddenSize: 100 }], ['LSTM-36', { unit: 'lstm', hiddenSize: 36 }], ['GRU-46', { unit: 'gru', hiddenSize: 46 }]] },
};

const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
const spread = (a) => { const s = [...a].sort((x, y) => x - y); return (s[Math.floor(s.length * 0.75)] - s[Math.floor(s.length * 0.25)]) / median(a); };

function fillRandom(v, io, seed) {
  const rng = new g.Rng(seed);
  for (let k = 0; k < v.x.length; k++) v.x[k] = rng.uniform() < 0.2 ? 1 : 0;
  for (let k = 0; k < v.y.length; k++) v.y[k] = rng.uniform() < 0.2 ? 1 : 0;
  v.mask.fill(1);
}

const opts = { clipNorm: 1, weightNoise: 0.075 };

async function contenders(cfg, io) {
  const c = { ...cfg, inputSize: io, head: { type: 'bernoulli', size: io } };
  const single = await g.createModel(c), half = await g.createModel(c), par = await g.createModel(c);
  for (const m of [single, half, par]) m.setOptimizer({ ...g.PAPER_RMSPROP, lr: 1e-5 });
  fillRandom(single.batchViews(T, B), io, 1);
  fillRandom(half.batchViews(T, B / 2), io, 1);
  const pt = await g.ParallelTrainer.create(par, { threads: THREADS });
  fillRandom(pt.batchViews(T, B), io, 1);
  // wall time, and CPU time of the whole process (every thread) over the same interval
  const cpu = { one: [], half: [], par: [] };
  const timed = (k, f) => async () => {
    const c0 = process.cpuUsage(), t0 = performance.now();
    await f();
    const wall = performance.now() - t0, c = process.cpuUsage(c0);
    cpu[k].push((c.user + c.system) / 1000);
    return wall;
  };
  const run = {
    one: timed('one', () => single.trainStepInPlace(T, B, opts)),
    half: timed('half', () => half.trainStepInPlace(T, B / 2, opts)),
    par: timed('par', () => pt.trainStepInPlace(T, B, opts)),
  };
  for (let i = 0; i < 3; i++) for (const k of Object.keys(run)) await run[k](); // warm-up: tier-up between calls
  for (const k of ['publish', 'compute', 'wait', 'reduce', 'steps']) pt.stats[k] = 0;
  for (const k of Object.keys(cpu)) cpu[k].length = 0;
  return { run, pt, cpuOf: cpu, dispose: () => pt.dispose() };
}

const f0 = (x) => Math.round(x).toLocaleString('en-US');
console.log(`# data-parallel training, frames/s (B = ${B}, T = ${T}, RMSProp + clip + weight noise), ${THREADS} threads vs 1, median of ${REPS} interleaved updates × ${ROUNDS} round(s)`);
console.log(`# ${cpus()[0]?.model ?? '?'}, ${availableParallelism()} cores, node ${process.version}, ${new Date().toISOString()}, load average at start ${loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
const rows = [['set', 'model', '1 thread', `${THREADS} threads`, 'speed-up (medians)', 'speed-up (minima)', 'ideal t32/t16', 'IQR/median 1 · N', 'cores used 1 · N', 'CPU ms/step 1 · ½ · N', 'work efficiency', 'main ms/step: publish · own shard · wait · reduce+optimizer']];
for (const [set, { io, units }] of Object.entries(SETS)) {
  if (ONLY && ONLY !== set) continue;
  for (const [name, cfg] of units) {
    const c = await contenders(cfg, io);
    const t = { one: [], half: [], par: [] };
    for (let r = 0; r < REPS * ROUNDS; r++) {
      const order = r % 2 ? ['par', 'one', 'half'] : ['one', 'half', 'par'];
      for (const k of order) t[k].push(await c.run[k]());
    }
    const fps = (k) => (B * T) / (median(t[k]) / 1000);
    const best = (k) => Math.min(...t[k]);
    const s = c.pt.stats, n = s.steps;
    rows.push([set, name, f0(fps('one')), f0(fps('par')), `${(fps('par') / fps('one')).toFixed(2)}×`, `${(best('one') / best('par')).toFixed(2)}×`,
      `${(median(t.one) / median(t.half)).toFixed(2)}×`, `${spread(t.one).toFixed(2)} · ${spread(t.par).toFixed(2)}`,
      `${(median(c.cpuOf.one) / median(t.one)).toFixed(2)} · ${(median(c.cpuOf.par) / median(t.par)).toFixed(2)}`,
      `${median(c.cpuOf.one).toFixed(1)} · ${median(c.cpuOf.half).toFixed(1)} · ${median(c.cpuOf.par).toFixed(1)}`,
      (median(c.cpuOf.one) / median(c.cpuOf.par)).toFixed(2),
      [s.publish, s.compute, s.wait, s.reduce].map((x) => (x / n).toFixed(2)).join(' · ')]);
    console.log(`${set} ${name}: ${rows[rows.length - 1].slice(2).join(' | ')}`);
    await c.dispose();
  }
}
console.log(`\n# load average at end ${loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
console.log(rows.map((r) => `| ${r.join(' | ')} |`).join('\n').replace(/\n/, `\n|${rows[0].map(() => '---').join('|')}|\n`));

// Broadcast (what ParallelTrainer does: the main model steps, the replicas copy its parameters)
// against replicate (every thread applies the same summed gradient, no parameter copy). Both
// need one arena's worth of data to leave the main thread each step — parameters for the
// first, the main shard's gradients for the second — so they differ by the replicas' copy-in
// versus their own sum and optimizer step. Timed here on one thread, minima of many calls.
if (!process.argv.includes('--no-components')) {
  const comp = [['set', 'model', 'arena floats', 'publish params (main)', 'copy in (replica)', 'publish grads (main)', 'sum 2 arenas', 'optimizer step']];
  for (const [set, { io, units }] of Object.entries(SETS)) {
    if (ONLY && ONLY !== set) continue;
    for (const [name, cfg] of units) {
      const m = await g.createModel({ ...cfg, inputSize: io, head: { type: 'bernoulli', size: io } });
      m.setOptimizer({ ...g.PAPER_RMSPROP, lr: 1e-9 });
      const n = m.arenaFloats, sab = new Float32Array(new SharedArrayBuffer(n * 4)), acc = new Float32Array(n);
      const min = (f) => { let best = Infinity; for (let i = 0; i < 60; i++) { const t0 = performance.now(); f(); best = Math.min(best, performance.now() - t0); } return best; };
      const ms = [
        min(() => sab.set(m.snapshotParams())),
        min(() => m.restoreParams(sab)),
        min(() => sab.set(m.snapshotGrads())),
        min(() => { for (let i = 0; i < n; i++) acc[i] += sab[i]; }),
        min(() => m.applyGradients(acc.fill(0), 1, { clipNorm: 1 })),
      ];
      comp.push([set, name, n.toLocaleString('en-US'), ...ms.map((x) => `${(x * 1000).toFixed(0)} µs`)]);
      m.dispose();
    }
  }
  console.log('\n# per-step costs of the two ways to keep replicas in step (one thread, minimum of 60 calls)\n');
  console.log(comp.map((r) => `| ${r.join(' | ')} |`).join('\n').replace(/\n/, `\n|${comp[0].map(() => '---').join('|')}|\n`));
}
