// Checks of a batch before it reaches the core: its dimensions, every array's length, values
// (finite inputs, the head's own target rules, a mask in [0, 1]) and initial states. A bad batch
// is refused with a ShapeError/ValueError naming the array and the element.
import { EmptyError, ShapeError, ValueError, assertFinite } from '../errors.js';
import { getHead } from '../head/registry.js';
import { firstOutsideUnit } from '../head/check.js';
import type { HeadContext } from '../head/types.js';
import type { ResolvedConfig } from './config.js';
import type { Batch, BatchViews } from './types.js';

/** Initial states per layer, (B, H) each; undefined = zeros. */
export interface States { h0?: Float32Array[]; c0?: Float32Array[] }

/** Largest T·B·width a single step may use (keeps every kernel's element counts in i32). */
export const MAX_STEP_ELEMENTS = 1 << 28;

export function checkDims(c: ResolvedConfig, T: number, B: number): void {
  for (const [v, n] of [[T, 'T'], [B, 'B']] as const) {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new ShapeError(`batch ${n} must be a non-negative integer, got ${v}`);
    if (v === 0) throw new EmptyError(`batch ${n} is 0: there is nothing to compute`);
  }
  if (T * B * Math.max(c.inputSize, c.head.outputs, c.head.targetWidth, c.hiddenSize) > MAX_STEP_ELEMENTS) {
    throw new ShapeError(`batch of T=${T}, B=${B} is too large for one step; split it`);
  }
}

/** Copies a caller's Batch into the arena views `v` after checking every shape and value. */
export function copyBatch(ctx: HeadContext, c: ResolvedConfig, batch: Batch, v: BatchViews, opts: { targetsOptional?: boolean } = {}): { targets: boolean } {
  const { T, B } = batch, I = c.inputSize, head = c.head, def = getHead(head.type);
  const want = (arr: ArrayLike<number> | undefined, n: number, what: string) => {
    if (!arr || typeof arr.length !== 'number') throw new ShapeError(`batch.${what} is missing`);
    if (arr.length !== n) throw new ShapeError(`batch.${what} has ${arr.length} values; (T=${T}, B=${B}) needs ${n}`);
  };
  want(batch.x, T * B * I, `x (T, B, ${I})`);
  v.x.set(batch.x);
  const W = head.targetWidth, noTargets = W === 0 || (batch.y === undefined && opts.targetsOptional);
  if (noTargets) {
    if (W > 0) v.y.fill(0); // valid targets of every built-in head; the loss is not reported
    else if (batch.y !== undefined && batch.y.length !== 0) throw new ShapeError(`batch.y: this model's head ('${head.type}') takes no targets; omit y`);
  } else {
    want(batch.y, T * B * W, head.targetType === 'i32' ? 'y (T, B) class indices' : `y (T, B, ${W})`);
    def.copyTargets(v.y, batch.y!, head, 'batch.y');
  }
  if (batch.mask !== undefined) {
    want(batch.mask, T * B, 'mask (T, B)');
    const m = batch.mask;
    for (let i = 0; i < m.length; i++) {
      if (!(m[i] >= 0 && m[i] <= 1)) throw new ValueError(`batch.mask[${i}] = ${m[i]} must be in [0, 1]`);
    }
    v.mask.set(m);
  } else v.mask.fill(1);
  checkFinite(ctx, v.x, 'batch.x');
  if (!noTargets) def.checkTargets(ctx, v.y, v.mask, B, head, 'batch.y');
  return { targets: !noTargets };
}

/** Checks a batch a batcher wrote into the arena views in place. */
export function checkViews(ctx: HeadContext, c: ResolvedConfig, B: number, v: BatchViews): void {
  checkFinite(ctx, v.x, 'batch x');
  // the mask in [0, 1], as copyBatch checks (NaN and Infinity are outside it too)
  const m = firstOutsideUnit(v.mask, ctx);
  if (m >= 0) throw new ValueError(`batch mask[${m}] = ${v.mask[m]} (t=${Math.floor(m / B)}, b=${m % B}) must be in [0, 1]`);
  getHead(c.head.type).checkTargets(ctx, v.y, v.mask, B, c.head, 'batch y');
}

/** Finds NaN/Infinity with the SIMD counter and names the first bad element. */
export function checkFinite(ctx: HeadContext, view: Float32Array, what: string): void {
  if (ctx.k.count_nonfinite_f32(view.byteOffset, view.length) > 0) assertFinite(view, what);
}

/** Checks the initial states of a batch: one (B, H) array per layer, finite; c0 for the LSTM only. */
export function checkStates(c: ResolvedConfig, batch: States, B: number): States {
  const n = B * c.hiddenSize;
  const check = (list: Float32Array[] | undefined, what: string) => {
    if (list === undefined) return;
    if (!Array.isArray(list) || list.length !== c.layers) throw new ShapeError(`batch.${what} must be an array of ${c.layers} (B, H) arrays, one per layer`);
    list.forEach((s, l) => {
      if (!s || s.length !== n) throw new ShapeError(`batch.${what}[${l}] must have B·H = ${n} values, got ${s?.length}`);
      assertFinite(s, `batch.${what}[${l}]`);
    });
  };
  check(batch.h0, 'h0');
  if (batch.c0 !== undefined && c.unit !== 'lstm') throw new ShapeError(`batch.c0 is for the LSTM only; this model is '${c.unit}'`);
  check(batch.c0, 'c0');
  return { h0: batch.h0, c0: batch.c0 };
}
