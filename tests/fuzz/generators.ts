// The fuzz suite's inputs: for each parser, case `index` of run `seed` is a deterministic
// function of (parser, seed, index, scale), drawn from the project's own Rng (never
// Math.random), so any failing case is reproduced from those four values alone. The mix:
//   12 %  valid inputs built from scratch (with the parse they must give, when it is known)
//   38 %  valid inputs after 1–4 format-blind mutations (bit flips, insert/delete/duplicate,
//         truncation, splicing with a second input, length/count fields set to extremes)
//   30 %  format-aware mutations (header JSON, opcodes, events, chunks), sometimes mutated again
//   15 %  hostile constructions sized by `scale` (amplification, nesting, huge counts, bombs;
//         at the 'fuzz' scale one in three full-size, the others at the 'test' sizes)
//    5 %  random bytes, half of them behind the format's magic
import { Rng, deriveSeed } from '../../bindings/data/rng.js';
import { concat } from './bytes.js';
import type { FormatGen, Generated, Scale } from './common.js';
import { jsongzGen } from './formats/jsongz.js';
import { midiGen } from './formats/midi.js';
import { pickleGen } from './formats/pickle.js';
import { safetensorsGen } from './formats/safetensors.js';
import { torchPtGen } from './formats/torch-pt.js';
import { wavGen } from './formats/wav.js';
import { mutate, mutateOnce, randomBytes } from './mutate.js';

export const PARSERS = ['safetensors', 'pickle', 'midi', 'jsongz', 'wav', 'torchpt'] as const;
export type ParserName = (typeof PARSERS)[number];

export const GENERATORS: Record<ParserName, FormatGen> = {
  safetensors: safetensorsGen, pickle: pickleGen, midi: midiGen, jsongz: jsongzGen, wav: wavGen, torchpt: torchPtGen,
};

/** File name extension of each parser's inputs (for the files written on failure). */
export const EXTENSION: Record<ParserName, string> = {
  safetensors: 'safetensors', pickle: 'pickle', midi: 'mid', jsongz: 'json.gz', wav: 'wav', torchpt: 'pt',
};

export interface FuzzCase extends Generated {
  parser: ParserName;
  seed: number;
  index: number;
  /** valid | mutated | structured | hostile | random */
  kind: 'valid' | 'mutated' | 'structured' | 'hostile' | 'random';
}

/** The Rng of one case. */
export function caseRng(parser: ParserName, seed: number, index: number): Rng {
  return new Rng(deriveSeed(deriveSeed(seed, PARSERS.indexOf(parser)), index));
}

export function generateCase(parser: ParserName, seed: number, index: number, scale: Scale): FuzzCase {
  const gen = GENERATORS[parser];
  const rng = caseRng(parser, seed, index);
  const base = { parser, seed, index };
  const r = rng.int(100);
  if (r < 12) return { ...base, kind: 'valid', ...gen.valid(rng, scale) };
  if (r < 50) {
    const v = gen.valid(rng, scale);
    const other = (): Uint8Array => gen.valid(rng, scale).bytes;
    const m = mutate(rng, v.bytes, gen.fields, other);
    return { ...base, kind: 'mutated', bytes: m.bytes, how: `${v.how} | ${m.how}` };
  }
  if (r < 80) {
    const s = gen.structured(rng, scale);
    if (rng.bernoulli(0.25)) {
      const m = mutateOnce(rng, s.bytes, safeFields(gen, s.bytes), () => gen.valid(rng, scale).bytes);
      return { ...base, kind: 'structured', bytes: m.bytes, how: `${s.how} | ${m.how}` };
    }
    return { ...base, kind: 'structured', bytes: s.bytes, how: s.how };
  }
  if (r < 95) {
    // at the 'fuzz' scale a third of the hostile inputs are full-size (they are slow by design,
    // and repeat: each is one of a few sizes); the others have the 'test' scale's varied sizes
    const h = gen.hostile(rng, scale === 'fuzz' && rng.bernoulli(2 / 3) ? 'test' : scale);
    if (rng.bernoulli(0.1) && h.bytes.length < 4 * 1024 * 1024) {
      const m = mutateOnce(rng, h.bytes, safeFields(gen, h.bytes), () => gen.valid(rng, scale).bytes);
      return { ...base, kind: 'hostile', bytes: m.bytes, how: `${h.how} | ${m.how}` };
    }
    return { ...base, kind: 'hostile', bytes: h.bytes, how: h.how };
  }
  const n = rng.bernoulli(0.8) ? rng.int(64) : rng.int(4096);
  const noise = randomBytes(rng, n);
  if (rng.bernoulli(0.5)) return { ...base, kind: 'random', bytes: concat(gen.magic, noise), how: `random(magic + ${n} bytes)` };
  return { ...base, kind: 'random', bytes: noise, how: `random(${n} bytes)` };
}

function safeFields(gen: FormatGen, b: Uint8Array) {
  try { return gen.fields(b); } catch { return []; }
}
