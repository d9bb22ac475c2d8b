// Node-only: reads the compiled cores (the shipped ones next to the bundle in dist/, else the
// repository's build/) and picks the build.
import { existsSync, readFileSync } from 'node:fs';
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

/** Where the core of `build` is looked for, in order. The shipped builds (relaxed, simd) sit next
 *  to the bundle (dist/, where scripts/bundle.mjs copies them; the package ships only those);
 *  ../build/ is the repository's asc output, from dist/ or from bindings/ (the TypeScript sources
 *  under vitest), and the only home of the debug build, which the package does not ship. */
export function wasmCandidates(build: BuildKind): URL[] {
  const repo = new URL(`../build/gatedrnn.${build}.wasm`, import.meta.url);
  return build === 'debug' ? [repo] : [new URL(`./gatedrnn.${build}.wasm`, import.meta.url), repo];
}

/** The first candidate that exists (else the first one, for the error message). */
export function wasmPath(build: BuildKind): URL {
  const all = wasmCandidates(build);
  return all.find((u) => existsSync(u)) ?? all[0];
}

export function compileCore(build: BuildKind = defaultBuild()): WebAssembly.Module {
  let m = modules.get(build);
  if (!m) {
    if (build === 'relaxed') enableRelaxedSimd();
    let bytes: Uint8Array<ArrayBuffer>;
    const url = wasmPath(build);
    try { bytes = new Uint8Array(readFileSync(url)); } catch {
      const where = wasmCandidates(build).map((u) => u.pathname).join(' or ');
      throw new NotFoundError(build === 'debug'
        ? `the debug WebAssembly core is not at ${where}: it is not shipped in the package; in the repository, \`npm run asbuild:debug\` writes it`
        : `WebAssembly core not found at ${where}: run \`npm run build\` first`);
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
