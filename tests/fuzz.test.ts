// The bounded fuzz run inside `npm test` (issue 11): for each input parser — model files
// (parseModelFile), the pickle loader, MIDI, json.gz data sets, WAV, PyTorch .pt checkpoints
// (readTorchPt) — a few thousand seeded
// cases from tests/fuzz/ (valid inputs, mutated ones, format-aware mutations, hostile
// constructions at their 'test' size, noise). Every case must parse or throw a GatedRnnError
// (name and code), valid inputs must parse to what they encode, and no case may take more than
// CASE_MS of CPU. Nothing here skips (in CI or elsewhere). The long run with crash, hang and memory
// bounds per case is `npm run fuzz` (scripts/fuzz.mjs); GATEDRNN_FUZZ_CASES=N changes the
// number of cases per parser here.
import { afterAll, describe, expect, it } from 'vitest';
import { loadCore } from '../bindings/core-node.js';
import { Model } from '../bindings/model/model.js';
import { modelToSafetensors } from '../bindings/model/file.js';
import { Rng } from '../bindings/data/rng.js';
import { GENERATORS, PARSERS, generateCase, type FuzzCase, type ParserName } from './fuzz/generators.js';
import { buildModelFile, randomModelConfig, randomParams } from './fuzz/formats/safetensors.js';
import { createContext, judge, type Outcome } from './fuzz/targets.js';
import { shrink } from './fuzz/shrink.js';

const SEEDS = [1, 2, 3, 4];
/** Cases per parser (split over SEEDS); the loaders that read a file cost more per case. */
const CASES: Record<ParserName, number> = { safetensors: 2000, pickle: 1500, midi: 2500, jsongz: 1500, wav: 3000, torchpt: 1000 };
const override = Number(process.env.GATEDRNN_FUZZ_CASES);
/** The bound of one case, on the CPU time of this process (so a machine busy with other work
 *  does not fail it); and in wall time, 10 × that. */
const CASE_MS = 1000;

const ctx = createContext();
afterAll(() => ctx.dispose());

interface Tally { ok: number; typed: number; kinds: Record<string, number>; codes: Record<string, number>; slowest: { ms: number; how: string } }

async function runBatch(parser: ParserName, n: number): Promise<{ failures: string[]; tally: Tally }> {
  const failures: string[] = [];
  const tally: Tally = { ok: 0, typed: 0, kinds: {}, codes: {}, slowest: { ms: 0, how: '' } };
  const per = Math.ceil(n / SEEDS.length);
  for (const seed of SEEDS) {
    for (let i = 0; i < per; i++) {
      const c: FuzzCase = generateCase(parser, seed, i, 'test');
      const cpu0 = process.cpuUsage();
      const r: Outcome = await judge(parser, c.bytes, c.expected, ctx);
      const cpu = process.cpuUsage(cpu0);
      const cpuMs = (cpu.user + cpu.system) / 1000;
      tally.kinds[c.kind] = (tally.kinds[c.kind] ?? 0) + 1;
      if (cpuMs > tally.slowest.ms) tally.slowest = { ms: cpuMs, how: c.how };
      const where = `seed ${seed} case ${i} [${c.how.slice(0, 160)}]`;
      if (r.status === 'untyped' || r.status === 'mismatch') failures.push(`${where}: ${r.status}: ${r.error?.name}: ${r.error?.message}`);
      else if (cpuMs > CASE_MS || r.ms > 10 * CASE_MS) failures.push(`${where}: took ${cpuMs.toFixed(0)} ms of CPU, ${r.ms.toFixed(0)} ms in all (bound ${CASE_MS} ms)`);
      if (r.status === 'ok') tally.ok++;
      if (r.status === 'typed') { tally.typed++; tally.codes[r.error!.code!] = (tally.codes[r.error!.code!] ?? 0) + 1; }
    }
  }
  return { failures, tally };
}

describe('fuzz: every input parses or throws a GatedRnnError, in bounded time', () => {
  for (const parser of PARSERS) {
    const n = Number.isSafeInteger(override) && override > 0 ? override : CASES[parser];
    it(`${parser}: ${n} seeded cases`, async () => {
      const { failures, tally } = await runBatch(parser, n);
      console.log(`fuzz ${parser}: ${n} cases, ${tally.ok} parsed, ${tally.typed} refused (${Object.entries(tally.codes).map(([k, v]) => `${k} ${v}`).join(', ')}); slowest ${tally.slowest.ms.toFixed(0)} ms of CPU: ${tally.slowest.how.slice(0, 100)}`);
      expect(failures, `${failures.length} failing cases:\n${failures.slice(0, 20).join('\n')}`).toEqual([]);
      // the mix reached every kind of input, and both outcomes happened
      expect(Object.keys(tally.kinds).sort()).toEqual(['hostile', 'mutated', 'random', 'structured', 'valid']);
      expect(tally.ok).toBeGreaterThan(0);
      expect(tally.typed).toBeGreaterThan(0);
    }, 120_000);
  }
});

describe('fuzz generators', () => {
  it('are deterministic: a case is a function of (parser, seed, index, scale)', () => {
    for (const parser of PARSERS) {
      for (const i of [0, 1, 7, 123, 999]) {
        const a = generateCase(parser, 9, i, 'test'), b = generateCase(parser, 9, i, 'test');
        expect(a.how).toBe(b.how);
        expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true);
      }
      // and the cases differ from one another
      const hows = new Set(Array.from({ length: 50 }, (_, i) => generateCase(parser, 9, i, 'test').how));
      expect(hows.size).toBeGreaterThan(25);
    }
  });

  it('build valid inputs from scratch that parse to what they encode', async () => {
    for (const parser of PARSERS) {
      const rng = new Rng(42);
      for (let k = 0; k < 40; k++) {
        const v = GENERATORS[parser].valid(rng, 'test');
        const r = await judge(parser, v.bytes, v.expected, ctx);
        expect(r.status === 'ok' || (v.expected === undefined && r.status === 'typed'), `${parser} ${v.how}: ${r.status} ${r.error?.message}`).toBe(true);
      }
    }
  });

  it('shrink a failing input to what keeps it failing', async () => {
    const noise = Uint8Array.from({ length: 3000 }, (_, i) => (i * 37) % 251);
    const input = new Uint8Array([...noise.subarray(0, 1500), 0xde, 0xad, ...noise.subarray(1500)]);
    const fails = async (b: Uint8Array) => b.some((x, i) => x === 0xde && b[i + 1] === 0xad);
    const small = await shrink(input, fails);
    expect(Array.from(small)).toEqual([0xde, 0xad]);
  });

  it('write model files byte for byte as modelToSafetensors does', async () => {
    const core = await loadCore();
    const rng = new Rng(5);
    for (let k = 0; k < 12; k++) {
      const config = randomModelConfig(rng);
      const params = randomParams(rng, config);
      const model = new Model(config, core, { initParams: false });
      for (const [name, t] of params) model.setParam(name, t.data);
      if (k % 3 === 0) model.data = { kind: 'speech', sampleRate: 16000, mean: 0.5, std: 2 };
      const mine = buildModelFile(config, params, model.data);
      expect(Buffer.from(mine).equals(Buffer.from(modelToSafetensors(model))), `${JSON.stringify(config)}`).toBe(true);
      model.dispose();
    }
  });
});
