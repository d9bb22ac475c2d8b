// The `gatedrnn` command line (Node only). `main(argv)` returns the exit code.
import { Command, Option } from 'commander';
import { createModel, loadModel, saveModel } from '../node.js';
import { ConfigError, GatedRnnError } from '../errors.js';
import { Batcher } from '../data/batcher.js';
import { PIANO_UNITS, type PianoRollDataset } from '../data/pianoroll.js';
import { PIANO_ROLL_DATASETS } from '../data/load-node.js';
import { train, evaluateNll, evaluateNllScores, type EpochRecord, type TrainConfig } from '../train/trainer.js';
import { trainParallel } from '../parallel/train-node.js';
import { PAPER_RMSPROP, type OptimizerConfig } from '../optim/optimizer.js';
import type { ModelConfig, Unit } from '../model/types.js';
import type { Model } from '../model/model.js';
import { PAPER_UNITS, musicModelConfig } from '../experiment/paper.js';
import { int, num } from './parse.js';
import { registerReproduce } from './reproduce/command.js';
import { registerSample } from './sample.js';
import { loadMusic } from './music.js';

export { loadMusic };
import { checkOutputPath } from '../io/file-node.js';
import { AUDIO_DATASETS, loadAudio, waveBatcher, createSpeechModel, describeSpeechNll, modelNorm } from './speech.js';

function fmt(x: number, d = 2): string { return Number.isFinite(x) ? x.toFixed(d) : '—'; }

function table(rows: string[][]): string {
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => '| ' + r.map((c, i) => c.padEnd(w[i])).join(' | ') + ' |';
  return [line(rows[0]), '|' + w.map((n) => '-'.repeat(n + 2)).join('|') + '|', ...rows.slice(1).map(line)].join('\n');
}

interface DemoOpts { dataset: string; data?: string; seconds: number; epochs: number; batchSize: number; lr: number; seed: number; build?: 'simd' | 'relaxed' | 'debug' }

async function demo(o: DemoOpts): Promise<void> {
  if (AUDIO_DATASETS.includes(o.dataset)) throw new ConfigError(`demo trains the music models; for ${o.dataset} use \`gatedrnn train --dataset ${o.dataset}\` or \`gatedrnn reproduce --dataset speech\``);
  const ds = await loadMusic(o.dataset, o.data, o.seed);
  const mk = (seqs: PianoRollDataset['train'], shuffle: boolean) => Batcher.fromNotes(seqs, { batchSize: o.batchSize, seed: o.seed, shuffle, sortBuckets: shuffle ? 4 : 0 });
  const data = { train: mk(ds.train, true), valid: mk(ds.valid, false) };
  const test = mk(ds.test, false);
  console.log(`gatedrnn demo: ${o.dataset} (${ds.train.length}/${ds.valid.length}/${ds.test.length} sequences, ` +
    `${data.train.predictedFrames} training frames); paper sizes, RMSProp lr ${o.lr}, batch ${o.batchSize}, ` +
    `clip 1, weight noise 0.075, up to ${o.seconds} s of training per unit`);
  const rows = [['unit', 'hidden', 'params', 'epochs', 'train NLL', 'valid NLL', 'test NLL', 's/epoch', 'frames/s']];
  for (const u of PAPER_UNITS) {
    const model = await createModel(musicModelConfig(u, o.seed), { build: o.build });
    const optimizer: OptimizerConfig = { ...PAPER_RMSPROP, lr: o.lr };
    const s = train(model, data, {
      epochs: o.epochs, optimizer, clipNorm: 1, weightNoise: 0.075, patience: 10, timeLimitSeconds: o.seconds,
      onEpoch: (r: EpochRecord) => process.stdout.write(`  ${u.name.padEnd(5)} epoch ${String(r.epoch + 1).padStart(3)}  train ${fmt(r.trainNll)}  valid ${fmt(r.validNll)}${r.best ? ' *' : ''}  ${fmt(r.trainSeconds, 2)} s\n`),
    });
    const best = s.history[s.bestEpoch];
    const secs = s.history.reduce((a, r) => a + r.trainSeconds, 0) / s.history.length;
    rows.push([u.name, String(u.hiddenSize), String(model.recurrentParamCount()), String(s.history.length),
      fmt(best.trainNll), fmt(best.validNll), fmt(evaluateNll(model, test)), fmt(secs, 2), fmt(data.train.predictedFrames / secs, 0)]);
    model.dispose();
  }
  console.log('\nPer-frame negative log-likelihood (nats, summed over 88 notes; best-validation epoch):\n');
  console.log(table(rows));
}

interface TrainOpts extends DemoOpts { threads: number; unit: Unit; hidden: number; layers: number; peepholes: boolean; resetBefore: boolean; out?: string; clip: number; noise: number; patience: number; optimizer: string }

async function trainCmd(o: TrainOpts): Promise<void> {
  if (o.out) await checkOutputPath(o.out, '.safetensors', '--out');
  if (AUDIO_DATASETS.includes(o.dataset)) return trainSpeechCmd(o);
  const ds = await loadMusic(o.dataset, o.data, o.seed);
  const config: ModelConfig = { unit: o.unit, hiddenSize: o.hidden, layers: o.layers, inputSize: PIANO_UNITS, head: { type: 'bernoulli', size: PIANO_UNITS }, seed: o.seed };
  if (o.unit === 'lstm') config.peepholes = o.peepholes;
  if (o.unit === 'gru') config.resetAfter = !o.resetBefore;
  const model = await createModel(config, { build: o.build });
  const mk = (seqs: PianoRollDataset['train'], shuffle: boolean) => Batcher.fromNotes(seqs, { batchSize: o.batchSize, seed: o.seed, shuffle, sortBuckets: shuffle ? 4 : 0 });
  const optimizer: OptimizerConfig = o.optimizer === 'adam' ? { type: 'adam', lr: o.lr } : { ...PAPER_RMSPROP, lr: o.lr };
  const cfg: TrainConfig = {
    epochs: o.epochs, optimizer, clipNorm: o.clip > 0 ? o.clip : undefined, weightNoise: o.noise, patience: o.patience, timeLimitSeconds: o.seconds,
    onEpoch: (r) => console.log(`epoch ${r.epoch + 1}: train ${fmt(r.trainNll, 3)} valid ${fmt(r.validNll, 3)}${r.best ? ' *' : ''} (${fmt(r.trainSeconds)} s)`),
  };
  const data = { train: mk(ds.train, true), valid: mk(ds.valid, false) };
  const s = o.threads > 1 ? await trainParallel(model, data, { ...cfg, parallel: o.threads }) : train(model, data, cfg);
  const testNll = evaluateNll(model, mk(ds.test, false));
  console.log(`best epoch ${s.bestEpoch + 1}: valid ${fmt(s.bestValidNll, 3)}, test ${fmt(testNll, 3)} nats/frame (stopped: ${s.stopped})`);
  if (o.out) { await saveModel(model, o.out); console.log(`saved ${o.out}`); }
  model.dispose();
}

/** `train --dataset speech|wav`: one speech model, normalised by its training split. */
async function trainSpeechCmd(o: TrainOpts): Promise<void> {
  const ds = await loadAudio(o.dataset, o.data);
  const form = { unit: o.unit, hiddenSize: o.hidden, layers: o.layers, ...(o.unit === 'lstm' ? { peepholes: o.peepholes } : {}), ...(o.unit === 'gru' ? { resetAfter: !o.resetBefore } : {}) };
  const { model, norm } = await createSpeechModel(form, ds, o.seed, o.build);
  const optimizer: OptimizerConfig = o.optimizer === 'adam' ? { type: 'adam', lr: o.lr } : { ...PAPER_RMSPROP, lr: o.lr };
  const cfg: TrainConfig = {
    epochs: o.epochs, optimizer, clipNorm: o.clip > 0 ? o.clip : undefined, weightNoise: o.noise, patience: o.patience, timeLimitSeconds: o.seconds,
    onEpoch: (r) => console.log(`epoch ${r.epoch + 1}: train ${fmt(r.trainNll, 3)} valid ${fmt(r.validNll, 3)} nats/step${r.best ? ' *' : ''} (${fmt(r.trainSeconds)} s)`),
  };
  const data = { train: waveBatcher(ds.train, norm, o.batchSize, o.seed, true), valid: waveBatcher(ds.valid, norm, o.batchSize, o.seed, false) };
  const s = o.threads > 1 ? await trainParallel(model, data, { ...cfg, parallel: o.threads }) : train(model, data, cfg);
  const testNll = evaluateNll(model, waveBatcher(ds.test, norm, o.batchSize, o.seed, false));
  console.log(`best epoch ${s.bestEpoch + 1} (stopped: ${s.stopped}); test: ${describeSpeechNll(testNll, norm, 10)}`);
  if (o.out) { await saveModel(model, o.out); console.log(`saved ${o.out}`); }
  model.dispose();
}

async function evalCmd(file: string, o: { dataset: string; data?: string; split: 'train' | 'valid' | 'test'; batchSize: number; build?: 'simd' | 'relaxed' | 'debug' }): Promise<void> {
  const model: Model = await loadModel(file, { build: o.build });
  if (model.data?.kind === 'speech' || AUDIO_DATASETS.includes(o.dataset)) {
    try {
      const norm = modelNorm(model);
      const ds = await loadAudio(AUDIO_DATASETS.includes(o.dataset) ? o.dataset : 'speech', o.data);
      const b = waveBatcher(ds[o.split], norm, o.batchSize, 1, false);
      const r = evaluateNllScores(model, b);
      console.log(`${o.dataset} ${o.split} (${b.predictedFrames} steps, normalised with the model's mean ${norm.mean.toFixed(3)}, std ${norm.std.toFixed(3)}): pooled ${describeSpeechNll(r.pooled, norm, norm.hop)}; mean over utterances ${r.perSequence.toFixed(4)} nats per step`);
    } finally { model.dispose(); }
    return;
  }
  const ds = await loadMusic(o.dataset, o.data);
  const b = Batcher.fromNotes(ds[o.split], { batchSize: o.batchSize, shuffle: false });
  const r = evaluateNllScores(model, b);
  console.log(`${o.dataset} ${o.split}: ${fmt(r.pooled, 4)} nats per frame pooled over ${b.predictedFrames} frames; ${fmt(r.perSequence, 4)} as the mean over ${ds[o.split].length} sequences of their per-frame NLL`);
  model.dispose();
}

export function buildProgram(): Command {
  const p = new Command('gatedrnn').description('Train and evaluate tanh-RNN, LSTM and GRU sequence models (WebAssembly SIMD)').exitOverride();
  const datasetNames = ['synthetic', ...Object.keys(PIANO_ROLL_DATASETS), 'midi', ...AUDIO_DATASETS];
  const common = (c: Command) => c
    .addOption(new Option('--dataset <name>', 'data set').choices(datasetNames).default('synthetic'))
    .option('--data <dir>', 'data directory (default: $GATEDRNN_DATA)')
    .option('--seed <n>', 'seed', int, 1)
    .addOption(new Option('--build <kind>', 'WebAssembly build').choices(['relaxed', 'simd', 'debug']));
  common(p.command('demo').description('train the three units at the paper\'s sizes and print a table (the default job of npm start)'))
    .option('--seconds <s>', 'training time budget per unit', num, 30)
    .option('--epochs <n>', 'most epochs per unit', int, 200)
    .option('--batch-size <n>', 'sequences per update', int, 8)
    .option('--lr <x>', 'learning rate', num, 1e-3)
    .action((o) => demo(o));
  common(p.command('train').description('train one model and save it'))
    .addOption(new Option('--unit <unit>', 'recurrent unit').choices(['tanh', 'lstm', 'gru']).makeOptionMandatory())
    .requiredOption('--hidden <n>', 'hidden units', int)
    .option('--layers <n>', 'stacked layers', int, 1)
    .option('--peepholes', 'LSTM: the paper\'s diagonal peepholes', false)
    .option('--reset-before', 'GRU: the paper\'s reset-before form (default: reset-after, as PyTorch)', false)
    .addOption(new Option('--optimizer <name>', 'optimizer').choices(['rmsprop', 'adam']).default('rmsprop'))
    .option('--lr <x>', 'learning rate', num, 1e-3)
    .option('--batch-size <n>', 'sequences per update', int, 8)
    .option('--epochs <n>', 'most epochs', int, 100)
    .option('--seconds <s>', 'training time budget', num, Infinity)
    .option('--patience <n>', 'early-stopping patience (epochs)', int, 10)
    .option('--clip <x>', 'gradient-norm clip (0: off)', num, 1)
    .option('--noise <x>', 'weight-noise σ', num, 0.075)
    .option('--threads <n>', 'data-parallel worker threads per update (1: this thread only)', int, 1)
    .option('--out <file>', 'write the best model here (safetensors)')
    .action((o) => trainCmd(o));
  common(p.command('eval').description('per-frame NLL of a saved model on a data set split').argument('<model>', 'model file (.safetensors)'))
    .addOption(new Option('--split <split>', 'split').choices(['train', 'valid', 'test']).default('test'))
    .option('--batch-size <n>', 'sequences per batch', int, 16)
    .action((file, o) => evalCmd(file, o));
  registerReproduce(p);
  registerSample(p);
  return p;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    const err = e as { code?: string; exitCode?: number; message?: string };
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
    if (typeof err.code === 'string' && err.code.startsWith('commander.')) return err.exitCode ?? 2;
    if (e instanceof GatedRnnError) { console.error(`gatedrnn: ${e.name} (${e.code}): ${e.message}`); return 1; }
    throw e;
  }
}
