// The messages between the demo page (main.ts) and its Web Worker (worker.ts). Every request
// carries an id and gets exactly one reply with that id ({ ok: true, … } or { ok: false, error });
// training also streams `progress` and `epoch` events, which carry no id.
//
// The worker owns the library: the data set, the model and the WebAssembly core live there,
// so the page thread only draws, plays and stores. Payloads are plain data (numbers, arrays,
// typed arrays), cheap for structured cloning.
import type { NoteSequence } from '../bindings/data/pianoroll.js';

export type UnitKey = 'tanh' | 'gru' | 'lstm';
export type OptimizerKey = 'adam' | 'rmsprop';

export interface TrainSettings {
  unit: UnitKey;
  hiddenSize: number;
  optimizer: OptimizerKey;
  lr: number;
  epochs: number;
  batchSize: number;
  seed: number;
}

export interface SampleSettings {
  frames: number;
  temperature: number;
  seed: number;
  /** Polyphony cap: the most notes one step may hold. */
  maxNotes: number;
  /** Steps of a validation piece (chosen by the seed) the model reads first; 0 = none, it
   *  starts from silence. */
  primer: number;
}

/** What the page shows about the current data. */
export interface DataSummary {
  name: string;
  trainPieces: number;
  validPieces: number;
  /** Predicted frames of the training split (Σ length − 1). */
  trainFrames: number;
  /** Files that could not be used, each with the reason (the rest were used). */
  skipped: string[];
}

/** What the page shows about the current model. */
export interface ModelInfo {
  unit: string;
  hiddenSize: number;
  layers: number;
  params: number;
  /** Where it came from: "trained on synthetic music, 12 epochs", "file gru.safetensors", … */
  origin: string;
  validNll?: number;
}

export type DataSource =
  | { kind: 'synthetic' }
  | { kind: 'midi'; files: { name: string; bytes: Uint8Array }[] }
  | { kind: 'dataset'; name: string; bytes: Uint8Array };

export type Request =
  | { type: 'setData'; source: DataSource }
  | { type: 'train'; settings: TrainSettings }
  | { type: 'stop' }
  | { type: 'sample'; settings: SampleSettings }
  | { type: 'save' }
  | { type: 'load'; name: string; bytes: Uint8Array; origin?: string; validNll?: number }
  /** Test hook: the model's output distribution for one sequence of T frames (T·88 values). */
  | { type: 'probabilities'; x: Float32Array; T: number };

export interface EpochPoint { epoch: number; trainNll: number; validNll: number; seconds: number; best: boolean }

export interface TrainOutcome {
  epochs: EpochPoint[];
  bestEpoch: number;
  bestValidNll: number;
  stopped: 'epochs' | 'user' | 'diverged';
  message?: string;
  /** The new model; null when no epoch finished (the previous model, if any, is kept). */
  info: ModelInfo | null;
}

export interface SampleOutcome { notes: NoteSequence; primerFrames: number; frames: number }

/** The reply payload of each request type. */
export interface Replies {
  setData: DataSummary;
  train: TrainOutcome;
  stop: Record<string, never>;
  sample: SampleOutcome;
  save: { bytes: Uint8Array; info: ModelInfo };
  load: ModelInfo;
  probabilities: { outputs: Float32Array; build: string };
}

export type Envelope = Request & { id: number };

export type WorkerMessage =
  | { type: 'ready'; build: string }
  /** The core did not load: nothing will work, and the page says why. */
  | { type: 'fatal'; message: string }
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: { name: string; code?: string; message: string } }
  /** Every ~¼ s while training: where it is and how fast. */
  | { type: 'progress'; epoch: number; batch: number; batches: number; framesPerSecond: number; runningLoss: number }
  | { type: 'epoch'; point: EpochPoint };
