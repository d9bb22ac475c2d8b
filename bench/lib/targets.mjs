// The performance targets of this round (issue 14), each beside what this run measured: the
// training step's share of the WebAssembly FMA peak (bench/gemm.mjs's peak) at B = 32 and B = 1,
// batch-1 inference against ONNX Runtime Web, and two threads against one (bench/parallel.mjs,
// with the even and the measured balance). Rows without a figure in this run say so.

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
  rows.push(['mixture-of-Gaussians head step in this table', 'speech', 'not measured here (bench/speech-head.mjs measures it against a Bernoulli head)', 'no']);
  rows.push(['complete Table 2 under 2 h on 2 cores', 'all sets, 10 draws × 3 units', 'not measured in this run', 'no']);
  const met = rows.slice(1).filter((r) => r[3] === 'yes').length;
  return [`${met} of ${rows.length - 1} targets met in this run.`, '', ...rows.map((r) => `| ${r.join(' | ')} |`).join('\n').replace(/\n/, `\n|${rows[0].map(() => '---').join('|')}|\n`).split('\n')].join('\n');
}
