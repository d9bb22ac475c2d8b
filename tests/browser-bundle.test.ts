// The browser packaging as a user meets it, in headless Chromium: the package as `npm pack`
// would ship it (its "files" and "exports"), bundled by esbuild with no options (which does not
// rewrite new URL(…, import.meta.url), so the inlined fallback must kick in), served unbundled
// (the .wasm next to dist/browser.js, the inline chunk never fetched), the single-file inline
// entry alone on a server, and a wasmBase that 404s (a CoreLoadError, no fallback). Every
// request is logged by the little server so the tests can say what was and was not fetched.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createServer, type Server } from 'node:http';
import { readFile, mkdtemp, mkdir, copyFile, writeFile, readdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { createModel } from '../bindings/node.js';
import { inCI } from './helpers/env.js';

const CHROMIUM = process.env.GATEDRNN_CHROMIUM ?? '/usr/bin/chromium';
const NEEDED = ['dist/browser.js', 'dist/browser-inline.js', 'dist/core-inline.js', 'dist/gatedrnn.relaxed.wasm', 'dist/gatedrnn.simd.wasm'];
const haveAll = existsSync(CHROMIUM) && NEEDED.every((f) => existsSync(f));
if (!haveAll) {
  if (inCI) throw new Error(`GATEDRNN_CI is set but ${CHROMIUM} or one of ${NEEDED.join(', ')} is missing`);
  console.warn(`[skip] browser packaging tests: need ${CHROMIUM} (apt-get install chromium) and ${NEEDED.join(', ')} (npm run build)`);
}

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html', '.map': 'application/json' };

// The model and batch of tests/browser.test.ts; the page returns the first loss and the build.
const CONFIG = { unit: 'gru', resetAfter: false, inputSize: 6, hiddenSize: 9, head: { type: 'bernoulli', size: 6 }, seed: 3 } as const;
const RUN = `
const CONFIG = ${JSON.stringify(CONFIG)};
window.run = async (opts) => {
  const model = await g.createModel(CONFIG, opts);
  const T = 5, B = 2, x = new Float32Array(T * B * 6), y = new Float32Array(T * B * 6);
  for (let i = 0; i < x.length; i++) { x[i] = (i * 7 % 5) / 5; y[i] = (i * 3 % 4) < 2 ? 1 : 0; }
  return { first: model.lossAndGrad({ T, B, x, y }).loss, build: model.build };
};
window.runError = async (opts) => {
  try { await g.createModel(CONFIG, opts); return { resolved: true }; } catch (e) {
    return { name: e.name, code: e.code, message: e.message, status: e.status, url: e.url, typed: e instanceof g.CoreLoadError && e instanceof g.GatedRnnError };
  }
};
window.ready = true;
`;
const html = (script: string) => `<!doctype html><meta charset="utf-8"><script type="module" src="${script}"></script>`;
const inlineHtml = (from: string) => `<!doctype html><meta charset="utf-8"><script type="module">
import * as g from '${from}';
${RUN}
</script>`;

async function nodeFirstLoss(): Promise<number> {
  const m = await createModel(CONFIG, { build: 'relaxed' }); // Chromium runs relaxed SIMD by default
  const T = 5, B = 2, x = new Float32Array(T * B * 6), y = new Float32Array(T * B * 6);
  for (let i = 0; i < x.length; i++) { x[i] = (i * 7 % 5) / 5; y[i] = (i * 3 % 4) < 2 ? 1 : 0; }
  return m.lossAndGrad({ T, B, x, y }).loss;
}

describe.skipIf(!haveAll)('browser packaging in headless Chromium', () => {
  let tmp = '';
  let server: Server;
  let browser: Browser;
  let base = '';
  let nodeLoss = 0;
  const sites: Record<string, string> = {};
  const log: { path: string; status: number }[] = [];
  /** Requests under /site/ since `mark`, paths relative to the site. */
  const requested = (site: string, mark: number) =>
    log.slice(mark).filter((r) => r.path.startsWith(`/${site}/`)).map((r) => ({ ...r, path: r.path.slice(site.length + 2) }));

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'gatedrnn-browser-'));
    // The package as it would ship: exactly the files `npm pack` lists (no scripts run).
    const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { maxBuffer: 1 << 24 });
    const files: string[] = JSON.parse(stdout)[0].files.map((f: { path: string }) => f.path);
    const pkg = join(tmp, 'pkg', 'node_modules', 'gatedrnn');
    for (const f of files) {
      await mkdir(dirname(join(pkg, f)), { recursive: true });
      await copyFile(f, join(pkg, f));
    }
    sites.pkg = join(tmp, 'pkg');
    await writeFile(join(sites.pkg, 'index.html'), inlineHtml('./node_modules/gatedrnn/dist/browser.js'));

    // An app importing the package by name, bundled by esbuild's JS API with no options beyond
    // where to find node_modules; the package's "exports" pick dist/browser.js.
    const app = join(tmp, 'app');
    await mkdir(app);
    await writeFile(join(app, 'main.js'), `import * as g from 'gatedrnn/browser';\n${RUN}`);
    const esb = { entryPoints: [join(app, 'main.js')], bundle: true, format: 'esm' as const, platform: 'browser' as const,
      nodePaths: [join(tmp, 'pkg', 'node_modules')], logLevel: 'silent' as const };
    sites.esbuild = join(tmp, 'esbuild');
    await build({ ...esb, outfile: join(sites.esbuild, 'app.js') });
    await writeFile(join(sites.esbuild, 'index.html'), html('./app.js'));
    // The same with splitting (the inline module becomes a chunk) and the .wasm copied beside the
    // bundle, as the README advises to skip the fallback.
    sites.split = join(tmp, 'split');
    await build({ ...esb, splitting: true, outdir: sites.split, entryNames: 'app', chunkNames: 'chunk-[name]' });
    for (const b of ['relaxed', 'simd']) await copyFile(join(pkg, 'dist', `gatedrnn.${b}.wasm`), join(sites.split, `gatedrnn.${b}.wasm`));
    await writeFile(join(sites.split, 'index.html'), html('./app.js'));

    // The single-file entry, alone.
    sites.inline = join(tmp, 'inline');
    await mkdir(sites.inline);
    await copyFile(join(pkg, 'dist', 'browser-inline.js'), join(sites.inline, 'browser-inline.js'));
    await writeFile(join(sites.inline, 'index.html'), inlineHtml('./browser-inline.js'));

    server = createServer(async (req, res) => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      const [, site, ...rest] = path.split('/');
      const file = sites[site] ? normalize(join(sites[site], rest.join('/') || 'index.html')) : '';
      let status = 404;
      if (file && file.startsWith(sites[site])) {
        try {
          const body = await readFile(file);
          status = 200;
          res.writeHead(200, { 'content-type': TYPES[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream', 'cache-control': 'no-store' });
          res.end(body);
        } catch { /* 404 below */ }
      }
      if (status === 404) { res.writeHead(404, { 'content-type': 'text/plain' }); res.end('not found'); }
      log.push({ path, status });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    nodeLoss = await nodeFirstLoss();
  });
  afterAll(async () => {
    await browser?.close();
    server?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  /** Opens /site/ in a fresh context (no HTTP cache shared between cases) and calls fn there. */
  async function onPage<T>(site: string, fn: string, opts: unknown): Promise<{ result: T; errors: string[] }> {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`${base}/${site}/`);
      await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
      const result = await page.evaluate(([f, o]) => (window as unknown as Record<string, (o: unknown) => Promise<T>>)[f as string](o), [fn, opts] as const);
      return { result, errors };
    } finally { await context.close(); }
  }

  it('(a) an esbuild bundle of `gatedrnn/browser` works with no options (the inlined fallback) and matches Node', async () => {
    expect((await readdir(sites.esbuild)).sort()).toEqual(['app.js', 'index.html']); // nothing copied beside it
    const mark = log.length;
    const { result, errors } = await onPage<{ first: number; build: string }>('esbuild', 'run', {});
    expect(errors).toEqual([]);
    expect(result.build).toBe('relaxed');
    expect(result.first).toBe(nodeLoss);
    // esbuild left the URL pointing beside the bundle: it was tried, missed, and the fallback ran.
    expect(requested('esbuild', mark)).toContainEqual({ path: 'gatedrnn.relaxed.wasm', status: 404 });
  });

  it('(a) with splitting and the .wasm copied beside the bundle, the inline chunk is never fetched', async () => {
    const chunks = (await readdir(sites.split)).filter((f) => f.startsWith('chunk-'));
    expect(chunks.some((f) => f.includes('core-inline'))).toBe(true); // split off, not in app.js
    const mark = log.length;
    const { result, errors } = await onPage<{ first: number }>('split', 'run', {});
    expect(errors).toEqual([]);
    expect(result.first).toBe(nodeLoss);
    const paths = requested('split', mark).map((r) => r.path);
    expect(paths).toContain('gatedrnn.relaxed.wasm');
    expect(paths.filter((p) => p.includes('core-inline'))).toEqual([]);
  });

  it('(b) the unbundled dist/browser.js finds the .wasm next to itself and never loads the inline chunk', async () => {
    const mark = log.length;
    const { result, errors } = await onPage<{ first: number; build: string }>('pkg', 'run', {});
    expect(errors).toEqual([]);
    expect(result.first).toBe(nodeLoss);
    const reqs = requested('pkg', mark);
    expect(reqs).toContainEqual({ path: 'node_modules/gatedrnn/dist/gatedrnn.relaxed.wasm', status: 200 });
    expect(reqs.filter((r) => r.path.includes('core-inline'))).toEqual([]);
    expect(reqs.filter((r) => r.status !== 200)).toEqual([]);
    // and the other build, by name
    const simd = await onPage<{ build: string }>('pkg', 'run', { build: 'simd' });
    expect(simd.result.build).toBe('simd');
    expect(requested('pkg', mark).map((r) => r.path)).toContain('node_modules/gatedrnn/dist/gatedrnn.simd.wasm');
  });

  it('(c) dist/browser-inline.js alone on a server works and fetches nothing', async () => {
    expect((await readdir(sites.inline)).sort()).toEqual(['browser-inline.js', 'index.html']);
    const mark = log.length;
    const { result, errors } = await onPage<{ first: number }>('inline', 'run', {});
    expect(errors).toEqual([]);
    expect(result.first).toBe(nodeLoss);
    expect(requested('inline', mark).map((r) => r.path).sort()).toEqual(['', 'browser-inline.js']);
  });

  it('(d) a wasmBase that 404s rejects with a CoreLoadError naming the URL and the status, without falling back', async () => {
    const mark = log.length;
    const { result, errors } = await onPage<Record<string, unknown>>('pkg', 'runError', { wasmBase: '/pkg/missing/' });
    expect(errors).toEqual([]);
    const url = `${base}/pkg/missing/gatedrnn.relaxed.wasm`;
    expect(result).toMatchObject({ name: 'CoreLoadError', code: 'E_CORE_LOAD', status: 404, url, typed: true });
    expect(result.message).toContain(url);
    expect(result.message).toMatch(/HTTP 404/);
    expect(result.message).toMatch(/wasmBase/);
    expect(requested('pkg', mark).filter((r) => r.path.includes('core-inline'))).toEqual([]);
  });
});
