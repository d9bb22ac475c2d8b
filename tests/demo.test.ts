// The demo page (demo/, served by scripts/demo-server.mjs) in headless Chromium, driven the way a
// user would: through its controls (data-testid attributes), files given to its file pickers and
// downloads caught. Checks that training in the worker lowers the validation NLL while the page
// keeps animating, that a sample has notes and its MIDI download reads back (in Node) as the
// same piano roll, that bad files become messages, that a model trained in Node gives the same
// probabilities in the page, and that IndexedDB keeps a model across a reload. Writes the
// screenshot (dist/demo-screenshot.png; docs/demo.png with GATEDRNN_UPDATE_SCREENSHOT=1). The cases run in order on one page, each starting from the state the
// previous one left (a trained model, a sample, …), as a user's session would.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser, type Page } from 'playwright-core';
import {
  Batcher, createModel, midiToNoteSequence, modelToSafetensors, noteSequenceToMidi, syntheticMusic, type NoteSequence,
} from '../bindings/node.js';
import { inCI } from './helpers/env.js';
import { startDemo, type DemoServer } from '../scripts/demo-server.mjs';

const CHROMIUM = process.env.GATEDRNN_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  if (inCI) throw new Error(`GATEDRNN_CI is set but ${CHROMIUM} is missing (apt-get install chromium)`);
  console.warn(`[skip] demo page tests: need ${CHROMIUM} (apt-get install chromium) or GATEDRNN_CHROMIUM`);
}

interface Hook {
  probabilities(x: number[], T: number): Promise<{ outputs: number[]; build: string }>;
  lastSample(): NoteSequence | null;
  lastTraining(): { epochs: { epoch: number; validNll: number; trainNll: number }[]; stopped: string; bestEpoch: number } | null;
  state: { ready: boolean; training: boolean; busy: boolean; model: { origin: string } | null };
}
const hook = (page: Page) => page.evaluate(() => (window as unknown as { gatedrnnDemoTest: Hook }).gatedrnnDemoTest.state);
const id = (t: string) => `[data-testid="${t}"]`;

/** Waits until the page is idle (not training, no request in flight). */
async function idle(page: Page, timeout = 60_000): Promise<void> {
  await page.waitForFunction(() => {
    const s = (window as unknown as { gatedrnnDemoTest: Hook }).gatedrnnDemoTest.state;
    return s.ready && !s.training && !s.busy;
  }, undefined, { timeout });
}

/** Trailing silent steps removed: a MIDI file ends at its last note-off. */
const trimEnd = (seq: NoteSequence) => { const s = seq.slice(); while (s.length && s[s.length - 1].length === 0) s.pop(); return s; };

describe.skipIf(!haveChromium)('demo page in headless Chromium', () => {
  let demo: DemoServer;
  let browser: Browser;
  let page: Page;
  let tmp: string;
  const errors: string[] = [];

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'gatedrnn-demo-'));
    demo = await startDemo({ port: 0 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1, acceptDownloads: true });
    page = await context.newPage();
    page.on('pageerror', (e) => errors.push(`pageerror: ${String(e)}`));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
    page.on('response', (r) => { if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.url()}`); });
  });
  afterAll(async () => {
    await browser?.close();
    await demo?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('loads with the core ready and the synthetic data chosen, without errors', async () => {
    await page.goto(demo.address);
    await idle(page);
    await expect.poll(() => page.textContent(id('core-status'))).toMatch(/core ready/);
    await expect.poll(() => page.textContent(id('data-summary'))).toMatch(/synthetic music: 240 training pieces, 60 validation pieces/);
    expect(await page.inputValue(id('hidden'))).toBe('46'); // GRU at the paper's size
    await page.selectOption(id('unit'), 'lstm');
    expect(await page.inputValue(id('hidden'))).toBe('36');
    await page.selectOption(id('unit'), 'tanh');
    expect(await page.inputValue(id('hidden'))).toBe('100');
    await page.selectOption(id('unit'), 'gru');
    expect(errors).toEqual([]);
  });

  it('trains in the worker: the valid NLL falls while the page keeps animating', async () => {
    await page.fill(id('epochs'), '10');
    await page.selectOption(id('primer'), '16'); // the sample drawn after training starts from a real piece
    // count the page's animation frames while the worker trains
    await page.evaluate(() => {
      const w = window as unknown as { ticks: number };
      w.ticks = 0;
      const f = () => { w.ticks++; requestAnimationFrame(f); };
      requestAnimationFrame(f);
    });
    const t0 = Date.now();
    await page.click(id('train'));
    await page.waitForFunction(() => (window as unknown as { gatedrnnDemoTest: Hook }).gatedrnnDemoTest.state.training);
    await page.waitForFunction(() => !(window as unknown as { gatedrnnDemoTest: Hook }).gatedrnnDemoTest.state.training, undefined, { timeout: 60_000 });
    const seconds = (Date.now() - t0) / 1000;
    const ticks = await page.evaluate(() => (window as unknown as { ticks: number }).ticks);
    const r = await page.evaluate(() => (window as unknown as { gatedrnnDemoTest: Hook }).gatedrnnDemoTest.lastTraining());
    expect(r?.stopped).toBe('epochs');
    expect(r!.epochs.length).toBe(10);
    const v = r!.epochs.map((e) => e.validNll);
    expect(v[v.length - 1]).toBeLessThan(v[0]);
    expect(Math.min(...v)).toBeLessThan(11); // an untrained model scores ≈ 61 nats per frame
    expect(ticks / seconds, `${ticks} animation frames in ${seconds.toFixed(1)} s of training`).toBeGreaterThanOrEqual(20);
    expect(await page.textContent(id('train-error'))).toMatch(/Done: 10 epochs; the model keeps epoch \d+ \(valid NLL \d/);
    expect(Number((await page.textContent('#st-fps'))!.replace(/,/g, ''))).toBeGreaterThan(0);
    expect(errors).toEqual([]);
  });

  it('samples notes, draws the roll and writes a screenshot', async () => {
    await idle(page); // training ends with a sample
    const notes = await page.evaluate(() => (window as unknown as { gatedrnnDemoTest: Hook }).gatedrnnDemoTest.lastSample());
    expect(notes).not.toBeNull();
    // 16 steps of validation piece (seed 1) % 60 of the synthetic data, then 96 generated ones
    expect(notes!.length).toBe(16 + 96);
    expect(notes!.slice(0, 16)).toEqual(syntheticMusic().valid[1].slice(0, 16));
    expect(await page.textContent(id('sample-info'))).toMatch(/96 frames after 16 primer steps/);
    const generated = notes!.slice(16);
    expect(generated.flat().length).toBeGreaterThan(20);
    expect(Math.max(...generated.map((s) => s.length))).toBeLessThanOrEqual(6); // the polyphony cap
    // the canvas has been drawn on (not all one colour)
    const inked = await page.evaluate(() => {
      const c = document.querySelector('[data-testid="roll"]') as HTMLCanvasElement;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const seen = new Set<number>();
      for (let i = 0; i < d.length; i += 4 * 97) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
      return seen.size;
    });
    expect(inked).toBeGreaterThan(3);
    await page.click(id('play'));
    await expect.poll(() => page.textContent(id('play'))).toMatch(/Stop/);
    await page.waitForTimeout(400); // the playhead moves across the roll in the screenshot
    // written on every run to dist/ (ignored); GATEDRNN_UPDATE_SCREENSHOT=1 refreshes the README's docs/demo.png
    const shot = process.env.GATEDRNN_UPDATE_SCREENSHOT === '1' ? '../docs/demo.png' : '../dist/demo-screenshot.png';
    await page.screenshot({ path: fileURLToPath(new URL(shot, import.meta.url)), fullPage: true });
    expect(statSync(fileURLToPath(new URL(shot, import.meta.url))).size).toBeGreaterThan(20_000);
    await page.click(id('play'));
    await expect.poll(() => page.textContent(id('play'))).toMatch(/Play/);
    expect(errors).toEqual([]);
  });

  it('downloads the sample as a MIDI file that reads back as the same roll', async () => {
    const notes = await page.evaluate(() => (window as unknown as { gatedrnnDemoTest: Hook }).gatedrnnDemoTest.lastSample());
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click(id('download-midi'))]);
    expect(dl.suggestedFilename()).toMatch(/\.mid$/);
    const bytes = new Uint8Array(readFileSync((await dl.path())!));
    expect(midiToNoteSequence(bytes, 'downloaded sample')).toEqual(trimEnd(notes!));
    // without a primer and with another seed: another sample, from silence
    await page.selectOption(id('primer'), '0');
    await page.fill(id('seed'), '2');
    await page.click(id('sample'));
    await idle(page);
    const again = await page.evaluate(() => (window as unknown as { gatedrnnDemoTest: Hook }).gatedrnnDemoTest.lastSample());
    expect(again!.length).toBe(96);
    expect(again).not.toEqual(notes!.slice(16));
    expect(await page.textContent(id('sample-info'))).toMatch(/^96 frames, /);
    expect(errors).toEqual([]);
  });

  it('stops training on request and keeps the best epoch so far', async () => {
    await page.fill(id('epochs'), '500');
    await page.click(id('train'));
    await page.waitForFunction(() => /^[1-9]/.test(document.querySelector('#st-valid')?.textContent ?? ''), undefined, { timeout: 30_000 });
    await page.click(id('stop'));
    await idle(page);
    const r = await page.evaluate(() => (window as unknown as { gatedrnnDemoTest: Hook }).gatedrnnDemoTest.lastTraining());
    expect(r?.stopped).toBe('user');
    expect(r!.epochs.length).toBeGreaterThan(0);
    expect(r!.epochs.length).toBeLessThan(500);
    expect(await page.textContent(id('train-error'))).toMatch(/Stopped after/);
    await page.fill(id('epochs'), '20');
    expect(errors).toEqual([]);
  });

  it('reads MIDI files and data set files, and shows what is wrong with bad ones', async () => {
    const ds = syntheticMusic({ train: 4, valid: 2, test: 2 });
    const midi = [0, 1, 2].map((i) => ({ name: `piece${i}.mid`, mimeType: 'audio/midi', buffer: Buffer.from(noteSequenceToMidi(ds.train[i])) }));
    await page.setInputFiles(id('midi-file'), [...midi, { name: 'broken.mid', mimeType: 'audio/midi', buffer: Buffer.from('MThd nonsense') }]);
    await idle(page);
    expect(await page.textContent(id('data-summary'))).toMatch(/3 MIDI files: 2 training pieces, 1 validation piece/);
    expect(await page.textContent(id('data-error'))).toMatch(/Skipped 1 file:\nbroken\.mid: /);

    await page.setInputFiles(id('midi-file'), [{ name: 'junk.mid', mimeType: 'audio/midi', buffer: Buffer.from('not midi at all') }]);
    await idle(page);
    expect(await page.textContent(id('data-error'))).toMatch(/Could not use these MIDI files: none of the 1 file\(s\) could be used:\njunk\.mid: not a MIDI file/);
    expect(await page.textContent(id('data-summary'))).toMatch(/3 MIDI files/); // the previous data stay

    await page.setInputFiles(id('dataset-file'), [{ name: 'small.json.gz', mimeType: 'application/gzip', buffer: gzipSync(JSON.stringify(ds)) }]);
    await idle(page);
    expect(await page.textContent(id('data-summary'))).toMatch(/small\.json\.gz: 4 training pieces, 2 validation pieces/);
    expect(await page.isHidden(id('data-error'))).toBe(true);

    const bad = { ...ds, valid: [[[60, 200]]] };
    await page.setInputFiles(id('dataset-file'), [{ name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(bad)) }]);
    await idle(page);
    expect(await page.textContent(id('data-error'))).toMatch(/bad\.json\.valid\[0\] step 0: note 200 is outside 21\.\.108/);
    await page.setInputFiles(id('dataset-file'), [{ name: 'cut.json.gz', mimeType: 'application/gzip', buffer: gzipSync(JSON.stringify(ds)).subarray(0, 30) }]);
    await idle(page);
    expect(await page.textContent(id('data-error'))).toMatch(/cut\.json\.gz: not a valid gzip file/);
    await page.setInputFiles(id('dataset-file'), [{ name: 'text.json', mimeType: 'application/json', buffer: Buffer.from('{"train": [') }]);
    await idle(page);
    expect(await page.textContent(id('data-error'))).toMatch(/text\.json: not valid JSON/);

    // files dropped on the page are sorted by name; what fits nothing is named
    const dropped = [3, 4].map((i) => ({ name: `drop${i}.mid`, bytes: Array.from(noteSequenceToMidi(ds.train[i % 4])) }));
    await page.evaluate((files) => {
      const dt = new DataTransfer();
      for (const f of files) dt.items.add(new File([new Uint8Array(f.bytes)], f.name));
      document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, [...dropped, { name: 'notes.txt', bytes: [104, 105] }]);
    await idle(page);
    expect(await page.textContent(id('data-summary'))).toMatch(/2 MIDI files: 1 training piece, 1 validation piece/);
    expect(await page.textContent(id('data-error'))).toMatch(/Not used .*: notes\.txt/);

    await page.click(id('source-synthetic'));
    await idle(page);
    expect(await page.textContent(id('data-summary'))).toMatch(/^synthetic music/);
    expect(errors).toEqual([]);
  });

  it('loads a model trained in Node and gives the same probabilities', async () => {
    const config = { unit: 'lstm' as const, peepholes: true, hiddenSize: 12, inputSize: 88, head: { type: 'bernoulli', size: 88 }, seed: 5 };
    const m = await createModel(config);
    const ds = syntheticMusic({ train: 8, valid: 1, test: 1 });
    const b = Batcher.fromNotes(ds.train, { batchSize: 4, seed: 1 });
    m.setOptimizer({ type: 'adam', lr: 0.01 });
    for (const plan of b.epoch(0)) { b.fill(plan, m.batchViews(plan.T, plan.B) as never); m.trainStepInPlace(plan.T, plan.B, { clipNorm: 1 }); }
    const file = join(tmp, 'node-lstm.safetensors');
    await writeFile(file, modelToSafetensors(m));

    await page.setInputFiles(id('model-file'), file);
    await idle(page);
    expect(await page.textContent(id('model-info'))).toMatch(/LSTM with 12 units .*file node-lstm\.safetensors/);

    const seq = ds.valid[0].slice(0, 20), T = seq.length;
    const x = new Float32Array(T * 88);
    seq.forEach((step, t) => step.forEach((n) => { x[t * 88 + n - 21] = 1; }));
    const inPage = await page.evaluate(([xs, t]) => (window as unknown as { gatedrnnDemoTest: Hook }).gatedrnnDemoTest.probabilities(xs as number[], t as number), [Array.from(x), T] as const);
    const node = await createModel(config, { build: inPage.build as 'relaxed' | 'simd' });
    for (const name of m.paramNames()) node.setParam(name, m.getParam(name));
    const expected = node.forward({ T, B: 1, x, y: new Float32Array(T * 88) }).outputs;
    expect(inPage.outputs.length).toBe(T * 88);
    // the same core build on the same engine: the same floats
    expect(inPage.outputs).toEqual(Array.from(expected));

    // a file that is not a model is a message
    await page.setInputFiles(id('model-file'), [{ name: 'nope.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from('hello') }]);
    await idle(page);
    expect(await page.textContent(id('models-error'))).toMatch(/Could not load nope\.safetensors: /);
    expect(await page.textContent(id('model-info'))).toMatch(/node-lstm/); // the loaded model stays
    m.dispose(); node.dispose();
    expect(errors).toEqual([]);
  });

  it('keeps a model in IndexedDB across a reload, loads and deletes it', async () => {
    const before = await page.evaluate(() => (window as unknown as { gatedrnnDemoTest: Hook }).gatedrnnDemoTest.probabilities(new Array(2 * 88).fill(0).map((_, i) => (i % 7 === 0 ? 1 : 0)), 2));
    await page.fill(id('save-name'), 'my lstm');
    await page.click(id('save'));
    await idle(page);
    await expect.poll(() => page.locator(id('stored-model')).count()).toBe(1);
    expect(await page.textContent(id('stored-model'))).toMatch(/my lstm/);

    await page.reload();
    await idle(page);
    await expect.poll(() => page.locator(id('stored-model')).count()).toBe(1);
    expect((await hook(page)).model).toBeNull();
    await page.click(id('stored-load'));
    await idle(page);
    expect(await page.textContent(id('model-info'))).toMatch(/LSTM with 12 units/);
    const after = await page.evaluate(() => (window as unknown as { gatedrnnDemoTest: Hook }).gatedrnnDemoTest.probabilities(new Array(2 * 88).fill(0).map((_, i) => (i % 7 === 0 ? 1 : 0)), 2));
    expect(after.outputs).toEqual(before.outputs);
    expect((await page.evaluate(() => (window as unknown as { gatedrnnDemoTest: Hook }).gatedrnnDemoTest.lastSample()))?.length).toBe(96);

    await page.click(id('stored-delete'));
    await idle(page);
    await expect.poll(() => page.locator(id('stored-model')).count()).toBe(0);
    expect(errors).toEqual([]);
  });
});
