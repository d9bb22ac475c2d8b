// A TrialSpec from outside this process (a job on the queue) checked as untrusted input: only
// the fields TrialSpec has, each of its type and within the ranges the reproduce command
// accepts, so a hostile or damaged job is refused with the field named before any model exists.
import { ConfigError } from '../../errors.js';
import { resolveOptimizer } from '../../optim/optimizer.js';
import { MAX_HIDDEN_SIZE } from '../../model/config.js';
import type { TrialSpec } from '../../experiment/trial.js';

type Check = (v: unknown) => boolean;
const int = (lo: number, hi: number): Check => (v) => Number.isSafeInteger(v) && (v as number) >= lo && (v as number) <= hi;
const real = (lo: number, hi: number, loOpen = false): Check => (v) => typeof v === 'number' && Number.isFinite(v) && (loOpen ? v > lo : v >= lo) && v <= hi;
const oneOf = (...xs: unknown[]): Check => (v) => xs.includes(v);
const bool: Check = (v) => typeof v === 'boolean';
const text = (re: RegExp): Check => (v) => typeof v === 'string' && v.length <= 100 && re.test(v);

/** Every field of a TrialSpec: its check, and whether it must be there. */
const FIELDS: Record<keyof TrialSpec, [Check, boolean, string]> = {
  id: [text(/^[a-z0-9][a-z0-9-]*$/), true, 'lower-case letters, digits and -'],
  dataset: [text(/^[a-z0-9-]+$/), true, 'a data set name'],
  unit: [oneOf('tanh', 'lstm', 'gru'), true, "'tanh', 'lstm' or 'gru'"],
  unitName: [text(/^[A-Za-z0-9 +-]+$/), true, 'a unit name'],
  hiddenSize: [int(1, MAX_HIDDEN_SIZE), true, `an integer in 1..${MAX_HIDDEN_SIZE}`],
  peepholes: [bool, false, 'a boolean'],
  resetAfter: [bool, false, 'a boolean'],
  seed: [int(0, Number.MAX_SAFE_INTEGER), true, 'a non-negative integer'],
  trial: [int(0, 1e6), true, 'a draw index'],
  lr: [real(0, 1e3, true), true, 'a number in (0, 1000]'],
  epochs: [int(1, 1e6), true, 'an integer in 1..1000000'],
  patience: [int(1, 1e6), true, 'an integer in 1..1000000'],
  batchSize: [int(1, 1e5), true, 'an integer in 1..100000'],
  sortBuckets: [int(0, 1e6), true, 'a non-negative integer'],
  maxLength: [int(0, 1e9), true, 'a non-negative integer'],
  clipNorm: [real(0, 1e12), true, 'a number ≥ 0'],
  weightNoise: [real(0, 1e3), true, 'a number ≥ 0'],
  optimizer: [(v) => !!v && typeof v === 'object', true, 'an optimizer config'],
  lrDecayEpochs: [int(0, 1e9), true, 'a non-negative integer'],
  lrDecayTo: [real(0, 1, true), true, 'a number in (0, 1]'],
  timeLimitSeconds: [real(0, 1e9), true, 'a number ≥ 0'],
  task: [oneOf('speech'), false, "'speech'"],
  clipMode: [oneOf('step'), false, "'step'"],
  evalWeightNoise: [real(0, 1e3), false, 'a number ≥ 0'],
  recurrentInit: [oneOf('uniform'), false, "'uniform'"],
  forgetBias: [real(-1e3, 1e3), false, 'a number in [−1000, 1000]'],
  onDiverge: [oneOf('skip'), false, "'skip'"],
  noiseDecayTo: [real(0, 1), false, 'a number in [0, 1]'],
  trainEvalEvery: [int(1, 1e6), false, 'a positive integer'],
};

/** The spec, checked field by field (ConfigError naming the first bad one). */
export function validateTrialSpec(x: unknown): TrialSpec {
  if (!x || typeof x !== 'object' || Array.isArray(x)) throw new ConfigError('spec must be an object');
  const s = x as Record<string, unknown>;
  for (const k of Object.keys(s)) if (!(k in FIELDS)) throw new ConfigError(`spec: unknown field ${JSON.stringify(k)}`);
  for (const [k, [ok, required, what]] of Object.entries(FIELDS)) {
    if (s[k] === undefined) { if (required) throw new ConfigError(`spec.${k} is missing`); continue; }
    if (!ok(s[k])) throw new ConfigError(`spec.${k} must be ${what}, got ${JSON.stringify(s[k])?.slice(0, 80)}`);
  }
  const o = s.optimizer as Record<string, unknown>;
  const keys: Record<string, string[]> = { sgd: ['type', 'lr', 'momentum'], rmsprop: ['type', 'lr', 'decay', 'momentum', 'eps', 'floor', 'centered'], adam: ['type', 'lr', 'beta1', 'beta2', 'eps'] };
  const allowed = keys[o.type as string];
  if (!allowed) throw new ConfigError(`spec.optimizer.type must be sgd, rmsprop or adam, got ${JSON.stringify(o.type)}`);
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw new ConfigError(`spec.optimizer: unknown field ${JSON.stringify(k)}`);
  resolveOptimizer(o as never); // its own ranges
  if (o.lr !== s.lr) throw new ConfigError('spec.optimizer.lr must equal spec.lr');
  if (s.peepholes !== undefined && s.unit !== 'lstm') throw new ConfigError('spec.peepholes is for the LSTM only');
  if (s.resetAfter !== undefined && s.unit !== 'gru') throw new ConfigError('spec.resetAfter is for the GRU only');
  if (s.forgetBias !== undefined && s.unit !== 'lstm') throw new ConfigError('spec.forgetBias is for the LSTM only');
  return s as unknown as TrialSpec;
}
