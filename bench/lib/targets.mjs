// The performance targets of this round (issue 14), each beside what this run measured: the
// training step's share of the WebAssembly FMA peak (bench/gemm.mjs's peak) at B = 32 and B = 1,
// with the Bernoulli head and (bench/speech-head.mjs) the speech models' mixture-of-Gaussians
// head; batch-1 inference against ONNX Runtime Web; two threads against one (bench/parallel.mjs,
// even and measured balance, and the mog head); the projected efficiency at 8 threads of the
// design ParallelTrainer uses (bench/scaling-model.mjs); and the end-to-end time of the whole of
// Table 2, which takes hours and so is read from its committed run
// (docs/results/table2-timing.json, written by scripts/table2-timing.mjs). Rows without a
// figure in this run say so.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TIMING = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'results', 'table2-timing.json');

const pct = (x) => `${(100 * x).toFixed(0)} %`;
const times = (x) => `${x.toFixed(2)}×`;

/** The best FMA peak the GEMM section printed, GFLOP/s. */
function fmaPeak(sections) {
  const g = sections.find((s) => s.name === 'gemm');
  const m = g && /FMA peak[^\n]*?best ([\d.]+) GFLOP\/s/.exec(g.text);
  return m ? Number(m[1]) : undefined;
}

/** Wall speed-ups per "set model" from a bench/parallel.mjs table. */
function speedUps(text) {
  const out = new Map();
  for (const line of (text ?? '').split('\n')) {
    const c = line.split('|').map((x) => x.trim());
    if (c.length > 6 && (c[1] === 'speech' || c[1] === 'music') && /×$/.test(c[5])) out.set(`${c[1]} ${c[2]}`, Number(c[5].replace('×', '')));
  }
  return out;
}

/** Table rows of a markdown table whose first cell is `set` ('speech' or 'music'). */
function tableRows(text) {
  return (text ?? '').split('\n').map((line) => line.split('|').map((x) => x.trim())).filter((c) => c.length > 4 && (c[1] === 'speech' || c[1] === 'music'));
}

/** Per speech model, the mog update's GFLOP/s (bench/speech-head.mjs table). */
function mogGflops(text) {
  const out = [];
  for (const line of (text ?? '').split('\n')) {
    const c = line.split('|').map((x) => x.trim());
    if (c.length > 10 && /^(tanh|GRU|LSTM)-\d+/.test(c[1]) && /^[\d.]+$/.test(c[7])) out.push([c[1], Number(c[7])]);
  }
  return out;
}

/** Rows of the Table 2 timing: each configuration's hours beside the 2 h goal. */
function table2Rows() {
  if (!existsSync(TIMING)) return [['complete Table 2 under 2 h on 2 cores', 'all sets, 10 draws × 3 units', `no timing committed (docs/results/table2-timing.json is missing: scripts/table2-timing.sh)`, 'no']];
  const t = JSON.parse(readFileSync(TIMING, 'utf8'));
  return t.configurations.map((c) => {
    const h = c.wallSeconds / 3600;
    const what = c.measured ? `${h.toFixed(2)} h measured (${c.date}; ${c.sets.join(', ')})`
      : `${h.toFixed(2)} h ${c.measuredSets?.length ? 'partly measured' : 'projected, not run'} (${c.basis})`;
    const met = c.complete && c.measured ? (h < 2 ? 'yes' : 'no')
      : `no (${!c.complete ? `missing: ${c.missing.join(', ')}` : c.measuredSets?.length ? 'not every set measured' : 'projection only'})`;
    return [`complete Table 2 under 2 h on 2 cores (${c.label})`, 'all sets, 10 draws × 3 units', what, met];
  });
}

/** Markdown lines: target, where, measured, met. */
export function targetsTable(results, sections) {
  const rows = [['target', 'where', 'measured', 'met']];
  const peak = fmaPeak(sections);
  for (const r of results) {
    const ours = r.by.ours;
    if (!ours || ours.skipped) continue;
    const name = `${r.key} ${r.variant}`;
    if (ours.trainGflops !== undefined) {
      const want = r.B >= 32 ? 0.85 : 0.65;
      if (peak) rows.push([`training step ≥ ${pct(want)} of the FMA peak`, name, `${pct(ours.trainGflops / peak)} (${ours.trainGflops.toFixed(1)} of ${peak} GFLOP/s)`, ours.trainGflops / peak >= want ? 'yes' : 'no']);
      else rows.push([`training step ≥ ${pct(want)} of the FMA peak`, name, 'no FMA peak in this run (the GEMM section did not run)', '—']);
    }
    const ort = r.by['ort-wasm'];
    if (r.B === 1 && ort && !ort.skipped && ort.inferFps && ours.inferFps) {
      const x = ours.inferFps / ort.inferFps;
      rows.push(['batch-1 inference ≥ 1.5× ONNX Runtime Web', name, times(x), x >= 1.5 ? 'yes' : 'no']);
    }
  }
  for (const [sec, label] of [['parallel', 'even'], ['parallel-measured', 'measured']]) {
    const s = sections.find((x) => x.name === sec);
    for (const [k, v] of speedUps(s?.text)) rows.push([`2 threads ≥ 1.9× one (balance: ${label})`, k, times(v), v >= 1.9 ? 'yes' : 'no']);
  }
  const mogPar = sections.find((x) => x.name === 'parallel-mog');
  for (const [k, v] of speedUps(mogPar?.text)) rows.push(['2 threads ≥ 1.9× one (mog head)', k, times(v), v >= 1.9 ? 'yes' : 'no']);
  if (!mogPar) rows.push(['2 threads ≥ 1.9× one (mog head)', 'speech', 'not run (section parallel-mog)', '—']);
  const mog = mogGflops(sections.find((x) => x.name === 'speech-head')?.text);
  for (const [name, gf] of mog) {
    rows.push(['training step ≥ 85 % of the FMA peak, mog head', `speech ${name} b32`, peak ? `${pct(gf / peak)} (${gf.toFixed(1)} of ${peak} GFLOP/s)` : `${gf.toFixed(1)} GFLOP/s (no FMA peak in this run)`, peak ? (gf / peak >= 0.85 ? 'yes' : 'no') : '—']);
  }
  if (!mog.length) rows.push(['training step ≥ 85 % of the FMA peak, mog head', 'speech', 'not run (section speech-head)', '—']);
  const scaling = tableRows(sections.find((x) => x.name === 'scaling-model')?.text);
  for (const c of scaling) {
    // column 8: design D (what ParallelTrainer does), "2× (a %) · 4× (b %) · 8× (c %) · 16× (d %)"
    const at8 = /·\s*([\d.]+)× \((\d+) %\)\s*·[^·]*$/.exec(c[8] ?? '');
    if (at8) rows.push(['8 threads ≥ 85 % efficiency in the cost model (design D, ParallelTrainer\'s)', `${c[1]} ${c[2]}`, `${at8[2]} % (${at8[1]}×)`, Number(at8[2]) >= 85 ? 'yes' : 'no']);
  }
  if (!scaling.length) rows.push(['8 threads ≥ 85 % efficiency in the cost model', 'all sizes', 'not run (section scaling-model)', '—']);
  rows.push(...table2Rows());
  const met = rows.slice(1).filter((r) => r[3] === 'yes').length;
  return [`${met} of ${rows.length - 1} targets met in this run.`, '', ...rows.map((r) => `| ${r.join(' | ')} |`).join('\n').replace(/\n/, `\n|${rows[0].map(() => '---').join('|')}|\n`).split('\n')].join('\n');
}
