// Platform-neutral data layer: piano rolls, the synthetic data set, the seeded PRNG and the
// batchers. Node-only loading lives in load-node.ts.
export * from './pianoroll.js';
export * from './rng.js';
export * from './synthetic.js';
export * from './batcher.js';
