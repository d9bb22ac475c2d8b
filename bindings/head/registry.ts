// The heads a ModelConfig may name. Bernoulli, softmax, mog and linear (inference only) are built in; a new head is one
// HeadDef (types.ts) registered here or by a caller, with its kernels in assembly/head/.
import { ConfigError } from '../errors.js';
import type { HeadConfig, HeadDef, ResolvedHead } from './types.js';
import { bernoulliHead } from './bernoulli.js';
import { softmaxHead } from './softmax.js';
import { mogHead } from './mog.js';
import { linearHead, noHead } from './linear.js';

const heads = new Map<string, HeadDef>();

/** Makes `def.type` a head type; refuses to replace a registered one. */
export function registerHead(def: HeadDef): void {
  if (!def || typeof def.type !== 'string' || !/^[a-z][a-z0-9-]*$/.test(def.type)) {
    throw new ConfigError(`a head needs a type of lower-case letters, digits and '-', got ${JSON.stringify(def?.type)}`);
  }
  if (def.type === 'none') throw new ConfigError("head type 'none' is reserved: it is a model without a head (a config without `head`)");
  if (heads.has(def.type)) throw new ConfigError(`head type '${def.type}' is already registered`);
  heads.set(def.type, def);
}

/** The registered head types, in registration order. */
export function headTypes(): string[] { return [...heads.keys()]; }

export function getHead(type: string): HeadDef {
  if (type === 'none') return noHead; // a model without a head (not a type a config names)
  const h = heads.get(type);
  if (!h) throw new ConfigError(`config.head.type must be one of ${headTypes().map((t) => `'${t}'`).join(', ')}, got ${JSON.stringify(type)}`);
  return h;
}

/** Checks a config's head entry with its head's own rules. */
export function resolveHead(cfg: unknown): ResolvedHead {
  if (!cfg || typeof cfg !== 'object') throw new ConfigError(`config.head must be { type: ${headTypes().map((t) => `'${t}'`).join(' | ')}, size, … }`);
  const c = cfg as HeadConfig;
  return getHead(c.type).resolve(c);
}

registerHead(bernoulliHead);
registerHead(softmaxHead);
registerHead(mogHead);
registerHead(linearHead);
