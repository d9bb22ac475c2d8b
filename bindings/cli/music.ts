// The piano-roll data sets the command line names: 'synthetic' (generated, no files), a folder
// of MIDI files ('midi'), or one of the real four in the data directory.
import { syntheticMusic } from '../data/synthetic.js';
import { loadPianoRollDataset, resolveDataDir } from '../data/load-node.js';
import { loadMidiDataset } from '../data/midi-node.js';
import type { PianoRollDataset } from '../data/pianoroll.js';

/** A named piano-roll data set (--dataset), from --data or $GATEDRNN_DATA where it needs files. */
export async function loadMusic(name: string, dataOption?: string, seed = 1): Promise<PianoRollDataset> {
  if (name === 'synthetic') return syntheticMusic({ seed });
  // a folder of MIDI files (train/, valid/, test/), named by --data or $GATEDRNN_DATA
  if (name === 'midi') return loadMidiDataset(resolveDataDir(dataOption));
  return loadPianoRollDataset(resolveDataDir(dataOption), name);
}
