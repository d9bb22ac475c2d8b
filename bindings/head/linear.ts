// Two heads without a loss, for models that come from elsewhere:
// - 'linear': the output layer of a plain PyTorch file (nn.Linear), whose training loss lives
//   in the user's code and not in the state_dict. Its outputs are the logits themselves; it
//   cannot be trained, evaluated or sampled until the file is loaded with a head type
//   (README "Model files").
// - no head at all (a config without `head`): the recurrent layers only, giving hidden states.
//   Not in the registry: its resolved type is 'none', with no outputs and no tensors.
import { ConfigError } from '../errors.js';
import type { HeadConfig, HeadDef, ResolvedHead } from './types.js';
import { checkSize } from './check.js';

/** The ConfigError of training, evaluating or sampling a head without a loss. */
export function noLossError(type: string): ConfigError {
  return new ConfigError(type === 'none'
    ? 'this model has no head (the recurrent layers only): it gives hidden states, forward(batch, { hidden: true }), but has no loss to train, evaluate or sample'
    : type === 'linear' ? "this model's head is 'linear' (a PyTorch nn.Linear whose loss is not in the file): load it with head: 'bernoulli' | 'softmax' | { type: 'mog', components } to train, evaluate or sample it"
      : `this model's head '${type}' has no loss (it is for inference only): it cannot be trained, evaluated or sampled`);
}

function noLoss(type: string): never { throw noLossError(type); }

export const linearHead: HeadDef = {
  type: 'linear',
  describe: 'the logits as they are (an nn.Linear from a plain PyTorch file); no loss: inference only',
  trainable: false,
  resolve(cfg: HeadConfig): ResolvedHead {
    const size = checkSize(cfg, 1);
    for (const k of Object.keys(cfg)) if (k !== 'type' && k !== 'size') throw new ConfigError(`config.head: the linear head has no option '${k}'`);
    return { type: 'linear', size, outputs: size, targetWidth: 0, targetType: 'f32', config: { type: 'linear', size } };
  },
  copyTargets() { /* no targets */ },
  checkTargets() { /* no targets */ },
  loss: () => noLoss('linear'),
  outputs: (ctx, out, z, N, head) => ctx.k.copy_f32(out, z, N * head.outputs),
  sample: () => noLoss('linear'),
};

/** The resolved head of a model without one. */
export const NO_HEAD: ResolvedHead = { type: 'none', size: 0, outputs: 0, targetWidth: 0, targetType: 'f32', config: { type: 'none', size: 0 } };

export const noHead: HeadDef = {
  type: 'none',
  describe: 'no head: the recurrent layers only',
  trainable: false,
  resolve: () => NO_HEAD,
  copyTargets() { /* no targets */ },
  checkTargets() { /* no targets */ },
  loss: () => noLoss('none'),
  outputs() { /* nothing to write */ },
  sample: () => noLoss('none'),
};
