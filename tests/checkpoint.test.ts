// Checkpoints resume bit-identically (train/checkpoint.ts). In-process: a run checkpointed
// through its file bytes after a random epoch and resumed in a fresh model ends with exactly
// the parameters, optimizer state and records of the run that was never interrupted. Out of
// process: `gatedrnn train` SIGKILLed at random moments and resumed with --resume writes the
// same model file byte for byte (tests/checkpoint-kill.test.ts does the reproduce grid).
import { describe, expect, it } from 'vitest';
import {
  createModel, syntheticMusic, Batcher, trainAsync, train, checkpointToSafetensors, parseCheckpoint, modelToSafetensors,
  ConfigError, FormatError, type ModelConfig, type TrainConfig, type TrainCheckpoint, type EpochRecord,
} from '../bindings/node.js';
import { Rng } from '../bindings/data/rng.js';

const data = syntheticMusic({ seed: 3, train: 24, valid: 8, test: 4, minLength: 12, maxLength: 40 });
const batchers = () => ({
  train: Batcher.fromNotes(data.train, { batchSize: 4, seed: 3, shuffle: true, sortBuckets: 2 }),
  valid: Batcher.fromNotes(data.valid, { batchSize: 8, shuffle: false }),
});
const head = { type: 'bernoulli' as const, size: 88 };
const CASES: { name: string; config: ModelConfig; train: Omit<TrainConfig, 'checkpoint'> }[] = [
  { name: 'LSTM (peepholes), RMSProp, weight noise, step clipping, lr decay', config: { unit: 'lstm', peepholes: true, inputSize: 88, hiddenSize: 12, head, seed: 5 },
    train: { epochs: 7, optimizer: { type: 'rmsprop', lr: 2e-3 }, clipNorm: 1, clipMode: 'step', weightNoise: 0.075, lrDecayEpochs: 5, lrDecayTo: 0.1, patience: 10 } },
  { name: 'GRU reset-before, Adam, noise decayed, noisy evaluation', config: { unit: 'gru', resetAfter: false, inputSize: 88, hiddenSize: 10, layers: 2, head, seed: 2 },
    train: { epochs: 6, optimizer: { type: 'adam', lr: 3e-3 }, clipNorm: 1, weightNoise: 0.05, noiseDecayTo: 0, lrDecayEpochs: 6, evalWeightNoise: 0.05, patience: 10 } },
  { name: 'tanh, early stopping by patience', config: { unit: 'tanh', inputSize: 88, hiddenSize: 9, head, seed: 4 },
    train: { epochs: 40, optimizer: { type: 'rmsprop', lr: 0.2 }, clipNorm: 1, weightNoise: 0.075, patience: 2 } },
];

/** A record without its clocks (which differ between runs). */
const untimed = (h: EpochRecord[]) => h.map(({ trainSeconds, trainSecondsTotal, elapsed, ...r }) => r);

async function uninterrupted(c: typeof CASES[number]) {
  const m = await createModel(c.config);
  const files: Uint8Array[] = [];
  const s = await trainAsync(m, batchers(), { ...c.train, checkpoint: { key: { data: 'synthetic-3' }, save: (ck) => { files.push(checkpointToSafetensors(m, ck)); } } });
  return { model: m, summary: s, files, params: m.snapshotParams(), opt: m.getOptimizerState() };
}

describe('checkpoints resume bit-identically', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const ref = await uninterrupted(c);
      expect(ref.files.length).toBe(ref.summary.history.length);
      const rng = new Rng(17);
      // three random epochs to stop after (the last one included: the run had already ended)
      const picks = [...new Set([0, 1, 2].map(() => Math.floor(rng.uniform() * ref.files.length)).concat(ref.files.length - 1))];
      for (const k of picks) {
        const { checkpoint } = parseCheckpoint(ref.files[k]);
        expect(checkpoint.epoch).toBe(k + 1);
        const m = await createModel(c.config); // a fresh model: nothing carried over but the file
        const later: Uint8Array[] = [];
        const s = await trainAsync(m, batchers(), { ...c.train, checkpoint: { key: { data: 'synthetic-3' }, resume: checkpoint, save: (ck) => { later.push(checkpointToSafetensors(m, ck)); } } });
        expect(m.snapshotParams(), `resumed after epoch ${k + 1}`).toEqual(ref.params);
        expect(m.getOptimizerState()).toEqual(ref.opt);
        expect(untimed(s.history)).toEqual(untimed(ref.summary.history));
        expect([s.bestEpoch, s.bestValidNll, s.stopped]).toEqual([ref.summary.bestEpoch, ref.summary.bestValidNll, ref.summary.stopped]);
        expect(modelToSafetensors(m)).toEqual(modelToSafetensors(ref.model));
        expect(later.length).toBe(ref.files.length - k - 1);
        m.dispose();
      }
      ref.model.dispose();
    }, 120_000);
  }
  it('the sync driver takes a synchronous save; a checkpoint file is also the model', async () => {
    const c = CASES[0];
    const m = await createModel(c.config);
    let last: TrainCheckpoint | undefined;
    train(m, batchers(), { ...c.train, epochs: 2, checkpoint: { save: (ck) => { last = ck; } } });
    const parsed = parseCheckpoint(checkpointToSafetensors(m, last!));
    expect(parsed.config).toEqual(m.publicConfig());
    expect(parsed.checkpoint.params).toEqual(last!.params);
    expect(parsed.checkpoint.schedule.best.params).toEqual(last!.schedule.best.params);
    expect([...parsed.tensors.keys()]).toEqual(m.paramNames());
    m.dispose();
  });
});

describe('checkpoints refuse what they cannot resume', () => {
  it('another run, a model file, a damaged file', async () => {
    const c = CASES[0];
    const ref = await uninterrupted({ ...c, train: { ...c.train, epochs: 2 } });
    const { checkpoint } = parseCheckpoint(ref.files[0]);
    const other = await createModel(c.config);
    await expect(trainAsync(other, batchers(), { ...c.train, optimizer: { type: 'rmsprop', lr: 1e-3 }, checkpoint: { key: { data: 'synthetic-3' }, resume: checkpoint } }))
      .rejects.toThrow(/different run.*train\.optimizer\.lr: 0\.002 in the checkpoint, 0\.001 now/);
    await expect(trainAsync(other, batchers(), { ...c.train, checkpoint: { key: { data: 'jsb' }, resume: checkpoint } })).rejects.toThrow(ConfigError);
    const bigger = await createModel({ ...c.config, hiddenSize: 13 });
    await expect(trainAsync(bigger, batchers(), { ...c.train, checkpoint: { key: { data: 'synthetic-3' }, resume: checkpoint } })).rejects.toThrow(/model\.hiddenSize: 12 in the checkpoint, 13 now/);
    expect(() => parseCheckpoint(modelToSafetensors(ref.model))).toThrow(/expected 'gatedrnn-checkpoint' \(is it a model file\?\)/);
    const bytes = ref.files[0].slice();
    expect(() => parseCheckpoint(bytes.subarray(0, bytes.length - 7))).toThrow(FormatError);
    for (const m of [ref.model, other, bigger]) m.dispose();
  });

  it("an optimizer slot's +Infinity (RMSProp's mean square overflowed) resumes; NaN, or an infinite parameter, does not", async () => {
    const c = CASES[0];
    const ref = await uninterrupted({ ...c, train: { ...c.train, epochs: 2 } });
    const { checkpoint } = parseCheckpoint(ref.files[0]);
    const withInf = (edit: (k: TrainCheckpoint) => void) => { const k = structuredClone(checkpoint); edit(k); return checkpointToSafetensors(ref.model, k); };
    const inf = parseCheckpoint(withInf((k) => { k.optimizer.slots[0][3] = Infinity; })).checkpoint;
    expect(inf.optimizer.slots[0][3]).toBe(Infinity);
    // training goes on from it: that weight stays where it is (its RMSProp step is 0), the rest move
    const m = await createModel(c.config);
    const s = await trainAsync(m, batchers(), { ...c.train, epochs: 3, checkpoint: { key: { data: 'synthetic-3' }, resume: inf } });
    expect(s.history).toHaveLength(3);
    expect(m.snapshotParams()[3]).toBe(inf.params[3]);
    expect(m.snapshotParams().some((v, i) => v !== inf.params[i])).toBe(true);
    expect(() => parseCheckpoint(withInf((k) => { k.optimizer.slots[0][3] = NaN; }))).toThrow(/checkpoint\.optimizer\.0' element 3 is NaN/);
    expect(() => parseCheckpoint(withInf((k) => { k.optimizer.slots[1][5] = -Infinity; }))).toThrow(/element 5 is -Infinity/);
    expect(() => parseCheckpoint(withInf((k) => { k.params[2] = Infinity; }))).toThrow(/element \d+ is Infinity/);
    m.dispose();
    ref.model.dispose();
  });
});
