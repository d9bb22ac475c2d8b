// Raw-audio generation from a speech model (a mixture-of-Gaussians head over the next `hop`
// samples): step by step on a Stream, each step reading the `input` samples before it (the
// primer's, then the model's own) and drawing the next `hop` from the predicted mixture with a
// seeded RNG. Platform-neutral; the model file's `data` metadata gives the normalisation.
import { ConfigError, ShapeError } from '../errors.js';
import { getHead } from '../head/registry.js';
import { Rng } from '../data/rng.js';
import { normalise, denormalise } from '../data/speech.js';
import type { Model } from '../model/model.js';
import type { DrawOptions } from '../head/types.js';

/** A speech model's data preparation, as `reproduce --dataset speech` stores it. */
export interface SpeechDataInfo { kind: 'speech'; sampleRate: number; mean: number; std: number; input: number; hop: number }

/** The model's speech preparation, or a ConfigError saying what is missing. */
export function speechInfo(model: Model): SpeechDataInfo {
  const d = model.data as Partial<SpeechDataInfo> | undefined;
  const ok = d && d.kind === 'speech' && [d.sampleRate, d.mean, d.std, d.input, d.hop].every((v) => typeof v === 'number' && Number.isFinite(v)) && d.std! > 0;
  if (!ok) throw new ConfigError('this model file has no speech data metadata (sampleRate, mean, std, input, hop): it was not trained on audio by gatedrnn');
  if (model.config.inputSize !== d.input || model.config.head.targetWidth !== d.hop) {
    throw new ConfigError(`the model reads ${model.config.inputSize} and predicts ${model.config.head.targetWidth} values a step, but its data metadata says ${d.input} and ${d.hop}`);
  }
  return d as SpeechDataInfo;
}

export interface SpeechSampleOptions {
  /** Samples to generate after the primer (rounded up to whole steps). */
  samples: number;
  seed?: number;
  /** Real audio the model reads first (whole steps of it; a tail shorter than a step is dropped). */
  primer?: Int16Array;
  /** Temperature of the draws (head/types.ts DrawOptions). */
  draw?: DrawOptions;
}

/** Generated audio: the primer's whole steps followed by the generated samples, int16. */
export interface SpeechSample { audio: Int16Array; primerSamples: number; sampleRate: number }

/** Most samples one call generates (10 minutes at 8 kHz). */
export const MAX_GENERATED_SAMPLES = 8000 * 600;

export function sampleSpeech(model: Model, o: SpeechSampleOptions): SpeechSample {
  const info = speechInfo(model), { input, hop, mean, std } = info;
  if (!Number.isInteger(o.samples) || o.samples < 1 || o.samples > MAX_GENERATED_SAMPLES) {
    throw new ConfigError(`samples must be an integer in 1..${MAX_GENERATED_SAMPLES}, got ${o.samples}`);
  }
  if (o.primer !== undefined && !(o.primer instanceof Int16Array)) throw new ShapeError('primer must be an Int16Array of samples');
  const P = o.primer ? Math.floor(o.primer.length / hop) : 0, G = Math.ceil(o.samples / hop);
  const norm = { mean, std }, z = new Float32Array((P + G) * hop), silence = (0 - mean) / std;
  if (o.primer) z.set(normalise(o.primer.subarray(0, P * hop), norm));
  const head = model.config.head, def = getHead(head.type), rng = new Rng(o.seed ?? 1), stream = model.stream(1);
  const x = new Float32Array(input);
  for (let t = 0; t < P + G; t++) {
    // the `input` samples before step t, silence before the start
    for (let j = 0; j < input; j++) { const at = t * hop - input + j; x[j] = at >= 0 ? z[at] : silence; }
    const dist = stream.step(x);
    if (t >= P) z.set(def.sample(dist, rng, head, o.draw) as Float32Array, t * hop);
  }
  return { audio: denormalise(z, norm).samples, primerSamples: P * hop, sampleRate: info.sampleRate };
}
