// Node entry point: reads the core from disk (dist/ next to the bundle, else the repository's
// build/: core-node.ts), reads and writes model files atomically.
import { loadCore, defaultBuild, enableRelaxedSimd } from './core-node.js';
import { Model } from './model/model.js';
import { modelToSafetensors, parseModelFile, modelFromParsed, type ModelFileOptions } from './model/file.js';
import { writeFileAtomic, readFileLimited } from './io/file-node.js';
import { checkpointToSafetensors, parseCheckpoint, type TrainCheckpoint } from './train/checkpoint.js';
import type { HeadType, ModelConfig, TargetArrayOf } from './model/types.js';
import type { BuildKind } from './wasm.js';

export * from './index.js';
export { loadCore, defaultBuild, enableRelaxedSimd };

export interface CoreOptions {
  /** 'relaxed' (fused multiply-add, default where the engine runs it), 'simd', or 'debug'
   *  (bounds-checked contracts, slow). Env GATEDRNN_BUILD overrides the default. */
  build?: BuildKind;
}

/** A new model with freshly initialised parameters, in its own WebAssembly instance. Its
 *  batchViews(T, B).y is typed from the config's head type (Float32Array for 'bernoulli', 'mog';
 *  Int32Array for 'softmax'). */
export async function createModel<H extends HeadType>(config: ModelConfig<H>, opts: CoreOptions = {}): Promise<Model<TargetArrayOf<H>>> {
  return new Model<TargetArrayOf<H>>(config, await loadCore(opts.build ?? defaultBuild()));
}

/** A model from model-file bytes: our files, or a plain PyTorch state_dict (safetensors or a
 *  torch.save .pt) whose config is read off its tensors (options: README "Model files"). */
export async function modelFromSafetensors(bytes: Uint8Array, opts: CoreOptions & ModelFileOptions = {}): Promise<Model> {
  const parsed = parseModelFile(bytes, opts);
  return modelFromParsed(parsed, await loadCore(opts.build ?? defaultBuild()));
}

/** Largest model file read (1 GiB). */
export const MAX_MODEL_FILE_BYTES = 1 << 30;

/** A model from a file: ours, or a plain PyTorch state_dict (.safetensors or .pt). */
export async function loadModel(path: string, opts: CoreOptions & ModelFileOptions = {}): Promise<Model> {
  return modelFromSafetensors(await readFileLimited(path, MAX_MODEL_FILE_BYTES), opts);
}

/** Largest checkpoint file read (3 GiB: a model, its best parameters and three optimizer slots). */
export const MAX_CHECKPOINT_FILE_BYTES = 3 * 2 ** 30;

/** Writes a training checkpoint atomically (TrainConfig.checkpoint.save gets the position). */
export async function saveCheckpoint(path: string, model: Model, ckpt: TrainCheckpoint): Promise<void> {
  await writeFileAtomic(path, checkpointToSafetensors(model, ckpt));
}

/** Reads a checkpoint file: its model config and tensors, data description and position (pass
 *  `.checkpoint` as TrainConfig.checkpoint.resume to a model of that config). */
export async function loadCheckpoint(path: string): Promise<ReturnType<typeof parseCheckpoint>> {
  return parseCheckpoint(await readFileLimited(path, MAX_CHECKPOINT_FILE_BYTES));
}

/** Writes the model atomically (temp file + fsync + rename). */
export async function saveModel(model: Model, path: string): Promise<void> {
  await writeFileAtomic(path, modelToSafetensors(model));
}
export { loadPianoRollDataset, resolveDataDir, PIANO_ROLL_DATASETS } from './data/load-node.js';
export { loadSpeechDataset, loadWavFolder, validateSpeechIndex, type SpeechDataset, type UttMeta, type SpeechLoadLimits } from './data/speech-node.js';
export * from './parallel/index.js';
// the reproduction's selection (best validation NLL per unit and seed), for scripts that tabulate
// result folders (scripts/music-table.mjs). Node-only because its TrialResult type comes from the
// grid runner (experiment/trial.ts), which trains through this entry.
export { selectBest, type Selection } from './report/table.js';
