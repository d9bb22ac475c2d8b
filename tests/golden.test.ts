// The model API against PyTorch: golden values written by scripts/golden.py (nn.RNN(tanh),
// nn.LSTM, nn.GRU + nn.Linear head, 1 and 2 layers, both heads, masks with short sequences,
// non-zero h0/c0, three paper-size music models) are loaded through createModel + setParam
// and compared output by output, gradient by gradient, and over 3 optimizer steps, in each
// build (relaxed FMA, plain SIMD, and debug with its contract checks).
// GOLDEN_REPORT=1 prints the worst error seen per comparison, as a fraction of its tolerance.
//
// The golden numbers are PyTorch's float64 evaluation of float32 weights and inputs (the
// exact answer for our numbers); the core computes in float32. Tolerances, and why:
//   outputs (probabilities): |a − e| ≤ 1e-5·|e| + 1e-6. A float32 forward over T ≤ 10 steps
//     and dot products of length ≤ 200 accumulates a few hundred ulps at worst (~1e-5
//     relative); PyTorch's own float32 run stays within 6e-8 absolute of the float64 answer
//     (recorded as torchFloat32Error.outputsMaxAbs in each fixture and checked below to be
//     ≥ 10× under the tolerance).
//   loss: relative 1e-5 (a sum of up to 1760 positive terms; f64 accumulation in the core).
//   gradients (parameters, input, h0, c0): per tensor |a − e| ≤ 1e-4·|e| + 1e-5·max|e|.
//     BPTT sums T·B products of float32 values, and entries near zero are cancellations of
//     terms as large as the tensor's largest entry, so their error scales with max|e|, not
//     with |e|. PyTorch float32 stays within 2.6e-7·max|e| (torchFloat32Error.gradsMaxRel).
//   optimizer runs: each step's loss and the loss after 3 steps relative 1e-4; gradient norms
//     relative 1e-4; final bias_hh_l0 and head.bias |a − e| ≤ 1e-4·(|e| + max|e|). PyTorch's
//     float32 run of the same trajectories stays within 1.4e-7 (losses) and 2.8e-7 (params).
//     clip_grad_norm_ scales by max/(norm + 1e-6) where the core scales by max/norm: the
//     relative difference is recorded per run as clipRelDiff (≤ 3e-7) and is checked to be
//     far under the tolerance.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { inCI } from './helpers/env.js';
import { createModel, type Model } from '../bindings/node.js';
import { KernelError } from '../bindings/errors.js';
import { lossAndGrad as refLossAndGrad } from './reference/index.js';
import type { Batch, ModelConfig } from '../bindings/model/types.js';
import type { OptimizerConfig } from '../bindings/optim/optimizer.js';
import type { BuildKind } from '../bindings/wasm.js';

// --------------------------------------------------------------------------- tolerances

const OUT_RTOL = 1e-5, OUT_ATOL = 1e-6;
const LOSS_RTOL = 1e-5;
const GRAD_RTOL = 1e-4, GRAD_ATOL_OF_MAX = 1e-5;
const OPT_LOSS_RTOL = 1e-4, OPT_NORM_RTOL = 1e-4, OPT_PARAM_TOL = 1e-4;

// --------------------------------------------------------------------------- fixtures

const DIR = new URL('./fixtures/golden/', import.meta.url);

type Encoded =
  | { shape: number[]; data: number[] }
  | { shape: number[]; encoding: 'int8-base64'; scale: number; data: string };
type GradEncoded = number[] | { encoding: 'samples'; samples: [number, number][]; sum: number; l1: number; l2: number };

interface OptimRun {
  optimizer: OptimizerConfig;
  torch: string;
  clipNorm: number | null;
  steps: number;
  losses: number[];
  finalLoss: number;
  gradNorms: number[];
  final: Record<string, number[]>;
  clipRelDiff?: number;
  torchFloat32Error: { lossesMaxRel: number; finalMaxRel: number };
}

interface GoldenCase {
  name: string;
  description: string;
  config: ModelConfig & { layers: number };
  T: number; B: number;
  lengths: number[];
  frames: number;
  paramNames: string[];
  params: Record<string, Encoded>;
  x: number[]; y: number[]; mask: number[];
  h0: number[][] | null; c0: number[][] | null;
  loss: number;
  outputs: number[];
  grads: Record<string, GradEncoded>;
  inputGrad: number[];
  dh0: number[][]; dc0: number[][] | null;
  torchFloat32Error: { outputsMaxAbs: number; lossRel: number; gradsMaxRel: number; inputGradMaxRel: number; dh0MaxRel: number };
  optim: OptimRun[];
}

function readJson<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, DIR), 'utf8')) as T;
}

const CASES: GoldenCase[] = readJson<{ cases: string[] }>('index.json').cases.map((n) => readJson<GoldenCase>(`${n}.json`));

const GATES = { tanh: 1, lstm: 4, gru: 3 } as const;
const numel = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

function decodeParam(p: Encoded): Float32Array {
  if ('encoding' in p) {
    const bytes = Buffer.from(p.data, 'base64');
    const out = new Float32Array(bytes.length);
    for (let i = 0; i < bytes.length; i++) out[i] = ((bytes[i] << 24) >> 24) * p.scale;
    return out;
  }
  return Float32Array.from(p.data);
}

function expectedShapes(c: GoldenCase['config']): Map<string, number[]> {
  const G = GATES[c.unit], H = c.hiddenSize, m = new Map<string, number[]>();
  for (let l = 0; l < c.layers; l++) {
    m.set(`weight_ih_l${l}`, [G * H, l === 0 ? c.inputSize : H]);
    m.set(`weight_hh_l${l}`, [G * H, H]);
    m.set(`bias_ih_l${l}`, [G * H]);
    m.set(`bias_hh_l${l}`, [G * H]);
  }
  m.set('head.weight', [c.head.size, H]);
  m.set('head.bias', [c.head.size]);
  return m;
}

function batchOf(gc: GoldenCase, withStates = true): Batch {
  const b: Batch = {
    T: gc.T, B: gc.B,
    x: Float32Array.from(gc.x),
    y: gc.config.head.type === 'softmax' ? Int32Array.from(gc.y) : Float32Array.from(gc.y),
    mask: Float32Array.from(gc.mask),
  };
  if (withStates && gc.h0) b.h0 = gc.h0.map((s) => Float32Array.from(s));
  if (withStates && gc.c0) b.c0 = gc.c0.map((s) => Float32Array.from(s));
  return b;
}

// --------------------------------------------------------------------------- comparison

/** Worst err/allowed ratio seen per comparison kind (printed with GOLDEN_REPORT=1). */
const WORST = new Map<string, number>();
let statKey = '';

/** Largest violation of |a − e| ≤ rtol·|e| + atol over the selected entries, as a message;
 *  '' when every entry is inside. */
function mismatch(what: string, a: ArrayLike<number>, e: ArrayLike<number>, rtol: number, atol: number,
  select: (i: number) => boolean = () => true): string {
  if (a.length !== e.length) return `${what}: length ${a.length}, expected ${e.length}`;
  let worst = -1, worstRatio = 0;
  for (let i = 0; i < e.length; i++) {
    if (!select(i)) continue;
    const err = Math.abs(a[i] - e[i]), allowed = rtol * Math.abs(e[i]) + atol;
    const ratio = err / allowed;
    if (!(ratio <= worstRatio)) { worst = i; worstRatio = ratio; }
  }
  record(what, worstRatio);
  if (worst < 0 || worstRatio <= 1) return '';
  return `${what}[${worst}] = ${a[worst]}, expected ${e[worst]} (|diff| ${Math.abs(a[worst] - e[worst]).toExponential(2)} is ${worstRatio.toFixed(1)}× the tolerance)`;
}

function record(what: string, ratio: number): void {
  if (!statKey) return;
  const k = `${statKey} ${what.replace(/[[(].*$/, '').replace(/ (weight|bias|head)\S*$/, '').trim()}`;
  WORST.set(k, Math.max(WORST.get(k) ?? 0, Number.isNaN(ratio) ? Infinity : ratio));
}

afterAll(() => {
  if (process.env.GOLDEN_REPORT !== '1') return;
  const rows = [...WORST.entries()].map(([k, v]) => `${k.padEnd(40)} worst error = ${v.toExponential(2)} × tolerance`);
  console.log(['golden: worst error relative to tolerance per comparison', ...rows].join('\n'));
});

const maxAbs = (e: ArrayLike<number>): number => { let m = 0; for (let i = 0; i < e.length; i++) m = Math.max(m, Math.abs(e[i])); return m; };

function gradMismatch(what: string, a: ArrayLike<number>, e: ArrayLike<number>): string {
  return mismatch(what, a, e, GRAD_RTOL, GRAD_ATOL_OF_MAX * maxAbs(e));
}

/** A sampled gradient (paper-size fixtures): the samples entry-wise, and sum/L1/L2 over all entries. */
function sampledMismatch(what: string, a: Float32Array, g: Exclude<GradEncoded, number[]>): string {
  let sum = 0, l1 = 0, l2 = 0;
  for (let i = 0; i < a.length; i++) { sum += a[i]; l1 += Math.abs(a[i]); l2 += a[i] * a[i]; }
  l2 = Math.sqrt(l2);
  const scale = maxAbs(a);
  let worst = Math.max(Math.abs(l2 - g.l2) / (GRAD_RTOL * g.l2), Math.abs(l1 - g.l1) / (GRAD_RTOL * g.l1), Math.abs(sum - g.sum) / (GRAD_RTOL * g.l1));
  for (const [i, v] of g.samples) worst = Math.max(worst, Math.abs(a[i] - v) / (GRAD_RTOL * Math.abs(v) + GRAD_ATOL_OF_MAX * scale));
  record(what, worst);
  for (const [i, v] of g.samples) {
    const err = Math.abs(a[i] - v), allowed = GRAD_RTOL * Math.abs(v) + GRAD_ATOL_OF_MAX * scale;
    if (!(err <= allowed)) return `${what}[${i}] = ${a[i]}, expected ${v} (|diff| ${err.toExponential(2)} > ${allowed.toExponential(2)})`;
  }
  if (!(Math.abs(l2 - g.l2) <= GRAD_RTOL * g.l2)) return `${what}: L2 norm ${l2}, expected ${g.l2}`;
  if (!(Math.abs(l1 - g.l1) <= GRAD_RTOL * g.l1)) return `${what}: L1 norm ${l1}, expected ${g.l1}`;
  if (!(Math.abs(sum - g.sum) <= GRAD_RTOL * g.l1)) return `${what}: sum ${sum}, expected ${g.sum} (tolerance ${GRAD_RTOL} × L1)`;
  return '';
}

const relErr = (a: number, e: number): number => Math.abs(a - e) / Math.abs(e);

// --------------------------------------------------------------------------- fixture checks

describe('golden fixtures are internally consistent', () => {
  it('lists the expected cases', () => {
    expect(CASES.map((c) => c.name)).toEqual([
      'tanh_l1_bernoulli', 'tanh_l2_softmax', 'lstm_l1_softmax', 'lstm_l2_bernoulli', 'gru_l1_bernoulli',
      'gru_l2_softmax', 'lstm36_music', 'gru46_music', 'tanh100_music',
    ]);
  });

  for (const gc of CASES) {
    describe(gc.name, () => {
      const c = gc.config, { T, B } = gc, H = c.hiddenSize, O = c.head.size, L = c.layers;

      it('shapes follow the config and PyTorch names', () => {
        const want = expectedShapes(c);
        expect(gc.paramNames).toEqual([...want.keys()]);
        for (const [n, shape] of want) {
          expect(gc.params[n].shape, n).toEqual(shape);
          expect(decodeParam(gc.params[n]).length, n).toBe(numel(shape));
          const g = gc.grads[n];
          if (Array.isArray(g)) expect(g.length, n).toBe(numel(shape));
          else for (const [i] of g.samples) expect(i).toBeLessThan(numel(shape));
        }
        expect(gc.x.length).toBe(T * B * c.inputSize);
        expect(gc.inputGrad.length).toBe(T * B * c.inputSize);
        expect(gc.y.length).toBe(c.head.type === 'softmax' ? T * B : T * B * O);
        expect(gc.outputs.length).toBe(T * B * O);
        expect(gc.dh0.length).toBe(L);
        for (const d of gc.dh0) expect(d.length).toBe(B * H);
        expect(gc.dc0 === null).toBe(c.unit !== 'lstm');
        if (gc.h0) expect(gc.h0.map((s) => s.length)).toEqual(new Array(L).fill(B * H));
        if (c.unit === 'lstm') expect(gc.h0 === null).toBe(gc.c0 === null);
        if (c.unit === 'lstm') expect(c.peepholes).toBe(false);
        if (c.unit === 'gru') expect(c.resetAfter).toBe(true);
      });

      it('mask: left-aligned sequences, at least one shorter than T, frames = Σ mask', () => {
        let frames = 0;
        for (let b = 0; b < B; b++) {
          for (let t = 0; t < T; t++) {
            expect(gc.mask[t * B + b], `mask t=${t} b=${b}`).toBe(t < gc.lengths[b] ? 1 : 0);
            frames += gc.mask[t * B + b];
          }
        }
        expect(Math.min(...gc.lengths)).toBeLessThan(T);
        expect(frames).toBe(gc.frames);
      });

      it('outputs are probabilities, and the loss is their NLL over unmasked frames', () => {
        let loss = 0;
        for (let i = 0; i < T * B; i++) {
          const p = gc.outputs.slice(i * O, (i + 1) * O);
          for (const v of p) { expect(v).toBeGreaterThan(0); expect(v).toBeLessThan(1); }
          if (c.head.type === 'softmax') expect(Math.abs(p.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-7);
          if (!gc.mask[i]) continue;
          if (c.head.type === 'softmax') loss -= Math.log(p[gc.y[i]]);
          else for (let o = 0; o < O; o++) { const y = gc.y[i * O + o]; loss -= y * Math.log(p[o]) + (1 - y) * Math.log1p(-p[o]); }
        }
        expect(relErr(loss, gc.loss)).toBeLessThan(1e-6);
      });

      it('head.bias gradient = Σ over unmasked frames of (p − y)', () => {
        const want = new Float64Array(O);
        for (let i = 0; i < T * B; i++) {
          if (!gc.mask[i]) continue;
          for (let o = 0; o < O; o++) {
            const y = c.head.type === 'softmax' ? (gc.y[i] === o ? 1 : 0) : gc.y[i * O + o];
            want[o] += gc.outputs[i * O + o] - y;
          }
        }
        const g = gc.grads['head.bias'];
        if (Array.isArray(g)) {
          expect(mismatch('head.bias grad', g, want, 1e-6, 1e-7)).toBe('');
        } else {
          for (const [o, v] of g.samples) expect(Math.abs(v - want[o])).toBeLessThan(1e-6);
          expect(Math.abs(g.sum - want.reduce((a, b) => a + b, 0))).toBeLessThan(1e-5);
        }
      });

      it('bias_ih and bias_hh gradients agree where the biases simply add', () => {
        for (let l = 0; l < L; l++) {
          const gi = gc.grads[`bias_ih_l${l}`], gh = gc.grads[`bias_hh_l${l}`];
          // GRU: the n block of bias_hh sits inside the reset product, so only r and z agree.
          const n = c.unit === 'gru' ? 2 * H : GATES[c.unit] * H;
          if (Array.isArray(gi) && Array.isArray(gh)) expect(gi.slice(0, n)).toEqual(gh.slice(0, n));
          else if (!Array.isArray(gi) && !Array.isArray(gh) && c.unit !== 'gru') expect(gi.sum).toBe(gh.sum);
        }
      });

      it('padding does not leak: the input gradient is zero at masked frames', () => {
        const I = c.inputSize;
        for (let i = 0; i < T * B; i++) {
          if (gc.mask[i]) continue;
          for (let k = 0; k < I; k++) expect(gc.inputGrad[i * I + k]).toBe(0);
        }
        expect(maxAbs(gc.inputGrad)).toBeGreaterThan(0);
      });

      it("PyTorch's own float32 error is at least 10× inside our tolerances", () => {
        const f = gc.torchFloat32Error;
        expect(f.outputsMaxAbs).toBeLessThan(OUT_ATOL / 10);
        expect(f.lossRel).toBeLessThan(LOSS_RTOL / 10);
        expect(f.gradsMaxRel).toBeLessThan(GRAD_ATOL_OF_MAX / 10);
        expect(f.inputGradMaxRel).toBeLessThan(GRAD_ATOL_OF_MAX / 10);
        expect(f.dh0MaxRel).toBeLessThan(GRAD_ATOL_OF_MAX / 10);
        for (const r of gc.optim) {
          expect(r.torchFloat32Error.lossesMaxRel).toBeLessThan(OPT_LOSS_RTOL / 10);
          expect(r.torchFloat32Error.finalMaxRel).toBeLessThan(OPT_PARAM_TOL / 10);
        }
      });

      it('optimizer runs: 4 optimizers without and with clipping; clipping engages; the runs start at the loss', () => {
        expect(gc.optim.map((r) => `${r.optimizer.type}:${'momentum' in r.optimizer ? r.optimizer.momentum : '-'}:${r.clipNorm !== null}`)).toEqual([
          'sgd:0.9:false', 'rmsprop:-:false', 'rmsprop:0.9:false', 'adam:-:false',
          'sgd:0.9:true', 'rmsprop:-:true', 'rmsprop:0.9:true', 'adam:-:true',
        ]);
        for (const r of gc.optim) {
          expect(r.losses.length).toBe(3);
          expect(relErr(r.losses[0], gc.loss)).toBeLessThan(1e-12);
          expect(r.finalLoss).toBeLessThan(r.losses[0]); // every run makes progress
          if (r.clipNorm !== null) {
            for (const n of r.gradNorms) expect(n).toBeGreaterThan(r.clipNorm);
            expect(r.clipRelDiff!).toBeLessThan(OPT_LOSS_RTOL / 100);
          }
        }
      });
    });
  }
});

// --------------------------------------------------------------------------- the f64 reference

// tests/reference is a float64 implementation written from docs/DESIGN.md; it must reproduce
// PyTorch's float64 numbers to the 9 digits the fixtures keep. This checks the fixtures'
// meaning (orientation, gate order, z convention, masking) independently of the core.
describe('float64 reference (tests/reference) reproduces the golden values', () => {
  const REF_RTOL = 1e-7, REF_ATOL_OF_MAX = 1e-8;
  for (const gc of CASES) {
    it(gc.name, () => {
      statKey = '';
      const p: Record<string, Float64Array> = {};
      for (const n of gc.paramNames) p[n] = Float64Array.from(decodeParam(gc.params[n]));
      const r = refLossAndGrad(gc.config, p, {
        T: gc.T, B: gc.B, x: gc.x, y: gc.y, mask: gc.mask, h0: gc.h0 ?? undefined, c0: gc.c0 ?? undefined,
      });
      expect(relErr(r.loss, gc.loss)).toBeLessThan(1e-9);
      expect(r.frames).toBe(gc.frames);
      const close = (what: string, a: ArrayLike<number>, e: ArrayLike<number>) => mismatch(what, a, e, REF_RTOL, REF_ATOL_OF_MAX * maxAbs(e));
      const bad = [close('outputs', r.outputs, gc.outputs), close('input grad', r.dx, gc.inputGrad)];
      for (const n of gc.paramNames) {
        const g = gc.grads[n];
        if (Array.isArray(g)) bad.push(close(`grad ${n}`, r.grads[n], g));
        else {
          const a = r.grads[n];
          for (const [i, v] of g.samples) if (!(Math.abs(a[i] - v) <= REF_RTOL * Math.abs(v) + REF_ATOL_OF_MAX * g.l2)) bad.push(`grad ${n}[${i}] = ${a[i]}, expected ${v}`);
          const l2 = Math.sqrt(a.reduce((s, v) => s + v * v, 0));
          if (!(Math.abs(l2 - g.l2) <= REF_RTOL * g.l2)) bad.push(`grad ${n}: L2 ${l2}, expected ${g.l2}`);
        }
      }
      for (let l = 0; l < gc.config.layers; l++) {
        bad.push(close(`dh0[${l}]`, r.dh0[l], gc.dh0[l]));
        if (gc.dc0) bad.push(close(`dc0[${l}]`, r.dc0[l], gc.dc0[l]));
      }
      expect(bad.filter((s) => s !== '')).toEqual([]);
    });
  }
});

// --------------------------------------------------------------------------- the model API

/** Whether the core has every kernel the model calls; if not (the core is being written),
 *  the model tests skip with a message, except in CI where that is a failure. */
async function coreReady(build: BuildKind): Promise<boolean> {
  const probe: ModelConfig = { unit: 'lstm', inputSize: 2, hiddenSize: 3, layers: 1, head: { type: 'bernoulli', size: 2 } };
  let m: Model | undefined;
  try {
    m = await createModel(probe, { build });
    const batch: Batch = { T: 2, B: 1, x: new Float32Array(4), y: new Float32Array(4) };
    m.forward(batch);
    m.lossAndGrad(batch, { inputGrad: true });
    for (const o of [{ type: 'sgd', lr: 0.1 }, { type: 'rmsprop', lr: 0.1 }, { type: 'adam', lr: 0.1 }] as const) {
      m.setOptimizer(o);
      m.trainStep(batch, { clipNorm: 1 });
    }
    return true;
  } catch (e) {
    if (e instanceof KernelError && /has no export/.test(e.message)) {
      if (inCI) throw new Error(`GATEDRNN_CI is set but the core is incomplete: ${e.message}`);
      console.warn(`[skip] golden model tests (${build}): ${e.message}`);
      return false;
    }
    throw e;
  } finally {
    m?.dispose();
  }
}

const BUILDS: BuildKind[] = ['relaxed', 'simd', 'debug'];
const READY = new Map<BuildKind, boolean>();
for (const build of BUILDS) READY.set(build, await coreReady(build));

for (const build of BUILDS) {
  describe(`model API (${build} build) against PyTorch`, () => {
    const ready = READY.get(build)!;

    for (const gc of CASES) {
      describe.skipIf(!ready)(gc.name, () => {
        let m: Model;
        const c = gc.config, { T, B } = gc, O = c.head.size;
        const setParams = (): void => { for (const n of gc.paramNames) m.setParam(n, decodeParam(gc.params[n])); };

        beforeAll(async () => {
          m = await createModel(c, { build });
          expect(m.paramNames()).toEqual(gc.paramNames);
          for (const n of gc.paramNames) expect(m.paramShape(n), n).toEqual(gc.params[n].shape);
          setParams();
          for (const n of gc.paramNames) expect(m.getParam(n), `${n} round trip`).toEqual(decodeParam(gc.params[n]));
        });

        it('forward: outputs and loss', () => {
          statKey = build;
          const r = m.forward(batchOf(gc));
          record('loss', relErr(r.loss, gc.loss) / LOSS_RTOL);
          expect(r.frames).toBe(gc.frames);
          expect(relErr(r.loss, gc.loss), `loss ${r.loss} vs ${gc.loss}`).toBeLessThan(LOSS_RTOL);
          // Outputs at padding steps are not part of the contract; compare the real steps.
          expect(mismatch('outputs', r.outputs, gc.outputs, OUT_RTOL, OUT_ATOL, (i) => gc.mask[Math.floor(i / O)] === 1)).toBe('');
        });

        it('lossAndGrad: loss, every parameter gradient, input gradient, dh0/dc0', () => {
          // Zero initial states are given by omitting h0/c0 (the default), non-zero ones explicitly.
          statKey = build;
          const r = m.lossAndGrad(batchOf(gc), { inputGrad: true });
          expect(r.frames).toBe(gc.frames);
          expect(relErr(r.loss, gc.loss), `loss ${r.loss} vs ${gc.loss}`).toBeLessThan(LOSS_RTOL);
          const bad: string[] = [];
          for (const n of gc.paramNames) {
            const g = gc.grads[n], a = m.getGrad(n);
            const msg = Array.isArray(g) ? gradMismatch(`grad ${n}`, a, g) : sampledMismatch(`grad ${n}`, a, g);
            if (msg) bad.push(msg);
          }
          bad.push(gradMismatch('input grad', m.getInputGrad(), gc.inputGrad));
          for (let l = 0; l < c.layers; l++) {
            const s = m.getStateGrad(l);
            bad.push(gradMismatch(`dh0[${l}]`, s.dh0, gc.dh0[l]));
            if (gc.dc0) bad.push(gradMismatch(`dc0[${l}]`, s.dc0!, gc.dc0[l]));
          }
          expect(bad.filter((s) => s !== '')).toEqual([]);
        });

        for (const [ri, run] of gc.optim.entries()) {
          const label = `${run.torch}${run.clipNorm !== null ? ` + clip_grad_norm_(${run.clipNorm})` : ''}`;
          it(`trainStep × ${run.steps}: ${label}`, () => {
            statKey = `${build} ${run.optimizer.type}${run.clipNorm !== null ? '+clip' : ''}`;
            setParams();
            m.setOptimizer(run.optimizer);
            const opts = run.clipNorm !== null ? { clipNorm: run.clipNorm } : {};
            const bad: string[] = [];
            for (let s = 0; s < run.steps; s++) {
              const r = m.trainStep(batchOf(gc), opts);
              record('step loss', relErr(r.loss, run.losses[s]) / OPT_LOSS_RTOL);
              record('step gradNorm', relErr(r.gradNorm, run.gradNorms[s]) / OPT_NORM_RTOL);
              if (!(relErr(r.loss, run.losses[s]) <= OPT_LOSS_RTOL)) bad.push(`run ${ri} step ${s}: loss ${r.loss}, expected ${run.losses[s]}`);
              if (!(relErr(r.gradNorm, run.gradNorms[s]) <= OPT_NORM_RTOL)) bad.push(`run ${ri} step ${s}: gradNorm ${r.gradNorm}, expected ${run.gradNorms[s]}`);
            }
            const f = m.forward(batchOf(gc));
            record('final loss', relErr(f.loss, run.finalLoss) / OPT_LOSS_RTOL);
            if (!(relErr(f.loss, run.finalLoss) <= OPT_LOSS_RTOL)) bad.push(`run ${ri}: loss after ${run.steps} steps ${f.loss}, expected ${run.finalLoss}`);
            for (const [n, e] of Object.entries(run.final)) {
              bad.push(mismatch(`final ${n}`, m.getParam(n), e, OPT_PARAM_TOL, OPT_PARAM_TOL * maxAbs(e)));
            }
            expect(bad.filter((s) => s !== '')).toEqual([]);
          });
        }
      });
    }
  });
}
