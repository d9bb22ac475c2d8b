// Raw-speech sequences for next-step prediction (the paper's Ubisoft experiments, run here on
// spoken digits): framing, normalisation, batches and the units of the score. Platform-neutral.
//
// Framing (hop H = 10, input width I = 20 by default; any positive integers work).
//   An utterance of L int16 samples s_0 .. s_{L−1} gives S = floor(L / H) predicted steps; the
//   last L mod H samples are dropped (never predicted, never read). Step t = 0 .. S−1
//     predicts  y[t] = z(s_{Ht}), .., z(s_{Ht+H−1})           (the H samples [Ht, Ht+H))
//     from      x[t] = z(s_{Ht−I}), .., z(s_{Ht−1})           (the I samples [Ht−I, Ht))
//   where z(s) = (s − mean) / std. An index before the utterance's start (j < 0) reads digital
//   silence, i.e. the sample value 0, normalised: (0 − mean) / std (`WaveBatcher.silence`), not
//   the value 0. So the first step's input is all silence and the first I / H steps' inputs
//   are partly silence. Example: L = 47 → S = 4 steps predicting samples 0..39; samples 40..46
//   are dropped; step 0 reads 20 silences, step 1 reads 10 silences then s_0..s_9.
//
// Planning. The same SequencePlanner as the music batchers (planner.ts), given S + 1 "frames"
// per utterance: its frame k is the boundary at sample H·k, so "L frames → L − 1 predicted
// steps" is exactly S steps, and an item that starts at frame a covers steps a, a+1, ...
// Shuffles, sortBuckets, dropLast and per-(seed, epoch) determinism are the planner's. An
// utterance with S = 0 (fewer than H samples) yields no item.
//
// Chunking (`maxLength` = m). An utterance with S > m steps becomes ceil(S / m) items; chunk k
// covers steps [k·m, min(k·m + m, S)), so every step is predicted exactly once per epoch. The
// input of a chunk's first step is the real samples before it (only at the utterance's start
// is it silence): chunking restarts the recurrent state, not the signal.
//
// Layout (DESIGN.md): x (T, B, I), y (T, B, H), mask (T, B), time-major, row t·B + b for slot b
// at step t; rows past an item's last step, and the empty slots of a partial batch, are 0 with
// mask 0 (plain 0, not the silence value). `fill` converts int16 to normalised f32 on the fly
// (z computed in f64, rounded once to f32), straight into the given views: nothing is
// precomputed, so memory stays at the int16 waveforms plus one batch.
//
// Normalisation (`speechNorm`): mean and population standard deviation (divide by N) over every
// sample of the training utterances (all L samples, including the L mod H dropped at the end),
// accumulated in f64 (two passes). Applied unchanged to the inputs and targets of all splits.
import { ConfigError, EmptyError, ShapeError, ValueError } from '../errors.js';
import { floatToInt16 } from '../io/wav.js';
import type { FrameBatch } from './batcher.js';
import { SequencePlanner, type BatcherOptions, type BatchPlan } from './planner.js';

export interface SpeechNorm { mean: number; std: number }

export interface WaveBatcherOptions extends BatcherOptions {
  /** Samples read per step: the I samples before the step (default 20). */
  input?: number;
  /** Samples predicted per step, and the step's advance (default 10). */
  hop?: number;
}

/** x (T, B, input), y (T, B, hop), mask (T, B). */
export type WaveBatch = FrameBatch;

/** Default framing of the paper's speech experiments: read 20 samples, predict the next 10. */
export const SPEECH_INPUT = 20;
export const SPEECH_HOP = 10;

function checkNorm(norm: SpeechNorm): void {
  if (!norm || !Number.isFinite(norm.mean) || !Number.isFinite(norm.std) || !(norm.std > 0)) {
    throw new ValueError(`speech normalisation {mean ${norm?.mean}, std ${norm?.std}}: mean must be finite and std finite and > 0`);
  }
}

function checkWidth(v: number, what: string): number {
  if (!Number.isSafeInteger(v) || v < 1) throw new ConfigError(`${what} ${v} must be a positive integer (samples)`);
  return v;
}

/** Mean and population standard deviation of every sample of `train` (f64, two passes). */
export function speechNorm(train: readonly Int16Array[]): SpeechNorm {
  let n = 0, sum = 0;
  train.forEach((w, i) => {
    if (!(w instanceof Int16Array)) throw new ValueError(`speechNorm: utterance ${i} is not an Int16Array`);
    for (let j = 0; j < w.length; j++) sum += w[j];
    n += w.length;
  });
  if (n === 0) throw new EmptyError('speechNorm: the training split has no samples');
  const mean = sum / n;
  let ss = 0;
  for (const w of train) for (let j = 0; j < w.length; j++) { const d = w[j] - mean; ss += d * d; }
  const std = Math.sqrt(ss / n);
  if (!(std > 0)) throw new ValueError(`speechNorm: all ${n} training samples equal ${mean}, so the standard deviation is 0`);
  return { mean, std };
}

/** Predicted steps of an utterance of `samples` samples: floor(samples / hop). */
export function speechSteps(samples: number, hop = SPEECH_HOP): number {
  return Math.floor(samples / checkWidth(hop, 'hop'));
}

/** z = (s − mean) / std for every sample (a new Float32Array). */
export function normalise(wave: ArrayLike<number>, norm: SpeechNorm): Float32Array {
  checkNorm(norm);
  const { mean, std } = norm;
  const out = new Float32Array(wave.length);
  for (let i = 0; i < wave.length; i++) out[i] = (wave[i] - mean) / std;
  return out;
}

/**
 * Model outputs on the normalised scale back to int16: s = round(z·std + mean), clipped to the
 * int16 range (`clipped` counts those); NaN is a ValueError.
 */
export function denormalise(z: ArrayLike<number>, norm: SpeechNorm): { samples: Int16Array; clipped: number } {
  checkNorm(norm);
  return floatToInt16(z, norm.std, norm.mean);
}

/**
 * Writes the input of step `step` of `wave` (the `input` samples before sample hop·step,
 * normalised; silence before the start) to dst[at .. at + input). For sampling, call it on the
 * samples generated so far.
 */
export function writeStepInput(dst: Float32Array, at: number, wave: Int16Array, step: number, norm: SpeechNorm, input = SPEECH_INPUT, hop = SPEECH_HOP): void {
  if (!(step >= 0 && step * hop <= wave.length)) throw new ValueError(`step ${step}: its input ends at sample ${step * hop}, outside the ${wave.length}-sample wave`);
  const j0 = step * hop - input;
  const { mean, std } = norm;
  const lead = Math.min(input, Math.max(0, -j0));
  if (lead > 0) dst.fill((0 - mean) / std, at, at + lead);
  for (let i = lead; i < input; i++) dst[at + i] = (wave[j0 + i] - mean) / std;
}

/** Writes the target of step `step` (samples [hop·step, hop·step + hop), normalised) to dst[at ..). */
export function writeStepTarget(dst: Float32Array, at: number, wave: Int16Array, step: number, norm: SpeechNorm, hop = SPEECH_HOP): void {
  const j0 = step * hop;
  if (!(step >= 0 && j0 + hop <= wave.length)) throw new ValueError(`step ${step}: its target, samples ${j0}..${j0 + hop - 1}, is outside the ${wave.length}-sample wave`);
  const { mean, std } = norm;
  for (let i = 0; i < hop; i++) dst[at + i] = (wave[j0 + i] - mean) / std;
}

/** Batches of waveform windows for a real-valued head (e.g. a mixture of Gaussians). */
export class WaveBatcher extends SequencePlanner {
  /** Samples read per step (x width). */
  readonly input: number;
  /** Samples predicted per step (y width) and the advance between steps. */
  readonly hop: number;
  readonly norm: Readonly<SpeechNorm>;
  /** The normalised value of digital silence, (0 − mean) / std, read before an utterance starts. */
  readonly silence: number;
  private readonly waves: readonly Int16Array[];

  private constructor(waves: readonly Int16Array[], steps: number[], norm: SpeechNorm, input: number, hop: number, options: BatcherOptions) {
    super(steps.map((S) => S + 1), options);
    this.waves = waves;
    this.input = input;
    this.hop = hop;
    this.norm = Object.freeze({ mean: norm.mean, std: norm.std });
    this.silence = (0 - norm.mean) / norm.std;
  }

  /** From int16 waveforms (read, never copied: subarray views of a split file are fine). */
  static fromWaves(waves: readonly Int16Array[], norm: SpeechNorm, options: WaveBatcherOptions): WaveBatcher {
    checkNorm(norm);
    const input = checkWidth(options.input ?? SPEECH_INPUT, 'input');
    const hop = checkWidth(options.hop ?? SPEECH_HOP, 'hop');
    const steps = waves.map((w, i) => {
      if (!(w instanceof Int16Array)) throw new ValueError(`utterance ${i}: expected an Int16Array of samples`);
      return Math.floor(w.length / hop);
    });
    if (!steps.some((S) => S > 0)) throw new EmptyError(`speech batcher: no utterance has ${hop} or more samples, so there is nothing to predict`);
    const { input: _i, hop: _h, ...rest } = options;
    return new WaveBatcher(waves, steps, norm, input, hop, rest);
  }

  /** Predicted samples in one epoch (predictedFrames · hop). */
  get predictedSamples(): number { return this.predictedFrames * this.hop; }

  /** Fresh arrays of exactly the sizes `fill` writes for `plan`. */
  alloc(plan: BatchPlan): WaveBatch {
    const n = plan.T * plan.B;
    return { x: new Float32Array(n * this.input), y: new Float32Array(n * this.hop), mask: new Float32Array(n) };
  }

  /**
   * Writes the batch `plan` into dst: x (T, B, input), y (T, B, hop), mask (T, B), the first
   * T·B·input, T·B·hop and T·B elements; anything after them is left untouched.
   */
  fill(plan: BatchPlan, dst: WaveBatch): void {
    const { T, B } = plan;
    const I = this.input, H = this.hop;
    this.checkMask(plan, dst.mask);
    const sizes = { x: T * B * I, y: T * B * H } as const;
    for (const k of ['x', 'y'] as const) {
      const a = dst[k];
      if (!(a instanceof Float32Array) || a.length < sizes[k]) {
        throw new ShapeError(`batch ${k} must be a Float32Array of at least T·B·${k === 'x' ? 'input' : 'hop'} = ${T}·${B}·${k === 'x' ? I : H} = ${sizes[k]} values, got ${a?.length}`);
      }
    }
    const { x, y } = dst;
    x.fill(0, 0, sizes.x);
    y.fill(0, 0, sizes.y);
    this.writeMask(plan, dst.mask);
    const norm = this.norm;
    for (let b = 0; b < plan.items.length; b++) {
      const it = plan.items[b];
      const wave = this.waves[this.itemSeq[it]], first = this.itemStart[it], P = this.itemLen[it] - 1;
      for (let t = 0; t < P; t++) {
        const row = t * B + b;
        writeStepInput(x, row * I, wave, first + t, norm, I, H);
        writeStepTarget(y, row * H, wave, first + t, norm, H);
      }
    }
  }
}

export interface NllUnits {
  /** Nats per step on the normalised scale (what the loss reports): the input. */
  perStep: number;
  /** Nats per normalised sample: perStep / hop. */
  perSample: number;
  /** Nats per sample on the int16 scale: perSample + ln std. */
  perSampleInt16Nats: number;
  /** Bits per sample on the int16 scale: perSampleInt16Nats / ln 2. */
  perSampleInt16Bits: number;
}

/**
 * The score in comparable units. The model gives a density over the normalised targets
 * z = (s − mean) / std, and reports the NLL summed over the hop samples of a step. The int16
 * value is s = std·z + mean, a change of variables with |ds/dz| = std per sample, so
 *   p_s(s) = p_z((s − mean) / std) / std   ⇒   −log p_s(s) = −log p_z(z) + ln std  (per sample)
 * and for the hop samples of a step, −log p(s_1..s_hop) = −log p(z_1..z_hop) + hop·ln std.
 * Hence per sample on the int16 scale: nllPerStep / hop + ln std (nats), divided by ln 2 for
 * bits. Because int16 values are 1 apart, this density NLL approximates the NLL of the integer
 * values (probability mass of the unit-wide bin) when the density is smooth at that scale; it
 * does not depend on the normalisation, so models with different mean/std can be compared.
 */
export function nllUnits(nllPerStep: number, std: number, hop = SPEECH_HOP): NllUnits {
  if (!Number.isFinite(std) || !(std > 0)) throw new ValueError(`nllUnits: std ${std} must be finite and > 0`);
  checkWidth(hop, 'hop');
  const perSample = nllPerStep / hop;
  const perSampleInt16Nats = perSample + Math.log(std);
  return { perStep: nllPerStep, perSample, perSampleInt16Nats, perSampleInt16Bits: perSampleInt16Nats / Math.LN2 };
}
