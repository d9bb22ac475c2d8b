// The mixture-of-Gaussians head against PyTorch: tests/fixtures/mog-golden.json, written by
// scripts/mog_golden.py from torch.distributions.MixtureSameFamily in float64 on float32
// inputs (the exact answer for our numbers).
//  - head cases (K=3, D=4, N=7 and K=20, D=10, N=5, masks with zeros): the loss and dz of
//    mog_nll and its scalar twin, and mog_params, in every build; the float64 reference of
//    tests/reference/mog.ts reproduces them to the fixture's 9 digits;
//  - model cases (nn.GRU and nn.LSTM + nn.Linear, masks ending sequences early): loss and
//    every parameter gradient through createModel + setParam + lossAndGrad;
//  - in CI (and wherever PyTorch is installed) the script is run again into a temporary file,
//    which must reproduce the committed fixture: the fixture cannot drift from the script.
// Tolerances: head loss |a − e| ≤ 2e-6·|e|, dz |a − e| ≤ 3e-5·|e| + 1e-6·max|e of the row|
// (see tests/head-mog.test.ts for why), distribution 2e-6·|e| + 1e-7; model loss 1e-5
// relative, gradients per tensor |a − e| ≤ 1e-4·|e| + 1e-5·max|e| (tests/golden.test.ts).
// PyTorch's own float32 run is recorded in the fixture and checked to be well inside them.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadCore } from '../bindings/core-node.js';
import { createModel, type ModelConfig } from '../bindings/node.js';
import type { BuildKind } from '../bindings/wasm.js';
import { torchPython } from './helpers/env.js';
import { Arena } from './helpers/kernel.js';
import { mogNll, mogParams, mogModelLossAndGrad, SIGMA_MIN, S_MIN, S_MAX, type MogModelConfig } from './reference/mog.js';

const FIXTURE = new URL('./fixtures/mog-golden.json', import.meta.url);
const SCRIPT = fileURLToPath(new URL('../scripts/mog_golden.py', import.meta.url));
const BUILDS: BuildKind[] = ['relaxed', 'simd', 'debug'];

interface HeadCase {
  name: string; N: number; K: number; D: number;
  z: number[]; y: number[]; mask: number[];
  loss: number; dz: number[]; params: number[];
  torchFloat32Error: { lossRel: number; dzMaxRelOfMax: number };
}
interface ModelCase {
  name: string;
  config: ModelConfig & { head: { type: 'mog'; components: number; size: number } };
  T: number; B: number; lengths: number[];
  paramNames: string[];
  params: Record<string, { shape: number[]; data: number[] }>;
  x: number[]; y: number[]; mask: number[];
  loss: number;
  grads: Record<string, number[]>;
  torchFloat32Error: { lossRel: number; gradsMaxRel: number };
}
interface Fixture {
  generator: string; torchVersion: string; sigmaMin: number; logScaleClamp: [number, number];
  heads: HeadCase[]; models: ModelCase[];
}

const G = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Fixture;
const maxAbs = (a: ArrayLike<number>): number => { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i])); return m; };

const WORST = new Map<string, number>();
const note = (k: string, r: number) => WORST.set(k, Math.max(WORST.get(k) ?? 0, Number.isNaN(r) ? Infinity : r));
afterAll(() => console.log(['[golden-mog] worst error / tolerance:', ...[...WORST].map(([k, v]) => `  ${k.padEnd(40)} ${v.toExponential(2)}`)].join('\n')));

/** Largest |a − e| / (rtol·|e| + atol(row)) over the entries; rows of width W. */
function ratio(a: ArrayLike<number>, e: ArrayLike<number>, rtol: number, atol: (row: number) => number, W = e.length): { r: number; at: number } {
  let r = 0, at = -1;
  for (let i = 0; i < e.length; i++) {
    const q = Math.abs(a[i] - e[i]) / (rtol * Math.abs(e[i]) + atol(Math.floor(i / W)));
    if (!(q <= r)) { r = q; at = i; }
  }
  return { r, at };
}

describe('mog golden fixture', () => {
  it('matches the kernels\' constants and is consistent', () => {
    expect(G.generator).toBe('scripts/mog_golden.py');
    expect(G.sigmaMin).toBe(SIGMA_MIN);
    expect(G.logScaleClamp).toEqual([S_MIN, S_MAX]);
    expect(G.heads.map((c) => [c.name, c.N, c.K, c.D])).toEqual([['k3_d4', 7, 3, 4], ['k20_d10', 5, 20, 10]]);
    for (const c of G.heads) {
      const O = c.K * (1 + 2 * c.D);
      expect(c.z.length).toBe(c.N * O);
      expect(c.dz.length).toBe(c.N * O);
      expect(c.params.length).toBe(c.N * O);
      expect(c.y.length).toBe(c.N * c.D);
      expect(c.mask).toContain(0);
      for (let i = 0; i < c.N; i++) if (c.mask[i] === 0) expect(c.dz.slice(i * O, (i + 1) * O).every((v) => v === 0)).toBe(true);
      // PyTorch's float32 error is well inside ours
      expect(c.torchFloat32Error.lossRel).toBeLessThan(2e-7);
      expect(c.torchFloat32Error.dzMaxRelOfMax).toBeLessThan(1e-5);
    }
    for (const mc of G.models) {
      expect(mc.torchFloat32Error.lossRel).toBeLessThan(1e-6);
      expect(mc.torchFloat32Error.gradsMaxRel).toBeLessThan(1e-6);
      expect(Math.min(...mc.lengths)).toBeLessThan(mc.T);
    }
  });

  // the fixture's 9 digits stand for float32 values: read them as float32, as the core does
  const f32 = (a: number[]) => Float32Array.from(a);
  it('the float64 reference (tests/reference/mog.ts) reproduces PyTorch to its 9 digits', () => {
    for (const c of G.heads) {
      const r = mogNll(f32(c.z), f32(c.y), c.mask, c.N, c.K, c.D);
      expect(Math.abs(r.loss - c.loss) / Math.abs(c.loss)).toBeLessThan(1e-12);
      const O = c.K * (1 + 2 * c.D);
      const dzRows = Array.from({ length: c.N }, (_, i) => maxAbs(c.dz.slice(i * O, (i + 1) * O)));
      expect(ratio(r.dz, c.dz, 1e-8, (i) => 1e-12 * dzRows[i], O).r).toBeLessThanOrEqual(1);
      expect(ratio(mogParams(f32(c.z), c.N, c.K, c.D), c.params, 1e-8, () => 1e-300).r).toBeLessThanOrEqual(1);
    }
    for (const mc of G.models) {
      const p = Object.fromEntries(mc.paramNames.map((n) => [n, Float64Array.from(f32(mc.params[n].data))]));
      const r = mogModelLossAndGrad(mc.config as MogModelConfig, p, { T: mc.T, B: mc.B, x: f32(mc.x), y: f32(mc.y), mask: mc.mask });
      expect(Math.abs(r.loss - mc.loss) / Math.abs(mc.loss)).toBeLessThan(1e-12);
      for (const n of mc.paramNames) expect(ratio(r.grads![n], mc.grads[n], 1e-8, () => 1e-12 * maxAbs(mc.grads[n])).r, n).toBeLessThanOrEqual(1);
    }
  });
});

for (const build of BUILDS) {
  describe(`mog head against PyTorch (${build} build)`, () => {
    it('mog_nll, mog_nll_scalar and mog_params on the head cases', async () => {
      const core = await loadCore(build), ar = new Arena(core, true);
      for (const c of G.heads) {
        ar.reset();
        const O = c.K * (1 + 2 * c.D), n = c.N * O;
        const pz = ar.put(c.z), py = ar.put(c.y), pm = ar.put(c.mask);
        const dzRows = Array.from({ length: c.N }, (_, i) => maxAbs(c.dz.slice(i * O, (i + 1) * O)));
        for (const fn of ['mog_nll', 'mog_nll_scalar'] as const) {
          const pdz = ar.alloc(n);
          const loss = core.fn(fn)(pdz, pz, py, pm, c.N, c.K, c.D);
          const lr = Math.abs(loss - c.loss) / (2e-6 * Math.abs(c.loss));
          note(`${build} ${fn} loss`, lr);
          expect(lr, `${c.name} ${fn}: loss ${loss} vs ${c.loss}`).toBeLessThanOrEqual(1);
          const dz = ar.get(pdz, n), q = ratio(dz, c.dz, 3e-5, (i) => 1e-6 * dzRows[i] + 1e-7, O);
          note(`${build} ${fn} dz`, q.r);
          expect(q.r, `${c.name} ${fn}: dz[${q.at}] = ${dz[q.at]} vs ${c.dz[q.at]}`).toBeLessThanOrEqual(1);
        }
        for (const fn of ['mog_params', 'mog_params_scalar'] as const) {
          const po = ar.alloc(n);
          core.fn(fn)(po, pz, c.N, c.K, c.D);
          const got = ar.get(po, n), q = ratio(got, c.params, 2e-6, () => 1e-7);
          note(`${build} ${fn}`, q.r);
          expect(q.r, `${c.name} ${fn}: [${q.at}] = ${got[q.at]} vs ${c.params[q.at]}`).toBeLessThanOrEqual(1);
        }
        expect(ar.guardsIntact()).toBe(true);
      }
    });

    for (const mc of G.models) {
      it(`${mc.name}: loss and every parameter gradient through lossAndGrad`, async () => {
        const m = await createModel(mc.config, { build });
        try {
          expect(m.paramNames()).toEqual(mc.paramNames);
          for (const n of mc.paramNames) {
            expect(m.paramShape(n)).toEqual(mc.params[n].shape);
            m.setParam(n, Float32Array.from(mc.params[n].data));
          }
          const r = m.lossAndGrad({ T: mc.T, B: mc.B, x: Float32Array.from(mc.x), y: Float32Array.from(mc.y), mask: Float32Array.from(mc.mask) });
          expect(r.frames).toBe(mc.lengths.reduce((a, b) => a + b, 0));
          const lr = Math.abs(r.loss - mc.loss) / (1e-5 * Math.abs(mc.loss));
          note(`${build} model loss`, lr);
          expect(lr, `loss ${r.loss} vs ${mc.loss}`).toBeLessThanOrEqual(1);
          for (const n of mc.paramNames) {
            const g = m.getGrad(n), e = mc.grads[n], q = ratio(g, e, 1e-4, () => 1e-5 * maxAbs(e));
            note(`${build} model grads`, q.r);
            expect(q.r, `${mc.name} grad ${n}[${q.at}] = ${g[q.at]} vs ${e[q.at]}`).toBeLessThanOrEqual(1);
          }
        } finally { m.dispose(); }
      });
    }
  });
}

// The fixture cannot drift from its script: run it again (PyTorch needed; in CI a missing
// PyTorch is a failure, see tests/helpers/env.ts) and compare. Inputs must be identical; the
// derived numbers to the last of their 9 digits (a different libm could move one).
const PY = torchPython();
describe.skipIf(!PY)('scripts/mog_golden.py reproduces the committed fixture', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatedrnn-mog-golden-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('fresh output = tests/fixtures/mog-golden.json', () => {
    const out = join(dir, 'mog-golden.json');
    const r = spawnSync(PY!, [SCRIPT, out], { encoding: 'utf8', timeout: 300_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const fresh = JSON.parse(readFileSync(out, 'utf8')) as Fixture;
    const close = (a: number[], e: number[], what: string) => {
      expect(a.length, what).toBe(e.length);
      const q = ratio(a, e, 2e-8, () => 1e-300);
      expect(q.r, `${what}[${q.at}] = ${a[q.at]}, committed ${e[q.at]}`).toBeLessThanOrEqual(1);
    };
    expect({ ...fresh, heads: null, models: null, torchVersion: null }).toEqual({ ...G, heads: null, models: null, torchVersion: null });
    expect(fresh.heads.length).toBe(G.heads.length);
    fresh.heads.forEach((c, i) => {
      const g = G.heads[i];
      expect([c.name, c.N, c.K, c.D, c.z, c.y, c.mask]).toEqual([g.name, g.N, g.K, g.D, g.z, g.y, g.mask]);
      close([c.loss], [g.loss], `${c.name} loss`);
      close(c.dz, g.dz, `${c.name} dz`);
      close(c.params, g.params, `${c.name} params`);
    });
    expect(fresh.models.length).toBe(G.models.length);
    fresh.models.forEach((c, i) => {
      const g = G.models[i];
      expect([c.name, c.config, c.T, c.B, c.lengths, c.paramNames, c.params, c.x, c.y, c.mask]).toEqual([g.name, g.config, g.T, g.B, g.lengths, g.paramNames, g.params, g.x, g.y, g.mask]);
      close([c.loss], [g.loss], `${c.name} loss`);
      for (const n of g.paramNames) close(c.grads[n], g.grads[n], `${c.name} grad ${n}`);
    });
  });
});
