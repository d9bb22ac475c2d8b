// The data of one data set of the grid: synthetic music, a MIDI folder, or one of the paper's
// four piano-roll sets, read from the data directory or the download cache (or downloaded).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, NotFoundError } from '../../errors.js';
import { syntheticMusic } from '../../data/synthetic.js';
import { loadPianoRollDataset, loadPianoRollPickle, resolveDataDir, PIANO_ROLL_DATASETS, DATA_ENV } from '../../data/load-node.js';
import { originalPickleUrl, defaultCacheDir, downloadCached, ORIGINAL_PICKLES } from '../../data/download-node.js';
import type { TrialData } from '../../experiment/trial.js';
import type { ReproduceOptions } from './options.js';

/** Loads one data set of the grid. A real data set is read, in this order, from
 *  `<data>/<name>.json.gz`, from the original pickle in `<data>/` (e.g. "JSB Chorales.pickle"),
 *  from the original pickle in the download cache, or — with `--download` — fetched from the
 *  author's URL into the cache first. */
export async function loadReproduceData(name: string, o: ReproduceOptions): Promise<TrialData> {
  if (name === 'speech') {
    // the spoken-digit stand-in (<data>/speech/index.json + split WAVs, sha256-checked), normalised
    // by the statistics of its training split
    const { loadSpeechDataset, loadWavFolder } = await import('../../data/speech-node.js');
    const { speechNorm } = await import('../../data/speech.js');
    const ds = o.wav !== undefined ? await loadWavFolder(o.wav) : await loadSpeechDataset(resolveDataDir(o.data));
    return { kind: 'speech', sampleRate: ds.sampleRate, train: ds.train, valid: ds.valid, test: ds.test, norm: speechNorm(ds.train) };
  }
  if (name === 'synthetic') {
    const n = o.syntheticTrain, q = Math.max(2, Math.round(n / 4));
    return syntheticMusic({ seed: 1, train: n, valid: q, test: q, minLength: o.syntheticLength[0], maxLength: o.syntheticLength[1] });
  }
  if (name === 'midi') {
    if (!o.midi) throw new ConfigError('--dataset midi needs --midi <dir> (a folder with train/, valid/ and test/ subfolders of .mid files)');
    const { loadMidiDataset } = await import('../../data/midi-node.js');
    return loadMidiDataset(o.midi);
  }
  const pickle = ORIGINAL_PICKLES[name];
  const json = PIANO_ROLL_DATASETS[name as keyof typeof PIANO_ROLL_DATASETS];
  const cache = o.cache ?? defaultCacheDir();
  let dataDir: string | undefined;
  try { dataDir = resolveDataDir(o.data); } catch (e) { if (!(e instanceof NotFoundError)) throw e; }
  if (dataDir !== undefined) {
    if (existsSync(join(dataDir, json))) return loadPianoRollDataset(dataDir, name);
    if (existsSync(join(dataDir, pickle))) return loadPianoRollPickle(join(dataDir, pickle), name);
  }
  if (existsSync(join(cache, pickle))) return loadPianoRollPickle(join(cache, pickle), name);
  const url = originalPickleUrl(name, o.downloadUrl);
  if (o.download) {
    if (o.progress !== 'none') process.stderr.write(`downloading ${url} into ${cache}\n`);
    const got = await downloadCached(url, cache, pickle);
    return loadPianoRollPickle(got.path, name);
  }
  const where = dataDir !== undefined
    ? `${join(dataDir, json)} and ${join(dataDir, pickle)} do not exist, nor ${join(cache, pickle)}`
    : `no data directory is given (--data or ${DATA_ENV}) and ${join(cache, pickle)} does not exist`;
  throw new NotFoundError(`data set "${name}": ${where}. Put ${json} ` +
    `(gzip JSON {train, valid, test}, see the data README) or the original "${pickle}" in the data directory, ` +
    `or pass --download to fetch the original pickle from ${url} into the cache ${cache}.`);
}
