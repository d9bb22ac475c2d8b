// The browser bundle (dist/browser.js) in headless Chromium: same API, the core fetched over
// HTTP, relaxed SIMD chosen by probing. Trains a few steps, saves to safetensors bytes,
// and checks the loss against the same computation in Node.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { createModel, modelFromSafetensors } from '../bindings/node.js';
import { inCI } from './helpers/env.js';

const CHROMIUM = process.env.GATEDRNN_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM) && existsSync('dist/browser.js');
if (!haveChromium) {
  if (inCI) throw new Error(`GATEDRNN_CI is set but ${CHROMIUM} or dist/browser.js is missing`);
  console.warn(`[skip] browser tests: need ${CHROMIUM} (apt-get install chromium) and dist/browser.js (npm run build)`);
}

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html', '.map': 'application/json' };

const PAGE = `<!doctype html><meta charset="utf-8"><script type="module">
import * as g from '/dist/browser.js';
window.run = async (build) => {
  const model = await g.createModel({ unit: 'gru', resetAfter: false, inputSize: 6, hiddenSize: 9, head: { type: 'bernoulli', size: 6 }, seed: 3 }, build ? { build } : {});
  const T = 5, B = 2, x = new Float32Array(T * B * 6), y = new Float32Array(T * B * 6);
  for (let i = 0; i < x.length; i++) { x[i] = (i * 7 % 5) / 5; y[i] = (i * 3 % 4) < 2 ? 1 : 0; }
  const first = model.lossAndGrad({ T, B, x, y }).loss;
  model.setOptimizer({ type: 'adam', lr: 0.01 });
  for (let i = 0; i < 20; i++) model.trainStep({ T, B, x, y }, { clipNorm: 1 });
  const after = model.forward({ T, B, x, y }).loss;
  const bytes = g.modelToSafetensors(model);
  const back = await g.modelFromSafetensors(bytes, build ? { build } : {});
  const again = back.forward({ T, B, x, y }).loss;
  let err = '';
  try { model.setParam('weight_ih_l0', [1, 2, 3]); } catch (e) { err = e.name + ':' + e.code; }
  return { first, after, again, bytes: bytes.length, relaxed: g.browserDefaultBuild(), err };
};
// a plain PyTorch .pt (torch.save of a state_dict) read in the page: the config off its tensors
window.runPt = async (bytes, T, B, x) => {
  const m = await g.modelFromSafetensors(new Uint8Array(bytes));
  const r = m.forward({ T, B, x: new Float32Array(x) }, { hidden: true, logits: true });
  return { unit: m.config.unit, head: m.config.head.type, hidden: Array.from(r.hidden), logits: Array.from(r.logits) };
};
window.ready = true;
</script>`;

describe.skipIf(!haveChromium)('browser bundle in headless Chromium', () => {
  let server: Server;
  let browser: Browser;
  let base = '';
  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname === '/') { res.writeHead(200, { 'content-type': 'text/html' }); res.end(PAGE); return; }
      const path = normalize(join('.', url.pathname));
      if (!/^(dist|build)\//.test(path)) { res.writeHead(404); res.end(); return; }
      try {
        const body = await readFile(path);
        res.writeHead(200, { 'content-type': TYPES[path.slice(path.lastIndexOf('.'))] ?? 'application/octet-stream' });
        res.end(body);
      } catch { res.writeHead(404); res.end(); }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => { await browser?.close(); server?.close(); });

  it('trains, saves and reloads with both builds and matches Node', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(base);
    await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
    for (const build of ['relaxed', 'simd'] as const) {
      const r = await page.evaluate((b) => (window as unknown as { run: (b: string) => Promise<Record<string, number | string>> }).run(b), build);
      expect(r.relaxed).toBe('relaxed'); // Chromium runs relaxed SIMD by default
      expect(r.after as number).toBeLessThan(r.first as number);
      expect(r.again, JSON.stringify(r)).toBe(r.after);
      expect(r.err).toBe('ShapeError:E_SHAPE');
      // The same first loss in Node (same seed, same build).
      const m = await createModel({ unit: 'gru', resetAfter: false, inputSize: 6, hiddenSize: 9, head: { type: 'bernoulli', size: 6 }, seed: 3 }, { build });
      const T = 5, B = 2, x = new Float32Array(T * B * 6), y = new Float32Array(T * B * 6);
      for (let i = 0; i < x.length; i++) { x[i] = (i * 7 % 5) / 5; y[i] = (i * 3 % 4) < 2 ? 1 : 0; }
      expect(m.lossAndGrad({ T, B, x, y }).loss).toBe(r.first);
    }
    expect(errors).toEqual([]);
  });

  it('reads a plain PyTorch .pt in the page, with the numbers Node gives', async () => {
    const page = await browser.newPage();
    await page.goto(base);
    await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
    const bytes = new Uint8Array(await readFile('tests/fixtures/torch-plain/gru_l2_head.pt'));
    const f = JSON.parse(await readFile('tests/fixtures/torch-plain/gru_l2_head.json', 'utf8')) as { T: number; B: number; x: number[] };
    const r = await page.evaluate(([b, T, B, x]) => (window as unknown as { runPt: (...a: unknown[]) => Promise<{ unit: string; head: string; hidden: number[]; logits: number[] }> }).runPt(b, T, B, x), [Array.from(bytes), f.T, f.B, f.x] as const);
    const m = await modelFromSafetensors(bytes);
    const n = m.forward({ T: f.T, B: f.B, x: Float32Array.from(f.x) }, { hidden: true, logits: true });
    expect([r.unit, r.head]).toEqual(['gru', 'linear']);
    expect(r.hidden).toEqual(Array.from(n.hidden!));
    expect(r.logits).toEqual(Array.from(n.logits!));
  });
});
