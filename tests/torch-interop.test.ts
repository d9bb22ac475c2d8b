// Model files between PyTorch and gatedrnn, both ways.
//  (a) Files written by PyTorch (scripts/torch_interop.py write, committed in
//      tests/fixtures/golden/torch_*.safetensors with the outputs PyTorch computed for a fixed
//      input) load through modelFromSafetensors and give the same outputs.
//  (b) Files written by modelToSafetensors are read by PyTorch (/usr/bin/python3
//      scripts/torch_interop.py read), which reports its outputs for an input we choose.
// Output tolerance as in tests/golden.test.ts: |a − e| ≤ 1e-5·|e| + 1e-6 on probabilities
// (PyTorch evaluates in float64 on the file's float32 weights; the core in float32).
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { inCI, torchPython } from './helpers/env.js';
import {
  createModel, modelFromSafetensors, modelToSafetensors, decodeSafetensors, encodeSafetensors, parseModelFile,
  KernelError, type Model, type ModelConfig, type Batch,
} from '../bindings/node.js';
import type { BuildKind } from '../bindings/wasm.js';

const OUT_RTOL = 1e-5, OUT_ATOL = 1e-6;
const DIR = new URL('./fixtures/golden/', import.meta.url);
const SCRIPT = fileURLToPath(new URL('../scripts/torch_interop.py', import.meta.url));

interface TorchFixture {
  model: string;
  config: ModelConfig;
  T: number; B: number;
  x: number[];
  outputs: number[];
}

const FIXTURES = ['torch_lstm_l1', 'torch_gru_l2', 'torch_tanh_l1'].map((name) => ({
  name,
  meta: JSON.parse(readFileSync(new URL(`${name}.json`, DIR), 'utf8')) as TorchFixture,
  bytes: new Uint8Array(readFileSync(new URL(`${name}.safetensors`, DIR))),
}));

function mismatch(what: string, a: ArrayLike<number>, e: ArrayLike<number>): string {
  if (a.length !== e.length) return `${what}: length ${a.length}, expected ${e.length}`;
  let worst = -1, ratio = 1;
  for (let i = 0; i < e.length; i++) {
    const err = Math.abs(a[i] - e[i]), allowed = OUT_RTOL * Math.abs(e[i]) + OUT_ATOL;
    if (!(err <= allowed) && (worst < 0 || err / allowed > ratio)) { worst = i; ratio = err / allowed; }
  }
  return worst < 0 ? '' : `${what}[${worst}] = ${a[worst]}, expected ${e[worst]} (${ratio.toFixed(1)}× the tolerance)`;
}

/** A batch for forward(): the outputs do not depend on y, so targets are zeros. */
function batchFor(cfg: ModelConfig, T: number, B: number, x: ArrayLike<number>, states: Pick<Batch, 'h0' | 'c0'> = {}): Batch {
  const y = cfg.head.type === 'softmax' ? new Int32Array(T * B) : new Float32Array(T * B * cfg.head.size);
  return { T, B, x: Float32Array.from(x), y, ...states };
}

/** Whether the core has the kernels a forward pass needs (skip with a message while it is
 *  being written; in CI a missing kernel is a failure). */
async function coreReady(build: BuildKind): Promise<boolean> {
  let m: Model | undefined;
  try {
    m = await createModel({ unit: 'gru', inputSize: 2, hiddenSize: 3, head: { type: 'softmax', size: 2 } }, { build });
    m.forward(batchFor(m.publicConfig(), 2, 1, new Float32Array(4)));
    return true;
  } catch (e) {
    if (e instanceof KernelError && /has no export/.test(e.message)) {
      if (inCI) throw new Error(`GATEDRNN_CI is set but the core is incomplete: ${e.message}`);
      console.warn(`[skip] PyTorch interchange model tests (${build}): ${e.message}`);
      return false;
    }
    throw e;
  } finally {
    m?.dispose();
  }
}

const BUILD: BuildKind = 'relaxed';
const READY = await coreReady(BUILD);

// --------------------------------------------------------------------------- (a) PyTorch → us

describe('files written by PyTorch', () => {
  for (const f of FIXTURES) {
    describe(f.name, () => {
      it('decode, and re-encode byte for byte (both writers agree on the format)', () => {
        const file = decodeSafetensors(f.bytes);
        expect(file.metadata.format).toBe('gatedrnn');
        expect(file.metadata.format_version).toBe('1');
        expect(JSON.parse(file.metadata.config)).toEqual(f.meta.config);
        expect(encodeSafetensors(file.tensors, file.metadata)).toEqual(f.bytes);
        const parsed = parseModelFile(f.bytes);
        expect(parsed.config).toEqual(f.meta.config);
      });

      it.skipIf(!READY)('modelFromSafetensors: same parameters, same outputs as PyTorch (forward and stream)', async () => {
        const m = await modelFromSafetensors(f.bytes, { build: BUILD });
        try {
          const file = decodeSafetensors(f.bytes);
          expect(m.paramNames().sort()).toEqual([...file.tensors.keys()].sort());
          for (const [name, t] of file.tensors) {
            expect(m.paramShape(name), name).toEqual(t.shape);
            expect(m.getParam(name), name).toEqual(t.data);
          }
          const { T, B, x, outputs } = f.meta;
          const r = m.forward(batchFor(f.meta.config, T, B, x));
          expect(mismatch('outputs', r.outputs, outputs)).toBe('');
          // step by step (Stream, for sampling) gives PyTorch's outputs too
          const st = m.stream(B), I = f.meta.config.inputSize, O = f.meta.config.head.size;
          const stepped = new Float32Array(T * B * O);
          for (let t = 0; t < T; t++) stepped.set(st.step(x.slice(t * B * I, (t + 1) * B * I)), t * B * O);
          expect(mismatch('stream outputs', stepped, outputs)).toBe('');
          // and back out: our file of the loaded model holds the same tensors and config
          const again = decodeSafetensors(modelToSafetensors(m));
          for (const [name, t] of file.tensors) expect(again.tensors.get(name)?.data, name).toEqual(t.data);
          const cfg = JSON.parse(again.metadata.config) as ModelConfig;
          expect({ ...cfg, seed: undefined }).toEqual({ ...f.meta.config, seed: undefined });
        } finally {
          m.dispose();
        }
      });
    });
  }
});

// --------------------------------------------------------------------------- (b) us → PyTorch

const PY = torchPython();
const tmp = mkdtempSync(join(tmpdir(), 'gatedrnn-torch-interop-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Deterministic values in [-a, a] (a 32-bit LCG), so the file holds no special numbers. */
function values(n: number, seed: number, a: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; out[i] = a * (2 * (s / 4294967296) - 1); }
  return out;
}

function runTorch(modelPath: string, input: object): { status: number | null; stdout: string; stderr: string } {
  const inputPath = join(tmp, `input-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(inputPath, JSON.stringify(input));
  const r = spawnSync(PY!, [SCRIPT, 'read', modelPath, inputPath], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const OURS: { name: string; config: ModelConfig; states: boolean }[] = [
  { name: 'tanh, 2 layers, softmax, non-zero h0', config: { unit: 'tanh', inputSize: 5, hiddenSize: 7, layers: 2, head: { type: 'softmax', size: 6 } }, states: true },
  { name: 'lstm, 1 layer, bernoulli, non-zero h0/c0', config: { unit: 'lstm', peepholes: false, inputSize: 5, hiddenSize: 7, layers: 1, head: { type: 'bernoulli', size: 6 } }, states: true },
  { name: 'lstm, 2 layers, bernoulli, zero state', config: { unit: 'lstm', inputSize: 9, hiddenSize: 12, layers: 2, head: { type: 'bernoulli', size: 4 } }, states: false },
  { name: 'gru, 2 layers, bernoulli', config: { unit: 'gru', resetAfter: true, inputSize: 5, hiddenSize: 7, layers: 2, head: { type: 'bernoulli', size: 6 } }, states: true },
  { name: 'gru, paper music size', config: { unit: 'gru', inputSize: 88, hiddenSize: 46, layers: 1, head: { type: 'bernoulli', size: 88 } }, states: false },
];

describe.skipIf(!PY || !READY)('files written by gatedrnn, read by PyTorch', () => {
  for (const [k, o] of OURS.entries()) {
    it(o.name, async () => {
      const m = await createModel(o.config, { build: BUILD });
      try {
        m.paramNames().forEach((n, i) => m.setParam(n, values(m.getParam(n).length, 1000 * k + i + 1, 0.4)));
        const path = join(tmp, `ours-${k}.safetensors`);
        writeFileSync(path, modelToSafetensors(m));
        const T = 6, B = 3, c = m.config, BH = B * c.hiddenSize;
        const x = values(T * B * c.inputSize, 77 + k, 1.5);
        const states: Pick<Batch, 'h0' | 'c0'> = {};
        if (o.states) {
          states.h0 = Array.from({ length: c.layers }, (_, l) => values(BH, 500 + l, 0.8));
          if (c.unit === 'lstm') states.c0 = Array.from({ length: c.layers }, (_, l) => values(BH, 600 + l, 1.2));
        }
        const ours = m.forward(batchFor(o.config, T, B, x, states)).outputs;
        const r = runTorch(path, {
          T, B, x: Array.from(x),
          h0: states.h0?.map((s) => Array.from(s)), c0: states.c0?.map((s) => Array.from(s)),
        });
        expect(r.stderr).toBe('');
        expect(r.status).toBe(0);
        const torch = JSON.parse(r.stdout) as { config: ModelConfig; outputs: number[] };
        expect(torch.config.unit).toBe(o.config.unit);
        expect(mismatch('PyTorch outputs vs ours', ours, torch.outputs)).toBe('');
      } finally {
        m.dispose();
      }
    });
  }

  it('PyTorch refuses a paper-variant file with a clear message (no nn module for peepholes)', async () => {
    const m = await createModel({ unit: 'lstm', peepholes: true, inputSize: 3, hiddenSize: 4, head: { type: 'bernoulli', size: 2 } }, { build: BUILD });
    try {
      const path = join(tmp, 'peephole.safetensors');
      writeFileSync(path, modelToSafetensors(m));
      const r = runTorch(path, { T: 1, B: 1, x: [0, 0, 0] });
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/peephole LSTM .* has no PyTorch module/);
    } finally {
      m.dispose();
    }
  });
});
