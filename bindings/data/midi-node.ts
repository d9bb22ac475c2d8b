// Node-only: a folder of MIDI files as a piano-roll data set, so users can train on their own
// music. Layout: <dir>/train/, <dir>/valid/, <dir>/test/, each holding .mid / .midi files
// (read in file-name order; subfolders are not searched). Each file becomes one sequence,
// quantised by midi.ts; the result is validated like the JSON data sets.
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { EmptyError, NotFoundError } from '../errors.js';
import { readFileLimited } from '../io/file-node.js';
import { MIDI_LIMITS, PIANO_ROLL_LIMITS, limitError, resolveLimits, type PianoRollLimits } from '../io/limits.js';
import { midiToNoteSequence, type MidiQuantizeOptions } from './midi.js';
import { SPLITS, validatePianoRollDataset, type NoteSequence, type PianoRollDataset } from './pianoroll.js';

/** Largest MIDI file read (16 MiB; real pieces are tens of kilobytes); options.maxFileBytes
 *  raises it. */
export const MAX_MIDI_FILE_BYTES = MIDI_LIMITS.maxFileBytes;

/** Options of a MIDI folder or data set: the quantisation and per-file limits, and the limits of
 *  the whole set (sequences, steps, notes in total, counted file by file as they are read). */
export type MidiFolderOptions = MidiQuantizeOptions & PianoRollLimits;

/** Running totals over the files read so far, against the data set's limits. */
function tally(options: MidiFolderOptions, where: string): (seq: NoteSequence) => void {
  const lim = resolveLimits(PIANO_ROLL_LIMITS, options, where);
  let sequences = 0, steps = 0, notes = 0;
  return (seq) => {
    if (++sequences > lim.maxSequences) throw limitError(where, 'sequences in total', lim.maxSequences, 'maxSequences');
    if ((steps += seq.length) > lim.maxSteps) throw limitError(where, 'time steps in total', lim.maxSteps, 'maxSteps');
    for (const step of seq) notes += step.length;
    if (notes > lim.maxNotes) throw limitError(where, 'notes in total', lim.maxNotes, 'maxNotes');
  };
}

const MIDI_EXT = /\.(mid|midi|smf)$/i;

/** Every MIDI file of one folder (not recursive), in name order, as note sequences. */
export async function loadMidiFolder(dir: string, options: MidiFolderOptions = {}, count = tally(options, `MIDI folder ${resolve(dir)}`)): Promise<NoteSequence[]> {
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
    const seq = midiToNoteSequence(await readFileLimited(path, options.maxFileBytes ?? MAX_MIDI_FILE_BYTES), path, options);
    count(seq);
    out.push(seq);
  }
  return out;
}

/** `<dir>/{train,valid,test}/*.mid` as a validated piano-roll data set. */
export async function loadMidiDataset(dir: string, options: MidiFolderOptions = {}): Promise<PianoRollDataset> {
  const abs = resolve(dir);
  const ds: Record<string, NoteSequence[]> = {};
  const count = tally(options, `MIDI data set ${abs}`);
  for (const split of SPLITS) {
    try {
      ds[split] = await loadMidiFolder(join(abs, split), options, count);
    } catch (e) {
      if (e instanceof NotFoundError) {
        throw new NotFoundError(`MIDI data set ${abs}: the subfolder ${split}/ is missing. A MIDI data set is a folder with train/, valid/ and test/ subfolders of .mid files.`);
      }
      throw e;
    }
  }
  return validatePianoRollDataset(ds, `MIDI data set ${abs}`, options);
}
