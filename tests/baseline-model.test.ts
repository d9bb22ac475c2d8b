// The benchmark compares our model with the plain-TypeScript baseline (bench/baseline/rnn.ts),
// so both must compute the same function: same weights → same loss, same gradients (in
// PyTorch orientation), same outputs, and the same parameters after an RMSProp step.
import { describe, expect, it } from 'vitest';
import { createModel } from '../bindings/node.js';
import { BaselineRnn, type BaselineConfig } from '../bench/baseline/rnn.js';

const VARIANTS: { name: string; cfg: Pick<BaselineConfig, 'unit' | 'peepholes' | 'resetAfter'> }[] = [
  { name: 'tanh', cfg: { unit: 'tanh' } },
  { name: 'lstm', cfg: { unit: 'lstm', peepholes: false } },
  { name: 'lstm+peepholes', cfg: { unit: 'lstm', peepholes: true } },
  { name: 'gru reset-after', cfg: { unit: 'gru', resetAfter: true } },
  { name: 'gru reset-before', cfg: { unit: 'gru', resetAfter: false } },
];

const T = 7, B = 5, I = 6, H = 9, O = 4;

function transpose(a: ArrayLike<number>, K: number, N: number): Float32Array {
  const out = new Float32Array(K * N);
  for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) out[n * K + k] = a[k * N + n];
  return out;
}

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) { num += (a[i] - b[i]) ** 2; den += b[i] ** 2; }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

function data(seed: number): { x: Float32Array; y: Float32Array } {
  let s = seed;
  const rnd = (): number => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648; };
  return {
    x: new Float32Array(T * B * I).map(() => 2 * rnd() - 1),
    y: new Float32Array(T * B * O).map(() => (rnd() < 0.3 ? 1 : 0)),
  };
}

/** The baseline (float64) and our model with the same weights. */
async function pair(cfg: VariantCfg) {
  const base = new BaselineRnn({ ...cfg, inputSize: I, hiddenSize: H, outputSize: O, T, B, f64: true });
  base.init(5);
  for (let i = 0; i < base.params.length; i++) base.params[i] *= 2; // leave the linear regime
  const modelCfg: Parameters<typeof createModel>[0] = { unit: cfg.unit, inputSize: I, hiddenSize: H, head: { type: 'bernoulli', size: O } };
  if (cfg.unit === 'lstm') modelCfg.peepholes = !!cfg.peepholes;
  if (cfg.unit === 'gru') modelCfg.resetAfter = cfg.resetAfter !== false;
  const model = await createModel(modelCfg);
  const GH = base.G * H;
  const names: Record<string, [string, number, number] | [string]> = {
    W: ['weight_ih_l0', I, GH], U: ['weight_hh_l0', H, GH], bih: ['bias_ih_l0'], bhh: ['bias_hh_l0'],
    peep: ['weight_peephole_l0'], V: ['head.weight', H, O], c: ['head.bias'],
  };
  // Baseline tensor (our layout) → the model's PyTorch-orientation tensor, for params and grads.
  const torchView = (flat: ArrayLike<number>, e: BaselineRnn['layout'][number]): Float32Array => {
    const n = e.shape.reduce((a, b) => a * b, 1);
    const v = Array.from({ length: n }, (_, i) => flat[e.offset + i]);
    const m = names[e.name];
    return m.length === 3 ? transpose(v, m[1], m[2]) : Float32Array.from(v);
  };
  for (const e of base.layout) model.setParam(names[e.name][0], torchView(base.params, e));
  return { base, model, names, torchView };
}
type VariantCfg = (typeof VARIANTS)[number]['cfg'];

describe('baseline (bench) against our model', () => {
  for (const v of VARIANTS) {
    it(`${v.name}: loss, gradients and outputs agree`, async () => {
      const { base, model, names, torchView } = await pair(v.cfg);
      const { x, y } = data(17);
      const lb = base.lossAndGrad(x, y);
      const r = model.lossAndGrad({ T, B, x, y });
      expect(r.frames).toBe(T * B);
      expect(Math.abs(r.loss - lb) / lb).toBeLessThan(1e-5);
      for (const e of base.layout) {
        const mine = model.getGrad(names[e.name][0]);
        expect(relErr(mine, torchView(base.grads, e)), e.name).toBeLessThan(1e-4);
      }
      base.forward(x);
      const p = new Float64Array(T * B * O);
      base.probabilities(p);
      const out = model.forward({ T, B, x, y }).outputs;
      let m = 0;
      for (let i = 0; i < p.length; i++) m = Math.max(m, Math.abs(out[i] - p[i]));
      expect(m).toBeLessThan(1e-5);
      model.dispose();
    });
  }

  it('one RMSProp step gives the same parameters', async () => {
    const { base, model, names, torchView } = await pair({ unit: 'lstm', peepholes: true });
    const { x, y } = data(23);
    const o = { lr: 1e-2, decay: 0.9, momentum: 0.9, eps: 1e-6, floor: 0 };
    model.setOptimizer({ type: 'rmsprop', ...o, centered: false });
    for (let s = 0; s < 2; s++) {
      base.trainStep(x, y, o);
      model.trainStep({ T, B, x, y });
    }
    for (const e of base.layout) {
      expect(relErr(model.getParam(names[e.name][0]), torchView(base.params, e)), e.name).toBeLessThan(1e-4);
    }
    model.dispose();
  });
});
