// Where a training step's time goes, at the paper's sizes (one layer, Bernoulli head, T = 100,
// B = 32 and 1, the PyTorch form of each unit, relaxed build, one thread): the answer to "what
// keeps the step below 85 % (65 % at B = 1) of the FMA peak". One step is split into
//   noise + pack   drawing the weight noise and packing the noisy weights into kernel panels
//   forward        input projection, the recurrence, the head's logits and loss (no gradient)
//   backward       the head's ∂/∂z and backprop through time: the step's gradient minus forward
//   optimizer      global-norm clip and the RMSProp update over the whole arena
// and, inside forward + backward, the head's loss kernel alone (bernoulli_nll: log-sigmoid, the
// loss and ∂/∂z of all T·B·O logits), which the GEMM FLOP count does not count;
// each timed on its own (medians of interleaved rounds), beside the whole step timed as
// trainStepInPlace runs it. GFLOP/s of forward and backward count their GEMMs as
// bench/lib/workloads.mjs does (forward 2·G·H·(I + H) + 2·H·O per frame, backward
// 2·G·H·(I + 2H) + 4·H·O), against the FMA peak (simd_madd_peak, best sample, this build).
//
//   npm run build && node bench/step-profile.mjs [--rounds=N] [--only=music|speech|b32|b1]
import v8 from 'node:v8';
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const g = await import(pathToFileURL(join(here, '..', 'dist', 'node.js')).href);
const { workloads, flopsPerFrame, makeData, gatesOf } = await import('./lib/workloads.mjs');
const { fmaPeakSampler } = await import('./lib/peak.mjs');
const arg = (k, d) => { const a = process.argv.find((s) => s.startsWith(`--${k}=`)); return a ? a.slice(k.length + 3) : d; };
const ROUNDS = Number(arg('rounds', 9)), ONLY = arg('only', '');
const BUILD = 'relaxed';

const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
const time = (f) => { const t0 = performance.now(); f(); return performance.now() - t0; };


const headCore = await g.loadCore(BUILD);
/** bernoulli_nll (loss and dz) on the T·B·O logits of a workload, timed alone, ms (one core for
 *  every workload: each one's buffers start again at the heap base). */
function headKernel(w) {
  const core = headCore, N = w.T * w.B, O = w.O;
  let top = (core.heapBase() + 63) & ~63;
  const alloc = (n) => { const p = top; top = (p + n * 4 + 63) & ~63; core.ensureBytes(top); return p; };
  const z = alloc(N * O), y = alloc(N * O), dz = alloc(N * O);
  const rng = new g.Rng(5), zv = core.f32(z, N * O), yv = core.f32(y, N * O);
  for (let i = 0; i < N * O; i++) { zv[i] = 2 * rng.normal() - 2; yv[i] = rng.uniform() < 0.1 ? 1 : 0; }
  const call = () => core.k.bernoulli_nll(dz, z, y, 0, N, O);
  for (let i = 0; i < 3; i++) call();
  return () => time(call);
}

const peakRun = await fmaPeakSampler(g, BUILD), peaks = [];
const rows = [['workload', 'step ms', 'noise + pack', 'forward', 'backward', 'optimizer', 'rest', 'head loss kernel (in forward + backward)', 'forward GFLOP/s (of peak)', 'backward GFLOP/s (of peak)', 'step GFLOP/s (of peak)']];
const results = [];
for (const w of workloads()) {
  if (ONLY && !w.key.includes(ONLY)) continue;
  const m = await g.createModel({ unit: w.unit, inputSize: w.I, hiddenSize: w.H, head: { type: 'bernoulli', size: w.O }, seed: 1 }, { build: BUILD });
  m.setOptimizer({ ...g.PAPER_RMSPROP, lr: 1e-6 });
  const { x, y } = makeData(w), v = m.batchViews(w.T, w.B);
  v.x.set(x); v.y.set(y); v.mask.fill(1);
  const parts = {
    pack: () => m.pack(0.075),
    forward: () => { m.pack(0); return time(() => m.evaluateInPlace(w.T, w.B)); },
    gradient: () => { m.pack(0); return time(() => m.lossAndGradInPlace(w.T, w.B, { stateGrad: false })); },
    optimizer: () => m.applyArenaGradients(1, 1),
    step: () => m.trainStepInPlace(w.T, w.B, { clipNorm: 1, weightNoise: 0.075 }),
  };
  parts.headKernel = headKernel(w);
  const t = Object.fromEntries(Object.keys(parts).map((k) => [k, []]));
  for (let r = 0; r < ROUNDS + 2; r++) {
    for (const [k, f] of Object.entries(parts)) {
      const ms = k === 'forward' || k === 'gradient' || k === 'headKernel' ? f() : time(f);
      if (r >= 2) t[k].push(ms); // two warm-up rounds
    }
    peaks.push(peakRun());
  }
  m.dispose();
  const ms = Object.fromEntries(Object.entries(t).map(([k, a]) => [k, median(a)]));
  const back = Math.max(1e-6, ms.gradient - ms.forward);
  const frames = w.T * w.B, f = flopsPerFrame(w), G = gatesOf(w.unit);
  const fwdFlops = f.forward * frames, bwdFlops = (2 * G * w.H * (w.I + 2 * w.H) + 4 * w.H * w.O) * frames;
  results.push({ key: w.key, ms, back, gf: { forward: fwdFlops / ms.forward / 1e6, backward: bwdFlops / back / 1e6, step: f.training * frames / ms.step / 1e6 } });
}
const peak = Math.max(...peaks);
const pc = (x, of) => `${((100 * x) / of).toFixed(0)} %`;
for (const r of results) {
  const s = r.ms.step, rest = s - r.ms.pack - r.ms.forward - r.back - r.ms.optimizer;
  rows.push([r.key, s.toFixed(2), pc(r.ms.pack, s), pc(r.ms.forward, s), pc(r.back, s), pc(r.ms.optimizer, s), pc(rest, s), pc(r.ms.headKernel, s),
    ...['forward', 'backward', 'step'].map((k) => `${r.gf[k].toFixed(1)} (${pc(r.gf[k], peak)})`)]);
}
console.log(`# one training step by phase (T = 100, Bernoulli head, PyTorch form of each unit, ${BUILD} build, one thread; medians of ${ROUNDS} interleaved rounds)`);
console.log(`# ${os.cpus()[0]?.model ?? '?'}, node ${process.version}, ${new Date().toISOString()}; FMA peak (simd_madd_peak, best of ${peaks.length} samples between the steps) ${peak.toFixed(1)} GFLOP/s\n`);
console.log(rows.map((r) => `| ${r.join(' | ')} |`).join('\n').replace(/\n/, `\n|${rows[0].map(() => '---').join('|')}|\n`));
console.log('\n"rest" = the whole step minus its timed parts: zeroing the gradient arena and what running the parts one at a time does not repeat (negative: the parts cost more alone, e.g. cold caches).');
