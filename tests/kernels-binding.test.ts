// The typed kernel bindings (bindings/kernels.ts): every export of every build is declared once
// and bound at instantiation; a module that lacks one is refused there, and a model too large
// for 32-bit memory is refused with a MemoryError naming its size, before anything is touched.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { createModel, loadCore, MemoryError, ShapeError, KernelError, type BuildKind } from '../bindings/node.js';
import { KERNEL_NAMES, bindKernels } from '../bindings/kernels.js';
import { wasmPath, enableRelaxedSimd } from '../bindings/core-node.js';
import { formatBytes } from '../bindings/wasm.js';

describe('typed kernel bindings', () => {
  it.each(['simd', 'relaxed', 'debug'] as BuildKind[])('build %s: the declared kernels are exactly its function exports', async (build) => {
    if (build === 'relaxed') enableRelaxedSimd();
    const m = new WebAssembly.Module(readFileSync(wasmPath(build)));
    const fns = WebAssembly.Module.exports(m).filter((e) => e.kind === 'function').map((e) => e.name).sort();
    expect([...KERNEL_NAMES].sort()).toEqual(fns);
    const core = await loadCore(build);
    for (const n of KERNEL_NAMES) expect(typeof core.k[n]).toBe('function');
  });

  it('refuses a module that lacks a kernel, naming it', () => {
    const exports = Object.fromEntries(KERNEL_NAMES.filter((n) => n !== 'cell_backward').map((n) => [n, () => 0]));
    expect(() => bindKernels(exports, 'test')).toThrow(KernelError);
    expect(() => bindKernels(exports, 'test')).toThrow(/no export 'cell_backward'/);
  });
});

describe('arena size checked up front', () => {
  it('hiddenSize 8192 LSTM: a MemoryError naming the size, not a RangeError', async () => {
    const err = await createModel({ unit: 'lstm', inputSize: 88, hiddenSize: 8192, head: { type: 'bernoulli', size: 88 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MemoryError);
    expect((err as MemoryError).code).toBe('E_MEMORY');
    expect((err as Error).message).toMatch(/needs \d+(\.\d+)? GiB of WebAssembly memory.*at most 4\.00 GiB/);
  });

  it('a batch too large for memory is refused with a typed error and the model stays usable', async () => {
    // 65536 inputs and outputs: each time step holds x, y, z, dz, outputs and dx, 1.5 MiB, so
    // 4000 steps (within the per-step element limit) need about 6 GiB
    const m = await createModel({ unit: 'tanh', inputSize: 65536, hiddenSize: 8, head: { type: 'bernoulli', size: 65536 } });
    try {
      const err = (() => { try { m.batchViews(4000, 1); return null; } catch (e) { return e; } })();
      expect(err).toBeInstanceOf(MemoryError);
      expect((err as Error).message).toMatch(/a batch of T=4000, B=1 .* needs \d+\.\d+ GiB of WebAssembly memory/);
      expect(() => m.batchViews(40000, 1)).toThrow(ShapeError); // past the per-step element limit
      const v = m.batchViews(2, 1);
      expect(v.x.length).toBe(2 * 65536);
    } finally { m.dispose(); }
  });

  it('formatBytes', () => {
    expect(formatBytes(512)).toBe('512 bytes');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(3 * 2 ** 30)).toBe('3.00 GiB');
  });
});
