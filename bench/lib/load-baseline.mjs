// Compiles bench/baseline/rnn.ts (TypeScript) with esbuild into a temporary ES module and
// imports it, so the benchmark runs with plain `node` and no build step of its own.
import { build } from 'esbuild';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export async function loadBaseline() {
  const r = await build({
    entryPoints: [join(here, '..', 'baseline', 'rnn.ts')],
    bundle: true, format: 'esm', platform: 'node', target: 'node20', write: false,
  });
  const dir = mkdtempSync(join(tmpdir(), 'gatedrnn-bench-'));
  const file = join(dir, 'baseline.mjs');
  writeFileSync(file, r.outputFiles[0].contents);
  return import(pathToFileURL(file).href);
}

/** Named views { W, U, bih, bhh, peep?, V, c } into a BaselineRnn's flat parameters. */
export function paramViews(net) {
  const out = {};
  for (const e of net.layout) {
    const n = e.shape.reduce((a, b) => a * b, 1);
    out[e.name] = net.params.subarray(e.offset, e.offset + n);
  }
  return out;
}
