// The music rows of Table 2 from one or more reproduce output folders, side by side with the
// paper: per data set and unit the best-validation trial of each seed (successive-halving rung
// trials, `-rung<r>`, are left out: a survivor's final trial is the full trial), the mean ± sd
// over seeds of test NLL under both conventions, the train NLL, the difference to the paper, and
// how many of the twelve cells are within ±0.25 nats under each convention.
//   node scripts/music-table.mjs <label>=<folder> …  [--out file.md]
// Needs the built package (npm run build).
import { readFileSync, readdirSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PAPER_TABLE2, selectBest, mean, sd, signed } from '../dist/node.js';

const args = process.argv.slice(2);
const outAt = args.indexOf('--out');
const out = outAt >= 0 ? args.splice(outAt, 2)[1] : undefined;
const runs = args.map((a) => { const i = a.indexOf('='); return { label: a.slice(0, i), dir: a.slice(i + 1) }; });
if (runs.length === 0 || runs.some((r) => !r.label || !r.dir)) { console.error('usage: node scripts/music-table.mjs <label>=<folder> … [--out file.md]'); process.exit(2); }

const parse = (text) => JSON.parse(text, (_k, v) => (v === null ? NaN : v));
function trialsOf(dir) {
  const t = join(dir, 'trials');
  if (!existsSync(t)) return [];
  return readdirSync(t).filter((f) => f.endsWith('.json') && !/-rung\d+\.json$/.test(f)).map((f) => parse(readFileSync(join(t, f), 'utf8')));
}
const fmt = (all, d = 2, xs = all.filter(Number.isFinite)) => (xs.length === 0 ? '—' : xs.length === 1 ? xs[0].toFixed(d) : `${mean(xs).toFixed(d)} ± ${sd(xs).toFixed(d)}`);

const lines = [];
const within = {};
let compute = 0;
lines.push('| data set | run | unit | seeds | draws | test, pooled | Δ paper | test, per-sequence | Δ paper | train, pooled | paper test (train) | lr | best epoch |');
lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const [ds, paper] of Object.entries(PAPER_TABLE2)) {
  for (const { label, dir } of runs) {
    const all = trialsOf(join(dir, ds));
    if (all.length === 0) continue;
    compute += readdirSync(join(dir, ds, 'trials')).map((f) => parse(readFileSync(join(dir, ds, 'trials', f), 'utf8')).seconds).reduce((a, b) => a + b, 0);
    const selected = selectBest(all);
    for (const unit of ['tanh', 'GRU', 'LSTM']) {
      const best = selected.filter((g) => g.unit === unit && g.best).map((g) => g.best);
      if (best.length === 0) continue;
      const seeds = best.map((b) => b.spec.seed);
      const p = paper.scores[unit];
      const test = best.map((b) => b.testNll), seq = best.map((b) => b.testNllSeq), train = best.map((b) => b.trainNll);
      const fin = (xs) => xs.filter(Number.isFinite);
      const d = mean(fin(test)) - p.test, dSeq = fin(seq).length ? mean(fin(seq)) - p.test : NaN;
      const w = (within[label] ??= { pooled: 0, perSequence: 0, cells: 0, cellsSeq: 0 });
      w.cells++; if (Math.abs(d) <= 0.25) w.pooled++;
      if (Number.isFinite(dSeq)) { w.cellsSeq++; if (Math.abs(dSeq) <= 0.25) w.perSequence++; }
      // every draw tried, counting the shorter rung trials of successive halving
      const draws = new Set(readdirSync(join(dir, ds, 'trials')).filter((f) => f.startsWith(`${unit.toLowerCase()}-`)).map((f) => /trial(\d+)/.exec(f)?.[1])).size;
      lines.push(`| ${paper.title} | ${label} | ${unit} | ${seeds.join(',')} | ${draws} | ${fmt(test)} | ${signed(d)} | ${fmt(seq)} | ${signed(dSeq)} | ${fmt(train)} | ${p.test.toFixed(2)} (${p.train.toFixed(2)}) | ${[...new Set(best.map((b) => b.spec.lr.toExponential(2)))].join(', ')} | ${best.map((b) => `${b.bestEpoch + 1}/${b.history.length}`).join(', ')} |`);
    }
  }
}
lines.push('');
for (const [label, w] of Object.entries(within)) lines.push(`- **${label}**: within ±0.25 of the paper on ${w.pooled} of ${w.cells} cells (pooled), ${w.perSequence} of ${w.cellsSeq} (per-sequence).`);
lines.push(`- Compute summed over every trial file read (rungs included): ${(compute / 3600).toFixed(2)} h.`);
const text = lines.join('\n') + '\n';
if (out) writeFileSync(out, text); else process.stdout.write(text);
