// The command line's speech paths: `train` and `eval` on raw audio, either the spoken-digit
// stand-in (`--dataset speech`, the data folder's speech/) or a folder of the user's own 16-bit
// mono WAV files (`--dataset wav --data <folder>`: train/, valid/, test/ subfolders, or one flat
// folder split by a fixed rule). The normalisation comes from the training split when training
// and is stored in the model file, and `eval` takes it from there.
import { createModel } from '../node.js';
import { ConfigError } from '../errors.js';
import { resolveDataDir } from '../data/load-node.js';
import { WaveBatcher, speechNorm, nllUnits, type SpeechNorm } from '../data/speech.js';
import type { SpeechDataset } from '../data/speech-node.js';
import { SPEECH_SETUP, speechModelConfig } from '../experiment/paper.js';
import { speechInfo } from '../generate/speech.js';
import type { Model } from '../model/model.js';
import type { UnitForm } from '../experiment/paper.js';
import type { BuildKind } from '../wasm.js';

export const AUDIO_DATASETS = ['speech', 'wav'];

/** The audio data set named on the command line. */
export async function loadAudio(dataset: string, data?: string): Promise<SpeechDataset> {
  const { loadSpeechDataset, loadWavFolder } = await import('../data/speech-node.js');
  if (dataset === 'wav') {
    if (!data) throw new ConfigError('--dataset wav needs --data <folder of .wav files>');
    return loadWavFolder(data);
  }
  return loadSpeechDataset(resolveDataDir(data));
}

/** Batches of `waves` for the model's windows: training shuffled in chunks of 100 steps
 *  (docs/results/PROTOCOL.md "Speech"), evaluation on whole utterances, longest first. */
export function waveBatcher(waves: Int16Array[], norm: SpeechNorm, batchSize: number, seed: number, training: boolean): WaveBatcher {
  const o = training ? { batchSize, seed, shuffle: true, sortBuckets: 4, maxLength: 100 } : { batchSize, shuffle: false, sortBuckets: Infinity };
  return WaveBatcher.fromWaves(waves, norm, { ...o, input: SPEECH_SETUP.input, hop: SPEECH_SETUP.hop });
}

/** A new speech model (20 samples in, a 20-component mixture over the next 10) that carries
 *  the training split's normalisation and the name of its data set (`speech` or `wav`). */
export async function createSpeechModel(form: UnitForm & { layers?: number }, ds: SpeechDataset, seed: number, build?: BuildKind, dataset = 'speech'): Promise<{ model: Model; norm: SpeechNorm }> {
  const norm = speechNorm(ds.train);
  const model = await createModel({ ...speechModelConfig(form, seed), layers: form.layers ?? 1 }, { build });
  model.data = { kind: 'speech', sampleRate: ds.sampleRate, mean: norm.mean, std: norm.std, input: SPEECH_SETUP.input, hop: SPEECH_SETUP.hop, dataset };
  return { model, norm };
}

/** The model's NLL on a split in every unit of the speech score, as one line. */
export function describeSpeechNll(nllPerStep: number, norm: SpeechNorm, hop: number): string {
  const u = nllUnits(nllPerStep, norm.std, hop);
  return `${u.perStep.toFixed(4)} nats per step (normalised), ${u.perSample.toFixed(4)} per sample; ` +
    `int16 scale ${u.perSampleInt16Nats.toFixed(4)} nats = ${u.perSampleInt16Bits.toFixed(4)} bits per sample`;
}

/** The normalisation a loaded speech model was trained with (ConfigError if it has none). */
export function modelNorm(model: Model): SpeechNorm & { hop: number; sampleRate: number } {
  const d = speechInfo(model);
  return { mean: d.mean, std: d.std, hop: d.hop, sampleRate: d.sampleRate };
}
