// What the mixture-of-Gaussians head costs in a training update (issue item 7). For the
// paper's three raw-speech models (input 20: tanh-400, GRU-227 reset-before, LSTM-195 with
// peepholes) at B = 32, T = 100, one full update — forward, head loss and ∂/∂z, backprop
// through time, clipping, weight noise, RMSProp — is timed with the mog head (K = 20, D = 10:
// 420 logits per step) and with a Bernoulli head of 10 units (the recurrent part nearly
// alone), interleaved. Reported: frames/s of both and their ratio, the share of the update
// spent in the mog_nll kernel itself (timed alone on 3200 rows), and GFLOP/s of the update
// against the WebAssembly FMA peak measured here with simd_madd_peak (as bench/gemm.mjs does).
//
//   npm run bench:speech            (builds first; writes docs/speech-head-bench.md)
//   node bench/speech-head.mjs [--reps=N] [--out=path]
//
// FLOPs are the GEMMs' 2·M·N·K only (the elementwise work, the head kernel and the optimizer
// are not counted), per update with N = T·B rows, G gates:
//   layer forward 2·N·GH·(I + H); backward dW, dU and dh 2·N·GH·(I + 2H) (no dx for layer 0);
//   head forward 2·N·H·O; backward dV and dh 4·N·H·O.
import v8 from 'node:v8';
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
import os from 'node:os';
import { writeFileSync } from 'node:fs';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { join, dirname, relative } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, dflt) => (process.argv.find((a) => a.startsWith(`--${name}=`)) ?? `--${name}=${dflt}`).slice(name.length + 3);
const REPS = Number(arg('reps', 5));
const OUT = arg('out', join(here, '..', 'docs', 'speech-head-bench.md'));
const g = await import(pathToFileURL(join(here, '..', 'dist', 'node.js')).href);
const { fmaPeakSampler } = await import('./lib/peak.mjs');

const I = 20, T = 100, B = 32, N = T * B, K = 20, D = 10, O = K * (1 + 2 * D);
const BUILD = 'relaxed';
const UNITS = [
  { name: 'tanh-400', cfg: { unit: 'tanh', hiddenSize: 400 }, G: 1 },
  { name: 'GRU-227 (reset-before)', cfg: { unit: 'gru', resetAfter: false, hiddenSize: 227 }, G: 3 },
  { name: 'LSTM-195 (peepholes)', cfg: { unit: 'lstm', peepholes: true, hiddenSize: 195 }, G: 4 },
];
const HEADS = {
  mog: { type: 'mog', components: K, size: D },
  bernoulli: { type: 'bernoulli', size: D },
};
const STEP_OPTS = { clipNorm: 1, weightNoise: 0.075 };

const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };

function flops(H, G, outputs) {
  const GH = G * H;
  return 2 * N * GH * (I + H) + 2 * N * GH * (I + 2 * H) + 6 * N * H * outputs;
}

async function update(cfg, headKind) {
  const head = HEADS[headKind];
  const m = await g.createModel({ ...cfg, inputSize: I, head }, { build: BUILD });
  m.setOptimizer({ ...g.PAPER_RMSPROP, lr: 1e-4 });
  const rng = new g.Rng(7), v = m.batchViews(T, B);
  for (let k = 0; k < v.x.length; k++) v.x[k] = rng.normal();
  for (let k = 0; k < v.y.length; k++) v.y[k] = headKind === 'mog' ? rng.normal() : (rng.uniform() < 0.3 ? 1 : 0);
  v.mask.fill(1);
  const step = () => m.trainStepInPlace(T, B, STEP_OPTS);
  for (let i = 0; i < 2; i++) step(); // warm-up
  return { m, time: () => { const t0 = performance.now(); step(); return performance.now() - t0; } };
}

/** mog_nll with dz on N rows of logits spread like a trained-ish head, timed alone. */
async function mogKernel() {
  const core = await g.loadCore(BUILD);
  let top = (core.heapBase() + 63) & ~63;
  const alloc = (n) => { const p = top; top = (p + n * 4 + 63) & ~63; core.ensureBytes(top); return p; };
  const z = alloc(N * O), y = alloc(N * D), dz = alloc(N * O);
  const rng = new g.Rng(3), zv = core.f32(z, N * O), yv = core.f32(y, N * D);
  for (let i = 0; i < N * O; i++) zv[i] = 0.5 * rng.normal();
  for (let i = 0; i < N * D; i++) yv[i] = rng.normal();
  const call = () => core.k.mog_nll(dz, z, y, 0, N, K, D);
  for (let i = 0; i < 3; i++) call();
  return () => { const t0 = performance.now(); for (let r = 0; r < 5; r++) call(); return (performance.now() - t0) / 5; };
}


const loadStart = os.loadavg().map((x) => x.toFixed(2)).join(' ');
const kernel = await mogKernel(), peakRun = await fmaPeakSampler(g, BUILD);
const rows = [];
const peaks = [];
for (const u of UNITS) {
  const runs = { mog: await update(u.cfg, 'mog'), bernoulli: await update(u.cfg, 'bernoulli') };
  const t = { mog: [], bernoulli: [], kernel: [] };
  for (let r = 0; r < REPS; r++) {
    t.mog.push(runs.mog.time());
    t.bernoulli.push(runs.bernoulli.time());
    t.kernel.push(kernel());
    peaks.push(peakRun());
  }
  for (const r of Object.values(runs)) r.m.dispose();
  const H = u.cfg.hiddenSize, tm = median(t.mog), tb = median(t.bernoulli), tk = median(t.kernel);
  rows.push({
    name: u.name, H,
    fpsMog: N / (tm / 1000), fpsBern: N / (tb / 1000), ratio: tb / tm, kernelShare: tk / tm, tm, tb, tk,
    gflopMog: flops(H, u.G, O) / 1e9, gflopBern: flops(H, u.G, D) / 1e9,
  });
}
const peakBest = Math.max(...peaks), peakMedian = median(peaks);
const loadEnd = os.loadavg().map((x) => x.toFixed(2)).join(' ');

const cpu = os.cpus()[0]?.model ?? '?';
const f0 = (x) => Math.round(x).toLocaleString('en-US');
const lines = [
  '# Speech head benchmark: the mixture-of-Gaussians head in a training update',
  '',
  `Command: \`npm run bench:speech\` (\`node bench/speech-head.mjs --reps=${REPS}\`), ${new Date().toISOString().slice(0, 10)}.`,
  `Machine: ${cpu}, ${os.cpus().length} logical cores (shared with other jobs), node ${process.version}, build \`${BUILD}\`, one thread.`,
  `Load average at start ${loadStart}, at end ${loadEnd}.`,
  '',
  `One update = forward, head loss with ∂/∂z, backprop through time, clipping (norm 1), weight noise (σ 0.075), RMSProp; input ${I}, B = ${B}, T = ${T} (${N} frames per update).`,
  `mog: K = ${K}, D = ${D}, ${O} logits per frame. bernoulli: ${D} units (the recurrent part nearly alone). Medians of ${REPS} interleaved updates each.`,
  '',
  '| model | mog frames/s | bernoulli frames/s | ratio mog / bernoulli | mog_nll share of the mog update | GFLOP per update (mog / bern.) | GFLOP/s mog | GFLOP/s bern. | of FMA peak, mog | of FMA peak, bern. |',
  '|---|---|---|---|---|---|---|---|---|---|',
  ...rows.map((r) => {
    const gm = r.gflopMog / (r.tm / 1000), gb = r.gflopBern / (r.tb / 1000);
    return `| ${r.name} | ${f0(r.fpsMog)} | ${f0(r.fpsBern)} | ${r.ratio.toFixed(2)} | ${(100 * r.kernelShare).toFixed(1)} % (${r.tk.toFixed(1)} of ${r.tm.toFixed(0)} ms) | ${r.gflopMog.toFixed(2)} / ${r.gflopBern.toFixed(2)} | ${gm.toFixed(1)} | ${gb.toFixed(1)} | ${(100 * gm / peakBest).toFixed(0)} % | ${(100 * gb / peakBest).toFixed(0)} % |`;
  }),
  '',
  `WASM-SIMD FMA peak (\`simd_madd_peak\`, 10 independent f32x4 multiply-add chains, ${BUILD} build), sampled between the updates: best ${peakBest.toFixed(1)} GFLOP/s (median ${peakMedian.toFixed(1)}); the fractions above are of the best.`,
  'FLOPs count the GEMMs only (2·M·N·K): layer forward 2·N·GH·(I+H), backward 2·N·GH·(I+2H), head 6·N·H·O; elementwise work, the head kernel and the optimizer are extra work not counted.',
  `The mog_nll share is the kernel alone on ${N} rows (loss and dz, logits N(0, 0.5²), targets N(0, 1)) over the median mog update.`,
  '',
];
const ok = rows.every((r) => r.ratio >= 0.5);
lines.push(ok ? 'Every ratio is at least 0.5: the head does not halve the speed.' : `RATIO BELOW 0.5 for ${rows.filter((r) => r.ratio < 0.5).map((r) => r.name).join(', ')}.`, '');
writeFileSync(OUT, lines.join('\n'));
console.log(lines.join('\n'));
console.error(`-> ${relative(process.cwd(), OUT)}`); // a status line, not part of the report that run.mjs embeds
if (!ok) process.exitCode = 1;
