// `gatedrnn sample <model>`: what a model generates, seeded. A piano-roll model (88-unit
// Bernoulli head) writes a Standard MIDI File (--out piece.mid) and optionally an SVG of its
// piano roll; a speech model writes an 8 kHz WAV and optionally an SVG of its waveform. Either
// may be primed with real material the model reads before it continues on its own: a MIDI or WAV
// file (--primer), or a piece of a data set (--primer-from split:index).
import { Command, Option } from 'commander';
import { loadModel } from '../node.js';
import { ConfigError } from '../errors.js';
import type { Model } from '../model/model.js';
import { writeFileAtomic, readFileLimited } from '../io/file-node.js';
import { decodeWav, encodeWav } from '../io/wav.js';
import { sampleSpeech, speechInfo } from '../generate/speech.js';
import { MAX_SAMPLE_FRAMES, MAX_TEMPERATURE } from '../generate/sample.js';
import { waveformSvg } from '../report/waveform.js';
import { pianoRollSvg } from '../report/pianoroll-svg.js';
import { resolveDataDir, PIANO_ROLL_DATASETS } from '../data/load-node.js';
import { midiToNoteSequence } from '../data/midi.js';
import { noteSequenceToMidi, midiTempo } from '../data/midi-write.js';
import { MAX_MIDI_FILE_BYTES } from '../data/midi-node.js';
import { PIANO_UNITS, type NoteSequence } from '../data/pianoroll.js';
import { loadMusic, recordedDataset } from './music.js';
import { int, num } from './parse.js';
import { checkDataFolder, checkInputFile, checkInputFolder, intIn, nonNegative, numIn, prepareOutputFile, seed } from './checks.js';

interface SampleOpts {
  out: string; svg?: string; seed: number; temperature?: number; data?: string;
  primer?: string; primerFrom?: string;
  // speech
  seconds?: number; primerSeconds: number;
  // music
  frames?: number; maxNotes?: number; primerFrames: number; dataset?: string;
  stepsPerQuarter: number; bpm?: number; frameSeconds?: number; program: number;
}
// (dataset is undefined when not given: then the model file's recorded data set, else synthetic)

/** `split:index` of a data set, e.g. test:17. */
function parseUtterance(v: string): { split: 'train' | 'valid' | 'test'; index: number } {
  const m = /^(train|valid|test):(\d+)$/.exec(v.trim());
  if (!m) throw new ConfigError(`--primer-from '${v}' must be split:index, e.g. test:17`);
  return { split: m[1] as 'train' | 'valid' | 'test', index: Number(m[2]) };
}

/** Item `index` of `split:index` from the list of that split. */
function pick<T>(list: readonly T[], v: string, what: string): T {
  const u = parseUtterance(v);
  if (u.index >= list.length) throw new ConfigError(`--primer-from ${v}: the ${u.split} split of ${what} has ${list.length} (0..${list.length - 1})`);
  return list[u.index];
}

// ----------------------------------------------------------------------------- speech

async function primerAudio(o: SampleOpts, sampleRate: number): Promise<Int16Array | undefined> {
  let audio: Int16Array | undefined;
  if (o.primer) {
    const wav = decodeWav(await readFileLimited(o.primer, 1 << 30));
    if (wav.sampleRate !== sampleRate) throw new ConfigError(`--primer ${o.primer} is at ${wav.sampleRate} Hz; the model was trained at ${sampleRate} Hz`);
    audio = wav.samples;
  } else if (o.primerFrom) {
    const u = parseUtterance(o.primerFrom);
    const { loadSpeechDataset } = await import('../data/speech-node.js');
    const ds = await loadSpeechDataset(resolveDataDir(o.data));
    audio = pick(ds[u.split], o.primerFrom, 'the speech data set (utterances)');
  }
  if (!audio) return undefined;
  const n = Math.min(audio.length, Math.round(o.primerSeconds * sampleRate));
  return audio.subarray(0, n);
}

async function sampleAudio(model: Model, out: string, svg: string | undefined, o: SampleOpts): Promise<void> {
  const info = speechInfo(model);
  const seconds = o.seconds ?? 2;
  if (o.primerFrom) await checkDataFolder('speech', o.data);
  const primer = await primerAudio(o, info.sampleRate);
  const r = sampleSpeech(model, { samples: Math.round(seconds * info.sampleRate), seed: o.seed, primer, draw: { temperature: o.temperature ?? 1 } });
  await writeFileAtomic(out, encodeWav(r.audio, r.sampleRate));
  console.log(`wrote ${out}: ${(r.audio.length / r.sampleRate).toFixed(2)} s at ${r.sampleRate} Hz (${(r.primerSamples / r.sampleRate).toFixed(2)} s of primer), seed ${o.seed}`);
  if (svg) {
    const title = `${model.config.unit} ${model.config.hiddenSize}: ${r.primerSamples ? 'primer (blue), then generated (red)' : 'generated'}, seed ${o.seed}`;
    await writeFileAtomic(svg, new TextEncoder().encode(waveformSvg(r.audio, r.sampleRate, { title, splitAt: r.primerSamples || undefined })));
    console.log(`wrote ${svg}`);
  }
}

// ----------------------------------------------------------------------------- music

async function primerNotes(o: SampleOpts, dataset: string, dataSeed: number): Promise<NoteSequence | undefined> {
  let notes: NoteSequence | undefined;
  if (o.primer) {
    notes = midiToNoteSequence(await readFileLimited(o.primer, MAX_MIDI_FILE_BYTES), o.primer, { stepsPerQuarter: o.stepsPerQuarter, outOfRange: 'drop' });
  } else if (o.primerFrom) {
    const ds = await loadMusic(dataset, o.data, dataSeed);
    notes = pick(ds[parseUtterance(o.primerFrom).split], o.primerFrom, `${dataset} (pieces)`);
  }
  return notes?.slice(0, o.primerFrames);
}

async function sampleMusic(model: Model, out: string, svg: string | undefined, o: SampleOpts): Promise<void> {
  const c = model.config;
  if (c.head.type !== 'bernoulli' || c.head.outputs !== PIANO_UNITS || c.inputSize !== PIANO_UNITS) {
    throw new ConfigError(`gatedrnn sample writes MIDI from piano-roll models (${PIANO_UNITS} inputs, a ${PIANO_UNITS}-unit bernoulli head) and WAV from speech models; this model reads ${c.inputSize} values with a ${c.head.outputs}-output ${c.head.type} head`);
  }
  const frames = o.frames ?? 256;
  // the primer's data set: --dataset, else the one the model was trained on (and its seed)
  const recorded = recordedDataset(model.data);
  const dataset = o.dataset ?? recorded ?? 'synthetic';
  const dataSeed = dataset === recorded && typeof model.data?.seed === 'number' ? model.data.seed : 1;
  if (o.primerFrom && dataset !== 'synthetic') await checkDataFolder(dataset, o.data);
  const midiOpts = { stepsPerQuarter: o.stepsPerQuarter, bpm: o.bpm, frameSeconds: o.frameSeconds, program: o.program, name: `gatedrnn ${c.unit} ${c.hiddenSize}, seed ${o.seed}` };
  const usPerBeat = midiTempo(midiOpts, o.stepsPerQuarter); // checks the tempo before the work
  const primer = await primerNotes(o, dataset, dataSeed);
  const r = model.sample({ frames, seed: o.seed, temperature: o.temperature, maxNotes: o.maxNotes, primer });
  const notes = r.notes!;
  await writeFileAtomic(out, noteSequenceToMidi(notes, midiOpts));
  const seconds = (notes.length / o.stepsPerQuarter) * (usPerBeat / 1e6);
  const generated = notes.slice(r.primerFrames), sounding = generated.reduce((s, x) => s + x.length, 0);
  console.log(`wrote ${out}: ${notes.length} frames (${r.primerFrames} of primer), ${seconds.toFixed(1)} s at ${(60e6 / usPerBeat).toFixed(0)} bpm, ` +
    `${o.stepsPerQuarter} frame(s) per beat; ${(sounding / generated.length).toFixed(2)} notes sounding per generated frame; seed ${o.seed}`);
  if (svg) {
    const title = `${c.unit} ${c.hiddenSize}: ${r.primerFrames ? 'primer (blue), then generated (red)' : 'generated'}, seed ${o.seed}`;
    await writeFileAtomic(svg, new TextEncoder().encode(pianoRollSvg(notes, { title, splitAt: r.primerFrames || undefined, width: Math.min(2400, Math.max(800, notes.length * 3)) })));
    console.log(`wrote ${svg}`);
  }
}

/** Every option, checked before the model is read: --out's extension says which kind of model
 *  it must be, and the other kind's options are refused. */
function checkSampleOptions(o: SampleOpts, kind: 'music' | 'speech', given: (k: string) => boolean): void {
  seed(o.seed);
  if (o.temperature !== undefined) numIn(o.temperature, '--temperature', 0, MAX_TEMPERATURE, true);
  if (o.primer && o.primerFrom) throw new ConfigError('give --primer or --primer-from, not both');
  if (o.primerFrom) parseUtterance(o.primerFrom);
  if (kind === 'speech') {
    if (o.frames !== undefined || o.maxNotes !== undefined) throw new ConfigError('this is a speech model: give its length with --seconds (--frames and --max-notes are for piano-roll models)');
    const music = ['primerFrames', 'dataset', 'stepsPerQuarter', 'bpm', 'frameSeconds', 'program'].filter(given);
    if (music.length > 0) throw new ConfigError(`--out ${o.out} is audio from a speech model; ${music.map(flag).join(', ')} ${music.length > 1 ? 'are options' : 'is an option'} of piano-roll models`);
    const seconds = o.seconds ?? 2;
    if (!(seconds > 0 && seconds <= 600)) throw new ConfigError(`--seconds must be in (0, 600], got ${seconds}`);
    nonNegative(o.primerSeconds, '--primer-seconds');
    if (o.primer && !/\.wav$/i.test(o.primer)) throw new ConfigError(`--primer ${o.primer}: a speech model is primed with a .wav file`);
  } else {
    if (o.seconds !== undefined) throw new ConfigError('this is a piano-roll model: give its length in frames with --frames (--seconds is for speech models)');
    if (given('primerSeconds')) throw new ConfigError('--primer-seconds is for speech models; a piano-roll primer is cut with --primer-frames');
    intIn(o.frames ?? 256, '--frames', 1, MAX_SAMPLE_FRAMES);
    if (o.maxNotes !== undefined) intIn(o.maxNotes, '--max-notes', 1, PIANO_UNITS);
    intIn(o.primerFrames, '--primer-frames', 1);
    intIn(o.stepsPerQuarter, '--steps-per-quarter', 1, 96);
    if (o.bpm !== undefined) numIn(o.bpm, '--bpm', 1, 1000);
    if (o.frameSeconds !== undefined) numIn(o.frameSeconds, '--frame-seconds', 0.001, 10);
    if (o.bpm !== undefined && o.frameSeconds !== undefined) throw new ConfigError('give --bpm or --frame-seconds, not both');
    intIn(o.program, '--program', 0, 127);
    if (o.primer && !/\.(mid|midi|smf)$/i.test(o.primer)) throw new ConfigError(`--primer ${o.primer}: a piano-roll model is primed with a MIDI file (.mid)`);
  }
}

/** `primerFrames` → `--primer-frames`. */
function flag(key: string): string { return '--' + key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase()); }

async function sampleCmd(file: string, o: SampleOpts, cmd: Command): Promise<void> {
  const kind = /\.(mid|midi)$/i.test(o.out) ? 'music' : /\.wav$/i.test(o.out) ? 'speech' : undefined;
  if (!kind) throw new ConfigError(`--out ${o.out} must end in .mid or .midi (piano-roll models) or .wav (speech models)`);
  checkSampleOptions(o, kind, (k) => { const src = cmd.getOptionValueSource(k); return src !== undefined && src !== 'default'; });
  await checkInputFile(file, 'model file');
  if (o.primer) await checkInputFile(o.primer, '--primer');
  if (o.data !== undefined) await checkInputFolder(o.data, '--data');
  const out = await prepareOutputFile(o.out, o.out.slice(o.out.lastIndexOf('.')).toLowerCase(), '--out');
  const svg = o.svg ? await prepareOutputFile(o.svg, '.svg', '--svg') : undefined;
  const model = await loadModel(file);
  try {
    const isSpeech = model.data?.kind === 'speech';
    if (isSpeech !== (kind === 'speech')) {
      throw new ConfigError(isSpeech ? `${file} is a speech model: it generates audio, so --out must end in .wav` : `${file} is not a speech model: --out ${o.out} must end in .mid (a WAV comes from a model trained on speech)`);
    }
    await (isSpeech ? sampleAudio : sampleMusic)(model, out, svg, o);
  } finally {
    model.dispose();
  }
}

export function registerSample(program: Command): Command {
  return program.command('sample').description('generate from a model, seeded: a MIDI file (and a piano-roll SVG) from a music model, a WAV (and a waveform SVG) from a speech model')
    .argument('<model>', 'model file (.safetensors)')
    .requiredOption('--out <file>', 'where to write it: .mid for a piano-roll model, .wav for a speech model')
    .option('--svg <file.svg>', 'also draw the piano roll or the waveform here')
    .option('--seed <n>', 'seed of the sampling', int, 1)
    .option('--temperature <t>', 'above 1 more adventurous, below 1 more conservative (default 1)', num)
    .option('--frames <n>', 'music: frames to generate after the primer (default 256)', int)
    .option('--max-notes <n>', 'music: at most this many notes at once (the most probable of those drawn)', int)
    .option('--primer <file>', 'material the model reads first: a .mid file (music) or a .wav at the model\'s rate (speech)')
    .option('--primer-from <split:index>', 'or a piece of a data set, e.g. test:17 (music: of --dataset; speech: of the speech data)')
    .option('--primer-frames <n>', 'music: how many frames of the primer to use', int, 16)
    .option('--primer-seconds <s>', 'speech: how much of the primer to use', num, 0.25)
    .addOption(new Option('--dataset <name>', 'music: the data set of --primer-from (default: the one the model file records, else synthetic)').choices(['synthetic', ...Object.keys(PIANO_ROLL_DATASETS), 'midi']))
    .option('--data <dir>', 'data directory (for --primer-from; else $GATEDRNN_DATA)')
    .option('--steps-per-quarter <n>', 'music: frames per quarter note of the MIDI grid (the data sets use 2, eighth notes)', int, 2)
    .option('--bpm <n>', 'music: tempo in quarter notes per minute (default 120)', num)
    .option('--frame-seconds <s>', 'music: or the length of one frame in seconds (overrides --bpm)', num)
    .option('--program <n>', 'music: General MIDI instrument 0..127 (default 0, piano)', int, 0)
    .option('--seconds <s>', 'speech: seconds to generate after the primer (default 2)', num)
    .addHelpText('after', '\nExit codes: 0 done; 1 a bad option, file or model (one line: gatedrnn: <Error> (<code>): what is\nwrong), checked before the model is read.')
    .action((file: string, o: SampleOpts, cmd: Command) => sampleCmd(file, o, cmd));
}
