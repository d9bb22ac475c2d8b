// Successive halving over the learning-rate draws (`--schedule halving`): instead of training
// every draw to the epoch cap, each unit's (and seed's) draws are trained in rungs of growing
// length, and after each rung only the best 1/η of them (by validation NLL) go on. The last rung
// is the ordinary trial at the full cap (the same spec and trial file as the full grid's), so a
// draw that survives scores exactly as it would in the full grid. Earlier rungs are shorter
// trials of their own (`<id>-rung<r>`). Training is deterministic given the spec and the epoch
// index, so a rung's epochs are the first epochs of the draw's longer trials: the next trial
// goes on from the rung's last checkpoint (index.ts keeps it — on the job queue in Redis, named
// by the job — and runTrial checks it is such a prefix).
import type { TrialResult, TrialSpec } from '../../experiment/trial.js';

/** Epoch caps of the rungs for n draws: E/η^R, …, E/η, E with R the rungs needed to bring n
 *  down to at most η survivors (at least 1 epoch each). */
export function rungEpochs(epochs: number, eta: number, n: number): number[] {
  let rungs = 0;
  for (let m = n; m > eta; m = Math.ceil(m / eta)) rungs++;
  return Array.from({ length: rungs + 1 }, (_, r) => Math.max(1, Math.round(epochs / eta ** (rungs - r))));
}

/** The shorter trial of rung r (r < last) of a spec. */
export function rungSpec(s: TrialSpec, r: number, epochs: number): TrialSpec {
  return { ...s, id: `${s.id}-rung${r}`, epochs, patience: Math.min(s.patience, epochs) };
}

const groupKey = (s: TrialSpec) => `${s.unit}\u0000${s.hiddenSize}\u0000${s.seed}`;

/** The specs whose rung result is among the best ceil(n/η) of its unit and seed (lowest
 *  validation NLL; a draw with no finished epoch ranks last). */
export function survivors(specs: TrialSpec[], rung: TrialResult[], eta: number): TrialSpec[] {
  const groups = new Map<string, TrialSpec[]>();
  for (const s of specs) groups.set(groupKey(s), [...(groups.get(groupKey(s)) ?? []), s]);
  const keep = new Set<TrialSpec>();
  for (const g of groups.values()) {
    const v = (s: TrialSpec) => {
      const r = rung.find((x) => groupKey(x.spec) === groupKey(s) && x.spec.trial === s.trial);
      return r && Number.isFinite(r.bestValidNll) ? r.bestValidNll : Infinity;
    };
    [...g].sort((a, b) => v(a) - v(b) || a.trial - b.trial).slice(0, Math.ceil(g.length / eta)).forEach((s) => keep.add(s));
  }
  return specs.filter((s) => keep.has(s));
}
