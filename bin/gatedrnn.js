#!/usr/bin/env node
// The `gatedrnn` command: relaxed SIMD must be enabled before any WebAssembly compiles.
import v8 from 'node:v8';
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
const { main } = await import('../dist/cli.js');
process.exitCode = await main(process.argv.slice(2));
