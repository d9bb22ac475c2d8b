// What the two browser entries share: bindings/browser.ts fetches its cores (with an inlined
// fallback), bindings/browser-inline.ts embeds them. Both take the same options, check them the
// same way and build models the same way; they differ only in the DefaultCore they pass in, so
// this module never fetches by itself (the inline entry must not) and knows no URL.
import { instantiateCore, RELAXED_PROBE, type BuildKind, type Core } from './wasm.js';
import { ConfigError, CoreLoadError } from './errors.js';
import { Model } from './model/model.js';
import { parseModelFile, modelFromParsed, type ModelFileOptions } from './model/file.js';
import type { ModelConfig } from './model/types.js';

/** The builds shipped next to dist/browser.js and embedded in the inline module; the debug
 *  build (4× larger, bounds-checked) is only ever loaded from wasmBase or given as bytes. */
export type ShippedBuild = 'simd' | 'relaxed';

export interface BrowserCoreOptions {
  /** 'relaxed' (fused multiply-add; the default where the engine runs relaxed SIMD, see
   *  {@link browserDefaultBuild}), 'simd', or 'debug' (bounds-checked contracts, slow; it is not
   *  shipped next to the module, so it needs `wasmBase` or `wasm`). */
  build?: BuildKind;
  /** The folder (URL) to fetch `gatedrnn.<build>.wasm` from, instead of the default next to the
   *  module (where bundlers that rewrite `new URL('./x.wasm', import.meta.url)` put it). A
   *  relative URL is relative to the page; a missing trailing slash is added. Use it when you
   *  copy the .wasm files from `node_modules/gatedrnn/dist/` to a folder of your own (a CDN, or
   *  beside an esbuild bundle, which saves the inlined fallback's download). A core that cannot
   *  be fetched from here is a CoreLoadError: there is no fallback, since you named the place.
   *  Not accepted by `gatedrnn/browser-inline`, which never fetches. */
  wasmBase?: string | URL;
  /** The core itself, as its bytes or an already compiled WebAssembly.Module (say, fetched and
   *  cached by your own code, or compiled once and shared by many models). Nothing is fetched;
   *  `build` then only labels it (`model.build`), so name the build you pass. */
  wasm?: BufferSource | WebAssembly.Module;
}

/** Where an entry gets a shipped core when the caller named none (the URL next to the module,
 *  or the embedded bytes). Called once per build; the promise is kept. */
export type DefaultCore = (build: ShippedBuild) => Promise<WebAssembly.Module>;

const BUILDS: readonly BuildKind[] = ['relaxed', 'simd', 'debug'];

/** The build used when none is named: relaxed where the engine validates a relaxed-SIMD module. */
export function browserDefaultBuild(): BuildKind {
  return WebAssembly.validate(RELAXED_PROBE) ? 'relaxed' : 'simd';
}

/** What a user can do about a core that did not load; every CoreLoadError ends with it. */
export const CORE_ADVICE = 'Copy gatedrnn.relaxed.wasm and gatedrnn.simd.wasm (from node_modules/gatedrnn/dist/) to where they are ' +
  "looked for, or to a folder you name with { wasmBase }; or pass the bytes or a compiled module as { wasm }; or import " +
  "'gatedrnn/browser-inline', which embeds the cores";

/** A CoreLoadError: the problem, then the advice. */
export function coreLoadError(problem: string, url?: string, status?: number): CoreLoadError {
  return new CoreLoadError(`${problem}. ${CORE_ADVICE}`, url, status);
}

/** The problem part of an error made by coreLoadError (or any error's message), so that a
 *  second failure can be reported with the first without the advice twice. */
export function problemOf(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  const tail = `. ${CORE_ADVICE}`;
  return m.endsWith(tail) ? m.slice(0, -tail.length) : m;
}

/** The first bytes of a response, said so that an HTML page (a server answering every path with
 *  index.html, as single-page-app setups and Vite's dev server do) is recognisable. */
function describeStart(bytes: Uint8Array): string {
  if (bytes.length === 0) return 'it is empty';
  const head = bytes.subarray(0, 24);
  const text = String.fromCharCode(...head);
  if (/^[\t\n\r\x20-\x7e]+$/.test(text)) return `it starts with ${JSON.stringify(text)}${/^\s*</.test(text) ? ', an HTML or XML page' : ''}`;
  return `it starts with bytes ${[...head.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ')}`;
}

/** Compiles a core from bytes, checking the wasm magic first so that a wrong file reads as one
 *  (not as the engine's "expected magic word" CompileError). `from` names the source; `url`, for
 *  fetched bytes, adds the advice on where the files should be. */
export async function compileCoreBytes(bytes: Uint8Array<ArrayBuffer>, build: BuildKind, from: string, url?: string): Promise<WebAssembly.Module> {
  if (!(bytes.length >= 8 && bytes[0] === 0x00 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d)) {
    const problem = `the gatedrnn core from ${from} is not a WebAssembly module (${describeStart(bytes)})`;
    throw url ? coreLoadError(problem, url) : new CoreLoadError(`${problem}; pass the contents of gatedrnn.${build}.wasm`);
  }
  try {
    return await WebAssembly.compile(bytes);
  } catch (e) {
    const hint = build === 'relaxed' && !WebAssembly.validate(RELAXED_PROBE) ? "; this engine does not run relaxed SIMD: use build 'simd'" : '';
    throw new CoreLoadError(`the gatedrnn core (build ${build}) from ${from} did not compile: ${(e as Error).message}${hint}`, url);
  }
}

/** Base64 to bytes (the inlined cores). atob is in every browser, worker and Node ≥ 16. */
export function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  const s = atob(b64);
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return bytes;
}

/** The promise under `key`, made once; a rejected one is dropped so that a later call retries
 *  (a server that was down, a file copied after the first attempt). */
export function once<K, T>(cache: Map<K, Promise<T>>, key: K, make: () => Promise<T>): Promise<T> {
  let p = cache.get(key);
  if (!p) {
    p = make();
    cache.set(key, p);
    p.catch(() => { if (cache.get(key) === p) cache.delete(key); });
  }
  return p;
}

/** The caller's wasmBase as an absolute folder URL, or a ConfigError naming what was given. */
export function resolveWasmBase(base: unknown): URL {
  if (!(typeof base === 'string' || base instanceof URL)) {
    throw new ConfigError(`wasmBase must be a URL or a string naming the folder that holds the .wasm files; got ${describe(base)}`);
  }
  // Relative to the page, as any other URL in it; without a page (Node) only an absolute one parses.
  const page = (globalThis as { location?: { href?: string } }).location?.href;
  let url: URL;
  try { url = new URL(String(base), page); } catch {
    throw new ConfigError(`wasmBase ${JSON.stringify(String(base))} is not a URL${page ? '' : ' (with no page to resolve it against, it must be absolute)'}`);
  }
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v.slice(0, 40));
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'an object';
  return `${typeof v} ${String(v).slice(0, 40)}`;
}

/** How an entry fetches from an explicit wasmBase; absent in the inline entry. */
export type FetchCore = (url: string, build: BuildKind) => Promise<WebAssembly.Module>;

/** A core instance for `opts`: the caller's module or bytes, else wasmBase (fetchFrom), else the
 *  entry's default. */
export async function coreFor(opts: BrowserCoreOptions, entry: string, defaultCore: DefaultCore, fetchFrom?: FetchCore): Promise<Core> {
  if (opts === null || typeof opts !== 'object') throw new ConfigError(`${entry}: the options must be an object; got ${describe(opts)}`);
  const build = opts.build ?? browserDefaultBuild();
  if (!BUILDS.includes(build)) throw new ConfigError(`build must be one of ${BUILDS.map((b) => `'${b}'`).join(', ')}; got ${describe(build)}`);
  if (opts.wasm !== undefined && opts.wasmBase !== undefined) throw new ConfigError('pass either wasm (the core itself) or wasmBase (where to fetch it), not both');
  let module: WebAssembly.Module;
  if (opts.wasm !== undefined) {
    module = await fromCaller(opts.wasm, build);
  } else if (opts.wasmBase !== undefined) {
    if (!fetchFrom) throw new ConfigError(`${entry} embeds its cores and never fetches: drop wasmBase, or import 'gatedrnn/browser' to fetch them`);
    module = await fetchFrom(new URL(`gatedrnn.${build}.wasm`, resolveWasmBase(opts.wasmBase)).href, build);
  } else if (build === 'debug') {
    throw new ConfigError(`the debug build is neither shipped next to ${entry} nor embedded: pass ` +
      `${fetchFrom ? 'wasmBase naming a folder that holds gatedrnn.debug.wasm, or ' : ''}its bytes as wasm (the package has it in build/)`);
  } else {
    module = await defaultCore(build);
  }
  return instantiateCore(module, build);
}

async function fromCaller(wasm: unknown, build: BuildKind): Promise<WebAssembly.Module> {
  if (wasm instanceof WebAssembly.Module) return wasm;
  let bytes: Uint8Array<ArrayBuffer>;
  if (wasm instanceof ArrayBuffer) bytes = new Uint8Array(wasm);
  else if (ArrayBuffer.isView(wasm) && wasm.buffer instanceof ArrayBuffer) bytes = new Uint8Array(wasm.buffer, wasm.byteOffset, wasm.byteLength);
  else throw new ConfigError(`wasm must be the core's bytes (an ArrayBuffer or a typed array over one) or a WebAssembly.Module; got ${describe(wasm)}`);
  return compileCoreBytes(bytes, build, 'the bytes passed as wasm');
}

/** The model constructors of an entry over its way of getting a core. Each model gets its own
 *  instance (and memory); modules are compiled once per source. */
export function browserApi<O extends BrowserCoreOptions>(entry: string, defaultCore: DefaultCore, fetchFrom?: FetchCore) {
  return {
    async createModel(config: ModelConfig, opts: O): Promise<Model> {
      return new Model(config, await coreFor(opts, entry, defaultCore, fetchFrom));
    },
    // The file is parsed before any core is loaded, so a bad file fails fast (and offline).
    async modelFromSafetensors(bytes: Uint8Array, opts: O & ModelFileOptions): Promise<Model> {
      const parsed = parseModelFile(bytes, opts ?? {});
      return modelFromParsed(parsed, await coreFor(opts, entry, defaultCore, fetchFrom));
    },
  };
}
