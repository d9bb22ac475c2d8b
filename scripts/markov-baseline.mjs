// A per-note two-state Markov chain (p(note on | it was on / off in the previous frame), fitted
// on the training split with add-½ smoothing) scored on the test split of each music set, under
// both conventions, and how the test pieces' length relates to their difficulty: why pooled and
// per-sequence averages part on MuseData and Piano-midi (docs/results/NOTES.md).
//   node scripts/markov-baseline.mjs [data dir]     (default $GATEDRNN_DATA or ../shared/data)
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';

const dir = process.argv[2] ?? process.env.GATEDRNN_DATA ?? '../shared/data';
const roll = (seq) => seq.map((step) => { const r = new Uint8Array(88); for (const n of step) r[n - 21] = 1; return r; });
console.log('| set | pooled | per-sequence | shorter half of the pieces | longer half | longest 10 %: pieces, share of frames, NLL |');
console.log('|---|---|---|---|---|---|');
for (const [name, file] of [['JSB', 'jsb-chorales'], ['Nottingham', 'nottingham'], ['MuseData', 'musedata'], ['Piano-midi', 'piano-midi']]) {
  const d = JSON.parse(gunzipSync(readFileSync(join(dir, `${file}.json.gz`))));
  const count = [new Float64Array(88), new Float64Array(88)], on = [new Float64Array(88), new Float64Array(88)];
  for (const s of d.train.map(roll)) for (let t = 1; t < s.length; t++) for (let k = 0; k < 88; k++) { count[s[t - 1][k]][k]++; on[s[t - 1][k]][k] += s[t][k]; }
  const pieces = [];
  for (const s of d.test.map(roll)) {
    if (s.length < 2) continue;
    let nll = 0;
    for (let t = 1; t < s.length; t++) for (let k = 0; k < 88; k++) { const q = (on[s[t - 1][k]][k] + 0.5) / (count[s[t - 1][k]][k] + 1); nll -= Math.log(s[t][k] ? q : 1 - q); }
    pieces.push({ frames: s.length - 1, nll });
  }
  pieces.sort((a, b) => a.frames - b.frames);
  const pooled = (ps) => ps.reduce((a, p) => a + p.nll, 0) / ps.reduce((a, p) => a + p.frames, 0);
  const perSeq = (ps) => ps.reduce((a, p) => a + p.nll / p.frames, 0) / ps.length;
  const half = Math.floor(pieces.length / 2), top = pieces.slice(-Math.max(1, Math.round(pieces.length / 10)));
  const share = top.reduce((a, p) => a + p.frames, 0) / pieces.reduce((a, p) => a + p.frames, 0);
  console.log(`| ${name} | ${pooled(pieces).toFixed(2)} | ${perSeq(pieces).toFixed(2)} | ${perSeq(pieces.slice(0, half)).toFixed(2)} | ${perSeq(pieces.slice(half)).toFixed(2)} | ${top.length}, ${(100 * share).toFixed(0)} %, ${pooled(top).toFixed(2)} |`);
}
