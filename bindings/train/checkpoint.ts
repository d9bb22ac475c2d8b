// Checkpoints of a training run, written after every epoch, from which training resumes
// bit-identically: the model's parameters, the optimizer's state (its slots and update count),
// the weight-noise RNG, and the schedule's position (epochs done, the records, the best epoch
// and its parameters, the clocks, skipped updates). The learning rate and noise σ of an epoch
// follow from its index, and every batcher's epoch plan from (seed, epoch) alone, so nothing
// else is needed. Platform-neutral; node.ts reads and writes them as files (atomically).
//
// File: safetensors with the current parameters under their model-file names (so the file is
// also readable as the model), `checkpoint.best`, `checkpoint.optimizer.0..2` in the arena
// layout (Model.snapshotParams), and metadata format = "gatedrnn-checkpoint", config, data and
// `train` = JSON of the position and the run's fingerprint (non-finite numbers as strings).
import { ConfigError, FormatError, LimitError } from '../errors.js';
import { copyTensors, encodeSafetensors, readSafetensorsHeader, type Tensor } from '../io/safetensors.js';
import { parseJsonStrict } from '../io/json-strict.js';
import { resolveLimits, type SafetensorsLimits } from '../io/limits.js';
import { resolveConfig } from '../model/config.js';
import { checkModelFits } from '../model/arena.js';
import { paramLayout, paramTable, type ParamSpec } from '../model/params.js';
import { fromFileOrientation, toFileOrientation } from '../model/torch.js';
import type { Model } from '../model/model.js';
import type { DataInfo, ModelConfig } from '../model/types.js';
import type { EpochRecord, ScheduleState, TrainConfig } from './schedule.js';

export const CHECKPOINT_FORMAT = 'gatedrnn-checkpoint';
export const CHECKPOINT_VERSION = '1';

/** Bounds of a checkpoint file's header (the train metadata holds every epoch's record). */
export const CHECKPOINT_LIMITS: Readonly<Required<SafetensorsLimits>> = Object.freeze({
  maxHeaderBytes: 64 * 1024 * 1024, maxTensors: 5 * 64 + 2 + 4, maxRank: 2, maxMetadataKeys: 64,
});
/** Bounds of the `train` JSON (about 13 values per epoch record). */
const TRAIN_JSON = { maxDepth: 8, maxValues: 2_000_000 };

/** Where a run stands after an epoch. */
export interface TrainCheckpoint {
  /** Epochs finished: a resumed run starts with this one. */
  epoch: number;
  /** Parameters after the last update (arena layout). */
  params: Float32Array;
  optimizer: { step: number; slots: Float32Array[] };
  /** The weight-noise RNG (xoshiro128**, 4 words). */
  noise: Uint32Array;
  schedule: ScheduleState;
  /** What must be equal to resume: the model's config, the training settings that decide the
   *  numbers, and the caller's key (data set, batch size, seeds …). */
  fingerprint: Record<string, unknown>;
}

/** How a training run checkpoints (TrainConfig.checkpoint). */
export interface CheckpointOptions {
  /** Called after every epoch with the run's position (its arrays are copies or the run's own
   *  records: write them out before the next epoch). A promise is awaited by the async drivers
   *  (trainAsync, trainParallel); the sync `train` needs a synchronous callback. */
  save?: (c: TrainCheckpoint) => void | Promise<void>;
  /** Continue from this checkpoint instead of from the start; refused (ConfigError naming
   *  what differs) unless its fingerprint equals this run's. */
  resume?: TrainCheckpoint;
  /** What else decides this run's numbers (data set, batch size, seeds …), as JSON values. */
  key?: Record<string, unknown>;
}

/** The settings of a TrainConfig that decide its numbers (not epochs, time limit or callbacks:
 *  a resumed run may be given more epochs or time). */
export function runFingerprint(model: Model, cfg: TrainConfig, key: Record<string, unknown> = {}): Record<string, unknown> {
  const t = {
    optimizer: cfg.optimizer, clipNorm: cfg.clipNorm, clipMode: cfg.clipMode, weightNoise: cfg.weightNoise, patience: cfg.patience ?? 10,
    lrDecayEpochs: cfg.lrDecayEpochs, lrDecayTo: cfg.lrDecayTo, noiseDecayTo: cfg.noiseDecayTo, evalTrain: cfg.evalTrain, onDiverge: cfg.onDiverge,
    divergeAboveNll: cfg.divergeAboveNll, evalWeightNoise: cfg.evalWeightNoise, perSequence: cfg.perSequence,
  };
  return JSON.parse(JSON.stringify({ model: model.publicConfig(), train: t, key })) as Record<string, unknown>;
}

/** ConfigError naming every setting in which the checkpoint's run differs from this one. */
export function checkFingerprint(saved: Record<string, unknown>, now: Record<string, unknown>): void {
  const diffs: string[] = [];
  const walk = (a: unknown, b: unknown, path: string) => {
    if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
      for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) walk((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
    } else if (JSON.stringify(a) !== JSON.stringify(b)) diffs.push(`${path}: ${JSON.stringify(a) ?? 'unset'} in the checkpoint, ${JSON.stringify(b) ?? 'unset'} now`);
  };
  walk(saved, now, '');
  if (diffs.length) throw new ConfigError(`the checkpoint is of a different run, so it cannot be resumed: ${diffs.slice(0, 4).join('; ')}${diffs.length > 4 ? ` (and ${diffs.length - 4} more)` : ''}`);
}

/** The run's position after epoch `epoch` (0-based) finished. */
export function captureCheckpoint(model: Model, schedule: ScheduleState, epochsDone: number, fingerprint: Record<string, unknown>): TrainCheckpoint {
  return { epoch: epochsDone, params: model.snapshotParams(), optimizer: model.getOptimizerState(), noise: model.getNoiseState(), schedule, fingerprint };
}

/** Puts a checkpoint's parameters, optimizer state and noise RNG into the model (after the
 *  schedule has set its optimizer); the schedule's part is TrainSchedule.restore. */
export function applyCheckpoint(model: Model, c: TrainCheckpoint): void {
  model.restoreParams(c.params);
  model.setOptimizerState(c.optimizer);
  model.setNoiseState(c.noise);
}

// ------------------------------------------------------------------------------------ files

/** Non-finite numbers survive JSON as { "$": "NaN" | "Infinity" | "-Infinity" }. */
const encodeNumbers = (_k: string, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? { $: String(v) } : v);
function decodeNumbers(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decodeNumbers);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>, keys = Object.keys(o);
    if (keys.length === 1 && keys[0] === '$' && (o.$ === 'NaN' || o.$ === 'Infinity' || o.$ === '-Infinity')) return Number(o.$);
    return Object.fromEntries(keys.map((k) => [k, decodeNumbers(o[k])]));
  }
  return v;
}

/** A checkpoint file's bytes. */
export function checkpointToSafetensors(model: Model, c: TrainCheckpoint): Uint8Array {
  // the checkpoint's parameters (arena layout) under their model-file names and orientation
  const tensors = new Map<string, Tensor>(), layout = paramLayout(model.paramTable() as ParamSpec[]);
  for (const spec of model.paramTable()) {
    const at = layout.get(spec.arenaName).offset / 4;
    tensors.set(spec.name, { shape: [...spec.fileShape], data: toFileOrientation(spec, c.params.subarray(at, at + spec.size)) });
  }
  const n = model.arenaFloats;
  tensors.set('checkpoint.best', { shape: [n], data: c.schedule.best.params });
  c.optimizer.slots.forEach((s, i) => tensors.set(`checkpoint.optimizer.${i}`, { shape: [n], data: s }));
  const train = {
    epoch: c.epoch, step: c.optimizer.step, noise: Array.from(c.noise), fingerprint: c.fingerprint,
    schedule: { ...c.schedule, best: { epoch: c.schedule.best.epoch, nll: c.schedule.best.nll } },
  };
  const md: Record<string, string> = {
    format: CHECKPOINT_FORMAT, format_version: CHECKPOINT_VERSION, config: JSON.stringify(model.publicConfig()), train: JSON.stringify(train, encodeNumbers),
  };
  if (model.data !== undefined) md.data = JSON.stringify(model.data);
  return encodeSafetensors(tensors, md);
}

/** A checkpoint file read and checked: the model's config and tensors (as a model file's), its
 *  data description, and the position (its parameters put into the config's arena layout).
 *  Every shape is checked against the config, every value finite. */
export function parseCheckpoint(bytes: Uint8Array): { config: ModelConfig; tensors: Map<string, Tensor>; data?: DataInfo; checkpoint: TrainCheckpoint } {
  const header = readSafetensorsHeader(bytes, resolveLimits(CHECKPOINT_LIMITS, {}, 'checkpoint'));
  const md = header.metadata;
  if (md.format !== CHECKPOINT_FORMAT) throw new FormatError(`checkpoint: metadata format is ${md.format === undefined ? 'missing' : `'${md.format}'`}, expected '${CHECKPOINT_FORMAT}' (is it a model file?)`);
  if (md.format_version !== CHECKPOINT_VERSION) throw new FormatError(`checkpoint: format_version '${md.format_version}' is not supported (this library reads '${CHECKPOINT_VERSION}')`);
  const config = json(md.config, 'config') as ModelConfig;
  let resolved;
  try { resolved = resolveConfig(config); } catch (e) { throw new FormatError(`checkpoint: its config is invalid: ${(e as Error).message}`); }
  checkModelFits(resolved);
  const tr = decodeNumbers(json(md.train, 'train')) as Record<string, unknown>;
  const table = paramTable(resolved);
  const want = new Set([...table.map((s) => s.name), 'checkpoint.best', 'checkpoint.optimizer.0', 'checkpoint.optimizer.1', 'checkpoint.optimizer.2']);
  for (const e of header.entries) if (!want.has(e.name)) throw new FormatError(`checkpoint: unexpected tensor '${e.name}'`);
  for (const name of want) if (!header.entries.some((e) => e.name === name)) throw new FormatError(`checkpoint: tensor '${name}' is missing`);
  const all = copyTensors(bytes, header).tensors;
  for (const [name, t] of all) {
    // an optimizer slot may hold +Infinity: RMSProp's and Adam's mean square of the gradient
    // overflows f32 for a gradient beyond 1.8e19 (reachable when the step, not the gradient, is
    // clipped), and the run goes on with a zero step there; NaN is never a state to resume
    const slot = name.startsWith('checkpoint.optimizer.');
    for (let i = 0; i < t.data.length; i++) {
      const v = t.data[i];
      if (!(Number.isFinite(v) || (slot && v === Infinity))) throw new FormatError(`checkpoint: tensor '${name}' element ${i} is ${v}`);
    }
  }
  const tensors = new Map(table.map((s) => [s.name, all.get(s.name)!]));
  for (const s of table) {
    const t = tensors.get(s.name)!;
    if (t.shape.length !== s.fileShape.length || t.shape.some((d, i) => d !== s.fileShape[i])) throw new FormatError(`checkpoint: tensor '${s.name}' has shape [${t.shape}], the config needs [${s.fileShape}]`);
  }
  const layout = paramLayout(table), params = new Float32Array(layout.bytes / 4);
  for (const s of table) {
    const at = layout.get(s.arenaName).offset / 4;
    fromFileOrientation(s, tensors.get(s.name)!.data, params.subarray(at, at + s.size));
  }
  const arena = (name: string) => {
    const d = all.get(name)!.data;
    if (d.length !== params.length) throw new FormatError(`checkpoint: tensor '${name}' has ${d.length} values, the config's arena ${params.length}`);
    return d;
  };
  const schedule = tr.schedule as ScheduleState | undefined;
  const epoch = tr.epoch, step = tr.step, noise = tr.noise;
  if (!Number.isInteger(epoch) || (epoch as number) < 0 || !Number.isInteger(step) || (step as number) < 0) throw new FormatError('checkpoint: train.epoch and train.step must be non-negative integers');
  if (!Array.isArray(noise) || noise.length !== 4 || noise.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffffffff)) throw new FormatError('checkpoint: train.noise must be 4 unsigned 32-bit words');
  if (!schedule || typeof schedule !== 'object' || !Array.isArray(schedule.history) || !schedule.best || typeof schedule.best !== 'object') throw new FormatError('checkpoint: train.schedule is malformed');
  const num = (v: unknown, what: string) => { if (typeof v !== 'number') throw new FormatError(`checkpoint: ${what} must be a number`); return v; };
  const best = { epoch: num(schedule.best.epoch, 'schedule.best.epoch'), nll: num(schedule.best.nll, 'schedule.best.nll'), params: arena('checkpoint.best') };
  for (const k of ['trainTime', 'elapsed', 'skipped', 'skippedInARow'] as const) num(schedule[k], `schedule.${k}`);
  const state: ScheduleState = { ...schedule, history: schedule.history as EpochRecord[], best };
  if (!tr.fingerprint || typeof tr.fingerprint !== 'object') throw new FormatError('checkpoint: train.fingerprint is missing');
  const out: ReturnType<typeof parseCheckpoint> = {
    config, tensors,
    checkpoint: {
      epoch: epoch as number, params, optimizer: { step: step as number, slots: [0, 1, 2].map((i) => arena(`checkpoint.optimizer.${i}`)) },
      noise: Uint32Array.from(noise as number[]), schedule: state, fingerprint: tr.fingerprint as Record<string, unknown>,
    },
  };
  if (md.data !== undefined) out.data = json(md.data, 'data') as DataInfo;
  return out;
}

function json(text: string | undefined, key: string): unknown {
  if (text === undefined) throw new FormatError(`checkpoint: no "${key}" in __metadata__`);
  try {
    return JSON.parse(JSON.stringify(parseJsonStrict(text, { ...TRAIN_JSON, what: `checkpoint: __metadata__.${key}` })));
  } catch (e) {
    if (e instanceof LimitError) throw e;
    throw new FormatError(`checkpoint: __metadata__.${key} is not valid JSON (${(e as Error).message})`);
  }
}
