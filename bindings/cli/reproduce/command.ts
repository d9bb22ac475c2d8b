// The `reproduce` command line: its options, in help groups, parsed by the shared parsers
// (../parse.ts) into ReproduceOptions. Defaults are REPRODUCE_DEFAULTS (options.ts); the reasons
// for them are in docs/results/PROTOCOL.md.
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { Command, Option } from 'commander';
import { ORIGINAL_BASE_URL } from '../../data/download-node.js';
import { ConfigError } from '../../errors.js';
import { int, num, intList, nameList, hiddenList, range, numPair } from '../parse.js';
import { DATASET_CHOICES, REPRODUCE_DEFAULTS, SPEECH_DEFAULTS, UNIT_KEYS, defaultOptions, type ReproduceOptions } from './options.js';
import { reproduce } from './index.js';
import { PASSWORD_ENV, runQueueWorker } from './queue.js';
import { checkInputFolder } from '../checks.js';
import { NotFoundError } from '../../errors.js';
import type { BuildKind } from '../../wasm.js';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Adds `worker` to the program: a process that runs the trials of `reproduce --queue`. */
export function registerWorker(program: Command): Command {
  return program.command('worker')
    .description('run trials from a `reproduce --queue` job queue (BullMQ on Redis), each on a thread of its own, until interrupted')
    .requiredOption('--queue <url>', `the queue: redis://host:port[/db] or rediss://… (password in $${PASSWORD_ENV})`)
    .option('--concurrency <n>', 'trials at once (one thread and WebAssembly instance each)', int, 1)
    .option('--data <dir>', 'this machine\'s data directory (default: $GATEDRNN_DATA)')
    .option('--cache <dir>', 'download cache of the original pickles')
    .option('--lock-seconds <s>', 'a trial whose worker stops renewing its lock this long is given to another worker', num, 30)
    .addOption(new Option('--build <kind>', 'WebAssembly build').choices(['relaxed', 'simd', 'debug']))
    .action(async (o: { queue: string; concurrency: number; data?: string; cache?: string; lockSeconds: number; build?: BuildKind }) => {
      if (!Number.isInteger(o.concurrency) || o.concurrency < 1 || o.concurrency > 256) throw new ConfigError(`--concurrency must be an integer in 1..256, got ${o.concurrency}`);
      if (!(o.lockSeconds >= 1 && o.lockSeconds <= 3600)) throw new ConfigError(`--lock-seconds must be in 1..3600, got ${o.lockSeconds}`);
      if (o.data !== undefined) await checkInputFolder(o.data, '--data');
      const workerUrl = new URL('./reproduce-worker.js', import.meta.url);
      if (!existsSync(fileURLToPath(workerUrl))) throw new NotFoundError(`the worker script ${fileURLToPath(workerUrl)} does not exist (run \`npm run build\`)`);
      await runQueueWorker({ ...o, workerUrl });
    });
}

/** Adds `reproduce` to the program. */
export function registerReproduce(program: Command): Command {
  const d = REPRODUCE_DEFAULTS;
  return program.command('reproduce')
    .description('the paper\'s experiments (music, or raw speech with --dataset speech): 3 units × learning-rate trials on worker threads → Table 2 and learning curves (resumable)')
    .optionsGroup('Data:')
    .addOption(new Option('--dataset <name>', 'data set').choices(DATASET_CHOICES).default('jsb'))
    .option('--data <dir>', 'data directory with the <name>.json.gz files and speech/ (default: $GATEDRNN_DATA)')
    .option('--midi <dir>', 'for --dataset midi: a folder with train/, valid/, test/ of .mid files')
    .option('--wav <dir>', 'for --dataset speech: your own 16-bit mono WAV files instead of the spoken digits (train/, valid/, test/ or one folder)')
    .option('--download', 'fetch a missing data set\'s original pickle from the author\'s page into the cache', false)
    .option('--download-url <url>', 'where the original pickles are published', ORIGINAL_BASE_URL)
    .option('--cache <dir>', 'download cache (default: $GATEDRNN_CACHE, $XDG_CACHE_HOME/gatedrnn or ~/.cache/gatedrnn)')
    .option('--synthetic-train <n>', 'synthetic data: training sequences (valid and test get a quarter)', int, d.syntheticTrain)
    .option('--synthetic-length <min,max>', 'synthetic data: sequence length range', range, [...d.syntheticLength])
    .optionsGroup('Grid (units × learning-rate draws × seeds):')
    .option('--seeds <list>', 'comma-separated seeds (init, shuffling, weight noise); the grid runs once per seed', intList, [...d.seeds])
    .option('--units <list>', 'units to run', nameList, [...UNIT_KEYS])
    .addOption(new Option('--hidden <list>', 'hidden sizes, e.g. tanh=100,gru=46,lstm=36').argParser(hiddenList).default({}, 'Table 1'))
    .optionsGroup('Learning rates:')
    .option('--trials <n>', 'learning-rate trials per unit (paper: 10)', int, d.trials)
    .option('--lr-log-range <min,max>', 'draw learning rates as exp(U(min, max))', numPair, [d.lrLogMin, d.lrLogMax])
    .option('--lr-seed <n>', 'seed of the learning-rate draws', int, d.lrSeed)
    .option('--only-trials <list>', 'run only these learning-rate draws (comma-separated indices below --trials)', intList, [])
    .option('--lr-decay-epochs <n>', 'linear learning-rate decay over this many epochs (0: off)', int, d.lrDecayEpochs)
    .option('--lr-decay-to <x>', 'final fraction of the learning rate', num, d.lrDecayTo)
    .optionsGroup('Stopping:')
    .option('--epochs <n>', 'most epochs per trial', int, d.epochs)
    .option('--patience <n>', 'early stopping: epochs without a better validation NLL', int, d.patience)
    .option('--trial-seconds <s>', 'stop a trial after this much training time (0: no limit)', num, d.trialSeconds)
    .addOption(new Option('--schedule <kind>', 'full: every draw to --epochs; halving: successive halving over the draws (the best 1/η go on after each rung)').choices(['full', 'halving']))
    .option('--halving-eta <n>', 'with --schedule halving: keep the best 1/η of the draws after each rung', int)
    .optionsGroup('Batches:')
    .option('--batch-size <n>', 'sequences per update (paper code: 1)', int, d.batchSize)
    .option('--sort-buckets <n>', 'with batch size > 1: sort by length within buckets of n batches', int, d.sortBuckets)
    .option('--max-length <n>', 'cut training sequences into chunks of at most n steps (0: whole sequences)', int, d.maxLength)
    .optionsGroup('Regularisation:')
    .option('--clip <x>', 'rescale the gradient to this global L2 norm when larger (0: off)', num, d.clip)
    .option('--noise <x>', 'weight-noise σ in training', num, d.noise)
    .addOption(new Option('--clip-mode <what>', 'ablation: clip the gradient (paper) or the optimizer\'s step (released code)').choices(['gradient', 'step']))
    .option('--eval-noise <x>', 'ablation: weight-noise σ also when evaluating (0: clean weights)', num)
    .addOption(new Option('--recurrent-init <kind>', 'ablation: orthogonal (paper code) or uniform U(−0.1, 0.1) recurrent matrices').choices(['orthogonal', 'uniform']))
    .optionsGroup('Beyond the paper:')
    .addOption(new Option('--optimizer <kind>', 'rmsprop (paper, settings below) or adam (β 0.9, 0.999, ε 1e-8)').choices(['rmsprop', 'adam']))
    .option('--noise-decay-to <f>', 'decay the weight noise with the learning rate to this fraction of σ (paper: 1, constant)', num)
    .option('--forget-bias <x>', 'initial forget-gate bias of the LSTM (paper: 0)', num)
    .addOption(new Option('--on-diverge <what>', 'a diverged update ends the trial (stop, paper) or is left out (skip; 20 in a row stop it)').choices(['stop', 'skip']))
    .optionsGroup('Compute:')
    .option('--train-eval-every <k>', 'music: the per-epoch train curve scores every k-th training sequence (the reported train NLL is always the whole set\'s)', int)
    .option('--workers <n>', 'worker threads (0: in this thread)', int, availableParallelism())
    .option('--queue <url>', `run the trials on this BullMQ job queue (redis://host:port or rediss://; password in $${PASSWORD_ENV}) with \`gatedrnn worker\` processes anywhere, instead of threads here`)
    .option('--attempts <n>', 'with --queue: tries of a trial that throws before it is reported as failed', int, 3)
    .addOption(new Option('--build <kind>', 'WebAssembly build').choices(['relaxed', 'simd', 'debug']))
    .optionsGroup('RMSProp:')
    .option('--rms-decay <x>', 'RMSProp decay of the squared-gradient average', num, d.rmsDecay)
    .option('--momentum <x>', 'RMSProp momentum', num, d.momentum)
    .option('--rms-floor <x>', 'RMSProp floor on the RMS', num, d.rmsFloor)
    .option('--rms-eps <x>', 'RMSProp epsilon added to the RMS', num, d.rmsEps)
    .optionsGroup('Output:')
    .option('--out <dir>', 'output folder (one subfolder per data set; rerun the same command to resume)', 'reproduce-results')
    .option('--report-only', 'write the tables and plots from the finished trials, train nothing', false)
    .option('--save-models', 'also save each trial\'s best model as <out>/<dataset>/models/<id>.safetensors (for eval and sample)', false)
    .addOption(new Option('--progress <mode>', 'progress display: auto = bars on a terminal, else a line per finished trial; log = also a line per start and epoch').choices(['auto', 'bars', 'log', 'none']).default('auto'))
    .option('--verbose', 'a line per epoch of every trial (--progress log)', false)
    .addHelpText('after', '\nExit codes: 0 done (a diverged trial is a result of the grid); 1 a bad option, folder or data set (one\nline: gatedrnn: <Error> (<code>): what is wrong, before any work), or some trials failed (the\nfinished ones are saved; rerun to retry).')
    .action(async (opts: Record<string, unknown>, cmd: Command) => {
      // the command that trains (a --report-only rerun of it names the same run)
      const argv = process.argv.slice(2).filter((a) => a !== '--report-only');
      const { lrLogRange, verbose, attempts, ...given } = opts as Record<string, unknown> & { lrLogRange: [number, number]; verbose: boolean; attempts: number };
      given.queueAttempts = attempts;
      if (verbose) {
        if (given.progress !== 'auto' && given.progress !== 'log') throw new ConfigError(`--verbose is --progress log; it cannot go with --progress ${String(given.progress)}`);
        given.progress = 'log';
      }
      [given.lrLogMin, given.lrLogMax] = lrLogRange;
      // speech has its own defaults for the options the user did not set (options.ts)
      if (given.dataset === 'speech') for (const k of Object.keys(SPEECH_DEFAULTS)) if (cmd.getOptionValueSource(k) === 'default') delete given[k];
      const o = defaultOptions({ ...(given as Partial<ReproduceOptions>), command: `gatedrnn ${argv.join(' ')}` });
      const outcomes = await reproduce(o);
      for (const x of outcomes) {
        console.log(`${x.dataset}: ${x.ran} trial(s) run, ${x.skipped} reused → ${join(x.dir, 'README.md')}`);
      }
    });
}
