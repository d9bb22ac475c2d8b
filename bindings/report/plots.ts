// Learning curves like the paper's Figures 2–3: per-frame NLL on a log axis against epochs and
// against training seconds, one colour per unit, solid = train, dashed = validation. Drawn by
// Vega-Lite (compiled to Vega, rendered to SVG headless); vega is imported lazily so the CLI
// starts fast when no plot is drawn.
import { PAPER_UNIT_NAMES } from '../experiment/paper.js';

export interface CurvePoint {
  unit: string;
  split: 'train' | 'valid';
  epoch: number;
  seconds: number;
  nll: number;
}

export type CurveAxis = 'epoch' | 'seconds';

/** The Vega-Lite specification of one figure (exported for tests and for anyone re-styling). */
export function curveSpec(points: CurvePoint[], axis: CurveAxis, title: string, yTitle = 'negative log-likelihood per frame (nats, log scale)'): Record<string, unknown> {
  const finite = points.filter((p) => Number.isFinite(p.nll) && p.nll > 0);
  const x = axis === 'epoch'
    ? { field: 'epoch', type: 'quantitative', title: 'epoch' }
    : { field: 'seconds', type: 'quantitative', title: 'training time (seconds)' };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 420,
    height: 300,
    background: 'white',
    data: { values: finite },
    mark: { type: 'line', strokeWidth: 1.6, interpolate: 'linear' },
    encoding: {
      x,
      y: { field: 'nll', type: 'quantitative', title: yTitle, scale: { type: 'log', nice: false } },
      color: { field: 'unit', type: 'nominal', title: 'unit', scale: { domain: [...PAPER_UNIT_NAMES], range: ['#1f77b4', '#d62728', '#2ca02c'] } },
      strokeDash: { field: 'split', type: 'nominal', title: 'split', scale: { domain: ['train', 'valid'], range: [[1, 0], [5, 3]] } },
      detail: [{ field: 'unit' }, { field: 'split' }],
      order: { field: axis, type: 'quantitative' },
    },
  };
}

/** Renders a Vega-Lite spec to an SVG string. */
export async function renderSvg(spec: Record<string, unknown>): Promise<string> {
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = vl.compile(spec as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Both figures for one data set: { epoch: svg, seconds: svg }. */
export async function learningCurves(points: CurvePoint[], title: string, yTitle?: string): Promise<Record<CurveAxis, string>> {
  const [epoch, seconds] = await Promise.all([
    renderSvg(curveSpec(points, 'epoch', `${title}: NLL vs epochs`, yTitle)),
    renderSvg(curveSpec(points, 'seconds', `${title}: NLL vs training seconds`, yTitle)),
  ]);
  return { epoch, seconds };
}
