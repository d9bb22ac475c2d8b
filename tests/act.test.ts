// Activation kernels: accuracy against f64 tanh / sigmoid over a sweep of f32 values,
// saturation and special values, the SIMD kernels against their scalar twins (bitwise in the
// plain SIMD build), every length remainder, in-place use, and contracts in the debug build.
import { describe, it, expect, beforeAll } from 'vitest';
import { loadCore } from '../bindings/core-node.js';
import type { Core, BuildKind } from '../bindings/wasm.js';
import { KernelError } from '../bindings/errors.js';

const exactTanh = (x: number): number => Math.tanh(x);
const exactSigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

const FNS = [
  { name: 'tanh', simd: 'act_tanh_f32_simd', scalar: 'act_tanh_f32_scalar', exact: exactTanh, abs: 4e-7, rel: 4e-7, lo: -1, hi: 1 },
  { name: 'sigmoid', simd: 'act_sigmoid_f32_simd', scalar: 'act_sigmoid_f32_scalar', exact: exactSigmoid, abs: 1.5e-7, rel: 3e-7, lo: 0, hi: 1 },
];

/** Every `step`-th f32 bit pattern in [-limit, limit], both signs. */
function sweep(limit: number, step: number): Float32Array {
  const top = new Uint32Array(new Float32Array([limit]).buffer)[0];
  const n = Math.floor(top / step) + 1;
  const bits = new Uint32Array(2 * n);
  for (let i = 0; i < n; i++) { bits[i] = i * step; bits[n + i] = (i * step) | 0x80000000; }
  return new Float32Array(bits.buffer);
}

function run(core: Core, fn: string, xs: Float32Array, inPlace = false): Float32Array {
  const x = core.heapBase(), y = inPlace ? x : x + ((xs.length * 4 + 63) & ~63);
  core.ensureBytes(y + xs.length * 4 + 64);
  core.f32(x, xs.length).set(xs);
  core.fn(fn)(y, x, xs.length);
  return core.f32(y, xs.length).slice();
}

const SPECIAL = new Float32Array([
  Infinity, -Infinity, 3.4028234663852886e38, -3.4028234663852886e38, 1e30, -1e30, 1e5, -1e5,
  100, -100, 90, -90, 88, -88, 87, -87, 20, -20, 9.5, -9.5, 9, -9, 1e-45, -1e-45, 1e-38, -1e-38, 0, -0,
]);

describe.each(['simd', 'relaxed'] as BuildKind[])('activations, %s build', (build) => {
  let core: Core;
  beforeAll(async () => { core = await loadCore(build); });

  for (const f of FNS) {
    it(`${f.name}: within ${f.abs} absolute and ${f.rel} relative of f64 over [-20, 20], inside [${f.lo}, ${f.hi}]`, () => {
      const xs = sweep(20, 2048);
      for (const kernel of [f.simd, f.scalar]) {
        const ys = run(core, kernel, xs);
        let maxAbs = 0, maxRel = 0;
        for (let i = 0; i < xs.length; i++) {
          const want = f.exact(xs[i]), err = Math.abs(ys[i] - want);
          maxAbs = Math.max(maxAbs, err);
          if (want !== 0) maxRel = Math.max(maxRel, err / Math.abs(want));
          if (!(ys[i] >= f.lo && ys[i] <= f.hi)) throw new Error(`${kernel}(${xs[i]}) = ${ys[i]} is outside [${f.lo}, ${f.hi}]`);
        }
        expect(maxAbs, `${kernel} max abs error`).toBeLessThanOrEqual(f.abs);
        expect(maxRel, `${kernel} max rel error`).toBeLessThanOrEqual(f.rel);
        expect(maxAbs, `${kernel} is not the identity`).toBeGreaterThan(0);
      }
    });

    it(`${f.name}: saturates without NaN for huge and infinite inputs; NaN gives NaN`, () => {
      for (const kernel of [f.simd, f.scalar]) {
        const ys = run(core, kernel, SPECIAL);
        for (let i = 0; i < SPECIAL.length; i++) {
          const x = SPECIAL[i], want = f.exact(x);
          expect(ys[i] >= f.lo && ys[i] <= f.hi, `${kernel}(${x}) = ${ys[i]}`).toBe(true);
          expect(Math.abs(ys[i] - want), `${kernel}(${x}) = ${ys[i]}, want ${want}`).toBeLessThanOrEqual(f.abs);
        }
        const nan = run(core, kernel, new Float32Array([NaN, 1, NaN, -1, NaN]));
        expect(Number.isNaN(nan[0]) && Number.isNaN(nan[2]) && Number.isNaN(nan[4])).toBe(true);
        expect(nan[1]).toBeCloseTo(f.exact(1), 6);
      }
      if (f.name === 'tanh') {
        expect(Array.from(run(core, f.simd, new Float32Array([Infinity, -Infinity, 1e30, -1e30])))).toEqual([1, -1, 1, -1]);
      } else {
        const ys = run(core, f.simd, new Float32Array([Infinity, 1e30, 100, -Infinity, -1e30]));
        expect(Array.from(ys.subarray(0, 3))).toEqual([1, 1, 1]);
        expect(ys[3]).toBeLessThan(1e-38);
        expect(ys[4]).toBeLessThan(1e-38);
      }
    });

    it(`${f.name}: the SIMD kernel ${build === 'simd' ? 'equals' : 'is within 5e-7 of'} the scalar twin for every length and in place`, () => {
      const xs = sweep(12, 1 << 14);
      const a = run(core, f.simd, xs), b = run(core, f.scalar, xs);
      for (let i = 0; i < xs.length; i++) {
        const same = build === 'simd' ? Object.is(a[i], b[i]) : Math.abs(a[i] - b[i]) <= 5e-7;
        if (!same) throw new Error(`${f.name}(${xs[i]}): simd ${a[i]} scalar ${b[i]}`);
      }
      for (let n = 0; n <= 37; n++) {
        const part = xs.subarray(1000, 1000 + n);
        const inPlace = run(core, f.simd, part, true), separate = run(core, f.simd, part);
        expect(Array.from(inPlace)).toEqual(Array.from(separate));
        for (let i = 0; i < n; i++) {
          if (!(Math.abs(separate[i] - f.exact(part[i])) <= f.abs)) throw new Error(`${f.simd} length ${n}: element ${i} is ${separate[i]}`);
        }
      }
    });
  }

  it('tanh is odd exactly', () => {
    const xs = sweep(10, 1 << 15);
    const ys = run(core, 'act_tanh_f32_simd', xs);
    const half = xs.length / 2;
    for (let i = 0; i < half; i++) if (!Object.is(ys[half + i], -ys[i])) throw new Error(`tanh(${xs[half + i]}) = ${ys[half + i]} but tanh(${xs[i]}) = ${ys[i]}`);
  });
});

describe('activations, debug build', () => {
  let core: Core;
  beforeAll(async () => { core = await loadCore('debug'); });

  it('traps with a KernelError for a vector outside linear memory', () => {
    const end = core.memory.buffer.byteLength, ok = core.heapBase();
    for (const kernel of ['act_tanh_f32_simd', 'act_tanh_f32_scalar', 'act_sigmoid_f32_simd', 'act_sigmoid_f32_scalar']) {
      const f = core.fn(kernel);
      expect(() => f(end - 8, ok, 4)).toThrow(KernelError);
      expect(() => f(ok, end - 8, 4)).toThrow(KernelError);
      expect(() => f(ok, ok, -1)).toThrow(KernelError);
      expect(() => f(ok, ok, 4)).not.toThrow();
    }
  });
});
