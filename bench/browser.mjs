// gatedrnn in the browser next to Node: frames/s of the paper's three music models (tanh-100,
// GRU-46 reset-before, LSTM-36 with peepholes; 88 inputs, Bernoulli head) in headless Chromium
// (dist/browser.js, the core fetched over HTTP) and in this Node process (dist/node.js), with
// the same measurement code on both sides (bench/lib/measure.mjs, served to the page and
// imported here). A frame is one time step of one sequence.
//
//   npm run bench:browser                  (= npm run build && node bench/browser.mjs)
//   node bench/browser.mjs [--quick] [--builds=relaxed,simd] [--only=<model|mode substring>]
//                          [--repeats=7] [--min-time=0.5] [--T=100] [--out=bench/results]
//   node bench/browser.mjs --render       rewrite browser.md from browser.json, measuring nothing
//
// Per case (model × mode × B × build) both sides prepare the same model (same seed, same data),
// warm up for one window each, then take `repeats` timed windows of ≥ min-time seconds,
// alternating Node and Chromium (the order flips each round), so a change in the machine's load
// falls on both. Figures are medians of the windows. While one side runs the other waits.
// Writes bench/results/browser.json and bench/results/browser.md.
import os from 'node:os';
import { createServer } from 'node:http';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { createRunner, listCases, TRAIN_OPTS } from './lib/measure.mjs';
import { parseArgs } from './lib/args.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

const args = parseArgs();
const QUICK = !!args.quick;
const CFG = {
  T: Number(args.T ?? 100),
  repeats: Number(args.repeats ?? (QUICK ? 3 : 7)),
  minTime: Number(args['min-time'] ?? (QUICK ? 0.2 : 0.5)),
  warmTime: QUICK ? 0.2 : 0.5,
  builds: typeof args.builds === 'string' ? args.builds.split(',') : ['relaxed', 'simd'],
};
const only = typeof args.only === 'string' ? args.only : null;
const outDir = typeof args.out === 'string' ? args.out : QUICK ? join(os.tmpdir(), 'gatedrnn-bench-browser-quick') : join(here, 'results');
const CHROMIUM = process.env.GATEDRNN_CHROMIUM ?? '/usr/bin/chromium';

for (const f of ['dist/node.js', 'dist/browser.js', ...CFG.builds.map((b) => `build/gatedrnn.${b}.wasm`)]) {
  if (!existsSync(join(root, f))) throw new Error(`${f} is missing: run npm run build`);
}
if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found (apt-get install chromium, or set GATEDRNN_CHROMIUM)`);

const sha = (f) => { try { return createHash('sha256').update(readFileSync(join(root, f))).digest('hex').slice(0, 16); } catch { return 'missing'; } };
// dist/browser.js fetches the core next to itself (dist/gatedrnn.<build>.wasm, copied there by
// scripts/bundle.mjs) or, older bundles, from build/; both are hashed and the server logs which
// one the page asked for.
const served = ['dist/browser.js', 'dist/node.js', ...CFG.builds.flatMap((b) => [`build/gatedrnn.${b}.wasm`, `dist/gatedrnn.${b}.wasm`])]
  .filter((f) => existsSync(join(root, f)));
const hashesBefore = Object.fromEntries(served.map((f) => [f, sha(f)]));

// ------------------------------------------------------------------------- machine facts

function cpuModel() {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1].trim();
  } catch { /* not Linux */ }
  return os.cpus()[0]?.model ?? 'unknown';
}

/** CPU time (ticks) of every process but this one and its children, by pid. */
function procTicks() {
  const out = new Map();
  let pids = [];
  try { pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)); } catch { return out; }
  for (const pid of pids) {
    try {
      const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = s.lastIndexOf(')');
      const comm = s.slice(s.indexOf('(') + 1, close);
      const f = s.slice(close + 2).split(' ');
      const ppid = Number(f[1]);
      out.set(Number(pid), { comm, ppid, ticks: Number(f[11]) + Number(f[12]) });
    } catch { /* gone */ }
  }
  return out;
}

/** Other processes busy over one second: [{ pid, what, cpu % of one core }]. */
async function otherLoad() {
  const a = procTicks();
  await new Promise((r) => setTimeout(r, 1000));
  const b = procTicks();
  const mine = new Set([process.pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, p] of b) if (!mine.has(pid) && mine.has(p.ppid)) { mine.add(pid); grew = true; }
  }
  const hz = 100; // USER_HZ on Linux
  const busy = [];
  for (const [pid, p] of b) {
    if (mine.has(pid) || !a.has(pid)) continue;
    const pct = ((p.ticks - a.get(pid).ticks) / hz) * 100;
    if (pct >= 5) {
      let what = p.comm;
      try {
        const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
        what = argv.slice(0, 3).map((x) => x.split('/').slice(-2).join('/')).join(' ');
      } catch { /* keep comm */ }
      busy.push({ pid, what, cpu: Math.round(pct) });
    }
  }
  return busy.sort((x, y) => y.cpu - x.cpu);
}

/** Nanoseconds the main thread of a process has run on a CPU (/proc/<pid>/task/<pid>/schedstat,
 *  first field); NaN where the kernel does not give it. */
function threadRunNs(pid) {
  try { return Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[0]); } catch { return NaN; }
}

/** The Chromium renderer processes started by this script (descendants with --type=renderer). */
function rendererPids() {
  const all = procTicks();
  const mine = new Set([process.pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, p] of all) if (!mine.has(pid) && mine.has(p.ppid)) { mine.add(pid); grew = true; }
  }
  return [...mine].filter((pid) => {
    try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer'); } catch { return false; }
  });
}

// ------------------------------------------------------------------------------ the server

const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html', '.map': 'application/json' };
const PAGE = `<!doctype html><meta charset="utf-8"><title>gatedrnn bench</title><script type="module">
import * as g from '/dist/browser.js';
import { createRunner } from '/bench/lib/measure.mjs';
window.runner = createRunner(g);
window.facts = { userAgent: navigator.userAgent, defaultBuild: g.browserDefaultBuild(), crossOriginIsolated, hardwareConcurrency: navigator.hardwareConcurrency };
window.ready = true;
</script>`;

const requested = new Set();

function startServer() {
  const server = createServer(async (req, res) => {
    // Cross-origin isolation gives the page the fine-grained clock (performance.now).
    const iso = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp', 'cache-control': 'no-store' };
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/favicon.ico') { res.writeHead(204); res.end(); return; }
    if (url.pathname === '/') { res.writeHead(200, { ...iso, 'content-type': 'text/html' }); res.end(PAGE); return; }
    const path = normalize(join(root, decodeURIComponent(url.pathname)));
    const rel = relative(root, path).split(sep).join('/');
    if (!/^(dist|build)\/[^/]+$/.test(rel) && rel !== 'bench/lib/measure.mjs') { res.writeHead(404); res.end(); return; }
    try {
      const body = await readFile(path);
      requested.add(rel);
      res.writeHead(200, { ...iso, 'content-type': TYPES[rel.slice(rel.lastIndexOf('.'))] ?? 'application/octet-stream' });
      res.end(body);
    } catch { res.writeHead(404); res.end(); }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// ---------------------------------------------------------------------------------- helpers

const median = (a) => { const s = [...a].sort((x, y) => x - y); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const fmt = (v) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '—');
const MODE_LABEL = { train: 'train', forward: 'forward', stream: 'stream' };

function table(rows, full) {
  const head = ['model', 'B', 'mode', 'build', 'Node frames/s', 'Chromium frames/s', 'Chromium / Node', 'same, per CPU-second'];
  if (full) head.push('spread Node / Chromium', 'on-CPU Node / Chromium', 'Node frames/CPU-s', 'Chromium frames/CPU-s');
  const pct = (x) => `${Math.round(100 * x)} %`;
  const body = rows.map((r) => {
    const c = [r.name, String(r.B), MODE_LABEL[r.mode], r.build, fmt(r.node.fps), fmt(r.chromium.fps), `${r.ratio.toFixed(2)}×`, Number.isFinite(r.cpuRatio) ? `${r.cpuRatio.toFixed(2)}×` : '—'];
    if (full) c.push(`±${r.node.spread.toFixed(0)} % / ±${r.chromium.spread.toFixed(0)} %`, `${pct(r.node.cpuShare)} / ${pct(r.chromium.cpuShare)}`, fmt(r.node.cpuFps), fmt(r.chromium.cpuFps));
    return c;
  });
  const all = [head, ...body];
  const w = head.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r) => '| ' + r.map((c, j) => (j < 4 ? c.padEnd(w[j]) : c.padStart(w[j]))).join(' | ') + ' |';
  const sepl = '|' + w.map((n, j) => (j < 4 ? '-'.repeat(n + 2) : '-'.repeat(n + 1) + ':')).join('|') + '|';
  return [line(head), sepl, ...body.map(line)].join('\n');
}

// ------------------------------------------------------------------------------------- main

async function main() {
  const t0 = Date.now();
  const loadBefore = os.loadavg();
  const busyBefore = await otherLoad();

  const g = await import(pathToFileURL(join(root, 'dist', 'node.js')).href);
  const nodeRunner = createRunner(g);

  const server = await startServer();
  const base = `http://127.0.0.1:${server.address().port}/`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-renderer-backgrounding', '--disable-background-timer-throttling'],
  });
  const errors = [];
  try {
    const page = await browser.newPage();
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.goto(base);
    await page.waitForFunction(() => window.ready === true, null, { timeout: 30000 });
    const pageFacts = await page.evaluate(() => window.facts);
    // The CPU time of the main thread that computes (this process's, the renderers'), read
    // around every window: frames per CPU-second do not count the time the thread spent
    // waiting for a core, so they are much less sensitive to other load than wall-clock rates.
    const renderers = rendererPids();
    const cpuNs = (pids) => pids.reduce((a, pid) => a + threadRunNs(pid), 0);
    const timed = async (pids, run) => {
      const c0 = cpuNs(pids);
      const w = await run();
      return { ...w, cpuSec: (cpuNs(pids) - c0) / 1e9 };
    };
    const chrome = {
      prepare: (spec) => page.evaluate((s) => window.runner.prepare(s), spec),
      sample: (id, t) => timed(renderers, () => page.evaluate(([i, s]) => window.runner.sample(i, s), [id, t])),
      dispose: (id) => page.evaluate((i) => window.runner.dispose(i), id),
    };
    const node = {
      prepare: async (spec) => nodeRunner.prepare(spec),
      sample: (id, t) => timed([process.pid], async () => nodeRunner.sample(id, t)),
      dispose: async (id) => nodeRunner.dispose(id),
    };

    const cases = listCases(g).filter((c) => !only || `${c.name} ${c.unit} ${c.mode} b${c.B}`.toLowerCase().includes(only.toLowerCase()));
    const rows = [];
    console.log(`# gatedrnn, Node ${process.version} vs Chromium ${await browser.version()} headless, T = ${CFG.T}, ${CFG.repeats} windows ≥ ${CFG.minTime} s each side, median`);
    for (const c of cases) {
      for (const build of CFG.builds) {
        const spec = { unit: c.unit, B: c.B, mode: c.mode, T: CFG.T, build };
        const sides = { node, chromium: chrome };
        const prep = {};
        for (const [k, s] of Object.entries(sides)) prep[k] = await s.prepare(spec);
        for (const [k, s] of Object.entries(sides)) {
          if (prep[k].build !== build) throw new Error(`${k} ran build ${prep[k].build}, asked for ${build}`);
          await s.sample(prep[k].id, CFG.warmTime); // warm-up: lets WebAssembly tier up
        }
        const fps = { node: [], chromium: [] }, cpu = { node: [], chromium: [] }, share = { node: [], chromium: [] };
        for (let r = 0; r < CFG.repeats; r++) {
          const order = r % 2 ? ['chromium', 'node'] : ['node', 'chromium'];
          for (const k of order) {
            const w = await sides[k].sample(prep[k].id, CFG.minTime);
            fps[k].push(w.frames / w.sec);
            cpu[k].push(w.frames / w.cpuSec);
            share[k].push(w.cpuSec / w.sec);
          }
        }
        for (const [k, s] of Object.entries(sides)) await s.dispose(prep[k].id);
        const side = (k) => {
          const m = median(fps[k]);
          return {
            fps: m, windows: fps[k].map(Math.round), spread: (100 * (Math.max(...fps[k]) - Math.min(...fps[k]))) / 2 / m,
            cpuFps: median(cpu[k]), cpuWindows: cpu[k].map(Math.round), cpuShare: +median(share[k]).toFixed(3), check: prep[k].check,
          };
        };
        const row = { ...c, build, T: c.mode === 'stream' ? 1 : CFG.T, framesPerCall: prep.node.framesPerCall, node: side('node'), chromium: side('chromium') };
        row.ratio = row.chromium.fps / row.node.fps;
        row.cpuRatio = row.chromium.cpuFps / row.node.cpuFps;
        row.sameResult = prep.node.check === prep.chromium.check;
        rows.push(row);
        console.log(`${c.name.padEnd(8)} B=${String(c.B).padEnd(2)} ${c.mode.padEnd(7)} ${build.padEnd(7)} node ${fmt(row.node.fps).padStart(9)}  chromium ${fmt(row.chromium.fps).padStart(9)}  ${row.ratio.toFixed(2)}×  per CPU-s ${row.cpuRatio.toFixed(2)}×  (on-CPU ${Math.round(100 * row.node.cpuShare)} % / ${Math.round(100 * row.chromium.cpuShare)} %)${row.sameResult ? '' : `  (first result differs: ${prep.node.check} vs ${prep.chromium.check})`}`);
      }
    }

    const loadAfter = os.loadavg();
    const busyAfter = await otherLoad();
    const hashesAfter = Object.fromEntries(served.map((f) => [f, sha(f)]));
    const changed = served.filter((f) => hashesAfter[f] !== hashesBefore[f]);
    const meta = {
      date: new Date().toISOString(),
      seconds: Math.round((Date.now() - t0) / 1000),
      quick: QUICK,
      config: { ...CFG, trainOptions: TRAIN_OPTS, optimizer: 'PAPER_RMSPROP, lr 1e-4', frame: 'one time step of one sequence' },
      cpu: cpuModel(),
      cores: os.cpus().length,
      memGiB: Math.round(os.totalmem() / 2 ** 30),
      platform: `${os.type()} ${os.release()} ${os.arch()}`,
      node: { version: process.version, v8: process.versions.v8, defaultBuild: g.defaultBuild() },
      chromium: { version: await browser.version(), executable: CHROMIUM, ...pageFacts },
      load: { before: loadBefore.map((x) => +x.toFixed(2)), after: loadAfter.map((x) => +x.toFixed(2)), otherProcessesBefore: busyBefore, otherProcessesAfter: busyAfter },
      files: hashesBefore,
      pageLoaded: [...requested].sort(),
      changedDuringRun: changed,
      pageErrors: errors,
    };
    const loaded = busyBefore.concat(busyAfter).reduce((m, p) => Math.max(m, p.cpu), 0) >= 50 || loadBefore[0] > 0.5;
    meta.loaded = loaded;

    console.log('\n' + table(rows, false));
    if (changed.length) console.log(`\nWARNING: ${changed.join(', ')} changed during the run; re-run for figures of one version.`);
    if (errors.length) console.log(`\npage errors: ${errors.join(' | ')}`);

    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'browser.json'), JSON.stringify({ meta, rows }, null, 1) + '\n');
    writeFileSync(join(outDir, 'browser.md'), markdown(meta, rows));
    console.log(`\nwrote ${join(outDir, 'browser.json')}, ${join(outDir, 'browser.md')} in ${meta.seconds} s`);
  } finally {
    await browser.close();
    server.close();
  }
}

function markdown(meta, rows) {
  const busy = (list) => (list.length ? list.map((p) => `\`${p.what}\` ${p.cpu} %`).join(', ') : 'none');
  const mismatches = rows.filter((r) => !r.sameResult);
  const geo = (f, key = 'ratio') => { const s = rows.filter(f); return s.length ? Math.exp(s.reduce((a, r) => a + Math.log(r[key]), 0) / s.length) : NaN; };
  const geoLine = (key) => ['train', 'forward', 'stream'].map((m) => `${m} ${geo((r) => r.mode === m, key).toFixed(2)}×`).join(', ') + `, all ${geo(() => true, key).toFixed(2)}×`;
  const lines = [
    '# gatedrnn in the browser: headless Chromium next to Node',
    '',
    `Written by \`bench/browser.mjs\` (\`npm run bench:browser\`) on ${meta.date.slice(0, 10)}${meta.quick ? ' — **quick run** (short windows)' : ''}.`,
    '',
    `Frames per second (a frame = one time step of one sequence) of the paper's three music models — tanh-RNN 100 units, GRU 46 (reset gate before the recurrent product), LSTM 36 with peepholes; 88 piano-roll inputs, 88 Bernoulli outputs — in one thread, in this Node process (\`dist/node.js\`) and in a headless Chromium page (\`dist/browser.js\`, the core fetched over HTTP from a local server). Both sides run the same measurement module, \`bench/lib/measure.mjs\`, given the library's namespace.`,
    '',
    '- **train**: `model.trainStep(batch, { clipNorm: 1, weightNoise: 0.075 })` with the paper\'s RMSProp (forward, BPTT, Bernoulli head, clipping, weight noise, update), T = ' + meta.config.T + ' frames × B sequences a call. The music grid (`gatedrnn reproduce`) trains at B = 1 on whole sequences (mean training length 60 frames on JSB, 254 Nottingham, 468 MuseData, 873 Piano-midi); T = 100 sits in that range and is what `bench/train.mjs` and `bench/run.mjs` use; the cost per frame hardly depends on T.',
    `- **forward**: \`model.forward(batch)\` (loss and the output distribution, copied out), T = ${meta.config.T} × B frames a call.`,
    '- **stream**: `model.stream(1).step(frame)`, one frame a call, what sampling uses (the drawing of notes itself is not included).',
    '',
    `Per case both sides build the same model (same seed, same data), warm up for one window of ${meta.config.warmTime} s, then take ${meta.config.repeats} timed windows of at least ${meta.config.minTime} s each, alternating Node and Chromium (the order flips every round; one side waits while the other runs). Figures are medians of the windows; the spread is half the range of the windows over the median.`,
    '',
    '## Machine',
    '',
    `- CPU: ${meta.cpu}, ${meta.cores} cores, ${meta.memGiB} GiB; ${meta.platform}`,
    `- Node ${meta.node.version} (V8 ${meta.node.v8}), default build \`${meta.node.defaultBuild}\` (dist/node.js turns on Node 20's relaxed-SIMD flag itself)`,
    `- Chromium ${meta.chromium.version} (\`${meta.chromium.executable}\` --headless --no-sandbox --disable-gpu, driven by playwright-core), default build \`${meta.chromium.defaultBuild}\`, cross-origin isolated: ${meta.chromium.crossOriginIsolated}`,
    ...(meta.pageLoaded ? [`- the page loaded ${meta.pageLoaded.map((f) => `\`${f}\``).join(', ')}`] : []),
    `- load average (1, 5, 15 min) at start ${meta.load.before.join(', ')}, at the end ${meta.load.after.join(', ')}`,
    `- other busy processes (CPU % of one core over 1 s) at start: ${busy(meta.load.otherProcessesBefore)}; at the end: ${busy(meta.load.otherProcessesAfter)}`,
    '',
  ];
  if (meta.loaded) {
    lines.push(`> **The machine was loaded** during this run (see the processes above), so the absolute figures are below what an idle machine gives. Both sides were measured in the same run, alternating window by window, so the Chromium / Node ratio is still meaningful; the ratio per CPU-second is the steadier of the two under load.`, '');
  }
  lines.push('## Results', '', table(rows, true), '');
  lines.push(`Geometric means of Chromium / Node — wall clock: ${geoLine('ratio')}; per CPU-second: ${geoLine('cpuRatio')}.`, '');
  lines.push('Columns: *Chromium / Node* divides the wall-clock rates; *same, per CPU-second* divides frames per second of CPU time of the thread that computes (Node\'s main thread, the renderer\'s main thread; `/proc/<pid>/task/<pid>/schedstat`, read around every window), which leaves out the time a thread waited for a core; *on-CPU* is that CPU time over the window\'s wall time (100 % on an idle machine); *spread* is half the range of the windows over their median.', '');
  lines.push(mismatches.length
    ? `The first result of a case (loss, or the sum of the first streamed distribution) differed between the two sides in: ${mismatches.map((r) => `${r.name} ${r.mode} B=${r.B} ${r.build}`).join('; ')}.`
    : 'The first result of every case (the loss of the first call, or the sum of the first streamed distribution) was bit-identical in Node and Chromium, so both sides computed the same thing.');
  lines.push('');
  if (meta.changedDuringRun.length) lines.push(`**Warning:** ${meta.changedDuringRun.join(', ')} changed during the run.`, '');
  if (meta.pageErrors.length) lines.push(`Page errors: ${meta.pageErrors.join(' | ')}`, '');
  lines.push(`Raw windows: \`browser.json\`. Run time ${meta.seconds} s.`, '');
  return lines.join('\n');
}

if (args.render) {
  // Rewrites browser.md from the browser.json already in the output folder (no measuring).
  const { meta, rows } = JSON.parse(readFileSync(join(outDir, 'browser.json'), 'utf8'));
  writeFileSync(join(outDir, 'browser.md'), markdown(meta, rows));
  console.log(`rewrote ${join(outDir, 'browser.md')} from browser.json`);
} else {
  main().catch((e) => { console.error(e); process.exit(1); });
}
