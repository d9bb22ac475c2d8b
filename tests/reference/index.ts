// The float64 reference implementation: written apart from the WebAssembly kernels, read
// like the equations in docs/DESIGN.md, used by the gradient-check tests and bench/reference.mjs.
export * from './types.js';
export * from './rnn.js';
export { Rng } from './random.js';
export { tanhForward, tanhBackward } from './tanh.js';
export { lstmForward, lstmBackward } from './lstm.js';
export { gruForward, gruBackward } from './gru.js';
export { sigmoid, softplus } from './linalg.js';
