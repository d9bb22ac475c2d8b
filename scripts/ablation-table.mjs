// docs/results/ablations/README.md from the variants' trial files: per variant and unit the
// trial with the best validation NLL, its test and train NLL under both conventions.
import { readFileSync, readdirSync, existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = resolve(fileURLToPath(new URL('../docs/results/ablations', import.meta.url)));
const order = ['baseline', 'step-clip', 'rms-eps', 'eval-noise', 'batch-8', 'uniform-init', 'code-schedule'];
const what = {
  baseline: 'our defaults (gradient-norm clip 1, RMS floor 0.01, clean evaluation, B = 1, orthogonal U, patience 10)',
  'step-clip': 'the optimizer\'s step clipped to norm 1 instead of the gradient (released code)',
  'rms-eps': 'RMSProp with ε = 1e-4 added to the RMS instead of the floor 0.01',
  'eval-noise': 'weight noise σ = 0.075 kept on at every evaluation (valid, train, test)',
  'batch-8': '8 sequences per update instead of 1',
  'uniform-init': 'recurrent matrices U(−0.1, 0.1) instead of orthogonal',
  'code-schedule': 'the released code\'s schedule: no patience (keep the best), 3× the epochs',
};
const f = (x, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : '—');
const rows = [['variant', 'unit', 'test, pooled', 'test, per-sequence', 'train, pooled', 'train, per-sequence', 'lr', 'best epoch / run', 'stopped']];
let total = 0;
const cmds = [];
for (const v of order.filter((v) => existsSync(join(dir, v, 'nottingham', 'trials.json')))) {
  const trials = JSON.parse(readFileSync(join(dir, v, 'nottingham', 'trials.json'), 'utf8'), (_k, x) => (x === null ? NaN : x));
  total += trials.reduce((a, t) => a + t.seconds, 0);
  const run = JSON.parse(readFileSync(join(dir, v, 'nottingham', 'run.json'), 'utf8'));
  cmds.push(`- ${v}: \`${run.invocations.at(-1).command}\` (${run.invocations.at(-1).started})`);
  for (const unit of ['tanh', 'GRU', 'LSTM']) {
    const b = trials.filter((t) => t.spec.unitName === unit && Number.isFinite(t.bestValidNll)).sort((a, c) => a.bestValidNll - c.bestValidNll)[0];
    if (!b) { rows.push([v, unit, '—', '—', '—', '—', '—', '—', '—']); continue; }
    const h = b.history[b.bestEpoch];
    rows.push([v, unit, f(b.testNll), f(b.testNllSeq), f(b.trainNll), f(h?.trainNllSeq), b.spec.lr.toExponential(2), `${b.bestEpoch + 1} / ${b.history.length}`, b.stopped]);
  }
}
const md = ['# Nottingham ablations (issue 9)', '',
  'Each variant changes one point against the baseline; learning-rate draws 4 and 6 of the seeded exp(U(−12, −6)) stream (the draws the full Nottingham grid selected), the trial with the better validation NLL per unit. NLL per predicted frame in nats; **pooled** = total ÷ frames, **per-sequence** = mean over pieces of each piece\'s per-frame NLL. Paper (Table 2): tanh 3.13 (3.22), GRU 3.23 (2.79), LSTM 3.20 (3.08).', '',
  ...Object.entries(what).map(([k, w]) => `- **${k}**: ${w}`), '',
  '| ' + rows[0].join(' | ') + ' |', '|' + rows[0].map(() => '---').join('|') + '|', ...rows.slice(1).map((r) => '| ' + r.join(' | ') + ' |'), '',
  `Compute: ${(total / 60).toFixed(1)} min summed over trials. Commands:`, '', ...cmds, ''];
writeFileSync(join(dir, 'README.md'), md.join('\n'));
console.log(md.join('\n'));
