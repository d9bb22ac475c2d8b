// Turns the timing lines of scripts/table2-timing.sh into docs/results/table2-timing.md (the
// table a researcher reads) and docs/results/table2-timing.json (what `npm run bench` puts
// beside its 2-hour target). Three configurations, each set of each measured when its line is
// in docs/results/table2-timing/<configuration>/timing.jsonl, else projected:
//   halving, local threads   (halving/) not projected: it is the basis of the others;
//   full, local threads      (full/) from the halving run's trials: each draw's seconds per
//                            epoch (its longest trial) times the epochs its full trial would run
//                            (the same as that trial's if it stopped before its cap — training
//                            is deterministic, so a rung is the first epochs of the full trial —
//                            else the 200-epoch cap), summed, divided by the concurrency the
//                            halving run of that set reached (summed trial s ÷ wall s);
//   halving, job queue       (queue/) the halving set's wall-clock times the ratio of two queue
//                            worker processes to two local threads: the sets measured both ways
//                            if there are any, else the 40-epoch grid of
//                            docs/results/queue-scaling.md.
// A configuration is "measured" when every set is. Earlier runs kept under
// docs/results/table2-timing/archive/<name>/ (each with its timing.jsonl and a note.txt saying
// what code it timed) are listed at the end.
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
    // a trial that went on from its rung's checkpoint timed only the epochs after it
    const ran = Math.max(1, n - (r.continuedFrom?.epochs ?? 0));
    seconds += (r.seconds / ran) * epochs;
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

const halving = lines('halving'), full = lines('full'), queue = lines('queue');
const h = (s) => (s / 3600).toFixed(2), m = (s) => (s / 60).toFixed(1);
const missingOf = (map) => SETS.filter((s) => !map.has(s));
const span = (rs) => rs.length ? `${rs.map((r) => r.start).sort()[0]} – ${rs.map((r) => r.end).sort().at(-1)}` : '';

/** Per set: the measured line, else a projection (or nothing when there is no basis). */
function perSet(map, project) {
  return SETS.map((set) => {
    const r = map.get(set);
    if (r) return { set, measured: true, wallSeconds: r.wallSeconds, trialSeconds: r.trialSeconds, line: r };
    const p = project(set);
    return p ? { set, measured: false, ...p } : { set, measured: false, wallSeconds: NaN };
  });
}

const projectFullSet = (set) => {
  const r = halving.get(set);
  if (!r) return null;
  const p = projectFull(set), concurrency = r.trialSeconds / r.wallSeconds;
  return { trialSeconds: p.seconds, wallSeconds: p.seconds / concurrency, concurrency };
};
// the queue's cost: from the sets timed both ways on the queue and on local threads, else the small grid
const both = SETS.filter((s) => queue.has(s) && halving.has(s));
const q = both.length
  ? { ratio: both.reduce((a, s) => a + queue.get(s).wallSeconds, 0) / both.reduce((a, s) => a + halving.get(s).wallSeconds, 0), from: `the ${both.join(', ')} sets timed both ways` }
  : { ...queueRatio(), from: 'the 40-epoch grid of docs/results/queue-scaling.md' };
const projectQueueSet = (set) => { const r = halving.get(set); return r ? { wallSeconds: r.wallSeconds * q.ratio } : null; };

function configuration(label, map, rows, projection) {
  const measuredSets = rows.filter((r) => r.measured).map((r) => r.set);
  const complete = rows.every((r) => Number.isFinite(r.wallSeconds));
  const all = measuredSets.length === SETS.length;
  const wallSeconds = rows.reduce((a, r) => a + (Number.isFinite(r.wallSeconds) ? r.wallSeconds : 0), 0);
  const how = all ? `measured, ${span([...map.values()])}`
    : !rows.some((r) => Number.isFinite(r.wallSeconds)) ? 'not run yet'
    : measuredSets.length && !rows.some((r) => !r.measured && Number.isFinite(r.wallSeconds)) ? `${measuredSets.join(', ')} measured (${span(measuredSets.map((s) => map.get(s)))}); the rest not timed`
    : measuredSets.length ? `${measuredSets.join(', ')} measured (${span(measuredSets.map((s) => map.get(s)))}); the rest projected: ${projection}`
    : `projected: ${projection}`;
  return { label, measured: all, complete, missing: rows.filter((r) => !Number.isFinite(r.wallSeconds)).map((r) => r.set), measuredSets, sets: SETS, wallSeconds, how,
    ...(all ? { date: span([...map.values()]) } : { basis: how }), perSet: rows.map(({ line: _l, ...r }) => r) };
}

const halvingRows = perSet(halving, () => null);
const fullRows = perSet(full, projectFullSet);
const queueRows = perSet(queue, projectQueueSet);
const configurations = [
  configuration('successive halving, 2 local threads', halving, halvingRows, 'none (this is the basis of the projections)'),
  configuration('full schedule, 2 local threads', full, fullRows, "the halving run's seconds per epoch of every draw × the epochs of its full trial, at the halving run's concurrency"),
  configuration('successive halving, job queue with 2 local workers', queue, queueRows, `the halving set's wall-clock × ${q.ratio.toFixed(2)}, the queue's 2 workers against 2 local threads (${q.from})`),
];

/** Earlier runs: docs/results/table2-timing/archive/<name>/{timing.jsonl,note.txt}. */
const archive = [];
const archDir = join(base, 'archive');
if (existsSync(archDir)) {
  for (const name of readdirSync(archDir).sort()) {
    const f = join(archDir, name, 'timing.jsonl');
    if (!existsSync(f)) continue;
    const rs = readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const note = existsSync(join(archDir, name, 'note.txt')) ? readFileSync(join(archDir, name, 'note.txt'), 'utf8').trim() : '';
    archive.push({ name, note, sets: rs.map((r) => r.dataset), wallSeconds: rs.reduce((a, r) => a + r.wallSeconds, 0), perSet: rs.map((r) => ({ set: r.dataset, wallSeconds: r.wallSeconds, trialSeconds: r.trialSeconds })), date: span(rs) });
  }
}

const machineOf = (map) => [...new Set([...map.values()].map((r) => r.machine).filter(Boolean))].join('; ') || 'not recorded';
const commitOf = (map) => [...new Set([...map.values()].map((r) => r.commit).filter(Boolean))].join(', ') || 'not recorded';
const md = [
  '# The whole of Table 2, timed end to end',
  '',
  'Four music sets and the speech stand-in, 10 learning-rate draws × 3 units each, one seed, with the settings the fidelity work chose',
  '(music: the released code\'s step clipping and schedule, 200 epochs, no patience, B = 1, weight noise 0.075; speech: B = 32, at most 5 epochs),',
  'on this project\'s 2-core machine, one set after the other with 2 worker threads (or the job queue\'s 2 worker processes).',
  `Goal (issue 14): under ${GOAL_H} hours. Commands: \`scripts/table2-timing.sh halving\` (and \`full\`, \`queue\`), then \`node scripts/table2-timing.mjs\`.`,
  '',
];
for (const [title, map, rows, conf] of [['successive halving (η = 3), 2 local threads', halving, halvingRows, 'halving'], ['full schedule, 2 local threads', full, fullRows, 'full'], ['successive halving, job queue with 2 local worker processes', queue, queueRows, 'queue']]) {
  md.push(`## Per set, ${title}`, '');
  if (map.size) md.push(`Machine: ${machineOf(map)}. Commit: ${commitOf(map)}.`, '');
  md.push('| set | how | start | wall-clock | summed trial time | concurrency | trial files |', '|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const l = map.get(r.set);
    if (l) md.push(`| ${r.set} | measured | ${l.start} | ${m(l.wallSeconds)} min | ${m(l.trialSeconds)} min | ${(l.trialSeconds / l.wallSeconds).toFixed(2)} | ${l.trialFiles} |`);
    else if (Number.isFinite(r.wallSeconds)) md.push(`| ${r.set} | projected | | ${m(r.wallSeconds)} min | ${r.trialSeconds ? `${m(r.trialSeconds)} min` : ''} | ${r.concurrency ? r.concurrency.toFixed(2) : ''} | |`);
    else if (existsSync(join(base, conf, r.set, 'trials'))) md.push(`| ${r.set} | run, but not timed end to end (no timing line; docs/results/table2-speedup.md says why) | | | | | ${readdirSync(join(base, conf, r.set, 'trials')).length} |`);
    else md.push(`| ${r.set} | not run yet | | | | | |`);
  }
  md.push('');
}
md.push('## The whole table', '', '| configuration | how | wall-clock | under 2 h |', '|---|---|---|---|',
  ...configurations.map((c) => `| ${c.label} | ${c.how}${c.complete ? '' : `; missing ${c.missing.join(', ')}`} | ${h(c.wallSeconds)} h (${m(c.wallSeconds)} min) | ${!c.complete ? '—' : c.wallSeconds / 3600 < GOAL_H ? (c.measured ? 'yes' : 'yes, if the projection holds') : 'no'} |`), '');
if (archive.length) {
  md.push('## Earlier runs', '', '| run | what it timed | sets | wall-clock |', '|---|---|---|---|',
    ...archive.map((a) => `| ${a.name} (${a.date}) | ${a.note} | ${a.perSet.map((r) => `${r.set} ${m(r.wallSeconds)} min`).join(', ')} | ${h(a.wallSeconds)} h (${m(a.wallSeconds)} min) |`), '');
}
writeFileSync(join(root, 'docs', 'results', 'table2-timing.md'), md.join('\n'));
writeFileSync(join(root, 'docs', 'results', 'table2-timing.json'), JSON.stringify({ configurations, queue: q, archive }, null, 2) + '\n');
console.log(md.join('\n'));
