// The benchmark's ONNX writer (bench/lib/onnx.mjs) turns our weights into an ONNX RNN / LSTM
// (with peepholes P) / GRU (linear_before_reset 0 or 1) graph with a sigmoid head. ONNX Runtime
// must then compute what the plain-TypeScript baseline computes, for every cell variant and
// for shapes where the gate reordering and transposes would show (I ≠ H ≠ O, T, B > 1).
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web';
import { BaselineRnn, type BaselineConfig } from '../bench/baseline/rnn.js';
// @ts-expect-error plain ES module without types
import { buildOnnxModel } from '../bench/lib/onnx.mjs';

ort.env.wasm.numThreads = 1;

const VARIANTS: Pick<BaselineConfig, 'unit' | 'peepholes' | 'resetAfter'>[] = [
  { unit: 'tanh' },
  { unit: 'lstm', peepholes: false },
  { unit: 'lstm', peepholes: true },
  { unit: 'gru', resetAfter: true },
  { unit: 'gru', resetAfter: false },
];

describe('ONNX graph of the benchmark against the baseline', () => {
  for (const v of VARIANTS) {
    it(`${JSON.stringify(v)}: same probabilities`, async () => {
      const T = 6, B = 3, I = 5, H = 7, O = 4;
      const net = new BaselineRnn({ ...v, inputSize: I, hiddenSize: H, outputSize: O, T, B });
      net.init(13);
      for (let i = 0; i < net.params.length; i++) net.params[i] *= 3; // saturate some gates
      const views: Record<string, Float32Array> = {};
      for (const e of net.layout) {
        const n = e.shape.reduce((a, b) => a * b, 1);
        views[e.name] = (net.params as Float32Array).subarray(e.offset, e.offset + n);
      }
      const x = new Float32Array(T * B * I).map((_, i) => Math.sin(1.7 * i));
      net.forward(x);
      const p = new Float32Array(T * B * O);
      net.probabilities(p);

      const bytes: Uint8Array = buildOnnxModel({ ...v, I, H, O, T, B }, views);
      const session = await ort.InferenceSession.create(bytes);
      const out = await session.run({ x: new ort.Tensor('float32', x, [T, B, I]) });
      const q = out.p.data as Float32Array;
      expect(q.length).toBe(p.length);
      let m = 0;
      for (let i = 0; i < p.length; i++) m = Math.max(m, Math.abs(p[i] - q[i]));
      expect(m).toBeLessThan(1e-5);
      // Not trivially equal: the outputs vary across frames.
      expect(Math.max(...p) - Math.min(...p)).toBeGreaterThan(0.02);
      await session.release();
    });
  }
});
