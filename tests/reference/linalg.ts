// Plain float64 vector helpers for the reference. Matrices are row-major Float64Arrays in
// PyTorch orientation: a gate matrix (G·H, C) has one row per gate unit. `r0` picks the first
// row of a block, so `rows r0 .. r0+R` is one gate block (or several consecutive blocks).

/** y(R) += A[r0 .. r0+R, :] · x(C) */
export function matVecAdd(y: Float64Array, A: Float64Array, x: Float64Array, r0: number, R: number, C: number): void {
  for (let r = 0; r < R; r++) {
    let s = 0;
    const row = (r0 + r) * C;
    for (let c = 0; c < C; c++) s += A[row + c] * x[c];
    y[r] += s;
  }
}

/** x(C) += A[r0 .. r0+R, :]ᵀ · y(R) */
export function matTVecAdd(x: Float64Array, A: Float64Array, y: Float64Array, r0: number, R: number, C: number): void {
  for (let r = 0; r < R; r++) {
    const yr = y[r];
    const row = (r0 + r) * C;
    for (let c = 0; c < C; c++) x[c] += A[row + c] * yr;
  }
}

/** A[r0 .. r0+R, :] += y(R) ⊗ x(C) */
export function outerAdd(A: Float64Array, y: Float64Array, x: Float64Array, r0: number, R: number, C: number): void {
  for (let r = 0; r < R; r++) {
    const yr = y[r];
    const row = (r0 + r) * C;
    for (let c = 0; c < C; c++) A[row + c] += yr * x[c];
  }
}

/** y[off .. off+n] += x(n) */
export function addTo(y: Float64Array, x: Float64Array, off = 0, n = x.length): void {
  for (let k = 0; k < n; k++) y[off + k] += x[k];
}

export const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** log(1 + e^v) without overflow. */
export const softplus = (v: number): number => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
