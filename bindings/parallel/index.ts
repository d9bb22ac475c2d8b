// Data-parallel training over worker threads (Node only): exported from bindings/node.ts.
export { ParallelTrainer, type ParallelOptions, type ParallelStats } from './parallel-node.js';
export { trainParallel, evaluateNllParallel, type ParallelTrainConfig } from './train-node.js';
