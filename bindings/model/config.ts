// Validation of a ModelConfig and what follows from it: the cell kind of the WebAssembly core
// (docs/DESIGN.md "Cell kinds"), the gate count, and the head's shapes (bindings/head/).
import { ConfigError } from '../errors.js';
import type { CellKind } from '../kernels.js';
import { resolveHead } from '../head/registry.js';
import type { ResolvedHead } from '../head/types.js';
import { NO_HEAD } from '../head/linear.js';
import type { ModelConfig, Unit } from './types.js';

export interface ResolvedConfig {
  unit: Unit;
  peepholes: boolean;
  resetAfter: boolean;
  inputSize: number;
  hiddenSize: number;
  layers: number;
  head: ResolvedHead;
  seed: number;
  /** Cell kind of the core: 0 tanh, 1 LSTM, 2 LSTM+peepholes, 3 GRU reset-after, 4 GRU reset-before. */
  kind: CellKind;
  /** Gate blocks: 1, 4 or 3. */
  gates: number;
  recurrentInit: 'orthogonal' | 'uniform';
}

export const MAX_INPUT_SIZE = 1 << 16;
export const MAX_HIDDEN_SIZE = 8192;
export const MAX_LAYERS = 64;

function positiveInt(v: unknown, what: string, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) {
    throw new ConfigError(`${what} must be an integer in 1..${max}, got ${JSON.stringify(v)}`);
  }
  return v;
}

export function resolveConfig(c: ModelConfig): ResolvedConfig {
  if (c === null || typeof c !== 'object') throw new ConfigError('model config must be an object');
  const unit = c.unit === 'rnn' ? 'tanh' : c.unit; // PyTorch's name of the tanh unit (nn.RNN)
  if (unit !== 'tanh' && unit !== 'lstm' && unit !== 'gru') {
    throw new ConfigError(`config.unit must be 'tanh' (or 'rnn'), 'lstm' or 'gru', got ${JSON.stringify(c.unit)}`);
  }
  if (c.peepholes !== undefined && typeof c.peepholes !== 'boolean') throw new ConfigError('config.peepholes must be a boolean');
  if (c.resetAfter !== undefined && typeof c.resetAfter !== 'boolean') throw new ConfigError('config.resetAfter must be a boolean');
  if (c.peepholes && unit !== 'lstm') throw new ConfigError(`config.peepholes applies to the LSTM only, not '${unit}'`);
  if (c.resetAfter !== undefined && unit !== 'gru') throw new ConfigError(`config.resetAfter applies to the GRU only, not '${unit}'`);
  const inputSize = positiveInt(c.inputSize, 'config.inputSize', MAX_INPUT_SIZE);
  const hiddenSize = positiveInt(c.hiddenSize, 'config.hiddenSize', MAX_HIDDEN_SIZE);
  const layers = positiveInt(c.layers ?? 1, 'config.layers', MAX_LAYERS);
  // no head: the recurrent layers only (hidden states out, nothing to train)
  const head = c.head === undefined || c.head === null ? NO_HEAD : resolveHead(c.head);
  const seed = c.seed ?? 1;
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > Number.MAX_SAFE_INTEGER) {
    throw new ConfigError(`config.seed must be a non-negative integer, got ${JSON.stringify(seed)}`);
  }
  const recurrentInit = c.recurrentInit ?? 'orthogonal';
  if (recurrentInit !== 'orthogonal' && recurrentInit !== 'uniform') throw new ConfigError(`config.recurrentInit must be 'orthogonal' or 'uniform', got ${JSON.stringify(c.recurrentInit)}`);
  const peepholes = unit === 'lstm' && !!c.peepholes;
  const resetAfter = unit === 'gru' ? (c.resetAfter ?? true) : false;
  const kind: CellKind = unit === 'tanh' ? 0 : unit === 'lstm' ? (peepholes ? 2 : 1) : (resetAfter ? 3 : 4);
  const gates = unit === 'tanh' ? 1 : unit === 'lstm' ? 4 : 3;
  return { unit, peepholes, resetAfter, inputSize, hiddenSize, layers, head, seed, kind, gates, recurrentInit };
}

/** The config as written into model files (only the user-facing keys). */
export function publicConfig(r: ResolvedConfig): ModelConfig {
  const c: ModelConfig = { unit: r.unit, inputSize: r.inputSize, hiddenSize: r.hiddenSize, layers: r.layers, seed: r.seed };
  if (r.head.type !== 'none') c.head = { ...r.head.config };
  if (r.unit === 'lstm') c.peepholes = r.peepholes;
  if (r.unit === 'gru') c.resetAfter = r.resetAfter;
  if (r.recurrentInit !== 'orthogonal') c.recurrentInit = r.recurrentInit;
  return c;
}

/** "lstm (peepholes) 1-layer I=88 H=36 bernoulli-88", for messages. */
export function describeConfig(c: ResolvedConfig): string {
  const variant = c.unit === 'lstm' ? (c.peepholes ? ' (peepholes)' : '') : c.unit === 'gru' ? (c.resetAfter ? ' (reset-after)' : ' (reset-before)') : '';
  return `${c.unit}${variant} ${c.layers}-layer I=${c.inputSize} H=${c.hiddenSize} ${c.head.type === 'none' ? 'no head' : `${c.head.type}-${c.head.size}`}`;
}
