// The grid of one data set (units × learning-rate draws × seeds) and its resumption: a trial
// whose file `<dir>/trials/<id>.json` exists with the same spec is finished and not rerun.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, FormatError } from '../../errors.js';
import { Rng } from '../../data/rng.js';
import { unitsFor, SPEECH_DATASETS } from '../../experiment/paper.js';
import type { TrialSpec, TrialResult } from '../../experiment/trial.js';
import type { ReproduceOptions } from './options.js';

/** The learning rates of trials 0..n−1: exp(U(logMin, logMax)) from one seeded stream, so a
 *  run with fewer trials uses a prefix of the same draws. Shared by every unit and seed. */
export function learningRates(n: number, seed: number, logMin = -12, logMax = -6): number[] {
  const rng = new Rng(seed);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(Math.exp(logMin + (logMax - logMin) * rng.uniform()));
  return out;
}

/** The trials of one data set, in the order they are run: the units interleave (the three of a
 *  task have about the same parameter count) so that early results cover every unit. */
export function planTrials(dataset: string, o: ReproduceOptions): TrialSpec[] {
  const lrs = learningRates(o.trials, o.lrSeed, o.lrLogMin, o.lrLogMax);
  const specs: TrialSpec[] = [];
  for (const seed of o.seeds) {
    for (let k = 0; k < o.trials; k++) {
      if (o.onlyTrials.length > 0 && !o.onlyTrials.includes(k)) continue;
      for (const u of unitsFor(dataset)) {
        if (!o.units.includes(u.key)) continue;
        const spec: TrialSpec = {
          id: `${u.key}-seed${seed}-trial${k}`, dataset, unit: u.unit, unitName: u.name,
          hiddenSize: o.hidden[u.key] ?? u.hiddenSize, seed, trial: k, lr: lrs[k],
          epochs: o.epochs, patience: o.patience, batchSize: o.batchSize, sortBuckets: o.sortBuckets, maxLength: o.maxLength,
          clipNorm: o.clip, weightNoise: o.noise,
          optimizer: o.optimizer === 'adam'
            ? { type: 'adam', lr: lrs[k], beta1: 0.9, beta2: 0.999, eps: 1e-8 }
            : { type: 'rmsprop', lr: lrs[k], decay: o.rmsDecay, momentum: o.momentum, eps: o.rmsEps, floor: o.rmsFloor, centered: false },
          lrDecayEpochs: o.lrDecayEpochs, lrDecayTo: o.lrDecayTo, timeLimitSeconds: o.trialSeconds,
        };
        if (SPEECH_DATASETS.includes(dataset)) spec.task = 'speech';
        if (o.clipMode === 'step') spec.clipMode = 'step';
        if (o.evalNoise !== undefined && o.evalNoise > 0) spec.evalWeightNoise = o.evalNoise;
        if (o.recurrentInit === 'uniform') spec.recurrentInit = 'uniform';
        if (o.forgetBias !== undefined && o.forgetBias !== 0 && u.unit === 'lstm') spec.forgetBias = o.forgetBias;
        if (o.onDiverge === 'skip') spec.onDiverge = 'skip';
        if (o.noiseDecayTo !== undefined && o.noiseDecayTo !== 1) spec.noiseDecayTo = o.noiseDecayTo;
        if (o.trainEvalEvery !== undefined && o.trainEvalEvery > 1 && !SPEECH_DATASETS.includes(dataset)) spec.trainEvalEvery = o.trainEvalEvery;
        if (u.peepholes !== undefined) spec.peepholes = u.peepholes;
        if (u.resetAfter !== undefined) spec.resetAfter = u.resetAfter;
        specs.push(spec);
      }
    }
  }
  return specs;
}

/** JSON with object keys sorted, to compare specs independent of key order. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return '[' + v.map(canonical).join(',') + ']';
  if (v && typeof v === 'object') {
    return '{' + Object.keys(v).filter((k) => (v as Record<string, unknown>)[k] !== undefined).sort()
      .map((k) => JSON.stringify(k) + ':' + canonical((v as Record<string, unknown>)[k])).join(',') + '}';
  }
  return JSON.stringify(v);
}

/** NaN and ±Infinity are written as null (JSON has neither); parseJson maps null back to NaN. */
export function toJson(v: unknown, indent = 2): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? null : x), indent) + '\n';
}

/** Parses what toJson wrote (null → NaN). */
export function parseJson<T>(text: string): T {
  return JSON.parse(text, (_k, v) => (v === null ? NaN : v)) as T;
}

export function trialPath(dir: string, id: string): string { return join(dir, 'trials', `${id}.json`); }

/** A finished trial from disk, or undefined if there is none. A file for the same id with other
 *  settings is refused: mixing two protocols in one table would be silently wrong. */
export async function readFinishedTrial(dir: string, spec: TrialSpec): Promise<TrialResult | undefined> {
  const path = trialPath(dir, spec.id);
  let text: string;
  try { text = await readFile(path, 'utf8'); } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  let r: TrialResult;
  try { r = parseJson<TrialResult>(text); } catch (e) {
    throw new FormatError(`${path}: not valid JSON (${(e as Error).message}); delete it to rerun that trial`);
  }
  if (!r || typeof r !== 'object' || !r.spec || !Array.isArray(r.history)) throw new FormatError(`${path}: not a trial result; delete it to rerun that trial`);
  if (canonical(r.spec) !== canonical(spec)) {
    const there = r.spec as unknown as Record<string, unknown>, now = spec as unknown as Record<string, unknown>;
    const diff = Object.keys({ ...now, ...there }).filter((k) => canonical(now[k]) !== canonical(there[k]));
    throw new ConfigError(`${path} was run with other settings (${diff.map((k) => `${k}: ${canonical(there[k])} there, ${canonical(now[k])} now`).join('; ')}); use another --out folder, or delete it to rerun`);
  }
  return r;
}

/** The specs split into the trials finished before (read back) and those still to run. */
export async function resume(dir: string, specs: TrialSpec[]): Promise<{ finished: TrialResult[]; todo: TrialSpec[] }> {
  const finished: TrialResult[] = [];
  const todo: TrialSpec[] = [];
  for (const s of specs) {
    const r = await readFinishedTrial(dir, s);
    if (r) finished.push(r); else todo.push(s);
  }
  return { finished, todo };
}
