// Bundles the TypeScript layer with esbuild: dist/node.js (Node entry), dist/browser.js
// (no Node built-ins), dist/cli.js (the command line), and emits .d.ts files with tsc.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';

mkdirSync('dist', { recursive: true });
const common = { bundle: true, format: 'esm', sourcemap: true, target: 'es2022', logLevel: 'warning' };
await Promise.all([
  build({ ...common, entryPoints: ['bindings/node.ts'], outfile: 'dist/node.js', platform: 'node', packages: 'external' }),
  build({ ...common, entryPoints: ['bindings/browser.ts'], outfile: 'dist/browser.js', platform: 'browser' }),
  build({ ...common, entryPoints: ['bindings/cli/main.ts'], outfile: 'dist/cli.js', platform: 'node', packages: 'external' }),
  // worker threads of ParallelTrainer (bindings/parallel/), resolved next to dist/node.js
  build({ ...common, entryPoints: ['bindings/parallel/worker-node.ts'], outfile: 'dist/parallel-worker.js', platform: 'node', packages: 'external' }),
  // the worker threads of `gatedrnn reproduce` (bindings/cli/reproduce/pool.ts), next to dist/cli.js
  build({ ...common, entryPoints: ['bindings/cli/reproduce/worker.ts'], outfile: 'dist/reproduce-worker.js', platform: 'node', packages: 'external' }),
]);
if (!process.argv.includes('--no-types')) {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
}
