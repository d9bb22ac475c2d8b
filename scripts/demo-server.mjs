// The demo page (demo/): built with esbuild into dist/demo/ and served with Node's http module.
// `scripts/demo.mjs` is the command line around it; tests/demo.test.ts calls `startDemo` on
// port 0 and closes it.
//
// The page and its worker are bundled from the TypeScript sources (demo/*.ts importing
// bindings/), so the demo always runs the library as it is in the tree, without waiting for
// `npm run bundle`. The WebAssembly cores are copied next to the bundles: the worker finds them
// relative to its own URL, so dist/demo/ is a self-contained folder any static server can host.
//
// Only dist/demo/ is served. A request path is decoded, resolved against that folder and
// refused unless it stays inside it (no `..`, no absolute paths, no NUL), so nothing else of the
// repository is reachable.
import { build } from 'esbuild';
import { createServer } from 'node:http';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const OUT = join(ROOT, 'dist', 'demo');
const WASM = ['gatedrnn.simd.wasm', 'gatedrnn.relaxed.wasm'];

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.mid': 'audio/midi',
};

/** Builds the library first when what the demo needs of it is missing: the cores (build/*.wasm,
 *  which only `npm run build` can make: AssemblyScript) or the bundles of dist/. */
export function ensureLibrary(log = console.log) {
  const wasmMissing = WASM.some((f) => !existsSync(join(ROOT, 'build', f)));
  const distMissing = !existsSync(join(ROOT, 'dist', 'browser.js'));
  if (!wasmMissing && !distMissing) return;
  log(`gatedrnn demo: ${wasmMissing ? 'build/*.wasm' : 'dist/'} missing, running npm run build …`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`npm run build failed (exit ${r.status ?? r.signal}); the demo needs build/*.wasm`);
}

/** Bundles demo/main.ts and demo/worker.ts into dist/demo/ and copies the page and the cores. */
export async function buildDemo({ minify = false } = {}) {
  mkdirSync(OUT, { recursive: true });
  await build({
    absWorkingDir: ROOT,
    entryPoints: ['demo/main.ts', 'demo/worker.ts'],
    outdir: OUT,
    bundle: true,
    format: 'esm', // the worker is a module worker
    platform: 'browser',
    target: 'es2022',
    sourcemap: true,
    minify,
    logLevel: 'warning',
    // bindings/browser.ts falls back to an inlined core (`import('./core-inline.js')`, a file
    // scripts/bundle.mjs generates in dist/) when its default URL misses; the worker names its
    // wasmBase, which never falls back, so that import stays an unresolved external.
    plugins: [{
      name: 'core-inline-external',
      setup(b) { b.onResolve({ filter: /^\.\/core-inline\.js$/ }, () => ({ path: './core-inline.js', external: true })); },
    }],
  });
  for (const f of ['index.html', 'style.css']) copyFileSync(join(ROOT, 'demo', f), join(OUT, f));
  for (const f of WASM) copyFileSync(join(ROOT, 'build', f), join(OUT, f));
}

/** The file under `root` that a request path names, or null when it would leave `root`. */
export function resolveRequest(root, urlPath) {
  let p;
  try { p = decodeURIComponent(urlPath); } catch { return null; }
  if (p.includes('\0') || p.includes('\\')) return null;
  if (p.endsWith('/')) p += 'index.html';
  const file = resolve(root, '.' + (p.startsWith('/') ? p : '/' + p));
  return file.startsWith(root + sep) ? file : null;
}

function handler(root) {
  return async (req, res) => {
    const send = (code, text) => { res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8' }); res.end(text); };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed');
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const file = resolveRequest(root, path);
    if (!file) return send(403, 'forbidden');
    try {
      if (!(await stat(file)).isFile()) return send(404, 'not found');
      const body = await readFile(file);
      res.writeHead(200, {
        'content-type': MIME[extname(file)] ?? 'application/octet-stream',
        'content-length': body.length,
        'cache-control': 'no-store', // a rebuilt demo is picked up on reload
        'x-content-type-options': 'nosniff',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      send(404, 'not found');
    }
  };
}

function listen(server, port, host) {
  return new Promise((ok, fail) => {
    const onError = (e) => { server.off('listening', onListening); fail(e); };
    const onListening = () => { server.off('error', onError); ok(); };
    server.once('error', onError).once('listening', onListening).listen(port, host);
  });
}

/**
 * Builds (unless `build: false`) and serves the demo. `port` 0 takes a free port; a busy port
 * falls back to a free one unless `strictPort`. Returns the URL and `close()`.
 */
export async function startDemo({ port = 8080, host = '127.0.0.1', build: doBuild = true, strictPort = false, log = () => {} } = {}) {
  if (doBuild) {
    ensureLibrary(log);
    await buildDemo();
  }
  const server = createServer(handler(OUT));
  try {
    await listen(server, port, host);
  } catch (e) {
    if (e?.code !== 'EADDRINUSE' || strictPort) throw e;
    log(`gatedrnn demo: port ${port} is busy, taking a free one`);
    await listen(server, 0, host);
  }
  const addr = server.address();
  const actual = typeof addr === 'object' && addr ? addr.port : port;
  const shown = host === '127.0.0.1' || host === '::1' || host === '0.0.0.0' ? 'localhost' : host;
  return {
    url: `http://${shown}:${actual}/`,
    /** The URL by address (what a test should load: no name lookup). */
    address: `http://${host.includes(':') ? `[${host}]` : host}:${actual}/`,
    port: actual,
    server,
    close: () => new Promise((ok) => { server.closeAllConnections?.(); server.close(() => ok()); }),
  };
}
