// When an epoch's NLL counts as a blow-up (TrainConfig.divergeAboveNll): far above what the
// trivial model of its head scores, which a model at initialisation scores about as well. A run
// at an absurd learning rate can stay finite (no DivergedError from a step) yet end an epoch
// thousands of nats per frame worse than predicting nothing at all; that is a divergence too.
// Platform-neutral.
import type { ResolvedHead } from '../head/types.js';

/** How many times the trivial model's NLL an epoch may score before it counts as a blow-up. */
export const BLOW_UP_FACTOR = 2;

/**
 * The NLL per predicted frame (nats) of the trivial model of a built-in head, or undefined for
 * a head this does not know:
 * - bernoulli (`size` units): every unit at p = ½, size·ln 2 (the piano roll: 88·ln 2 ≈ 61.0);
 * - softmax (`size` classes): the uniform distribution, ln size;
 * - mog (`targetWidth` values): a standard normal per value, targetWidth·½·ln(2πe) (10 values:
 *   ≈ 14.2). This assumes targets normalised to unit variance, as the speech path normalises
 *   them, and the mog head starts at unit-variance components at the data's mean (head/mog.ts).
 */
export function trivialNll(head: Pick<ResolvedHead, 'type' | 'size' | 'targetWidth'>): number | undefined {
  switch (head.type) {
    case 'bernoulli': return head.size * Math.LN2;
    case 'softmax': return Math.log(Math.max(2, head.size));
    case 'mog': return head.targetWidth * 0.5 * Math.log(2 * Math.PI * Math.E);
    default: return undefined;
  }
}

/** The divergeAboveNll bound of a head: BLOW_UP_FACTOR × trivialNll (undefined: no bound). */
export function blowUpNll(head: Pick<ResolvedHead, 'type' | 'size' | 'targetWidth'>): number | undefined {
  const b = trivialNll(head);
  return b === undefined ? undefined : BLOW_UP_FACTOR * b;
}
