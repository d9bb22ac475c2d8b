// Instantiates the WebAssembly core and gives typed-array views into its memory.
// Platform-neutral: the bytes come from bindings/node.ts (fs) or bindings/browser.ts (fetch).
// Views are never cached: memory.grow detaches every earlier view, so each call takes a fresh one.
import { KernelError } from './errors.js';

/** Every export is a flat function over numbers (byte pointers and element counts). */
export type KernelFn = (...args: number[]) => number;
export interface CoreExports { memory: WebAssembly.Memory; [name: string]: KernelFn | WebAssembly.Memory; }

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

export class Core {
  readonly exports: CoreExports;
  readonly build: BuildKind;
  constructor(instance: WebAssembly.Instance, build: BuildKind) {
    this.exports = instance.exports as unknown as CoreExports;
    this.build = build;
  }
  get memory(): WebAssembly.Memory { return this.exports.memory; }
  fn(name: string): KernelFn {
    const f = this.exports[name];
    if (typeof f !== 'function') throw new KernelError(`the WebAssembly core has no export '${name}' (build ${this.build})`);
    return f as KernelFn;
  }
  /** A fresh Float32Array view of n elements at byte offset ptr. */
  f32(ptr: number, n: number): Float32Array { return new Float32Array(this.memory.buffer, ptr, n); }
  i32(ptr: number, n: number): Int32Array { return new Int32Array(this.memory.buffer, ptr, n); }
  u32(ptr: number, n: number): Uint32Array { return new Uint32Array(this.memory.buffer, ptr, n); }
  /** Grows memory so that [0, bytes) is addressable. Detaches all earlier views. */
  ensureBytes(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes > have) this.memory.grow(Math.ceil((bytes - have) / 65536));
  }
  heapBase(): number { return this.fn('heap_base')(); }
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
  memory = (instance.exports as unknown as CoreExports).memory;
  return new Core(instance, build);
}
