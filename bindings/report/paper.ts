// The numbers we compare against: Chung et al. (2014), Table 2 (music rows), test NLL with the
// train NLL in brackets, nats per frame; see /shared/PAPER.md.

export const PAPER_UNITS = ['tanh', 'GRU', 'LSTM'] as const;
export type PaperUnit = (typeof PAPER_UNITS)[number];

export interface PaperScore { test: number; train: number }

export const PAPER_TABLE2: Record<string, { title: string; scores: Record<PaperUnit, PaperScore> }> = {
  nottingham: { title: 'Nottingham', scores: { tanh: { test: 3.13, train: 3.22 }, GRU: { test: 3.23, train: 2.79 }, LSTM: { test: 3.20, train: 3.08 } } },
  jsb: { title: 'JSB Chorales', scores: { tanh: { test: 9.10, train: 8.82 }, GRU: { test: 8.54, train: 6.94 }, LSTM: { test: 8.67, train: 8.15 } } },
  musedata: { title: 'MuseData', scores: { tanh: { test: 6.23, train: 5.64 }, GRU: { test: 5.99, train: 5.06 }, LSTM: { test: 6.23, train: 5.18 } } },
  'piano-midi': { title: 'Piano-midi', scores: { tanh: { test: 9.03, train: 5.64 }, GRU: { test: 8.82, train: 4.93 }, LSTM: { test: 9.03, train: 6.49 } } },
};

/** A display title for a data set name (the paper's where it has one). */
export function datasetTitle(name: string): string {
  return PAPER_TABLE2[name]?.title ?? (name === 'synthetic' ? 'Synthetic music' : name);
}
