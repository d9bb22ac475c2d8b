// The README's example runs as written (against the built dist/node.js), so it cannot rot.
import { it, expect } from 'vitest';
import { readFileSync, writeFileSync, mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

it.skipIf(!existsSync('dist/node.js'))('the README example trains, saves, loads and streams', async () => {
  const readme = readFileSync('README.md', 'utf8');
  const m = readme.match(/```ts\n([\s\S]*?)```/);
  expect(m, 'README has a ```ts example').not.toBeNull();
  const dir = mkdtempSync(join(tmpdir(), 'gatedrnn-readme-'));
  const code = m![1]
    .replace(/from 'gatedrnn'/g, `from ${JSON.stringify(pathToFileURL(resolve('dist/node.js')).href)}`)
    .replace(/'lstm\.safetensors'/g, JSON.stringify(join(dir, 'lstm.safetensors')))
    + '\nexport { probs };\n';
  const file = join(dir, 'example.mjs');
  writeFileSync(file, code);
  const { probs } = await import(pathToFileURL(file).href);
  expect(probs).toBeInstanceOf(Float32Array);
  expect(probs.length).toBe(88);
  expect(existsSync(join(dir, 'lstm.safetensors'))).toBe(true);
});
