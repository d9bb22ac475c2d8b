// Cell benchmark: forward + backward through time of one recurrent layer (cell_pack,
// cell_forward, cell_backward with dx skipped, as for a first layer) at the paper's sizes,
// B = 32, T = 100. Reports ms per call and frames/s = T·B / (pack + fwd + bwd time), and how
// much of it the GEMMs the cell issues take (the same shapes timed alone: gemm_f32 forward and
// backward, gemm_tn_f32 for the weight gradients); "rest" = pointwise passes and plumbing.
//
//   npm run asbuild && node bench/cells.mjs [--quick] [--build=relaxed|simd] [--filter=lstm]
//                                           [--batch=32] [--steps=100] [--torch]
//
// --torch also times PyTorch's own layer (nn.LSTM / nn.GRU / nn.RNN, one thread, forward +
// backward, bench/cells_torch.py under /usr/bin/python3) in the same run and prints the ratio;
// the peephole LSTM and the reset-before GRU are compared with PyTorch's plain LSTM and GRU.
//
// Cases are sampled in interleaved rounds after a warm-up and the best round reported (this VM's
// FP throughput drifts: see docs/toolchain.md). Kernel time only: no output head, no optimizer.
import { readFileSync } from 'node:fs';
import v8 from 'node:v8';
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const TORCH = args.includes('--torch');
const BUILDS = (args.find((a) => a.startsWith('--build=')) || '--build=relaxed,simd').slice(8).split(',');
const FILTER = (args.find((a) => a.startsWith('--filter=')) || '').slice(9);
const ROUNDS = QUICK ? 3 : 7;
const B = Number((args.find((a) => a.startsWith('--batch=')) || '--batch=32').slice(8));
const T = Number((args.find((a) => a.startsWith('--steps=')) || '--steps=100').slice(8));

const KIND_NAME = ['tanh', 'lstm', 'lstm-peep', 'gru-after', 'gru-before'];
const GATES = [1, 4, 4, 3, 3];
const CASES = [
  // music (I = 88) and speech (I = 20) sizes of Table 1
  { kind: 1, I: 88, H: 36 }, { kind: 2, I: 88, H: 36 }, { kind: 3, I: 88, H: 46 }, { kind: 4, I: 88, H: 46 },
  { kind: 0, I: 88, H: 100 },
  { kind: 1, I: 20, H: 195 }, { kind: 2, I: 20, H: 195 }, { kind: 3, I: 20, H: 227 }, { kind: 4, I: 20, H: 227 },
  { kind: 0, I: 20, H: 400 },
].filter((c) => `${KIND_NAME[c.kind]}-${c.H}`.includes(FILTER));
/** PyTorch 1.13 CPU, one thread, B = 32, T = 100, whole training step (head and optimizer
 *  included; where these figures come from, and this repo's lower measurement of PyTorch:
 *  docs/toolchain.md): a yardstick for the product target, not a like-for-like ratio. */
const PYTORCH = { 'lstm-36': 79e3, 'gru-after-46': 74e3, 'tanh-100': 119e3, 'lstm-195': 18e3 };

function load(build) {
  const bytes = readFileSync(new URL(`../build/gatedrnn.${build}.wasm`, import.meta.url));
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
    env: { abort() { throw new Error(`kernel contract failed in ${build} build`); } },
  });
  const ex = inst.exports;
  let top = (ex.heap_base() + 63) & ~63;
  const alloc = (n) => {
    const p = top;
    top = (p + Math.max(n, 1) * 4 + 63) & ~63;
    const have = ex.memory.buffer.byteLength;
    if (top > have) ex.memory.grow(Math.ceil((top - have) / 65536));
    return p;
  };
  const f32 = (p, n) => new Float32Array(ex.memory.buffer, p, n);
  return { build, ex, alloc, f32 };
}

function fill(core, p, n, seed, scale) {
  const a = core.f32(p, n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    a[i] = ((s / 4294967296) * 2 - 1) * scale;
  }
}

/** Allocates one layer's buffers and returns the timed closures. */
function setup(core, { kind, I, H }) {
  const { ex, alloc } = core;
  const GH = GATES[kind] * H;
  const W = alloc(I * GH), U = alloc(H * GH), bih = alloc(GH), bhh = alloc(GH), peep = alloc(3 * H);
  const x = alloc(T * B * I), hs = alloc((T + 1) * B * H), dhs = alloc(T * B * H);
  const packed = alloc(ex.cell_packed_size(kind, I, H));
  const saved = alloc(ex.cell_saved_size(kind, T, B, H));
  const work = alloc(ex.cell_work_size(kind, T, B, H));
  const dW = alloc(I * GH), dU = alloc(H * GH), dbih = alloc(GH), dbhh = alloc(GH), dpeep = alloc(3 * H);
  const dh0 = alloc(B * H), dc0 = alloc(B * H);
  fill(core, W, I * GH, 1, 1 / Math.sqrt(I)); fill(core, U, H * GH, 2, 1 / Math.sqrt(H));
  fill(core, bih, GH, 3, 0.1); fill(core, bhh, GH, 4, 0.1); fill(core, peep, 3 * H, 5, 0.1);
  fill(core, x, T * B * I, 6, 1); fill(core, dhs, T * B * H, 7, 0.01);
  const zero = alloc(0);
  const pack = () => ex.cell_pack(kind, packed, W, U, I, H);
  const fwd = () => {
    core.f32(hs, B * H).fill(0);
    if (kind === 1 || kind === 2) core.f32(saved, B * H).fill(0);
    ex.cell_forward(kind, hs, saved, x, packed, bih, bhh, peep, T, B, I, H);
  };
  const bwd = () => ex.cell_backward(kind, 0, dh0, dc0, dW, dU, dbih, dbhh, kind === 2 ? dpeep : 0,
    dhs, hs, saved, x, packed, bih, bhh, peep, work, T, B, I, H);
  // the GEMMs alone, with the shapes the cell issues: [M, N, K, calls]
  const { fwdMM, bwdMM, bwdTN } = gemmShapes(kind, I, H);
  const big = Math.max(...[...fwdMM, ...bwdMM, ...bwdTN].map(([M, N, K]) => Math.max(M * K, M * N, K * N)));
  const gA = alloc(big), gB = alloc(big), gC = alloc(big);
  const Bp = alloc(Math.max(...[...fwdMM, ...bwdMM].map(([, N, K]) => ex.packed_size(K, N))));
  const mms = (list) => () => { for (const [M, N, K, n] of list) for (let i = 0; i < n; i++) ex.gemm_f32(gC, N, gA, K, Bp, M, N, K); };
  const tns = (list) => () => { for (const [M, N, K, n] of list) for (let i = 0; i < n; i++) ex.gemm_tn_f32(gC, N, gA, M, gB, N, M, N, K); };
  const fwdGemm = mms(fwdMM), bwdGemm = mms(bwdMM), bwdTn = tns(bwdTN);
  void zero;
  return { pack, fwd, bwd, fwdGemm, bwdGemm, bwdTn };
}

/** The GEMM calls cell_forward / cell_backward (dx skipped) make: gemm_f32 and gemm_tn_f32
 *  as [M, N, K, calls]. */
function gemmShapes(kind, I, H) {
  const TB = T * B;
  if (kind === 0) return { fwdMM: [[TB, H, I, 1], [B, H, H, T]], bwdMM: [[B, H, H, T]], bwdTN: [[I, H, TB, 1], [H, H, TB, 1]] };
  if (kind <= 2) return { fwdMM: [[TB, 4 * H, I, 1], [B, 4 * H, H, T]], bwdMM: [[B, H, 4 * H, T]], bwdTN: [[I, 4 * H, TB, 1], [H, 4 * H, TB, 1]] };
  if (kind === 3) return {
    fwdMM: [[TB, 2 * H, I, 1], [TB, H, I, 1], [B, 3 * H, H, T]], bwdMM: [[B, H, 3 * H, T]],
    bwdTN: [[H, 3 * H, TB, 1], [I, 2 * H, TB, 1], [I, H, TB, 1]],
  };
  return {
    fwdMM: [[TB, 3 * H, I, 1], [B, 2 * H, H, T], [B, H, H, T]], bwdMM: [[B, H, H, T], [B, H, 2 * H, T]],
    bwdTN: [[H, 2 * H, TB, 1], [H, H, TB, 1], [I, 3 * H, TB, 1]],
  };
}

function time(fn, reps) {
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < reps; r++) fn();
  return Number(process.hrtime.bigint() - t0) / 1e6 / reps;
}
/** Best of the rounds: other tenants of this VM only ever add time (see docs/toolchain.md). */
const best = (a) => Math.min(...a);

/** PyTorch fwd+bwd ms per `${unit}-${H}`, timed by bench/cells_torch.py. */
function torchTimes() {
  const unit = ['tanh', 'lstm', 'lstm', 'gru', 'gru'];
  const cases = [...new Map(CASES.map((c) => [`${unit[c.kind]}-${c.H}`, { unit: unit[c.kind], I: c.I, H: c.H }])).values()];
  const script = fileURLToPath(new URL('./cells_torch.py', import.meta.url));
  const r = spawnSync('/usr/bin/python3', [script, JSON.stringify(cases), String(B), String(T), String(ROUNDS)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cells_torch.py failed: ${r.stderr}`);
  const ms = JSON.parse(r.stdout);
  return (c) => ms[`${unit[c.kind]}-${c.H}`];
}
const torchMs = TORCH ? torchTimes() : null;

console.log(`cells bench: node ${process.version}, ${os.cpus()[0].model}, B=${B}, T=${T}, builds ${BUILDS.join(', ')}`);
const rows = [];
for (const build of BUILDS) {
  const core = load(build);
  const runs = CASES.map((c) => ({ c, ...setup(core, c), f: [], b: [], p: [], fg: [], bg: [], bt: [] }));
  for (const r of runs) { r.pack(); for (let i = 0; i < 2; i++) { r.fwd(); r.bwd(); r.fwdGemm(); r.bwdGemm(); r.bwdTn(); } } // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    for (const r of runs) {
      const reps = r.c.H > 150 ? 1 : 3;
      r.p.push(time(r.pack, reps));
      r.f.push(time(r.fwd, reps));
      r.b.push(time(r.bwd, reps));
      r.fg.push(time(r.fwdGemm, reps));
      r.bg.push(time(r.bwdGemm, reps));
      r.bt.push(time(r.bwdTn, reps));
    }
  }
  for (const r of runs) {
    const f = best(r.f), b = best(r.b), p = best(r.p), fg = best(r.fg), bg = best(r.bg), bt = best(r.bt);
    const name = `${KIND_NAME[r.c.kind]}-${r.c.H}`;
    const fps = (T * B) / ((f + b + p) / 1e3);
    const ref = B === 32 && T === 100 ? PYTORCH[name] : undefined;
    rows.push({
      build, cell: name, I: r.c.I,
      'pack ms': p.toFixed(3), 'fwd ms': f.toFixed(2), 'bwd ms': b.toFixed(2),
      'fwd GEMM ms': fg.toFixed(2), 'fwd rest ms': (f - fg).toFixed(2),
      'bwd GEMM ms': bg.toFixed(2), 'bwd TN ms': bt.toFixed(2), 'bwd rest ms': (b - bg - bt).toFixed(2),
      'frames/s': Math.round(fps),
      'vs PyTorch step': ref ? `${(fps / ref).toFixed(2)}×` : '',
      ...(torchMs ? { 'torch layer ms': torchMs(r.c).toFixed(2), 'vs torch layer': `${(torchMs(r.c) / (f + b + p)).toFixed(2)}×` } : {}),
    });
  }
}
console.table(rows);
