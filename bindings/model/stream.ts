// Step-by-step stateful inference over B parallel streams (sampling, streaming audio): the
// model runs one time step at a time and the states are carried here between calls.
import { ShapeError } from '../errors.js';
import type { Model } from './model.js';

/** Stateful inference: keeps h (and c) per layer between calls to step(). */
export class Stream {
  readonly B: number;
  /** per layer (B, H) */
  private readonly h: Float32Array[];
  /** per layer (B, H); used by the LSTM only */
  private readonly c: Float32Array[];
  constructor(private readonly model: Model, B: number) {
    if (!Number.isInteger(B) || B < 1) throw new ShapeError(`stream batch size must be a positive integer, got ${B}`);
    this.B = B;
    const n = B * model.config.hiddenSize;
    this.h = Array.from({ length: model.config.layers }, () => new Float32Array(n));
    this.c = Array.from({ length: model.config.layers }, () => new Float32Array(n));
  }
  /** Feeds one frame per stream, x (B, I); returns the predicted distribution (B, O). */
  step(x: ArrayLike<number>): Float32Array { return this.model._streamStep(x, this.B, this.h, this.c); }
  /** Back to the zero state. */
  reset(): void { for (const a of [...this.h, ...this.c]) a.fill(0); }
  /** Copies of the state per layer. */
  getState(): { h: Float32Array[]; c?: Float32Array[] } {
    const h = this.h.map((a) => a.slice());
    return this.model.config.unit === 'lstm' ? { h, c: this.c.map((a) => a.slice()) } : { h };
  }
}
