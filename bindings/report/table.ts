// Selection and tables of a reproduction run: per unit (and seed) the trial with the best
// validation NLL is selected, and its test NLL is reported beside the paper's Table 2.
import type { TrialResult } from '../experiment/trial.js';
import { PAPER_UNIT_NAMES, datasetTitle, paperScore } from '../experiment/paper.js';
import type { CurvePoint } from './plots.js';
import { f, signed, mdTable, mean, sd } from './format.js';
import { gatedAheadOfTanh, isSpeechResult, speechCurveNll, speechIntro, speechTable2Rows } from './speech.js';

export interface Selection {
  unit: string;
  seed: number;
  /** The selected trial (best validation NLL), or undefined if no trial of this unit/seed scored. */
  best?: TrialResult;
  /** Every finished trial of this unit and seed, by learning-rate index. */
  trials: TrialResult[];
}

/** Per unit and seed, the trial with the lowest finite best-validation NLL. */
export function selectBest(results: TrialResult[]): Selection[] {
  const groups = new Map<string, Selection>();
  for (const r of results) {
    const key = `${r.spec.unitName}\u0000${r.spec.seed}`;
    let g = groups.get(key);
    if (!g) { g = { unit: r.spec.unitName, seed: r.spec.seed, trials: [] }; groups.set(key, g); }
    g.trials.push(r);
    if (Number.isFinite(r.bestValidNll) && (!g.best || r.bestValidNll < g.best.bestValidNll)) g.best = r;
  }
  const order = (u: string) => { const i = PAPER_UNIT_NAMES.indexOf(u); return i < 0 ? 99 : i; };
  const out = [...groups.values()];
  out.forEach((g) => g.trials.sort((a, b) => a.spec.trial - b.spec.trial));
  return out.sort((a, b) => order(a.unit) - order(b.unit) || a.unit.localeCompare(b.unit) || a.seed - b.seed);
}

export interface RunSettings {
  trials: number;
  epochs: number;
  patience: number;
  batchSize: number;
  seeds: number[];
  /** The interval of the log-uniform learning-rate draws (default the paper's −12, −6). */
  lrLog?: [number, number];
  /** Settings that differ from the full protocol, in words (e.g. "3 of 10 trials"). */
  reductions: string[];
}

/** The Table-2 rows of one data set: ours (selected trial, mean over seeds) beside the paper. */
export function table2Rows(dataset: string, sel: Selection[]): string[][] {
  const rows = [['unit', 'params', 'ours, pooled: test (train)', 'paper: test (train)', 'Δ test (ours − paper)', 'selected lr', 'best epoch / run', 'seeds', 'ours, per-sequence mean: test (train)', 'Δ test, per-sequence']];
  const units = [...new Set(sel.map((s) => s.unit))];
  for (const unit of units) {
    const got = sel.filter((s) => s.unit === unit && s.best).map((s) => s.best!);
    const p = paperScore(dataset, unit);
    if (got.length === 0) {
      rows.push([unit, '—', 'no finished trial', p ? `${f(p.test)} (${f(p.train)})` : '—', '—', '—', '—', '0', '—', '—']);
      continue;
    }
    const test = mean(got.map((r) => r.testNll)), trainNll = mean(got.map((r) => r.trainNll));
    const spread = got.length > 1 ? ` ± ${f(sd(got.map((r) => r.testNll)))}` : '';
    const testSeq = mean(got.map((r) => seqScores(r).test)), trainSeq = mean(got.map((r) => seqScores(r).train));
    rows.push([
      unit, String(got[0].recurrentParams),
      `**${f(test)}**${spread} (${f(trainNll)})`,
      p ? `${f(p.test)} (${f(p.train)})` : '—',
      p ? signed(test - p.test) : '—',
      got.map((r) => r.spec.lr.toExponential(2)).join(', '),
      got.map((r) => `${r.bestEpoch + 1} / ${r.history.length}`).join(', '),
      got.map((r) => r.spec.seed).join(', '),
      `${f(testSeq)} (${f(trainSeq)})`,
      p ? signed(testSeq - p.test) : '—',
    ]);
  }
  return rows;
}

/** The per-sequence-mean NLLs of a selected trial: test, and train at its best epoch (NaN in
 *  trial files written before both conventions were recorded). */
function seqScores(r: TrialResult): { test: number; train: number } {
  return { test: r.testNllSeq ?? NaN, train: r.trainNllSeq ?? (r.bestEpoch >= 0 ? r.history[r.bestEpoch].trainNllSeq ?? NaN : NaN) };
}

/** Every trial of the grid, for the appendix of the report. */
export function trialRows(results: TrialResult[]): string[][] {
  const rows = [['unit', 'seed', 'trial', 'lr', 'epochs run', 'best epoch', 'train NLL', 'valid NLL', 'test NLL', 'stopped', 'seconds', 'test NLL, per-sequence mean']];
  const order = (u: string) => PAPER_UNIT_NAMES.indexOf(u);
  const sorted = [...results].sort((a, b) => order(a.spec.unitName) - order(b.spec.unitName) || a.spec.seed - b.spec.seed || a.spec.trial - b.spec.trial);
  for (const r of sorted) {
    rows.push([r.spec.unitName, String(r.spec.seed), String(r.spec.trial), r.spec.lr.toExponential(2), String(r.history.length),
      r.bestEpoch >= 0 ? String(r.bestEpoch + 1) : '—', f(r.trainNll, 3), f(r.bestValidNll, 3), f(r.testNll, 3), r.stopped, f(r.seconds, 0), f(r.testNllSeq, 3)]);
  }
  return rows;
}

export interface ReportMeta {
  command: string;
  machine: string;
  date: string;
  /** Wall-clock seconds of the invocations that produced these trials, and the summed trial time. */
  wallSeconds: number;
  trialSeconds: number;
  workers: number;
}

/** The Markdown report of one data set. */
export function datasetReport(dataset: string, results: TrialResult[], settings: RunSettings, meta: ReportMeta, figures: { epoch: string; seconds: string; epochSeq?: string; secondsSeq?: string }): string {
  const sel = selectBest(results);
  const title = datasetTitle(dataset);
  const s0 = results[0]?.spec;
  const lines: string[] = [];
  lines.push(`# ${title}: Table 2 reproduction`, '');
  if (s0 && isSpeechResult(results[0])) {
    const ahead = gatedAheadOfTanh(sel);
    lines.push(...speechIntro(results[0]), '', mdTable(speechTable2Rows(sel)), '',
      ahead === undefined ? 'The ordering of the units cannot be told yet (a unit has no finished trial).'
        : `**Ordering:** ${ahead ? 'both gated units are ahead of tanh, as in the paper' : 'the paper\'s ordering (both gated units ahead of tanh) does not hold here'}.`, '');
  } else {
    lines.push('Average negative log-likelihood per predicted frame, nats (summed over the 88 notes), on the **test** set with the **train** set in brackets,',
      'for the trial with the best validation NLL per unit (the paper\'s selection). Paper: Chung et al. (2014), Table 2.',
      'Two conventions: **pooled** = total NLL ÷ all predicted frames of the split; **per-sequence mean** = the mean over sequences of each sequence\'s own per-frame NLL (— where the trial files predate it).', '');
    lines.push(mdTable(table2Rows(dataset, sel)), '');
  }
  if (settings.reductions.length > 0) lines.push(`**Caps and reductions:** ${settings.reductions.join('; ')}.`, '');
  lines.push('## Settings', '');
  if (s0) {
    const o = s0.optimizer as Record<string, unknown>;
    const [lo, hi] = (settings.lrLog ?? [-12, -6]).map((x) => String(x).replace('-', '−'));
    const opt = o.type === 'adam' ? `adam: β ${o.beta1}, ${o.beta2}, ε ${o.eps}` : `${String(o.type)}: decay ${o.decay}, momentum ${o.momentum}, RMS floor ${o.floor}, eps ${o.eps}`;
    const clip = s0.clipNorm > 0 ? `${s0.clipMode === 'step' ? 'the optimizer\'s step (the released code)' : 'the gradient'}: global norm rescaled to ${s0.clipNorm} when larger` : 'no clipping';
    const fb = results.find((r) => r.spec.forgetBias !== undefined)?.spec.forgetBias;
    const beyond = [fb !== undefined ? `LSTM forget-gate bias ${fb} at initialisation` : '',
      s0.noiseDecayTo !== undefined ? `weight noise decayed with the learning rate to ${s0.noiseDecayTo}×σ` : '',
      s0.onDiverge === 'skip' ? 'a diverged update is left out (20 in a row end the trial)' : 'a diverged update ends the trial with its best parameters'].filter(Boolean);
    lines.push(`- ${settings.trials} learning-rate trials per unit, lr = exp(U(${lo}, ${hi})) (seeded draws shared by the units); seeds ${settings.seeds.join(', ')}`,
      `- batch size ${settings.batchSize}; at most ${settings.epochs} epochs; ${settings.patience >= settings.epochs ? 'no early stopping' : `early stopping after ${settings.patience} epochs without a better validation NLL`}; the best-validation parameters are kept`,
      `- ${opt}; learning rate decayed linearly to ${s0.lrDecayTo}× over ${s0.lrDecayEpochs} epochs${s0.lrDecayEpochs > 0 ? '' : ' (off)'}`,
      `- ${clip}; weight noise σ = ${s0.weightNoise} in training only; ${s0.maxLength > 0 ? `training sequences cut into chunks of ${s0.maxLength} steps` : 'whole sequences'}; ${s0.timeLimitSeconds > 0 ? `at most ${s0.timeLimitSeconds} s of training per trial` : 'no time limit per trial'}`,
      `- ${beyond.join('; ')}${s0.trainEvalEvery ? `; the per-epoch train curve scores every ${s0.trainEvalEvery}th training sequence (the train NLL in the table is the whole set's)` : ''}`,
      `- frames predicted: train ${results[0].frames.train}, valid ${results[0].frames.valid}, test ${results[0].frames.test}; build ${results[0].build}`);
  }
  lines.push('', '## Run', '',
    `- command: \`${meta.command}\``,
    `- machine: ${meta.machine}`,
    `- date: ${meta.date}`,
    `- run time: ${(meta.wallSeconds / 60).toFixed(1)} min wall-clock with ${meta.workers} worker(s); ${(meta.trialSeconds / 60).toFixed(1)} min summed over trials`, '');
  lines.push('## Learning curves (selected trials)', '', `![NLL vs epochs](${figures.epoch})`, '', `![NLL vs seconds](${figures.seconds})`, '');
  if (figures.epochSeq) lines.push('The same, per-sequence mean NLL:', '', `![per-sequence NLL vs epochs](${figures.epochSeq})`, '', `![per-sequence NLL vs seconds](${figures.secondsSeq})`, '');
  lines.push('## All trials', '', mdTable(trialRows(results)), '');
  return lines.join('\n');
}

/** The points of the learning curves of the selected trial of each unit (first seed), pooled
 *  or per-sequence-mean NLL. */
export function curvePoints(results: TrialResult[], convention: 'pooled' | 'perSequence' = 'pooled'): CurvePoint[] {
  const sel = selectBest(results);
  const seen = new Set<string>();
  const pts: CurvePoint[] = [];
  for (const s of sel) {
    if (!s.best || seen.has(s.unit)) continue;
    seen.add(s.unit);
    // speech: nats per sample on the int16 scale, which is positive, so a log axis can show it
    const y = isSpeechResult(s.best) ? speechCurveNll(s.best) : (x: number) => x;
    for (const h of s.best.history) {
      const [tr, va] = convention === 'pooled' ? [h.trainNll, h.validNll] : [h.trainNllSeq ?? NaN, h.validNllSeq ?? NaN];
      pts.push({ unit: s.unit, split: 'train', epoch: h.epoch + 1, seconds: h.trainSecondsTotal, nll: y(tr) });
      pts.push({ unit: s.unit, split: 'valid', epoch: h.epoch + 1, seconds: h.trainSecondsTotal, nll: y(va) });
    }
  }
  return pts;
}

/** One summary table over several data sets (the repository's Table 2). */
export function summaryTable(byDataset: { dataset: string; results: TrialResult[]; note: string }[]): string {
  const rows = [['data set', 'unit', 'ours: test (train)', 'paper: test (train)', 'Δ test', 'protocol']];
  for (const d of byDataset) {
    for (const s of selectBest(d.results)) {
      if (s.seed !== Math.min(...selectBest(d.results).filter((x) => x.unit === s.unit).map((x) => x.seed))) continue;
      const got = selectBest(d.results).filter((x) => x.unit === s.unit && x.best).map((x) => x.best!);
      const p = paperScore(d.dataset, s.unit);
      const test = got.length ? mean(got.map((r) => r.testNll)) : NaN;
      const train = got.length ? mean(got.map((r) => r.trainNll)) : NaN;
      rows.push([datasetTitle(d.dataset), s.unit, `${f(test)} (${f(train)})`, p ? `${f(p.test)} (${f(p.train)})` : '—', p ? signed(test - p.test) : '—', d.note]);
    }
  }
  return mdTable(rows);
}
