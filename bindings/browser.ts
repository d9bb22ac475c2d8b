// Browser entry point: the same API as bindings/node.ts, the core fetched (or given as bytes).
import { instantiateCore, RELAXED_PROBE, type BuildKind } from './wasm.js';
import { Model } from './model/model.js';
import { modelToSafetensors, parseModelFile, modelFromParsed } from './model/file.js';
import type { ModelConfig } from './model/types.js';

export * from './index.js';

export interface BrowserCoreOptions {
  /** Folder (URL) holding gatedrnn.simd.wasm and gatedrnn.relaxed.wasm; default: next to this module's ../build/. */
  wasmBase?: string | URL;
  build?: BuildKind;
}

const compiled = new Map<string, Promise<WebAssembly.Module>>();

export function browserDefaultBuild(): BuildKind {
  return WebAssembly.validate(RELAXED_PROBE) ? 'relaxed' : 'simd';
}

async function compile(opts: BrowserCoreOptions): Promise<{ module: WebAssembly.Module; build: BuildKind }> {
  const build = opts.build ?? browserDefaultBuild();
  const base = opts.wasmBase ?? new URL('../build/', import.meta.url);
  const url = new URL(`gatedrnn.${build}.wasm`, base).href;
  let p = compiled.get(url);
  if (!p) {
    p = fetch(url).then(async (r) => {
      if (!r.ok) throw new Error(`could not fetch the gatedrnn core from ${url}: HTTP ${r.status}`);
      return WebAssembly.compile(await r.arrayBuffer());
    });
    compiled.set(url, p);
  }
  return { module: await p, build };
}

export async function createModel(config: ModelConfig, opts: BrowserCoreOptions = {}): Promise<Model> {
  const { module, build } = await compile(opts);
  return new Model(config, await instantiateCore(module, build));
}

export async function modelFromSafetensors(bytes: Uint8Array, opts: BrowserCoreOptions & { config?: ModelConfig } = {}): Promise<Model> {
  const parsed = parseModelFile(bytes, opts.config);
  const { module, build } = await compile(opts);
  return modelFromParsed(parsed, await instantiateCore(module, build));
}

export { modelToSafetensors };
