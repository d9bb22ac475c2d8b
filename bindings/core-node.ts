// Node-only: reads the compiled cores from build/ next to this package and picks the build.
import { readFileSync } from 'node:fs';
import v8 from 'node:v8';
import { Core, instantiateCore, RELAXED_PROBE, type BuildKind } from './wasm.js';
import { NotFoundError } from './errors.js';

const modules = new Map<BuildKind, WebAssembly.Module>();
let relaxedFlagSet = false;

/** Turns on relaxed SIMD in Node 20's V8 (must run before a relaxed module is compiled). */
export function enableRelaxedSimd(): boolean {
  if (!relaxedFlagSet) {
    if (!WebAssembly.validate(RELAXED_PROBE)) v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    relaxedFlagSet = true;
  }
  return WebAssembly.validate(RELAXED_PROBE);
}

/** The build used when none is named: GATEDRNN_BUILD if set, else relaxed where it runs. */
export function defaultBuild(): BuildKind {
  const env = process.env.GATEDRNN_BUILD as BuildKind | undefined;
  if (env === 'simd' || env === 'relaxed' || env === 'debug') return env;
  return enableRelaxedSimd() ? 'relaxed' : 'simd';
}

export function wasmPath(build: BuildKind): URL {
  return new URL(`../build/gatedrnn.${build}.wasm`, import.meta.url);
}

export function compileCore(build: BuildKind = defaultBuild()): WebAssembly.Module {
  let m = modules.get(build);
  if (!m) {
    if (build === 'relaxed') enableRelaxedSimd();
    let bytes: Uint8Array<ArrayBuffer>;
    const url = wasmPath(build);
    try { bytes = new Uint8Array(readFileSync(url)); } catch {
      throw new NotFoundError(`WebAssembly core not found at ${url.pathname}: run \`npm run build\` first`);
    }
    m = new WebAssembly.Module(bytes);
    modules.set(build, m);
  }
  return m;
}

/** A fresh core instance (its own memory) of the given build. */
export function loadCore(build: BuildKind = defaultBuild()): Promise<Core> {
  return instantiateCore(compileCore(build), build);
}
