// `reproduce` end to end on tiny synthetic data: the grid on real worker threads, the output
// files (trial JSON, Table 2, SVG curves, summary), resumption after a hard kill (finished
// trials are not rerun), refusal to mix settings, and bad inputs.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  reproduce, defaultOptions, learningRates, planTrials, datasetList, type ReproduceOptions,
} from '../bindings/cli/reproduce/index.js';
import { selectBest, table2Rows } from '../bindings/report/table.js';
import { curveSpec } from '../bindings/report/plots.js';
import type { TrialResult } from '../bindings/experiment/trial.js';
import { main } from '../bindings/cli/main.js';
import { ConfigError, FormatError, NotFoundError } from '../bindings/errors.js';
import { bundleCli } from './helpers/bundle.js';

let tmp: string;
let workerUrl: URL;

// The worker runs compiled JavaScript (tests/helpers/bundle.ts bundles it as scripts/bundle.mjs
// does, with dist/reproduce.mjs as a runner of the command for the kill test).
beforeAll(async () => {
  tmp = await bundleCli('gatedrnn-reproduce-');
  workerUrl = pathToFileURL(join(tmp, 'dist', 'reproduce-worker.js'));
}, 120_000);
afterAll(async () => { await rm(tmp, { recursive: true, force: true }); });

/** A grid that takes about a second: 3 tiny units × 2 trials × 2 epochs. */
function tiny(out: string, over: Partial<ReproduceOptions> = {}): ReproduceOptions {
  return defaultOptions({
    dataset: 'synthetic', out, trials: 2, epochs: 2, patience: 2, workers: 2, batchSize: 4,
    hidden: { tanh: 8, gru: 6, lstm: 5 }, syntheticTrain: 12, syntheticLength: [10, 20],
    progress: 'none', workerUrl, command: 'test grid', cache: join(tmp, 'no-cache'), ...over,
  });
}

const readJson = async (p: string) => JSON.parse(await readFile(p, 'utf8'), (_k, v) => (v === null ? NaN : v));

describe('reproduce', () => {
  it('runs the grid on worker threads and writes trials, Table 2, curves and the summary', async () => {
    const out = join(tmp, 'e2e');
    const [o] = await reproduce(tiny(out));
    expect(o).toMatchObject({ dataset: 'synthetic', ran: 6, skipped: 0, failed: [] });
    const dir = join(out, 'synthetic');
    const files = (await readdir(join(dir, 'trials'))).sort();
    expect(files).toEqual(['gru-seed1-trial0.json', 'gru-seed1-trial1.json', 'lstm-seed1-trial0.json', 'lstm-seed1-trial1.json', 'tanh-seed1-trial0.json', 'tanh-seed1-trial1.json']);
    const t: TrialResult = await readJson(join(dir, 'trials', 'lstm-seed1-trial1.json'));
    expect(t.spec).toMatchObject({ unit: 'lstm', unitName: 'LSTM', hiddenSize: 5, peepholes: true, seed: 1, trial: 1, epochs: 2, batchSize: 4, clipNorm: 1, weightNoise: 0.075 });
    expect(t.spec.lr).toBe(learningRates(2, 1)[1]);
    expect(t.spec.optimizer).toEqual({ type: 'rmsprop', lr: t.spec.lr, decay: 0.95, momentum: 0.9, eps: 0, floor: 0.01, centered: false });
    expect(t.history).toHaveLength(2);
    for (const h of t.history) {
      expect(h.trainNll).toBeGreaterThan(0);
      expect(h.validNll).toBeLessThan(62); // below 88·ln 2 + a bit: it is a per-frame NLL
      expect(h.trainSecondsTotal).toBeGreaterThan(0);
    }
    expect(t.testNll).toBeGreaterThan(0);
    expect(t.bestValidNll).toBe(Math.min(...t.history.map((h) => h.validNll)));
    expect(t.recurrentParams).toBe(4 * 5 * (88 + 5) + 8 * 5 + 3 * 5);

    const all: TrialResult[] = await readJson(join(dir, 'trials.json'));
    expect(all).toHaveLength(6);
    const md = await readFile(join(dir, 'README.md'), 'utf8');
    expect(md).toMatch(/\| tanh \|/);
    expect(md).toMatch(/\| GRU \|/);
    expect(md).toMatch(/\| LSTM \|/);
    expect(md).toContain('command: `test grid`');
    expect(md).toContain('**Caps and reductions:** 2 of the paper\'s 10 learning-rate trials');
    for (const f of ['curves-epochs.svg', 'curves-seconds.svg']) {
      const svg = await readFile(join(dir, f), 'utf8');
      expect(svg.startsWith('<svg')).toBe(true);
      expect(svg).toContain('LSTM');
      expect(svg).toMatch(/<path[^>]+d="M/); // the curves were drawn
    }
    expect(await readFile(join(out, 'README.md'), 'utf8')).toContain('Synthetic music');
    const log = await readJson(join(dir, 'run.json'));
    expect(log.invocations).toHaveLength(1);
    expect(log.invocations[0]).toMatchObject({ command: 'test grid', trialsRun: 6, workers: 2 });
  });

  it('resumes after a hard kill without rerunning finished trials', async () => {
    const out = join(tmp, 'killed');
    // slow enough to kill midway: 3 trials × 3 units, 6 epochs each, one worker
    const opts = tiny(out, { trials: 3, epochs: 6, patience: 6, workers: 1, syntheticTrain: 40, syntheticLength: [20, 40], workerUrl: workerUrl.href });
    const child = spawn(process.execPath, [join(tmp, 'dist', 'reproduce.mjs'), JSON.stringify(opts)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => { stderr += d; });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    let running = true;
    void exited.then(() => { running = false; });
    const trialsDir = join(out, 'synthetic', 'trials');
    const done = async () => (await readdir(trialsDir).catch(() => [] as string[])).filter((f) => f.endsWith('.json'));
    for (let i = 0; i < 1200 && running && (await done()).length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    expect(running, `the run ended by itself: ${stderr}`).toBe(true);
    child.kill('SIGKILL');
    await exited;
    const before = await done();
    expect(before.length).toBeGreaterThanOrEqual(2);
    expect(before.length).toBeLessThan(9); // it really was cut off
    const mtimes = new Map<string, number>();
    for (const f of before) mtimes.set(f, (await stat(join(trialsDir, f))).mtimeMs);

    // a report of what finished, without training
    const [partial] = await reproduce(tiny(out, { trials: 3, epochs: 6, patience: 6, syntheticTrain: 40, syntheticLength: [20, 40], reportOnly: true }));
    expect(partial).toMatchObject({ ran: 0, skipped: before.length });
    expect(await readFile(join(out, 'synthetic', 'README.md'), 'utf8')).toContain(`${before.length} of the 9 planned trials had finished`);
    expect(await done()).toHaveLength(before.length);

    const [o] = await reproduce(tiny(out, { trials: 3, epochs: 6, patience: 6, workers: 2, syntheticTrain: 40, syntheticLength: [20, 40] }));
    expect(o.skipped).toBe(before.length);
    expect(o.ran).toBe(9 - before.length);
    for (const f of before) expect((await stat(join(trialsDir, f))).mtimeMs).toBe(mtimes.get(f));
    expect(await done()).toHaveLength(9);

    // a third run has nothing left to do
    const [again] = await reproduce(tiny(out, { trials: 3, epochs: 6, patience: 6, syntheticTrain: 40, syntheticLength: [20, 40] }));
    expect(again).toMatchObject({ ran: 0, skipped: 9 });
  });

  it('refuses to mix settings in one output folder, and a damaged trial file', async () => {
    const out = join(tmp, 'mixed');
    await reproduce(tiny(out, { units: ['tanh'], trials: 1, epochs: 1 }));
    await expect(reproduce(tiny(out, { units: ['tanh'], trials: 1, epochs: 2 }))).rejects.toThrow(ConfigError);
    await expect(reproduce(tiny(out, { units: ['tanh'], trials: 1, epochs: 2 }))).rejects.toThrow(/other settings \(epochs: 1 there, 2 now\)/);
    await writeFile(join(out, 'synthetic', 'trials', 'tanh-seed1-trial0.json'), '{"spec": ');
    await expect(reproduce(tiny(out, { units: ['tanh'], trials: 1, epochs: 1 }))).rejects.toThrow(FormatError);
  });

  it('trains in this thread with --workers 0', async () => {
    const [o] = await reproduce(tiny(join(tmp, 'inproc'), { workers: 0, units: ['gru'], trials: 1, epochs: 1 }));
    expect(o).toMatchObject({ ran: 1, failed: [] });
    expect(o.results[0].history).toHaveLength(1);
  });

  it('answers bad inputs with typed errors that name the problem', async () => {
    const out = join(tmp, 'bad');
    await expect(reproduce(tiny(out, { trials: 0 }))).rejects.toThrow(/--trials must be an integer ≥ 1/);
    await expect(reproduce(tiny(out, { units: ['rnn'] }))).rejects.toThrow(/unknown unit "rnn"/);
    await expect(reproduce(tiny(out, { hidden: { lstm: 0 } }))).rejects.toThrow(ConfigError);
    await expect(reproduce(tiny(out, { seeds: [1, 1] }))).rejects.toThrow(/repeated seed/);
    await expect(reproduce(tiny(out, { seeds: [] }))).rejects.toThrow(ConfigError);
    await expect(reproduce(tiny(out, { onlyTrials: [2] }))).rejects.toThrow(/--only-trials: draw 2 is not among the 2 trials/);
    await expect(reproduce(tiny(out, { dataset: 'bach' }))).rejects.toThrow(/unknown --dataset "bach"/);
    await expect(reproduce(tiny(out, { dataset: 'midi' }))).rejects.toThrow(/needs --midi/);
    await expect(reproduce(tiny(out, { workerUrl: pathToFileURL(join(tmp, 'nope.js')) }))).rejects.toThrow(/worker script .* does not exist/);
    const saved = process.env.GATEDRNN_DATA;
    delete process.env.GATEDRNN_DATA;
    try {
      await expect(reproduce(tiny(out, { dataset: 'jsb' }))).rejects.toThrow(NotFoundError);
      await expect(reproduce(tiny(out, { dataset: 'jsb', data: join(tmp, 'empty') })))
        .rejects.toThrow(/jsb-chorales\.json\.gz and .*JSB Chorales\.pickle do not exist.*--download to fetch the original pickle from http:\/\/www-etud\.iro\.umontreal\.ca\/~boulanni\/JSB%20Chorales\.pickle/);
    } finally {
      if (saved !== undefined) process.env.GATEDRNN_DATA = saved;
    }
  });

  it('rejects malformed command-line values before running anything', async () => {
    const err = console.error;
    const write = process.stderr.write;
    process.stderr.write = (() => true) as never;
    console.error = () => {};
    try {
      // commander's exit code for a bad option value is 1; 0 would mean the run started
      expect(await main(['reproduce', '--trials', 'ten'])).toBe(1);
      expect(await main(['reproduce', '--dataset', 'bach'])).toBe(1);
      expect(await main(['reproduce', '--hidden', 'lstm'])).toBe(1);
      expect(await main(['reproduce', '--seeds', '1,x'])).toBe(1);
      expect(await main(['reproduce', '--lr-log-range', '-6,-7'])).toBe(1);
      expect(await main(['reproduce', '--lr-log-range', '-6'])).toBe(1);
      expect(await main(['reproduce', '--optimizer', 'lbfgs'])).toBe(1);
      expect(await main(['reproduce', '--forget-bias', 'one'])).toBe(1);
    } finally {
      console.error = err;
      process.stderr.write = write;
    }
  });
});

/** A protocol-2 pickle of {train, valid, test} → lists of sequences of lists of ints, written
 *  the way CPython does for plain containers (EMPTY_DICT/LIST, MARK … APPENDS/SETITEMS, BININT1). */
function pickleDataset(ds: Record<string, number[][][]>): Uint8Array {
  const out: number[] = [0x80, 2, 0x7d]; // PROTO 2, EMPTY_DICT
  const list = (items: (() => void)[]) => { out.push(0x5d); if (items.length) { out.push(0x28); items.forEach((f) => f()); out.push(0x65); } };
  out.push(0x28); // MARK
  for (const [k, seqs] of Object.entries(ds)) {
    const key = new TextEncoder().encode(k);
    out.push(0x58, key.length, 0, 0, 0, ...key); // BINUNICODE
    list(seqs.map((seq) => () => list(seq.map((step) => () => list(step.map((n) => () => out.push(0x4b, n)))))));
  }
  out.push(0x75, 0x2e); // SETITEMS, STOP
  return Uint8Array.from(out);
}

describe('reproduce from the original pickles', () => {
  const piece = (k: number) => Array.from({ length: 12 }, (_, t) => [48 + ((t + k) % 5), 60 + ((t * 2 + k) % 7)].sort((a, b) => a - b));
  const ds = { train: [0, 1, 2, 3, 4, 5].map(piece), valid: [6, 7].map(piece), test: [8, 9].map(piece) };
  const bytes = pickleDataset(ds);

  it('downloads a missing data set\'s pickle into the cache (local HTTP server), then trains from the cache', async () => {
    let hits = 0;
    const server = createServer((req, res) => {
      hits++;
      if (decodeURIComponent(req.url ?? '') === '/JSB Chorales.pickle') { res.writeHead(200, { 'content-length': String(bytes.length) }); res.end(bytes); } else { res.writeHead(404); res.end(); }
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const cache = join(tmp, 'cache');
      const opts = (out: string, download: boolean) => tiny(join(tmp, out), { dataset: 'jsb', data: join(tmp, 'empty'), cache, download, downloadUrl: base, units: ['gru'], trials: 1, epochs: 1 });
      await expect(reproduce(opts('dl0', false))).rejects.toThrow(NotFoundError); // no --download: no request
      expect(hits).toBe(0);
      const [o] = await reproduce(opts('dl1', true));
      expect(hits).toBe(1);
      expect(o.results[0].frames).toEqual({ train: 66, valid: 22, test: 22 });
      expect(new Uint8Array(await readFile(join(cache, 'JSB Chorales.pickle')))).toEqual(bytes);
      const [again] = await reproduce(opts('dl2', true)); // from the cache
      expect(hits).toBe(1);
      expect(again.results[0].frames.train).toBe(66);
    } finally {
      await new Promise((ok) => server.close(ok));
    }
  });

  it('reads the original pickle from the data directory, and refuses a pickle that would run code', async () => {
    const dir = join(tmp, 'pickledir');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'Nottingham.pickle'), bytes);
    const [o] = await reproduce(tiny(join(tmp, 'pk'), { dataset: 'nottingham', data: dir, units: ['tanh'], trials: 1, epochs: 1 }));
    expect(o.results[0].frames.test).toBe(22);
    // cos\nsystem\n(S'echo pwned'\ntR. — the classic os.system payload
    await writeFile(join(dir, 'MuseData.pickle'), new TextEncoder().encode("cos\nsystem\n(S'echo pwned'\ntR."));
    await expect(reproduce(tiny(join(tmp, 'pk2'), { dataset: 'musedata', data: dir, units: ['tanh'], trials: 1, epochs: 1 }))).rejects.toThrow(FormatError);
  });
});

describe('the grid and the selection', () => {
  it('draws log-uniform learning rates in [e^−12, e^−6], seeded, a prefix for fewer trials', () => {
    const a = learningRates(10, 1);
    expect(a).toHaveLength(10);
    for (const lr of a) { expect(lr).toBeGreaterThanOrEqual(Math.exp(-12)); expect(lr).toBeLessThanOrEqual(Math.exp(-6)); }
    expect(learningRates(10, 1)).toEqual(a);
    expect(learningRates(3, 1)).toEqual(a.slice(0, 3));
    expect(learningRates(10, 2)).not.toEqual(a);
    expect(new Set(a.map((x) => Math.floor(Math.log(x)))).size).toBeGreaterThan(2); // spread over the range
  });

  it('plans units × trials × seeds with the paper\'s unit forms and sizes', () => {
    const specs = planTrials('jsb', defaultOptions({ trials: 2, seeds: [1, 2] }));
    expect(specs.map((s) => s.id)).toEqual([
      'tanh-seed1-trial0', 'gru-seed1-trial0', 'lstm-seed1-trial0', 'tanh-seed1-trial1', 'gru-seed1-trial1', 'lstm-seed1-trial1',
      'tanh-seed2-trial0', 'gru-seed2-trial0', 'lstm-seed2-trial0', 'tanh-seed2-trial1', 'gru-seed2-trial1', 'lstm-seed2-trial1',
    ]);
    const [t, g, l] = specs;
    expect([t.hiddenSize, g.hiddenSize, l.hiddenSize]).toEqual([100, 46, 36]);
    expect(g.resetAfter).toBe(false);
    expect(l.peepholes).toBe(true);
    expect(specs[3].lr).toBe(specs[9].lr); // the same draws for every seed
    const only = planTrials('jsb', defaultOptions({ trials: 10, onlyTrials: [3, 6], units: ['gru'] }));
    expect(only.map((s) => [s.id, s.lr])).toEqual([['gru-seed1-trial3', learningRates(10, 1)[3]], ['gru-seed1-trial6', learningRates(10, 1)[6]]]);
    expect(datasetList('all')).toEqual(['jsb', 'nottingham', 'musedata', 'piano-midi']);
  });

  it('plans and runs the beyond-the-paper settings: Adam, the LSTM forget-gate bias, skipped divergences', async () => {
    const specs = planTrials('jsb', defaultOptions({ trials: 1, optimizer: 'adam', forgetBias: 1, onDiverge: 'skip' }));
    expect(specs.map((s) => s.optimizer.type)).toEqual(['adam', 'adam', 'adam']);
    expect(specs.map((s) => s.forgetBias)).toEqual([undefined, undefined, 1]);
    expect(specs.every((s) => s.onDiverge === 'skip')).toBe(true);
    expect(planTrials('jsb', defaultOptions({ trials: 1 })).every((s) => s.forgetBias === undefined && s.onDiverge === undefined && s.optimizer.type === 'rmsprop')).toBe(true);
    const [o] = await reproduce(tiny(join(tmp, 'beyond'), { workers: 0, units: ['lstm'], trials: 1, epochs: 1, optimizer: 'adam', forgetBias: 1, saveModels: true }));
    expect(o).toMatchObject({ ran: 1, failed: [] });
    const { loadModel } = await import('../bindings/node.js');
    expect(o.results[0].spec.forgetBias).toBe(1);
    // after one epoch the forget slice of the input bias has moved from 1, the other gates' from 0, by little
    const m = await loadModel(join(tmp, 'beyond', 'synthetic', 'models', 'lstm-seed1-trial0.safetensors'));
    expect(m.data).toEqual({ kind: 'pianoroll', dataset: 'synthetic' }); // eval and sample find the data set
    const b = m.getParam('bias_ih_l0'), H = 5;
    const mean = (a: Float32Array) => a.reduce((x, y) => x + y, 0) / a.length;
    expect(mean(b.subarray(H, 2 * H))).toBeGreaterThan(0.5);
    expect(Math.abs(mean(b.subarray(0, H)))).toBeLessThan(0.5);
    await expect(reproduce(tiny(join(tmp, 'beyond-bad'), { forgetBias: NaN }))).rejects.toThrow(/--forget-bias/);
  });

  it('--train-eval-every k: the train curve scores a subset, every reported number is unchanged', async () => {
    const run = async (out: string, k?: number) => (await reproduce(tiny(join(tmp, out), { workers: 0, units: ['gru'], trials: 1, epochs: 3, patience: 3, trainEvalEvery: k })))[0].results[0];
    const all = await run('tee1'), sub = await run('tee3', 3);
    expect(sub.spec.trainEvalEvery).toBe(3);
    expect(all.spec.trainEvalEvery).toBeUndefined();
    expect(sub.testNll).toBe(all.testNll);
    expect(sub.bestValidNll).toBe(all.bestValidNll);
    expect(sub.bestEpoch).toBe(all.bestEpoch);
    expect(sub.trainNll).toBe(all.trainNll); // the whole training set, scored once with the best parameters
    expect(sub.trainNllSeq).toBe(all.history[all.bestEpoch].trainNllSeq);
    expect(sub.history.map((h) => h.trainNll)).not.toEqual(all.history.map((h) => h.trainNll));
  });

  it('selects per unit the trial with the lowest validation NLL and reports its test NLL against the paper', () => {
    const fake = (unitName: string, trial: number, valid: number, test: number): TrialResult => ({
      spec: { unitName, trial, seed: 1, lr: 1e-4 * (trial + 1) } as TrialResult['spec'],
      recurrentParams: 1000, history: [{ epoch: 0, trainNll: test - 1, validNll: valid, trainLossNoisy: 0, trainSeconds: 1, elapsed: 1, trainSecondsTotal: 1, lr: 1e-4, best: true }],
      bestEpoch: 0, bestValidNll: valid, trainNll: test - 1, testNll: test, stopped: 'patience', seconds: 1, build: 'relaxed',
      startedAt: '', finishedAt: '', frames: { train: 1, valid: 1, test: 1 },
    });
    const results = [fake('GRU', 0, 9.0, 8.0), fake('GRU', 1, 8.5, 9.5), fake('GRU', 2, NaN, NaN), fake('tanh', 0, 9.4, 9.3)];
    const sel = selectBest(results);
    expect(sel.map((s) => [s.unit, s.best?.spec.trial])).toEqual([['tanh', 0], ['GRU', 1]]);
    const rows = table2Rows('jsb', sel);
    expect(rows[1].slice(2, 5)).toEqual(['**9.30** (8.30)', '9.10 (8.82)', '+0.20']);
    expect(rows[2].slice(2, 5)).toEqual(['**9.50** (8.50)', '8.54 (6.94)', '+0.96']);
  });

  it('describes the learning curves on a log axis, one colour per unit, dashed validation', () => {
    const spec = curveSpec([{ unit: 'GRU', split: 'valid', epoch: 1, seconds: 2, nll: 9 }, { unit: 'GRU', split: 'train', epoch: 1, seconds: 2, nll: NaN }], 'seconds', 't') as {
      data: { values: unknown[] }; encoding: Record<string, { field?: string; scale?: { type?: string } }>;
    };
    expect(spec.encoding.y.scale?.type).toBe('log');
    expect(spec.encoding.x.field).toBe('seconds');
    expect(spec.encoding.color.field).toBe('unit');
    expect(spec.encoding.strokeDash.field).toBe('split');
    expect(spec.data.values).toHaveLength(1); // non-finite points are left out
  });
});

describe('reproduce --schedule halving', () => {
  it('trains the draws in rungs, keeps the best third, and scores the survivors exactly as the full grid does', async () => {
    const { rungEpochs } = await import('../bindings/cli/reproduce/halving.js');
    expect(rungEpochs(60, 3, 10)).toEqual([7, 20, 60]);
    expect(rungEpochs(9, 3, 3)).toEqual([9]);
    expect(rungEpochs(8, 2, 8)).toEqual([2, 4, 8]); // 8 → 4 → 2 draws
    const full = join(tmp, 'halving-full'), halved = join(tmp, 'halving');
    const base = { trials: 6, epochs: 6, patience: 6, units: ['gru'], workers: 1 } as const;
    const [f] = await reproduce(tiny(full, { ...base, units: ['gru'] }));
    const [h] = await reproduce(tiny(halved, { ...base, units: ['gru'], schedule: 'halving' }));
    // 6 draws → 2 at 2 epochs (η = 3) → the 2 survivors at 6 epochs
    const files = (await readdir(join(halved, 'synthetic', 'trials'))).sort();
    expect(files.filter((x) => x.includes('-rung0'))).toHaveLength(6);
    expect(h.results).toHaveLength(2);
    const best = (rs: TrialResult[]) => [...rs].sort((a, b) => a.bestValidNll - b.bestValidNll)[0];
    const bf = best(f.results), bh = best(h.results);
    if (h.results.some((r) => r.spec.trial === bf.spec.trial)) {
      // the full grid's winner survived: the same learning rate and the same scores
      expect(bh.spec.lr).toBe(bf.spec.lr);
      expect(bh.testNll).toBe(bf.testNll);
    }
    // a survivor's trial went on from its rung's last checkpoint and is the full grid's trial,
    // every number of every epoch (clocks aside)
    const strip = (r: TrialResult) => JSON.parse(JSON.stringify({ ...r, seconds: 0, startedAt: '', finishedAt: '', continuedFrom: undefined,
      history: r.history.map((e) => ({ ...e, trainSeconds: 0, elapsed: 0, trainSecondsTotal: 0 })) }, (_k, v) => (typeof v === 'number' && Number.isNaN(v) ? 'NaN' : v)));
    for (const r of h.results) {
      const twin = f.results.find((x) => x.spec.trial === r.spec.trial)!;
      expect(r.continuedFrom).toEqual({ trial: `${r.spec.id}-rung0`, epochs: 2 });
      expect(r.testNll).toBe(twin.testNll);
      expect(strip(r)).toEqual(strip(twin));
    }
    expect(await readdir(join(halved, 'synthetic', 'checkpoints'))).toEqual([]); // the rungs' checkpoints are gone
    expect(await readFile(join(halved, 'synthetic', 'README.md'), 'utf8')).toContain('successive halving');
  });

  it('goes on from a shorter trial only when that trial is the first epochs of this one', async () => {
    const { runTrial } = await import('../bindings/experiment/trial.js');
    const { syntheticMusic } = await import('../bindings/data/synthetic.js');
    const { planTrials } = await import('../bindings/cli/reproduce/plan.js');
    const o = tiny(join(tmp, 'cont-plan'), { trials: 2, epochs: 5, patience: 5, units: ['lstm'] });
    const [spec, other] = planTrials('synthetic', o);
    const data = syntheticMusic({ seed: 1, train: 12, valid: 3, test: 3, minLength: 10, maxLength: 20 });
    const dir = await mkdtemp(join(tmp, 'cont-'));
    const short = { ...spec, id: `${spec.id}-rung0`, epochs: 2, patience: 2 };
    await runTrial(short, data, undefined, {}, { checkpointPath: join(dir, 'short.safetensors') });
    const scratch = await runTrial(spec, data, undefined);
    const from = { path: join(dir, 'short.safetensors'), trial: short.id, epochs: 2 };
    const went = await runTrial(spec, data, undefined, {}, { checkpointPath: join(dir, 'a.safetensors'), continueFrom: from });
    expect(went.continuedFrom).toEqual({ trial: short.id, epochs: 2 });
    expect(went.history.map((e) => e.validNll)).toEqual(scratch.history.map((e) => e.validNll));
    expect(went.testNll).toBe(scratch.testNll);
    // another learning rate, a claim of more epochs than the checkpoint has, a file that is not a
    // checkpoint: from the start
    await writeFile(join(dir, 'junk.safetensors'), 'not a checkpoint');
    for (const [s, f] of [[other, from], [spec, { ...from, epochs: 3 }], [spec, { ...from, path: join(dir, 'junk.safetensors') }]] as const) {
      const r = await runTrial(s, data, undefined, {}, { checkpointPath: join(dir, `b${s.trial}-${f.epochs}-${f.path.length}.safetensors`), continueFrom: f });
      expect(r.continuedFrom).toBeUndefined();
      expect(r.history).toHaveLength(5);
    }
  });
});
