// The compute path of a model, kernel by kernel, over the arena (arena.ts): pack the weights
// (with weight noise for a training update), forward through every layer and the head, and
// backward through time. No math happens here; the kernels are docs/DESIGN.md's.
import type { Core } from '../wasm.js';
import { getHead } from '../head/registry.js';
import type { ResolvedConfig } from './config.js';
import type { Arena, ActPtrs } from './arena.js';
import type { States } from './batch.js';

/** Packs the weights for the cells and the head; with σ > 0 from W + σ·ε (one noise draw per
 *  noisy tensor, in table order, from the arena's RNG stream). */
export function packWeights(core: Core, c: ResolvedConfig, a: Arena, sigma: number): void {
  const k = core.k, H = c.hiddenSize, O = c.head.outputs;
  for (const L of a.layers) {
    let W = L.W, U = L.U;
    if (sigma > 0) {
      for (const n of L.noisy) k.weight_noise_f32(n.dst, n.src, n.spec.size, sigma, a.rng);
      for (const n of L.noisy) { if (n.spec.role === 'W') W = n.dst; else if (n.spec.role === 'U') U = n.dst; }
    }
    k.cell_pack(c.kind, L.packed, W, U, L.I, H);
  }
  if (O === 0) return; // no head
  k.pack_b_f32(a.head.Vp, a.head.V, O, H, O);   // V (H, O) → panels for z += h·V
  k.pack_bt_f32(a.head.VTp, a.head.V, O, O, H); // Vᵀ (O, H) → panels for dh += dz·Vᵀ
}

/** Forward through every layer and the head's logits for the batch in the arena; returns the
 *  number of counted frames (Σ mask). */
export function forward(core: Core, c: ResolvedConfig, a: Arena, p: ActPtrs, states: States): number {
  const k = core.k, H = c.hiddenSize, O = c.head.outputs, T = p.T, B = p.B, BH = B * H, N = T * B;
  for (let l = 0; l < c.layers; l++) {
    const L = a.layers[l];
    if (states.h0) core.f32(p.hs[l], BH).set(states.h0[l]); else k.fill_f32(p.hs[l], BH, 0);
    if (c.unit === 'lstm') { if (states.c0) core.f32(p.saved[l], BH).set(states.c0[l]); else k.fill_f32(p.saved[l], BH, 0); }
    const x = l === 0 ? p.x : p.hs[l - 1] + BH * 4; // the layer below's hs[1..T]
    k.cell_forward(c.kind, p.hs[l], p.saved[l], x, L.packed, L.bih, L.bhh, L.peep, T, B, L.I, H);
  }
  const top = p.hs[c.layers - 1] + BH * 4;
  if (O > 0) {
    k.bias_rows_f32(p.z, O, a.head.c, N, O);
    k.gemm_f32(p.z, O, top, H, a.head.Vp, N, O, H);
  }
  let frames = 0;
  const m = core.f32(p.mask, N);
  for (let i = 0; i < N; i++) frames += m[i];
  return frames;
}

/** The head's summed loss of the logits in the arena; with `grad`, also dz = ∂loss/∂z. */
export function headLoss(core: Core, c: ResolvedConfig, p: ActPtrs, grad: boolean): number {
  return getHead(c.head.type).loss(core, grad ? p.dz : 0, p.z, p.y, p.mask, p.T * p.B, c.head);
}

/** The head's output distribution (T·B, O) into p.probs. */
export function headOutputs(core: Core, c: ResolvedConfig, p: ActPtrs): void {
  getHead(c.head.type).outputs(core, p.probs, p.z, p.T * p.B, c.head);
}

/** Backward from dz through the head and every layer; gradients accumulate into the grads
 *  region (zero it first). `inputGrad`: also ∂loss/∂x into p.dx0; `stateGrad`: ∂loss/∂h0, c0. */
export function backward(core: Core, c: ResolvedConfig, a: Arena, p: ActPtrs, inputGrad: boolean, stateGrad: boolean): void {
  const k = core.k, H = c.hiddenSize, O = c.head.outputs, T = p.T, B = p.B, N = T * B, BH = B * H;
  const top = p.hs[c.layers - 1] + BH * 4;
  k.gemm_tn_f32(a.head.dV, O, top, H, p.dz, O, H, O, N); // dV (H, O) += topᵀ·dz
  k.colsum_f32(a.head.dc, p.dz, O, N, O);               // dc (O) += Σ rows of dz
  const dtop = p.dhs[c.layers - 1];
  k.fill_f32(dtop, N * H, 0);
  k.gemm_f32(dtop, H, p.dz, O, a.head.VTp, N, H, O);     // dhs (N, H) = dz·Vᵀ
  for (let l = c.layers - 1; l >= 0; l--) {
    const L = a.layers[l];
    let dx = 0;
    if (l > 0) { dx = p.dhs[l - 1]; k.fill_f32(dx, N * H, 0); }
    else if (inputGrad) { dx = p.dx0; k.fill_f32(dx, N * L.I, 0); }
    if (stateGrad) { k.fill_f32(p.dh0[l], BH, 0); k.fill_f32(p.dc0[l], BH, 0); }
    const x = l === 0 ? p.x : p.hs[l - 1] + BH * 4;
    k.cell_backward(c.kind, dx, stateGrad ? p.dh0[l] : 0, stateGrad && c.unit === 'lstm' ? p.dc0[l] : 0,
      L.dW, L.dU, L.dbih, L.dbhh, L.dpeep,
      p.dhs[l], p.hs[l], p.saved[l], x, L.packed, L.bih, L.bhh, L.peep, p.work[l], T, B, L.I, H);
  }
}
