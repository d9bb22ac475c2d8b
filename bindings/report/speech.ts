// The speech rows of Table 2: the NLL of the spoken-digit stand-in in every unit a reader may
// compare with, beside the paper's Ubisoft rows (other, private data: only the ordering of the
// units compares). The units, for a per-step NLL L on the normalised data z = (s − mean)/std
// of a window of `hop` samples:
//   per step (normalised)        L                        the paper's unit as far as it can be told
//   per sample (normalised)      L / hop
//   nats per sample, int16 scale L / hop + ln std         (p_s(s) = p_z(z) / std)
//   bits per sample, int16 scale (L / hop + ln std) / ln 2 (raw-audio work, e.g. SampleRNN)
import type { TrialResult } from '../experiment/trial.js';
import { PAPER_SPEECH_TABLE2 } from '../experiment/paper.js';
import { nllUnits } from '../data/speech.js';
import { f, mean } from './format.js';
import type { Selection } from './table.js';

type SpeechResult = TrialResult & { data: NonNullable<TrialResult['data']> };

export function isSpeechResult(r: TrialResult): r is SpeechResult {
  return r.spec.task === 'speech' && r.data !== undefined;
}

/** The curves' y for a speech trial: nats per sample on the int16 scale. */
export function speechCurveNll(r: SpeechResult): (perStep: number) => number {
  return (x) => nllUnits(x, r.data.std, r.data.hop).perSampleInt16Nats;
}

/** The paragraph above the speech table: data, windows, normalisation, units. */
export function speechIntro(r: SpeechResult): string[] {
  const d = r.data;
  return [
    `Raw speech: the Free Spoken Digit Dataset at ${d.sampleRate} Hz, 16-bit mono (a public stand-in for the paper's private Ubisoft data).`,
    `Per step the network reads the ${d.input} samples before the step and predicts the next ${d.hop} with a mixture of 20 diagonal Gaussians;`,
    `inputs and targets are normalised by the training split's statistics, mean ${f(d.mean, 3)} and standard deviation ${f(d.std, 2)} (int16 units).`,
    'Test NLL of the trial with the best validation NLL per unit, train NLL in brackets (the train NLL is scored on every 8th training utterance).',
    `NLL per step is in nats on the normalised data; per sample = per step ÷ ${d.hop}; on the int16 scale add ln ${f(d.std, 2)} = ${f(Math.log(d.std), 3)} nats per sample; bits = nats ÷ ln 2.`,
    'The paper\'s Ubisoft columns are **other data** (longer raw speech, unknown rate and scaling): only the ordering of the units can be compared.',
  ];
}

/** Rows: ours in every unit, and the paper's Ubisoft A and B beside them. */
export function speechTable2Rows(sel: Selection[]): string[][] {
  const rows = [['unit', 'params', 'test NLL / step (train)', 'nats / sample', 'int16: nats / sample', 'int16: bits / sample', 'Ubisoft A: test (train)', 'Ubisoft B: test (train)', 'selected lr', 'best epoch / run']];
  for (const unit of [...new Set(sel.map((s) => s.unit))]) {
    const got = sel.filter((s) => s.unit === unit && s.best && isSpeechResult(s.best)).map((s) => s.best as SpeechResult);
    const paper = (k: string) => {
      const p = (PAPER_SPEECH_TABLE2[k].scores as Record<string, { test: number; train: number }>)[unit];
      return p ? `${f(p.test)} (${f(p.train)})` : '—';
    };
    if (got.length === 0) { rows.push([unit, '—', 'no finished trial', '—', '—', '—', paper('ubisoft-a'), paper('ubisoft-b'), '—', '—']); continue; }
    const test = mean(got.map((r) => r.testNll)), train = mean(got.map((r) => r.trainNll));
    const u = nllUnits(test, got[0].data.std, got[0].data.hop);
    rows.push([unit, String(got[0].recurrentParams), `**${f(test, 3)}** (${f(train, 3)})`, f(u.perSample, 4), f(u.perSampleInt16Nats, 4), f(u.perSampleInt16Bits, 4),
      paper('ubisoft-a'), paper('ubisoft-b'), got.map((r) => r.spec.lr.toExponential(2)).join(', '), got.map((r) => `${r.bestEpoch + 1} / ${r.history.length}`).join(', ')]);
  }
  return rows;
}

/** Whether our test NLLs put both gated units ahead of tanh, as the paper's do. */
export function gatedAheadOfTanh(sel: Selection[]): boolean | undefined {
  const score = (u: string) => { const b = sel.find((s) => s.unit === u && s.best)?.best; return b ? b.testNll : NaN; };
  const t = score('tanh'), g = score('GRU'), l = score('LSTM');
  if (![t, g, l].every(Number.isFinite)) return undefined;
  return g < t && l < t;
}
