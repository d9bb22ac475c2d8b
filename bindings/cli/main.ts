// The `gatedrnn` command line (Node only). `main(argv)` returns the exit code (EXIT_CODES).
// Every command checks its options, its input folders and files and its output paths first
// (checks.ts), so a mistake is a one-line typed message before any work, not a stack trace
// after it.
import { Command, Option } from 'commander';
import { createModel, loadCheckpoint, loadModel, saveCheckpoint, saveModel } from '../node.js';
import { ConfigError, DivergedError, GatedRnnError } from '../errors.js';
import { Batcher } from '../data/batcher.js';
import { PIANO_UNITS, type PianoRollDataset } from '../data/pianoroll.js';
import { PIANO_ROLL_DATASETS } from '../data/load-node.js';
import { train, trainAsync, evaluateNll, evaluateNllScores, type CheckpointOptions, type TrainCheckpoint, type TrainConfig, type TrainData, type TrainSummary, type EpochRecord } from '../train/trainer.js';
import { blowUpNll } from '../train/divergence.js';
import { trainParallel } from '../parallel/train-node.js';
import { PAPER_RMSPROP, type OptimizerConfig } from '../optim/optimizer.js';
import { MAX_HIDDEN_SIZE, MAX_LAYERS } from '../model/config.js';
import type { ModelConfig, Unit } from '../model/types.js';
import type { Model } from '../model/model.js';
import type { BuildKind } from '../wasm.js';
import { PAPER_UNITS, musicModelConfig } from '../experiment/paper.js';
import { int, num } from './parse.js';
import { registerReproduce, registerWorker } from './reproduce/command.js';
import { registerSample } from './sample.js';
import { registerExport } from './export.js';
import { loadMusic, musicDataInfo, recordedDataset } from './music.js';
import { checkDataFolder, checkInputFile, checkInputFolder, intIn, nonNegative, numIn, positive, prepareOutputFile, seed } from './checks.js';
import { RunProgress, fmt, progressMode } from './progress.js';
import { AUDIO_DATASETS, loadAudio, waveBatcher, createSpeechModel, describeSpeechNll, modelNorm } from './speech.js';

export { loadMusic };

/** What main returns: 0 done; 1 a bad option, file or data set (a typed one-line message; also
 *  a reproduce grid with failed trials); 3 training diverged (train, demo: the run ended on its
 *  best epoch, which `train --out` saved). Commander's own usage errors exit with 1 too. */
export const EXIT_CODES = { ok: 0, error: 1, diverged: 3 } as const;

const EXIT_HELP = `
Exit codes: 0 done; 1 a bad option, file or data set (one line: gatedrnn: <Error> (<code>): what
is wrong), checked before any work; 3 training diverged (a step's loss or gradient was not finite,
or an epoch's validation NLL blew up above twice the trivial model's, e.g. 2·88·ln 2 ≈ 122 nats
per frame for a piano roll): the run ends on its best epoch, which train --out saves.`;

function table(rows: string[][]): string {
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => '| ' + r.map((c, i) => c.padEnd(w[i])).join(' | ') + ' |';
  return [line(rows[0]), '|' + w.map((n) => '-'.repeat(n + 2)).join('|') + '|', ...rows.slice(1).map(line)].join('\n');
}

/** Every --dataset of train, eval and demo. */
const DATASET_NAMES = ['synthetic', ...Object.keys(PIANO_ROLL_DATASETS), 'midi', ...AUDIO_DATASETS];

/** The largest learning rate the optimizers take (optim/optimizer.ts). */
const MAX_LR = 1e3;

interface CommonOpts { dataset: string; data?: string; seed: number; build?: BuildKind; verbose?: boolean }
interface DemoOpts extends CommonOpts { seconds: number; epochs: number; batchSize: number; lr: number }

function checkDemo(o: DemoOpts): void {
  if (AUDIO_DATASETS.includes(o.dataset)) throw new ConfigError(`demo trains the music models; for ${o.dataset} use \`gatedrnn train --dataset ${o.dataset}\` or \`gatedrnn reproduce --dataset speech\``);
  seed(o.seed);
  positive(o.seconds, '--seconds', true);
  intIn(o.epochs, '--epochs', 1);
  intIn(o.batchSize, '--batch-size', 1);
  numIn(o.lr, '--lr', 0, MAX_LR, true);
}

/** Why a run stopped, for a summary line. */
function stoppedText(s: TrainSummary): string {
  return s.stopped === 'diverged' ? `diverged (${s.error})` : `stopped: ${s.stopped}`;
}

/** Trains with the shared settings of train and demo: a divergence (a non-finite step, or an
 *  epoch above blowUpNll of the head) ends the run on its best epoch (onDiverge 'stop'). */
async function runTraining(model: Model, data: TrainData, cfg: Omit<TrainConfig, 'onEpoch' | 'onBatch' | 'onDiverge' | 'divergeAboveNll'>, p: RunProgress, threads = 1): Promise<TrainSummary> {
  const full: TrainConfig = { ...cfg, onDiverge: 'stop', divergeAboveNll: blowUpNll(model.config.head), onEpoch: p.onEpoch, onBatch: p.onBatch };
  let s: TrainSummary | undefined;
  try {
    s = threads > 1 ? await trainParallel(model, data, { ...full, parallel: threads }) : cfg.checkpoint ? await trainAsync(model, data, full) : train(model, data, full);
  } finally {
    p.stop(s ? (s.stopped === 'diverged' ? 'diverged' : `stopped: ${s.stopped}`) : undefined);
  }
  return s!;
}

async function demo(o: DemoOpts): Promise<void> {
  checkDemo(o);
  await checkDataFolder(o.dataset, o.data);
  const ds = await loadMusic(o.dataset, o.data, o.seed);
  const mk = (seqs: PianoRollDataset['train'], shuffle: boolean) => Batcher.fromNotes(seqs, { batchSize: o.batchSize, seed: o.seed, shuffle, sortBuckets: shuffle ? 4 : Infinity });
  const data = { train: mk(ds.train, true), valid: mk(ds.valid, false) };
  const test = mk(ds.test, false);
  console.log(`gatedrnn demo: ${o.dataset} (${ds.train.length}/${ds.valid.length}/${ds.test.length} sequences, ` +
    `${data.train.predictedFrames} training frames); paper sizes, RMSProp lr ${o.lr}, batch ${o.batchSize}, ` +
    `clip 1, weight noise 0.075, up to ${o.seconds} s of training per unit`);
  const mode = progressMode(o.verbose);
  const rows = [['unit', 'hidden', 'params', 'epochs', 'train NLL', 'valid NLL', 'test NLL', 's/epoch', 'frames/s']];
  const diverged: string[] = [];
  for (const u of PAPER_UNITS) {
    const model = await createModel(musicModelConfig(u, o.seed), { build: o.build });
    try {
      const optimizer: OptimizerConfig = { ...PAPER_RMSPROP, lr: o.lr };
      const line = (r: EpochRecord) => `  ${u.name.padEnd(5)} epoch ${String(r.epoch + 1).padStart(3)}  train ${fmt(r.trainNll)}  valid ${fmt(r.validNll)}${r.best ? ' *' : ''}  ${fmt(r.trainSeconds, 2)} s`;
      const p = new RunProgress(`${u.name.padEnd(5)}`, mode, o.epochs, o.seconds, line);
      const s = await runTraining(model, data, { epochs: o.epochs, optimizer, clipNorm: 1, weightNoise: 0.075, patience: 10, timeLimitSeconds: o.seconds }, p);
      const best = s.bestEpoch >= 0 ? s.history[s.bestEpoch] : undefined;
      const n = s.history.length, secs = n > 0 ? s.history.reduce((a, r) => a + r.trainSeconds, 0) / n : NaN;
      if (mode !== 'bar') {
        console.log(`  ${u.name.padEnd(5)} ${n} epoch(s), ${fmt(secs * n, 1)} s: best valid ${fmt(best?.validNll ?? NaN)}${best ? ` (epoch ${best.epoch + 1})` : ''}; ${stoppedText(s)}`);
      }
      if (s.stopped === 'diverged') diverged.push(`${u.name}: ${s.error}`);
      rows.push([u.name, String(u.hiddenSize), String(model.recurrentParamCount()), String(n),
        fmt(best?.trainNll ?? NaN), fmt(best?.validNll ?? NaN), best ? fmt(evaluateNll(model, test)) : '—', fmt(secs, 2), fmt(data.train.predictedFrames / secs, 0)]);
    } finally {
      model.dispose();
    }
  }
  console.log('\nPer-frame negative log-likelihood (nats, summed over 88 notes; best-validation epoch):\n');
  console.log(table(rows));
  if (diverged.length > 0) throw new DivergedError(`demo: ${diverged.length} of the ${PAPER_UNITS.length} runs diverged (their rows are their best epoch before it): ${diverged.join('; ')}`);
}

interface TrainOpts extends DemoOpts {
  threads: number; unit: Unit; hidden: number; layers: number; peepholes: boolean; resetBefore: boolean; out?: string;
  clip: number; noise: number; patience: number; optimizer: 'rmsprop' | 'adam'; checkpoint?: string; resume?: string;
}

/** --checkpoint and --resume, checked and read before training: a checkpoint written after every
 *  epoch (to --checkpoint, else to the --resume file), and the run resumed from --resume. The
 *  key is what else decides the numbers: a checkpoint of another data set or batch size is
 *  refused by name. */
async function checkpointing(o: TrainOpts): Promise<{ path?: string; resume?: TrainCheckpoint; key: Record<string, unknown> }> {
  const path = o.checkpoint !== undefined ? await prepareOutputFile(o.checkpoint, '.safetensors', '--checkpoint') : o.resume !== undefined ? await prepareOutputFile(o.resume, '.safetensors', '--resume') : undefined;
  const resume = o.resume !== undefined ? (await loadCheckpoint(await checkInputFile(o.resume, '--resume'))).checkpoint : undefined;
  return { path, resume, key: { dataset: o.dataset, batchSize: o.batchSize, seed: o.seed } };
}

/** TrainConfig.checkpoint for the CLI: atomic writes to `path` after every epoch. */
function checkpointOptions(ck: { path?: string; resume?: TrainCheckpoint; key: Record<string, unknown> }, model: Model): CheckpointOptions | undefined {
  if (!ck.path && !ck.resume) return undefined;
  if (ck.resume) console.log(`resuming after epoch ${ck.resume.epoch}${ck.resume.schedule.stopped ? ` (that run had ended: ${ck.resume.schedule.stopped})` : ''}`);
  return { key: ck.key, ...(ck.resume ? { resume: ck.resume } : {}), ...(ck.path ? { save: (c: TrainCheckpoint) => saveCheckpoint(ck.path!, model, c) } : {}) };
}

function checkTrain(o: TrainOpts): void {
  seed(o.seed);
  intIn(o.hidden, '--hidden', 1, MAX_HIDDEN_SIZE);
  intIn(o.layers, '--layers', 1, MAX_LAYERS);
  if (o.peepholes && o.unit !== 'lstm') throw new ConfigError(`--peepholes is an LSTM option; --unit is ${o.unit}`);
  if (o.resetBefore && o.unit !== 'gru') throw new ConfigError(`--reset-before is a GRU option; --unit is ${o.unit}`);
  numIn(o.lr, '--lr', 0, MAX_LR, true);
  intIn(o.batchSize, '--batch-size', 1);
  intIn(o.epochs, '--epochs', 1);
  positive(o.seconds, '--seconds', true);
  intIn(o.patience, '--patience', 1);
  nonNegative(o.clip, '--clip', 'off');
  nonNegative(o.noise, '--noise');
  intIn(o.threads, '--threads', 1, 256);
  if (o.dataset === 'wav' && !o.data) throw new ConfigError('--dataset wav needs --data <folder of .wav files>');
}

function trainConfig(o: TrainOpts): Omit<TrainConfig, 'onEpoch' | 'onBatch' | 'onDiverge' | 'divergeAboveNll'> {
  const optimizer: OptimizerConfig = o.optimizer === 'adam' ? { type: 'adam', lr: o.lr } : { ...PAPER_RMSPROP, lr: o.lr };
  return { epochs: o.epochs, optimizer, clipNorm: o.clip > 0 ? o.clip : undefined, weightNoise: o.noise, patience: o.patience, timeLimitSeconds: o.seconds };
}

/** After training: the best model saved (when there is one and --out is given), and a
 *  divergence turned into DivergedError (exit code 3) that says what was saved. */
async function finishTraining(model: Model, s: TrainSummary, out: string | undefined): Promise<void> {
  const best = s.bestEpoch >= 0 ? s.history[s.bestEpoch] : undefined;
  if (out && best) { await saveModel(model, out); console.log(`saved ${out}${s.stopped === 'diverged' ? ` (epoch ${best.epoch + 1}, the best before the divergence)` : ''}`); }
  if (s.stopped !== 'diverged') return;
  const what = !best ? 'no epoch before it scored within bounds, so there is no model to save'
    : out ? `the best model (epoch ${best.epoch + 1}, valid ${fmt(best.validNll, 3)}) was saved to ${out}`
      : `the best model (epoch ${best.epoch + 1}, valid ${fmt(best.validNll, 3)}) was not saved (no --out)`;
  throw new DivergedError(`training diverged: ${s.error}; ${what}. A smaller --lr may help`);
}

async function trainCmd(o: TrainOpts): Promise<void> {
  checkTrain(o);
  const out = o.out !== undefined ? await prepareOutputFile(o.out, '.safetensors', '--out') : undefined;
  const ck = await checkpointing(o);
  await checkDataFolder(o.dataset, o.data);
  if (AUDIO_DATASETS.includes(o.dataset)) return trainSpeechCmd(o, out, ck);
  const config: ModelConfig = { unit: o.unit, hiddenSize: o.hidden, layers: o.layers, inputSize: PIANO_UNITS, head: { type: 'bernoulli', size: PIANO_UNITS }, seed: o.seed };
  if (o.unit === 'lstm') config.peepholes = o.peepholes;
  if (o.unit === 'gru') config.resetAfter = !o.resetBefore;
  const model = await createModel(config, { build: o.build });
  try {
    const ds = await loadMusic(o.dataset, o.data, o.seed);
    model.data = musicDataInfo(o.dataset, o.seed);
    const mk = (seqs: PianoRollDataset['train'], shuffle: boolean) => Batcher.fromNotes(seqs, { batchSize: o.batchSize, seed: o.seed, shuffle, sortBuckets: shuffle ? 4 : Infinity });
    const line = (r: EpochRecord) => `epoch ${r.epoch + 1}: train ${fmt(r.trainNll, 3)} valid ${fmt(r.validNll, 3)}${r.best ? ' *' : ''} (${fmt(r.trainSeconds)} s)`;
    const p = new RunProgress(`${o.unit} ${o.hidden}`, progressMode(o.verbose), o.epochs, o.seconds, line);
    const s = await runTraining(model, { train: mk(ds.train, true), valid: mk(ds.valid, false) }, { ...trainConfig(o), checkpoint: checkpointOptions(ck, model) }, p, o.threads);
    if (s.bestEpoch >= 0) {
      const testNll = evaluateNll(model, mk(ds.test, false));
      console.log(`best epoch ${s.bestEpoch + 1}: valid ${fmt(s.bestValidNll, 3)}, test ${fmt(testNll, 3)} nats/frame (${stoppedText(s).replace(/ \(.*\)$/, '')}; ${s.history.length} epoch(s), ${fmt(s.seconds, 1)} s)`);
    }
    await finishTraining(model, s, out);
  } finally {
    model.dispose();
  }
}

/** `train --dataset speech|wav`: one speech model, normalised by its training split. */
async function trainSpeechCmd(o: TrainOpts, out: string | undefined, ck: Awaited<ReturnType<typeof checkpointing>>): Promise<void> {
  const ds = await loadAudio(o.dataset, o.data);
  const form = { unit: o.unit, hiddenSize: o.hidden, layers: o.layers, ...(o.unit === 'lstm' ? { peepholes: o.peepholes } : {}), ...(o.unit === 'gru' ? { resetAfter: !o.resetBefore } : {}) };
  const { model, norm } = await createSpeechModel(form, ds, o.seed, o.build, o.dataset);
  try {
    const line = (r: EpochRecord) => `epoch ${r.epoch + 1}: train ${fmt(r.trainNll, 3)} valid ${fmt(r.validNll, 3)} nats/step${r.best ? ' *' : ''} (${fmt(r.trainSeconds)} s)`;
    const p = new RunProgress(`${o.unit} ${o.hidden}`, progressMode(o.verbose), o.epochs, o.seconds, line);
    const data = { train: waveBatcher(ds.train, norm, o.batchSize, o.seed, true), valid: waveBatcher(ds.valid, norm, o.batchSize, o.seed, false) };
    const s = await runTraining(model, data, { ...trainConfig(o), checkpoint: checkpointOptions(ck, model) }, p, o.threads);
    if (s.bestEpoch >= 0) {
      const testNll = evaluateNll(model, waveBatcher(ds.test, norm, o.batchSize, o.seed, false));
      console.log(`best epoch ${s.bestEpoch + 1} (${stoppedText(s).replace(/ \(.*\)$/, '')}; ${s.history.length} epoch(s), ${fmt(s.seconds, 1)} s); test: ${describeSpeechNll(testNll, norm, 10)}`);
    }
    await finishTraining(model, s, out);
  } finally {
    model.dispose();
  }
}

interface EvalOpts { dataset?: string; data?: string; split: 'train' | 'valid' | 'test'; batchSize: number; seed?: number; build?: BuildKind }

/** `eval`: the data set is --dataset, else the one the model file records, else synthetic;
 *  the output line says when --dataset is not the one the model was trained on. */
async function evalCmd(file: string, o: EvalOpts): Promise<void> {
  intIn(o.batchSize, '--batch-size', 1);
  if (o.seed !== undefined) seed(o.seed);
  await checkInputFile(file, 'model file');
  if (o.data !== undefined) await checkInputFolder(o.data, '--data');
  const model: Model = await loadModel(file, { build: o.build });
  try {
    const isSpeech = model.data?.kind === 'speech';
    const recorded = recordedDataset(model.data);
    const dataset = o.dataset ?? recorded ?? (isSpeech ? 'speech' : 'synthetic');
    if (!DATASET_NAMES.includes(dataset)) throw new ConfigError(`${file} records the data set ${JSON.stringify(dataset)}, which is none of ${DATASET_NAMES.join(', ')}: give --dataset`);
    const note = o.dataset === undefined
      ? (recorded === undefined ? ' (the model file does not record its data set; give --dataset)' : '')
      : (recorded !== undefined && recorded !== o.dataset ? ` (the model was trained on ${recorded})` : '');
    if (isSpeech && !AUDIO_DATASETS.includes(dataset)) throw new ConfigError(`${file} is a speech model: evaluate it with --dataset ${AUDIO_DATASETS.join(' or ')}, not ${dataset}`);
    if (!isSpeech && AUDIO_DATASETS.includes(dataset)) throw new ConfigError(`${file} is not a speech model (it has no speech data metadata): --dataset ${dataset} needs a model trained on audio`);
    if (dataset === 'wav' && !o.data) throw new ConfigError('--dataset wav needs --data <folder of .wav files>');
    await checkDataFolder(dataset, o.data);
    if (isSpeech) {
      const norm = modelNorm(model);
      const ds = await loadAudio(dataset, o.data);
      const b = waveBatcher(ds[o.split], norm, o.batchSize, 1, false);
      const r = evaluateNllScores(model, b);
      console.log(`${dataset} ${o.split}${note} (${b.predictedFrames} steps, normalised with the model's mean ${norm.mean.toFixed(3)}, std ${norm.std.toFixed(3)}): pooled ${describeSpeechNll(r.pooled, norm, norm.hop)}; mean over utterances ${r.perSequence.toFixed(4)} nats per step`);
      return;
    }
    const c = model.config;
    if (c.inputSize !== PIANO_UNITS || c.head.type !== 'bernoulli' || c.head.outputs !== PIANO_UNITS) {
      throw new ConfigError(`${file} reads ${c.inputSize} values with a ${c.head.outputs}-output ${c.head.type} head; eval scores piano-roll models (${PIANO_UNITS} inputs, a ${PIANO_UNITS}-unit bernoulli head) and speech models`);
    }
    const dataSeed = o.seed ?? (dataset === recorded && typeof model.data?.seed === 'number' ? model.data.seed : 1);
    const ds = await loadMusic(dataset, o.data, dataSeed);
    const b = Batcher.fromNotes(ds[o.split], { batchSize: o.batchSize, shuffle: false, sortBuckets: Infinity });
    const r = evaluateNllScores(model, b);
    console.log(`${dataset} ${o.split}${note}: ${fmt(r.pooled, 4)} nats per frame pooled over ${b.predictedFrames} frames; ${fmt(r.perSequence, 4)} as the mean over ${ds[o.split].length} sequences of their per-frame NLL`);
  } finally {
    model.dispose();
  }
}

export function buildProgram(): Command {
  const p = new Command('gatedrnn').description('Train and evaluate tanh-RNN, LSTM and GRU sequence models (WebAssembly SIMD)').exitOverride().addHelpText('after', EXIT_HELP);
  const datasetNames = DATASET_NAMES;
  const dataOption = () => new Option('--data <dir>', 'data directory (default: $GATEDRNN_DATA)');
  const buildOption = () => new Option('--build <kind>', 'WebAssembly build').choices(['relaxed', 'simd', 'debug']);
  const common = (c: Command) => c
    .addOption(new Option('--dataset <name>', 'data set').choices(datasetNames).default('synthetic'))
    .addOption(dataOption())
    .option('--seed <n>', 'seed', int, 1)
    .addOption(buildOption())
    .option('--verbose', 'a line per epoch (default: a progress bar on a terminal, else only the results)', false)
    .addHelpText('after', EXIT_HELP);
  common(p.command('demo').description('train the three units at the paper\'s sizes and print a table (the default job of npm start)'))
    .option('--seconds <s>', 'training time budget per unit', num, 30)
    .option('--epochs <n>', 'most epochs per unit', int, 200)
    .option('--batch-size <n>', 'sequences per update', int, 8)
    .option('--lr <x>', 'learning rate', num, 1e-3)
    .action((o: DemoOpts) => demo(o));
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
    .option('--out <file>', 'write the best model here (safetensors), also when training diverges')
    .option('--checkpoint <file>', 'write a checkpoint here after every epoch (model, optimizer, RNG and schedule; atomic)')
    .option('--resume <file>', 'resume from this checkpoint, bit-identically, with the same options (and keep checkpointing to it unless --checkpoint is given)')
    .action((o: TrainOpts) => trainCmd(o));
  p.command('eval').description('per-frame NLL of a saved model on a data set split').argument('<model>', 'model file (.safetensors)')
    .addOption(new Option('--dataset <name>', 'data set (default: the one the model file records, else synthetic)').choices(datasetNames))
    .addOption(dataOption())
    .addOption(new Option('--split <split>', 'split').choices(['train', 'valid', 'test']).default('test'))
    .option('--batch-size <n>', 'sequences per batch', int, 16)
    .option('--seed <n>', 'seed of the synthetic data (default: the one the model file records, else 1)', int)
    .addOption(buildOption())
    .addHelpText('after', EXIT_HELP)
    .action((file: string, o: EvalOpts) => evalCmd(file, o));
  registerReproduce(p);
  registerWorker(p);
  registerSample(p);
  registerExport(p);
  return p;
}

/** A Node system error (EACCES, ENOSPC, …): reported in one line like ours. */
function isSystemError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && typeof (e as NodeJS.ErrnoException).syscall === 'string';
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT_CODES.ok;
  } catch (e) {
    const err = e as { code?: string; exitCode?: number; message?: string };
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT_CODES.ok;
    if (typeof err.code === 'string' && err.code.startsWith('commander.')) return err.exitCode ?? EXIT_CODES.error;
    if (e instanceof GatedRnnError) {
      console.error(`gatedrnn: ${e.name} (${e.code}): ${e.message}`);
      return e instanceof DivergedError ? EXIT_CODES.diverged : EXIT_CODES.error;
    }
    if (isSystemError(e)) { console.error(`gatedrnn: ${e.name} (${e.code}): ${e.message}`); return EXIT_CODES.error; }
    throw e;
  }
}
