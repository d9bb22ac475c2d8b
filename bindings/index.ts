// Platform-neutral exports (no Node built-ins): shared by bindings/node.ts and bindings/browser.ts.
export * from './errors.js';
export type { ModelConfig, ForwardOptions, DataInfo, Batch, BatchViews, TargetArray, TargetArrayOf, LossResult, Unit, HeadType, TrainTarget } from './model/types.js';
export { Model, Stream, type TrainOptions, type TrainResult, type ForwardResult, type StateDictInput } from './model/model.js';
export { modelToSafetensors, parseModelFile, modelFromParsed, FORMAT, FORMAT_VERSION, type ModelFileOptions, type ParsedModelFile } from './model/file.js';
export { inferConfig, type StateDictOptions, type InferredModel } from './model/infer.js';
export {
  kerasToStateDict, stateDictToKeras, loadKerasWeights,
  type KerasTensor, type KerasTensorF32, type KerasRecurrentWeights, type KerasLayerInput, type KerasDense, type KerasActivation, type KerasOptions, type KerasStateDict, type KerasWeights, type KerasSource,
} from './model/keras.js';
export { readTorchPt, decodeTorchPt, isTorchZip, isLegacyTorchPt, type TorchPtFile, type SkippedTensor, type TorchPtLimits } from './io/torch-pt.js';
export { exportOnnx, ONNX_OPSET, type OnnxExportOptions } from './model/onnx.js';
export { resolveOptimizer, PAPER_RMSPROP, type OptimizerConfig } from './optim/optimizer.js';
export { encodeSafetensors, decodeSafetensors } from './io/safetensors.js';
export { Rng } from './data/rng.js';
export { Core, instantiateCore, RELAXED_PROBE, type BuildKind } from './wasm.js';
export { Batcher, CategoricalBatcher, type BatcherOptions, type BatchPlan } from './data/batcher.js';
export { decodeWav, encodeWav, floatToInt16, type WavAudio, type WavDecodeOptions } from './io/wav.js';
export { WaveBatcher, speechNorm, speechSteps, normalise, denormalise, nllUnits, writeStepInput, writeStepTarget, SPEECH_INPUT, SPEECH_HOP, type SpeechNorm, type WaveBatcherOptions, type WaveBatch, type NllUnits } from './data/speech.js';
export { syntheticMusic, type SyntheticOptions } from './data/synthetic.js';
export { midiToNoteSequence, parseMidiBytes, type MidiQuantizeOptions } from './data/midi.js';
export { noteSequenceToMidi, type MidiWriteOptions } from './data/midi-write.js';
export { pianoRollSvg, type PianoRollSvgOptions } from './report/pianoroll-svg.js';
export { waveformSvg, type WaveformOptions } from './report/waveform.js';
export { sampleModel, MAX_SAMPLE_FRAMES, type SampleOptions, type SampleResult } from './generate/sample.js';
export { sampleSpeech, speechInfo, type SpeechSampleOptions, type SpeechSample } from './generate/speech.js';
export type { DrawOptions } from './head/types.js';
export { validatePianoRollDataset, notesToFrames, framesToNotes, NOTE_MIN, NOTE_MAX, PIANO_UNITS, type NoteSequence, type PianoRollDataset } from './data/pianoroll.js';
export { train, trainAsync, evaluateNll, type TrainConfig, type EpochRecord, type TrainSummary, type TrainData } from './train/trainer.js';
export { checkpointToSafetensors, parseCheckpoint, CHECKPOINT_FORMAT, CHECKPOINT_LIMITS, type TrainCheckpoint, type CheckpointOptions } from './train/checkpoint.js';
export { registerHead, headTypes, getHead } from './head/registry.js';
export { MOG_SIGMA_MIN, mogLayout } from './head/mog.js';
export type { HeadDef, HeadConfig, ResolvedHead, HeadContext } from './head/types.js';
export type { ParamSpec } from './model/params.js';
export type { Kernels, KernelName, Ptr, CellKind } from './kernels.js';
// the paper's Table 1 units and Table 2 numbers (Chung et al. 2014), for reports against them
export { PAPER_TABLE2, PAPER_SPEECH_TABLE2, PAPER_UNITS, PAPER_SPEECH_UNITS } from './experiment/paper.js';
// the reproduction's number formats, for scripts that tabulate result folders
// (scripts/music-table.mjs; selectBest, which needs the Node-only trial types, is in node.ts)
export { mean, sd, signed } from './report/format.js';
// the limits every parser checks (defaults, and the option that raises each)
export * from './io/limits.js';
