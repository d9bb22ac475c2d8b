// Files written by plain PyTorch load with no config (bindings/model/infer.ts): nn.RNN, nn.LSTM
// and nn.GRU state_dicts, bare or under a wrapper's module names, with and without an
// nn.Linear head, as torch.save .pt zips and as safetensors without any metadata
// (tests/fixtures/torch-plain/, written by scripts/torch_plain.py with PyTorch 1.13). Our
// forward gives PyTorch's output, h_n, c_n and the Linear's logits, computed there in float64
// on the float32 weights: |a − e| ≤ 1e-5·|e| + 1e-6. Then what inference cannot tell, and says.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import {
  createModel, modelFromSafetensors, modelToSafetensors, decodeSafetensors, encodeSafetensors, inferConfig,
  ConfigError, FormatError, ShapeError, type Model, type Tensor,
} from '../bindings/node.js';

const DIR = new URL('./fixtures/torch-plain/', import.meta.url);
const CASES = ['rnn_l1_bare', 'rnn_l1_odd', 'rnn_l2_head', 'gru_l1_bare', 'gru_l1_odd', 'gru_l2_head', 'lstm_l1_head', 'lstm_l1_nohead', 'lstm_l2_bare', 'lstm_l2_odd'];

interface PlainFixture {
  case: string; unit: 'rnn' | 'lstm' | 'gru'; layers: number; inputSize: number; hiddenSize: number; outputSize: number;
  recurrentPrefix: string; headPrefix: string | null; T: number; B: number;
  x: number[]; hidden: number[]; h_n: number[]; c_n?: number[]; logits?: number[];
}

function worst(a: ArrayLike<number>, e: ArrayLike<number>): { ratio: number; abs: number } {
  expect(a.length).toBe(e.length);
  let ratio = 0, abs = 0;
  for (let i = 0; i < e.length; i++) {
    const err = Math.abs(a[i] - e[i]);
    ratio = Math.max(ratio, err / (1e-5 * Math.abs(e[i]) + 1e-6));
    abs = Math.max(abs, err);
  }
  return { ratio, abs };
}

/** Per layer (B·H) arrays from PyTorch's (layers, B, H). */
const perLayer = (flat: number[], L: number) => Array.from({ length: L }, (_, l) => flat.slice(l * flat.length / L, (l + 1) * flat.length / L));

const agreement: string[] = [];

describe('plain PyTorch files load with no config and give PyTorch\'s outputs', () => {
  for (const name of CASES) {
    for (const ext of ['pt', 'safetensors'] as const) {
      it(`${name}.${ext}`, async () => {
        const f = JSON.parse(readFileSync(new URL(`${name}.json`, DIR), 'utf8')) as PlainFixture;
        const m: Model = await modelFromSafetensors(new Uint8Array(readFileSync(new URL(`${name}.${ext}`, DIR))));
        const c = m.config;
        expect([c.unit, c.layers, c.inputSize, c.hiddenSize]).toEqual([f.unit === 'rnn' ? 'tanh' : f.unit, f.layers, f.inputSize, f.hiddenSize]);
        expect(c.head.type).toBe(f.logits ? 'linear' : 'none');
        if (c.unit === 'gru') expect(c.resetAfter).toBe(true);
        const r = m.forward({ T: f.T, B: f.B, x: Float32Array.from(f.x) }, { hidden: true, logits: true, finalStates: true });
        const checks: [string, ArrayLike<number>, number[]][] = [['output', r.hidden!, f.hidden]];
        perLayer(f.h_n, f.layers).forEach((e, l) => checks.push([`h_n[${l}]`, r.finalStates!.h[l], e]));
        if (f.c_n) perLayer(f.c_n, f.layers).forEach((e, l) => checks.push([`c_n[${l}]`, r.finalStates!.c![l], e]));
        if (f.logits) checks.push(['logits', r.logits!, f.logits], ['outputs (linear: the logits)', r.outputs, f.logits]);
        let abs = 0;
        for (const [what, a, e] of checks) {
          const w = worst(a, e);
          expect(w.ratio, `${name}.${ext} ${what}: max |Δ| ${w.abs}`).toBeLessThanOrEqual(1);
          abs = Math.max(abs, w.abs);
        }
        agreement.push(`${name}.${ext}: max |Δ| ${abs.toExponential(1)}`);
        m.dispose();
      });
    }
  }
  it('agreement recorded', () => { console.log(`plain PyTorch files vs PyTorch (float64):\n  ${agreement.join('\n  ')}`); });

  it('a head type given at load time trains; a plain file saved again keeps its inferred config', async () => {
    const bytes = new Uint8Array(readFileSync(new URL('lstm_l1_head.pt', DIR)));
    const linear = await modelFromSafetensors(bytes);
    expect(() => linear.setOptimizer({ type: 'adam', lr: 1e-3 })).toThrow(/'linear'.*load it with head: 'bernoulli'/);
    const soft = await modelFromSafetensors(bytes, { head: 'softmax' });
    expect(soft.publicConfig().head).toEqual({ type: 'softmax', size: 3 });
    soft.setOptimizer({ type: 'adam', lr: 1e-3 });
    const again = await modelFromSafetensors(modelToSafetensors(linear), { head: 'bernoulli' });
    expect(again.publicConfig().head).toEqual({ type: 'bernoulli', size: 3 });
    expect(again.getParam('weight_ih_l0')).toEqual(linear.getParam('weight_ih_l0'));
    for (const m of [linear, soft, again]) m.dispose();
  });
});

describe('inference says what it cannot tell', () => {
  const shapes = (o: Record<string, number[]>) => Object.entries(o).map(([name, shape]) => ({ name, shape }));
  const lstm = { 'rnn.weight_ih_l0': [16, 3], 'rnn.weight_hh_l0': [16, 4], 'rnn.bias_ih_l0': [16], 'rnn.bias_hh_l0': [16] };
  it('reads the unit, sizes, layers and head off the shapes', () => {
    expect(inferConfig(shapes({ ...lstm, 'head.weight': [9, 4], 'head.bias': [9] })).config).toEqual({ unit: 'lstm', inputSize: 3, hiddenSize: 4, layers: 1, peepholes: false, head: { type: 'linear', size: 9 } });
    expect(inferConfig(shapes({ weight_ih_l0: [12, 3], weight_hh_l0: [12, 4] }), { resetAfter: false }).config).toEqual({ unit: 'gru', inputSize: 3, hiddenSize: 4, layers: 1, resetAfter: false });
    expect(inferConfig(shapes({ ...lstm, 'fc.weight': [9, 4], 'fc.bias': [9] }), { head: { type: 'mog', components: 3 } }).config.head).toEqual({ type: 'mog', components: 3, size: 1 });
    const bare = inferConfig(shapes({ weight_ih_l0: [4, 2], weight_hh_l0: [4, 4] }), { unit: 'rnn' });
    expect(bare.config.unit).toBe('tanh');
    expect([...bare.names.keys()]).toEqual(['weight_ih_l0', 'weight_hh_l0']); // bias=False: zeros
  });
  it('refuses, naming the option or the tensor', () => {
    expect(() => inferConfig(shapes({ 'a.weight': [3, 3] }))).toThrow(/no recurrent layer: expected a tensor named weight_ih_l0/);
    expect(() => inferConfig(shapes({ ...lstm, 'enc.weight_ih_l0': [16, 3], 'enc.weight_hh_l0': [16, 4] }))).toThrow(/several recurrent modules \('enc\.', 'rnn\.'\)|several recurrent modules \('rnn\.', 'enc\.'\); pass prefix/);
    expect(() => inferConfig(shapes({ ...lstm, 'a.weight': [9, 4], 'b.weight': [2, 4] }))).toThrow(/several possible heads .*pass headPrefix/);
    expect(inferConfig(shapes({ ...lstm, 'a.weight': [9, 4], 'b.weight': [2, 4] }), { headPrefix: 'b.', strict: false }).config.head).toEqual({ type: 'linear', size: 2 });
    expect(() => inferConfig(shapes({ ...lstm, 'emb.weight': [100, 3] }))).toThrow(/'emb\.weight' is not part of a lstm model.*pass strict: false/);
    expect(inferConfig(shapes({ ...lstm, 'emb.weight': [100, 3] }), { strict: false }).ignored).toEqual(['emb.weight']);
    expect(() => inferConfig(shapes({ ...lstm, 'rnn.weight_ih_l0_reverse': [16, 3] }))).toThrow(/bidirectional/);
    expect(() => inferConfig(shapes({ ...lstm, 'rnn.weight_hr_l0': [2, 4] }))).toThrow(/projection/);
    expect(() => inferConfig(shapes({ weight_ih_l0: [10, 3], weight_hh_l0: [10, 4] }))).toThrow(/10\/4 gate blocks; nn\.RNN has 1, nn\.GRU 3, nn\.LSTM 4/);
    expect(() => inferConfig(shapes(lstm), { unit: 'gru' })).toThrow(/unit 'gru' was asked for.*a lstm layer/);
    expect(() => inferConfig(shapes({ weight_ih_l0: [12, 3], weight_hh_l0: [12, 4] }), {}, true)).toThrow(/reset-after or the paper's reset-before.*pass resetAfter/);
    expect(() => inferConfig(shapes({ ...lstm, 'rnn.weight_ih_l2': [16, 4] }))).toThrow(/belongs to layer 2, but 'rnn\.weight_ih_l1' is missing/);
    expect(() => inferConfig(shapes({ ...lstm, 'head.weight': [9, 4] }), { head: 'mog' })).toThrow(/needs its components/);
    expect(() => inferConfig(shapes({ 'rnn.weight_ih_l0': [16, 3], 'rnn.weight_hh_l0': [16, 4], 'rnn.bias_ih_l0': [16] }))).toThrow(/has 'rnn\.bias_ih_l0' but not the other bias/);
    for (const bad of [() => inferConfig(shapes({ weight_ih_l0: [10, 3], weight_hh_l0: [10, 4] }))]) expect(bad).toThrow(FormatError);
    expect(() => inferConfig(shapes(lstm), { unit: 'gru' })).toThrow(ConfigError);
  });
});

describe('stateDict and loadStateDict', () => {
  it('round-trip under a prefix, checked before anything is written', async () => {
    const a = await createModel({ unit: 'gru', inputSize: 3, hiddenSize: 4, layers: 2, head: { type: 'bernoulli', size: 2 }, seed: 1 });
    const b = await createModel({ unit: 'gru', inputSize: 3, hiddenSize: 4, layers: 2, head: { type: 'bernoulli', size: 2 }, seed: 2 });
    const sd = a.stateDict();
    expect(Object.keys(sd)).toEqual(a.paramNames());
    const wrapped = new Map(Object.entries(sd).map(([k, v]) => [`model.${k}`, v]));
    const before = b.stateDict();
    const broken = new Map(wrapped);
    broken.set('model.head.bias', { shape: [3], data: new Float32Array(3) });
    expect(() => b.loadStateDict(broken, { prefix: 'model.' })).toThrow(/'model\.head\.bias' has shape \[3\], this model needs \[2\]/);
    expect(b.stateDict()).toEqual(before); // nothing written
    expect(() => b.loadStateDict(wrapped)).toThrow(ShapeError);
    b.loadStateDict(wrapped, { prefix: 'model.' });
    expect(b.stateDict()).toEqual(sd);
    b.loadStateDict({ 'head.bias': [5, 6], extra: [1] }, { strict: false });
    expect(Array.from(b.getParam('head.bias'))).toEqual([5, 6]);
    expect(() => b.loadStateDict({ ...sd, 'head.bias': [NaN, 0] })).toThrow(/head\.bias/);
    a.dispose(); b.dispose();
  });
  it('a model without a head: hidden states only', async () => {
    const m = await createModel({ unit: 'lstm', inputSize: 3, hiddenSize: 4, layers: 2 });
    expect(m.paramNames()).not.toContain('head.weight');
    const r = m.forward({ T: 5, B: 2, x: new Float32Array(30).fill(0.25) }, { hidden: true, finalStates: true });
    expect([r.outputs.length, r.hidden!.length, r.finalStates!.h.length, r.finalStates!.c!.length]).toEqual([0, 40, 2, 2]);
    expect(r.hidden!.slice(32)).toEqual(r.finalStates!.h[1]); // the last step of the top layer is h_n
    expect(Number.isNaN(r.loss)).toBe(true);
    expect(() => m.setOptimizer({ type: 'adam', lr: 1e-3 })).toThrow(/no head/);
    expect(() => m.sample({ frames: 3 })).toThrow(/no head/);
    const file = decodeSafetensors(modelToSafetensors(m));
    const back = await modelFromSafetensors(modelToSafetensors(m));
    expect(back.publicConfig().head).toBeUndefined();
    expect(back.forward({ T: 5, B: 2, x: new Float32Array(30).fill(0.25) }, { hidden: true }).hidden).toEqual(r.hidden);
    // its tensors under a wrapper's name, with no metadata at all
    const plain = new Map<string, Tensor>([...file.tensors].map(([k, v]) => [`encoder.${k}`, v]));
    const inferred = await modelFromSafetensors(encodeSafetensors(plain));
    expect(inferred.forward({ T: 5, B: 2, x: new Float32Array(30).fill(0.25) }, { hidden: true }).hidden).toEqual(r.hidden);
    for (const x of [m, back, inferred]) x.dispose();
  });
  it("'rnn' is the tanh unit", async () => {
    const m = await createModel({ unit: 'rnn', inputSize: 2, hiddenSize: 3, head: { type: 'bernoulli', size: 2 } });
    expect(m.config.unit).toBe('tanh');
    expect(m.publicConfig().unit).toBe('tanh');
    m.dispose();
  });
});
