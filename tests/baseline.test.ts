// The benchmark's pure-TypeScript baseline (bench/baseline/rnn.ts) must compute the right
// thing before its speed means anything: finite-difference gradient checks in float64 for
// every cell variant and every parameter, a hand-computed forward, the RMSProp update rule,
// and float32 against float64.
import { describe, expect, it } from 'vitest';
import { BaselineRnn, type BaselineConfig } from '../bench/baseline/rnn.js';

const VARIANTS: { name: string; cfg: Pick<BaselineConfig, 'unit' | 'peepholes' | 'resetAfter'> }[] = [
  { name: 'tanh', cfg: { unit: 'tanh' } },
  { name: 'lstm', cfg: { unit: 'lstm' } },
  { name: 'lstm+peepholes', cfg: { unit: 'lstm', peepholes: true } },
  { name: 'gru reset-after', cfg: { unit: 'gru', resetAfter: true } },
  { name: 'gru reset-before', cfg: { unit: 'gru', resetAfter: false } },
];

function data(T: number, B: number, I: number, O: number, seed: number): { x: Float64Array; y: Float64Array } {
  let s = seed;
  const rnd = (): number => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648; };
  const x = new Float64Array(T * B * I).map(() => 2 * rnd() - 1);
  const y = new Float64Array(T * B * O).map(() => (rnd() < 0.4 ? 1 : 0));
  return { x, y };
}

describe('baseline RNN gradients (central differences, float64)', () => {
  for (const v of VARIANTS) {
    it(`${v.name}: every parameter`, () => {
      const T = 4, B = 3, I = 3, H = 4, O = 2;
      const net = new BaselineRnn({ ...v.cfg, inputSize: I, hiddenSize: H, outputSize: O, T, B, f64: true });
      net.init(7);
      // Larger weights than init() so that the gates leave their linear region.
      for (let i = 0; i < net.params.length; i++) net.params[i] *= 4;
      const { x, y } = data(T, B, I, O, 11);
      net.lossAndGrad(x, y);
      const g = Float64Array.from(net.grads);
      const eps = 1e-5;
      let worst = 0;
      for (let i = 0; i < net.params.length; i++) {
        const p = net.params[i];
        net.params[i] = p + eps;
        const lp = net.forward(x, y);
        net.params[i] = p - eps;
        const lm = net.forward(x, y);
        net.params[i] = p;
        const fd = (lp - lm) / (2 * eps);
        const err = Math.abs(fd - g[i]) / Math.max(1e-3, Math.abs(fd) + Math.abs(g[i]));
        worst = Math.max(worst, err);
      }
      expect(worst).toBeLessThan(2e-5);
      // And the gradients are not trivially zero: every tensor has a non-zero entry.
      for (const e of net.layout) {
        const n = e.shape.reduce((a, b) => a * b, 1);
        const norm = g.subarray(e.offset, e.offset + n).reduce((s, q) => s + q * q, 0);
        expect(norm, e.name).toBeGreaterThan(0);
      }
    });
  }
});

describe('baseline RNN forward', () => {
  it('tanh-RNN, one step, by hand', () => {
    const net = new BaselineRnn({ unit: 'tanh', inputSize: 2, hiddenSize: 1, outputSize: 1, T: 2, B: 1, f64: true });
    // layout W (2,1), U (1,1), bih (1), bhh (1), V (1,1), c (1)
    net.params.set([0.5, -0.25, 0.8, 0.1, -0.2, 1.5, 0.3]);
    const x = [1, 2, -1, 0.5];
    net.forward(x);
    const h1 = Math.tanh(0.5 * 1 - 0.25 * 2 + 0.1 - 0.2);
    const h2 = Math.tanh(0.5 * -1 - 0.25 * 0.5 + 0.8 * h1 + 0.1 - 0.2);
    const hs = net.hidden();
    expect(hs[1]).toBeCloseTo(h1, 14);
    expect(hs[2]).toBeCloseTo(h2, 14);
    const p = new Float64Array(2);
    net.probabilities(p);
    expect(p[1]).toBeCloseTo(1 / (1 + Math.exp(-(1.5 * h2 + 0.3))), 14);
  });

  it('GRU reset-after and reset-before differ only through r', () => {
    const mk = (resetAfter: boolean): BaselineRnn => {
      const n = new BaselineRnn({ unit: 'gru', resetAfter, inputSize: 3, hiddenSize: 5, outputSize: 2, T: 6, B: 2, f64: true });
      n.init(3);
      return n;
    };
    const a = mk(true), b = mk(false);
    const { x, y } = data(6, 2, 3, 2, 5);
    expect(a.forward(x, y)).not.toBeCloseTo(b.forward(x, y), 6);
    // With r ≡ 1 (huge r bias) and bhh_n = 0 both forms are the same function.
    for (const n of [a, b]) {
      const bih = n.layout.find((e) => e.name === 'bih')!;
      const bhh = n.layout.find((e) => e.name === 'bhh')!;
      for (let j = 0; j < 5; j++) { n.params[bih.offset + j] = 60; n.params[bhh.offset + 10 + j] = 0; }
    }
    expect(a.forward(x, y)).toBeCloseTo(b.forward(x, y), 10);
  });

  it('float32 agrees with float64', () => {
    for (const v of VARIANTS) {
      const cfg = { ...v.cfg, inputSize: 5, hiddenSize: 7, outputSize: 3, T: 9, B: 4 };
      const a = new BaselineRnn({ ...cfg, f64: true });
      const b = new BaselineRnn(cfg);
      a.init(9);
      b.params.set(a.params);
      const { x, y } = data(9, 4, 5, 3, 2);
      const la = a.lossAndGrad(x, y);
      const lb = b.lossAndGrad(Float32Array.from(x), Float32Array.from(y));
      expect(Math.abs(la - lb) / la).toBeLessThan(1e-5);
      let num = 0, den = 0;
      for (let i = 0; i < a.grads.length; i++) { num += (a.grads[i] - b.grads[i]) ** 2; den += a.grads[i] ** 2; }
      expect(Math.sqrt(num / den)).toBeLessThan(1e-4);
    }
  });
});

describe('baseline RMSProp', () => {
  it('follows the rmsprop_step rule of docs/DESIGN.md', () => {
    const net = new BaselineRnn({ unit: 'tanh', inputSize: 2, hiddenSize: 2, outputSize: 1, T: 3, B: 1, f64: true });
    net.init(4);
    const { x, y } = data(3, 1, 2, 1, 8);
    const o = { lr: 0.01, decay: 0.95, momentum: 0.9, eps: 1e-6, floor: 0.01 };
    const p0 = Float64Array.from(net.params);
    net.trainStep(x, y, o);
    const g1 = Float64Array.from(net.grads);
    const p1 = Float64Array.from(net.params);
    net.trainStep(x, y, o);
    const g2 = Float64Array.from(net.grads);
    for (let i = 0; i < p0.length; i++) {
      const ms1 = 0.05 * g1[i] ** 2;
      const v1 = -o.lr * g1[i] / Math.max(Math.sqrt(ms1) + o.eps, o.floor);
      expect(p1[i]).toBeCloseTo(p0[i] + v1, 14);
      const ms2 = 0.95 * ms1 + 0.05 * g2[i] ** 2;
      const v2 = 0.9 * v1 - o.lr * g2[i] / Math.max(Math.sqrt(ms2) + o.eps, o.floor);
      expect(net.params[i]).toBeCloseTo(p1[i] + v2, 14);
    }
  });
});
