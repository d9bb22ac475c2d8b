// The piano-roll data sets the command line names: 'synthetic' (generated, no files), a folder
// of MIDI files ('midi'), or one of the real four in the data directory. A music model trained
// by `gatedrnn train` records its data set in its file (model.data, kind 'pianoroll'), so that
// `eval` and `sample --primer-from` use the same one unless told otherwise.
import { syntheticMusic } from '../data/synthetic.js';
import { loadPianoRollDataset, resolveDataDir } from '../data/load-node.js';
import { loadMidiDataset } from '../data/midi-node.js';
import type { PianoRollDataset } from '../data/pianoroll.js';
import type { DataInfo } from '../model/types.js';

/** A named piano-roll data set (--dataset), from --data or $GATEDRNN_DATA where it needs files. */
export async function loadMusic(name: string, dataOption?: string, seed = 1): Promise<PianoRollDataset> {
  if (name === 'synthetic') return syntheticMusic({ seed });
  // a folder of MIDI files (train/, valid/, test/), named by --data or $GATEDRNN_DATA
  if (name === 'midi') return loadMidiDataset(resolveDataDir(dataOption));
  return loadPianoRollDataset(resolveDataDir(dataOption), name);
}

/** What a music model's file records of its data: `{ kind: 'pianoroll', dataset }`, and for
 *  synthetic data the seed that generated it. */
export function musicDataInfo(dataset: string, seed: number): DataInfo {
  return dataset === 'synthetic' ? { kind: 'pianoroll', dataset, seed } : { kind: 'pianoroll', dataset };
}

/** The data set a model file records (`data.dataset` of a pianoroll or speech model), if any. */
export function recordedDataset(data: DataInfo | undefined): string | undefined {
  return data && (data.kind === 'pianoroll' || data.kind === 'speech') && typeof data.dataset === 'string' ? data.dataset : undefined;
}
