// Keras-layout weights (bindings/model/keras.ts, docs/KERAS.md).
//  - Golden: tests/fixtures/keras/<case>.json (scripts/keras_golden.py, a float64 numpy
//    implementation of Keras' SimpleRNN, LSTM and GRU — both reset_after forms — with a Dense
//    head) converted with kerasToStateDict give Keras' top-layer sequence, final states (h, c)
//    and Dense logits, and the head's outputs equal Keras' Dense activation of those logits.
//    Keras is batch-major (B, T, ·), we are time-major (T, B, ·): inputs and outputs are
//    transposed here.
//  - Round trip: stateDictToKeras ∘ kerasToStateDict is the identity, bit for bit.
//  - Bad input: every wrong shape is a ShapeError naming the Keras tensor.
// Tolerance as in tests/golden.test.ts: |a − e| ≤ 1e-5·|e| + 1e-6 (the golden values are float64
// on float32 weights and inputs; the core computes in float32).
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createModel, type Model } from '../bindings/node.js';
import { ConfigError, ShapeError, ValueError } from '../bindings/errors.js';
import {
  kerasToStateDict, stateDictToKeras, loadKerasWeights,
  type KerasActivation, type KerasRecurrentWeights, type KerasTensor, type KerasOptions,
} from '../bindings/model/keras.js';
import type { Batch } from '../bindings/model/types.js';
import type { BuildKind } from '../bindings/wasm.js';

const RTOL = 1e-5, ATOL = 1e-6;
const DIR = new URL('./fixtures/keras/', import.meta.url);
const CASE_NAMES = ['simplernn_l1', 'simplernn_l2', 'lstm_l1', 'lstm_l2', 'gru_after_l1', 'gru_after_l2', 'gru_before_l1', 'gru_before_l2'];
const BUILDS: BuildKind[] = ['relaxed', 'simd', 'debug'];

interface Json { shape: number[]; data: number[] }
interface KerasCase {
  case: string;
  keras: { class: 'SimpleRNN' | 'LSTM' | 'GRU'; units: number; reset_after?: boolean };
  sizes: { I: number; H: number; O: number; T: number; B: number; layers: number };
  layers: { kernel: Json; recurrent_kernel: Json; bias: Json }[];
  dense: { kernel: Json; bias: Json; activation: KerasActivation };
  x: Json;
  initialState: Json[][] | null;
  expected: { sequence: Json; final: { h: Json; c?: Json }[]; logits: Json };
}

const CASES: KerasCase[] = CASE_NAMES.map((n) => JSON.parse(readFileSync(new URL(`${n}.json`, DIR), 'utf8')) as KerasCase);
const UNIT = { SimpleRNN: 'tanh', LSTM: 'lstm', GRU: 'gru' } as const;

/** The case's Keras weights as kerasToStateDict takes them (Float32Array data, as from numpy). */
function kerasInput(kc: KerasCase): { layers: KerasRecurrentWeights[]; opts: KerasOptions } {
  const t = (j: Json): KerasTensor => ({ shape: j.shape, data: Float32Array.from(j.data) });
  return {
    layers: kc.layers.map((l) => ({ kernel: t(l.kernel), recurrentKernel: t(l.recurrent_kernel), bias: t(l.bias) })),
    opts: { unit: UNIT[kc.keras.class], dense: { kernel: t(kc.dense.kernel), bias: t(kc.dense.bias), activation: kc.dense.activation } },
  };
}

/** (B, T, D) ⇄ (T, B, D). */
function swap01(a: ArrayLike<number>, n0: number, n1: number, D: number): Float64Array {
  const out = new Float64Array(n0 * n1 * D);
  for (let i = 0; i < n0; i++) for (let j = 0; j < n1; j++) for (let d = 0; d < D; d++) out[(j * n0 + i) * D + d] = a[(i * n1 + j) * D + d];
  return out;
}

/** Keras' Dense activation of (N, O) logits, in float64. */
function activate(z: ArrayLike<number>, O: number, act: KerasActivation): Float64Array {
  const out = Float64Array.from(z);
  if (act === 'sigmoid') for (let i = 0; i < out.length; i++) out[i] = 1 / (1 + Math.exp(-out[i]));
  if (act === 'softmax') {
    for (let r = 0; r < out.length; r += O) {
      let m = -Infinity, s = 0;
      for (let o = 0; o < O; o++) m = Math.max(m, out[r + o]);
      for (let o = 0; o < O; o++) s += (out[r + o] = Math.exp(out[r + o] - m));
      for (let o = 0; o < O; o++) out[r + o] /= s;
    }
  }
  return out;
}

/** The largest |a − e| and the largest error as a multiple of the tolerance. */
function measure(a: ArrayLike<number>, e: ArrayLike<number>): { maxAbs: number; ratio: number; worst: string } {
  expect(a.length).toBe(e.length);
  let maxAbs = 0, ratio = 0, worst = '';
  for (let i = 0; i < e.length; i++) {
    const err = Math.abs(a[i] - e[i]), r = err / (RTOL * Math.abs(e[i]) + ATOL);
    maxAbs = Math.max(maxAbs, err);
    if (!(r <= ratio)) { ratio = r; worst = `[${i}] = ${a[i]}, expected ${e[i]}`; }
  }
  return { maxAbs, ratio, worst };
}

const report: string[] = [];
afterAll(() => { if (report.length) console.log(`Keras golden, max |a − e| (× tolerance):\n${report.join('\n')}`); });

// --------------------------------------------------------------------------- golden outputs

describe.each(BUILDS)('Keras golden outputs (%s build)', (build) => {
  it.each(CASES.map((c) => [c.case, c] as const))('%s', async (_name, kc) => {
    const { I, H, O, T, B, layers } = kc.sizes;
    const { layers: kl, opts } = kerasInput(kc);
    const conv = kerasToStateDict(kl, opts);
    expect(conv.config).toMatchObject({ unit: UNIT[kc.keras.class], inputSize: I, hiddenSize: H, layers });
    expect(conv.config.resetAfter).toBe(kc.keras.reset_after);
    expect(conv.config.head).toEqual({ type: kc.dense.activation === 'softmax' ? 'softmax' : 'bernoulli', size: O });

    let model: Model | undefined;
    try {
      model = await createModel(conv.config, { build });
      loadKerasWeights(model, kl, opts);
      const sd = model.stateDict();
      for (const [name, data] of Object.entries(conv.tensors)) expect(sd[name], name).toEqual(data);

      const batch: Batch = { T, B, x: Float32Array.from(swap01(kc.x.data, B, T, I)) };
      if (kc.initialState) {
        batch.h0 = kc.initialState.map((s) => Float32Array.from(s[0].data));
        if (kc.keras.class === 'LSTM') batch.c0 = kc.initialState.map((s) => Float32Array.from(s[1].data));
      }
      const r = model.forward(batch, { hidden: true, logits: true, finalStates: true });
      const logits = swap01(kc.expected.logits.data, B, T, O);
      const checks: [string, ArrayLike<number>, ArrayLike<number>][] = [
        ['sequence', r.hidden!, swap01(kc.expected.sequence.data, B, T, H)],
        ['logits', r.logits!, logits],
        ['outputs', r.outputs, activate(logits, O, kc.dense.activation)],
      ];
      for (let l = 0; l < layers; l++) {
        checks.push([`h_n[${l}]`, r.finalStates!.h[l], kc.expected.final[l].h.data]);
        if (kc.expected.final[l].c) checks.push([`c_n[${l}]`, r.finalStates!.c![l], kc.expected.final[l].c!.data]);
      }
      const parts: string[] = [];
      for (const [what, a, e] of checks) {
        const m = measure(a, e);
        parts.push(`${what} ${m.maxAbs.toExponential(1)} (${m.ratio.toFixed(2)})`);
        expect(m.ratio, `${kc.case} ${what}${m.worst}`).toBeLessThanOrEqual(1);
      }
      report.push(`  ${build} ${kc.case}: ${parts.join(', ')}`);
    } finally {
      model?.dispose();
    }
  });
});

// --------------------------------------------------------------------------- round trip

describe('Keras round trip', () => {
  it.each(CASES.map((c) => [c.case, c] as const))('%s: stateDictToKeras ∘ kerasToStateDict is exact', async (_name, kc) => {
    const { layers: kl, opts } = kerasInput(kc);
    const conv = kerasToStateDict(kl, opts);
    const back = stateDictToKeras(conv);
    expect(back.layerClass).toBe(kc.keras.class);
    expect(back.resetAfter).toBe(kc.keras.reset_after);
    expect(back.layers.length).toBe(kl.length);
    for (const [l, layer] of back.layers.entries()) {
      for (const k of ['kernel', 'recurrentKernel', 'bias'] as const) {
        const want = kl[l][k]!;
        expect(layer[k].shape, `layers[${l}].${k}`).toEqual(want.shape);
        expect(layer[k].data, `layers[${l}].${k}`).toEqual(want.data);
      }
    }
    expect(back.dense!.kernel).toEqual(opts.dense!.kernel);
    expect(back.dense!.bias).toEqual(opts.dense!.bias);
    expect(back.dense!.activation).toBe(kc.dense.activation);
    // and the other way: our tensors → Keras → our tensors, also through a model's arena
    const model = await createModel(conv.config);
    try {
      model.loadStateDict(conv.tensors);
      const again = kerasToStateDict(stateDictToKeras(model).layers, { unit: opts.unit, dense: stateDictToKeras(model).dense });
      expect(again.tensors).toEqual(conv.tensors);
      expect(again.config).toEqual(conv.config);
    } finally {
      model.dispose();
    }
  });

  it('a single Keras bias goes to bias_ih, with bias_hh zero; use_bias=False gives zeros', () => {
    const kc = CASES.find((c) => c.case === 'lstm_l1')!, { layers: kl } = kerasInput(kc);
    const sd = kerasToStateDict(kl, { unit: 'lstm' }).tensors;
    expect(sd.bias_ih_l0).toEqual(kl[0].bias!.data);   // i f c o = i f g o
    expect(sd.bias_hh_l0).toEqual(new Float32Array(28));
    expect(Object.keys(sd)).toEqual(['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0']); // no Dense: no head
    const noBias = kerasToStateDict([[kl[0].kernel, kl[0].recurrentKernel]], { unit: 'lstm' }).tensors;
    expect(noBias.bias_ih_l0).toEqual(new Float32Array(28));
    expect(noBias.weight_ih_l0).toEqual(sd.weight_ih_l0);
  });

  it('the GRU gate blocks move: Keras z r h ⇄ our r z n', () => {
    const H = 2, I = 1, k = (shape: number[], f: (i: number) => number): KerasTensor => ({ shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => f(i)) });
    // Keras kernel (1, 6): z z r r h h = 0 1 | 2 3 | 4 5; reset_after=True bias rows 10.. and 20..
    const sd = kerasToStateDict([{ kernel: k([I, 3 * H], (i) => i), recurrentKernel: k([H, 3 * H], (i) => 100 + i), bias: k([2, 3 * H], (i) => (i < 6 ? 10 + i : 20 + i - 6)) }], { unit: 'gru' });
    expect(sd.config.resetAfter).toBe(true);
    expect([...sd.tensors.weight_ih_l0]).toEqual([2, 3, 0, 1, 4, 5]);              // (3H, I): r r z z n n
    expect([...sd.tensors.bias_ih_l0]).toEqual([12, 13, 10, 11, 14, 15]);
    expect([...sd.tensors.bias_hh_l0]).toEqual([22, 23, 20, 21, 24, 25]);
    // recurrent_kernel (H, 3H) row-major 100..111 → weight_hh (3H, H): row r_j holds column 2 + j
    expect([...sd.tensors.weight_hh_l0]).toEqual([102, 108, 103, 109, 100, 106, 101, 107, 104, 110, 105, 111]);
  });

  it('a model trained here goes to Keras with bias_ih + bias_hh in its single bias', async () => {
    const model = await createModel({ unit: 'gru', resetAfter: false, inputSize: 3, hiddenSize: 4, head: { type: 'softmax', size: 5 } });
    try {
      const bhh = Float32Array.from({ length: 12 }, (_, i) => 0.25 * (i + 1));
      model.setParam('bias_hh_l0', bhh);
      const bih = model.getParam('bias_ih_l0'), kw = stateDictToKeras(model);
      expect(kw.layerClass).toBe('GRU');
      expect(kw.resetAfter).toBe(false);
      expect(kw.layers[0].bias.shape).toEqual([12]);
      expect(kw.dense!.activation).toBe('softmax');
      const ours = kerasToStateDict(kw.layers, { unit: 'gru', dense: kw.dense }).tensors.bias_ih_l0;
      for (let i = 0; i < 12; i++) expect(ours[i]).toBe(Math.fround(bih[i] + bhh[i]));
    } finally {
      model.dispose();
    }
  });
});

// --------------------------------------------------------------------------- bad input

describe('Keras weights that do not fit are refused', () => {
  const gru = kerasInput(CASES.find((c) => c.case === 'gru_after_l2')!);
  const lstm = kerasInput(CASES.find((c) => c.case === 'lstm_l1')!);
  const refuse = (f: () => unknown, type: new (...a: never[]) => Error, msg: RegExp) => {
    let err: unknown;
    try { f(); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(type);
    expect((err as Error).message).toMatch(msg);
  };
  const t = (shape: number[], fill = 0.1): KerasTensor => ({ shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(fill) });

  it('wrong shapes: ShapeError naming the tensor', () => {
    refuse(() => kerasToStateDict(gru.layers, { ...gru.opts, unit: 'lstm' }), ShapeError, /layers\[0\]\.recurrentKernel.*\[7,21\].*\[7,28\].*unit 'gru'/);
    refuse(() => kerasToStateDict([gru.layers[0], { ...gru.layers[1], kernel: t([5, 21]) }], gru.opts), ShapeError, /layers\[1\]\.kernel.*\[5,21\].*\[7,21\].*every layer must have 7/);
    refuse(() => kerasToStateDict([gru.layers[0], { ...gru.layers[1], recurrentKernel: t([6, 18]) }], gru.opts), ShapeError, /layers\[1\]\.recurrentKernel/);
    refuse(() => kerasToStateDict([{ ...gru.layers[0], kernel: { shape: [5, 21], data: new Float32Array(104) } }], gru.opts), ShapeError, /layers\[0\]\.kernel: shape \[5,21\] holds 105 values, data has 104/);
    refuse(() => kerasToStateDict(gru.layers, { ...gru.opts, resetAfter: false }), ShapeError, /layers\[0\]\.bias.*reset_after=True.*reset_after=False/);
    refuse(() => kerasToStateDict([gru.layers[0], { ...gru.layers[1], bias: t([21]) }], gru.opts), ShapeError, /layers\[1\]\.bias/);
    refuse(() => kerasToStateDict([{ ...lstm.layers[0], bias: t([2, 28]) }], lstm.opts), ShapeError, /layers\[0\]\.bias: Keras shape \[2,28\].*\[28\]/);
    refuse(() => kerasToStateDict(lstm.layers, { ...lstm.opts, dense: { kernel: t([6, 3]) } }), ShapeError, /dense\.kernel.*\[6,3\]/);
    refuse(() => kerasToStateDict(lstm.layers, { ...lstm.opts, dense: { kernel: t([7, 3]), bias: t([4]) } }), ShapeError, /dense\.bias.*\[4\].*\[3\]/);
    refuse(() => kerasToStateDict([[lstm.layers[0].kernel]], lstm.opts), ShapeError, /layers\[0\]: get_weights\(\)/);
    refuse(() => kerasToStateDict([], lstm.opts), ShapeError, /non-empty/);
    refuse(() => kerasToStateDict([{ ...lstm.layers[0], kernel: undefined as unknown as KerasTensor }], lstm.opts), ShapeError, /layers\[0\]\.kernel: expected \{ shape, data \}/);
  });

  it('bad values and options: ValueError / ConfigError', () => {
    const bad = Float32Array.from(lstm.layers[0].kernel.data as Float32Array); bad[7] = NaN;
    refuse(() => kerasToStateDict([{ ...lstm.layers[0], kernel: { shape: [5, 28], data: bad } }], lstm.opts), ValueError, /layers\[0\]\.kernel: element 7 is NaN/);
    refuse(() => kerasToStateDict(lstm.layers, { unit: 'conv' as 'lstm' }), ConfigError, /unit/);
    refuse(() => kerasToStateDict(lstm.layers, { unit: 'lstm', resetAfter: true }), ConfigError, /resetAfter applies to the GRU only/);
    refuse(() => kerasToStateDict([[gru.layers[0].kernel, gru.layers[0].recurrentKernel]], { unit: 'gru' }), ConfigError, /without bias.*resetAfter/);
    refuse(() => kerasToStateDict(lstm.layers, { ...lstm.opts, dense: { ...lstm.opts.dense!, activation: 'relu' as 'linear' } }), ConfigError, /dense\.activation/);
    refuse(() => stateDictToKeras({ config: { unit: 'lstm', peepholes: true, inputSize: 2, hiddenSize: 2 }, tensors: {} }), ConfigError, /peepholes/);
    refuse(() => stateDictToKeras({ config: { unit: 'lstm', inputSize: 2, hiddenSize: 2 }, tensors: {} }), ShapeError, /weight_ih_l0 \[8,2\] is missing/);
  });

  it('loadKerasWeights refuses a model the weights do not describe, before writing anything', async () => {
    const other = await createModel({ unit: 'lstm', inputSize: 5, hiddenSize: 8, head: { type: 'bernoulli', size: 3 } });
    const headless = await createModel({ unit: 'lstm', inputSize: 5, hiddenSize: 7 });
    const gruBefore = await createModel({ unit: 'gru', resetAfter: false, inputSize: 5, hiddenSize: 7, layers: 2, head: { type: 'softmax', size: 3 } });
    try {
      const before = other.stateDict();
      refuse(() => loadKerasWeights(other, lstm.layers, lstm.opts), ConfigError, /lstm 1-layer I=5 H=7; this model is lstm 1-layer I=5 H=8/);
      expect(other.stateDict()).toEqual(before);
      refuse(() => loadKerasWeights(headless, lstm.layers, lstm.opts), ConfigError, /Dense head.*no head/);
      loadKerasWeights(headless, lstm.layers, { unit: 'lstm' });               // the recurrent layer alone
      expect(headless.getParam('weight_ih_l0')).toEqual(kerasToStateDict(lstm.layers, { unit: 'lstm' }).tensors.weight_ih_l0);
      refuse(() => loadKerasWeights(gruBefore, gru.layers, gru.opts), ConfigError, /reset-after.*reset-before/);
    } finally {
      other.dispose(); headless.dispose(); gruBefore.dispose();
    }
  });
});
