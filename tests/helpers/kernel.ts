// Shared helpers of the kernel-level tests: deterministic test data and a bump allocator over
// a core's memory (views are made fresh on every access: memory growth detaches old ones).
import type { Core } from '../../bindings/wasm.js';

/** Deterministic values in [-scale, scale) from xorshift32, so failures reproduce. */
export function filler(seed: number): (n: number, scale?: number) => Float32Array {
  let s = seed >>> 0 || 1;
  return (n, scale = 1) => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
      a[i] = ((s / 4294967296) * 2 - 1) * scale;
    }
    return a;
  };
}

/** The value written around guarded buffers. */
export const GUARD = 12345.5;

/** A bump allocator from core.heapBase(), 64-byte aligned. With `guards`, every buffer has 4
 *  guard floats on each side (and is then only 16-byte aligned), checked by guardsIntact(). */
export class Arena {
  private top: number;
  private guarded: Array<[number, number]> = [];
  constructor(readonly core: Core, private readonly guards = false) { this.top = core.heapBase(); }
  alloc(n: number): number {
    const base = this.top, pad = this.guards ? 8 : 0;
    this.top = (base + (Math.max(n, 1) + pad) * 4 + 63) & ~63;
    this.core.ensureBytes(this.top + 64);
    if (!this.guards) return base;
    const p = base + 16;
    this.core.f32(base, 4).fill(GUARD);
    this.core.f32(p + n * 4, 4).fill(GUARD);
    this.guarded.push([p, n]);
    return p;
  }
  put(a: ArrayLike<number>): number { const p = this.alloc(a.length); this.core.f32(p, a.length).set(a); return p; }
  putI32(a: ArrayLike<number>): number { const p = this.alloc(a.length); this.core.i32(p, a.length).set(a); return p; }
  get(p: number, n: number): Float32Array { return this.core.f32(p, n).slice(); }
  guardsIntact(): boolean {
    return this.guarded.every(([p, n]) => this.core.f32(p - 16, 4).every((v) => v === GUARD) && this.core.f32(p + n * 4, 4).every((v) => v === GUARD));
  }
  reset(): void { this.top = this.core.heapBase(); this.guarded = []; }
}
