// What an output head is to the TypeScript layer: its kernels live in assembly/head/; this is
// the one entry per head that validates its config, says how wide its logits and targets are,
// checks targets, computes the loss (and ∂loss/∂logits) and the output distribution, and
// samples from it. A head is registered once (registry.ts); the model never names a head.
import type { Kernels, Ptr } from '../kernels.js';
import type { Rng } from '../data/rng.js';

/** The `head` entry of a ModelConfig: a registered type, its size, and head-specific options. */
export interface HeadConfig {
  type: string;
  /** Bernoulli: output units; softmax: classes; other heads define their own meaning. */
  size: number;
  [option: string]: unknown;
}

/** A checked head config and the shapes that follow from it. */
export interface ResolvedHead {
  type: string;
  size: number;
  /** Columns of the logits z (T·B, outputs) and of the head's weight (outputs, H). */
  outputs: number;
  /** Values per row of the targets y (T·B, targetWidth). */
  targetWidth: number;
  /** Element type of y: float targets, or int32 class indices. */
  targetType: 'f32' | 'i32';
  /** The config as model files store it (defaults filled in). */
  config: HeadConfig;
}

/** What a head may touch of the core: the kernels and views of memory. */
export interface HeadContext {
  readonly k: Kernels;
  /** The core's memory, when the context is a core (for range checks over its views). */
  readonly memory?: WebAssembly.Memory;
  f32(ptr: Ptr, n: number): Float32Array;
  i32(ptr: Ptr, n: number): Int32Array;
}

export interface HeadDef {
  readonly type: string;
  /** One line for messages and docs. */
  readonly describe: string;
  /** false for a head without a loss (inference only: 'linear', and a model without a head);
   *  the model refuses training, evaluation and sampling with a ConfigError before any work. */
  readonly trainable?: boolean;
  /** Checks `cfg` (throw ConfigError naming the key) and derives the shapes. */
  resolve(cfg: HeadConfig): ResolvedHead;
  /** Checks targets given by the caller while copying them into the arena's y (T·B rows). */
  copyTargets(dst: Float32Array | Int32Array, src: ArrayLike<number>, head: ResolvedHead, what: string): void;
  /** Checks the targets in the arena (both the copied and the in-place path) on the rows whose
   *  mask is not 0; throws ValueError naming the first bad element. */
  checkTargets(ctx: HeadContext, y: Float32Array | Int32Array, mask: Float32Array, B: number, head: ResolvedHead, what: string): void;
  /** Σ_rows mask·NLL(z_row, y_row) in nats (f64); writes dz (N, outputs) = ∂/∂z unless dz = 0.
   *  Rows whose mask is exactly 0 contribute nothing (dz 0). dz may alias z. */
  loss(ctx: HeadContext, dz: Ptr, z: Ptr, y: Ptr, mask: Ptr, N: number, head: ResolvedHead): number;
  /** The predicted distribution's parameters per row, (N, outputs), from the logits. */
  outputs(ctx: HeadContext, out: Ptr, z: Ptr, N: number, head: ResolvedHead): void;
  /** Draws one target row (targetWidth values) from one row of `outputs`, the distribution
   *  sharpened (temperature < 1) or flattened (> 1) first; heads ignore options they lack. */
  sample(dist: Float32Array, rng: Rng, head: ResolvedHead, opts?: DrawOptions): Float32Array | Int32Array;
}

/** How one row is drawn. temperature τ (default 1) rescales the distribution as p^(1/τ) would:
 *  logits divided by τ (Bernoulli, softmax), mixture weights π^(1/τ) and scales σ·√τ (mog).
 *  maxNotes caps the Bernoulli head's polyphony: of the units drawn on, the most probable
 *  maxNotes stay on. */
export interface DrawOptions {
  temperature?: number;
  maxNotes?: number;
}
