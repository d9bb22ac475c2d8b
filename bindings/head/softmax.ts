// One softmax over `size` classes (characters, tokens): targets are int32 class indices, loss
// logsumexp(z) − z_label, outputs the probabilities. Kernels: assembly/head/softmax_*_f32.ts.
import { ConfigError, ValueError } from '../errors.js';
import type { HeadConfig, HeadDef, ResolvedHead } from './types.js';
import { checkSize, drawIndex } from './check.js';

export const softmaxHead: HeadDef = {
  type: 'softmax',
  describe: 'a softmax over `size` classes; targets (T, B) class indices',
  resolve(cfg: HeadConfig): ResolvedHead {
    const size = checkSize(cfg, 2, 'a softmax head needs at least 2 classes');
    for (const k of Object.keys(cfg)) if (k !== 'type' && k !== 'size') throw new ConfigError(`config.head: the softmax head has no option '${k}'`);
    return { type: 'softmax', size, outputs: size, targetWidth: 1, targetType: 'i32', config: { type: 'softmax', size } };
  },
  copyTargets(dst, src, head, what) {
    // checked as numbers, before Int32Array would wrap them (2³² + 1 would become class 1);
    // a label outside 0..classes−1 may stand on a masked row (checkTargets sees the mask)
    for (let i = 0; i < src.length; i++) {
      const v = src[i];
      if (!Number.isInteger(v)) throw new ValueError(`${what}[${i}] = ${v} is not an integer class index`);
      if (v < -2147483648 || v > 2147483647) throw new ValueError(`${what}[${i}] = ${v} is not a class index in 0..${head.outputs - 1} (outside the 32-bit range labels are stored in)`);
    }
    dst.set(src);
  },
  checkTargets(_ctx, y, mask, B, head, what) {
    const O = head.outputs;
    for (let i = 0; i < y.length; i++) {
      if (mask[i] !== 0 && (y[i] < 0 || y[i] >= O)) {
        throw new ValueError(`${what}[${i}] = ${y[i]} (t=${Math.floor(i / B)}, b=${i % B}) is not a class index in 0..${O - 1}`);
      }
    }
  },
  loss: (ctx, dz, z, y, mask, N, head) => ctx.k.softmax_xent(dz, z, y, mask, N, head.outputs),
  outputs: (ctx, out, z, N, head) => ctx.k.softmax_rows_f32(out, z, N, head.outputs),
  sample(dist, rng, _head, opts = {}) {
    return Int32Array.of(drawIndex(dist, dist.length, rng, opts.temperature ?? 1));
  },
};
