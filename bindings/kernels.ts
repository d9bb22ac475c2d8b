// Every export of the WebAssembly core, declared once with named, typed parameters
// (docs/DESIGN.md "Kernels" gives each contract). `bindKernels` checks at instantiation that
// the module has each of them, so no call site looks a kernel up by its name.
//
// Pointers are byte offsets into the core's linear memory; counts are in elements; f64
// hyperparameters are rounded to f32 once per call inside the core. A pointer argument of 0
// means "skip" where the contract says so.
import { KernelError } from './errors.js';

/** A byte offset into linear memory (16-byte aligned for tensors). */
export type Ptr = number;

/** A cell kind of docs/DESIGN.md "Cell kinds": 0 tanh, 1 LSTM, 2 LSTM+peepholes,
 *  3 GRU reset-after, 4 GRU reset-before. */
export type CellKind = 0 | 1 | 2 | 3 | 4;

/** C(M,N) += A(M,K)·B with B packed (pack_b_f32). */
type Gemm = (C: Ptr, ldc: number, A: Ptr, lda: number, Bp: Ptr, M: number, N: number, K: number) => void;
/** C(M,N) += Aᵀ·B, A (K,M), B (K,N), unpacked. */
type GemmTN = (C: Ptr, ldc: number, A: Ptr, lda: number, B: Ptr, ldb: number, M: number, N: number, K: number) => void;
/** y[0..n) = f(x[0..n)). */
type ArrayAct = (y: Ptr, x: Ptr, n: number) => void;
/** The head's loss Σ over rows whose mask ≠ 0; writes dz unless dz = 0; mask = 0: all ones. */
type HeadLoss = (dz: Ptr, z: Ptr, y: Ptr, mask: Ptr, N: number, O: number) => number;
type CellForward = (kind: CellKind, hs: Ptr, saved: Ptr, x: Ptr, packed: Ptr, bih: Ptr, bhh: Ptr, peep: Ptr,
  T: number, B: number, I: number, H: number) => void;
type CellBackward = (kind: CellKind, dx: Ptr, dh0: Ptr, dc0: Ptr, dW: Ptr, dU: Ptr, dbih: Ptr, dbhh: Ptr, dpeep: Ptr,
  dhs: Ptr, hs: Ptr, saved: Ptr, x: Ptr, packed: Ptr, bih: Ptr, bhh: Ptr, peep: Ptr, work: Ptr,
  T: number, B: number, I: number, H: number) => void;
type SumSq = (x: Ptr, n: number) => number;
type Scale = (x: Ptr, n: number, s: number) => void;
type CountNonFinite = (x: Ptr, n: number) => number;
type CountOutside = (x: Ptr, n: number) => number;
type Sgd = (p: Ptr, g: Ptr, v: Ptr, n: number, lr: number, momentum: number) => void;
type RmsProp = (p: Ptr, g: Ptr, ms: Ptr, mg: Ptr, v: Ptr, n: number,
  lr: number, decay: number, momentum: number, eps: number, floor: number, centered: 0 | 1) => void;
type Adam = (p: Ptr, g: Ptr, m: Ptr, v: Ptr, n: number, lr: number, beta1: number, beta2: number, eps: number, step: number) => void;
type FillRandom = (dst: Ptr, n: number, a: number, b: number, state: Ptr) => void;
type WeightNoise = (dst: Ptr, src: Ptr, n: number, sigma: number, state: Ptr) => void;
type BiasRows = (C: Ptr, ldc: number, b: Ptr, M: number, N: number) => void;
type ColSum = (db: Ptr, A: Ptr, lda: number, M: number, N: number) => void;
type SoftmaxRows = (y: Ptr, z: Ptr, N: number, O: number) => void;
/** The mixture-of-Gaussians loss: z rows of K·(1+2D) = [a | μ | s], y rows of D values. */
type MogLoss = (dz: Ptr, z: Ptr, y: Ptr, mask: Ptr, N: number, K: number, D: number) => number;
/** out rows [π | μ | σ] from z rows [a | μ | s]; out may equal z. */
type MogParams = (out: Ptr, z: Ptr, N: number, K: number, D: number) => void;

/** The kernels that have a `_scalar` twin with the same signature and result. */
interface Twinned {
  /** x (T, B, I) → hs (T+1, B, H), hs[0] = h0 on entry. */
  cell_forward: CellForward;
  /** dhs (T, B, H) from above → every d* accumulated (+=); dx, dh0, dc0, dpeep may be 0. */
  cell_backward: CellBackward;
  /** Every row of C (M, N) ← b. */
  bias_rows_f32: BiasRows;
  /** db[n] += Σ_i A[i, n] (accumulates). */
  colsum_f32: ColSum;
  /** Σ mask·(softplus(z) − y·z); dz = mask·(σ(z) − y). */
  bernoulli_nll: HeadLoss;
  /** labels i32 (N); Σ mask·(logsumexp(z) − z_label); dz = mask·(softmax − onehot). */
  softmax_xent: HeadLoss;
  softmax_rows_f32: SoftmaxRows;
  /** Σ mask·(−log Σ_k π_k Π_d N(y_d; μ_kd, σ_kd²)); dz = mask·∂/∂z (may alias z). */
  mog_nll: MogLoss;
  mog_params: MogParams;
  sum_sq_f32: SumSq;
  scale_f32: Scale;
  count_nonfinite_f32: CountNonFinite;
  /** how many of n floats are outside [0, 1] (NaN counts, −0 does not). */
  count_outside_unit_f32: CountOutside;
  sgd_step: Sgd;
  rmsprop_step: RmsProp;
  adam_step: Adam;
  /** U(lo, hi). */
  fill_uniform_f32: FillRandom;
  /** N(mean, std²). */
  fill_normal_f32: FillRandom;
  /** dst = src + σ·N(0, 1). */
  weight_noise_f32: WeightNoise;
}

/** `name` and `name_scalar` for every kernel of T. */
type WithScalarTwins<T> = { [K in keyof T as K | `${K & string}_scalar`]: T[K] };

/** The core's exports. */
export interface Kernels extends WithScalarTwins<Twinned> {
  // --- memory (assembly/mem.ts)
  /** First byte free for the arena (64-byte aligned). */
  heap_base(): Ptr;
  /** 0 scalar-only, 1 SIMD, 2 SIMD + relaxed SIMD. */
  simd_level(): number;
  fill_f32(dst: Ptr, n: number, value: number): void;
  copy_f32(dst: Ptr, src: Ptr, n: number): void;

  // --- GEMM (assembly/gemm/): the dispatchers, the tiled kernels and the reference loops
  /** Floats of a packed (K, N) matrix: ceil(N/8)·8·K. */
  packed_size(K: number, N: number): number;
  pack_b_f32(Bp: Ptr, B: Ptr, ldb: number, K: number, N: number): void;
  /** The panels of Sᵀ, S being (N, K) with row stride lds. */
  pack_bt_f32(Bp: Ptr, S: Ptr, lds: number, K: number, N: number): void;
  gemm_f32: Gemm; gemm_f32_ref: Gemm; gemm_f32_4x8_simd: Gemm; gemm_f32_4x8_scalar: Gemm;
  gemm_tn_f32: GemmTN; gemm_tn_f32_ref: GemmTN; gemm_tn_f32_4x8_simd: GemmTN; gemm_tn_f32_4x8_scalar: GemmTN;
  /** A register-only FMA loop (benchmarks): iters × 8 lanes × 16 accumulators. */
  simd_madd_peak(iters: number): number;

  // --- activations (assembly/act/)
  act_tanh_f32_simd: ArrayAct; act_tanh_f32_scalar: ArrayAct; act_sigmoid_f32_simd: ArrayAct; act_sigmoid_f32_scalar: ArrayAct;

  // --- cells (assembly/cell/)
  cell_gates(kind: CellKind): number;
  cell_packed_size(kind: CellKind, I: number, H: number): number;
  /** Packs W (I, G·H) and U (H, G·H) and what backward needs into `packed`. */
  cell_pack(kind: CellKind, packed: Ptr, W: Ptr, U: Ptr, I: number, H: number): void;
  cell_saved_size(kind: CellKind, T: number, B: number, H: number): number;
  cell_work_size(kind: CellKind, T: number, B: number, H: number): number;

  // --- randomness (assembly/optim/)
  /** xoshiro128** state (4 u32 at `state`) from a 64-bit seed in two halves. */
  rng_seed(state: Ptr, seed_lo: number, seed_hi: number): void;
}

export type KernelName = keyof Kernels;

/** Every kernel name, in the order of docs/DESIGN.md. `satisfies` keeps this list and the
 *  interface above in step: a name missing here or unknown there fails to compile. */
export const KERNEL_NAMES = [
  'heap_base', 'simd_level', 'fill_f32', 'copy_f32',
  'packed_size', 'pack_b_f32', 'pack_bt_f32', 'gemm_f32', 'gemm_f32_ref', 'gemm_f32_4x8_simd', 'gemm_f32_4x8_scalar',
  'gemm_tn_f32', 'gemm_tn_f32_ref', 'gemm_tn_f32_4x8_simd', 'gemm_tn_f32_4x8_scalar', 'simd_madd_peak',
  'act_tanh_f32_simd', 'act_tanh_f32_scalar', 'act_sigmoid_f32_simd', 'act_sigmoid_f32_scalar',
  'cell_gates', 'cell_packed_size', 'cell_pack', 'cell_saved_size', 'cell_work_size',
  'cell_forward', 'cell_forward_scalar', 'cell_backward', 'cell_backward_scalar',
  'bias_rows_f32', 'bias_rows_f32_scalar', 'colsum_f32', 'colsum_f32_scalar', 'bernoulli_nll', 'bernoulli_nll_scalar',
  'softmax_xent', 'softmax_xent_scalar', 'softmax_rows_f32', 'softmax_rows_f32_scalar',
  'mog_nll', 'mog_nll_scalar', 'mog_params', 'mog_params_scalar',
  'sum_sq_f32', 'sum_sq_f32_scalar', 'scale_f32', 'scale_f32_scalar', 'count_nonfinite_f32', 'count_nonfinite_f32_scalar',
  'count_outside_unit_f32', 'count_outside_unit_f32_scalar',
  'sgd_step', 'sgd_step_scalar', 'rmsprop_step', 'rmsprop_step_scalar', 'adam_step', 'adam_step_scalar',
  'rng_seed', 'fill_uniform_f32', 'fill_uniform_f32_scalar', 'fill_normal_f32', 'fill_normal_f32_scalar',
  'weight_noise_f32', 'weight_noise_f32_scalar',
] as const satisfies readonly KernelName[];

// Compile-time check of the other direction: every interface key is in KERNEL_NAMES.
type Missing = Exclude<KernelName, (typeof KERNEL_NAMES)[number]>;
const everyKernelListed: [Missing] extends [never] ? true : Missing = true;
void everyKernelListed;

/** The typed kernels of an instance; a module lacking one of them is refused here, once. */
export function bindKernels(exports: WebAssembly.Exports, build: string): Kernels {
  const out: Partial<Record<KernelName, unknown>> = {};
  for (const name of KERNEL_NAMES) {
    const f = exports[name];
    if (typeof f !== 'function') throw new KernelError(`the WebAssembly core (build ${build}) has no export '${name}': rebuild it with \`npm run asbuild\``);
    out[name] = f;
  }
  return out as Kernels;
}
