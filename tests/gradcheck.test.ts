// The model (f32, WebAssembly) against the float64 reference in tests/reference/, through the
// public model API: identical parameters (f32 values) in both, then loss, frames, outputs,
// every parameter gradient, the input gradient and dh0/dc0 of every layer must agree. Every
// cell variant, both heads, 1 and 2 layers, B ∈ {1, 3}, T ∈ {1, 5}, sizes with SIMD
// remainders (I=5, H=7, O=6), with and without masks and initial states, on every build;
// then wider shapes with saturated gates, and the paper's music sizes (88 in/out, LSTM-36,
// GRU-46, tanh-100) starting from the model's own initialisation.
//
// Tolerance, element by element: |model − ref| ≤ 1e-4·(1 + |ref|).
// Why this size: every value here is a sum of at most a few hundred products of O(1) numbers
// (T·B ≤ 15 frames, fan-in ≤ G·H = 28), and each f32 operation rounds by ≤ 6e-8 relative,
// so accumulated rounding stays near 1e-6·(1 + |ref|); the vectorised tanh/sigmoid
// approximations add ≤ 3e-7 absolute per gate (measured over [-10, 10]). 1e-4 leaves a margin
// of ~100× over that while a real mistake (a missing term, a wrong gate, a step off by one, a
// padded step counted) moves values by 1e-2 to 1. The worst observed ratio is printed per
// build (about 6e-7 on the small shapes, 1.4e-6 at the paper sizes, 2026-11-25).
//
// The saturated set below (weights ±1.5, inputs ±3, ~40 % of tanh units at |h| > 0.999) is
// ill-conditioned on purpose: 1 − h² of a saturated unit carries a large relative error, so the
// f64 reference itself moves by up to 1.8e-3·(1 + |g|) when its tanh is offset by 3e-7, the
// measured max error of the kernels' tanh (2.7e-7 to 3.0e-7 depending on the build; an offset
// of 8e-8 still moves it by 4.8e-4). There the tolerance is RTOL_SATURATED = 3e-3·(1 + |ref|):
// still well below what a wrong term or gate produces (1e-2 to 1).
//
// Padding: a batch with garbage in its padded steps (mask 0) must give bit-identical loss,
// gradients and state gradients to the same batch with other padding, and input gradients
// that are 0 at padded steps.
import { afterAll, describe, expect, it } from 'vitest';
import { createModel } from '../bindings/node.js';
import type { Model } from '../bindings/model/model.js';
import type { Batch, ModelConfig } from '../bindings/model/types.js';
import { forward as refForward, lossAndGrad as refLossAndGrad, paramShapes, Rng } from './reference/index.js';
import type { Params, RefBatch, RefConfig } from './reference/index.js';
import { VARIANTS, randomBatch, randomParams, withGarbagePadding } from './reference/testdata.js';

const BUILDS = ['relaxed', 'simd', 'debug'] as const;
const HEADS = ['bernoulli', 'softmax'] as const;
const I = 5, H = 7, O = 6;
const RTOL = 1e-4, RTOL_SATURATED = 3e-3;

/** Sequence lengths of the masked batches: variable within one batch (0 = all padding). */
const LENGTHS: Record<string, number[][]> = { '1x1': [[1]], '5x1': [[3]], '1x3': [[1, 1, 1], [1, 0, 1]], '5x3': [[5, 3, 1], [0, 5, 2]] };

function toModelBatch(cfg: RefConfig, b: RefBatch): Batch {
  return {
    T: b.T, B: b.B, x: Float32Array.from(b.x),
    y: cfg.head.type === 'softmax' ? Int32Array.from(b.y) : Float32Array.from(b.y),
    mask: b.mask ? Float32Array.from(b.mask) : undefined,
    h0: b.h0?.map((h) => Float32Array.from(h)),
    c0: b.c0?.map((c) => Float32Array.from(c)),
  };
}

/** Compares element by element; returns a line per tensor that breaks the tolerance. */
class Comparison {
  constructor(readonly rtol = RTOL) {}
  readonly mismatches: string[] = [];
  worst = 0;  // largest |model − ref| / (1 + |ref|) seen
  worstAt = '';
  check(what: string, got: ArrayLike<number>, want: ArrayLike<number>, only?: (k: number) => boolean): void {
    if (got.length !== want.length) { this.mismatches.push(`${what}: length ${got.length}, reference ${want.length}`); return; }
    let worst = 0, at = -1, bad = 0;
    for (let k = 0; k < want.length; k++) {
      if (only && !only(k)) continue;
      const e = Math.abs(got[k] - want[k]) / (1 + Math.abs(want[k]));
      if (!(e <= this.rtol)) bad++;
      if (!(e <= worst)) { worst = e; at = k; }
    }
    if (!(worst <= this.worst)) { this.worst = Number.isFinite(worst) ? worst : Infinity; this.worstAt = `${what}[${at}]`; }
    if (bad > 0) {
      this.mismatches.push(`${what}: ${bad}/${want.length} beyond tolerance, worst [${at}] model ${got[at]} ref ${want[at]} (|err|/(1+|ref|) = ${worst.toExponential(2)})`);
    }
  }
}

const worstByBuild: Record<string, number> = {};
const worstAtByBuild: Record<string, string> = {};
/** Keeps the largest error of a set of tests and where it was. */
function noteWorst(key: string, name: string, cmp: Comparison): void {
  if (!(cmp.worst <= (worstByBuild[key] ?? 0))) { worstByBuild[key] = cmp.worst; worstAtByBuild[key] = `${name}: ${cmp.worstAt}`; }
}

for (const build of BUILDS) {
  describe(`model = f64 reference, build '${build}'`, () => {
    afterAll(() => console.log(`[gradcheck] build ${build}: worst |model − ref|/(1 + |ref|) = ${worstByBuild[build]?.toExponential(2)} (${worstAtByBuild[build]})`));
    for (const v of VARIANTS) {
      for (const head of HEADS) {
        for (const layers of [1, 2]) {
          it(`${v.name}, ${head}, ${layers} layer${layers > 1 ? 's' : ''}`, async () => {
            const cfg: RefConfig = { ...v.cfg, inputSize: I, hiddenSize: H, layers, head: { type: head, size: O } };
            const m = await createModel(cfg as ModelConfig, { build });
            try {
              const rng = new Rng(1000 + layers);
              const p = randomParams(cfg, rng);
              expect(m.paramNames().sort()).toEqual(paramShapes(cfg).map(([n]) => n).sort());
              for (const [name, shape] of paramShapes(cfg)) {
                expect(m.paramShape(name), name).toEqual(shape);
                m.setParam(name, p[name]);
              }
              const cmp = new Comparison();
              for (const T of [1, 5]) {
                for (const B of [1, 3]) {
                  const plain = randomBatch(cfg, T, B, rng);
                  compare(cmp, `T=${T} B=${B} no mask`, m, cfg, p, plain);
                  for (const lengths of LENGTHS[`${T}x${B}`]) {
                    const masked = randomBatch(cfg, T, B, rng, { lengths, states: true });
                    compare(cmp, `T=${T} B=${B} lengths ${lengths} h0/c0`, m, cfg, p, masked);
                    if (Array.from(masked.mask!).includes(0)) checkPadding(m, cfg, masked, cmp);
                  }
                }
              }
              noteWorst(build, `${v.name} ${head} ${layers}L`, cmp);
              expect(cmp.mismatches).toEqual([]);
            } finally { m.dispose(); }
          });
        }
      }
    }
  });
}

// Wider shapes that cross the 4- and 8-wide SIMD tiles (I=9, H=17, O=11, B=5, T=7), two
// layers, mixed lengths, and weights and inputs large enough to drive most gates into
// saturation, where approximate activations are at their worst.
for (const build of BUILDS) {
  describe(`model = f64 reference, wider shapes and saturated gates, build '${build}'`, () => {
    afterAll(() => console.log(`[gradcheck] saturated, build ${build}: worst |model − ref|/(1 + |ref|) = ${worstByBuild['sat-' + build]?.toExponential(2)} (${worstAtByBuild['sat-' + build]})`));
    for (const v of VARIANTS) {
      for (const head of HEADS) {
        it(`${v.name}, ${head}`, async () => {
          const cfg: RefConfig = { ...v.cfg, inputSize: 9, hiddenSize: 17, layers: 2, head: { type: head, size: 11 } };
          const m = await createModel(cfg as ModelConfig, { build });
          try {
            const rng = new Rng(77);
            const p = randomParams(cfg, rng, 1.5);
            for (const [name] of paramShapes(cfg)) m.setParam(name, p[name]);
            const cmp = new Comparison(RTOL_SATURATED);
            const batch = randomBatch(cfg, 7, 5, rng, { lengths: [7, 6, 3, 1, 7], states: true, xScale: 3 });
            compare(cmp, 'T=7 B=5', m, cfg, p, batch);
            checkPadding(m, cfg, batch, cmp);
            noteWorst('sat-' + build, `${v.name} ${head}`, cmp);
            expect(cmp.mismatches).toEqual([]);
          } finally { m.dispose(); }
        });
      }
    }
  });
}

// The paper's music sizes (88 in, 88 out, Bernoulli head), starting from the model's own
// initialisation read back with getParam (biases set to random values so they matter).
const PAPER_SIZES = [
  { name: 'tanh-100', cfg: { unit: 'tanh', hiddenSize: 100 } },
  { name: 'LSTM-36', cfg: { unit: 'lstm', peepholes: false, hiddenSize: 36 } },
  { name: 'LSTM-36 peepholes', cfg: { unit: 'lstm', peepholes: true, hiddenSize: 36 } },
  { name: 'GRU-46 reset-after', cfg: { unit: 'gru', resetAfter: true, hiddenSize: 46 } },
  { name: 'GRU-46 reset-before', cfg: { unit: 'gru', resetAfter: false, hiddenSize: 46 } },
] as const;

for (const build of BUILDS) {
  describe(`model = f64 reference, paper sizes from the model's initialisation, build '${build}'`, () => {
    afterAll(() => console.log(`[gradcheck] paper sizes, build ${build}: worst |model − ref|/(1 + |ref|) = ${worstByBuild['paper-' + build]?.toExponential(2)} (${worstAtByBuild['paper-' + build]})`));
    for (const { name, cfg: unitCfg } of PAPER_SIZES) {
      it(name, async () => {
        const cfg: RefConfig = { ...unitCfg, inputSize: 88, head: { type: 'bernoulli', size: 88 } };
        const m = await createModel({ ...cfg, seed: 5 } as ModelConfig, { build });
        try {
          const rng = new Rng(3);
          const p: Params = {};
          for (const [pname] of paramShapes(cfg)) {
            if (pname.includes('bias')) m.setParam(pname, rng.f32Array(m.getParam(pname).length, -0.5, 0.5));
            p[pname] = Float64Array.from(m.getParam(pname));
          }
          const cmp = new Comparison();
          const batch = randomBatch(cfg, 12, 4, rng, { lengths: [12, 7, 1, 12], states: true });
          compare(cmp, 'T=12 B=4', m, cfg, p, batch);
          checkPadding(m, cfg, batch, cmp);
          noteWorst('paper-' + build, name, cmp);
          expect(cmp.mismatches).toEqual([]);
        } finally { m.dispose(); }
      });
    }
  });
}

// Streaming inference (m.stream(B).step) carries h and c between calls: its outputs, step by
// step, must be the reference's forward outputs for the whole sequence (zero initial state).
describe('model.stream() = f64 reference forward', () => {
  for (const v of VARIANTS) {
    it(`${v.name}, 2 layers, B=3, T=6`, async () => {
      const cfg: RefConfig = { ...v.cfg, inputSize: I, hiddenSize: H, layers: 2, head: { type: 'softmax', size: O } };
      const m = await createModel(cfg as ModelConfig, { build: 'relaxed' });
      try {
        const rng = new Rng(8);
        const p = randomParams(cfg, rng);
        for (const [name] of paramShapes(cfg)) m.setParam(name, p[name]);
        const batch = randomBatch(cfg, 6, 3, rng);
        const ref = refForward(cfg, p, batch);
        const cmp = new Comparison();
        const s = m.stream(3), n = 3 * I, no = 3 * O;
        for (let t = 0; t < 6; t++) {
          const out = s.step(Float32Array.from(batch.x).subarray(t * n, t * n + n));
          cmp.check(`step ${t} outputs`, out, ref.outputs.subarray(t * no, t * no + no));
        }
        expect(cmp.mismatches).toEqual([]);
      } finally { m.dispose(); }
    });
  }
});

function compare(cmp: Comparison, label: string, m: Model, cfg: RefConfig, p: Params, batch: RefBatch): void {
  const ref = refLossAndGrad(cfg, p, batch);
  const mb = toModelBatch(cfg, batch);
  // Without inputGrad first: the parameter gradients must not depend on it.
  m.lossAndGrad(mb);
  const without = Object.keys(p).map((name) => m.getGrad(name));
  const r = m.lossAndGrad(mb, { inputGrad: true });
  Object.keys(p).forEach((name, k) => {
    const g = m.getGrad(name);
    if (!without[k].every((v, j) => Object.is(v, g[j]))) cmp.mismatches.push(`${label} grad ${name} differs with and without inputGrad`);
  });
  cmp.check(`${label} loss`, [r.loss], [ref.loss]);
  if (r.frames !== ref.frames) cmp.mismatches.push(`${label} frames: model ${r.frames}, reference ${ref.frames}`);
  for (const name of Object.keys(p)) cmp.check(`${label} grad ${name}`, m.getGrad(name), ref.grads[name]);
  cmp.check(`${label} input grad`, m.getInputGrad(), ref.dx);
  for (let l = 0; l < (cfg.layers ?? 1); l++) {
    const s = m.getStateGrad(l);
    cmp.check(`${label} dh0[${l}]`, s.dh0, ref.dh0[l]);
    if (cfg.unit === 'lstm') {
      if (!s.dc0) cmp.mismatches.push(`${label} dc0[${l}]: missing`);
      else cmp.check(`${label} dc0[${l}]`, s.dc0, ref.dc0[l]);
    }
  }
  // forward(): loss and the probabilities at real steps (padded outputs are unspecified).
  const f = m.forward(mb);
  const fr = refForward(cfg, p, batch);
  cmp.check(`${label} forward loss`, [f.loss], [fr.loss]);
  const O = cfg.head.size, mask = batch.mask;
  cmp.check(`${label} outputs`, f.outputs, fr.outputs, (k) => !mask || mask[Math.floor(k / O)] !== 0);
}

/** Garbage in padded steps must not change anything the model reports. */
function checkPadding(m: Model, cfg: RefConfig, batch: RefBatch, cmp: Comparison): void {
  const label = `T=${batch.T} B=${batch.B} padding`;
  const run = (b: RefBatch) => {
    const r = m.lossAndGrad(toModelBatch(cfg, b), { inputGrad: true });
    const grads = m.paramNames().map((n) => m.getGrad(n));
    const states = Array.from({ length: cfg.layers ?? 1 }, (_, l) => m.getStateGrad(l));
    return { ...r, grads, dx: m.getInputGrad(), states };
  };
  const a = run(batch);
  for (const seed of [1, 2]) {
    const b = run(withGarbagePadding(cfg, batch, seed, seed === 1 ? 3 : 50));
    const same = (x: ArrayLike<number>, y: ArrayLike<number>) => x.length === y.length && Array.prototype.every.call(x, (v: number, k: number) => Object.is(v, y[k]) || v === y[k]);
    if (a.loss !== b.loss || a.frames !== b.frames) cmp.mismatches.push(`${label}: loss ${a.loss} → ${b.loss}, frames ${a.frames} → ${b.frames} with garbage padding (seed ${seed})`);
    m.paramNames().forEach((n, k) => { if (!same(a.grads[k], b.grads[k])) cmp.mismatches.push(`${label}: grad ${n} changed with garbage padding (seed ${seed})`); });
    a.states.forEach((s, l) => {
      if (!same(s.dh0, b.states[l].dh0)) cmp.mismatches.push(`${label}: dh0[${l}] changed with garbage padding (seed ${seed})`);
      if (s.dc0 && !same(s.dc0, b.states[l].dc0!)) cmp.mismatches.push(`${label}: dc0[${l}] changed with garbage padding (seed ${seed})`);
    });
    if (!same(a.dx, b.dx)) cmp.mismatches.push(`${label}: input grad changed with garbage padding (seed ${seed})`);
  }
  const Iin = cfg.inputSize;
  for (let k = 0; k < a.dx.length; k++) {
    if (batch.mask![Math.floor(k / Iin)] === 0 && a.dx[k] !== 0) { cmp.mismatches.push(`${label}: input grad ${a.dx[k]} at padded row ${Math.floor(k / Iin)}`); break; }
  }
}
