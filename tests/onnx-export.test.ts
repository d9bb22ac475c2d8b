// exportOnnx (bindings/model/onnx.ts) against the model itself: ONNX Runtime Web runs the exported
// file and its outputs, logits, hidden, h_n and c_n equal forward()'s within 1e-5 (absolute, or
// 1e-5 relative + 1e-6 for the mixture's σ, which exp makes large) for every unit and variant,
// one and two layers, every built-in head and none, at two (T, B) from one file (the dynamic
// dims). Weights are drawn wider than the initialisation so that gates saturate and a wrong
// gate order, transpose or bias would show. Then the command line: `gatedrnn export` through
// bin/gatedrnn.js, and bad invocations answered in one typed line.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as ort from 'onnxruntime-web';
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createModel, saveModel, exportOnnx, registerHead, getHead, headTypes, ConfigError, Rng, type Batch, type HeadConfig, type Model, type ModelConfig, ValueError } from '../bindings/node.js';
import { ProtoWriter } from '../bindings/io/protobuf.js';

ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';

const I = 5, H = 7;
/** Two batch shapes run through one exported file. */
const SHAPES: [number, number][] = [[6, 3], [11, 1]];

const VARIANTS: { name: string; cfg: Pick<ModelConfig, 'unit' | 'peepholes' | 'resetAfter'> }[] = [
  { name: 'tanh', cfg: { unit: 'tanh' } },
  { name: 'lstm', cfg: { unit: 'lstm' } },
  { name: 'lstm+peepholes', cfg: { unit: 'lstm', peepholes: true } },
  { name: 'gru reset-after', cfg: { unit: 'gru', resetAfter: true } },
  { name: 'gru reset-before', cfg: { unit: 'gru', resetAfter: false } },
];
const HEADS: (HeadConfig | undefined)[] = [
  { type: 'bernoulli', size: 4 },
  { type: 'softmax', size: 6 },
  { type: 'mog', components: 3, size: 2 },
  undefined, // no head: the recurrent layers only
];

/** The largest |ours − onnx| and the worst ratio of it to the allowed error. */
interface Diff { abs: number; ratio: number }

function compare(ours: Float32Array, theirs: ArrayLike<number>, what: string): Diff {
  expect(theirs.length, `${what}: length`).toBe(ours.length);
  let abs = 0, ratio = 0;
  for (let i = 0; i < ours.length; i++) {
    const d = Math.abs(ours[i] - theirs[i]);
    abs = Math.max(abs, d);
    ratio = Math.max(ratio, d / Math.max(1e-5, 1e-5 * Math.abs(ours[i]) + 1e-6));
  }
  expect(ratio, `${what}: max |Δ| = ${abs.toExponential(2)}`).toBeLessThanOrEqual(1);
  return { abs, ratio };
}

/** Parameters drawn from U(−0.7, 0.7): wider than the default init, so gates saturate. */
function randomise(m: Model, seed: number): void {
  const rng = new Rng(seed);
  for (const name of m.paramNames()) {
    const v = new Float32Array(m.paramShape(name).reduce((a, b) => a * b, 1));
    rng.fillUniform(v, -0.7, 0.7);
    m.setParam(name, v);
  }
}

function inputs(T: number, B: number, seed: number): Float32Array {
  return Float32Array.from({ length: T * B * I }, (_, i) => 1.5 * Math.sin(0.37 * i + seed) + 0.3 * Math.cos(1.9 * i));
}

/** (layers, B, H) from one (B, H) array per layer. */
function stack(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** Runs the file at (T, B) and compares every output with forward; returns the differences. */
async function check(m: Model, session: ort.InferenceSession, T: number, B: number, seed: number, states = false): Promise<Record<string, Diff>> {
  const c = m.config, L = c.layers, x = inputs(T, B, seed), lstm = c.unit === 'lstm';
  const batch: Batch = { T, B, x };
  const feeds: Record<string, ort.Tensor> = { x: new ort.Tensor('float32', x, [T, B, I]) };
  if (states) {
    const rng = new Rng(seed + 100), draw = () => Float32Array.from({ length: B * H }, () => rng.normal());
    batch.h0 = Array.from({ length: L }, draw);
    feeds.h0 = new ort.Tensor('float32', stack(batch.h0), [L, B, H]);
    if (lstm) {
      batch.c0 = Array.from({ length: L }, draw);
      feeds.c0 = new ort.Tensor('float32', stack(batch.c0), [L, B, H]);
    }
  }
  const f = m.forward(batch, { hidden: true, logits: true, finalStates: true });
  const r = await session.run(feeds);
  const dims = (name: string) => [...r[name].dims];
  const d: Record<string, Diff> = {};
  if (c.head.type !== 'none') {
    const O = c.head.outputs;
    expect(dims('outputs')).toEqual([T, B, O]);
    d.outputs = compare(f.outputs, r.outputs.data as Float32Array, 'outputs');
    d.logits = compare(f.logits!, r.logits.data as Float32Array, 'logits');
  } else {
    expect(Object.keys(r).sort()).toEqual(lstm ? ['c_n', 'h_n', 'hidden'] : ['h_n', 'hidden']);
  }
  expect(dims('hidden')).toEqual([T, B, H]);
  expect(dims('h_n')).toEqual([L, B, H]);
  d.hidden = compare(f.hidden!, r.hidden.data as Float32Array, 'hidden');
  d.h_n = compare(stack(f.finalStates!.h), r.h_n.data as Float32Array, 'h_n');
  if (lstm) d.c_n = compare(stack(f.finalStates!.c!), r.c_n.data as Float32Array, 'c_n');
  // not trivially equal: the states vary across steps and units
  expect(Math.max(...f.hidden!) - Math.min(...f.hidden!)).toBeGreaterThan(0.3);
  return d;
}

/** Every case's largest difference per output, printed as a table at the end. */
const measured: { name: string; d: Record<string, Diff> }[] = [];

function record(name: string, runs: Record<string, Diff>[]): void {
  const d: Record<string, Diff> = {};
  for (const r of runs) for (const [k, v] of Object.entries(r)) d[k] = { abs: Math.max(d[k]?.abs ?? 0, v.abs), ratio: Math.max(d[k]?.ratio ?? 0, v.ratio) };
  measured.push({ name, d });
}

afterAll(() => {
  const cols = ['outputs', 'logits', 'hidden', 'h_n', 'c_n'];
  const rows = measured.map(({ name, d }) => `| ${name} | ${cols.map((k) => (d[k] ? d[k].abs.toExponential(1) : '–')).join(' | ')} |`);
  console.log(['| case | ' + cols.join(' | ') + ' |', '|---|' + cols.map(() => '---').join('|') + '|', ...rows].join('\n'));
});

async function exported(cfg: ModelConfig, seed: number, opts = {}): Promise<{ m: Model; session: ort.InferenceSession; bytes: Uint8Array }> {
  const m = await createModel({ ...cfg, seed });
  randomise(m, seed);
  const bytes = exportOnnx(m, opts);
  return { m, session: await ort.InferenceSession.create(bytes), bytes };
}

describe('exportOnnx run by ONNX Runtime', () => {
  let seed = 1;
  for (const v of VARIANTS) {
    for (const layers of [1, 2]) {
      for (const head of HEADS) {
        const name = `${v.name}, ${layers} layer${layers > 1 ? 's' : ''}, ${head ? head.type : 'no head'}`;
        const s = seed++;
        it(`${name}: outputs, logits, hidden, h_n${v.cfg.unit === 'lstm' ? ', c_n' : ''} equal forward's at two (T, B)`, async () => {
          const { m, session } = await exported({ ...v.cfg, inputSize: I, hiddenSize: H, layers, head: head! }, s);
          try {
            record(name, [await check(m, session, ...SHAPES[0], s), await check(m, session, ...SHAPES[1], s + 50)]);
          } finally { await session.release(); m.dispose(); }
        });
      }
    }
  }

  it('a linear head (a PyTorch nn.Linear) gives the logits as outputs', async () => {
    const { m, session } = await exported({ unit: 'gru', inputSize: I, hiddenSize: H, layers: 2, head: { type: 'linear', size: 3 } }, 70);
    try { record('gru reset-after, 2 layers, linear', [await check(m, session, 4, 2, 70)]); } finally { await session.release(); m.dispose(); }
  });

  it('mog: the clamp of s to [−20, 20] is the kernel\'s (σ at both ends of the range)', async () => {
    const head = { type: 'mog', components: 2, size: 3 }, K = 2, D = 3;
    const m = await createModel({ unit: 'lstm', inputSize: I, hiddenSize: H, head, seed: 75 });
    randomise(m, 75);
    const bias = m.getParam('head.bias');
    for (let j = 0; j < K * D; j++) bias[K + K * D + j] = j % 2 === 0 ? 30 : -30; // s beyond either end
    m.setParam('head.bias', bias);
    const session = await ort.InferenceSession.create(exportOnnx(m));
    try {
      const f = m.forward({ T: 3, B: 2, x: inputs(3, 2, 75) });
      const sigma = f.outputs.filter((_, i) => i % (K * (1 + 2 * D)) >= K + K * D);
      expect(Math.max(...sigma)).toBeGreaterThan(1e8);
      expect(Math.min(...sigma)).toBeLessThan(1.01e-3);
      record('lstm, 1 layer, mog with |s| > 20', [await check(m, session, 3, 2, 75)]);
    } finally { await session.release(); m.dispose(); }
  });

  for (const v of VARIANTS) {
    it(`${v.name} with initialStates: h0${v.cfg.unit === 'lstm' ? ' and c0' : ''} (layers, B, H) as inputs`, async () => {
      const s = 80 + VARIANTS.indexOf(v);
      const { m, session } = await exported({ ...v.cfg, inputSize: I, hiddenSize: H, layers: 2, head: { type: 'bernoulli', size: 4 } }, s, { initialStates: true });
      try {
        expect([...session.inputNames].sort()).toEqual(v.cfg.unit === 'lstm' ? ['c0', 'h0', 'x'] : ['h0', 'x']);
        record(`${v.name}, 2 layers, bernoulli, h0/c0 given`, [await check(m, session, 5, 3, s, true), await check(m, session, 2, 4, s + 50, true)]);
      } finally { await session.release(); m.dispose(); }
    });
  }

  it('writes the producer, the opset, the config in the doc string and dynamic dims', async () => {
    const { m, session, bytes } = await exported({ unit: 'lstm', peepholes: true, inputSize: I, hiddenSize: H, layers: 2, head: { type: 'bernoulli', size: 4 } }, 90);
    try {
      const text = new TextDecoder('latin1').decode(bytes);
      expect(text).toContain('gatedrnn');
      expect(text).toContain('lstm (peepholes) 2-layer I=5 H=7 bernoulli-4');
      expect(text).toContain('"peepholes":true');
      expect([...session.inputNames]).toEqual(['x']);
      expect([...session.outputNames]).toEqual(['outputs', 'logits', 'hidden', 'h_n', 'c_n']);
    } finally { await session.release(); m.dispose(); }
  });

  it('refuses a head it has no ONNX form for, and bad options, with a ConfigError', async () => {
    const base = getHead('bernoulli');
    if (!headTypes().includes('test-onnx-unknown')) {
      registerHead({ ...base, type: 'test-onnx-unknown', resolve: (cfg) => ({ ...base.resolve({ ...cfg, type: 'bernoulli' }), type: 'test-onnx-unknown', config: { ...cfg } }) });
    }
    const m = await createModel({ unit: 'tanh', inputSize: I, hiddenSize: H, head: { type: 'test-onnx-unknown', size: 2 } });
    try {
      expect(() => exportOnnx(m)).toThrow(ConfigError);
      expect(() => exportOnnx(m)).toThrow(/'test-onnx-unknown'/);
    } finally { m.dispose(); }
    const g = await createModel({ unit: 'gru', inputSize: I, hiddenSize: H, head: { type: 'bernoulli', size: 2 } });
    try {
      expect(() => exportOnnx(g, { initialState: true } as never)).toThrow(/no option 'initialState'/);
      expect(() => exportOnnx(g, { initialStates: 1 } as never)).toThrow(ConfigError);
    } finally { g.dispose(); }
  });
});

// ------------------------------------------------------------------------------ protobuf

describe('ProtoWriter (bindings/io/protobuf.ts)', () => {
  const hex = (u: Uint8Array) => [...u].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  it('writes varints, negative int64, fixed32 floats, strings, packed fields and nested messages', () => {
    expect(hex(new ProtoWriter().uint(1, 150).finish())).toBe('08 96 01'); // the protobuf docs' example
    expect(hex(new ProtoWriter().uint(2, 2 ** 35).finish())).toBe('10 80 80 80 80 80 01');
    expect(hex(new ProtoWriter().uint(1, 2n ** 64n - 1n).finish())).toBe('08 ff ff ff ff ff ff ff ff ff 01');
    expect(hex(new ProtoWriter().int64(3, -1).finish())).toBe('18 ff ff ff ff ff ff ff ff ff 01');
    expect(hex(new ProtoWriter().int64(3, -2n).finish())).toBe('18 fe ff ff ff ff ff ff ff ff 01');
    expect(hex(new ProtoWriter().float(2, 1).finish())).toBe('15 00 00 80 3f');
    expect(hex(new ProtoWriter().fixed32(2, 0xdeadbeef).finish())).toBe('15 ef be ad de');
    expect(hex(new ProtoWriter().string(2, 'testing').finish())).toBe('12 07 74 65 73 74 69 6e 67');
    expect(hex(new ProtoWriter().packedInt64(4, [3, 270, 86942]).finish())).toBe('22 06 03 8e 02 9e a7 05');
    expect(hex(new ProtoWriter().packedFloat(4, [1, -2]).finish())).toBe('22 08 00 00 80 3f 00 00 00 c0');
    expect(hex(new ProtoWriter().message(3, new ProtoWriter().uint(1, 150)).finish())).toBe('1a 03 08 96 01');
    expect(hex(new ProtoWriter().uint(19, 1).finish())).toBe('98 01 01'); // a two-byte key
  });
  it('splices large payloads through nested messages without losing or reordering bytes', () => {
    const blob = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);
    const inner = new ProtoWriter().uint(1, 7).bytes(2, blob).string(3, 'end');
    const outer = new ProtoWriter().string(1, 'a').message(2, inner).uint(3, 1);
    const out = outer.finish();
    expect(out.length).toBe(outer.byteLength);
    const innerBytes = inner.finish();
    expect(hex(out.subarray(0, 6))).toBe('0a 01 61 12 f2 07'); // 'a', then field 2 of 1010 bytes
    expect(innerBytes.length).toBe(1010);
    expect([...out.subarray(6, 6 + 1010)]).toEqual([...innerBytes]);
    expect(hex(out.subarray(out.length - 2))).toBe('18 01');
  });
  it('refuses what it cannot encode with a ValueError', () => {
    const w = new ProtoWriter();
    expect(() => w.uint(1, -1)).toThrow(ValueError);
    expect(() => w.uint(1, 0.5)).toThrow(ValueError);
    expect(() => w.uint(0, 1)).toThrow(/field number 0/);
    expect(() => w.int64(1, 2n ** 63n)).toThrow(ValueError);
    expect(() => w.fixed32(1, 2 ** 32)).toThrow(ValueError);
  });
});

// ------------------------------------------------------------------------------ the CLI

const ROOT = resolve(__dirname, '..');

describe('gatedrnn export', () => {
  let tmp: string, bin: string;
  // bin/gatedrnn.js runs ../dist/cli.js: a fresh bundle of the CLI from the sources, beside a
  // copy of bin/, so the test does not depend on a stale dist/ (the core is found at ../build/).
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'gatedrnn-onnx-'));
    await symlink(join(ROOT, 'build'), join(tmp, 'build'));
    await symlink(join(ROOT, 'node_modules'), join(tmp, 'node_modules'));
    await mkdir(join(tmp, 'bin'));
    bin = join(tmp, 'bin', 'gatedrnn.js');
    await copyFile(join(ROOT, 'bin', 'gatedrnn.js'), bin);
    await build({ entryPoints: [join(ROOT, 'bindings/cli/main.ts')], outfile: join(tmp, 'dist', 'cli.js'), bundle: true, format: 'esm', platform: 'node', packages: 'external', logLevel: 'error', absWorkingDir: ROOT });
  });
  afterAll(async () => { await rm(tmp, { recursive: true, force: true }); });

  const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });

  it('exports a saved model, and the file runs with the model\'s outputs', async () => {
    const m = await createModel({ unit: 'lstm', peepholes: true, inputSize: I, hiddenSize: H, layers: 2, head: { type: 'mog', components: 2, size: 3 }, seed: 5 });
    randomise(m, 5);
    const model = join(tmp, 'model.safetensors'), out = join(tmp, 'model.onnx');
    await saveModel(m, model);
    const r = run('export', model, '--onnx', out);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toMatch(/^wrote .*model\.onnx: lstm \(peepholes\) 2-layer I=5 H=7 mog-3, ONNX opset 14, inputs x; outputs outputs, logits, hidden, h_n, c_n; \d+ bytes$/m);
    const session = await ort.InferenceSession.create(await readFile(out));
    try {
      record('CLI: lstm+peepholes, 2 layers, mog', [await check(m, session, 4, 2, 5)]);
    } finally { await session.release(); m.dispose(); }
  });

  it('answers bad invocations with one typed line and exit code 1, before reading the model', async () => {
    const model = join(tmp, 'model.safetensors');
    const cases: [string[], RegExp][] = [
      [['export', model, '--onnx', join(tmp, 'out.txt')], /^gatedrnn: ConfigError \(E_CONFIG\): --onnx .*out\.txt must end in \.onnx$/],
      [['export', join(tmp, 'missing.safetensors'), '--onnx', join(tmp, 'out.onnx')], /^gatedrnn: NotFoundError \(E_NOT_FOUND\): model file .*missing\.safetensors: no such file$/],
      [['export', model, '--onnx', join(tmp, 'no-such-folder', 'out.onnx')], /^gatedrnn: NotFoundError \(E_NOT_FOUND\): --onnx .*: the folder .* does not exist$/],
    ];
    for (const [args, want] of cases) {
      const r = run(...args);
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr.trim()).toMatch(want);
    }
    const missing = run('export', model); // --onnx is required: commander's own one-line usage error
    expect(missing.status).toBe(1);
    expect(missing.stderr.trim()).toMatch(/required option '--onnx <file\.onnx>' not specified/);
  });
});
