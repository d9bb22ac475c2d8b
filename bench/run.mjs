// The benchmark: gatedrnn against the libraries people would pick, on the paper's sizes.
//
//   node bench/run.mjs              full run (≈ 20–30 min on 2 cores), writes
//                                   docs/benchmarks.md, docs/benchmarks.svg, docs/benchmarks.json
//   node bench/run.mjs --quick      smoke run: T = 20, fewer rounds, no memory probes; writes to
//                                   $TMPDIR/gatedrnn-bench-quick unless --out is given
//   options: --only=<substring of a workload key, e.g. music or b32>  --contenders=ours,pytorch
//            --no-memory  --out=<dir> (default docs)
//            --sections=gemm,parallel  other bench scripts to run and embed (default in a full
//            run: gemm, parallel, parallel-measured, parallel-mog, speech-head, scaling-model,
//            step-profile;
//            --no-sections for none)
//
// Every contender runs the same workload from the same starting weights; outputs are checked
// against the plain-TypeScript baseline before anything is timed. Contenders are interleaved
// round by round (the order rotates), each sample runs at least `minTime`, and the report gives
// medians. Memory is measured in a fresh process per contender (see the report's Method).
import os from 'node:os';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { workloads, VARIANTS, makeData, flopsPerFrame } from './lib/workloads.mjs';
import { parseArgs } from './lib/args.mjs';
import { targetsTable } from './lib/targets.mjs';
import { loadBaseline, paramViews } from './lib/load-baseline.mjs';
import { JS_CONTENDERS, pkgVersion } from './contenders/js.mjs';
import { torch, torchSetup, PYTHON, TORCH_SCRIPT, ONE_THREAD_ENV } from './contenders/torch.mjs';
import { writeReport } from './lib/report.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

const args = parseArgs();

const QUICK = !!args.quick;
const CFG = QUICK
  ? { T: 20, warm: 1, rounds: 2, minTime: 0.05, maxIters: 2000, budget: 2 }
  : { T: 100, warm: 2, rounds: 5, minTime: 0.3, maxIters: 5000, budget: 12 };
const ALL = [...JS_CONTENDERS, torch];
const SEED = 20141211;

/** Shared starting weights (our layout) from the baseline's seeded init, f32. */
function startWeights(Rnn, w, v) {
  const net = new Rnn({ unit: w.unit, peepholes: v.peepholes, resetAfter: v.resetAfter, inputSize: w.I, hiddenSize: w.H, outputSize: w.O, T: w.T, B: w.B });
  net.init(SEED);
  return net;
}

const spec = (w, v) => ({ ...w, variant: v.id, peepholes: !!v.peepholes, resetAfter: v.resetAfter });

// ------------------------------------------------------------------------- memory probe mode

/** Peak resident set of this process in bytes. VmHWM belongs to the address space created by
 *  exec; getrusage's maxRSS is not used on Linux because it keeps the high-water mark of the
 *  forked parent across exec. */
function peakRss() {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch { /* not Linux */ }
  return process.resourceUsage().maxRSS * 1024;
}

async function probe(p) {
  const w = p.w, v = p.v;
  const c = ALL.find((x) => x.id === p.contender);
  const { BaselineRnn } = await loadBaseline();
  const reason = await c.load();
  if (reason) throw new Error(reason);
  const rss0 = process.memoryUsage().rss;
  const net = startWeights(BaselineRnn, w, v);
  const d = makeData(w);
  const inst = await c.create(spec(w, v), paramViews(net), d);
  if (inst.train) await inst.train(); // optimizer state exists after the first step
  await inst.infer();
  const peak = peakRss();
  process.stdout.write(JSON.stringify({ rss0, peak }) + '\n');
  process.exit(0);
}

function runChild(cmd, argv, input = '') {
  return new Promise((resolve) => {
    const ch = spawn(cmd, argv, { stdio: ['pipe', 'pipe', 'pipe'], env: ONE_THREAD_ENV });
    ch.stdin.end(input);
    let out = '', err = '';
    ch.stdout.on('data', (b) => { out += b; });
    ch.stderr.on('data', (b) => { err += b; });
    ch.on('exit', (code) => {
      const line = out.trim().split('\n').pop();
      try { resolve(code === 0 ? JSON.parse(line) : { error: err.trim().split('\n').slice(-1)[0] }); } catch { resolve({ error: `bad probe output: ${line}` }); }
    });
  });
}

async function memoryProbe(cid, w, v, net, d) {
  if (cid === 'pytorch') {
    return runChild(PYTHON, [TORCH_SCRIPT, '--probe'], JSON.stringify(torchSetup(0, spec(w, v), paramViews(net), d)));
  }
  return runChild(process.execPath, [join(here, 'run.mjs'), `--probe=${JSON.stringify({ contender: cid, w, v })}`]);
}

// ---------------------------------------------------------------------------------- timing

async function sample(inst, what) {
  if (inst.time) return inst.time(what, CFG.minTime, CFG.maxIters);
  const fn = what === 'train' ? inst.train : inst.infer;
  let n = 0;
  const t0 = performance.now();
  for (;;) {
    await fn();
    n++;
    const el = (performance.now() - t0) / 1000;
    if (el >= CFG.minTime || n >= CFG.maxIters) return { sec: el / n, iters: n };
  }
}

const median = (a) => { const s = [...a].sort((x, y) => x - y); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

function maxAbsDiff(a, b) {
  if (!a || a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return Number.isNaN(m) ? Infinity : m;
}

// ------------------------------------------------------------------------------------ main

async function main() {
  if (args.probe) return probe(JSON.parse(args.probe));
  const t0 = Date.now();
  const only = typeof args.only === 'string' ? args.only : null;
  const pick = typeof args.contenders === 'string' ? args.contenders.split(',') : null;
  const wls = workloads({ T: CFG.T }).filter((w) => !only || w.key.includes(only));

  const { BaselineRnn } = await loadBaseline();
  const status = {};
  for (const c of ALL) {
    if (pick && !pick.includes(c.id)) { status[c.id] = 'not selected (--contenders)'; continue; }
    status[c.id] = await c.load();
    console.log(`${c.label.padEnd(28)} ${status[c.id] ? `SKIPPED: ${status[c.id]}` : `ok ${c.note}`}`);
  }
  const live = ALL.filter((c) => status[c.id] === null);

  const results = [];
  for (const w of wls) {
    for (const v of VARIANTS[w.unit]) {
      const s = spec(w, v);
      const ref = startWeights(BaselineRnn, w, v);
      const p = paramViews(ref);
      const d = makeData(w);
      ref.forward(d.x);
      const pRef = new Float32Array(w.T * w.B * w.O);
      ref.probabilities(pRef);
      const flops = flopsPerFrame(w);
      const row = { key: w.key, task: w.task, unit: w.unit, H: w.H, I: w.I, O: w.O, T: w.T, B: w.B, variant: v.id, variantLabel: v.label, flops, by: {} };
      results.push(row);
      const insts = [];
      for (const c of live) {
        const why = c.supports(s);
        if (why) { row.by[c.id] = { skipped: why }; continue; }
        try {
          const inst = await c.create(s, p, d);
          const out = await inst.infer();
          const diff = c.noCheck ? null : maxAbsDiff(out, pRef);
          if (!c.noCheck && !(diff < 2e-3)) {
            row.by[c.id] = { skipped: `outputs disagree with the baseline (max |Δp| = ${diff.toExponential(2)}); not timed` };
            await inst.dispose();
            continue;
          }
          row.by[c.id] = { maxDiff: diff, train: [], infer: [], spent: 0 };
          insts.push({ c, inst });
        } catch (e) {
          row.by[c.id] = { skipped: `failed: ${e.message.split('\n')[0]}` };
        }
      }
      // Warm-up (also lets WebAssembly tier up), then interleaved rounds.
      // A contender that throws while being timed is reported as failed on this row.
      const fail = (x, e) => { row.by[x.c.id] = { skipped: `failed while timing: ${e.message.split('\n')[0]}` }; x.failed = true; };
      for (const x of insts) {
        const { c, inst } = x;
        try {
          for (let i = 0; i < CFG.warm; i++) {
            const tW = performance.now();
            if (!c.inferenceOnly) await (inst.time ? inst.time('train', 0, 1) : inst.train());
            await (inst.time ? inst.time('infer', 0, 1) : inst.infer());
            if (performance.now() - tW > 1000) break; // a slow contender: one warm-up call is enough
          }
        } catch (e) { fail(x, e); }
      }
      for (let r = 0; r < CFG.rounds; r++) {
        for (let k = 0; k < insts.length; k++) {
          const x = insts[(k + r) % insts.length];
          const { c, inst } = x;
          const rec = row.by[c.id];
          if (x.failed || (r >= 3 && rec.spent > CFG.budget)) continue; // slow contenders: 3 rounds are enough
          const tA = performance.now();
          try {
            if (!c.inferenceOnly) rec.train.push((await sample(inst, 'train')).sec);
            rec.infer.push((await sample(inst, 'infer')).sec);
          } catch (e) { fail(x, e); }
          rec.spent += (performance.now() - tA) / 1000;
        }
      }
      const frames = w.T * w.B;
      for (const x of insts) {
        const { c, inst } = x;
        try { await inst.dispose(); } catch { /* nothing to keep */ }
        if (x.failed) continue;
        const rec = row.by[c.id];
        if (rec.train.length) {
          rec.trainFps = frames / median(rec.train);
          rec.trainGflops = rec.trainFps * flops.training / 1e9;
        }
        rec.inferFps = frames / median(rec.infer);
        rec.inferGflops = rec.inferFps * flops.forward / 1e9;
        rec.rounds = rec.infer.length;
      }
      if (!args['no-memory'] && !QUICK && w.B === 32) {
        for (const { c, failed } of insts) {
          if (failed) continue;
          const m = await memoryProbe(c.id, w, v, ref, d);
          row.by[c.id].memory = m;
        }
      }
      const line = Object.entries(row.by).map(([id, r]) => (r.skipped ? null
        : `${id} ${r.trainFps ? `${(r.trainFps / 1e3).toFixed(1)}k/` : ''}${(r.inferFps / 1e3).toFixed(1)}k`)).filter(Boolean).join('  ');
      console.log(`${w.key.padEnd(22)} ${v.id.padEnd(10)} train/infer frames/s: ${line}`);
    }
  }
  torch.close();

  // Sections written by the other benchmark scripts (the GEMM ceiling, two-thread scaling),
  // run as child processes after the contenders and embedded verbatim in the report.
  const sections = [];
  const wanted = typeof args.sections === 'string' ? args.sections.split(',').filter(Boolean) : QUICK || args['no-sections'] ? [] : ['gemm', 'parallel', 'parallel-measured', 'parallel-mog', 'speech-head', 'scaling-model', 'step-profile'];
  const titles = {
    gemm: 'GEMM ceiling (bench/gemm.mjs)', parallel: 'Two threads, data-parallel training (bench/parallel.mjs)',
    'parallel-measured': 'Two threads with the measured balance (bench/parallel.mjs --balance=measured)',
    'parallel-mog': 'Two threads, speech with the mixture-of-Gaussians head (bench/parallel.mjs --head=mog)',
    'speech-head': 'The mixture-of-Gaussians head in a training step (bench/speech-head.mjs)',
    'scaling-model': 'Past two threads: projected speed-up of four designs (bench/scaling-model.mjs)',
    'step-profile': 'Where a training step\'s time goes (bench/step-profile.mjs)',
  };
  // a section is a script and its arguments (speech-head writes its own report to a temporary
  // file here: docs/speech-head-bench.md keeps the notes written beside its run)
  const scripts = {
    'parallel-measured': ['parallel', ['--balance=measured', '--no-components']],
    'parallel-mog': ['parallel', ['--head=mog', '--only=speech', '--no-components']],
    'speech-head': ['speech-head', [`--out=${join(os.tmpdir(), 'gatedrnn-speech-head-bench.md')}`]],
  };
  for (const name of wanted) {
    const [script, extra] = scripts[name] ?? [name, []];
    const file = join(here, `${script}.mjs`);
    if (!existsSync(file)) { sections.push({ name, title: titles[name] ?? name, text: `not run: ${file} does not exist` }); continue; }
    console.log(`running bench/${script}.mjs ${extra.join(' ')}…`);
    const quickArgs = { gemm: ['--quick'], parallel: ['--reps=3', '--only=music'], 'parallel-measured': ['--reps=3', '--only=music'], 'parallel-mog': ['--reps=3'], 'speech-head': ['--reps=2'], 'scaling-model': ['--only=music'], 'step-profile': ['--rounds=2', '--only=b32'] };
    const r = spawnSync(process.execPath, [file, ...extra, ...(QUICK ? quickArgs[name] ?? [] : [])], { encoding: 'utf8', timeout: 30 * 60 * 1000, maxBuffer: 1 << 26 });
    // a script that ran to its end but exits 1 for a check of its own (speech-head: a ratio below
    // 0.5) still has its figures embedded, with the exit code beside them
    const ran = r.status === 0 || (r.status === 1 && /\n\|.*\|\s*$/m.test(r.stdout ?? ''));
    const text = ran ? r.stdout.trim() + (r.status ? `\n\n(the script exited with code ${r.status}: ${(r.stderr || '').trim().split('\n').slice(-1)[0] || 'its own check failed'})` : '')
      : `failed (${r.error?.message ?? `exit ${r.status}`}): ${(r.stderr || '').trim().split('\n').slice(-3).join(' ')}`;
    sections.push({ name, title: titles[name] ?? name, text });
  }

  const meta = {
    date: new Date().toISOString(),
    quick: QUICK,
    config: CFG,
    seconds: Math.round((Date.now() - t0) / 1000),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    v8: process.versions.v8,
    versions: {
      gatedrnn: pkgVersion('gatedrnn') ?? JSON.parse((await import('node:fs')).readFileSync(join(root, 'package.json'), 'utf8')).version,
      '@tensorflow/tfjs': pkgVersion('@tensorflow/tfjs'),
      '@tensorflow/tfjs-backend-wasm': pkgVersion('@tensorflow/tfjs-backend-wasm'),
      'onnxruntime-web': pkgVersion('onnxruntime-web'),
      torch: torch.version,
      'brain.js': JS_CONTENDERS.find((c) => c.id === 'brain.js').version,
      vega: pkgVersion('vega'),
      'vega-lite': pkgVersion('vega-lite'),
    },
    contenders: ALL.map((c) => ({ id: c.id, label: c.label, note: c.note, skipped: status[c.id], inferenceOnly: !!c.inferenceOnly })),
  };
  // A smoke run must not overwrite the committed report: it goes to a temporary folder.
  const outDir = typeof args.out === 'string' ? args.out : QUICK ? join(os.tmpdir(), 'gatedrnn-bench-quick') : join(root, 'docs');
  mkdirSync(outDir, { recursive: true });
  const targets = targetsTable(results, sections);
  console.log(`\n${targets}\n`);
  const files = await writeReport(outDir, meta, results, { quick: QUICK, sections, targets });
  console.log(`wrote ${files.join(', ')} in ${meta.seconds} s`);
}

main().catch((e) => { torch.close(); console.error(e); process.exit(1); });
