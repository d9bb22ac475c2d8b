// The paper's numbers, in one place: Chung, Gulcehre, Cho & Bengio (2014), "Empirical Evaluation
// of Gated Recurrent Neural Networks on Sequence Modeling", arXiv:1412.3555. Table 1 gives the
// music models (≈20 K recurrent parameters each), Table 2 the per-frame NLLs we compare against.
// Everything else (demo, reproduce, the reports) derives its units from PAPER_UNITS.
import { ConfigError } from '../errors.js';
import { PIANO_UNITS } from '../data/pianoroll.js';
import { SPEECH_INPUT, SPEECH_HOP } from '../data/speech.js';
import type { ModelConfig, Unit } from '../model/types.js';

/** The form of a recurrent unit at a size: what a model config needs beyond the data. */
export interface UnitForm {
  unit: Unit;
  hiddenSize: number;
  /** LSTM: diagonal peephole connections (the paper's LSTM, after Graves 2013). */
  peepholes?: boolean;
  /** GRU: false = the reset gate applied before the recurrent product (the paper's equations). */
  resetAfter?: boolean;
}

/** A row of Table 1: a unit as the paper trains it on music. */
export interface PaperUnit extends UnitForm {
  /** Short lower-case key of command-line options, file names and trial ids. */
  key: 'tanh' | 'gru' | 'lstm';
  /** Display name as in the paper's tables. */
  name: 'tanh' | 'GRU' | 'LSTM';
}

/** Table 1, music: tanh-RNN 100 units, GRU 46 (reset before), LSTM 36 with peepholes. */
export const PAPER_UNITS: readonly PaperUnit[] = [
  { key: 'tanh', name: 'tanh', unit: 'tanh', hiddenSize: 100 },
  { key: 'gru', name: 'GRU', unit: 'gru', hiddenSize: 46, resetAfter: false },
  { key: 'lstm', name: 'LSTM', unit: 'lstm', hiddenSize: 36, peepholes: true },
];

/** Table 1, speech: tanh-RNN 400 units, GRU 227 (reset before), LSTM 195 with peepholes, each
 *  ≈169 K recurrent parameters at input 20 (tanh 168,400; GRU 168,888; LSTM 169,065). */
export const PAPER_SPEECH_UNITS: readonly PaperUnit[] = [
  { key: 'tanh', name: 'tanh', unit: 'tanh', hiddenSize: 400 },
  { key: 'gru', name: 'GRU', unit: 'gru', hiddenSize: 227, resetAfter: false },
  { key: 'lstm', name: 'LSTM', unit: 'lstm', hiddenSize: 195, peepholes: true },
];

/** The paper's raw-speech setup: per step 20 input samples, the next 10 predicted by a mixture
 *  of 20 Gaussians. */
export const SPEECH_SETUP = { input: SPEECH_INPUT, hop: SPEECH_HOP, components: 20 } as const;

/** The data sets that are raw speech (the rest are piano rolls). */
export const SPEECH_DATASETS: readonly string[] = ['speech'];

/** The Table-1 units of a data set's task. */
export function unitsFor(dataset: string): readonly PaperUnit[] {
  return SPEECH_DATASETS.includes(dataset) ? PAPER_SPEECH_UNITS : PAPER_UNITS;
}

/** The speech model of a unit form: 20 input samples, a 20-component mixture over 10 samples. */
export function speechModelConfig(u: UnitForm, seed: number): ModelConfig {
  const c: ModelConfig = {
    unit: u.unit, hiddenSize: u.hiddenSize, inputSize: SPEECH_SETUP.input,
    head: { type: 'mog', components: SPEECH_SETUP.components, size: SPEECH_SETUP.hop }, seed,
  };
  if (u.peepholes !== undefined) c.peepholes = u.peepholes;
  if (u.resetAfter !== undefined) c.resetAfter = u.resetAfter;
  return c;
}

/** The display names in the paper's order (tanh, GRU, LSTM). */
export const PAPER_UNIT_NAMES: readonly string[] = PAPER_UNITS.map((u) => u.name);

/** The Table-1 row of a unit kind. */
export function paperUnit(unit: Unit): PaperUnit {
  const u = PAPER_UNITS.find((x) => x.unit === unit);
  if (!u) throw new ConfigError(`unknown unit ${JSON.stringify(unit)}; expected ${PAPER_UNITS.map((x) => x.unit).join(', ')}`);
  return u;
}

/** The music model of a unit form: 88 piano-roll inputs, a sigmoid output per note. */
export function musicModelConfig(u: UnitForm, seed: number): ModelConfig {
  const c: ModelConfig = { unit: u.unit, hiddenSize: u.hiddenSize, inputSize: PIANO_UNITS, head: { type: 'bernoulli', size: PIANO_UNITS }, seed };
  if (u.peepholes !== undefined) c.peepholes = u.peepholes;
  if (u.resetAfter !== undefined) c.resetAfter = u.resetAfter;
  return c;
}

/** Test NLL with the train NLL beside it, nats per frame. */
export interface PaperScore { test: number; train: number }

/** Table 2, the music rows, by data set name. */
export const PAPER_TABLE2: Record<string, { title: string; scores: Record<PaperUnit['name'], PaperScore> }> = {
  nottingham: { title: 'Nottingham', scores: { tanh: { test: 3.13, train: 3.22 }, GRU: { test: 3.23, train: 2.79 }, LSTM: { test: 3.20, train: 3.08 } } },
  jsb: { title: 'JSB Chorales', scores: { tanh: { test: 9.10, train: 8.82 }, GRU: { test: 8.54, train: 6.94 }, LSTM: { test: 8.67, train: 8.15 } } },
  musedata: { title: 'MuseData', scores: { tanh: { test: 6.23, train: 5.64 }, GRU: { test: 5.99, train: 5.06 }, LSTM: { test: 6.23, train: 5.18 } } },
  'piano-midi': { title: 'Piano-midi', scores: { tanh: { test: 9.03, train: 5.64 }, GRU: { test: 8.82, train: 4.93 }, LSTM: { test: 9.03, train: 6.49 } } },
};

/** Table 2, the speech rows: two private Ubisoft data sets, NLL per step. Our speech stand-in is
 *  other data (spoken digits), so only the ordering of the units compares. */
export const PAPER_SPEECH_TABLE2: Record<string, { title: string; scores: Record<PaperUnit['name'], PaperScore> }> = {
  'ubisoft-a': { title: 'Ubisoft A', scores: { tanh: { test: 6.44, train: 6.29 }, GRU: { test: 3.59, train: 2.31 }, LSTM: { test: 2.70, train: 1.44 } } },
  'ubisoft-b': { title: 'Ubisoft B', scores: { tanh: { test: 7.62, train: 7.61 }, GRU: { test: 0.88, train: 0.38 }, LSTM: { test: 1.26, train: 0.80 } } },
};

/** The paper's score of a unit (by display name) on a data set, if it reports one. */
export function paperScore(dataset: string, unitName: string): PaperScore | undefined {
  return (PAPER_TABLE2[dataset]?.scores as Record<string, PaperScore> | undefined)?.[unitName];
}

/** A display title for a data set name (the paper's where it has one). */
export function datasetTitle(name: string): string {
  if (name === 'speech') return 'Spoken digits (FSDD, stand-in for the Ubisoft speech)';
  return PAPER_TABLE2[name]?.title ?? (name === 'synthetic' ? 'Synthetic music' : name);
}
