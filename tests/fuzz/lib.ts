// What scripts/fuzz.mjs uses from the fuzz suite in its own process (bundled with esbuild):
// regenerating a case to save it, replaying and shrinking a failing input.
export { PARSERS, EXTENSION, generateCase } from './generators.js';
export { createContext, judge } from './targets.js';
export { shrink, signature } from './shrink.js';
