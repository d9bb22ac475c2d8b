// Browser entry point (`gatedrnn/browser`): the same API as bindings/node.ts, the core fetched.
// By default the core is the .wasm next to this module (dist/, where scripts/bundle.mjs copies
// it), named by a literal new URL('./….wasm', import.meta.url) that webpack 5, Vite and Parcel
// turn into an emitted asset. esbuild leaves that URL alone (evanw/esbuild#795), so in its
// bundles it names a file beside the bundle that is usually not there: when the default fetch
// fails, the core comes from ./core-inline.js instead, a dynamic import that bundlers split off
// into a chunk loaded only then. An explicit wasmBase never falls back.
import { CoreLoadError } from './errors.js';
import type { BuildKind } from './wasm.js';
import type { Model } from './model/model.js';
import type { HeadType, ModelConfig, TargetArrayOf } from './model/types.js';
import type { ModelFileOptions } from './model/file.js';
import { browserApi, compileCoreBytes, coreLoadError, decodeBase64, once, problemOf, type BrowserCoreOptions, type ShippedBuild } from './browser-common.js';

export * from './index.js';
export { modelToSafetensors } from './model/file.js';
export { browserDefaultBuild, type BrowserCoreOptions } from './browser-common.js';

/** The shipped core's default URL. One literal per build, in the exact form bundlers recognise:
 *  a computed file name would hide the .wasm from them. */
function shippedUrl(build: ShippedBuild): URL {
  return build === 'relaxed'
    ? new URL('./gatedrnn.relaxed.wasm', import.meta.url)
    : new URL('./gatedrnn.simd.wasm', import.meta.url);
}

/** Fetches and compiles the core at `url`; every failure is a CoreLoadError naming the URL and
 *  the network reason or HTTP status. */
async function fetchCore(url: string, build: BuildKind): Promise<WebAssembly.Module> {
  let response: Response;
  try { response = await fetch(url); } catch (e) {
    // Node's fetch says only "fetch failed" and keeps the reason (ECONNREFUSED, …) in `cause`.
    const cause = (e as { cause?: { message?: string } }).cause?.message;
    throw coreLoadError(`could not fetch the gatedrnn core from ${url}: network error (${(e as Error).message}${cause ? `: ${cause}` : ''}; ` +
      'a server that is down, an offline page, or a cross-origin URL without CORS headers)', url);
  }
  if (!response.ok) {
    throw coreLoadError(`could not fetch the gatedrnn core from ${url}: the server answered HTTP ${response.status}` +
      `${response.statusText ? ` ${response.statusText}` : ''}`, url, response.status);
  }
  let bytes: Uint8Array<ArrayBuffer>;
  try { bytes = new Uint8Array(await response.arrayBuffer()); } catch (e) {
    throw coreLoadError(`could not read the gatedrnn core from ${url}: ${(e as Error).message}`, url, response.status);
  }
  return compileCoreBytes(bytes, build, url, url);
}

/** The inlined cores (dist/core-inline.js, written by scripts/bundle.mjs), imported only once
 *  the default URL has failed, so that a bundler's chunk for it is downloaded only then. */
async function inlinedCore(build: ShippedBuild, missed: unknown, url: string | undefined): Promise<WebAssembly.Module> {
  let b64: string;
  try { b64 = (await import('./core-inline.js'))[build]; } catch (e) {
    throw coreLoadError(`${problemOf(missed)}; and the inlined fallback ./core-inline.js next to gatedrnn/browser did not load ` +
      `either (${(e as Error).message})`, url, missed instanceof CoreLoadError ? missed.status : undefined);
  }
  return compileCoreBytes(decodeBase64(b64), build, 'the inlined fallback (core-inline.js)');
}

const compiled = new Map<string, Promise<WebAssembly.Module>>();

/** The default: the .wasm next to this module, else the inlined copy. Any failure of the first
 *  (no file, an HTML page in its place, an import.meta.url that does not resolve) falls back. */
function shippedCore(build: ShippedBuild): Promise<WebAssembly.Module> {
  return once(compiled, `default:${build}`, async () => {
    let url: string | undefined;
    try {
      url = shippedUrl(build).href;
      return await fetchCore(url, build);
    } catch (e) {
      return inlinedCore(build, e, url);
    }
  });
}

function fetchFromBase(url: string, build: BuildKind): Promise<WebAssembly.Module> {
  return once(compiled, url, () => fetchCore(url, build));
}

const api = browserApi<BrowserCoreOptions>('gatedrnn/browser', shippedCore, fetchFromBase);

/** A new model with freshly initialised parameters, in its own WebAssembly instance. The core is
 *  fetched once per build (see {@link BrowserCoreOptions} for where from); a core that cannot be
 *  loaded rejects with a CoreLoadError (code 'E_CORE_LOAD'). */
export function createModel<H extends HeadType>(config: ModelConfig<H>, opts: BrowserCoreOptions = {}): Promise<Model<TargetArrayOf<H>>> {
  return api.createModel(config, opts) as Promise<Model<TargetArrayOf<H>>>;
}

/** A model from safetensors bytes (our files, or PyTorch weights with our metadata). */
export function modelFromSafetensors(bytes: Uint8Array, opts: BrowserCoreOptions & ModelFileOptions = {}): Promise<Model> {
  return api.modelFromSafetensors(bytes, opts);
}
