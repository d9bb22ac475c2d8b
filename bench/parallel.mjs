// Data-parallel scaling (issue 4, "Two cores"): frames/s of one full update — forward, BPTT,
// Bernoulli head, RMSProp step with clipping and weight noise — on one thread (Model.
// trainStepInPlace) and over a ParallelTrainer of N threads (default 2: main + 1 worker),
// B = 32, T = 100, the paper's speech and music sizes. Steps alternate between the contenders
// (interleaved); medians are compared.
//
// The machine is shared, and Linux schedules by session (autogroup): while another session keeps
// both cores busy, this process gets one core or less whatever its thread count, so the wall-clock
// speed-up says little. The columns after it are measured so that they do not depend on that:
// every thread's own CPU time per step from /proc/self/task/*/schedstat. `cores obtained` is
// process CPU / wall time. On free cores the parallel step takes as long as its busiest thread
// (the threads only meet at the end of the step, ~10 µs apart), so
//   projected speed-up = CPU of the 1-thread step / CPU of the busiest thread of the N-thread step
// (helper threads of V8 — GC, compiler — are left out of both). `half` is the CPU of a 1-thread
// step at B = 16: 2·half / one shows whether the kernels themselves lose anything at half the
// batch. `efficiency` = CPU(one) / CPU(all threads of the N-thread step). The main thread's
// wall time per step by phase comes from ParallelTrainer.stats.
//
// --head=mog gives the speech models the paper's mixture-of-Gaussians head (20 components over
// the next 10 samples) instead of the Bernoulli head (the music sets are Bernoulli either way).
//
//   npm run build && node bench/parallel.mjs [--reps=N] [--threads=N] [--balance=even|measured] [--only=speech|music] [--head=bernoulli|mog] [--no-components]
import v8 from 'node:v8';
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
import { cpus, loadavg, availableParallelism } from 'node:os';
import { readdirSync, readFileSync } from 'node:fs';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (k, d) => { const a = process.argv.find((s) => s.startsWith(`--${k}=`)); return a ? a.slice(k.length + 3) : d; };
const REPS = Number(arg('reps', 9)), THREADS = Number(arg('threads', 2));
const BALANCE = arg('balance', 'even'); // ParallelOptions.balance: even | measured
const ONLY = arg('only', '');
const HEAD = arg('head', 'bernoulli');
if (HEAD !== 'bernoulli' && HEAD !== 'mog') throw new Error(`--head must be bernoulli or mog, got ${HEAD}`);
/** The head of a model of this set: the speech models' mog predicts the next 10 samples. */
const headOf = (set, io) => (HEAD === 'mog' && set === 'speech' ? { type: 'mog', components: 20, size: 10 } : { type: 'bernoulli', size: io });
const g = await import(pathToFileURL(join(here, '..', 'dist', 'node.js')).href);

const T = 100, B = 32;
const SETS = {
  speech: { io: 20, units: [['tanh-400', { unit: 'tanh', hiddenSize: 400 }], ['LSTM-195', { unit: 'lstm', hiddenSize: 195 }], ['GRU-227', { unit: 'gru', hiddenSize: 227 }]] },
  music: { io: 88, units: [['tanh-100', { unit: 'tanh', hiddenSize: 100 }], ['LSTM-36', { unit: 'lstm', hiddenSize: 36 }], ['GRU-46', { unit: 'gru', hiddenSize: 46 }]] },
};

const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
const spread = (a) => { const s = [...a].sort((x, y) => x - y); return (s[Math.floor(s.length * 0.75)] - s[Math.floor(s.length * 0.25)]) / median(a); };

/** CPU time (ms) each thread of this process has run so far, by thread id (Linux). */
const haveSchedstat = (() => { try { readFileSync('/proc/thread-self/schedstat'); return true; } catch { return false; } })();
function threadCpu() {
  const m = new Map();
  if (!haveSchedstat) return m;
  for (const tid of readdirSync('/proc/self/task')) {
    try { m.set(tid, Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e6); } catch { /* thread ended */ }
  }
  return m;
}

function fillRandom(v, io, seed) {
  const rng = new g.Rng(seed);
  for (let k = 0; k < v.x.length; k++) v.x[k] = rng.uniform() < 0.2 ? 1 : 0;
  for (let k = 0; k < v.y.length; k++) v.y[k] = rng.uniform() < 0.2 ? 1 : 0;
  v.mask.fill(1);
}

const opts = { clipNorm: 1, weightNoise: 0.075 };

async function contenders(cfg, io, head) {
  const c = { ...cfg, inputSize: io, head };
  const single = await g.createModel(c), half = await g.createModel(c), par = await g.createModel(c);
  for (const m of [single, half, par]) m.setOptimizer({ ...g.PAPER_RMSPROP, lr: 1e-5 });
  fillRandom(single.batchViews(T, B), io, 1);
  fillRandom(half.batchViews(T, B / 2), io, 1);
  const pt = await g.ParallelTrainer.create(par, { threads: THREADS, balance: BALANCE });
  fillRandom(pt.batchViews(T, B), io, 1);
  const main = String(process.pid);
  // per step: wall ms, process CPU ms, main thread CPU ms, busiest other thread CPU ms
  const m = { one: [], half: [], par: [] };
  const timed = (k, f) => async () => {
    const c0 = process.cpuUsage(), th0 = threadCpu(), t0 = performance.now();
    await f();
    const wall = performance.now() - t0, c1 = process.cpuUsage(c0), th1 = threadCpu();
    let other = 0;
    for (const [tid, ms] of th1) if (tid !== main) other = Math.max(other, ms - (th0.get(tid) ?? 0));
    m[k].push({ wall, cpu: (c1.user + c1.system) / 1000, main: (th1.get(main) ?? NaN) - (th0.get(main) ?? NaN), other });
  };
  const run = {
    one: timed('one', () => single.trainStepInPlace(T, B, opts)),
    half: timed('half', () => half.trainStepInPlace(T, B / 2, opts)),
    par: timed('par', () => pt.trainStepInPlace(T, B, opts)),
  };
  for (let i = 0; i < 3; i++) for (const k of Object.keys(run)) await run[k](); // warm-up: tier-up between calls
  for (const k of ['publish', 'compute', 'wait', 'reduce', 'steps']) pt.stats[k] = 0;
  for (const k of Object.keys(m)) m[k].length = 0;
  return { run, pt, m, dispose: () => pt.dispose() };
}

const f0 = (x) => Math.round(x).toLocaleString('en-US');
const f1 = (x) => x.toFixed(1), f2 = (x) => x.toFixed(2);
console.log(`# data-parallel training, frames/s (B = ${B}, T = ${T}, RMSProp + clip + weight noise), ${THREADS} threads (balance: ${BALANCE}) vs 1, ${HEAD === 'mog' ? 'speech with the mog head (K = 20, D = 10)' : 'Bernoulli head'}, median of ${REPS} interleaved updates`);
console.log(`# ${cpus()[0]?.model ?? '?'}, ${availableParallelism()} cores, node ${process.version}, ${new Date().toISOString()}, load average at start ${loadavg().map(f2).join(' ')}\n`);
const rows = [['set', 'model', '1 thread', `${THREADS} threads`, 'wall speed-up', 'IQR/median 1 · N', 'cores obtained 1 · N',
  'CPU ms/step: one · half · N (all threads)', 'N: main · busiest worker', 'projected speed-up', 'efficiency', 'main wall ms/step: publish · own shard · wait · reduce+step']];
for (const [set, { io, units }] of Object.entries(SETS)) {
  if (ONLY && ONLY !== set) continue;
  for (const [name, cfg] of units) {
    const c = await contenders(cfg, io, headOf(set, io));
    for (let r = 0; r < REPS; r++) {
      for (const k of r % 2 ? ['par', 'one', 'half'] : ['one', 'half', 'par']) await c.run[k]();
    }
    const med = (k, f) => median(c.m[k].map((x) => x[f]));
    const fps = (k) => (B * T) / (med(k, 'wall') / 1000);
    const s = c.pt.stats, n = s.steps;
    const critical = Math.max(med('par', 'main'), med('par', 'other'));
    rows.push([set, name, f0(fps('one')), f0(fps('par')), `${f2(fps('par') / fps('one'))}×`,
      `${f2(spread(c.m.one.map((x) => x.wall)))} · ${f2(spread(c.m.par.map((x) => x.wall)))}`,
      `${f2(med('one', 'cpu') / med('one', 'wall'))} · ${f2(med('par', 'cpu') / med('par', 'wall'))}`,
      `${f1(med('one', 'main'))} · ${f1(med('half', 'main'))} · ${f1(med('par', 'cpu'))}`,
      `${f1(med('par', 'main'))} · ${f1(med('par', 'other'))}`,
      `${f2(med('one', 'main') / critical)}×`,
      f2(med('one', 'cpu') / med('par', 'cpu')),
      [s.publish, s.compute, s.wait, s.reduce].map((x) => f2(x / n)).join(' · ')]);
    console.log(`${set} ${name}: ${rows[rows.length - 1].slice(2).join(' | ')}`);
    await c.dispose();
  }
}
console.log(`\n# load average at end ${loadavg().map(f2).join(' ')}\n`);
console.log(rows.map((r) => `| ${r.join(' | ')} |`).join('\n').replace(/\n/, `\n|${rows[0].map(() => '---').join('|')}|\n`));

// Broadcast (what ParallelTrainer does: the main model steps, the replicas copy its parameters)
// against replicate (every thread applies the same summed gradient, no parameter copy). Both
// need one arena's worth of data to leave the main thread each step — parameters for the
// first, the main shard's gradients for the second — so they differ by the replicas' copy-in
// versus their own sum and optimizer step. Timed here on one thread, minima of many calls.
if (!process.argv.includes('--no-components')) {
  const comp = [['set', 'model', 'arena floats', 'publish params (main)', 'copy in (replica)', 'publish grads (main)', 'sum 2 arenas', 'optimizer step', 'weight noise + packing (every thread)']];
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
        // every replica draws the step's weight noise (the same draw) and packs the noisy
        // weights for its kernels itself: work that does not shrink with the shard
        min(() => m.pack(0.075)),
      ];
      comp.push([set, name, n.toLocaleString('en-US'), ...ms.map((x) => `${(x * 1000).toFixed(0)} µs`)]);
      m.dispose();
    }
  }
  console.log('\n# per-step costs of the two ways to keep replicas in step, and the work every thread repeats (one thread, minimum of 60 calls)\n');
  console.log(comp.map((r) => `| ${r.join(' | ')} |`).join('\n').replace(/\n/, `\n|${comp[0].map(() => '---').join('|')}|\n`));
}
