// The command line as child processes run it: bindings/cli/main.ts, the reproduce worker and
// the reproduce module bundled into <dir>/dist the way scripts/bundle.mjs does (packages
// external, resolved through a node_modules symlink; the core found at ../build/ through a
// build symlink), with two runners: dist/cli.mjs <argv…> and dist/reproduce.mjs <options JSON>.
import { mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const ROOT = resolve(__dirname, '..', '..');

export async function bundleCli(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await symlink(join(ROOT, 'build'), join(dir, 'build'));
  await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  const common = { bundle: true, format: 'esm', platform: 'node', packages: 'external', logLevel: 'error', absWorkingDir: ROOT } as const;
  await build({ ...common, entryPoints: [join(ROOT, 'bindings/cli/main.ts')], outfile: join(dir, 'dist', 'cli.js') });
  await build({ ...common, entryPoints: [join(ROOT, 'bindings/cli/reproduce/worker.ts')], outfile: join(dir, 'dist', 'reproduce-worker.js') });
  await build({ ...common, entryPoints: [join(ROOT, 'bindings/cli/reproduce/index.ts')], outfile: join(dir, 'dist', 'reproduce.js') });
  const flags = "import v8 from 'node:v8'; v8.setFlagsFromString('--experimental-wasm-relaxed-simd');";
  await writeFile(join(dir, 'dist', 'cli.mjs'), `${flags}\nconst { main } = await import('./cli.js');\nprocess.exitCode = await main(process.argv.slice(2));\n`);
  await writeFile(join(dir, 'dist', 'reproduce.mjs'), `${flags}\nconst { reproduce, defaultOptions } = await import('./reproduce.js');\nawait reproduce(defaultOptions(JSON.parse(process.argv[2])));\n`);
  return dir;
}
