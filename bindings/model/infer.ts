// A ModelConfig read off a state_dict's tensor names and shapes, for files written by plain
// PyTorch (nn.RNN / nn.LSTM / nn.GRU, optionally an nn.Linear, under any module names): the
// unit from the gate count of weight_ih_l0 (1, 4 or 3 blocks of H rows), the input and hidden
// sizes from its shape, the layers from the names, the head's size from its weight. What the
// shapes cannot say comes from an option (README "Model files"):
//   - the GRU's form: PyTorch's nn.GRU is reset-after, which is what a plain file is taken to
//     be; a gatedrnn file that lost its config could be either, so there `resetAfter` is needed;
//   - the head's loss: a plain nn.Linear is loaded as the 'linear' head (its logits, inference
//     only) unless `head` names the type;
//   - nn.RNN(nonlinearity='relu') looks like the tanh unit and is not supported.
// Names are mapped to ours (weight_ih_l0 …, head.weight, head.bias); a module built with
// bias=False has no bias tensors, which become zeros.
import { ConfigError, FormatError } from '../errors.js';
import type { HeadConfig } from '../head/types.js';
import type { ModelConfig, Unit } from './types.js';

/** How to read a state_dict written by PyTorch (or anything with its names). */
export interface StateDictOptions {
  /** The recurrent tensors are `prefix + 'weight_ih_l0'` …; default: the one prefix under which
   *  a weight_ih_l0 exists ('' for a bare nn.LSTM, 'rnn.' for a wrapper's self.rnn). */
  prefix?: string;
  /** The head is `headPrefix + 'weight'` (and 'bias'); default: 'head.' if present, else the one
   *  other (O, H) weight; null: load no head even if the file has one. */
  headPrefix?: string | null;
  /** Checked against the gate count when given ('rnn' = 'tanh'). */
  unit?: Unit | 'rnn';
  /** LSTM: the paper's peepholes (found from weight_peephole_l* tensors when not given). */
  peepholes?: boolean;
  /** GRU: reset-after (PyTorch's, the default for plain files) or false for the paper's
   *  reset-before form. */
  resetAfter?: boolean;
  /** The head's type (its size comes from the tensors) or a whole head config; default
   *  'linear' (the logits; inference only) for a file that does not record it. */
  head?: string | Omit<HeadConfig, 'size'> & { size?: number };
  /** Tensors that are not part of the model are refused (default true); false ignores them. */
  strict?: boolean;
}

/** What inference found: the config and, per tensor of ours, the file's name (absent = zeros). */
export interface InferredModel {
  config: ModelConfig;
  /** Our name → the file's name; a name missing here is filled with zeros (bias=False). */
  names: Map<string, string>;
  /** File tensors that are not part of the model (only when strict is false). */
  ignored: string[];
}

const GATE_UNITS: Record<number, Unit> = { 1: 'tanh', 4: 'lstm', 3: 'gru' };
const LIST = (xs: string[]) => xs.slice(0, 6).map((x) => `'${x}'`).join(', ') + (xs.length > 6 ? ` and ${xs.length - 6} more` : '');

/** The config and name mapping of a state_dict given as (name, shape) pairs. `ownFormat`: the
 *  file says it is a gatedrnn file whose config is missing (its GRU form is then unknown). */
export function inferConfig(entries: { name: string; shape: number[] }[], opts: StateDictOptions = {}, ownFormat = false): InferredModel {
  const shapes = new Map(entries.map((e) => [e.name, e.shape]));
  const prefix = findPrefix(shapes, opts.prefix);
  const shape = (n: string) => shapes.get(prefix + n);
  const wih = shape('weight_ih_l0')!, whh = shape('weight_hh_l0');
  if (wih.length !== 2) throw new FormatError(`state_dict: '${prefix}weight_ih_l0' has shape [${wih}]; PyTorch's is (gates·hidden, input)`);
  if (!whh || whh.length !== 2) throw new FormatError(`state_dict: '${prefix}weight_hh_l0' is ${whh ? `of shape [${whh}]` : 'missing'}; it should be (gates·hidden, hidden)`);
  const H = whh[1], I = wih[1], gates = wih[0] / H;
  const unit = GATE_UNITS[gates];
  if (!Number.isInteger(gates) || !unit || whh[0] !== wih[0]) {
    throw new FormatError(`state_dict: '${prefix}weight_ih_l0' [${wih}] and '${prefix}weight_hh_l0' [${whh}] give ${wih[0]}/${H} gate blocks; nn.RNN has 1, nn.GRU 3, nn.LSTM 4`);
  }
  const given = opts.unit === 'rnn' ? 'tanh' : opts.unit;
  if (given !== undefined && given !== unit) throw new ConfigError(`state_dict: unit '${opts.unit}' was asked for, but '${prefix}weight_ih_l0' has ${gates} gate block(s) of ${H}: a ${unit} layer`);
  refuseUnsupported(shapes, prefix);

  const names = new Map<string, string>(), used = new Set<string>();
  const take = (ours: string, want: number[], optional = false) => {
    const file = prefix + ours, got = shapes.get(file);
    if (!got) {
      if (optional) return false;
      throw new FormatError(`state_dict: '${file}' [${want}] is missing for a ${unit} layer of hidden size ${H}`);
    }
    if (got.length !== want.length || got.some((d, i) => d !== want[i])) throw new FormatError(`state_dict: '${file}' has shape [${got}], a ${unit} layer of hidden size ${H} needs [${want}]`);
    names.set(ours, file);
    used.add(file);
    return true;
  };
  let layers = 0;
  while (shapes.has(`${prefix}weight_ih_l${layers}`)) layers++;
  for (const n of shapes.keys()) {
    const m = n.startsWith(prefix) ? /^(?:weight|bias)_(?:ih|hh|peephole)_l(\d+)$/.exec(n.slice(prefix.length)) : null;
    if (m && Number(m[1]) >= layers) throw new FormatError(`state_dict: '${n}' belongs to layer ${m[1]}, but '${prefix}weight_ih_l${layers}' is missing`);
  }
  const GH = gates * H;
  let peep = opts.peepholes;
  const hasPeep = shapes.has(`${prefix}weight_peephole_l0`);
  if (peep === undefined) peep = hasPeep;
  if (peep && unit !== 'lstm') throw new ConfigError(`state_dict: peepholes apply to the LSTM only, and this is a ${unit}`);
  if (!peep && hasPeep) throw new ConfigError(`state_dict: '${prefix}weight_peephole_l0' is there but peepholes: false was asked for`);
  let biases: boolean | undefined;
  for (let l = 0; l < layers; l++) {
    take(`weight_ih_l${l}`, [GH, l === 0 ? I : H]);
    take(`weight_hh_l${l}`, [GH, H]);
    const bi = take(`bias_ih_l${l}`, [GH], true), bh = take(`bias_hh_l${l}`, [GH], true);
    if (bi !== bh) throw new FormatError(`state_dict: layer ${l} has ${bi ? `'${prefix}bias_ih_l${l}'` : `'${prefix}bias_hh_l${l}'`} but not the other bias; PyTorch writes both or neither (bias=False)`);
    if (biases !== undefined && biases !== bi) throw new FormatError(`state_dict: some layers have biases and others not (layer ${l})`);
    biases = bi;
    if (peep) take(`weight_peephole_l${l}`, [3, H]);
  }

  const config: ModelConfig = { unit, inputSize: I, hiddenSize: H, layers };
  if (unit === 'lstm') config.peepholes = peep;
  if (unit === 'gru') {
    if (opts.resetAfter === undefined && ownFormat) {
      throw new ConfigError("model file: a gatedrnn file without its config: its GRU may be reset-after or the paper's reset-before, which the tensors cannot tell apart; pass resetAfter: true or false");
    }
    config.resetAfter = opts.resetAfter ?? true;
  } else if (opts.resetAfter !== undefined) throw new ConfigError(`state_dict: resetAfter applies to the GRU only, and this is a ${unit}`);

  const head = findHead(shapes, used, H, opts.headPrefix);
  if (head) {
    const O = shapes.get(head.weight)![0];
    names.set('head.weight', head.weight);
    used.add(head.weight);
    if (head.bias) { names.set('head.bias', head.bias); used.add(head.bias); }
    config.head = headConfig(opts.head, O);
  } else if (opts.head !== undefined) {
    throw new ConfigError(`state_dict: head ${JSON.stringify(opts.head)} was asked for, but the file has no (outputs, ${H}) weight for it${opts.headPrefix ? ` named '${opts.headPrefix}weight'` : ''}`);
  }

  const rest = [...shapes.keys()].filter((n) => !used.has(n));
  if (rest.length && (opts.strict ?? true)) {
    throw new FormatError(`state_dict: ${LIST(rest)} ${rest.length === 1 ? 'is' : 'are'} not part of a ${unit} model read under prefix '${prefix}'${head ? ` with head '${head.weight}'` : ''}; pass strict: false to ignore ${rest.length === 1 ? 'it' : 'them'}`);
  }
  return { config, names, ignored: rest };
}

/** The one prefix under which weight_ih_l0 exists (or the given one, checked). */
function findPrefix(shapes: Map<string, number[]>, given: string | undefined): string {
  if (given !== undefined) {
    if (typeof given !== 'string') throw new ConfigError('prefix must be a string');
    if (!shapes.has(`${given}weight_ih_l0`)) throw new FormatError(`state_dict: no '${given}weight_ih_l0' (prefix '${given}')${hint(shapes)}`);
    return given;
  }
  const found = [...shapes.keys()].filter((n) => n.endsWith('weight_ih_l0')).map((n) => n.slice(0, -'weight_ih_l0'.length));
  if (found.length === 0) throw new FormatError(`state_dict: no recurrent layer: expected a tensor named weight_ih_l0, as nn.RNN, nn.LSTM and nn.GRU write it (under any prefix)${hint(shapes)}`);
  if (found.length > 1) throw new ConfigError(`state_dict: several recurrent modules (${LIST(found)}); pass prefix to choose one`);
  return found[0];
}

function hint(shapes: Map<string, number[]>): string {
  const names = [...shapes.keys()];
  return names.length ? `; the file has ${LIST(names)}` : '; the file has no tensors';
}

/** Bidirectional layers and LSTM projections have tensors we have no place for. */
function refuseUnsupported(shapes: Map<string, number[]>, prefix: string): void {
  for (const n of shapes.keys()) {
    if (!n.startsWith(prefix)) continue;
    const rest = n.slice(prefix.length);
    if (/^(weight|bias)_(ih|hh)_l\d+_reverse$/.test(rest)) throw new FormatError(`state_dict: '${n}' is a bidirectional layer's (bidirectional=True), which gatedrnn does not support`);
    if (/^weight_hr_l\d+/.test(rest)) throw new FormatError(`state_dict: '${n}' is an LSTM projection (proj_size > 0), which gatedrnn does not support`);
  }
}

/** The head's weight (outputs, H) and bias (outputs) names, or null for no head. */
function findHead(shapes: Map<string, number[]>, used: Set<string>, H: number, given: string | null | undefined): { weight: string; bias?: string } | null {
  if (given === null) return null;
  const fits = (p: string) => {
    const w = shapes.get(`${p}weight`), b = shapes.get(`${p}bias`);
    return !!w && w.length === 2 && w[1] === H && w[0] >= 1 && (!b || (b.length === 1 && b[0] === w[0]));
  };
  const at = (p: string) => ({ weight: `${p}weight`, ...(shapes.has(`${p}bias`) ? { bias: `${p}bias` } : {}) });
  if (given !== undefined) {
    if (typeof given !== 'string') throw new ConfigError('headPrefix must be a string or null');
    if (!fits(given)) {
      const w = shapes.get(`${given}weight`);
      throw new FormatError(w ? `state_dict: '${given}weight' has shape [${w}] (or its bias does not match); a head on hidden size ${H} needs (outputs, ${H})` : `state_dict: no '${given}weight' for the head (headPrefix '${given}')`);
    }
    return at(given);
  }
  const candidates = [...shapes.keys()].filter((n) => n.endsWith('weight') && !used.has(n)).map((n) => n.slice(0, -'weight'.length)).filter(fits);
  if (candidates.length === 0) return null;
  if (candidates.includes('head.')) return at('head.');
  if (candidates.length > 1) throw new ConfigError(`state_dict: several possible heads (${LIST(candidates.map((c) => `${c}weight`))}); pass headPrefix to choose one, or null for none`);
  return at(candidates[0]);
}

/** The head config for O outputs: the option's type (size from O; a mixture from its components)
 *  or 'linear'. */
function headConfig(opt: StateDictOptions['head'], O: number): HeadConfig {
  if (opt === undefined) return { type: 'linear', size: O };
  if (typeof opt === 'string') {
    if (opt === 'mog') throw new ConfigError(`state_dict: a mog head needs its components: pass head: { type: 'mog', components: K } (the file's head has ${O} outputs)`);
    return { type: opt, size: O };
  }
  if (!opt || typeof opt !== 'object' || typeof opt.type !== 'string') throw new ConfigError("head must be a head type such as 'bernoulli' or a head config { type, … }");
  if (opt.size !== undefined) return { ...opt, size: opt.size } as HeadConfig;
  if (opt.type === 'mog') {
    const K = opt.components;
    if (typeof K !== 'number' || !Number.isInteger(K) || K < 1 || O % K !== 0 || (O / K - 1) % 2 !== 0 || O / K < 3) {
      throw new ConfigError(`state_dict: a mog head of ${JSON.stringify(K)} components cannot have ${O} outputs (K·(1 + 2·size))`);
    }
    return { ...opt, size: (O / K - 1) / 2 } as HeadConfig;
  }
  return { ...opt, size: O } as HeadConfig;
}
