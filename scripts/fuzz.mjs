#!/usr/bin/env node
// npm run fuzz [-- options]: the long fuzz run of the six input parsers (model files, pickle,
// MIDI, json.gz, WAV, PyTorch .pt) with the generators of tests/fuzz/ (bundled here with esbuild into
// node_modules/.cache/gatedrnn-fuzz/run-<pid>/). Cases run in a child process with a V8 heap bound
// (--heap-mb) and a peak-RSS bound (--rss-mb); a case that takes longer than --timeout-ms is a
// hang (the child is killed and a new one goes on with the next case), a child that dies is a
// crash (an abort, an out-of-memory), a thrown value that is not a GatedRnnError is an untyped
// error, a valid input parsed to something else (or refused) is a mismatch. Every failing input
// is written to --out (fuzz-out/, gitignored) with a .json beside it saying how to replay it.
//
//   --cases N         cases per parser (default 100000)
//   --parsers a,b     any of safetensors, pickle, midi, jsongz, wav, torchpt (default: all)
//   --seed S          run seed (default 1); case i of a seed is always the same input
//   --start I         first case index (default 0)
//   --timeout-ms T    time bound of one case (default 5000): its CPU time, or 4× in wall time
//   --heap-mb M       V8 old-space bound of the child (default 512)
//   --rss-mb M        peak-RSS bound of one case (default 2048)
//   --scale S         fuzz (default) or test (the smaller hostile inputs of npm test)
//   --out DIR         where failing inputs go (default fuzz-out)
//   --save-max K      inputs saved per kind of failure and parser (default 10)
//   --shrink          shrink one input of each untyped/mismatch kind (in this process)
//   --replay FILE --parser P   run one saved input with the same bounds
//   --chunk N         cases per child process before a fresh one (default 25000)
//   --help            this text
//
// Exit status 1 when any case failed.
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: a } = parseArgs({
  options: {
    help: { type: 'boolean', short: 'h', default: false },
    cases: { type: 'string', default: '100000' },
    parsers: { type: 'string', default: 'safetensors,pickle,midi,jsongz,wav,torchpt' },
    seed: { type: 'string', default: '1' },
    start: { type: 'string', default: '0' },
    'timeout-ms': { type: 'string', default: '5000' },
    'heap-mb': { type: 'string', default: '512' },
    'rss-mb': { type: 'string', default: '2048' },
    scale: { type: 'string', default: 'fuzz' },
    out: { type: 'string', default: 'fuzz-out' },
    'save-max': { type: 'string', default: '10' },
    chunk: { type: 'string', default: '25000' },
    shrink: { type: 'boolean', default: false },
    replay: { type: 'string' },
    parser: { type: 'string' },
  },
});
if (a.help) {
  // the option list is the comment at the top of this file
  const src = (await import('node:fs')).readFileSync(fileURLToPath(import.meta.url), 'utf8');
  const head = [];
  for (const l of src.split('\n').slice(1)) { if (!l.startsWith('//')) break; head.push(l.slice(3)); }
  console.log(head.join('\n'));
  process.exit(0);
}
const int = (k) => {
  const v = Number(a[k]);
  if (!Number.isSafeInteger(v) || v < 0) { console.error(`--${k} must be a non-negative integer, got ${a[k]}`); process.exit(2); }
  return v;
};
const CASES = int('cases'), SEED = int('seed'), START = int('start'), TIMEOUT = int('timeout-ms');
const HEAP = int('heap-mb'), RSS = int('rss-mb'), SAVE_MAX = int('save-max'), CHUNK = Math.max(1, int('chunk'));
const SCALE = a.scale;
if (SCALE !== 'fuzz' && SCALE !== 'test') { console.error('--scale must be fuzz or test'); process.exit(2); }
const OUT = resolve(a.out);
const GEN_TIMEOUT = 120_000; // building one input (a suite bug if it takes this long)

// ---- bundle the TypeScript generators and targets (one folder per run, so runs side by side
// and edits of tests/fuzz/ during a run do not mix)
const cacheDir = join(ROOT, 'node_modules', '.cache', 'gatedrnn-fuzz', `run-${process.pid}`);
const children = new Set();
const TMP = mkdtempSync(join(tmpdir(), 'gatedrnn-fuzz-run-')); // the children's scratch files
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(cacheDir, { recursive: true, force: true });
  rmSync(TMP, { recursive: true, force: true });
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));
await build({
  entryPoints: { child: join(ROOT, 'tests/fuzz/child.ts'), lib: join(ROOT, 'tests/fuzz/lib.ts') },
  outdir: cacheDir, outExtension: { '.js': '.mjs' }, bundle: true, platform: 'node', format: 'esm', target: 'node20',
  logLevel: 'warning', sourcemap: 'inline',
  // midi-file is CommonJS; give the ESM bundle a require for what it might ask for
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
const CHILD = join(cacheDir, 'child.mjs');
const lib = await import(pathToFileURL(join(cacheDir, 'lib.mjs')).href);
const PARSERS = a.parsers.split(',').map((s) => s.trim()).filter(Boolean);
for (const p of [...PARSERS, ...(a.parser ? [a.parser] : [])]) {
  if (!lib.PARSERS.includes(p)) { console.error(`unknown parser ${p}; expected some of ${lib.PARSERS.join(', ')}`); process.exit(2); }
}

/** Runs cases [from, to) of `parser` in one child; resolves with the index to go on from. */
function runChild(parser, from, to, st, replay) {
  return new Promise((done) => {
    const job = { parser, seed: SEED, from, to, scale: SCALE, rssMb: RSS, tmp: TMP, ...(replay ? { replay } : {}) };
    const child = spawn(process.execPath, [`--max-old-space-size=${HEAP}`, CHILD, JSON.stringify(job)], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    children.add(child);
    let phase = null, cur = from, since = performance.now(), cpuSince = 0, finished = false, killed = null, stderr = '', buf = '', memoryAt = -1, firstCase = true;
    child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
    const handle = (line) => {
      const sp = line.indexOf(' ');
      const tag = sp < 0 ? line : line.slice(0, sp), rest = sp < 0 ? '' : line.slice(sp + 1);
      if (tag === 'G' || tag === 'S') { phase = tag; cur = Number(rest); since = performance.now(); cpuSince = cpuMs(child.pid); }
      else if (tag === 'E') {
        const [i, s, ms, code] = rest.split(' ');
        phase = null; firstCase = false;
        st.cases++;
        const key = { o: 'ok', t: 'typed', u: 'untyped', m: 'mismatch' }[s];
        st[key]++;
        if (code) st.codes[code] = (st.codes[code] ?? 0) + 1;
        const t = Number(ms);
        if (t > st.slowest.ms) st.slowest = { ms: t, index: Number(i) };
        if (t > 1000) st.over1s++;
      } else if (tag === 'R') {
        const r = JSON.parse(rest);
        if (replay) { st.replay = r; return; }
        fail(st, parser, r.status, r.i, { error: r.error, ms: undefined });
      } else if (tag === 'M') {
        const r = JSON.parse(rest);
        memoryAt = r.i;
        st.memory++;
        fail(st, parser, 'memory', r.i, { peakMb: r.peakMb });
      } else if (tag === 'X') {
        const r = JSON.parse(rest);
        st.genErrors++;
        fail(st, parser, 'generator', r.i, { error: r.error });
      } else if (tag === 'D') finished = true;
    };
    child.stdio[3].setEncoding('latin1');
    child.stdio[3].on('data', (d) => {
      let start = 0, nl;
      while ((nl = d.indexOf('\n', start)) >= 0) { handle(buf + d.slice(start, nl)); buf = ''; start = nl + 1; }
      buf += d.slice(start);
    });
    const timer = setInterval(() => {
      if (!replay && performance.now() - st.lastReport > 15_000) {
        st.lastReport = performance.now();
        console.error(`[${parser}] ${st.cases} cases, ${st.failures.length} failures, ${(st.cases / ((performance.now() - st.started) / 1000)).toFixed(0)} cases/s`);
      }
      if (killed) return;
      const dt = performance.now() - since;
      // the bound is on the case's CPU time (where /proc tells it): on a machine shared with
      // other work, wall time alone would call a slow-but-bounded case a hang; and on wall
      // time at 4× the bound, for a case that waits without computing
      if (phase === 'S' && dt > TIMEOUT) {
        const cpu = cpuMs(child.pid) - cpuSince;
        if (Number.isNaN(cpu) || cpu > TIMEOUT || dt > 4 * TIMEOUT) { killed = { type: 'hang', i: cur, ms: dt, cpuMs: cpu }; child.kill('SIGKILL'); }
      }
      else if (phase === 'G' && dt > GEN_TIMEOUT) { killed = { type: 'generator', i: cur, ms: dt }; child.kill('SIGKILL'); }
    }, 25);
    child.on('close', (code, signal) => {
      children.delete(child);
      clearInterval(timer);
      if (buf) handle(buf);
      if (finished) { done(to); return; }
      if (killed) {
        if (killed.type === 'hang') { st.hangs++; st.cases++; fail(st, parser, 'hang', killed.i, { ms: Math.round(killed.ms), cpuMs: Math.round(killed.cpuMs) }); }
        else { st.genErrors++; fail(st, parser, 'generator', killed.i, { error: { name: 'GeneratorTimeout', message: `building the input took over ${GEN_TIMEOUT} ms` } }); }
        done(killed.i + 1);
        return;
      }
      if (code === 3 && memoryAt >= 0) { done(memoryAt + 1); return; }
      if (code === 4 && !firstCase) { st.restarts++; done(cur); return; }
      // a crash: the process died during case `cur`
      if (phase === 'G') { st.genErrors++; fail(st, parser, 'generator', cur, { error: { name: 'GeneratorCrash', message: `exit ${code} ${signal ?? ''}: ${stderr.slice(-600)}` } }); }
      else { st.crashes++; st.cases++; fail(st, parser, 'crash', cur, { exit: code, signal, stderr: stderr.slice(-1500) }); }
      done(cur + 1);
    });
  });
}

/** CPU time (user + system) of a process so far, in ms, from /proc (NaN where there is none). */
function cpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime, stime in clock ticks (100 Hz)
  } catch { return NaN; }
}

function newStats() {
  return { started: performance.now(), lastReport: performance.now(), cases: 0, ok: 0, typed: 0, untyped: 0, mismatch: 0, crashes: 0, hangs: 0, memory: 0, genErrors: 0, restarts: 0, over1s: 0, slowest: { ms: -1, index: -1 }, codes: {}, failures: [], signatures: {} };
}

/** Records a failure and saves its input (at most SAVE_MAX per kind of failure). */
function fail(st, parser, type, index, detail) {
  const sig = type === 'untyped' || type === 'mismatch' || type === 'generator' ? `${type} ${lib.signature(detail.error)}` : type === 'crash' ? `crash ${detail.signal ?? `exit ${detail.exit}`}` : type;
  const n = (st.signatures[sig] = (st.signatures[sig] ?? 0) + 1);
  const rec = { parser, type, seed: SEED, index, scale: SCALE, signature: sig, ...detail };
  if (a.replay) { st.failures.push({ parser, type, signature: sig, ...detail }); return; }
  if (n <= SAVE_MAX) {
    let c;
    try { c = lib.generateCase(parser, SEED, index, SCALE); } catch { c = undefined; }
    if (c) {
      rec.how = c.how; rec.kind = c.kind; rec.size = c.bytes.length;
      const dir = join(OUT, parser);
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `${type}-seed${SEED}-${index}.${lib.EXTENSION[parser]}`);
      writeFileSync(file, c.bytes);
      rec.file = file;
      rec.replay = `node scripts/fuzz.mjs --replay ${file} --parser ${parser}`;
      writeFileSync(file + '.json', JSON.stringify(rec, null, 2) + '\n');
    }
  }
  st.failures.push(rec);
  const where = rec.how ? ` (${rec.how.slice(0, 100)})` : '';
  const what = detail.error ? `${detail.error.name}: ${String(detail.error.message).slice(0, 160)}` : detail.ms !== undefined ? `${detail.ms} ms` : detail.peakMb ? `peak RSS ${detail.peakMb} MB` : `exit ${detail.exit ?? ''} ${detail.signal ?? ''}`;
  if (n <= 3) console.error(`[${parser}] ${type} at case ${index}${where}: ${what}`);
}

// ---- replay one file
if (a.replay) {
  if (!a.parser) { console.error('--replay needs --parser'); process.exit(2); }
  const st = newStats();
  const t0 = performance.now();
  await runChild(a.parser, 0, 1, st, resolve(a.replay));
  const r = st.replay;
  const failed = st.crashes + st.hangs + st.memory + st.untyped;
  console.log(`${a.parser} ${a.replay}: ${failed ? 'FAILED' : 'passed'} in ${Math.round(performance.now() - t0)} ms`);
  if (st.hangs) console.log(`  hang: over ${TIMEOUT} ms`);
  else if (st.crashes) console.log(`  crash: ${st.failures[0].signal ?? `exit ${st.failures[0].exit}`}\n${st.failures[0].stderr}`);
  else if (st.memory) console.log(`  over the memory bound: ${JSON.stringify(st.failures[0])}`);
  else if (r) console.log(`  ${r.status}${r.error ? `: ${r.error.name}${r.error.code ? ` (${r.error.code})` : ''}: ${r.error.message}` : ''}\n  peak RSS ${Math.round(r.peakMb)} MB`);
  process.exit(failed ? 1 : 0);
}

// ---- the run
const all = {};
const t0 = performance.now();
console.log(`fuzz: ${CASES} cases per parser, seed ${SEED}, scale ${SCALE}; bounds: ${TIMEOUT} ms, heap ${HEAP} MB, peak RSS ${RSS} MB; failing inputs to ${OUT}`);
for (const parser of PARSERS) {
  const st = newStats();
  all[parser] = st;
  const p0 = performance.now();
  let next = START;
  const end = START + CASES;
  while (next < end) next = await runChild(parser, next, Math.min(end, next + CHUNK), st);
  st.seconds = (performance.now() - p0) / 1000;
  if (st.slowest.index >= 0) {
    try { st.slowest.how = lib.generateCase(parser, SEED, st.slowest.index, SCALE).how; } catch { /* reported as a generator error */ }
  }
  console.error(`[${parser}] done: ${st.cases} cases in ${st.seconds.toFixed(1)} s`);
}

// ---- shrink
if (a.shrink) {
  const ctx = lib.createContext(TMP);
  try {
    for (const parser of PARSERS) {
      const seen = new Set();
      for (const f of all[parser].failures) {
        if ((f.type !== 'untyped' && f.type !== 'mismatch') || seen.has(f.signature) || !f.file) continue;
        seen.add(f.signature);
        const c = lib.generateCase(parser, SEED, f.index, SCALE);
        const fails = async (b) => {
          const r = await lib.judge(parser, b, undefined, ctx);
          return r.status === f.type && `${f.type} ${lib.signature(r.error)}` === f.signature;
        };
        if (!(await fails(c.bytes))) continue;
        const small = await lib.shrink(c.bytes, fails);
        const file = f.file.replace(/(\.[a-z.]+)$/, `-min$1`);
        writeFileSync(file, small);
        f.shrunk = { file, size: small.length, hex: small.length <= 512 ? Buffer.from(small).toString('hex') : undefined };
        console.error(`[${parser}] shrunk ${f.signature}: ${c.bytes.length} → ${small.length} bytes (${file})`);
      }
    }
  } finally { ctx.dispose(); }
}

// ---- report
const cols = ['parser', 'cases', 'ok', 'typed', 'untyped', 'mismatch', 'crashes', 'hangs', 'memory', 'gen-err', '>1s', 'slowest ms', 'time s'];
const rows = PARSERS.map((p) => {
  const s = all[p];
  return [p, s.cases, s.ok, s.typed, s.untyped, s.mismatch, s.crashes, s.hangs, s.memory, s.genErrors, s.over1s, s.slowest.ms.toFixed(1), s.seconds.toFixed(1)].map(String);
});
const width = cols.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i].length)));
const fmt = (r) => r.map((x, i) => (i === 0 ? x.padEnd(width[i]) : x.padStart(width[i]))).join('  ');
console.log('\n' + fmt(cols));
for (const r of rows) console.log(fmt(r));
for (const p of PARSERS) {
  const s = all[p];
  const codes = Object.entries(s.codes).sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k} ${v}`).join(', ');
  console.log(`\n${p}: slowest case ${s.slowest.index} (${s.slowest.ms.toFixed(1)} ms): ${s.slowest.how ?? ''}`);
  if (codes) console.log(`  typed errors by code: ${codes}`);
  for (const [sig, n] of Object.entries(s.signatures)) console.log(`  ${n} × ${sig}`);
}
const failures = PARSERS.reduce((n, p) => n + all[p].failures.length, 0);
mkdirSync(OUT, { recursive: true });
writeFileSync(join(OUT, `summary-seed${SEED}.json`), JSON.stringify({ cases: CASES, seed: SEED, start: START, scale: SCALE, timeoutMs: TIMEOUT, heapMb: HEAP, rssMb: RSS, seconds: (performance.now() - t0) / 1000, parsers: all }, null, 2) + '\n');
console.log(`\n${failures === 0 ? 'no failures' : `${failures} failing cases; inputs and details in ${OUT}`} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
process.exit(failures === 0 ? 0 : 1);
