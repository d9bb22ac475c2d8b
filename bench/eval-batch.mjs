// What an evaluation pass of a Table 2 music trial costs per predicted frame, by how its batches
// are formed: the old way (8 sequences at a time in their given order) against length-sorted
// batches (longest first) of 1, 2, 4 and 8, on each music set's validation split, with the
// paper's three models (relaxed build, one thread, no weight noise, per-slot scores as the trials
// ask for). The setups of one model run interleaved round by round and the medians are compared
// in the same process. Padding is the batches' T·B over the predicted frames.
//
//   npm run build && node bench/eval-batch.mjs [--rounds=5] [--sets=jsb,musedata,…]
// The data come from GATEDRNN_DATA (default ../shared/data).
import v8 from 'node:v8';
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const g = await import(pathToFileURL(join(here, '..', 'dist', 'node.js')).href);
const arg = (k, d) => { const a = process.argv.find((s) => s.startsWith(`--${k}=`)); return a ? a.slice(k.length + 3) : d; };
const ROUNDS = Number(arg('rounds', 5));
const SETS = arg('sets', 'jsb,piano-midi,musedata,nottingham').split(',');
const DATA = resolve(process.env.GATEDRNN_DATA ?? join(here, '..', '..', 'shared', 'data'));
const MODELS = [['tanh', 100, {}], ['lstm', 36, { peepholes: true }], ['gru', 46, { resetAfter: false }]];
const SETUPS = [['8 in given order', 8, 0], ['1', 1, Infinity], ['2 sorted (the trials)', 2, Infinity], ['4 sorted', 4, Infinity], ['8 sorted', 8, Infinity]];

const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
/** One pass over the batcher, scoring each slot as the trials' evaluations do. */
function pass(model, b) {
  const slots = { loss: new Float64Array(b.batchSize), frames: new Float64Array(b.batchSize) };
  let loss = 0;
  for (const p of b.epoch(0)) { b.fill(p, model.batchViews(p.T, p.B)); loss += model.evaluateInPlace(p.T, p.B, slots).loss; }
  return loss;
}

console.log(`# Evaluation cost per predicted frame by batching (${new Date().toISOString()}, ${ROUNDS} interleaved rounds, relaxed build, one thread)\n`);
console.log(`| set (valid split) | model | ${SETUPS.map((s) => `B = ${s[0]}`).join(' | ')} | old ÷ trials |`);
console.log(`|---|---|${SETUPS.map(() => '---|').join('')}---|`);
for (const set of SETS) {
  const ds = await g.loadPianoRollDataset(DATA, set);
  for (const [unit, H, extra] of MODELS) {
    const runs = [];
    for (const [, B, sort] of SETUPS) {
      const b = g.Batcher.fromNotes(ds.valid, { batchSize: B, shuffle: false, sortBuckets: sort });
      const model = await g.createModel({ unit, hiddenSize: H, inputSize: 88, head: { type: 'bernoulli', size: 88 }, seed: 1, ...extra }, { build: 'relaxed' });
      pass(model, b); // warm-up, and sizes the arena
      const padded = b.epoch(0).reduce((a, p) => a + p.T * p.B, 0);
      runs.push({ b, model, t: [], pad: padded / b.predictedFrames });
    }
    for (let r = 0; r < ROUNDS; r++) for (const s of runs) { const t0 = performance.now(); pass(s.model, s.b); s.t.push(performance.now() - t0); }
    const us = runs.map((s) => (median(s.t) * 1000) / s.b.predictedFrames);
    console.log(`| ${set} | ${unit}-${H} | ${us.map((u, i) => `${u.toFixed(2)} µs (pad ${runs[i].pad.toFixed(2)})`).join(' | ')} | ${(us[0] / us[2]).toFixed(2)}× |`);
  }
}
