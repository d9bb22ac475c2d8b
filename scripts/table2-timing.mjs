// Turns the timing lines of scripts/table2-timing.sh into docs/results/table2-timing.md (the
// table a researcher reads) and docs/results/table2-timing.json (what `npm run bench` puts
// beside its 2-hour target). Three configurations:
//   halving, local threads   measured when docs/results/table2-timing/halving/timing.jsonl has
//                            every set;
//   full, local threads      measured the same way from .../full/, else projected from the
//                            halving run's trials: each draw's seconds per epoch (its longest
//                            trial) times the epochs its full trial would run (the same as
//                            that trial's if it stopped before its cap — training is
//                            deterministic, so a rung is the first epochs of the full trial —
//                            else the 200-epoch cap), summed, divided by the concurrency the
//                            halving run of that set reached (summed trial s ÷ wall s);
//   halving, job queue       projected: the halving wall-clock times the ratio of two queue
//                            worker processes to two local threads measured on the same
//                            machine (docs/results/queue-scaling.md, the 40-epoch grid).
//   node scripts/table2-timing.mjs
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const base = join(root, 'docs', 'results', 'table2-timing');
const SETS = ['jsb', 'piano-midi', 'musedata', 'nottingham', 'speech'];
const GOAL_H = 2;

function lines(schedule) {
  const f = join(base, schedule, 'timing.jsonl');
  if (!existsSync(f)) return new Map();
  return new Map(readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)).map((r) => [r.dataset, r]));
}

/** Summed trial seconds the full schedule would take for one set, from its halving trials. */
function projectFull(set) {
  const dir = join(base, 'halving', set, 'trials');
  const longest = new Map();
  for (const f of readdirSync(dir)) {
    const r = JSON.parse(readFileSync(join(dir, f), 'utf8'));
    const key = `${r.spec.unit}/${r.spec.seed}/${r.spec.trial}`, n = r.history.length;
    if (!longest.has(key) || n > longest.get(key).history.length) longest.set(key, r);
  }
  let seconds = 0;
  for (const r of longest.values()) {
    const n = Math.max(1, r.history.length), cap = r.spec.epochs;
    const fullCap = set === 'speech' ? 5 : 200;
    const epochs = r.stopped === 'epochs' && n >= cap ? fullCap : n;
    seconds += (r.seconds / n) * epochs;
  }
  return { seconds, draws: longest.size };
}

/** Two queue worker processes ÷ two local threads, wall-clock, from the 40-epoch grid. */
function queueRatio() {
  const f = join(root, 'docs', 'results', 'queue-scaling.md');
  const text = readFileSync(f, 'utf8');
  const sec = text.split(/^## /m).find((s) => /40 epochs each/.test(s)) ?? '';
  const local = /\| local, 2 threads \| ([\d.]+) s/.exec(sec), queue = /\| queue, 2 worker processes \| ([\d.]+) s/.exec(sec);
  if (!local || !queue) throw new Error(`no 40-epoch grid with local 2 threads and queue 2 workers in ${f}`);
  return { ratio: Number(queue[1]) / Number(local[1]), local: Number(local[1]), queue: Number(queue[1]) };
}

const halving = lines('halving'), full = lines('full');
const h = (s) => (s / 3600).toFixed(2), m = (s) => (s / 60).toFixed(1);
const configurations = [];
const rows = [];

const done = (map) => SETS.filter((s) => map.has(s));
const missing = (map) => SETS.filter((s) => !map.has(s));
const sum = (map, k) => done(map).reduce((a, s) => a + map.get(s)[k], 0);
const dates = (map) => { const d = done(map).map((s) => map.get(s)); return d.length ? `${d[0].start} – ${d[d.length - 1].end}` : ''; };

configurations.push({ label: 'successive halving, 2 local threads', measured: halving.size > 0, complete: missing(halving).length === 0, missing: missing(halving),
  sets: done(halving), wallSeconds: sum(halving, 'wallSeconds'), trialSeconds: sum(halving, 'trialSeconds'), date: dates(halving) });

let fullProjected = null;
if (missing(full).length === 0) {
  configurations.push({ label: 'full schedule, 2 local threads', measured: true, complete: true, missing: [], sets: SETS, wallSeconds: sum(full, 'wallSeconds'), trialSeconds: sum(full, 'trialSeconds'), date: dates(full) });
} else if (missing(halving).length === 0) {
  fullProjected = SETS.map((s) => {
    const p = projectFull(s), r = halving.get(s);
    const concurrency = r.trialSeconds / r.wallSeconds;
    return { set: s, trialSeconds: p.seconds, wallSeconds: p.seconds / concurrency, concurrency };
  });
  configurations.push({ label: 'full schedule, 2 local threads', measured: false, complete: true, missing: [], sets: SETS,
    wallSeconds: fullProjected.reduce((a, r) => a + r.wallSeconds, 0), trialSeconds: fullProjected.reduce((a, r) => a + r.trialSeconds, 0),
    basis: 'from the halving run\'s seconds per epoch of every draw × the epochs of its full trial' });
}
const q = queueRatio();
if (missing(halving).length === 0) {
  configurations.push({ label: 'successive halving, job queue with 2 local workers', measured: false, complete: true, missing: [], sets: SETS,
    wallSeconds: sum(halving, 'wallSeconds') * q.ratio, basis: `halving wall-clock × ${q.ratio.toFixed(2)}, the queue's 2 workers against 2 local threads (docs/results/queue-scaling.md)` });
}

const md = [
  '# The whole of Table 2, timed end to end',
  '',
  'Four music sets and the speech stand-in, 10 learning-rate draws × 3 units each, one seed, with the settings the fidelity work chose',
  '(music: the released code\'s step clipping and schedule, 200 epochs, no patience, B = 1, weight noise 0.075; speech: B = 32, at most 5 epochs),',
  'on this project\'s 2-core machine, one set after the other with 2 worker threads.',
  `Goal (issue 14): under ${GOAL_H} hours. Commands: \`scripts/table2-timing.sh halving\` (and \`full\`), then \`node scripts/table2-timing.mjs\`.`,
  '',
  '## Per set, successive halving (η = 3), measured',
  '',
  '| set | start | wall-clock | summed trial time | concurrency | trial files |',
  '|---|---|---|---|---|---|',
  ...SETS.map((s) => {
    const r = halving.get(s);
    return r ? `| ${s} | ${r.start} | ${m(r.wallSeconds)} min | ${m(r.trialSeconds)} min | ${(r.trialSeconds / r.wallSeconds).toFixed(2)} | ${r.trialFiles} |` : `| ${s} | not run yet | | | | |`;
  }),
  '',
];
if (fullProjected) {
  md.push('## Per set, full schedule, projected from the halving trials', '',
    '| set | summed trial time | at the halving run\'s concurrency | wall-clock |', '|---|---|---|---|',
    ...fullProjected.map((r) => `| ${r.set} | ${m(r.trialSeconds)} min | ${r.concurrency.toFixed(2)} | ${m(r.wallSeconds)} min |`), '');
}
md.push('## The whole table', '', '| configuration | how | wall-clock | under 2 h |', '|---|---|---|---|',
  ...configurations.map((c) => `| ${c.label} | ${c.measured ? `measured, ${c.date}` : `projected: ${c.basis}`}${c.complete ? '' : `; missing ${c.missing.join(', ')}`} | ${h(c.wallSeconds)} h (${m(c.wallSeconds)} min) | ${!c.complete ? '—' : c.wallSeconds / 3600 < GOAL_H ? (c.measured ? 'yes' : 'yes, if the projection holds') : 'no'} |`), '');
writeFileSync(join(root, 'docs', 'results', 'table2-timing.md'), md.join('\n'));
writeFileSync(join(root, 'docs', 'results', 'table2-timing.json'), JSON.stringify({ configurations, queue: q }, null, 2) + '\n');
console.log(md.join('\n'));
