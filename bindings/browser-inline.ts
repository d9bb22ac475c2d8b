// Single-file browser entry point (`gatedrnn/browser-inline`): the API of bindings/browser.ts
// with both shipped cores embedded (base64, ~100 KB each), so it never fetches. For pages that
// cannot serve extra files (a single-file build, a userscript, a strict CSP with connect-src
// 'none', an offline bundle), at the cost of downloading both builds up front.
import type { Model } from './model/model.js';
import type { HeadType, ModelConfig, TargetArrayOf } from './model/types.js';
import type { ModelFileOptions } from './model/file.js';
import { relaxed, simd } from './core-inline.js';
import { browserApi, compileCoreBytes, decodeBase64, once, type BrowserCoreOptions, type ShippedBuild } from './browser-common.js';

export * from './index.js';
export { modelToSafetensors } from './model/file.js';
export { browserDefaultBuild, type BrowserCoreOptions } from './browser-common.js';

/** The options of `gatedrnn/browser` less wasmBase: this entry never fetches. */
export type InlineCoreOptions = Omit<BrowserCoreOptions, 'wasmBase'>;

const EMBEDDED: Record<ShippedBuild, string> = { relaxed, simd };
const compiled = new Map<ShippedBuild, Promise<WebAssembly.Module>>();

function embeddedCore(build: ShippedBuild): Promise<WebAssembly.Module> {
  return once(compiled, build, () => compileCoreBytes(decodeBase64(EMBEDDED[build]), build, 'the cores embedded in gatedrnn/browser-inline'));
}

// No fetch function: a wasmBase is refused with a ConfigError rather than silently ignored.
const api = browserApi<InlineCoreOptions>('gatedrnn/browser-inline', embeddedCore);

/** A new model with freshly initialised parameters, in its own WebAssembly instance, on the
 *  embedded core of the build chosen (default: relaxed where the engine runs it). */
export function createModel<H extends HeadType>(config: ModelConfig<H>, opts: InlineCoreOptions = {}): Promise<Model<TargetArrayOf<H>>> {
  return api.createModel(config, opts) as Promise<Model<TargetArrayOf<H>>>;
}

/** A model from safetensors bytes (our files, or PyTorch weights with our metadata). */
export function modelFromSafetensors(bytes: Uint8Array, opts: InlineCoreOptions & ModelFileOptions = {}): Promise<Model> {
  return api.modelFromSafetensors(bytes, opts);
}
