// Recurrent cell kernels (assembly/cell): cell_forward / cell_backward against their scalar
// twins over sizes that hit every SIMD remainder (H mod 4), in the relaxed, plain SIMD and
// debug builds; the forward against the cell equations written out in f64; an f32
// finite-difference check of every gradient (weights, biases, peepholes, inputs, initial
// states) on small configurations; the `+=` contract; skipping of dx / dh0 /
// dc0 / dpeep; and padded-at-end sequences (dhs = 0 on padding) against the unpadded ones.
//
// Tolerance of the twin comparison: max |simd − scalar| ≤ 1e-4 · max |scalar| per tensor. The
// twins differ by FMA (relaxed build) and summation order; observed worst 1.3e-5 (relaxed,
// tanh dU), ≤ 1.2e-6 elsewhere. A wrong index or lane shows up as O(1).
import { describe, it, expect, beforeAll } from 'vitest';
import { loadCore } from '../bindings/core-node.js';
import type { Core, BuildKind } from '../bindings/wasm.js';
import { filler, Arena } from './helpers/kernel.js';

const KINDS = [0, 1, 2, 3, 4] as const;
const KIND_NAME = ['tanh', 'lstm', 'lstm-peephole', 'gru-reset-after', 'gru-reset-before'];
const GATES = [1, 4, 4, 3, 3];
const H_SIZES = [1, 3, 4, 5, 7, 8, 9, 33, 36, 46];
/** (I, B, T) combinations; every H runs with each, so all of I ∈ {1,5,88}, B ∈ {1,3,32},
 *  T ∈ {1,2,17} meet every H remainder. */
const IBT: Array<[number, number, number]> = [
  [1, 1, 1], [5, 3, 2], [88, 32, 17], [88, 1, 2], [1, 32, 17], [5, 3, 17], [88, 3, 1],
];
const TWIN_TOL = 1e-4;



interface Dims { kind: number; T: number; B: number; I: number; H: number }

/** Host-side values of one problem: parameters, inputs, initial states, upstream gradient. */
interface Problem extends Dims {
  W: Float32Array; U: Float32Array; bih: Float32Array; bhh: Float32Array; peep: Float32Array;
  x: Float32Array; h0: Float32Array; c0: Float32Array; dhs: Float32Array;
}

function problem(d: Dims, seed: number): Problem {
  const r = filler(seed);
  const GH = GATES[d.kind] * d.H;
  return {
    ...d,
    W: r(d.I * GH, 1.5 / Math.sqrt(d.I)), U: r(d.H * GH, 1.5 / Math.sqrt(d.H)),
    bih: r(GH, 0.5), bhh: r(GH, 0.5), peep: r(3 * d.H, 0.5),
    x: r(d.T * d.B * d.I), h0: r(d.B * d.H, 0.5), c0: r(d.B * d.H), dhs: r(d.T * d.B * d.H),
  };
}

const GRAD_NAMES = ['dx', 'dh0', 'dc0', 'dW', 'dU', 'dbih', 'dbhh', 'dpeep'] as const;
type GradName = typeof GRAD_NAMES[number];
type Grads = Record<GradName, Float32Array>;

function gradSizes(p: Dims): Record<GradName, number> {
  const GH = GATES[p.kind] * p.H;
  return { dx: p.T * p.B * p.I, dh0: p.B * p.H, dc0: p.B * p.H, dW: p.I * GH, dU: p.H * GH, dbih: GH, dbhh: GH, dpeep: 3 * p.H };
}

interface RunOptions {
  scalar?: boolean;
  /** Initial contents of the gradient buffers (default zeros). */
  init?: Partial<Grads>;
  /** Gradients to skip by passing pointer 0. */
  skip?: GradName[];
  backward?: boolean;
}
interface RunResult { hs: Float32Array; cs?: Float32Array; grads: Grads }

/** Packs, runs cell_forward (and cell_backward) on a fresh arena, returns hs, cs, gradients. */
function run(core: Core, p: Problem, o: RunOptions = {}): RunResult {
  const A = new Arena(core);
  const { kind, T, B, I, H } = p;
  const sfx = o.scalar ? '_scalar' : '';
  const packed = A.alloc(core.fn('cell_packed_size')(kind, I, H));
  const Wp = A.put(p.W), Up = A.put(p.U);
  core.fn('cell_pack')(kind, packed, Wp, Up, I, H);
  const bih = A.put(p.bih), bhh = A.put(p.bhh), peep = kind === 2 ? A.put(p.peep) : 0;
  const x = A.put(p.x);
  const hs = A.alloc((T + 1) * B * H);
  core.f32(hs, B * H).set(p.h0);
  const savedN = core.fn('cell_saved_size')(kind, T, B, H);
  const saved = A.alloc(savedN);
  const isLstm = kind === 1 || kind === 2;
  if (isLstm) core.f32(saved, B * H).set(p.c0);
  core.fn('cell_forward' + sfx)(kind, hs, saved, x, packed, bih, bhh, peep, T, B, I, H);
  const out: RunResult = { hs: A.get(hs, (T + 1) * B * H), grads: {} as Grads };
  if (isLstm) out.cs = A.get(saved, (T + 1) * B * H);
  if (o.backward === false) return out;
  const sizes = gradSizes(p);
  const ptr = {} as Record<GradName, number>;
  for (const g of GRAD_NAMES) {
    const unused = (g === 'dc0' && !isLstm) || (g === 'dpeep' && kind !== 2);
    if (unused || o.skip?.includes(g)) { ptr[g] = 0; continue; }
    ptr[g] = A.put(o.init?.[g] ?? new Float32Array(sizes[g]));
  }
  const dhs = A.put(p.dhs);
  const work = A.alloc(core.fn('cell_work_size')(kind, T, B, H));
  // fill the scratch with garbage: backward must not depend on its contents
  core.f32(work, core.fn('cell_work_size')(kind, T, B, H)).fill(1e30);
  core.fn('cell_backward' + sfx)(kind, ptr.dx, ptr.dh0, ptr.dc0, ptr.dW, ptr.dU, ptr.dbih, ptr.dbhh, ptr.dpeep,
    dhs, hs, saved, x, packed, bih, bhh, peep, work, T, B, I, H);
  for (const g of GRAD_NAMES) out.grads[g] = ptr[g] ? A.get(ptr[g], sizes[g]) : new Float32Array(0);
  return out;
}

function maxAbs(a: ArrayLike<number>): number { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i])); return m; }

/** max |a − b| / max |b| (the tensor-wise relative error); NaN anywhere counts as Infinity. */
function relErr(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i] - b[i]);
    if (!Number.isFinite(e)) return Infinity;
    d = Math.max(d, e);
  }
  return d === 0 ? 0 : d / Math.max(maxAbs(b), 1e-6);
}

const BUILDS: BuildKind[] = ['relaxed', 'simd', 'debug'];

describe.each(BUILDS)('cells, %s build', (build) => {
  let core: Core;
  beforeAll(async () => { core = await loadCore(build); });

  describe.each(KINDS.map((k) => [KIND_NAME[k], k] as const))('%s', (_name, kind) => {
    it('SIMD and scalar twins agree on outputs and every gradient, all remainders', () => {
      let seed = 1;
      const failures: string[] = [];
      for (const H of H_SIZES) {
        for (const [I, B, T] of IBT) {
          // the debug build runs unoptimised: keep its sweep to the smaller problems
          if (build === 'debug' && I * B * T > 300 && H > 9) continue;
          const p = problem({ kind, T, B, I, H }, seed++);
          const s = run(core, p);
          const r = run(core, p, { scalar: true });
          const pairs: Array<[string, Float32Array, Float32Array]> = [['hs', s.hs, r.hs]];
          if (r.cs) pairs.push(['cs', s.cs!, r.cs]);
          for (const g of GRAD_NAMES) pairs.push([g, s.grads[g], r.grads[g]]);
          for (const [name, a, b] of pairs) {
            const e = relErr(a, b);
            if (!(e <= TWIN_TOL)) failures.push(`H=${H} I=${I} B=${B} T=${T} ${name}: rel err ${e.toExponential(2)}`);
          }
          // the outputs must be finite and the gradients non-trivial
          expect(maxAbs(s.grads.dW)).toBeGreaterThan(0);
        }
      }
      expect(failures).toEqual([]);
    });
  });
});

/** The cell equations of docs/DESIGN.md written out plainly in f64: hs (T+1, B, H) and, for
 *  the LSTM, cs (T+1, B, H). Independent of the kernels' layouts and packing. */
function forwardF64(p: Problem): { hs: Float64Array; cs: Float64Array } {
  const { kind, T, B, I, H } = p;
  const G = GATES[kind], GH = G * H;
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  const hs = new Float64Array((T + 1) * B * H), cs = new Float64Array((T + 1) * B * H);
  hs.set(p.h0); cs.set(p.c0);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) {
    const h = hs.subarray((t * B + b) * H, (t * B + b + 1) * H), c = cs.subarray((t * B + b) * H, (t * B + b + 1) * H);
    const x = p.x.subarray((t * B + b) * I, (t * B + b + 1) * I);
    const xw = new Float64Array(GH), hu = new Float64Array(GH);
    for (let n = 0; n < GH; n++) {
      xw[n] = p.bih[n]; hu[n] = p.bhh[n];
      for (let i = 0; i < I; i++) xw[n] += x[i] * p.W[i * GH + n];
      for (let k = 0; k < H; k++) hu[n] += h[k] * p.U[k * GH + n];
    }
    const hn = hs.subarray(((t + 1) * B + b) * H, ((t + 1) * B + b + 1) * H), cn = cs.subarray(((t + 1) * B + b) * H, ((t + 1) * B + b + 1) * H);
    // reset-before: (r ⊙ h)·U_n needs the whole row of r first
    const rhU = new Float64Array(H);
    if (kind === 4) {
      const rh = Array.from(h, (hk, k) => sig(xw[k] + hu[k]) * hk);
      for (let j = 0; j < H; j++) {
        rhU[j] = p.bhh[2 * H + j];
        for (let k = 0; k < H; k++) rhU[j] += rh[k] * p.U[k * GH + 2 * H + j];
      }
    }
    for (let j = 0; j < H; j++) {
      if (kind === 0) hn[j] = Math.tanh(xw[j] + hu[j]);
      else if (kind <= 2) {
        const pe = (q: number, v: number) => (kind === 2 ? p.peep[q * H + j] * v : 0);
        const i = sig(xw[j] + hu[j] + pe(0, c[j])), f = sig(xw[H + j] + hu[H + j] + pe(1, c[j]));
        const g = Math.tanh(xw[2 * H + j] + hu[2 * H + j]);
        cn[j] = f * c[j] + i * g;
        const o = sig(xw[3 * H + j] + hu[3 * H + j] + pe(2, cn[j]));
        hn[j] = o * Math.tanh(cn[j]);
      } else {
        const r = sig(xw[j] + hu[j]), z = sig(xw[H + j] + hu[H + j]);
        const n = kind === 3 ? Math.tanh(xw[2 * H + j] + r * hu[2 * H + j]) : Math.tanh(xw[2 * H + j] + rhU[j]);
        hn[j] = (1 - z) * n + z * h[j];
      }
    }
  }
  return { hs, cs };
}

describe('cells: forward against the equations in f64', () => {
  let core: Core;
  beforeAll(async () => { core = await loadCore('relaxed'); });
  it.each(KINDS.map((k) => [KIND_NAME[k], k] as const))('%s', (_n, kind) => {
    for (const d of [{ T: 5, B: 3, I: 7, H: 9 }, { T: 3, B: 2, I: 88, H: 36 }, { T: 2, B: 1, I: 1, H: 1 }]) {
      const p = problem({ kind, ...d }, 500 + kind);
      const got = run(core, p, { backward: false });
      const want = forwardF64(p);
      expect(relErr(got.hs, Float32Array.from(want.hs)), `hs ${JSON.stringify(d)}`).toBeLessThan(1e-5);
      if (got.cs) expect(relErr(got.cs, Float32Array.from(want.cs)), `cs ${JSON.stringify(d)}`).toBeLessThan(1e-5);
    }
  });
});

/** Σ dhs ⊙ hs[1..T] in f64: the loss whose gradient cell_backward computes with that dhs. */
function loss(p: Problem, hs: Float32Array): number {
  const off = p.B * p.H;
  let L = 0;
  for (let i = 0; i < p.dhs.length; i++) L += p.dhs[i] * hs[off + i];
  return L;
}

const FD_CASES: Array<Omit<Dims, 'kind'>> = [
  { T: 3, B: 2, I: 3, H: 5 },
  { T: 4, B: 1, I: 2, H: 4 },
];

describe('cells: finite differences (f32, central, eps 1e-2)', () => {
  let core: Core;
  beforeAll(async () => { core = await loadCore('relaxed'); });

  for (const kind of KINDS) {
    it.each(FD_CASES)(`${KIND_NAME[kind]} T=$T B=$B I=$I H=$H`, (d) => {
      const p = problem({ kind, ...d }, 100 + kind);
      const isLstm = kind === 1 || kind === 2;
      const sizes = gradSizes(p);
      // start from non-zero gradient buffers: backward must add, not overwrite
      const r0 = filler(7);
      const init: Partial<Grads> = {};
      for (const g of GRAD_NAMES) init[g] = r0(sizes[g]);
      const res = run(core, p, { init });
      const params: Array<[GradName, Float32Array]> = [
        ['dW', p.W], ['dU', p.U], ['dbih', p.bih], ['dbhh', p.bhh], ['dx', p.x], ['dh0', p.h0],
      ];
      if (isLstm) params.push(['dc0', p.c0]);
      if (kind === 2) params.push(['dpeep', p.peep]);
      const eps = 1e-2;
      for (const [g, v] of params) {
        const ana = res.grads[g].map((a, i) => a - init[g]![i]);
        const num = new Float64Array(v.length);
        for (let i = 0; i < v.length; i++) {
          const keep = v[i];
          v[i] = keep + eps; const Lp = loss(p, run(core, p, { backward: false }).hs);
          v[i] = keep - eps; const Lm = loss(p, run(core, p, { backward: false }).hs);
          v[i] = keep;
          num[i] = (Lp - Lm) / (2 * eps);
        }
        const scale = Math.max(maxAbs(num), 1e-3);
        let worst = 0;
        for (let i = 0; i < v.length; i++) worst = Math.max(worst, Math.abs(num[i] - ana[i]) / scale);
        expect(worst, `${g}: max |fd − analytic| / max |fd|`).toBeLessThan(5e-3);
        expect(maxAbs(num), `${g} is not all zero`).toBeGreaterThan(1e-4);
      }
    });
  }
});

describe('cells: skipping, accumulation and padded sequences', () => {
  let core: Core;
  beforeAll(async () => { core = await loadCore('debug'); });

  it.each(KINDS.map((k) => [KIND_NAME[k], k] as const))('%s: dx = dh0 = dc0 = dpeep = 0 skip those and leave the rest unchanged', (_n, kind) => {
    const p = problem({ kind, T: 5, B: 3, I: 6, H: 7 }, 40 + kind);
    // a write through a null output pointer would start at element 0: bytes [0, 64) lie below
    // the module's static data, so put a canary there and check it survives
    const canary = () => new Float32Array(core.memory.buffer, 0, 16);
    canary().fill(12345);
    const full = run(core, p);
    const skipped = run(core, p, { skip: ['dx', 'dh0', 'dc0', 'dpeep'] });
    expect(Array.from(canary())).toEqual(new Array(16).fill(12345));
    for (const g of ['dW', 'dU', 'dbih', 'dbhh'] as const) expect(skipped.grads[g]).toEqual(full.grads[g]);
    expect(skipped.grads.dx.length).toBe(0);
  });

  it.each(KINDS.map((k) => [KIND_NAME[k], k] as const))('%s: backward accumulates (twice gives double)', (_n, kind) => {
    const p = problem({ kind, T: 4, B: 2, I: 5, H: 6 }, 60 + kind);
    const once = run(core, p);
    const twice = run(core, p, { init: once.grads });
    for (const g of GRAD_NAMES) {
      const want = once.grads[g].map((v) => 2 * v);
      expect(relErr(twice.grads[g], want), g).toBeLessThan(1e-6);
    }
  });

  it.each(KINDS.map((k) => [KIND_NAME[k], k] as const))('%s: a padded batch (dhs = 0 past each end) gives the gradients of its unpadded sequences', (_n, kind) => {
    const T = 6, B = 3, I = 4, H = 5;
    const lengths = [6, 4, 1];
    const p = problem({ kind, T, B, I, H }, 80 + kind);
    for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) if (t >= lengths[b]) p.dhs.fill(0, (t * B + b) * H, (t * B + b + 1) * H);
    const batch = run(core, p);
    // the same sequences one by one, accumulating the parameter gradients
    const sizes = gradSizes(p);
    let acc: Partial<Grads> = { dW: new Float32Array(sizes.dW), dU: new Float32Array(sizes.dU), dbih: new Float32Array(sizes.dbih), dbhh: new Float32Array(sizes.dbhh), dpeep: new Float32Array(sizes.dpeep) };
    for (let b = 0; b < B; b++) {
      const L = lengths[b];
      const q: Problem = {
        ...p, T: L, B: 1,
        x: new Float32Array(L * I), dhs: new Float32Array(L * H),
        h0: p.h0.slice(b * H, (b + 1) * H), c0: p.c0.slice(b * H, (b + 1) * H),
      };
      for (let t = 0; t < L; t++) {
        q.x.set(p.x.subarray((t * B + b) * I, (t * B + b + 1) * I), t * I);
        q.dhs.set(p.dhs.subarray((t * B + b) * H, (t * B + b + 1) * H), t * H);
      }
      const one = run(core, q, { init: acc });
      acc = { dW: one.grads.dW, dU: one.grads.dU, dbih: one.grads.dbih, dbhh: one.grads.dbhh, dpeep: one.grads.dpeep };
      // per-sequence gradients: inputs at real steps, the initial states; zero on padding
      for (let t = 0; t < T; t++) {
        const got = batch.grads.dx.subarray((t * B + b) * I, (t * B + b + 1) * I);
        const want = t < L ? one.grads.dx.subarray(t * I, (t + 1) * I) : new Float32Array(I);
        expect(relErr(got, want), `dx t=${t} b=${b}`).toBeLessThan(1e-5);
      }
      expect(relErr(batch.grads.dh0.subarray(b * H, (b + 1) * H), one.grads.dh0), `dh0 b=${b}`).toBeLessThan(1e-5);
      if (kind === 1 || kind === 2) expect(relErr(batch.grads.dc0.subarray(b * H, (b + 1) * H), one.grads.dc0), `dc0 b=${b}`).toBeLessThan(1e-5);
    }
    for (const g of ['dW', 'dU', 'dbih', 'dbhh', 'dpeep'] as const) {
      expect(relErr(batch.grads[g], acc[g]!), g).toBeLessThan(1e-5);
    }
  });
});

describe('cells: edge cases and contracts', () => {
  it.each(KINDS.map((k) => [KIND_NAME[k], k] as const))('%s: T = 0 leaves h0 and the gradients as they were', async (_n, kind) => {
    const core = await loadCore('debug');
    const p = problem({ kind, T: 0, B: 2, I: 3, H: 5 }, 5);
    const sizes = gradSizes(p);
    const r0 = filler(9);
    const init: Partial<Grads> = {};
    for (const g of GRAD_NAMES) init[g] = r0(sizes[g]);
    const res = run(core, p, { init });
    expect(Array.from(res.hs)).toEqual(Array.from(p.h0));
    for (const g of ['dW', 'dU', 'dbih', 'dbhh', 'dh0'] as const) expect(res.grads[g]).toEqual(init[g]);
  });

  it.each(KINDS.map((k) => [KIND_NAME[k], k] as const))('%s: saturated gates (pre-activations ~ ±1e3) stay finite and match the scalar twin', async (_n, kind) => {
    const core = await loadCore('relaxed');
    const p = problem({ kind, T: 6, B: 3, I: 5, H: 9 }, 300 + kind);
    for (const a of [p.W, p.U, p.bih, p.bhh]) for (let i = 0; i < a.length; i++) a[i] *= 500;
    const s = run(core, p), r = run(core, p, { scalar: true });
    for (const v of [s.hs, ...Object.values(s.grads)]) expect(v.every(Number.isFinite)).toBe(true);
    expect(Math.max(...Array.from(s.hs, Math.abs))).toBeLessThanOrEqual(1);
    // saturated units pass gradients of the size of rounding (1 − h² with h within an ulp of
    // ±1), so compare against the scale of dhs (≤ 1) rather than the tensor's own maximum
    for (const g of GRAD_NAMES) {
      const diff = maxAbs(s.grads[g].map((v, i) => v - r.grads[g][i]));
      expect(diff / Math.max(maxAbs(r.grads[g]), 1), g).toBeLessThan(TWIN_TOL);
    }
  });

  it('the debug build refuses tensors outside memory and bad kinds', async () => {
    const core = await loadCore('debug');
    const end = core.memory.buffer.byteLength;
    const f = core.fn('cell_forward');
    expect(() => f(1, end - 64, 0, 0, 0, 0, 0, 0, 2, 2, 2, 4)).toThrow(/kernel contract failed/);
    expect(() => core.fn('cell_packed_size')(7, 4, 4)).toThrow(/cell kind/);
    expect(() => core.fn('cell_work_size')(-1, 4, 4, 4)).toThrow(/cell kind/);
    expect(() => core.fn('cell_pack')(7, core.heapBase(), core.heapBase(), core.heapBase(), 1, 1)).toThrow(/cell kind/);
  });
});
