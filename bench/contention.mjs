// How much two training threads slow each other down on this machine when they share
// nothing: the same half-batch update (T = 100, B = 16, clipping + weight noise, RMSProp; the
// shard a 2-thread ParallelTrainer gives each thread at B = 32) run on one thread alone, and then
// on two threads at once, each with its own model and WebAssembly instance and no
// synchronisation at all. The ratio of a thread's CPU time per step together over alone is the
// part of the data-parallel shortfall (bench/parallel.mjs) that no change to ParallelTrainer can
// remove: the cores' shared caches, memory bandwidth or the host's scheduling of the two vCPUs.
// Thread CPU from /proc/thread-self/schedstat, summed over the updates.
//
//   npm run build && node bench/contention.mjs [--reps=N] [--only=speech|music]
import v8 from 'node:v8';
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
if (process.env.BENCH_V8_FLAGS) v8.setFlagsFromString(process.env.BENCH_V8_FLAGS);
import { Worker } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const LIB = pathToFileURL(join(here, '..', 'dist', 'node.js')).href;
const arg = (k, d) => { const a = process.argv.find((s) => s.startsWith(`--${k}=`)); return a ? a.slice(k.length + 3) : d; };
const REPS = Number(arg('reps', 15)), ONLY = arg('only', '');
const T = 100, B = 16;
const SETS = {
  speech: { io: 20, units: [['tanh-400', { unit: 'tanh', hiddenSize: 400 }], ['LSTM-195', { unit: 'lstm', hiddenSize: 195 }], ['GRU-227', { unit: 'gru', hiddenSize: 227 }]] },
  music: { io: 88, units: [['tanh-100', { unit: 'tanh', hiddenSize: 100 }], ['LSTM-36', { unit: 'lstm', hiddenSize: 36 }], ['GRU-46', { unit: 'gru', hiddenSize: 46 }]] },
};

// One thread's side, run on the main thread and in the worker alike: a model, a filled batch,
// and `steps(n)` giving the thread's CPU ms of each of n updates.
const SIDE = `
import { readFileSync } from 'node:fs';
export async function side(lib, cfg, io, T, B) {
  const g = await import(lib);
  const m = await g.createModel({ ...cfg, inputSize: io, head: { type: 'bernoulli', size: io } });
  m.setOptimizer({ ...g.PAPER_RMSPROP, lr: 1e-5 });
  const v = m.batchViews(T, B), rng = new g.Rng(1);
  for (let k = 0; k < v.x.length; k++) v.x[k] = rng.uniform() < 0.2 ? 1 : 0;
  for (let k = 0; k < v.y.length; k++) v.y[k] = rng.uniform() < 0.2 ? 1 : 0;
  v.mask.fill(1);
  const cpu = () => Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
  // the thread's CPU over n updates ÷ n (the kernel counts thread CPU in scheduler ticks, so a
  // single update's reading would be rounded to a few milliseconds), and the wall time likewise
  return (n) => { const c0 = cpu(), t0 = performance.now(); for (let i = 0; i < n; i++) m.trainStepInPlace(T, B, { clipNorm: 1, weightNoise: 0.075 }); return { cpu: (cpu() - c0) / n, wall: (performance.now() - t0) / n }; };
}`;
const sideUrl = `data:text/javascript,${encodeURIComponent(SIDE)}`;
const { side } = await import(sideUrl);

const WORKER = `
import { parentPort, workerData } from 'node:worker_threads';
const { side } = await import(workerData.sideUrl);
const steps = await side(workerData.lib, workerData.cfg, workerData.io, workerData.T, workerData.B);
steps(3);
const flag = new Int32Array(workerData.flag);
parentPort.postMessage('ready');
Atomics.wait(flag, 0, 0);
parentPort.postMessage(steps(workerData.reps));
`;

console.log(`# two independent training threads at once vs one alone: thread CPU ms per update (T = ${T}, B = ${B}), over ${REPS} updates`);
console.log(`# ${cpus()[0]?.model ?? '?'}, ${cpus().length} cores, node ${process.version}, ${new Date().toISOString()}, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
const rows = [['set', 'model', 'CPU alone', 'CPU together: main · worker', 'wall alone', 'wall together: main · worker', 'slow-down (wall)', 'ceiling of 2 threads (2 ÷ slow-down)']];
for (const [set, { io, units }] of Object.entries(SETS)) {
  if (ONLY && ONLY !== set) continue;
  for (const [name, cfg] of units) {
    const steps = await side(LIB, cfg, io, T, B);
    steps(3);
    const alone = steps(REPS);
    const flag = new SharedArrayBuffer(4);
    const w = new Worker(new URL(`data:text/javascript,${encodeURIComponent(WORKER)}`), { workerData: { sideUrl, lib: LIB, cfg, io, T, B, reps: REPS, flag } });
    const msgs = [];
    const next = () => new Promise((ok) => { if (msgs.length) ok(msgs.shift()); else w.once('message', ok); });
    w.on('message', (m) => msgs.push(m));
    await new Promise((ok) => w.once('message', () => ok()));
    msgs.length = 0;
    Atomics.store(new Int32Array(flag), 0, 1);
    Atomics.notify(new Int32Array(flag), 0);
    const mine = steps(REPS);
    const theirs = await next();
    await w.terminate();
    const slow = ((mine.wall + theirs.wall) / 2) / alone.wall;
    const f = (x) => x.toFixed(1);
    rows.push([set, name, f(alone.cpu), `${f(mine.cpu)} · ${f(theirs.cpu)}`, f(alone.wall), `${f(mine.wall)} · ${f(theirs.wall)}`, `${slow.toFixed(2)}×`, `${(2 / slow).toFixed(2)}×`]);
    console.log(`${set} ${name}: ${rows[rows.length - 1].slice(2).join(' | ')}`);
  }
}
console.log('\n' + rows.map((r) => `| ${r.join(' | ')} |`).join('\n').replace(/\n/, `\n|${rows[0].map(() => '---').join('|')}|\n`));
