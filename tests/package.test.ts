// The package as users get it: `npm pack` of the repository, unpacked into throwaway projects,
// then (a) type-checked by strict TypeScript consumers (skipLibCheck off) of every entry under
// NodeNext and Bundler resolution, the browser ones with no Node types in the program at all;
// (b) run by a small Node script (train a step, save, load, sample; both browser entries; two
// worker threads; the CLI); (c) what the tarball holds, and its size against the README's.
//
// Installing: the tarball is unpacked as node_modules/gatedrnn of a scratch folder whose other
// node_modules entries are links to the repository's copies of the package's declared
// dependencies (only those, so an import of a devDependency fails here as it would for users).
// No network and no npm cache are needed: a machine that has run `npm ci` and built dist/ runs it.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, resolve } from 'node:path';
import { inCI } from './helpers/env.js';

const ROOT = resolve(__dirname, '..');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** What the entries need at run time and for their types: made by `npm run build`. */
const BUILT = [
  'dist/node.js', 'dist/browser.js', 'dist/browser-inline.js', 'dist/core-inline.js', 'dist/cli.js',
  'dist/parallel-worker.js', 'dist/reproduce-worker.js', 'dist/gatedrnn.relaxed.wasm', 'dist/gatedrnn.simd.wasm',
  'dist/types/node.d.ts', 'dist/types/browser.d.ts', 'dist/types/browser-inline.d.ts',
];
const missing = BUILT.filter((f) => !existsSync(join(ROOT, f)));
const toolsMissing = ['typescript', '@types/node'].filter((p) => !existsSync(join(ROOT, 'node_modules', p)));
if (missing.length > 0 && !inCI) console.warn(`[skip] package tests: dist/ is not built (missing ${missing.join(', ')}); run \`npm run build\``);

/** The npm that came with this Node (not the old `npm` package some devDependency pulls into
 *  node_modules/.bin, which vitest's PATH puts first): npm_execpath when npm started us. */
function npmCommand(): [string, string[]] {
  const own = join(ROOT, 'node_modules');
  const candidates = [process.env.npm_execpath, join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js')];
  for (const c of candidates) {
    if (c && c.endsWith('npm-cli.js') && !resolve(c).startsWith(own) && existsSync(c)) return [process.execPath, [c]];
  }
  return ['npm', []];
}

interface Packed { filename: string; size: number; unpackedSize: number; entryCount: number; files: { path: string; size: number }[] }

/** Runs a command; `out` is stdout and stderr, `stdout` alone (for JSON). */
function run(cmd: string, args: string[], cwd: string, timeout = 60_000): Promise<{ code: number; out: string; stdout: string }> {
  return new Promise((done) => {
    // PATH without node_modules/.bin folders, so that a bare `npm` is the system's
    const PATH = (process.env.PATH ?? '').split(':').filter((d) => !d.endsWith(join('node_modules', '.bin'))).join(':');
    execFile(cmd, args, { cwd, timeout, maxBuffer: 64 << 20, env: { ...process.env, PATH, GATEDRNN_BUILD: '' } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      done({ code, stdout, out: `${stdout}${stderr}${err && code === 1 && !stdout && !stderr ? err.message : ''}` });
    });
  });
}

function link(target: string, path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  symlinkSync(target, path, 'dir');
}

const writeJson = (path: string, v: unknown) => writeFileSync(path, JSON.stringify(v, null, 2) + '\n');

/** The README's first ```ts block: the example users copy. */
function readmeExample(): string {
  const m = readFileSync(join(ROOT, 'README.md'), 'utf8').match(/```ts\n([\s\S]*?)```/);
  if (!m) throw new Error('README.md has no ```ts example');
  return m[1];
}

// A Node consumer in TypeScript: the README example verbatim, plus the typings it relies on.
const NODE_CONSUMER = `
import {
  createModel, loadModel, saveModel, Batcher, CategoricalBatcher, ParallelTrainer, selectBest, syntheticMusic,
  type Model, type ModelConfig, type BatchViews, type TrainSummary,
} from 'gatedrnn';

const music = await createModel({ unit: 'lstm', peepholes: true, inputSize: 88, hiddenSize: 8, head: { type: 'bernoulli', size: 88 } });
const fy: Float32Array = music.batchViews(2, 1).y;
const classes = await createModel({ unit: 'gru', inputSize: 10, hiddenSize: 8, head: { type: 'softmax', size: 10 } });
const iy: Int32Array = classes.batchViews(2, 1).y;
const cb = new CategoricalBatcher([new Int32Array([1, 2, 3])], 10, { batchSize: 1, seed: 1 });
for (const plan of cb.epoch(0)) cb.fill(plan, classes.batchViews(plan.T, plan.B));
const speech = await createModel({ unit: 'tanh', inputSize: 20, hiddenSize: 8, head: { type: 'mog', components: 2, size: 10 } });
const my: Float32Array = speech.batchViews(2, 1).y;
const cfg: ModelConfig = { unit: 'gru', inputSize: 88, hiddenSize: 8, head: { type: 'bernoulli', size: 88 } };
const unknown = await createModel(cfg, { build: 'simd' });
const uy: Float32Array | Int32Array = unknown.batchViews(2, 1).y;
// @ts-expect-error a head that is not known statically may have class-index targets
const wrong: Float32Array = unknown.batchViews(2, 1).y;
const views: BatchViews = music.batchViews(2, 1);
const models: Model[] = [music, classes, speech, unknown, await loadModel('m.safetensors')];
await saveModel(models[0], 'm.safetensors');
const pt = await ParallelTrainer.create(music, { threads: 2 });
const batches = Batcher.fromNotes(syntheticMusic({ seed: 1 }).train, { batchSize: 2, seed: 1 });
const sel = selectBest([]);
const summary: TrainSummary | undefined = undefined;
export { fy, iy, my, uy, wrong, views, pt, batches, sel, summary };
`;

// A browser consumer: both browser entries, and the root entry as a bundler resolves it under
// the "browser" condition (customConditions), with DOM types and no Node types.
const BROWSER_CONSUMER = `
import { createModel, modelToSafetensors, browserDefaultBuild, CoreLoadError, Batcher, syntheticMusic, type BrowserCoreOptions, type BuildKind } from 'gatedrnn/browser';
import * as inline from 'gatedrnn/browser-inline';
import * as root from 'gatedrnn';

const build: BuildKind = browserDefaultBuild();
const opts: BrowserCoreOptions = { build, wasmBase: new URL('/assets/wasm/', location.href) };
let model;
try { model = await createModel({ unit: 'gru', inputSize: 88, hiddenSize: 46, head: { type: 'bernoulli', size: 88 }, seed: 1 }, opts); } catch (e) {
  if (e instanceof CoreLoadError) console.error(e.url, e.status);
  throw e;
}
const batches = Batcher.fromNotes(syntheticMusic({ seed: 1 }).train, { batchSize: 8, seed: 1 });
for (const plan of batches.epoch(0)) {
  batches.fill(plan, model.batchViews(plan.T, plan.B));
  model.trainStepInPlace(plan.T, plan.B, { clipNorm: 1 });
}
const bytes: Uint8Array = modelToSafetensors(model);
const again = await inline.modelFromSafetensors(bytes);
const probs: Float32Array = again.stream(1).step(new Float32Array(88));
// @ts-expect-error the inline entry never fetches, so it takes no wasmBase
await inline.createModel({ unit: 'gru', inputSize: 2, hiddenSize: 2, head: { type: 'bernoulli', size: 2 } }, { wasmBase: '/x/' });
const viaRoot = await root.createModel({ unit: 'tanh', inputSize: 2, hiddenSize: 2, head: { type: 'softmax', size: 2 } }, { wasmBase: '/x/' });
const labels: Int32Array = viaRoot.batchViews(1, 1).y;
const sampled = viaRoot.sample({ frames: 8 });
document.body.append(String(sampled.frames));
export { probs, labels };
`;

// The Node script that runs the installed package.
const NODE_SCRIPT = `
import { createModel, saveModel, loadModel, Batcher, ParallelTrainer, syntheticMusic } from 'gatedrnn';
const data = syntheticMusic({ seed: 1 });
const model = await createModel({ unit: 'gru', inputSize: 88, hiddenSize: 8, head: { type: 'bernoulli', size: 88 }, seed: 1 });
model.setOptimizer({ type: 'adam', lr: 1e-3 });
const batches = Batcher.fromNotes(data.train.slice(0, 4), { batchSize: 2, seed: 1, maxLength: 16 });
const [plan] = batches.epoch(0);
batches.fill(plan, model.batchViews(plan.T, plan.B));
const step = model.trainStepInPlace(plan.T, plan.B, { clipNorm: 1 });
await saveModel(model, 'model.safetensors');
const back = await loadModel('model.safetensors');
const same = back.paramNames().every((n) => back.getParam(n).every((v, i) => v === model.getParam(n)[i]));
const sample = back.sample({ frames: 8, seed: 1 });
// two worker threads (dist/parallel-worker.js next to dist/node.js)
const pt = await ParallelTrainer.create(model, { threads: 2 });
batches.fill(plan, pt.batchViews(plan.T, plan.B));
const par = await pt.trainStepInPlace(plan.T, plan.B, { clipNorm: 1 });
await pt.dispose();
// the browser entries under Node: fetch() cannot read file: URLs, so gatedrnn/browser falls back
// to its inlined copy (dist/core-inline.js); gatedrnn/browser-inline has the cores built in
const browser = await import('gatedrnn/browser');
const inline = await import('gatedrnn/browser-inline');
const cfg = { unit: 'tanh', inputSize: 3, hiddenSize: 4, head: { type: 'softmax', size: 3 } };
const builds = [(await browser.createModel(cfg)).build, (await inline.createModel(cfg)).build];
console.log(JSON.stringify({ build: model.build, loss: step.loss, frames: step.frames, same, sampled: sample.frames,
  rows: sample.values.length / sample.width, notes: Array.isArray(sample.notes), parFrames: par.frames, builds }));
`;

function tsconfig(module: 'NodeNext' | 'ESNext', resolution: 'NodeNext' | 'Bundler', browser: boolean, files: string[]) {
  return {
    compilerOptions: {
      // every declaration file is checked (ours, @types/node) except TypeScript's own lib.*.d.ts,
      // which its own CI checks and which would triple the time
      target: 'ES2022', module, moduleResolution: resolution, strict: true, noEmit: true, skipLibCheck: false, skipDefaultLibCheck: true,
      // DOM in Node too: TypeScript declares WebAssembly.Module and friends only in its DOM (and
      // WebWorker) libs, and the Node entry's declarations name them (microsoft/TypeScript#47381)
      lib: ['ES2022', 'DOM'], types: browser ? [] : ['node'],
      ...(browser ? { customConditions: ['browser'] } : {}),
    },
    files,
  };
}

describe.skipIf(missing.length > 0 && !inCI)('the packed package', () => {
  let tmp: string;
  let packed: Packed;
  let pkgDir: string;
  let nodeProject: string;
  let browserProject: string;

  beforeAll(async () => {
    if (missing.length > 0) throw new Error(`GATEDRNN_CI is set but dist/ is not built: ${missing.join(', ')} missing (run \`npm run build\`)`);
    if (toolsMissing.length > 0) throw new Error(`node_modules lacks ${toolsMissing.join(', ')}: run \`npm ci\``);
    tmp = mkdtempSync(join(tmpdir(), 'gatedrnn-package-'));
    const [npmBin, npmArgs] = npmCommand();
    const npm = await run(npmBin, [...npmArgs, 'pack', '--ignore-scripts', '--json', '--pack-destination', tmp], ROOT);
    if (npm.code !== 0) throw new Error(`npm pack failed:\n${npm.out}`);
    packed = (JSON.parse(npm.stdout.slice(npm.stdout.indexOf('['))) as Packed[])[0];

    // "install": the tarball unpacked as store/node_modules/gatedrnn, its dependencies linked
    const store = join(tmp, 'store', 'node_modules');
    pkgDir = join(store, 'gatedrnn');
    mkdirSync(pkgDir, { recursive: true });
    const tar = await run('tar', ['-xzf', join(tmp, packed.filename), '-C', pkgDir, '--strip-components=1'], tmp);
    if (tar.code !== 0) throw new Error(`tar failed:\n${tar.out}`);
    const deps = Object.keys(JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).dependencies ?? {});
    for (const d of deps) {
      if (!existsSync(join(ROOT, 'node_modules', d))) throw new Error(`dependency ${d} is not in node_modules: run \`npm ci\``);
      link(join(ROOT, 'node_modules', d), join(store, d));
    }
    // consumers see it through a link, as with npm's workspaces or `npm link`
    nodeProject = join(tmp, 'node-app');
    browserProject = join(tmp, 'web-app');
    for (const dir of [nodeProject, browserProject]) {
      mkdirSync(dir);
      writeJson(join(dir, 'package.json'), { name: 'consumer', private: true, type: 'module' });
      link(pkgDir, join(dir, 'node_modules', 'gatedrnn'));
    }
    link(join(ROOT, 'node_modules', '@types', 'node'), join(nodeProject, 'node_modules', '@types', 'node'));
  });
  afterAll(() => { if (tmp) rmSync(tmp, { recursive: true, force: true }); });

  it('holds what users need and nothing of the repository\'s own (no debug core, .wat, maps, demo)', () => {
    const files = packed.files.map((f) => f.path).sort();
    for (const f of [...BUILT, 'bin/gatedrnn.js', 'README.md', 'package.json']) expect(files).toContain(f);
    const unwanted = files.filter((f) => /\.map$|\.wat$|debug|^dist\/demo|^build\/|^bindings\/|^tests\/|^assembly\/|(?<!\.d)\.ts$|\.png$/.test(f));
    expect(unwanted).toEqual([]);
    // every path package.json names is in the tarball
    const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
    const named: string[] = [pkg.main, pkg.types, ...Object.values(pkg.bin as Record<string, string>)];
    const walk = (v: unknown): void => {
      if (typeof v === 'string') named.push(v);
      else if (v && typeof v === 'object') {
        const keys = Object.keys(v);
        // a conditions object lists "types" first, as TypeScript wants
        if (keys.includes('types') && keys.includes('default')) expect(keys.indexOf('types'), JSON.stringify(v)).toBeLessThan(keys.indexOf('default'));
        Object.values(v).forEach(walk);
      }
    };
    walk(pkg.exports);
    for (const p of named) expect(files, `package.json names ${p}`).toContain(posix.normalize(p));
    expect(Object.keys(pkg.exports).sort()).toEqual(['.', './browser', './browser-inline']);
  });

  it('ships declarations whose relative imports all resolve, and bundles whose relative references do', () => {
    const files = new Set(packed.files.map((f) => f.path));
    const unresolved: string[] = [];
    for (const f of files) {
      if (f.endsWith('.d.ts')) {
        const text = readFileSync(join(pkgDir, f), 'utf8');
        for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"](\.{1,2}\/[^'"]+)['"]/g)) {
          const target = posix.join(posix.dirname(f), m[1].replace(/\.js$/, '.d.ts'));
          if (!files.has(target)) unresolved.push(`${f} → ${m[1]}`);
        }
        expect(text, f).not.toMatch(/reference\s+(types|path)=/);
      } else if (f.startsWith('dist/') && f.endsWith('.js')) {
        const text = readFileSync(join(pkgDir, f), 'utf8');
        expect(text, `${f} links a source map the package does not ship`).not.toMatch(/sourceMappingURL/);
        // new URL('./x', import.meta.url), import('./x'), and the template of the shipped cores
        for (const m of text.matchAll(/(?:new URL\(|import\()\s*["'`](\.\/[^"'`$]+)["'`]/g)) {
          if (!files.has(posix.join(posix.dirname(f), m[1]))) unresolved.push(`${f} → ${m[1]}`);
        }
        if (text.includes('`./gatedrnn.${build}.wasm`')) {
          for (const b of ['relaxed', 'simd']) if (!files.has(`dist/gatedrnn.${b}.wasm`)) unresolved.push(`${f} → gatedrnn.${b}.wasm`);
        }
      }
    }
    expect(unresolved).toEqual([]);
  });

  it('type-checks strict consumers of every entry (NodeNext and Bundler; the browser ones without Node types)', async () => {
    writeFileSync(join(nodeProject, 'readme-example.ts'), readmeExample() + '\nexport {};\n');
    writeFileSync(join(nodeProject, 'consumer.ts'), NODE_CONSUMER);
    writeFileSync(join(browserProject, 'consumer.ts'), BROWSER_CONSUMER);
    const configs: [string, ReturnType<typeof tsconfig>][] = [
      [join(nodeProject, 'tsconfig.nodenext.json'), tsconfig('NodeNext', 'NodeNext', false, ['readme-example.ts', 'consumer.ts'])],
      [join(nodeProject, 'tsconfig.bundler.json'), tsconfig('ESNext', 'Bundler', false, ['readme-example.ts', 'consumer.ts'])],
      [join(browserProject, 'tsconfig.nodenext.json'), tsconfig('NodeNext', 'NodeNext', true, ['consumer.ts'])],
      [join(browserProject, 'tsconfig.bundler.json'), tsconfig('ESNext', 'Bundler', true, ['consumer.ts'])],
    ];
    for (const [path, cfg] of configs) writeJson(path, cfg);
    const results = await Promise.all(configs.map(([path]) =>
      run(process.execPath, [TSC, '-p', path, '--pretty', 'false', '--listFiles'], dirname(path))));
    configs.forEach(([path], i) => {
      const { code, out } = results[i];
      const lines = out.split('\n');
      const errors = lines.filter((l) => /error TS\d+/.test(l)).join('\n');
      expect(errors, `${path}`).toBe('');
      expect(code, `${path}:\n${out.slice(0, 4000)}`).toBe(0);
      // the declarations came from the tarball's dist/types
      expect(lines.some((l) => l.includes('/store/node_modules/gatedrnn/dist/types/'))).toBe(true);
      if (path.startsWith(browserProject)) {
        const nodeTypes = lines.filter((l) => /@types\/node\/|\/node\.d\.ts$|-node\.d\.ts$/.test(l));
        expect(nodeTypes, `${path}: Node declarations in a browser program`).toEqual([]);
      }
    });
  });

  it('runs in Node: trains a step, saves, loads, samples, on two threads, and from both browser entries', async () => {
    writeFileSync(join(nodeProject, 'run.mjs'), NODE_SCRIPT);
    const { code, out, stdout } = await run(process.execPath, ['run.mjs'], nodeProject);
    expect(code, out).toBe(0);
    const r = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(r.build).toBe('relaxed'); // the library turns relaxed SIMD on in Node 20 itself
    expect(Number.isFinite(r.loss) && r.loss > 0).toBe(true);
    expect(r.frames).toBeGreaterThan(0);
    expect(r.same).toBe(true);
    expect(r.sampled).toBe(8);
    expect(r.rows).toBe(8);
    expect(r.notes).toBe(true);
    expect(r.parFrames).toBe(r.frames);
    expect(r.builds.every((b: string) => b === 'simd' || b === 'relaxed')).toBe(true);
    // the command line through its bin
    const cli = await run(process.execPath, [join(pkgDir, 'bin', 'gatedrnn.js'), '--help'], nodeProject);
    expect(cli.code, cli.out).toBe(0);
    expect(cli.out).toMatch(/train/);
  });

  it('is as large as the README says (within 10 %)', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const m = readme.match(/tarball of about ([\d.]+) (kB|MB) \(([\d.]+) (kB|MB) unpacked/);
    expect(m, 'README states "tarball of about N kB (M MB unpacked"').not.toBeNull();
    const bytes = (n: string, unit: string) => Number(n) * (unit === 'MB' ? 1e6 : 1e3);
    const [stated, statedUnpacked] = [bytes(m![1], m![2]), bytes(m![3], m![4])];
    const report = `measured: ${(packed.size / 1e3).toFixed(1)} kB packed, ${(packed.unpackedSize / 1e6).toFixed(2)} MB unpacked, ${packed.entryCount} files`;
    console.log(`[package] ${report}`);
    expect(Math.abs(stated - packed.size) / packed.size, report).toBeLessThanOrEqual(0.1);
    expect(Math.abs(statedUnpacked - packed.unpackedSize) / packed.unpackedSize, report).toBeLessThanOrEqual(0.1);
  });
});
