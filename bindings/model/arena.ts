// Where a model's tensors live in its WebAssembly memory (docs/DESIGN.md "Arena"):
//   params | grads (same layout) | 3 optimizer slots | packed weights | noise | rng | activations
// The fixed regions are sized from the parameter table before any memory is touched; the
// activation region is laid out again whenever the batch shape (T, B) changes. Sizes that
// 32-bit memory cannot hold are refused with a MemoryError naming them, computed in doubles
// before any memory is grown (and before the core's i32 size functions could overflow).
import { MAX_MEMORY_BYTES, formatBytes, type Core } from '../wasm.js';
import type { Ptr } from '../kernels.js';
import { Bump, alignBytes, type Layout } from '../layout.js';
import { KernelError, MemoryError, ShapeError } from '../errors.js';
import type { ResolvedConfig } from './config.js';
import { paramLayout, paramTable, type ParamSpec } from './params.js';

/** Pointers of one recurrent layer: parameters, their gradients, and the packed weights. */
export interface LayerPtrs {
  /** Input width of the layer: inputSize for layer 0, H above. */
  I: number;
  W: Ptr; U: Ptr; bih: Ptr; bhh: Ptr; /** 0 unless the LSTM has peepholes */ peep: Ptr;
  dW: Ptr; dU: Ptr; dbih: Ptr; dbhh: Ptr; dpeep: Ptr;
  /** cell_packed_size(kind, I, H) floats: W, U and their transposes as the cell reads them. */
  packed: Ptr;
  /** The tensors of this layer that get weight noise, each with its scratch copy in `noise`. */
  noisy: { spec: ParamSpec; src: Ptr; dst: Ptr }[];
}

/** Pointers of the activation region for one batch shape. */
export interface ActPtrs {
  T: number; B: number;
  /** (T, B, I) */ x: Ptr;
  /** (T, B, targetWidth) f32 or i32 */ y: Ptr;
  /** (T, B) */ mask: Ptr;
  /** per layer (T+1, B, H); [0] = h0 */ hs: Ptr[];
  /** per layer cell_saved_size floats; LSTM: begins with cs (T+1, B, H) */ saved: Ptr[];
  /** per layer (T, B, H): ∂loss/∂hs[1..T] from above */ dhs: Ptr[];
  /** per layer cell_work_size floats of backward scratch */ work: Ptr[];
  /** per layer (B, H) */ dh0: Ptr[]; dc0: Ptr[];
  /** (T, B, O) logits, their gradient, and the output distribution */ z: Ptr; dz: Ptr; probs: Ptr;
  /** (T, B, I): ∂loss/∂x of layer 0 */ dx0: Ptr;
}

/** Floats of the core's packed_size(K, N): ceil(N/8) panels of 8 columns by K rows. */
function packedSize(K: number, N: number): number { return Math.ceil(N / 8) * 8 * K; }

/** Floats of the core's cell_packed_size(kind, I, H) (assembly/cell/*.ts), in doubles. */
function cellPackedSize(kind: number, I: number, H: number): number {
  if (kind === 0) return packedSize(I, H) + 2 * packedSize(H, H) + packedSize(H, I);
  if (kind <= 2) return packedSize(I, 4 * H) + packedSize(H, 4 * H) + packedSize(4 * H, H) + packedSize(4 * H, I);
  if (kind === 3) return packedSize(I, 2 * H) + packedSize(I, H) + packedSize(H, 3 * H) + packedSize(3 * H, H) + packedSize(2 * H, I) + packedSize(H, I);
  return packedSize(I, 3 * H) + packedSize(H, 2 * H) + packedSize(H, H) + packedSize(2 * H, H) + packedSize(H, H) + packedSize(3 * H, I);
}

/** "a lstm model with hiddenSize 36, inputSize 88, 1 layer(s) and 88 outputs", for messages. */
export function describeModelSize(c: ResolvedConfig): string {
  return `a ${c.unit} model with hiddenSize ${c.hiddenSize}, inputSize ${c.inputSize}, ${c.layers} layer(s) and ${c.head.outputs} outputs`;
}

/**
 * Bytes of WebAssembly memory a model of config `c` holds before any batch: everything below
 * the activation region, laid out exactly as the Arena does, from `heapBase` (the core's; 0
 * when there is no core yet, which undercounts by a few kilobytes). Plain doubles: no
 * allocation, no kernel call, exact for any size.
 */
export function modelBytes(c: ResolvedConfig, heapBase = 0): number {
  const table = paramTable(c), layout = paramLayout(table), H = c.hiddenSize, O = c.head.outputs;
  const bump = new Bump(heapBase);
  for (let r = 0; r < 5; r++) bump.take(layout.bytes);
  let noiseBytes = 0;
  for (let l = 0; l < c.layers; l++) {
    bump.takeFloats(cellPackedSize(c.kind, l === 0 ? c.inputSize : H, H));
    let off = 0;
    for (const s of table) if (s.layer === l && s.noise) off += alignBytes(s.size * 4);
    noiseBytes = Math.max(noiseBytes, off);
  }
  bump.takeFloats(packedSize(H, O));
  bump.takeFloats(packedSize(O, H));
  bump.take(noiseBytes);
  bump.take(16);
  return bump.next;
}

/** MemoryError, before anything is allocated, when a model of config `c` cannot fit in a
 *  32-bit WebAssembly memory. */
export function checkModelFits(c: ResolvedConfig, heapBase = 0): void {
  const need = modelBytes(c, heapBase);
  if (need > MAX_MEMORY_BYTES) {
    throw new MemoryError(`${describeModelSize(c)} needs ${formatBytes(need)} of WebAssembly memory; a 32-bit WebAssembly memory holds at most ${formatBytes(MAX_MEMORY_BYTES)}`);
  }
}

function checkedSize(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 0) throw new MemoryError(`${what} does not fit a 32-bit element count`);
  return n;
}

export class Arena {
  readonly table: ParamSpec[];
  readonly layout: Layout;
  /** Parameter, gradient and optimizer-slot regions, each `layout.bytes` long. */
  readonly params: Ptr;
  readonly grads: Ptr;
  readonly opt: [Ptr, Ptr, Ptr];
  readonly layers: LayerPtrs[] = [];
  /** The head: V (H, O), c (O), their gradients, V packed (H, O) and Vᵀ packed (O, H); all 0
   *  for a model without a head. */
  readonly head: { V: Ptr; c: Ptr; dV: Ptr; dc: Ptr; Vp: Ptr; VTp: Ptr };
  /** xoshiro128** state of the weight noise: 4 u32. */
  readonly rng: Ptr;
  /** First byte of the activation region; also the end of everything a model always holds. */
  readonly actsBase: Ptr;
  private current: ActPtrs | null = null;

  constructor(core: Core, private readonly c: ResolvedConfig) {
    const k = core.k, H = c.hiddenSize, O = c.head.outputs;
    checkModelFits(c, core.heapBase());
    this.table = paramTable(c);
    this.layout = paramLayout(this.table);
    const bump = new Bump(core.heapBase());
    this.params = bump.take(this.layout.bytes);
    this.grads = bump.take(this.layout.bytes);
    this.opt = [bump.take(this.layout.bytes), bump.take(this.layout.bytes), bump.take(this.layout.bytes)];
    const p = (s: ParamSpec) => this.params + this.layout.get(s.arenaName).offset;
    const g = (s: ParamSpec) => this.grads + this.layout.get(s.arenaName).offset;
    const find = (layer: number, role: ParamSpec['role']) => this.table.find((s) => s.layer === layer && s.role === role);
    let noiseBytes = 0;
    for (let l = 0; l < c.layers; l++) {
      const I = l === 0 ? c.inputSize : H;
      const [W, U, bih, bhh] = (['W', 'U', 'bih', 'bhh'] as const).map((r) => find(l, r)!), peep = find(l, 'peep');
      const packedFloats = checkedSize(k.cell_packed_size(c.kind, I, H), `the packed weights of layer ${l}`);
      if (packedFloats !== cellPackedSize(c.kind, I, H)) throw new KernelError(`the packed weights of layer ${l}: the core says ${packedFloats} floats, the size check computed ${cellPackedSize(c.kind, I, H)}`);
      let off = 0;
      const noisy = this.table.filter((s) => s.layer === l && s.noise).map((s) => {
        const at = off;
        off += alignBytes(s.size * 4);
        return { spec: s, src: p(s), dst: at }; // dst is relative to the noise region until it is placed
      });
      noiseBytes = Math.max(noiseBytes, off);
      this.layers.push({
        I, W: p(W), U: p(U), bih: p(bih), bhh: p(bhh), peep: peep ? p(peep) : 0,
        dW: g(W), dU: g(U), dbih: g(bih), dbhh: g(bhh), dpeep: peep ? g(peep) : 0,
        packed: bump.takeFloats(packedFloats), noisy,
      });
    }
    const V = find(-1, 'V'), cb = find(-1, 'c'); // absent for a model without a head (O = 0)
    this.head = {
      V: V ? p(V) : 0, c: cb ? p(cb) : 0, dV: V ? g(V) : 0, dc: cb ? g(cb) : 0,
      Vp: bump.takeFloats(k.packed_size(H, O)), VTp: bump.takeFloats(k.packed_size(O, H)),
    };
    const noise = bump.take(noiseBytes);
    for (const L of this.layers) for (const n of L.noisy) n.dst += noise;
    this.rng = bump.take(16);
    this.actsBase = bump.next;
    if (this.actsBase !== modelBytes(c, core.heapBase())) throw new KernelError(`the arena of ${describeModelSize(c)} ends at byte ${this.actsBase}, the size check computed ${modelBytes(c, core.heapBase())}`);
    core.ensureBytes(this.actsBase, describeModelSize(c));
    k.fill_f32(this.params, (this.actsBase - this.params) / 4, 0);
  }

  /** Byte offset of a parameter (or its gradient, with region = grads). */
  ptr(spec: ParamSpec, region = this.params): Ptr { return region + this.layout.get(spec.arenaName).offset; }

  /** The activation pointers of the last `acts` call, if any. */
  get acts(): ActPtrs | null { return this.current; }

  /** Lays out the activation region for (T, B), growing memory if needed; `moved` is true
   *  when the buffers changed place (earlier input or state gradients are gone). */
  layoutActs(core: Core, T: number, B: number): { acts: ActPtrs; moved: boolean } {
    const a = this.current;
    if (a && a.T === T && a.B === B) return { acts: a, moved: false };
    const c = this.c, k = core.k, H = c.hiddenSize, I = c.inputSize, O = c.head.outputs, N = T * B;
    const what = `a batch of T=${T}, B=${B}`;
    const bump = new Bump(this.actsBase);
    const floats = (n: number, part: string) => {
      if (!(n >= 0 && n < 2 ** 31)) throw new ShapeError(`${what} is too large: ${part} alone would need ${n} floats; split it`);
      return bump.takeFloats(n);
    };
    const p: ActPtrs = {
      T, B,
      x: floats(N * I, 'x'), y: floats(N * c.head.targetWidth, 'y'), mask: floats(N, 'mask'),
      hs: [], saved: [], dhs: [], work: [], dh0: [], dc0: [],
      z: floats(N * O, 'the logits'), dz: floats(N * O, 'their gradient'), probs: floats(N * O, 'the outputs'),
      dx0: floats(N * I, 'the input gradient'),
    };
    for (let l = 0; l < c.layers; l++) {
      p.hs.push(floats((T + 1) * B * H, 'the hidden states'));
      p.saved.push(floats(k.cell_saved_size(c.kind, T, B, H), 'what forward saves'));
      p.dhs.push(floats(N * H, 'the state gradients'));
      p.work.push(floats(k.cell_work_size(c.kind, T, B, H), 'the backward scratch'));
      p.dh0.push(floats(B * H, 'dh0'));
      p.dc0.push(floats(B * H, 'dc0'));
    }
    core.ensureBytes(bump.next, `${what} on this model (H=${H}, ${c.layers} layer(s))`);
    this.current = p;
    return { acts: p, moved: true };
  }
}
