// Writes the benchmark report: benchmarks.md (tables + method), benchmarks.svg (bar chart
// rendered by vega-lite → vega → SVG in Node, no browser) and benchmarks.json (raw figures).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UNIT_LABEL } from './workloads.mjs';

const BEFORE_ONLY = new Set(['tfjs-cpu', 'tfjs-wasm', 'brain.js']);
const TRAINERS = ['ours', 'baseline', 'tfjs-cpu', 'tfjs-wasm', 'pytorch', 'brain.js'];
const INFERERS = ['ours', 'baseline', 'tfjs-cpu', 'tfjs-wasm', 'ort-wasm', 'pytorch', 'brain.js'];

const fmtRate = (v) => (v >= 1e6 ? `${(v / 1e6).toFixed(2)} M` : v >= 1e3 ? `${(v / 1e3).toFixed(v >= 1e5 ? 0 : 1)} k` : v.toFixed(0));
const fmtRatio = (r) => (r >= 10 ? `${r.toFixed(0)}×` : `${r.toFixed(1)}×`);
const mib = (b) => `${(b / 2 ** 20).toFixed(0)}`;

function label(meta, id) { return meta.contenders.find((c) => c.id === id)?.label ?? id; }

/** The contender the ratios are taken against: ours when it ran, else the plain-TS baseline. */
function reference(results) {
  return results.some((r) => r.by.ours && !r.by.ours.skipped) ? 'ours' : 'baseline';
}

function cell(row, id, what, ref) {
  const r = row.by[id];
  if (!r) return '—';
  if (r.skipped) return 'n/a';
  const fps = what === 'train' ? r.trainFps : r.inferFps;
  if (!fps) return 'n/a';
  const mine = row.by[ref]?.[what === 'train' ? 'trainFps' : 'inferFps'];
  if (id === ref || !mine) return `**${fmtRate(fps)}**`;
  return `${fmtRate(fps)} (${fmtRatio(mine / fps)})`;
}

function table(meta, results, what, B, ids, ref) {
  const cols = ids.filter((id) => results.some((r) => r.B === B && r.by[id] && !r.by[id].skipped && (what !== 'train' || r.by[id].trainFps)));
  if (!cols.length) return '_no contender ran_\n';
  const head = `| task | unit | H | variant | ${cols.map((id) => label(meta, id)).join(' | ')} |`;
  const sep = `|---|---|---:|---|${cols.map(() => '---:').join('|')}|`;
  const rows = results.filter((r) => r.B === B).map((r) =>
    `| ${r.task} | ${UNIT_LABEL[r.unit]} | ${r.H} | ${r.variantLabel} | ${cols.map((id) => cell(r, id, what, ref)).join(' | ')} |`);
  return [head, sep, ...rows].join('\n') + '\n';
}

function gflopsTable(meta, results, B, ids) {
  const cols = ids.filter((id) => results.some((r) => r.B === B && r.by[id] && !r.by[id].skipped));
  const head = `| task | unit | H | variant | MFLOP/frame train / infer | ${cols.map((id) => label(meta, id)).join(' | ')} |`;
  const sep = `|---|---|---:|---|---:|${cols.map(() => '---:').join('|')}|`;
  const rows = results.filter((r) => r.B === B).map((r) => {
    const cells = cols.map((id) => {
      const x = r.by[id];
      if (!x || x.skipped) return 'n/a';
      const t = x.trainGflops ? x.trainGflops.toFixed(2) : '–';
      return `${t} / ${x.inferGflops.toFixed(2)}`;
    });
    return `| ${r.task} | ${UNIT_LABEL[r.unit]} | ${r.H} | ${r.variantLabel} | ${(r.flops.training / 1e6).toFixed(3)} / ${(r.flops.forward / 1e6).toFixed(3)} | ${cells.join(' | ')} |`;
  });
  return [head, sep, ...rows].join('\n') + '\n';
}

function memoryTable(meta, results, ids) {
  const rowsWithMem = results.filter((r) => Object.values(r.by).some((x) => x.memory));
  if (!rowsWithMem.length) return '_not measured in this run (--quick or --no-memory)_\n';
  const cols = ids.filter((id) => rowsWithMem.some((r) => r.by[id]?.memory));
  const head = `| task | unit | H | variant | ${cols.map((id) => label(meta, id)).join(' | ')} |`;
  const sep = `|---|---|---:|---|${cols.map(() => '---:').join('|')}|`;
  const rows = rowsWithMem.map((r) => `| ${r.task} | ${UNIT_LABEL[r.unit]} | ${r.H} | ${r.variantLabel} | ${cols.map((id) => {
    const m = r.by[id]?.memory;
    if (!m) return 'n/a';
    if (m.error) return `error: ${m.error}`;
    return `${mib(m.peak)} (+${mib(Math.max(0, m.peak - m.rss0))})`;
  }).join(' | ')} |`);
  return [head, sep, ...rows].join('\n') + '\n';
}

// The speed targets of issue 4 ("Benchmarks against the baselines people would pick").
const TARGETS = [
  { what: 'train', B: 32, id: 'pytorch', min: 2, text: 'training, B=32: ≥ 2× PyTorch' },
  { what: 'train', B: 32, id: 'tfjs-wasm', min: 25, text: 'training, B=32: ≥ 25× TensorFlow.js wasm' },
  { what: 'train', B: 32, id: 'baseline', min: 10, text: 'training, B=32: ≥ 10× plain TypeScript' },
  { what: 'train', B: 1, id: 'pytorch', min: 5, text: 'training, B=1: ≥ 5× PyTorch' },
  { what: 'infer', B: 32, id: 'ort-wasm', min: 1.2, text: 'inference, B=32: ≥ 1.2× ONNX Runtime Web' },
  { what: 'infer', B: 1, id: 'ort-wasm', min: 1.2, text: 'inference, B=1: ≥ 1.2× ONNX Runtime Web' },
];

function targetTable(results) {
  const lines = ['| target | rows | worst ratio (row) | median ratio | met |', '|---|---:|---|---:|---|'];
  let any = false;
  for (const g of TARGETS) {
    const key = g.what === 'train' ? 'trainFps' : 'inferFps';
    const rs = results.filter((r) => r.B === g.B && r.by.ours?.[key] && r.by[g.id]?.[key])
      .map((r) => ({ r, ratio: r.by.ours[key] / r.by[g.id][key] }));
    if (!rs.length) { lines.push(`| ${g.text} | 0 | – | – | not measured |`); continue; }
    any = true;
    rs.sort((a, b) => a.ratio - b.ratio);
    const worst = rs[0];
    const med = rs.length % 2 ? rs[rs.length >> 1].ratio : (rs[rs.length / 2 - 1].ratio + rs[rs.length / 2].ratio) / 2;
    const met = rs.filter((x) => x.ratio >= g.min).length;
    lines.push(`| ${g.text} | ${rs.length} | ${fmtRatio(worst.ratio)} (${worst.r.task} ${worst.r.variantLabel}) | ${fmtRatio(med)} | ${met === rs.length ? 'yes' : `${met} of ${rs.length} rows`} |`);
  }
  return any ? lines.join('\n') + '\n' : '_ours did not run_\n';
}

function agreement(meta, results) {
  const lines = ['| contender | rows checked | worst max \\|Δp\\| |', '|---|---:|---:|'];
  for (const c of meta.contenders) {
    if (c.id === 'baseline') continue; // the reference itself
    const ds = results.map((r) => r.by[c.id]?.maxDiff).filter((x) => typeof x === 'number');
    if (!ds.length) continue;
    lines.push(`| ${c.label} | ${ds.length} | ${Math.max(...ds).toExponential(1)} |`);
  }
  lines.push('', 'brain.js computes a different model and is not checked.');
  return lines.length > 4 ? lines.join('\n') + '\n' : '_none_\n';
}

function skippedList(meta, results) {
  const lines = [];
  for (const c of meta.contenders) if (c.skipped) lines.push(`- **${c.label}** — skipped: ${c.skipped}`);
  const per = new Map();
  for (const r of results) {
    for (const [id, x] of Object.entries(r.by)) {
      if (!x.skipped) continue;
      const k = `${label(meta, id)}: ${x.skipped}`;
      if (!per.has(k)) per.set(k, []);
      per.get(k).push(`${r.task} ${r.variantLabel} B=${r.B}`);
    }
  }
  for (const [k, where] of per) lines.push(`- ${k} (${[...new Set(where.map((w) => w.replace(/ B=\d+$/, '')))].join(', ')})`);
  return lines.length ? lines.join('\n') + '\n' : '_none_\n';
}

async function chart(meta, results, ref) {
  const vega = await import('vega');
  const vl = await import('vega-lite');
  // One bar per contender and workload, the PyTorch form of each unit, both batch sizes.
  const primary = new Set(['tanh', 'lstm', 'gru-after', 'gru-before']);
  const values = [];
  for (const r of results) {
    if (!primary.has(r.variant)) continue;
    for (const [id, x] of Object.entries(r.by)) {
      if (x.skipped) continue;
      // GRU: the reset-after bars, except for contenders that have only the reset-before form.
      if (r.variant === 'gru-before' && !BEFORE_ONLY.has(id)) continue;
      if (r.variant === 'gru-after' && BEFORE_ONLY.has(id)) continue;
      const wl = `${r.task} ${UNIT_LABEL[r.unit]}-${r.H}`;
      if (x.trainFps) values.push({ workload: wl, contender: label(meta, id), measure: `training, B=${r.B}`, fps: x.trainFps });
      values.push({ workload: wl, contender: label(meta, id), measure: `inference, B=${r.B}`, fps: x.inferFps });
    }
  }
  const order = meta.contenders.map((c) => c.label);
  // Log scale from a power of ten below the slowest bar, so that every bar has a height.
  const fpsAll = values.map((v) => v.fps);
  const lo = 10 ** Math.floor(Math.log10(Math.min(...fpsAll) * 0.9));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...fpsAll)));
  const decades = [];
  for (let v = lo; v <= hi * 1.001; v *= 10) decades.push(v);
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `gatedrnn benchmark: frames per second (log scale, higher is better)${meta.quick ? ' — QUICK SMOKE RUN' : ''}`, subtitle: `${meta.cpu}, Node ${meta.node}, one thread each, T = ${meta.config.T}, ${meta.date.slice(0, 10)}. GRU: reset-after, except TensorFlow.js and brain.js (reset-before only).` },
    data: { values },
    facet: { row: { field: 'measure', type: 'nominal', title: null, sort: ['training, B=32', 'training, B=1', 'inference, B=32', 'inference, B=1'] } },
    spec: {
      width: 760, height: 170,
      mark: { type: 'bar' },
      encoding: {
        x: { field: 'workload', type: 'nominal', title: null, sort: null, axis: { labelAngle: 0 } },
        xOffset: { field: 'contender', type: 'nominal', sort: order },
        y: { field: 'fps', type: 'quantitative', stack: null, scale: { type: 'log', domain: [lo, hi] }, title: 'frames/s', axis: { format: '~s', grid: true, values: decades } },
        color: { field: 'contender', type: 'nominal', sort: order, legend: { orient: 'bottom', columns: 3, title: null, labelLimit: 400 } },
        tooltip: [{ field: 'contender' }, { field: 'fps', format: ',.0f' }],
      },
    },
    config: { font: 'Helvetica, Arial, sans-serif' },
  };
  const compiled = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  return view.toSVG();
}

export async function writeReport(dir, meta, results, { quick, sections = [], targets }) {
  const ref = reference(results);
  const refLabel = label(meta, ref);
  const md = [];
  md.push('# Benchmarks');
  md.push('');
  if (quick) md.push('> **Quick smoke run** (`--quick`: T = 20, 2 rounds, no memory probes). These are not the figures of record.\n');
  md.push(`Run of ${meta.date} (${meta.seconds} s) with \`node bench/run.mjs${quick ? ' --quick' : ''}\` (\`npm run bench\`).`);
  md.push('');
  md.push(`- Machine: ${meta.cpu}, ${meta.cores} logical cores (shared), ${meta.memGiB} GiB RAM, ${meta.platform}`);
  md.push(`- Node ${meta.node} (V8 ${meta.v8})`);
  md.push(`- Packages: ${Object.entries(meta.versions).filter(([, v]) => v).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  md.push(`- Workloads: the paper's sizes (Chung et al. 2014, Table 1), one recurrent layer + Bernoulli head, T = ${meta.config.T}, batch 32 and 1, time-major.`);
  md.push('- Every contender runs on **one thread**.');
  md.push('');
  md.push('## Contenders');
  md.push('');
  for (const c of meta.contenders) md.push(`- **${c.label}**${c.skipped ? ` — *skipped*: ${c.skipped}` : c.note ? ` — ${c.note}` : ''}`);
  md.push('');
  md.push('Cell variants: each unit runs in its PyTorch/Keras form and in the paper\'s form (LSTM with peepholes, GRU reset-before). '
    + 'PyTorch has no peephole LSTM and no reset-before GRU; TensorFlow.js has no peephole LSTM and only the reset-before GRU; '
    + 'ONNX Runtime runs all five. brain.js is a different model (see below). '
    + `Ratios in parentheses are **${refLabel} ÷ contender** on the same row (same cell variant): above 1× means ${refLabel} is faster.`);
  md.push('');
  md.push('## Targets (issue 4), ratio = ours ÷ contender');
  md.push('');
  md.push(targetTable(results));
  md.push('![benchmark chart](benchmarks.svg)');
  md.push('');
  for (const B of [32, 1]) {
    md.push(`## Training, batch ${B} — frames/s (forward + BPTT + RMSProp step)`);
    md.push('');
    md.push(table(meta, results, 'train', B, TRAINERS, ref));
    md.push(`## Inference, batch ${B} — frames/s (forward + output probabilities)`);
    md.push('');
    md.push(table(meta, results, 'infer', B, INFERERS, ref));
  }
  for (const B of [32, 1]) {
    md.push(`## GFLOP/s achieved, batch ${B} (training / inference)`);
    md.push('');
    md.push(gflopsTable(meta, results, B, INFERERS));
  }
  md.push('## Peak memory, batch 32 — MiB: peak RSS of a fresh process (+ growth over the process after loading the library)');
  md.push('');
  md.push(memoryTable(meta, results, INFERERS));
  if (targets) {
    md.push('## Targets (issue 14), met or not in this run');
    md.push('');
    md.push(targets);
    md.push('');
  }
  for (const sec of sections) {
    md.push(`## ${sec.title}`);
    md.push('');
    md.push('```text');
    md.push(sec.text);
    md.push('```');
    md.push('');
  }
  md.push('## Skipped contenders and cell variants');
  md.push('');
  md.push(skippedList(meta, results));
  md.push('## Output agreement with the plain-TypeScript baseline (same weights, same input)');
  md.push('');
  md.push(agreement(meta, results));
  md.push('## Method');
  md.push('');
  md.push(`- **Same work for everyone.** Each row starts every contender from the same weights (the baseline's seeded init), the same input x (T, B, I) and targets y (T, B, O): music x is a binary piano roll (≈10 % notes on), speech x uniform in (−1, 1), targets binary. Before timing, each contender's output probabilities are compared with the plain-TypeScript baseline's (max |Δp| < 2·10⁻³, else it is not timed). The baseline itself passes finite-difference gradient checks (tests/baseline.test.ts).`);
  md.push('- **Speech head.** The paper predicts speech with a 20-component Gaussian mixture; here every speech workload uses a Bernoulli head with 20 outputs. Its cost (4·H·20 FLOPs per training frame) is small next to the recurrent layer.');
  md.push('- **Training step** = forward over T steps, loss (Σ Bernoulli NLL), backpropagation through time, one RMSProp update (decay 0.9, momentum 0.9). TensorFlow.js: `model.trainOnBatch`; PyTorch: `zero_grad`, `backward`, `RMSprop.step`; ours: `trainStepInPlace` on a batch already in the arena. **Inference** = forward plus the sigmoid outputs copied out (PyTorch under `inference_mode`; ONNX Runtime `session.run`).');
  md.push(`- **Timing.** Warm-up of ${meta.config.warm} training step(s) and inference(s) per contender (1 when a call takes over 1 s), then ${meta.config.rounds} rounds; in each round every contender (order rotated) is timed for at least ${meta.config.minTime} s (at most ${meta.config.maxIters} calls), and a contender that has spent more than ${meta.config.budget} s stops after 3 rounds. Figures are the **median** over rounds; frames/s = T·B / seconds per call. PyTorch runs in its own process (scripts/bench_torch.py, driven over a pipe) and is timed inside that process around the calls only.`);
  md.push('- **FLOPs** count the matrix products only (multiply + add = 2), per frame: forward = 2·G·H·(I + H) + 2·H·O; training = forward + 2·G·H·(I + 2H) + 4·H·O (dW, dU, dh·Uᵀ, dV, dz·Vᵀ; no gradient for the input). G = 1 (tanh), 4 (LSTM), 3 (GRU). Gate nonlinearities, element-wise work and the optimizer are not counted, so GFLOP/s understates the work of every contender equally.');
  md.push('- **Memory.** For batch 32 each contender is run again in a fresh process (node, or python for PyTorch) that loads its library, creates the model and does 1 training step (which creates the optimizer state) and 1 inference. Reported: the process\'s peak resident set (`VmHWM` in /proc/self/status; not `getrusage`, which on Linux keeps the forked parent\'s high-water mark across exec), and in parentheses its growth over the resident set right after loading the library (PyTorch: after loading torch and parsing the setup message that carries the weights and data). The peak includes the runtime itself (Node ≈ 40–60 MiB, Python + torch ≈ 200 MiB).');
  md.push('- **brain.js** (when installed) trains one sequence at a time (no batching); its `RNN` uses ReLU, not tanh, its output layer is linear with a squared-error loss, so it computes a different model and is not output-checked.');
  md.push('- The CPU is a shared virtual machine whose floating-point throughput drifts; ratios measured in the same run are more reliable than absolute figures.');
  md.push('');
  const files = [];
  writeFileSync(join(dir, 'benchmarks.md'), md.join('\n'));
  files.push('benchmarks.md');
  writeFileSync(join(dir, 'benchmarks.json'), JSON.stringify({ meta, results }, null, 1));
  files.push('benchmarks.json');
  try {
    writeFileSync(join(dir, 'benchmarks.svg'), await chart(meta, results, ref));
    files.push('benchmarks.svg');
  } catch (e) {
    console.error(`chart not written: ${e.message}`);
  }
  return files.map((f) => join(dir, f));
}
