// Bad input at every public entry of the model: a typed error that names the problem, never a
// WebAssembly trap, and no state changed by a call that failed.
import { describe, it, expect } from 'vitest';
import { createModel, modelFromSafetensors, modelToSafetensors, encodeSafetensors, decodeSafetensors,
  ConfigError, ShapeError, ValueError, EmptyError, FormatError, DisposedError, type Batch } from '../bindings/node.js';

const cfg = { unit: 'lstm' as const, inputSize: 4, hiddenSize: 5, head: { type: 'bernoulli' as const, size: 3 } };

function batch(T = 3, B = 2, I = 4, O = 3): Batch {
  return { T, B, x: new Float32Array(T * B * I).fill(0.5), y: new Float32Array(T * B * O).fill(1) };
}

describe('model config', () => {
  it.each([
    [{ ...cfg, unit: 'relu' }, /config.unit/],
    [{ ...cfg, hiddenSize: 0 }, /hiddenSize/],
    [{ ...cfg, inputSize: 2.5 }, /inputSize/],
    [{ ...cfg, layers: -1 }, /layers/],
    [{ ...cfg, head: { type: 'poisson', size: 3 } }, /head.type/],
    [{ ...cfg, head: { type: 'softmax', size: 1 } }, /at least 2 classes/],
    [{ ...cfg, unit: 'gru', peepholes: true }, /peepholes applies to the LSTM/],
    [{ ...cfg, resetAfter: false }, /resetAfter applies to the GRU/],
    [{ ...cfg, seed: -3 }, /seed/],
  ])('rejects %j', async (c, msg) => {
    await expect(createModel(c as never)).rejects.toThrow(ConfigError);
    await expect(createModel(c as never)).rejects.toThrow(msg);
  });
});

describe('batches', () => {
  it('names wrong sizes', async () => {
    const m = await createModel(cfg);
    expect(() => m.lossAndGrad({ ...batch(), x: new Float32Array(5) })).toThrow(ShapeError);
    expect(() => m.lossAndGrad({ ...batch(), x: new Float32Array(5) })).toThrow(/batch.x .* has 5 values; \(T=3, B=2\) needs 24/);
    expect(() => m.lossAndGrad({ ...batch(), y: new Float32Array(17) })).toThrow(/batch.y/);
    expect(() => m.lossAndGrad({ ...batch(), mask: new Float32Array(2) })).toThrow(/mask/);
    expect(() => m.lossAndGrad({ ...batch(), h0: [new Float32Array(3)] })).toThrow(/h0\[0\] must have B·H = 10/);
    expect(() => m.lossAndGrad({ ...batch(), T: 2.5 } as Batch)).toThrow(ShapeError);
    expect(() => m.lossAndGrad(undefined as unknown as Batch)).toThrow(ShapeError);
  });
  it('rejects empty batches and sequences', async () => {
    const m = await createModel(cfg);
    expect(() => m.lossAndGrad(batch(0, 2))).toThrow(EmptyError);
    expect(() => m.lossAndGrad(batch(3, 0))).toThrow(EmptyError);
  });
  it('names NaN and Infinity with their index', async () => {
    const m = await createModel(cfg);
    const b = batch();
    b.x[7] = NaN;
    expect(() => m.lossAndGrad(b)).toThrow(ValueError);
    expect(() => m.lossAndGrad(b)).toThrow(/batch.x: element 7 is NaN/);
    const c = batch();
    c.x[0] = -Infinity;
    expect(() => m.forward(c)).toThrow(/element 0 is -Infinity/);
    const d = batch();
    d.y[2] = 2;
    expect(() => m.lossAndGrad(d)).toThrow(/batch.y\[2\] = 2 is not a probability/);
  });
  it('checks class labels of a softmax head', async () => {
    const m = await createModel({ ...cfg, head: { type: 'softmax', size: 3 } });
    const b = { T: 2, B: 1, x: new Float32Array(8), y: Int32Array.of(1, 3) };
    expect(() => m.lossAndGrad(b)).toThrow(/batch.y\[1\] = 3 .* not a class index in 0..2/);
    expect(() => m.lossAndGrad({ ...b, y: Int32Array.of(-1, 0) })).toThrow(ValueError);
    // A padded row may carry any label; a bad label written in place is caught too.
    expect(m.lossAndGrad({ ...b, y: Int32Array.of(1, -1), mask: Float32Array.of(1, 0) }).frames).toBe(1);
    const v = m.batchViews(2, 1);
    v.x.fill(0); v.mask.fill(1); (v.y as Int32Array).set([0, 7]);
    expect(() => m.lossAndGradInPlace(2, 1)).toThrow(/batch y\[1\] = 7 .* not a class index/);
  });
  it('in-place batches must be laid out first and be finite', async () => {
    const m = await createModel(cfg);
    expect(() => m.trainStepInPlace(3, 2)).toThrow(ConfigError); // no optimizer yet
    m.setOptimizer({ type: 'sgd', lr: 0.1 });
    expect(() => m.lossAndGradInPlace(7, 7)).toThrow(/call batchViews\(7, 7\)/);
    const v = m.batchViews(3, 2);
    v.x.fill(0.1); v.y.fill(0); v.mask.fill(1);
    v.x[5] = Infinity;
    expect(() => m.lossAndGradInPlace(3, 2)).toThrow(/batch x: element 5 is Infinity/);
  });
});

describe('parameters, training, streaming', () => {
  it('setParam checks name, size and values', async () => {
    const m = await createModel(cfg);
    expect(() => m.setParam('weight_ih_l1', new Float32Array(80))).toThrow(/no parameter 'weight_ih_l1'/);
    expect(() => m.setParam('weight_ih_l0', new Float32Array(3))).toThrow(/expected 80 values for shape \[20,4\], got 3/);
    const bad = new Float32Array(80); bad[9] = NaN;
    expect(() => m.setParam('weight_ih_l0', bad)).toThrow(/weight_ih_l0: element 9 is NaN/);
  });
  it('optimizer options are checked', async () => {
    const m = await createModel(cfg);
    expect(() => m.setOptimizer({ type: 'adam', lr: -1 })).toThrow(ConfigError);
    expect(() => m.setOptimizer({ type: 'rmsprop', lr: 0.1, eps: 0, floor: 0 })).toThrow(/eps > 0 or floor > 0/);
    expect(() => m.setOptimizer({ type: 'nesterov', lr: 1 } as never)).toThrow(/optimizer.type/);
    m.setOptimizer({ type: 'sgd', lr: 0.1 });
    expect(() => m.trainStep(batch(), { clipNorm: 0 })).toThrow(/clipNorm/);
    expect(() => m.trainStep(batch(), { weightNoise: -1 })).toThrow(/weightNoise/);
  });
  it('a diverging step leaves the parameters untouched', async () => {
    const m = await createModel(cfg);
    m.setParam('head.weight', new Float32Array(15).fill(3e38)); // logits overflow to Infinity
    m.setParam('bias_ih_l0', new Float32Array(20).fill(10));
    const before = m.getParam('head.weight');
    m.setOptimizer({ type: 'sgd', lr: 0.1 });
    const b = batch();
    b.y.fill(0);
    expect(() => m.trainStep(b)).toThrow(/diverged: .* parameters were not updated/);
    expect(m.getParam('head.weight')).toEqual(before);
  });
  it('stream steps check their input', async () => {
    const m = await createModel(cfg);
    const s = m.stream(2);
    expect(() => s.step(new Float32Array(3))).toThrow(/B·I = 8/);
    expect(() => s.step(new Float32Array(8).fill(NaN))).toThrow(ValueError);
    expect(() => m.stream(0)).toThrow(ShapeError);
    const p = s.step(new Float32Array(8).fill(0.5));
    expect(p.length).toBe(6);
  });
  it('input and state gradients are not served from a stale batch layout', async () => {
    const m = await createModel(cfg);
    m.lossAndGrad(batch(), { inputGrad: true });
    expect(m.getInputGrad().length).toBe(24);
    m.stream(1).step(new Float32Array(4));
    expect(() => m.getInputGrad()).toThrow(/no input gradient/);
    expect(() => m.getStateGrad(0)).toThrow(/no state gradient/);
  });
  it('a disposed model refuses every call', async () => {
    const m = await createModel(cfg);
    m.dispose();
    expect(() => m.forward(batch())).toThrow(DisposedError);
    expect(() => m.getParam('head.bias')).toThrow(DisposedError);
  });
});

describe('model files', () => {
  it('rejects a file whose tensors do not fit its config', async () => {
    const m = await createModel(cfg);
    const file = decodeSafetensors(modelToSafetensors(m));
    const t = new Map(file.tensors);
    t.set('weight_hh_l0', { shape: [20, 4], data: new Float32Array(80) });
    await expect(modelFromSafetensors(encodeSafetensors(t, file.metadata))).rejects.toThrow(/'weight_hh_l0' has shape \[20,4\], the config needs \[20,5\]/);
    const missing = new Map(file.tensors); missing.delete('bias_hh_l0');
    await expect(modelFromSafetensors(encodeSafetensors(missing, file.metadata))).rejects.toThrow(/'bias_hh_l0' \[20\] is missing/);
    const extra = new Map(file.tensors); extra.set('weight_ih_l1', { shape: [1], data: new Float32Array(1) });
    await expect(modelFromSafetensors(encodeSafetensors(extra, file.metadata))).rejects.toThrow(/unexpected tensor 'weight_ih_l1'/);
    const nan = new Map(file.tensors); nan.set('head.bias', { shape: [3], data: Float32Array.of(0, NaN, 0) });
    await expect(modelFromSafetensors(encodeSafetensors(nan, file.metadata))).rejects.toThrow(/'head.bias' element 1 is NaN/);
    await expect(modelFromSafetensors(encodeSafetensors(file.tensors, { ...file.metadata, config: '{"unit":"lstm"' }))).rejects.toThrow(/not valid JSON/);
    // without its config the file is read off its tensors (tests/state-dict.test.ts): the head's loss is unknown
    const inferred = await modelFromSafetensors(encodeSafetensors(file.tensors, { format: 'gatedrnn' }));
    expect(inferred.publicConfig()).toMatchObject({ unit: cfg.unit, hiddenSize: cfg.hiddenSize, head: { type: 'linear', size: cfg.head.size } });
    await expect(modelFromSafetensors(encodeSafetensors(file.tensors, { ...file.metadata, config: JSON.stringify({ ...cfg, unit: 'gru' }) }))).rejects.toThrow(FormatError);
  });
  it('rejects truncated and oversized files before building a model', async () => {
    const bytes = modelToSafetensors(await createModel(cfg));
    for (const cut of [0, 7, 8, 100, bytes.length - 1]) {
      await expect(modelFromSafetensors(bytes.subarray(0, cut))).rejects.toThrow(FormatError);
    }
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setBigUint64(0, 1n << 40n, true);
    await expect(modelFromSafetensors(huge)).rejects.toThrow(FormatError);
    const longer = new Uint8Array(bytes.length + 4); longer.set(bytes);
    await expect(modelFromSafetensors(longer)).rejects.toThrow(FormatError);
  });
  it('round-trips exactly', async () => {
    const m = await createModel({ ...cfg, peepholes: true, layers: 2, seed: 9 });
    const back = await modelFromSafetensors(modelToSafetensors(m));
    for (const n of m.paramNames()) expect(back.getParam(n)).toEqual(m.getParam(n));
    expect(back.publicConfig()).toEqual(m.publicConfig());
  });
});
