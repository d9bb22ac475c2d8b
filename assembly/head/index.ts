// exports of assembly/head — see docs/DESIGN.md "Heads". One kernel family per file; every
// SIMD kernel has a `_scalar` twin with the same signature (the tests compare them).
export { bias_rows_f32, bias_rows_f32_scalar } from "./bias_rows_f32";
export { colsum_f32, colsum_f32_scalar } from "./colsum_f32";
export { bernoulli_nll, bernoulli_nll_scalar } from "./bernoulli_nll_f32";
export { softmax_xent, softmax_xent_scalar } from "./softmax_xent_f32";
export { softmax_rows_f32, softmax_rows_f32_scalar } from "./softmax_rows_f32";
export { mog_nll, mog_nll_scalar, mog_params, mog_params_scalar } from "./mog_f32";
