// `gatedrnn sample <model>`: generated audio from a speech model as an 8 kHz WAV, with an SVG
// picture of its waveform. Seeded; optionally primed with real audio (a WAV file, or an
// utterance of the speech data set) that the model reads before it continues on its own.
import { Command } from 'commander';
import { loadModel } from '../node.js';
import { ConfigError } from '../errors.js';
import { writeFileAtomic, readFileLimited, checkOutputPath } from '../io/file-node.js';
import { decodeWav, encodeWav } from '../io/wav.js';
import { sampleSpeech, speechInfo } from '../generate/speech.js';
import { waveformSvg } from '../report/waveform.js';
import { resolveDataDir } from '../data/load-node.js';
import { int, num } from './parse.js';

interface SampleOpts { out: string; svg?: string; seconds: number; seed: number; primer?: string; primerFrom?: string; primerSeconds: number; data?: string }

/** `split:index` of the speech data set, e.g. test:17. */
function parseUtterance(v: string): { split: 'train' | 'valid' | 'test'; index: number } {
  const m = /^(train|valid|test):(\d+)$/.exec(v.trim());
  if (!m) throw new ConfigError(`--primer-from '${v}' must be split:index, e.g. test:17`);
  return { split: m[1] as 'train' | 'valid' | 'test', index: Number(m[2]) };
}

async function primerAudio(o: SampleOpts, sampleRate: number): Promise<Int16Array | undefined> {
  if (o.primer && o.primerFrom) throw new ConfigError('give --primer or --primer-from, not both');
  let audio: Int16Array | undefined;
  if (o.primer) {
    const wav = decodeWav(await readFileLimited(o.primer, 1 << 30));
    if (wav.sampleRate !== sampleRate) throw new ConfigError(`--primer ${o.primer} is at ${wav.sampleRate} Hz; the model was trained at ${sampleRate} Hz`);
    audio = wav.samples;
  } else if (o.primerFrom) {
    const u = parseUtterance(o.primerFrom);
    const { loadSpeechDataset } = await import('../data/speech-node.js');
    const ds = await loadSpeechDataset(resolveDataDir(o.data));
    const list = ds[u.split];
    if (u.index >= list.length) throw new ConfigError(`--primer-from ${o.primerFrom}: the ${u.split} split has ${list.length} utterances (0..${list.length - 1})`);
    audio = list[u.index];
  }
  if (!audio) return undefined;
  const n = Math.min(audio.length, Math.round(o.primerSeconds * sampleRate));
  return audio.subarray(0, n);
}

async function sampleCmd(file: string, o: SampleOpts): Promise<void> {
  const out = await checkOutputPath(o.out, '.wav', '--out');
  const svg = o.svg ? await checkOutputPath(o.svg, '.svg', '--svg') : undefined;
  if (!(o.seconds > 0 && o.seconds <= 600)) throw new ConfigError(`--seconds must be in (0, 600], got ${o.seconds}`);
  if (!(o.primerSeconds >= 0)) throw new ConfigError(`--primer-seconds must be ≥ 0, got ${o.primerSeconds}`);
  const model = await loadModel(file);
  try {
    const info = speechInfo(model);
    const primer = await primerAudio(o, info.sampleRate);
    const r = sampleSpeech(model, { samples: Math.round(o.seconds * info.sampleRate), seed: o.seed, primer });
    await writeFileAtomic(out, encodeWav(r.audio, r.sampleRate));
    console.log(`wrote ${out}: ${(r.audio.length / r.sampleRate).toFixed(2)} s at ${r.sampleRate} Hz (${(r.primerSamples / r.sampleRate).toFixed(2)} s of primer), seed ${o.seed}`);
    if (svg) {
      const title = `${model.config.unit} ${model.config.hiddenSize}: ${r.primerSamples ? 'primer (blue), then generated (red)' : 'generated'}, seed ${o.seed}`;
      await writeFileAtomic(svg, new TextEncoder().encode(waveformSvg(r.audio, r.sampleRate, { title, splitAt: r.primerSamples || undefined })));
      console.log(`wrote ${svg}`);
    }
  } finally {
    model.dispose();
  }
}

export function registerSample(program: Command): Command {
  return program.command('sample').description('generate audio from a speech model: a WAV file and an SVG of its waveform (seeded)')
    .argument('<model>', 'model file (.safetensors) trained on speech')
    .requiredOption('--out <file.wav>', 'where to write the audio')
    .option('--svg <file.svg>', 'also draw the waveform here')
    .option('--seconds <s>', 'seconds to generate after the primer', num, 2)
    .option('--seed <n>', 'seed of the sampling', int, 1)
    .option('--primer <file.wav>', 'real audio the model reads first (same sample rate)')
    .option('--primer-from <split:index>', 'or an utterance of the speech data set, e.g. test:17 (needs --data or $GATEDRNN_DATA)')
    .option('--primer-seconds <s>', 'how much of the primer to use', num, 0.25)
    .option('--data <dir>', 'data directory (for --primer-from)')
    .action((file: string, o: SampleOpts) => sampleCmd(file, o));
}
