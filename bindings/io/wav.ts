// RIFF/WAVE files of 16-bit mono PCM: a strict reader and a canonical writer. Platform-neutral
// (no Node built-ins), so the browser build can read and write audio too.
//
// Layout (little-endian throughout):
//   "RIFF" u32 riffSize "WAVE"   then chunks, each: 4-byte id, u32 size, size bytes, and one pad
//                                byte when size is odd (the pad is not counted in size)
//   riffSize counts everything after its own field: 4 ("WAVE") + all chunks with their pads.
//   "fmt " (≥ 16 bytes): u16 formatTag, u16 channels, u32 sampleRate, u32 byteRate,
//          u16 blockAlign, u16 bitsPerSample [, u16 cbSize, extension]
//          WAVE_FORMAT_EXTENSIBLE (0xFFFE) adds u16 validBits, u32 channelMask and a 16-byte
//          subformat GUID whose first two bytes are the real format tag (1 for PCM).
//   "data": the samples, interleaved by channel.
//
// What decodeWav accepts: format tag 1, or 0xFFFE with the PCM subformat
// 00000001-0000-0010-8000-00aa00389b71 (valid bits 1..16; the 16-bit container values are
// returned as they are); 1 channel; 16 bits per sample; blockAlign 2 and byteRate
// 2·sampleRate; sample rate ≥ 1. `fmt ` must come before `data`; there must be exactly one of
// each. Other chunks (LIST, fact, cue, ...) are skipped, whatever their position. Everything
// else is a FormatError that names the problem.
//
// Sizes are never trusted: a chunk whose size runs past the end of the RIFF chunk, a RIFF
// size past the end of the file, or a data chunk larger than the bytes present is refused —
// a truncated file is an error, not silently shorter audio. Memory is allocated only for the
// samples actually present (and at most opts.maxSamples of them).
//
// Two tolerances, both for files real tools write:
//   * Streaming placeholder. A writer that cannot seek back to patch the sizes (ffmpeg writing
//     to a pipe) leaves riffSize and the data size at 0xFFFFFFFF. When riffSize is exactly
//     that value the RIFF chunk runs to the end of the file, and a data size of exactly that
//     value (only then) means "every remaining byte", which must be a whole number of
//     samples. Any other size larger than what is present is refused.
//   * The last chunk of the file may lack its pad byte when the RIFF size does not count one,
//     and bytes after the end of the RIFF chunk (e.g. a trailing tag) are ignored.
import { FormatError, ValueError } from '../errors.js';

export interface WavAudio {
  sampleRate: number;
  channels: 1;
  bitsPerSample: 16;
  samples: Int16Array;
}

export interface WavDecodeOptions {
  /** Most samples accepted (default: no limit beyond the bytes present). */
  maxSamples?: number;
}

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
/** The KSDATAFORMAT GUID tail shared by the subformats that wrap an ordinary format tag. */
const GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];
/** The streaming writers' "size unknown" value. */
const UNKNOWN_SIZE = 0xffffffff;
const HEADER_BYTES = 44;

const FORMAT_NAMES: Record<number, string> = {
  0x0002: 'Microsoft ADPCM', 0x0003: 'IEEE float', 0x0006: 'A-law', 0x0007: 'µ-law',
  0x0011: 'IMA ADPCM', 0x0031: 'GSM 6.10', 0x0050: 'MPEG', 0x0055: 'MPEG layer 3',
};

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function fourcc(b: Uint8Array, at: number): string {
  let s = '';
  for (let i = 0; i < 4; i++) {
    const c = b[at + i];
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return s;
}

function formatName(tag: number): string {
  const name = FORMAT_NAMES[tag];
  return `format tag ${tag}${name ? ` (${name})` : ''}`;
}

interface Fmt { sampleRate: number }

function parseFmt(bytes: Uint8Array, v: DataView, at: number, size: number): Fmt {
  const bad = (m: string): never => { throw new FormatError(`WAV: ${m}`); };
  if (size < 16) bad(`fmt chunk is ${size} bytes, shorter than the 16 a PCM format needs`);
  let tag = v.getUint16(at, true);
  const channels = v.getUint16(at + 2, true);
  const sampleRate = v.getUint32(at + 4, true);
  const byteRate = v.getUint32(at + 8, true);
  const blockAlign = v.getUint16(at + 12, true);
  const bits = v.getUint16(at + 14, true);
  if (tag === WAVE_FORMAT_EXTENSIBLE) {
    if (size < 40) bad(`fmt chunk of WAVE_FORMAT_EXTENSIBLE is ${size} bytes, shorter than 40`);
    const cb = v.getUint16(at + 16, true);
    if (cb < 22) bad(`WAVE_FORMAT_EXTENSIBLE extension size ${cb} is smaller than 22`);
    const validBits = v.getUint16(at + 18, true);
    const g = at + 24;
    for (let i = 0; i < GUID_TAIL.length; i++) {
      if (bytes[g + 2 + i] !== GUID_TAIL[i]) bad('WAVE_FORMAT_EXTENSIBLE subformat is not a known GUID; only the PCM subformat is supported');
    }
    tag = v.getUint16(g, true);
    if (tag !== WAVE_FORMAT_PCM) bad(`WAVE_FORMAT_EXTENSIBLE subformat ${formatName(tag)} is not supported; only PCM is`);
    if (bits === 16 && (validBits < 1 || validBits > 16)) bad(`WAVE_FORMAT_EXTENSIBLE valid bits ${validBits} must be 1..16 in a 16-bit container`);
  } else if (tag !== WAVE_FORMAT_PCM) {
    bad(`${formatName(tag)} is not supported; only PCM (tag 1, or WAVE_FORMAT_EXTENSIBLE with the PCM subformat) is`);
  }
  if (channels !== 1) bad(`${channels} channels; only mono is supported`);
  if (bits !== 16) bad(`${bits} bits per sample; only 16-bit is supported`);
  if (sampleRate === 0) bad('sample rate 0');
  if (blockAlign !== 2) bad(`block align ${blockAlign} does not match 1 channel of 16 bits (2)`);
  if (byteRate !== sampleRate * 2) bad(`byte rate ${byteRate} does not match sample rate ${sampleRate} × 2 bytes`);
  return { sampleRate };
}

/** Parses a 16-bit mono PCM WAV file; the samples are copied into a new Int16Array. */
export function decodeWav(bytes: Uint8Array, opts: WavDecodeOptions = {}): WavAudio {
  if (!(bytes instanceof Uint8Array)) throw new ValueError('decodeWav: expected a Uint8Array');
  const maxSamples = opts.maxSamples ?? Infinity;
  if (maxSamples !== Infinity && (!Number.isSafeInteger(maxSamples) || maxSamples < 0)) {
    throw new ValueError(`decodeWav: maxSamples ${maxSamples} must be a non-negative integer`);
  }
  const bad = (m: string): never => { throw new FormatError(`WAV: ${m}`); };
  const n = bytes.length;
  if (n < 12) bad(`file is ${n} bytes, shorter than the 12-byte RIFF header`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = fourcc(bytes, 0);
  if (magic === 'RIFX') bad('big-endian RIFX files are not supported');
  if (magic === 'RF64') bad('RF64 (64-bit) WAV files are not supported');
  if (magic !== 'RIFF') bad(`not a RIFF file (starts with "${magic}")`);
  if (fourcc(bytes, 8) !== 'WAVE') bad(`RIFF form type is "${fourcc(bytes, 8)}", not "WAVE"`);
  const riffSize = v.getUint32(4, true);
  const streamed = riffSize === UNKNOWN_SIZE;
  let end: number;
  if (streamed) end = n;
  else {
    if (riffSize < 4) bad(`RIFF size ${riffSize} is smaller than the 4-byte form type`);
    if (riffSize > n - 8) bad(`RIFF size ${riffSize} runs past the end of the ${n}-byte file (needs ${riffSize + 8} bytes; truncated?)`);
    end = 8 + riffSize;
  }

  let fmt: Fmt | undefined;
  let dataAt = -1, dataSize = 0;
  let at = 12;
  while (at < end) {
    if (end - at < 8) bad(`${end - at} stray bytes at byte ${at}, too few for a chunk header`);
    const id = fourcc(bytes, at);
    let size = v.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'data' && size === UNKNOWN_SIZE && streamed) {
      size = end - body; // streaming placeholder: the rest of the file
    } else if (size > end - body) {
      bad(`chunk "${id}" at byte ${at} declares ${size} bytes but only ${end - body} remain (truncated file or wrong size)`);
    }
    if (id === 'fmt ') {
      if (fmt) bad(`second fmt chunk at byte ${at}`);
      fmt = parseFmt(bytes, v, body, size);
    } else if (id === 'data') {
      if (!fmt) bad(`data chunk at byte ${at} comes before the fmt chunk`);
      if (dataAt >= 0) bad(`second data chunk at byte ${at}`);
      if (size % 2 !== 0) bad(`data chunk of ${size} bytes is not a whole number of 2-byte samples`);
      dataAt = body; dataSize = size;
    }
    at = body + size;
    if (size % 2 === 1 && at < end) at++; // the pad byte (absent only at the very end)
  }
  if (!fmt) return bad('no fmt chunk');
  if (dataAt < 0) bad('no data chunk');
  const count = dataSize / 2;
  if (count > maxSamples) bad(`${count} samples exceed the limit of ${maxSamples}`);

  const samples = new Int16Array(count);
  const raw = new Uint8Array(samples.buffer);
  raw.set(bytes.subarray(dataAt, dataAt + dataSize));
  if (!HOST_LITTLE_ENDIAN) {
    for (let i = 0; i < raw.length; i += 2) { const t = raw[i]; raw[i] = raw[i + 1]; raw[i + 1] = t; }
  }
  return { sampleRate: fmt.sampleRate, channels: 1, bitsPerSample: 16, samples };
}

/** A canonical 44-byte-header WAV file (PCM, mono, 16-bit) holding `samples`. */
export function encodeWav(samples: Int16Array, sampleRate: number): Uint8Array {
  if (!(samples instanceof Int16Array)) throw new ValueError('encodeWav: samples must be an Int16Array');
  if (!Number.isInteger(sampleRate) || sampleRate < 1 || sampleRate * 2 > 0xffffffff) {
    throw new ValueError(`encodeWav: sample rate ${sampleRate} must be an integer in 1..${Math.floor(0xffffffff / 2)}`);
  }
  const dataBytes = samples.length * 2;
  if (dataBytes + 36 > 0xfffffffe) throw new ValueError(`encodeWav: ${samples.length} samples do not fit in a 4 GiB RIFF file`);
  const out = new Uint8Array(HEADER_BYTES + dataBytes);
  const v = new DataView(out.buffer);
  const tag = (at: number, s: string): void => { for (let i = 0; i < 4; i++) out[at + i] = s.charCodeAt(i); };
  tag(0, 'RIFF'); v.setUint32(4, 36 + dataBytes, true); tag(8, 'WAVE');
  tag(12, 'fmt '); v.setUint32(16, 16, true);
  v.setUint16(20, WAVE_FORMAT_PCM, true); v.setUint16(22, 1, true);
  v.setUint32(24, sampleRate, true); v.setUint32(28, sampleRate * 2, true);
  v.setUint16(32, 2, true); v.setUint16(34, 16, true);
  tag(36, 'data'); v.setUint32(40, dataBytes, true);
  if (HOST_LITTLE_ENDIAN) {
    out.set(new Uint8Array(samples.buffer, samples.byteOffset, dataBytes), HEADER_BYTES);
  } else {
    for (let i = 0; i < samples.length; i++) v.setInt16(HEADER_BYTES + 2 * i, samples[i], true);
  }
  return out;
}

/**
 * int16 samples from real values: s = round(x·scale + offset) (halves round up), clipped to
 * [−32768, 32767]. For model outputs on the normalised scale pass scale = std and offset =
 * mean; for audio in [−1, 1] pass scale = 32767. A value that gives NaN is a ValueError naming
 * its index; ±Infinity clips. `clipped` counts the values that were clipped.
 */
export function floatToInt16(x: ArrayLike<number>, scale: number, offset = 0): { samples: Int16Array; clipped: number } {
  if (!Number.isFinite(scale) || !Number.isFinite(offset)) throw new ValueError(`floatToInt16: scale ${scale} and offset ${offset} must be finite`);
  const out = new Int16Array(x.length);
  let clipped = 0;
  for (let i = 0; i < x.length; i++) {
    const s = Math.round(x[i] * scale + offset);
    if (s >= -32768 && s <= 32767) out[i] = s;
    else if (s > 32767) { out[i] = 32767; clipped++; }
    else if (s < -32768) { out[i] = -32768; clipped++; }
    else throw new ValueError(`floatToInt16: element ${i} is ${x[i]}; every value must be a number`);
  }
  return { samples: out, clipped };
}
