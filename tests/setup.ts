// Each vitest worker is a forked process: turn on relaxed SIMD before any module compiles.
import { enableRelaxedSimd } from '../bindings/core-node.js';
enableRelaxedSimd();
