// The cell kernels alone (cell_pack, cell_forward, cell_backward and their _scalar twins)
// against one layer of the float64 reference, below the model: same parameters, input,
// h0/c0 and upstream gradient dhs, then hs, dx, dW, dU, dbih, dbhh, dpeep, dh0, dc0 must
// agree. Pinpoints a wrong kernel when tests/gradcheck.test.ts fails. Every d* output is
// pre-filled with a known value to check that backward accumulates (+=) as DESIGN.md says.
// Tolerance as in gradcheck.test.ts: |kernel − ref| ≤ 1e-4·(1 + |ref|) element by element.
import { afterAll, describe, expect, it } from 'vitest';
import { loadCore } from '../bindings/core-node.js';
import type { Core } from '../bindings/wasm.js';
import { layerBackward, layerForward, layerOf, Rng, zeroParams } from './reference/index.js';
import type { RefConfig } from './reference/index.js';
import { VARIANTS, randomParams } from './reference/testdata.js';

const BUILDS = ['relaxed', 'simd', 'debug'] as const;
const KIND: Record<string, number> = { tanh: 0, lstm: 1, 'lstm-peep': 2, 'gru-after': 3, 'gru-before': 4 };
const I = 5, H = 7, RTOL = 1e-4, PREFILL = 0.25;

/** Bump allocator over the core's heap (64-byte aligned). */
function arena(core: Core) {
  let top = (core.heapBase() + 63) & ~63;
  return (n: number): number => {
    const p = top;
    top = (p + Math.max(n, 1) * 4 + 63) & ~63;
    core.ensureBytes(top);
    return p;
  };
}

/** (rows, cols) row-major → its transpose (cols, rows). */
const transpose = (a: ArrayLike<number>, rows: number, cols: number) =>
  Float32Array.from({ length: rows * cols }, (_, k) => a[(k % rows) * cols + Math.floor(k / rows)]);

const worstByBuild: Record<string, number> = {};

for (const build of BUILDS) {
  describe(`cell kernels = f64 reference layer, build '${build}'`, () => {
    afterAll(() => console.log(`[gradcheck-cells] build ${build}: worst |kernel − ref|/(1 + |ref|) = ${worstByBuild[build]?.toExponential(2)}`));
    for (const v of VARIANTS) {
      for (const twin of ['', '_scalar']) {
        it(`${v.name} cell_forward${twin}/cell_backward${twin}`, async () => {
          const core = await loadCore(build), kind = KIND[v.name];
          const cfg: RefConfig = { ...v.cfg, inputSize: I, hiddenSize: H, head: { type: 'bernoulli', size: 1 } };
          const G = { tanh: 1, lstm: 4, gru: 3 }[cfg.unit], GH = G * H, lstm = cfg.unit === 'lstm';
          const rng = new Rng(31 + kind);
          const p = randomParams(cfg, rng), L = layerOf(cfg, p, 0);
          const mismatches: string[] = [];
          const check = (what: string, got: ArrayLike<number>, want: ArrayLike<number>) => {
            let bad = 0, worst = 0, at = 0;
            for (let k = 0; k < want.length; k++) {
              const e = Math.abs(got[k] - want[k]) / (1 + Math.abs(want[k]));
              if (!(e <= RTOL)) bad++;
              if (!(e <= worst)) { worst = e; at = k; }
            }
            worstByBuild[build] = Math.max(worstByBuild[build] ?? 0, worst);
            if (bad) mismatches.push(`${what}: ${bad}/${want.length} beyond tolerance, worst [${at}] kernel ${got[at]} ref ${want[at]} (${worst.toExponential(2)})`);
          };
          for (const T of [1, 5]) {
            for (const B of [1, 3]) {
              const label = `T=${T} B=${B}`;
              const x = rng.f32Array(T * B * I, -1, 1), h0 = rng.f32Array(B * H, -1, 1), c0 = rng.f32Array(B * H, -2, 2);
              const dhs = rng.f32Array(T * B * H, -1, 1);
              const ref = layerForward(cfg, L, x, T, B, h0, lstm ? c0 : undefined);
              const D = layerOf(cfg, zeroParams(cfg), 0);
              const rb = layerBackward(cfg, D, dhs, L, ref, T, B);

              const alloc = arena(core), f = core.f32.bind(core), fn = (n: string) => core.fn(n);
              const put = (a: ArrayLike<number>) => { const ptr = alloc(a.length); f(ptr, a.length).set(a); return ptr; };
              const filled = (n: number) => { const ptr = alloc(n); f(ptr, n).fill(PREFILL); return ptr; };
              const W = put(transpose(L.W, GH, I)), U = put(transpose(L.U, GH, H));
              const bih = put(L.bih), bhh = put(L.bhh), peep = L.peep ? put(L.peep) : 0;
              const packed = alloc(fn('cell_packed_size')(kind, I, H));
              fn('cell_pack')(kind, packed, W, U, I, H);
              const hs = alloc((T + 1) * B * H), saved = alloc(fn('cell_saved_size')(kind, T, B, H));
              const xp = put(x), work = alloc(fn('cell_work_size')(kind, T, B, H));
              f(hs, B * H).set(h0);
              if (lstm) f(saved, B * H).set(c0);
              fn(`cell_forward${twin}`)(kind, hs, saved, xp, packed, bih, bhh, peep, T, B, I, H);
              check(`${label} hs`, f(hs + B * H * 4, T * B * H), ref.hs.subarray(B * H));
              if (lstm) check(`${label} cs (saved)`, f(saved + B * H * 4, T * B * H), ref.cs.subarray(B * H));

              const dx = filled(T * B * I), dh0 = filled(B * H), dc0 = lstm ? filled(B * H) : 0;
              const dW = filled(I * GH), dU = filled(H * GH), dbih = filled(GH), dbhh = filled(GH);
              const dpeep = L.peep ? filled(3 * H) : 0;
              const dhsp = put(dhs);
              fn(`cell_backward${twin}`)(kind, dx, dh0, dc0, dW, dU, dbih, dbhh, dpeep, dhsp, hs, saved, xp, packed, bih, bhh, peep, work, T, B, I, H);
              const plus = (a: ArrayLike<number>) => Float64Array.from(a, (v) => v + PREFILL);
              check(`${label} dx`, f(dx, T * B * I), plus(rb.dx));
              check(`${label} dh0`, f(dh0, B * H), plus(rb.dh0));
              if (lstm) check(`${label} dc0`, f(dc0, B * H), plus(rb.dc0));
              check(`${label} dW (weight_ih)`, transpose(f(dW, I * GH), I, GH), plus(D.W));
              check(`${label} dU (weight_hh)`, transpose(f(dU, H * GH), H, GH), plus(D.U));
              check(`${label} dbih`, f(dbih, GH), plus(D.bih));
              check(`${label} dbhh`, f(dbhh, GH), plus(D.bhh));
              if (L.peep) check(`${label} dpeep`, f(dpeep, 3 * H), plus(D.peep!));
              expect(f(dhsp, T * B * H), `${label}: dhs is read-only`).toEqual(Float32Array.from(dhs));
            }
          }
          expect(mismatches).toEqual([]);
        });
      }
    }
  });
}
