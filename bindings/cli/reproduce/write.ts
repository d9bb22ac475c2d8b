// What a run writes besides the trial files: per data set `trials.json`, `README.md` (Table 2
// beside the paper, settings, run, every trial), the learning curves and `run.json` (every
// invocation); and `<out>/README.md` over every data set folder. Every write is atomic.
import { readFile, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism, cpus, platform, release, totalmem } from 'node:os';
import { writeFileAtomic } from '../../io/file-node.js';
import { datasetTitle } from '../../experiment/paper.js';
import type { TrialResult } from '../../experiment/trial.js';
import { datasetReport, curvePoints, summaryTable, type RunSettings, type ReportMeta } from '../../report/table.js';
import { learningCurves } from '../../report/plots.js';
import { REAL_DATASETS, REPRODUCE_DEFAULTS, SPEECH_DEFAULTS, type ReproduceOptions } from './options.js';
import { planTrials, toJson, parseJson } from './plan.js';

/** One invocation of reproduce on a data set, as `run.json` lists it. */
export interface Invocation { command: string; started: string; finished: string; seconds: number; trialsRun: number; workers: number; machine: string }
export interface RunLog { invocations: Invocation[] }

const utf8 = (s: string) => new TextEncoder().encode(s);

export function machineDescription(): string {
  const c = cpus();
  return `${c[0]?.model?.trim() ?? 'unknown CPU'}, ${availableParallelism()} logical cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${platform()} ${release()}, Node ${process.version}`;
}

/** `<dir>/run.json`, or an empty log when no invocation has finished there. */
export async function readRunLog(dir: string): Promise<RunLog> {
  try { return JSON.parse(await readFile(join(dir, 'run.json'), 'utf8')) as RunLog; } catch { return { invocations: [] }; }
}

/** Adds an invocation to `<dir>/run.json`; returns the whole log. */
export async function appendRunLog(dir: string, inv: Invocation): Promise<RunLog> {
  const log = await readRunLog(dir);
  log.invocations.push(inv);
  await writeFileAtomic(join(dir, 'run.json'), utf8(toJson(log)));
  return log;
}

/** A log for trials whose run was cut off before any invocation finished: one invocation
 *  spanning the trials' own start and finish times. */
export function logFromTrials(name: string, results: TrialResult[], o: ReproduceOptions): RunLog {
  const started = results.map((r) => r.startedAt).sort()[0], finished = results.map((r) => r.finishedAt).sort().at(-1)!;
  return {
    invocations: [{
      command: o.command ?? `gatedrnn reproduce --dataset ${name}`, started, finished,
      seconds: (Date.parse(finished) - Date.parse(started)) / 1000, trialsRun: results.length, workers: o.workers, machine: machineDescription(),
    }],
  };
}

/** The ways a run falls short of the full protocol, in words for the report. */
function reductions(o: ReproduceOptions, results: TrialResult[]): string[] {
  const r: string[] = [];
  if (o.onlyTrials.length > 0) r.push(`only ${o.onlyTrials.length} of the ${o.trials} learning-rate draws per unit (draws ${[...o.onlyTrials].sort((a, b) => a - b).join(', ')})`);
  else if (o.trials < 10) r.push(`${o.trials} of the paper's 10 learning-rate trials per unit`);
  const defaultEpochs = o.dataset === 'speech' ? SPEECH_DEFAULTS.epochs : REPRODUCE_DEFAULTS.epochs;
  if (o.epochs < defaultEpochs) r.push(`at most ${o.epochs} epochs (default ${defaultEpochs})`);
  else if (o.dataset === 'speech') r.push(`at most ${o.epochs} epochs (a cap that keeps the speech grid within about 90 minutes on two cores)`);
  if (o.trialSeconds > 0) r.push(`at most ${o.trialSeconds} s of training per trial`);
  if (o.maxLength > 0) r.push(`training on chunks of ${o.maxLength} steps`);
  if (o.evalNoise !== undefined && o.evalNoise > 0) r.push(`ablation: weight noise σ = ${o.evalNoise} also at every evaluation`);
  if (o.recurrentInit === 'uniform') r.push('ablation: recurrent matrices U(−0.1, 0.1) instead of orthogonal');
  const planned = planTrials(results[0]?.spec.dataset ?? '', o).length;
  if (o.schedule === 'halving') r.push(`successive halving over the learning-rate draws (η = ${o.halvingEta ?? 3}): the table and the trials below are the survivors trained to the full cap; the pruned draws' shorter trials are in trials/*-rung*.json`);
  else if (results.length < planned) r.push(`${results.length} of the ${planned} planned trials had finished when this report was written`);
  const capped = results.filter((x) => x.stopped === 'epochs' || x.stopped === 'time').length;
  // without early stopping (patience ≥ epochs, the released code's schedule) every trial runs to the cap by design
  if (capped > 0 && o.patience < o.epochs) r.push(`${capped} of ${results.length} trials were stopped by the epoch or time cap rather than by early stopping`);
  return r;
}

/** `trials.json`, the two curve figures and `README.md` of one data set folder. */
export async function writeDatasetReport(dir: string, name: string, results: TrialResult[], o: ReproduceOptions, log: RunLog): Promise<void> {
  const sorted = [...results].sort((a, b) => a.spec.id.localeCompare(b.spec.id));
  // one trial per line: compact, and still diffable
  const lines = sorted.map((r) => toJson(r, 0).trimEnd());
  await writeFileAtomic(join(dir, 'trials.json'), utf8('[\n' + lines.join(',\n') + '\n]\n'));
  const speech = results.some((r) => r.spec.task === 'speech');
  const figures = await learningCurves(curvePoints(results), datasetTitle(name), speech ? 'NLL, nats per sample on the int16 scale (log scale)' : undefined);
  await writeFileAtomic(join(dir, 'curves-epochs.svg'), utf8(figures.epoch));
  await writeFileAtomic(join(dir, 'curves-seconds.svg'), utf8(figures.seconds));
  // the per-sequence-mean curves, when the trials recorded that convention (music; the speech
  // report keeps to the units of its own table)
  const seqPts = speech ? [] : curvePoints(results, 'perSequence').filter((p) => Number.isFinite(p.nll));
  const figureNames: { epoch: string; seconds: string; epochSeq?: string; secondsSeq?: string } = { epoch: 'curves-epochs.svg', seconds: 'curves-seconds.svg' };
  if (seqPts.length > 0) {
    const seq = await learningCurves(seqPts, `${datasetTitle(name)} (per-sequence mean)`);
    await writeFileAtomic(join(dir, 'curves-epochs-per-sequence.svg'), utf8(seq.epoch));
    await writeFileAtomic(join(dir, 'curves-seconds-per-sequence.svg'), utf8(seq.seconds));
    Object.assign(figureNames, { epochSeq: 'curves-epochs-per-sequence.svg', secondsSeq: 'curves-seconds-per-sequence.svg' });
  }
  const last = log.invocations[log.invocations.length - 1];
  const settings: RunSettings = { trials: o.onlyTrials.length || o.trials, epochs: o.epochs, patience: o.patience, batchSize: o.batchSize, seeds: o.seeds, lrLog: [o.lrLogMin, o.lrLogMax], reductions: reductions(o, results) };
  const meta: ReportMeta = {
    command: last.command, machine: last.machine,
    date: `${log.invocations[0].started} – ${last.finished}`,
    wallSeconds: log.invocations.reduce((a, x) => a + x.seconds, 0),
    trialSeconds: results.reduce((a, r) => a + r.seconds, 0),
    workers: last.workers,
  };
  const md = datasetReport(name, results, settings, meta, figureNames);
  await writeFileAtomic(join(dir, 'README.md'), utf8(md));
}

/** `<out>/README.md`: Table 2 over every data set folder with a trials.json. */
export async function writeSummary(out: string): Promise<void> {
  const entries = await readdir(out, { withFileTypes: true });
  const order = [...REAL_DATASETS, 'speech', 'synthetic', 'midi'];
  const dirs = entries.filter((e) => e.isDirectory() && existsSync(join(out, e.name, 'trials.json'))).map((e) => e.name)
    .sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99) || a.localeCompare(b));
  if (dirs.length === 0) return;
  const byDataset = [];
  for (const d of dirs) {
    const results = parseJson<TrialResult[]>(await readFile(join(out, d, 'trials.json'), 'utf8'));
    const trials = new Set(results.map((r) => r.spec.trial)).size;
    const s = results[0].spec;
    byDataset.push({ dataset: d, results, note: `[${trials} trials, ≤${s.epochs} epochs, B=${s.batchSize}](${d}/README.md)` });
  }
  const md = ['# Table 2 reproduction (polyphonic music)', '',
    'Test NLL per frame in nats (train NLL in brackets) of the best-validation trial per unit; the paper\'s numbers are Chung et al. (2014), Table 2.',
    'Each data set\'s folder holds its command, machine, date, run time, every trial and the learning curves.', '',
    summaryTable(byDataset), ''];
  const extra = [['PROTOCOL.md', 'protocol, defaults and the reasons'], ['NOTES.md', 'discussion of the results']].filter(([f]) => existsSync(join(out, f)));
  if (extra.length > 0) md.push(extra.map(([f, what]) => `See [${f}](${f}) for the ${what}.`).join(' '), '');
  await writeFileAtomic(join(out, 'README.md'), utf8(md.join('\n')));
}
