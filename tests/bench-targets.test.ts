// The Targets table of `npm run bench` (bench/lib/targets.mjs) reads figures out of the other
// bench scripts' printed tables; these are lines in the formats those scripts print, so a change
// of format that the parser no longer reads shows up here rather than as a silently shorter
// table.
import { describe, it, expect } from 'vitest';
// @ts-expect-error: a plain ES module of the bench, no typings
import { targetsTable } from '../bench/lib/targets.mjs';

const gemm = 'FMA peak (simd_madd_peak): median 49.0, best 50.0 GFLOP/s';
const parallel = [
  '| set | model | 1 thread | 2 threads | wall speed-up | IQR |',
  '|---|---|---|---|---|---|',
  '| speech | tanh-400 | 40,000 | 76,000 | 1.90× | 0.01 · 0.02 |',
  '| music | LSTM-36 | 300,000 | 510,000 | 1.70× | 0.01 · 0.02 |',
].join('\n');
const speechHead = [
  '| model | mog frames/s | bernoulli frames/s | ratio mog / bernoulli | mog_nll share | GFLOP per update | GFLOP/s mog | GFLOP/s bern. | of FMA peak, mog | of FMA peak, bern. |',
  '|---|---|---|---|---|---|---|---|---|---|',
  '| tanh-400 | 21,715 | 43,503 | 0.50 | 3.1 % (4.6 of 147 ms) | 6.40 / 3.25 | 43.0 | 44.2 | 78 % | 79 % |',
].join('\n');
const scaling = [
  '| set | model | gradient | parts | A | B | C | D |',
  '|---|---|---|---|---|---|---|---|',
  '| speech | GRU-227 | 1 · 2 | 0.03 · 0.03 · 0.4 · 0.17 (0.2) | a | b | c | 1.93× (97 %) · 3.70× (93 %) · 6.96× (87 %) · 12.00× (75 %) |',
  '| music | LSTM-36 | 1 · 2 | 0.01 | a | b | c | 1.90× (95 %) · 3.50× (88 %) · 6.40× (80 %) · 10.00× (63 %) |',
].join('\n');

describe('npm run bench targets', () => {
  const table: string = targetsTable([], [
    { name: 'gemm', text: gemm }, { name: 'parallel', text: parallel }, { name: 'parallel-mog', text: parallel },
    { name: 'speech-head', text: speechHead }, { name: 'scaling-model', text: scaling },
  ]);
  const row = (target: string, where: string) => table.split('\n').find((l) => l.includes(target) && l.includes(`| ${where} |`));

  it('reads two threads, the mog head and the scaling model', () => {
    expect(row('2 threads ≥ 1.9× one (balance: even)', 'speech tanh-400')).toMatch(/1\.90× \| yes/);
    expect(row('2 threads ≥ 1.9× one (balance: even)', 'music LSTM-36')).toMatch(/1\.70× \| no/);
    expect(row('2 threads ≥ 1.9× one (mog head)', 'speech tanh-400')).toMatch(/yes/);
    expect(row('mog head', 'speech tanh-400 b32')).toMatch(/86 % \(43\.0 of 50 GFLOP\/s\) \| yes/);
    expect(row('8 threads ≥ 85 %', 'speech GRU-227')).toMatch(/87 % \(6\.96×\) \| yes/);
    expect(row('8 threads ≥ 85 %', 'music LSTM-36')).toMatch(/80 % \(6\.40×\) \| no/);
  });

  it('says what did not run instead of leaving it out', () => {
    const none: string = targetsTable([], []);
    expect(none).toMatch(/2 threads ≥ 1\.9× one \(mog head\) \| speech \| not run/);
    expect(none).toMatch(/mog head \| speech \| not run/);
    expect(none).toMatch(/8 threads ≥ 85 % efficiency in the cost model \| all sizes \| not run/);
    expect(none).toMatch(/complete Table 2 under 2 h on 2 cores/);
  });
});
