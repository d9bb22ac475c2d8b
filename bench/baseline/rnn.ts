// The pure-JS baseline of the benchmark: one recurrent layer (tanh-RNN, LSTM with or without
// peepholes, GRU reset-after or reset-before) and a Bernoulli head, forward + BPTT + RMSProp,
// in plain TypeScript over typed arrays. The math and the layouts are those of docs/DESIGN.md:
// time-major (T, B, ·), W (I, G·H), U (H, G·H), gate order i f g o / r z n, two biases,
// peep = [p_i | p_f | p_o]. It is meant to be a competent pure-JS implementation, not a
// strawman: every buffer is allocated once, the input projection for all T steps is one
// product before the time loop, the weight gradients are one product each after it, and every
// matrix product is a row·row dot product over contiguous memory with four independent
// accumulators (measured here about 2× the plain i-k-j loop, which V8 does not vectorise);
// the right operand is transposed once per call where needed (weights once per step).
//
// Loss: Σ over frames and outputs of the Bernoulli NLL softplus(z) − y·z (nats), no mask;
// the gradients are those of that sum.

export type Unit = 'tanh' | 'lstm' | 'gru';

export interface BaselineConfig {
  unit: Unit;
  /** LSTM only (default false). */
  peepholes?: boolean;
  /** GRU only (default true = PyTorch form). */
  resetAfter?: boolean;
  inputSize: number;
  hiddenSize: number;
  outputSize: number;
  /** Steps and batch the buffers are sized for. */
  T: number;
  B: number;
  /** Float64Array everywhere instead of Float32Array (for gradient checks). */
  f64?: boolean;
}

export interface RmspropOptions {
  lr: number;
  decay: number;
  momentum: number;
  eps: number;
  /** Lower bound of the RMS denominator (the paper's code: 0.01; PyTorch: 0). */
  floor: number;
}

type Arr = Float32Array | Float64Array;

/** One named parameter tensor inside the flat parameter vector. */
export interface ParamEntry {
  name: 'W' | 'U' | 'bih' | 'bhh' | 'peep' | 'V' | 'c';
  offset: number;
  shape: number[];
}

/** C(M,N) += A(M,K)·Bᵀ where B is (N,K) row-major: row·row dot products, 4 accumulators. */
function matmulNtAcc(
  C: Arr, c0: number, ldc: number,
  A: Arr, a0: number, lda: number,
  Bm: Arr, b0: number, ldb: number,
  M: number, N: number, K: number,
): void {
  const K4 = K & ~3;
  for (let i = 0; i < M; i++) {
    const ai = a0 + i * lda;
    const ci = c0 + i * ldc;
    for (let j = 0; j < N; j++) {
      const bj = b0 + j * ldb;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let k = 0;
      for (; k < K4; k += 4) {
        s0 += A[ai + k] * Bm[bj + k];
        s1 += A[ai + k + 1] * Bm[bj + k + 1];
        s2 += A[ai + k + 2] * Bm[bj + k + 2];
        s3 += A[ai + k + 3] * Bm[bj + k + 3];
      }
      for (; k < K; k++) s0 += A[ai + k] * Bm[bj + k];
      C[ci + j] += (s0 + s1) + (s2 + s3);
    }
  }
}

/** dst (cols, rows) ← the (rows, cols) block of src starting at s0 with leading dimension lds. */
function transposeInto(dst: Arr, src: Arr, s0: number, lds: number, rows: number, cols: number): void {
  for (let i = 0; i < rows; i++) {
    const si = s0 + i * lds;
    for (let j = 0; j < cols; j++) dst[j * rows + i] = src[si + j];
  }
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

export class BaselineRnn {
  readonly unit: Unit;
  readonly peepholes: boolean;
  readonly resetAfter: boolean;
  readonly I: number;
  readonly H: number;
  readonly O: number;
  readonly G: number;
  readonly T: number;
  readonly B: number;
  /** Flat parameters in the arena order W, U, bih, bhh, [peep], V, c. */
  readonly params: Arr;
  /** Gradients, same layout. */
  readonly grads: Arr;
  readonly layout: ParamEntry[];

  // Views into params / grads.
  private W: Arr; private U: Arr; private bih: Arr; private bhh: Arr; private peep: Arr;
  private V: Arr; private c: Arr;
  private dW: Arr; private dU: Arr; private dbih: Arr; private dbhh: Arr; private dpeep: Arr;
  private dV: Arr; private dc: Arr;

  // RMSProp state.
  private ms: Arr; private mom: Arr;

  // Activations, sized once.
  private xp: Arr;    // (T, B, GH) x·W + biases (the n block of the reset-after GRU: bih only)
  private acts: Arr;  // (T, B, GH) gate values after their nonlinearity
  private hs: Arr;    // (T+1, B, H)
  private cs: Arr;    // (T+1, B, H) LSTM cell states
  private aux: Arr;   // (T, B, H) LSTM tanh(c'); GRU reset-after h·U_n + bhh_n; reset-before r⊙h
  private z: Arr;     // (T, B, O) head logits, then dz in backward
  private dhs: Arr;   // (T, B, H) ∂L/∂h from the head
  private dG: Arr;    // (T, B, GH) gradients of the gate pre-activations (x side)
  private dh: Arr;    // (B, H) running ∂L/∂h_t
  private dhPrev: Arr; // (B, H)
  private dcT: Arr;   // (B, H) running ∂L/∂c_t
  private tmp: Arr;   // (B, H) scratch (reset-before GRU: ∂L/∂(r⊙h))
  private dGh: Arr;   // (T, B, GH) reset-after GRU: gradients on the recurrent side (U, bhh)
  private WT: Arr; private UT: Arr; private VT: Arr; // (GH, I), (GH, H), (O, H) per call
  private tA: Arr; private tB: Arr; // transposes for the weight-gradient products

  constructor(cfg: BaselineConfig) {
    const { inputSize: I, hiddenSize: H, outputSize: O, T, B } = cfg;
    for (const [k, v] of Object.entries({ I, H, O, T, B })) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`baseline: ${k} must be a positive integer, got ${v}`);
    }
    this.unit = cfg.unit;
    this.peepholes = cfg.unit === 'lstm' && !!cfg.peepholes;
    this.resetAfter = cfg.unit === 'gru' && (cfg.resetAfter ?? true);
    const G = cfg.unit === 'tanh' ? 1 : cfg.unit === 'lstm' ? 4 : 3;
    this.I = I; this.H = H; this.O = O; this.G = G; this.T = T; this.B = B;
    const GH = G * H;
    const F = cfg.f64 ? Float64Array : Float32Array;

    const shapes: [ParamEntry['name'], number[]][] = [
      ['W', [I, GH]], ['U', [H, GH]], ['bih', [GH]], ['bhh', [GH]],
      ...(this.peepholes ? [['peep', [3 * H]] as [ParamEntry['name'], number[]]] : []),
      ['V', [H, O]], ['c', [O]],
    ];
    this.layout = [];
    let n = 0;
    for (const [name, shape] of shapes) {
      this.layout.push({ name, offset: n, shape });
      n += shape.reduce((a, b) => a * b, 1);
    }
    this.params = new F(n);
    this.grads = new F(n);
    this.ms = new F(n);
    this.mom = new F(n);
    const view = (a: Arr, name: ParamEntry['name']): Arr => {
      const e = this.layout.find((l) => l.name === name);
      if (!e) return new F(0);
      return a.subarray(e.offset, e.offset + e.shape.reduce((x, y) => x * y, 1));
    };
    this.W = view(this.params, 'W'); this.U = view(this.params, 'U');
    this.bih = view(this.params, 'bih'); this.bhh = view(this.params, 'bhh');
    this.peep = view(this.params, 'peep'); this.V = view(this.params, 'V'); this.c = view(this.params, 'c');
    this.dW = view(this.grads, 'W'); this.dU = view(this.grads, 'U');
    this.dbih = view(this.grads, 'bih'); this.dbhh = view(this.grads, 'bhh');
    this.dpeep = view(this.grads, 'peep'); this.dV = view(this.grads, 'V'); this.dc = view(this.grads, 'c');

    this.xp = new F(T * B * GH);
    this.acts = new F(T * B * GH);
    this.hs = new F((T + 1) * B * H);
    this.cs = new F(this.unit === 'lstm' ? (T + 1) * B * H : 0);
    this.aux = new F(this.unit === 'tanh' ? 0 : T * B * H);
    this.z = new F(T * B * O);
    this.dhs = new F(T * B * H);
    this.dG = new F(T * B * GH);
    this.dGh = new F(this.resetAfter ? T * B * GH : 0);
    this.WT = new F(GH * I);
    this.UT = new F(GH * H);
    this.VT = new F(O * H);
    this.tA = new F(Math.max(I, H) * T * B);
    this.tB = new F(Math.max(GH, O) * T * B);
    this.dh = new F(B * H);
    this.dhPrev = new F(B * H);
    this.dcT = new F(B * H);
    this.tmp = new F(B * H);
  }

  /** Bytes held by the parameter, gradient, optimizer and activation buffers. */
  bytes(): number {
    const all = [this.params, this.grads, this.ms, this.mom, this.xp, this.acts, this.hs, this.cs, this.aux,
      this.z, this.dhs, this.dG, this.dGh, this.dh, this.dhPrev, this.dcT, this.tmp, this.WT, this.UT, this.VT,
      this.tA, this.tB];
    return all.reduce((s, a) => s + a.byteLength, 0);
  }

  /** Deterministic init: W, V ~ U(−0.1, 0.1), U ~ U(−1/√H, 1/√H), biases and peepholes small. */
  init(seed = 1): void {
    let s = seed >>> 0 || 1;
    const rnd = (): number => { // xorshift32 in [0, 1)
      s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
      return s / 4294967296;
    };
    const r = 1 / Math.sqrt(this.H);
    for (const e of this.layout) {
      const n = e.shape.reduce((a, b) => a * b, 1);
      const a = e.name === 'U' ? r : e.name === 'W' || e.name === 'V' ? 0.1 : 0.05;
      for (let i = 0; i < n; i++) this.params[e.offset + i] = (2 * rnd() - 1) * a;
    }
    this.ms.fill(0);
    this.mom.fill(0);
  }

  /** The head output probabilities σ(z) of the last forward, (T, B, O), into `out`. */
  probabilities(out: Arr): void {
    const n = this.T * this.B * this.O;
    for (let i = 0; i < n; i++) out[i] = sigmoid(this.z[i]);
  }

  /** Hidden states of the last forward, (T+1, B, H) with hs[0] = 0. */
  hidden(): Arr { return this.hs; }

  /** Forward over x (T, B, I); returns Σ Bernoulli NLL if y (T, B, O) is given, else 0. */
  forward(x: ArrayLike<number>, y?: ArrayLike<number>): number {
    const { I, H, O, G, T, B } = this;
    const GH = G * H;
    const { W, U, V, WT, UT, VT, bih, bhh, peep, xp, acts, hs, cs, aux } = this;
    const TB = T * B;
    // The weights as (output, input) rows for the dot-product form, once per call.
    transposeInto(WT, W, 0, GH, I, GH);
    transposeInto(UT, U, 0, GH, H, GH);
    transposeInto(VT, V, 0, O, H, O);

    // Input projection for all T steps: xp = x·W + bih (+ bhh except the reset-after n block).
    const nAfter = this.resetAfter ? 2 * H : GH;
    for (let r = 0; r < TB; r++) {
      const o = r * GH;
      for (let j = 0; j < GH; j++) xp[o + j] = bih[j] + (j < nAfter ? bhh[j] : 0);
    }
    matmulNtAcc(xp, 0, GH, x as Arr, 0, I, WT, 0, I, TB, GH, I);

    hs.fill(0, 0, B * H);
    if (this.unit === 'lstm') cs.fill(0, 0, B * H);

    for (let t = 0; t < T; t++) {
      const h0 = t * B * H;       // hs[t]
      const h1 = (t + 1) * B * H; // hs[t+1]
      const g0 = t * B * GH;      // this step's rows of xp / acts
      // acts[t] ← xp[t], then += h·U (the reset-before GRU: r and z blocks only).
      acts.set(xp.subarray(g0, g0 + B * GH), g0);
      if (this.unit === 'tanh') {
        matmulNtAcc(acts, g0, GH, hs, h0, H, UT, 0, H, B, GH, H);
        for (let k = 0; k < B * H; k++) {
          const v = Math.tanh(acts[g0 + k]);
          acts[g0 + k] = v;
          hs[h1 + k] = v;
        }
      } else if (this.unit === 'lstm') {
        matmulNtAcc(acts, g0, GH, hs, h0, H, UT, 0, H, B, GH, H);
        for (let b = 0; b < B; b++) {
          const a = g0 + b * GH;
          const hb = b * H;
          for (let j = 0; j < H; j++) {
            const cPrev = cs[h0 + hb + j];
            let pi = acts[a + j], pf = acts[a + H + j];
            if (this.peepholes) { pi += peep[j] * cPrev; pf += peep[H + j] * cPrev; }
            const ig = sigmoid(pi), fg = sigmoid(pf), gg = Math.tanh(acts[a + 2 * H + j]);
            const cNew = fg * cPrev + ig * gg;
            let po = acts[a + 3 * H + j];
            if (this.peepholes) po += peep[2 * H + j] * cNew;
            const og = sigmoid(po);
            const tc = Math.tanh(cNew);
            acts[a + j] = ig; acts[a + H + j] = fg; acts[a + 2 * H + j] = gg; acts[a + 3 * H + j] = og;
            cs[h1 + hb + j] = cNew;
            aux[h0 + hb + j] = tc;
            hs[h1 + hb + j] = og * tc;
          }
        }
      } else if (this.resetAfter) {
        // aux[t] ← h·U_n + bhh_n; the r, z blocks take h·U_r, h·U_z in place.
        for (let b = 0; b < B; b++) aux.set(bhh.subarray(2 * H, 3 * H), h0 + b * H);
        matmulNtAcc(acts, g0, GH, hs, h0, H, UT, 0, H, B, 2 * H, H);
        matmulNtAcc(aux, h0, H, hs, h0, H, UT, 2 * H * H, H, B, H, H);
        for (let b = 0; b < B; b++) {
          const a = g0 + b * GH;
          const hb = b * H;
          for (let j = 0; j < H; j++) {
            const r = sigmoid(acts[a + j]);
            const zg = sigmoid(acts[a + H + j]);
            const n = Math.tanh(acts[a + 2 * H + j] + r * aux[h0 + hb + j]);
            acts[a + j] = r; acts[a + H + j] = zg; acts[a + 2 * H + j] = n;
            hs[h1 + hb + j] = (1 - zg) * n + zg * hs[h0 + hb + j];
          }
        }
      } else {
        matmulNtAcc(acts, g0, GH, hs, h0, H, UT, 0, H, B, 2 * H, H);
        for (let b = 0; b < B; b++) {
          const a = g0 + b * GH;
          const hb = b * H;
          for (let j = 0; j < 2 * H; j++) acts[a + j] = sigmoid(acts[a + j]);
          for (let j = 0; j < H; j++) aux[h0 + hb + j] = acts[a + j] * hs[h0 + hb + j]; // r⊙h
        }
        matmulNtAcc(acts, g0 + 2 * H, GH, aux, h0, H, UT, 2 * H * H, H, B, H, H);
        for (let b = 0; b < B; b++) {
          const a = g0 + b * GH;
          const hb = b * H;
          for (let j = 0; j < H; j++) {
            const n = Math.tanh(acts[a + 2 * H + j]);
            const zg = acts[a + H + j];
            acts[a + 2 * H + j] = n;
            hs[h1 + hb + j] = (1 - zg) * n + zg * hs[h0 + hb + j];
          }
        }
      }
    }

    // Head: z = h·V + c over all T·B rows.
    const { c, z } = this;
    for (let r = 0; r < TB; r++) z.set(c, r * O);
    matmulNtAcc(z, 0, O, hs, B * H, H, VT, 0, H, TB, O, H);
    if (!y) return 0;
    let loss = 0;
    for (let i = 0; i < TB * O; i++) {
      const v = z[i];
      // softplus(v) − y·v, computed stably
      loss += Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v))) - y[i] * v;
    }
    return loss;
  }

  /** Forward + BPTT; grads ← ∂loss/∂params (overwritten). Returns the loss. */
  lossAndGrad(x: ArrayLike<number>, y: ArrayLike<number>): number {
    const loss = this.forward(x, y);
    this.backward(x, y);
    return loss;
  }

  private backward(x: ArrayLike<number>, y: ArrayLike<number>): void {
    const { I, H, O, G, T, B, U, V, peep, acts, hs, cs, aux, z, dhs, dG, dGh, dh, dhPrev, dcT, tmp } = this;
    const GH = G * H;
    const TB = T * B;
    this.grads.fill(0);

    // Head: dz = σ(z) − y (in place in z); dV = Hᵀ dz; dc = Σ dz; dhs = dz·Vᵀ.
    for (let i = 0; i < TB * O; i++) z[i] = sigmoid(z[i]) - y[i];
    const { dV, dc } = this;
    for (let r = 0; r < TB; r++) for (let o = 0; o < O; o++) dc[o] += z[r * O + o];
    this.matmulTnAcc(dV, 0, O, hs, B * H, H, z, 0, O, H, O, TB);
    dhs.fill(0);
    matmulNtAcc(dhs, 0, H, z, 0, O, V, 0, O, TB, H, O);

    dh.fill(0);
    dcT.fill(0);
    const { dU, dpeep } = this;
    for (let t = T - 1; t >= 0; t--) {
      const h0 = t * B * H;
      const h1 = (t + 1) * B * H;
      const g0 = t * B * GH;
      for (let k = 0; k < B * H; k++) { dh[k] += dhs[h0 + k]; dhPrev[k] = 0; }

      if (this.unit === 'tanh') {
        for (let k = 0; k < B * H; k++) { const v = acts[g0 + k]; dG[g0 + k] = dh[k] * (1 - v * v); }
        matmulNtAcc(dhPrev, 0, H, dG, g0, GH, U, 0, GH, B, H, GH);
      } else if (this.unit === 'lstm') {
        for (let b = 0; b < B; b++) {
          const a = g0 + b * GH;
          const hb = b * H;
          for (let j = 0; j < H; j++) {
            const ig = acts[a + j], fg = acts[a + H + j], gg = acts[a + 2 * H + j], og = acts[a + 3 * H + j];
            const cPrev = cs[h0 + hb + j], cNew = cs[h1 + hb + j], tc = aux[h0 + hb + j];
            const dhv = dh[hb + j];
            const dao = dhv * tc * og * (1 - og);
            let dcv = dcT[hb + j] + dhv * og * (1 - tc * tc);
            if (this.peepholes) { dcv += dao * peep[2 * H + j]; dpeep[2 * H + j] += dao * cNew; }
            const dai = dcv * gg * ig * (1 - ig);
            const daf = dcv * cPrev * fg * (1 - fg);
            const dag = dcv * ig * (1 - gg * gg);
            let dcp = dcv * fg;
            if (this.peepholes) {
              dcp += dai * peep[j] + daf * peep[H + j];
              dpeep[j] += dai * cPrev;
              dpeep[H + j] += daf * cPrev;
            }
            dcT[hb + j] = dcp;
            dG[a + j] = dai; dG[a + H + j] = daf; dG[a + 2 * H + j] = dag; dG[a + 3 * H + j] = dao;
          }
        }
        matmulNtAcc(dhPrev, 0, H, dG, g0, GH, U, 0, GH, B, H, GH);
      } else if (this.resetAfter) {
        // dGh = [dar, daz, dan·r] feeds U and bhh; dG = [dar, daz, dan] feeds W and bih.
        for (let b = 0; b < B; b++) {
          const a = g0 + b * GH;
          const hb = b * H;
          for (let j = 0; j < H; j++) {
            const r = acts[a + j], zg = acts[a + H + j], n = acts[a + 2 * H + j];
            const dhv = dh[hb + j];
            const hp = hs[h0 + hb + j];
            const dan = dhv * (1 - zg) * (1 - n * n);
            const dar = dan * aux[h0 + hb + j] * r * (1 - r);
            const daz = dhv * (hp - n) * zg * (1 - zg);
            dG[a + j] = dar; dG[a + H + j] = daz; dG[a + 2 * H + j] = dan;
            dGh[a + j] = dar; dGh[a + H + j] = daz; dGh[a + 2 * H + j] = dan * r;
            dhPrev[hb + j] = dhv * zg;
          }
        }
        matmulNtAcc(dhPrev, 0, H, dGh, g0, GH, U, 0, GH, B, H, GH);
      } else {
        // Reset-before: ∂(r⊙h) = dan·U_nᵀ, then r's gradient; U_n sees r⊙h, U_r and U_z see h.
        for (let b = 0; b < B; b++) {
          const a = g0 + b * GH;
          const hb = b * H;
          for (let j = 0; j < H; j++) {
            const zg = acts[a + H + j], n = acts[a + 2 * H + j];
            const dhv = dh[hb + j];
            dG[a + 2 * H + j] = dhv * (1 - zg) * (1 - n * n);
            dG[a + H + j] = dhv * (hs[h0 + hb + j] - n) * zg * (1 - zg);
            dhPrev[hb + j] = dhv * zg;
            tmp[hb + j] = 0;
          }
        }
        matmulNtAcc(tmp, 0, H, dG, g0 + 2 * H, GH, U, 2 * H, GH, B, H, H);
        for (let b = 0; b < B; b++) {
          const a = g0 + b * GH;
          const hb = b * H;
          for (let j = 0; j < H; j++) {
            const r = acts[a + j];
            const drh = tmp[hb + j];
            dG[a + j] = drh * hs[h0 + hb + j] * r * (1 - r);
            dhPrev[hb + j] += drh * r;
          }
        }
        matmulNtAcc(dhPrev, 0, H, dG, g0, GH, U, 0, GH, B, H, 2 * H);
      }
      dh.set(dhPrev);
    }

    // Weight gradients, once for all steps: dU = Σ_t h_tᵀ·dG_t (the reset-before GRU's U_n sees
    // r⊙h; the reset-after GRU's U sees its own dGh), dW = xᵀ·dG, dbih = Σ dG, dbhh likewise.
    if (this.resetAfter) {
      this.matmulTnAcc(dU, 0, GH, hs, 0, H, dGh, 0, GH, H, GH, TB);
      const { dbhh } = this;
      for (let r = 0; r < TB; r++) for (let j = 0; j < GH; j++) dbhh[j] += dGh[r * GH + j];
    } else if (this.unit === 'gru') {
      this.matmulTnAcc(dU, 0, GH, hs, 0, H, dG, 0, GH, H, 2 * H, TB);
      this.matmulTnAcc(dU, 2 * H, GH, aux, 0, H, dG, 2 * H, GH, H, H, TB);
    } else {
      this.matmulTnAcc(dU, 0, GH, hs, 0, H, dG, 0, GH, H, GH, TB);
    }
    this.matmulTnAcc(this.dW, 0, GH, x as Arr, 0, I, dG, 0, GH, I, GH, TB);
    const { dbih, dbhh } = this;
    for (let r = 0; r < TB; r++) {
      const o = r * GH;
      for (let j = 0; j < GH; j++) dbih[j] += dG[o + j];
    }
    if (!this.resetAfter) dbhh.set(dbih);
  }

  /** C(M,N) += Aᵀ·B with A (K,M), B (K,N): both transposed into scratch, then dot products. */
  private matmulTnAcc(
    C: Arr, c0: number, ldc: number,
    A: Arr, a0: number, lda: number,
    Bm: Arr, b0: number, ldb: number,
    M: number, N: number, K: number,
  ): void {
    transposeInto(this.tA, A, a0, lda, K, M);
    transposeInto(this.tB, Bm, b0, ldb, K, N);
    matmulNtAcc(C, c0, ldc, this.tA, 0, K, this.tB, 0, K, M, N, K);
  }

  /** RMSProp as docs/DESIGN.md rmsprop_step (not centered). */
  rmspropStep(o: RmspropOptions): void {
    const { params: p, grads: g, ms, mom } = this;
    const rho = o.decay;
    for (let i = 0; i < p.length; i++) {
      const gi = g[i];
      const m = rho * ms[i] + (1 - rho) * gi * gi;
      ms[i] = m;
      const d = Math.max(Math.sqrt(m) + o.eps, o.floor);
      const v = o.momentum * mom[i] - (o.lr * gi) / d;
      mom[i] = v;
      p[i] += v;
    }
  }

  /** One training step: forward, BPTT, RMSProp. Returns the loss before the update. */
  trainStep(x: ArrayLike<number>, y: ArrayLike<number>, o: RmspropOptions): number {
    const loss = this.lossAndGrad(x, y);
    this.rmspropStep(o);
    return loss;
  }
}
