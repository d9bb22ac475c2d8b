// Validation of a ModelConfig and what follows from it: the cell kind of the WebAssembly core
// (docs/DESIGN.md "Cell kinds"), the gate count and the parameter table.
import { ConfigError } from '../errors.js';
import type { ModelConfig, Unit, HeadType } from './types.js';

export interface ResolvedConfig {
  unit: Unit;
  peepholes: boolean;
  resetAfter: boolean;
  inputSize: number;
  hiddenSize: number;
  layers: number;
  head: { type: HeadType; size: number };
  seed: number;
  /** Cell kind of the core: 0 tanh, 1 LSTM, 2 LSTM+peepholes, 3 GRU reset-after, 4 GRU reset-before. */
  kind: number;
  /** Gate blocks: 1, 4 or 3. */
  gates: number;
}

const MAX_SIZE = 1 << 16;

function positiveInt(v: unknown, what: string, max = MAX_SIZE): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) {
    throw new ConfigError(`${what} must be an integer in 1..${max}, got ${JSON.stringify(v)}`);
  }
  return v;
}

export function resolveConfig(c: ModelConfig): ResolvedConfig {
  if (c === null || typeof c !== 'object') throw new ConfigError('model config must be an object');
  const unit = c.unit;
  if (unit !== 'tanh' && unit !== 'lstm' && unit !== 'gru') {
    throw new ConfigError(`config.unit must be 'tanh', 'lstm' or 'gru', got ${JSON.stringify(unit)}`);
  }
  if (c.peepholes !== undefined && typeof c.peepholes !== 'boolean') throw new ConfigError('config.peepholes must be a boolean');
  if (c.resetAfter !== undefined && typeof c.resetAfter !== 'boolean') throw new ConfigError('config.resetAfter must be a boolean');
  if (c.peepholes && unit !== 'lstm') throw new ConfigError(`config.peepholes applies to the LSTM only, not '${unit}'`);
  if (c.resetAfter !== undefined && unit !== 'gru') throw new ConfigError(`config.resetAfter applies to the GRU only, not '${unit}'`);
  const inputSize = positiveInt(c.inputSize, 'config.inputSize');
  const hiddenSize = positiveInt(c.hiddenSize, 'config.hiddenSize', 8192);
  const layers = positiveInt(c.layers ?? 1, 'config.layers', 64);
  if (!c.head || typeof c.head !== 'object') throw new ConfigError("config.head must be { type: 'bernoulli' | 'softmax', size }");
  if (c.head.type !== 'bernoulli' && c.head.type !== 'softmax') {
    throw new ConfigError(`config.head.type must be 'bernoulli' or 'softmax', got ${JSON.stringify(c.head.type)}`);
  }
  const headSize = positiveInt(c.head.size, 'config.head.size');
  if (c.head.type === 'softmax' && headSize < 2) throw new ConfigError('a softmax head needs at least 2 classes');
  const seed = c.seed ?? 1;
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > Number.MAX_SAFE_INTEGER) {
    throw new ConfigError(`config.seed must be a non-negative integer, got ${JSON.stringify(seed)}`);
  }
  const peepholes = unit === 'lstm' && !!c.peepholes;
  const resetAfter = unit === 'gru' ? (c.resetAfter ?? true) : false;
  const kind = unit === 'tanh' ? 0 : unit === 'lstm' ? (peepholes ? 2 : 1) : (resetAfter ? 3 : 4);
  const gates = unit === 'tanh' ? 1 : unit === 'lstm' ? 4 : 3;
  return { unit, peepholes, resetAfter, inputSize, hiddenSize, layers, head: { type: c.head.type, size: headSize }, seed, kind, gates };
}

/** The config as written into model files (only the user-facing keys). */
export function publicConfig(r: ResolvedConfig): ModelConfig {
  const c: ModelConfig = { unit: r.unit, inputSize: r.inputSize, hiddenSize: r.hiddenSize, layers: r.layers, head: { ...r.head }, seed: r.seed };
  if (r.unit === 'lstm') c.peepholes = r.peepholes;
  if (r.unit === 'gru') c.resetAfter = r.resetAfter;
  return c;
}

/** Parameters of the recurrent layers, counting both bias vectors (as PyTorch does). */
export function recurrentParamCount(r: ResolvedConfig): number {
  let n = 0;
  for (let l = 0; l < r.layers; l++) {
    const I = l === 0 ? r.inputSize : r.hiddenSize, GH = r.gates * r.hiddenSize;
    n += I * GH + r.hiddenSize * GH + 2 * GH + (r.peepholes ? 3 * r.hiddenSize : 0);
  }
  return n;
}
