// The data-parallel worker bundled from the current sources (as scripts/bundle.mjs does), into a
// temporary folder, for tests that start ParallelTrainers.
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Bundles the worker; returns its URL and a function that removes the folder. */
export async function bundleParallelWorker(prefix: string): Promise<{ url: URL; cleanup: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const outfile = join(dir, 'parallel-worker.js');
  await build({ entryPoints: ['bindings/parallel/worker-node.ts'], outfile, bundle: true, format: 'esm', platform: 'node', packages: 'external', target: 'es2022', logLevel: 'warning' });
  return { url: pathToFileURL(outfile), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
