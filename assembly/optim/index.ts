// exports of assembly/optim — see docs/DESIGN.md "Optimizers and randomness". One kernel family
// per file; every SIMD kernel has a `_scalar` twin with the same signature. Scalar
// hyperparameters are f64 (exact from JavaScript) and rounded to f32 once per call.
export { sum_sq_f32, sum_sq_f32_scalar } from "./sum_sq_f32";
export { scale_f32, scale_f32_scalar } from "./scale_f32";
export { count_nonfinite_f32, count_nonfinite_f32_scalar } from "./count_nonfinite_f32";
export { count_outside_unit_f32, count_outside_unit_f32_scalar } from "./count_outside_unit_f32";
export { sgd_step, sgd_step_scalar } from "./sgd_step";
export { rmsprop_step, rmsprop_step_scalar } from "./rmsprop_step";
export { adam_step, adam_step_scalar } from "./adam_step";
export { rng_seed } from "./rng_xoshiro128";
export { fill_uniform_f32, fill_uniform_f32_scalar } from "./rng_uniform_f32";
export { fill_normal_f32, fill_normal_f32_scalar, weight_noise_f32, weight_noise_f32_scalar } from "./rng_normal_f32";
