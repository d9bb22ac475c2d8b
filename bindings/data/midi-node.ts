// Node-only: a folder of MIDI files as a piano-roll data set, so users can train on their own
// music. Layout: <dir>/train/, <dir>/valid/, <dir>/test/, each holding .mid / .midi files
// (read in file-name order; subfolders are not searched). Each file becomes one sequence,
// quantised by midi.ts; the result is validated like the JSON data sets.
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { EmptyError, NotFoundError } from '../errors.js';
import { readFileLimited } from '../io/file-node.js';
import { midiToNoteSequence, type MidiQuantizeOptions } from './midi.js';
import { SPLITS, validatePianoRollDataset, type NoteSequence, type PianoRollDataset } from './pianoroll.js';

/** Largest MIDI file read (16 MiB; real pieces are tens of kilobytes). */
export const MAX_MIDI_FILE_BYTES = 16 * 1024 * 1024;

const MIDI_EXT = /\.(mid|midi|smf)$/i;

/** Every MIDI file of one folder (not recursive), in name order, as note sequences. */
export async function loadMidiFolder(dir: string, options: MidiQuantizeOptions = {}): Promise<NoteSequence[]> {
  const abs = resolve(dir);
  let names: string[];
  try {
    names = (await readdir(abs, { withFileTypes: true })).filter((e) => e.isFile() && MIDI_EXT.test(e.name)).map((e) => e.name);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new NotFoundError(`MIDI folder ${abs} does not exist`);
    throw e;
  }
  if (names.length === 0) throw new EmptyError(`MIDI folder ${abs} holds no .mid or .midi files`);
  names.sort();
  const out: NoteSequence[] = [];
  for (const name of names) {
    const path = join(abs, name);
    out.push(midiToNoteSequence(await readFileLimited(path, MAX_MIDI_FILE_BYTES), path, options));
  }
  return out;
}

/** `<dir>/{train,valid,test}/*.mid` as a validated piano-roll data set. */
export async function loadMidiDataset(dir: string, options: MidiQuantizeOptions = {}): Promise<PianoRollDataset> {
  const abs = resolve(dir);
  const ds: Record<string, NoteSequence[]> = {};
  for (const split of SPLITS) {
    try {
      ds[split] = await loadMidiFolder(join(abs, split), options);
    } catch (e) {
      if (e instanceof NotFoundError) {
        throw new NotFoundError(`MIDI data set ${abs}: the subfolder ${split}/ is missing. A MIDI data set is a folder with train/, valid/ and test/ subfolders of .mid files.`);
      }
      throw e;
    }
  }
  return validatePianoRollDataset(ds, `MIDI data set ${abs}`);
}
