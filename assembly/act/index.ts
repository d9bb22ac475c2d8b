// Vectorised gate nonlinearities. tanh4 / sigmoid4 are the @inline lane functions the cells
// use; act_*_f32_simd / _scalar are the array kernels (tested against each other).
export { act_tanh_f32_simd, act_tanh_f32_scalar, act_sigmoid_f32_simd, act_sigmoid_f32_scalar } from "./act_f32";
