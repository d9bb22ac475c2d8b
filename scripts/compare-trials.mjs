// Do two runs of the same grid give the same results? Compares the trial files of two output
// folders set by set (e.g. an archived Table 2 timing run and its rerun on newer code): the
// same trials, the same epochs, best epochs and stopping reasons (so the same halving
// decisions), every per-sequence NLL and noisy training loss bit for bit, and the largest
// relative difference of the pooled NLLs (whose f64 sum order may change with the evaluation
// batching). Clocks are ignored. Exits 1 when anything but the pooled NLLs differs.
//   node scripts/compare-trials.mjs <folder a> <folder b> [set …]
// Each folder holds <set>/trials/*.json; the sets default to the ones both folders have.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [a, b, ...only] = process.argv.slice(2);
if (!a || !b) { console.error('usage: node scripts/compare-trials.mjs <folder a> <folder b> [set …]'); process.exit(2); }
const setsOf = (d) => readdirSync(d).filter((s) => existsSync(join(d, s, 'trials')));
const sets = only.length ? only : setsOf(a).filter((s) => setsOf(b).includes(s));
const read = (d, s, f) => JSON.parse(readFileSync(join(d, s, 'trials', f), 'utf8'));
const EXACT = ['validNllSeq', 'trainNllSeq', 'trainLossNoisy'];
const same = (x, y) => x === y || (Number.isNaN(x) && Number.isNaN(y)) || (x === undefined && y === undefined);
const rel = (x, y) => (Number.isFinite(x) && Number.isFinite(y) ? Math.abs(x - y) / Math.max(Math.abs(x), 1e-300) : same(x, y) ? 0 : Infinity);

let bad = 0;
console.log('| set | trials a / b | same files | epochs, best epochs, stops differ | per-sequence / noisy values differ | largest pooled relative difference |');
console.log('|---|---|---|---|---|---|');
for (const s of sets) {
  const fa = readdirSync(join(a, s, 'trials')).sort(), fb = readdirSync(join(b, s, 'trials')).sort();
  const names = JSON.stringify(fa) === JSON.stringify(fb);
  let shape = 0, exact = 0, pooled = 0;
  for (const f of fa.filter((x) => fb.includes(x))) {
    const x = read(a, s, f), y = read(b, s, f);
    if (x.history.length !== y.history.length || x.bestEpoch !== y.bestEpoch || x.stopped !== y.stopped) shape++;
    if (!same(x.testNllSeq, y.testNllSeq)) exact++;
    pooled = Math.max(pooled, rel(x.testNll, y.testNll), rel(x.bestValidNll, y.bestValidNll), rel(x.trainNll, y.trainNll));
    x.history.forEach((h, i) => {
      const g = y.history[i];
      if (!g) return;
      for (const k of EXACT) if (!same(h[k], g[k])) exact++;
      for (const k of ['validNll', 'trainNll']) pooled = Math.max(pooled, rel(h[k], g[k]));
    });
  }
  if (!names || shape || exact || !(pooled < 1e-9)) bad++;
  console.log(`| ${s} | ${fa.length} / ${fb.length} | ${names ? 'yes' : 'no'} | ${shape} | ${exact} | ${pooled.toExponential(1)} |`);
}
if (bad) { console.error(`\n${bad} set(s) differ beyond the order of the pooled sums`); process.exit(1); }
console.log('\nthe same trials, epochs and decisions; per-sequence NLLs and training losses bit for bit');
