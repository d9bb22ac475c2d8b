// Instantiates the WebAssembly core and gives typed-array views into its memory.
// Platform-neutral: the bytes come from bindings/node.ts (fs) or bindings/browser.ts (fetch).
// Views are never cached: memory.grow detaches every earlier view, so each call takes a fresh one.
import { KernelError, MemoryError } from './errors.js';
import { bindKernels, type Kernels, type KernelName } from './kernels.js';

export type BuildKind = 'simd' | 'relaxed' | 'debug';

/** A tiny module whose one function computes f32x4.relaxed_madd of three constants: it
 *  validates only where the engine runs relaxed SIMD. */
export const RELAXED_PROBE: Uint8Array<ArrayBuffer> = (() => {
  const vconst = [0xfd, 0x0c, ...new Array(16).fill(0)];
  const body = [0x00, ...vconst, ...vconst, ...vconst, 0xfd, 0x85, 0x02, 0x0b];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
    0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b,       // type section: () -> v128
    0x03, 0x02, 0x01, 0x00,                         // function section: func 0 : type 0
    0x0a, body.length + 2, 0x01, body.length, ...body, // code section
  ]);
})();

/** Bytes a 32-bit WebAssembly memory can address at most (65536 pages of 64 KiB). */
export const MAX_MEMORY_BYTES = 65536 * 65536;

export class Core {
  /** The kernels, typed and bound once (bindings/kernels.ts). */
  readonly k: Kernels;
  readonly build: BuildKind;
  readonly memory: WebAssembly.Memory;
  constructor(instance: WebAssembly.Instance, build: BuildKind) {
    this.k = bindKernels(instance.exports, build);
    const memory = instance.exports.memory;
    if (!(memory instanceof WebAssembly.Memory)) throw new KernelError(`the WebAssembly core (build ${build}) exports no memory`);
    this.memory = memory;
    this.build = build;
  }
  /** For tests and benchmarks that walk a family of kernels by name (SIMD vs scalar twins). */
  fn<K extends KernelName>(name: K): Kernels[K] {
    const f = this.k[name];
    if (typeof f !== 'function') throw new KernelError(`the WebAssembly core has no export '${name}' (build ${this.build})`);
    return f;
  }
  /** A fresh Float32Array view of n elements at byte offset ptr. */
  f32(ptr: number, n: number): Float32Array { return new Float32Array(this.memory.buffer, ptr, n); }
  i32(ptr: number, n: number): Int32Array { return new Int32Array(this.memory.buffer, ptr, n); }
  u32(ptr: number, n: number): Uint32Array { return new Uint32Array(this.memory.buffer, ptr, n); }
  /** Grows memory so that [0, bytes) is addressable. Detaches all earlier views. Refuses, with a
   *  MemoryError naming the size, what 32-bit memory cannot hold or the engine will not give. */
  ensureBytes(bytes: number, what = 'the model'): void {
    const have = this.memory.buffer.byteLength;
    if (bytes <= have) return;
    if (!(bytes <= MAX_MEMORY_BYTES)) {
      throw new MemoryError(`${what} needs ${formatBytes(bytes)} of WebAssembly memory; a 32-bit WebAssembly memory holds at most ${formatBytes(MAX_MEMORY_BYTES)}`);
    }
    try { this.memory.grow(Math.ceil((bytes - have) / 65536)); } catch (e) {
      throw new MemoryError(`${what} needs ${formatBytes(bytes)} of WebAssembly memory and the engine refused to grow it from ${formatBytes(have)} (${(e as Error).message})`);
    }
  }
  heapBase(): number { return this.k.heap_base(); }
}

/** 1536 → "1.5 KiB"; 3·2³⁰ → "3.00 GiB". */
export function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0, x = n;
  while (x >= 1024 && i < units.length - 1) { x /= 1024; i++; }
  return i === 0 ? `${n} bytes` : `${x.toFixed(x < 10 ? 2 : 1)} ${units[i]}`;
}

function readAsString(memory: WebAssembly.Memory, ptr: number): string {
  if (!ptr) return '';
  try {
    const len = new Uint32Array(memory.buffer, ptr - 4, 1)[0] >>> 1;
    return String.fromCharCode(...new Uint16Array(memory.buffer, ptr, Math.min(len, 1000)));
  } catch { return '?'; }
}

/** Instantiates one core. Each model owns its instance (and so its memory). */
export async function instantiateCore(module: WebAssembly.Module, build: BuildKind): Promise<Core> {
  let memory: WebAssembly.Memory | undefined;
  const imports = {
    env: {
      abort(msg: number, file: number, line: number, col: number): never {
        const m = memory ? readAsString(memory, msg) : '';
        const f = memory ? readAsString(memory, file) : '';
        throw new KernelError(`kernel contract failed: ${m} (${f}:${line}:${col})`);
      },
    },
  };
  const instance = await WebAssembly.instantiate(module, imports);
  const core = new Core(instance, build);
  memory = core.memory;
  return core;
}
