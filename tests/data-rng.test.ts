import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { deriveSeed, Rng } from '../bindings/data/rng.js';
import { ValueError } from '../bindings/errors.js';

// Written by tests/fixtures/data/gen_rng_golden.py (an independent Python implementation).
const golden = JSON.parse(readFileSync(new URL('./fixtures/data/rng-golden.json', import.meta.url), 'utf8'));

describe('Rng (xoshiro128** seeded by splitmix64)', () => {
  it('matches the reference state and output for several seeds', () => {
    for (const g of golden.streams) {
      const r = new Rng(BigInt(g.seed));
      expect(Array.from(r.state()), `seed ${g.seed}`).toEqual(g.state);
      expect(Array.from({ length: 8 }, () => r.nextU32()), `seed ${g.seed}`).toEqual(g.u32);
    }
    // number and bigint seeds agree
    expect(new Rng(42).nextU32()).toBe(new Rng(42n).nextU32());
  });

  it('matches the published xoshiro128** step from state (1, 2, 3, 4)', () => {
    const r = Rng.fromState([1, 2, 3, 4]);
    expect(r.nextU32()).toBe(11520); // rotl(2·5, 7)·9
    expect(Array.from(r.state())).toEqual([7, 0, 1026, 12288]); // worked by hand from the reference step
  });

  it('derives per-stream seeds, ints, uniforms and shuffles as the reference does', () => {
    for (const d of golden.derived) expect(deriveSeed(d.seed, d.stream).toString()).toBe(d.value);
    const r = new Rng(golden.ints.seed);
    expect(golden.ints.n.map((n: number) => r.int(n))).toEqual(golden.ints.values);
    const u = new Rng(golden.uniforms.seed);
    expect(golden.uniforms.values.map(() => u.uniform())).toEqual(golden.uniforms.values);
    const s = new Rng(golden.shuffle.seed);
    expect(s.shuffle(Array.from({ length: 10 }, (_, i) => i))).toEqual(golden.shuffle.perm);
  });

  it('saves and restores its state', () => {
    const a = new Rng(11);
    a.nextU32();
    const b = Rng.fromState(a.state());
    expect(Array.from({ length: 5 }, () => b.nextU32())).toEqual(Array.from({ length: 5 }, () => a.nextU32()));
  });

  it('uniform in [0, 1), int unbiased and in range, permutation complete', () => {
    const r = new Rng(3);
    const counts = new Array(6).fill(0);
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < 60000; i++) {
      const u = r.uniform();
      lo = Math.min(lo, u); hi = Math.max(hi, u);
      counts[r.int(6)]++;
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    expect(hi - lo).toBeGreaterThan(0.999);
    for (const c of counts) expect(Math.abs(c - 10000)).toBeLessThan(500); // ~5σ
    const p = Array.from(r.permutation(100)).sort((x, y) => x - y);
    expect(p).toEqual(Array.from({ length: 100 }, (_, i) => i));
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) seen.add(r.intIn(-3, 3));
    expect([...seen].sort((x, y) => x - y)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
  });

  it('normal has mean 0 and variance 1', () => {
    const r = new Rng(17);
    const n = 40000;
    let s = 0, s2 = 0;
    for (let i = 0; i < n; i++) { const z = r.normal(); s += z; s2 += z * z; }
    expect(Math.abs(s / n)).toBeLessThan(0.03);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.05);
  });

  it('weightedIndex follows the weights', () => {
    const r = new Rng(23);
    const c = [0, 0, 0];
    for (let i = 0; i < 30000; i++) c[r.weightedIndex([1, 0, 2])]++;
    expect(c[1]).toBe(0);
    expect(Math.abs(c[0] - 10000)).toBeLessThan(600);
  });

  it('refuses bad seeds, bounds and states', () => {
    expect(() => new Rng(-1)).toThrow(ValueError);
    expect(() => new Rng(1.5)).toThrow(ValueError);
    expect(() => new Rng(2 ** 53)).toThrow(/at most 2\^53 - 1/);
    expect(() => new Rng(1n << 64n)).toThrow(ValueError);
    expect(() => new Rng(1).int(0)).toThrow(ValueError);
    expect(() => new Rng(1).int(2 ** 32 + 1)).toThrow(ValueError);
    expect(() => Rng.fromState([0, 0, 0, 0])).toThrow(/all zero/);
    expect(() => new Rng(1).pick([])).toThrow(ValueError);
    expect(() => new Rng(1).weightedIndex([0, 0])).toThrow(ValueError);
    expect(() => deriveSeed(1, -1)).toThrow(ValueError);
  });
});
