// The listening samples of docs/samples/: for each unit, the model of its selected speech trial
// (best validation NLL, saved by `reproduce --dataset speech --save-models`) continues the first
// 0.25 s of the same test utterance for 2 s, seeded; one WAV and one SVG per unit.
//
//   node scripts/speech-samples.mjs [--results docs/results/speech] [--out docs/samples] [--primer test:12] [--seed 1] [--data ../shared/data]
import { readFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const arg = (k, d) => (process.argv.find((a) => a.startsWith(`--${k}=`)) ?? `--${k}=${d}`).slice(k.length + 3);
const results = resolve(arg('results', join(root, 'docs/results/speech'))), out = resolve(arg('out', join(root, 'docs/samples')));
const primer = arg('primer', 'test:12'), seed = arg('seed', '1'), data = arg('data', process.env.GATEDRNN_DATA ?? join(root, '..', 'shared', 'data'));
const trials = JSON.parse(readFileSync(join(results, 'trials.json'), 'utf8'), (_k, v) => (v === null ? NaN : v));
mkdirSync(out, { recursive: true });
for (const unit of ['tanh', 'GRU', 'LSTM']) {
  const best = trials.filter((t) => t.spec.unitName === unit && Number.isFinite(t.bestValidNll)).sort((a, b) => a.bestValidNll - b.bestValidNll)[0];
  if (!best) { console.log(`${unit}: no finished trial`); continue; }
  const model = join(results, 'models', `${best.spec.id}.safetensors`), name = `speech-${unit.toLowerCase()}`;
  const r = spawnSync(process.execPath, [join(root, 'bin/gatedrnn.js'), 'sample', model, '--out', join(out, `${name}.wav`), '--svg', join(out, `${name}.svg`),
    '--seconds', '2', '--seed', seed, '--primer-from', primer, '--primer-seconds', '0.25', '--data', data], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
  console.log(`${unit}: ${best.spec.id} (lr ${best.spec.lr.toExponential(2)}, valid ${best.bestValidNll.toFixed(3)}, test ${best.testNll.toFixed(3)} nats/step)`);
}
