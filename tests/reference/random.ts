// A small seeded generator for test data (xorshift32 + Box–Muller). Not for anything
// statistical: it only has to be repeatable and spread values around.

export class Rng {
  private s: number;
  constructor(seed: number) { this.s = (seed * 2654435761) >>> 0 || 0x9e3779b9; }
  /** Uniform in [0, 1). */
  next(): number {
    let s = this.s;
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    this.s = s;
    return s / 4294967296;
  }
  uniform(lo: number, hi: number): number { return lo + (hi - lo) * this.next(); }
  normal(): number {
    const u = 1 - this.next(), v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  int(n: number): number { return Math.floor(this.next() * n); }
  /** n values uniform in [lo, hi), rounded to float32 so an f32 model can hold them exactly. */
  f32Array(n: number, lo: number, hi: number): Float64Array {
    const a = new Float64Array(n);
    for (let k = 0; k < n; k++) a[k] = Math.fround(this.uniform(lo, hi));
    return a;
  }
}
