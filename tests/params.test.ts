// The parameter table (bindings/model/params.ts) against PyTorch: the names, shapes, order and
// recurrent parameter counts of nn.RNN/nn.LSTM/nn.GRU + nn.Linear('head') state_dicts
// (tests/fixtures/param-table.json, written by scripts/param_table.py), and everything that
// derives from the table: the model's paramNames/paramShape, the file checks and the noise flags.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { createModel, modelToSafetensors, modelFromSafetensors, decodeSafetensors, encodeSafetensors, type ModelConfig } from '../bindings/node.js';
import { resolveConfig } from '../bindings/model/config.js';
import { paramTable, paramLayout, recurrentParamCount } from '../bindings/model/params.js';

interface Case { config: { unit: 'tanh' | 'lstm' | 'gru'; inputSize: number; hiddenSize: number; layers: number; head: number }; tensors: { name: string; shape: number[] }[]; recurrentParams: number }
const fixture = JSON.parse(readFileSync(new URL('./fixtures/param-table.json', import.meta.url), 'utf8')) as { torch: string; cases: Case[] };

function modelConfig(c: Case['config']): ModelConfig {
  return { unit: c.unit, inputSize: c.inputSize, hiddenSize: c.hiddenSize, layers: c.layers, head: { type: 'bernoulli', size: c.head } };
}

describe(`parameter table = PyTorch ${fixture.torch} state_dict`, () => {
  it.each(fixture.cases.map((c) => [`${c.config.unit} ${c.config.layers}×${c.config.hiddenSize}`, c] as const))('%s: names, order, shapes, counts', async (_, c) => {
    const r = resolveConfig(modelConfig(c.config));
    const table = paramTable(r);
    expect(table.map((s) => ({ name: s.name, shape: s.fileShape }))).toEqual(c.tensors);
    expect(recurrentParamCount(r)).toBe(c.recurrentParams);
    for (const s of table) {
      expect(s.size).toBe(s.fileShape.reduce((a, b) => a * b, 1));
      // a transposed tensor is the 2-D file matrix stored (cols, rows)
      if (s.transposed) expect(s.arenaShape).toEqual([s.fileShape[1], s.fileShape[0]]);
      else expect(s.arenaShape.reduce((a, b) => a * b, 1)).toBe(s.size);
      // weight noise on the input and recurrent matrices only (the paper's "weights")
      expect(s.noise).toBe(/^weight_(ih|hh)_l\d+$/.test(s.name));
    }
    const m = await createModel(modelConfig(c.config));
    try {
      expect(m.paramNames()).toEqual(c.tensors.map((t) => t.name));
      for (const t of c.tensors) expect(m.paramShape(t.name)).toEqual(t.shape);
      expect(m.recurrentParamCount()).toBe(c.recurrentParams);
      // the file holds exactly the table, in PyTorch's shapes
      const file = decodeSafetensors(modelToSafetensors(m));
      expect([...file.tensors.keys()].sort()).toEqual(c.tensors.map((t) => t.name).sort());
      for (const t of c.tensors) expect(file.tensors.get(t.name)!.shape).toEqual(t.shape);
    } finally { m.dispose(); }
  });

  it('the peephole LSTM adds weight_peephole_l<k> [3, H] per layer, not noisy, counted as recurrent', () => {
    const r = resolveConfig({ unit: 'lstm', peepholes: true, inputSize: 4, hiddenSize: 6, layers: 2, head: { type: 'softmax', size: 5 } });
    const t = paramTable(r);
    expect(t.map((s) => s.name)).toEqual([
      'weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0', 'weight_peephole_l0',
      'weight_ih_l1', 'weight_hh_l1', 'bias_ih_l1', 'bias_hh_l1', 'weight_peephole_l1', 'head.weight', 'head.bias']);
    const p = t.find((s) => s.name === 'weight_peephole_l1')!;
    expect(p).toMatchObject({ fileShape: [3, 6], arenaShape: [18], noise: false, transposed: false, layer: 1 });
    expect(recurrentParamCount(r)).toBe((4 * 24 + 6 * 24 + 48 + 18) + (6 * 24 + 6 * 24 + 48 + 18));
  });

  it('the arena layout follows the table: one 64-byte aligned slot per tensor, in order', () => {
    const t = paramTable(resolveConfig({ unit: 'gru', inputSize: 3, hiddenSize: 5, head: { type: 'bernoulli', size: 2 } }));
    const layout = paramLayout(t);
    let at = 0;
    t.forEach((s, i) => {
      const slot = layout.slots[i];
      expect(slot.name).toBe(s.arenaName);
      expect(slot.offset).toBe(at);
      expect(slot.offset % 64).toBe(0);
      at += Math.ceil((s.size * 4) / 64) * 64;
    });
    expect(layout.bytes).toBe(at);
  });

  it('a file checked against the table: a tensor of the wrong shape or an extra one is named', async () => {
    const m = await createModel({ unit: 'gru', inputSize: 3, hiddenSize: 5, layers: 2, head: { type: 'bernoulli', size: 2 } });
    const file = decodeSafetensors(modelToSafetensors(m));
    const bad = new Map(file.tensors);
    bad.set('bias_hh_l1', { shape: [14], data: new Float32Array(14) });
    await expect(modelFromSafetensors(encodeSafetensors(bad, file.metadata))).rejects.toThrow(/'bias_hh_l1' has shape \[14\], the config needs \[15\]/);
    const extra = new Map(file.tensors);
    extra.set('weight_ih_l2', { shape: [15, 5], data: new Float32Array(75) });
    await expect(modelFromSafetensors(encodeSafetensors(extra, file.metadata))).rejects.toThrow(/unexpected tensor 'weight_ih_l2'/);
    m.dispose();
  });
});
