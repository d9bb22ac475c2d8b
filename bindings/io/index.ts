// Platform-neutral file formats. Node-only file access lives in file-node.ts.
export * from './safetensors.js';
export * from './json-strict.js';
export * from './pickle.js';
