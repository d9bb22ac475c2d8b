import { describe, expect, it } from 'vitest';
import { syntheticMusic } from '../bindings/data/synthetic.js';
import { splitStats, validatePianoRollDataset, type NoteSequence } from '../bindings/data/pianoroll.js';
import { ConfigError } from '../bindings/errors.js';

/** FNV-1a (32-bit) of the JSON text: a fingerprint of the whole data set. */
function fingerprint(v: unknown): string {
  const s = JSON.stringify(v);
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** Per-frame NLL (nats, summed over 88 units) of two simple models fitted on train. */
function baselines(train: NoteSequence[], test: NoteSequence[]): { marginal: number; previous: number } {
  const on = new Float64Array(88), total = { n: 0 };
  const c11 = new Float64Array(88), c1 = new Float64Array(88), c01 = new Float64Array(88), c0 = new Float64Array(88);
  const frame = (step: number[]) => { const f = new Uint8Array(88); for (const n of step) f[n - 21] = 1; return f; };
  for (const seq of train) {
    for (let t = 1; t < seq.length; t++) {
      const a = frame(seq[t - 1]), b = frame(seq[t]);
      total.n++;
      for (let u = 0; u < 88; u++) {
        on[u] += b[u];
        if (a[u]) { c1[u]++; c11[u] += b[u]; } else { c0[u]++; c01[u] += b[u]; }
      }
    }
  }
  const nll = (p: number, y: number) => -Math.log(y ? p : 1 - p);
  let m = 0, q = 0, frames = 0;
  for (const seq of test) {
    for (let t = 1; t < seq.length; t++) {
      const a = frame(seq[t - 1]), b = frame(seq[t]);
      frames++;
      for (let u = 0; u < 88; u++) {
        m += nll((on[u] + 0.5) / (total.n + 1), b[u]);
        q += nll(a[u] ? (c11[u] + 0.5) / (c1[u] + 1) : (c01[u] + 0.5) / (c0[u] + 1), b[u]);
      }
    }
  }
  return { marginal: m / frames, previous: q / frames };
}

describe('syntheticMusic', () => {
  it('is a valid piano-roll data set with the requested sizes and lengths', () => {
    const ds = syntheticMusic({ seed: 3 });
    validatePianoRollDataset(ds, 'synthetic');
    expect([ds.train.length, ds.valid.length, ds.test.length]).toEqual([240, 60, 60]);
    for (const split of ['train', 'valid', 'test'] as const) {
      const st = splitStats(ds[split]);
      expect(st.minLength).toBeGreaterThanOrEqual(30);
      expect(st.maxLength).toBeLessThanOrEqual(120);
      expect(st.minNote).toBeGreaterThanOrEqual(36);
      expect(st.maxNote).toBeLessThanOrEqual(84);
      expect(st.maxPolyphony).toBeGreaterThanOrEqual(3);
      expect(st.maxPolyphony).toBeLessThanOrEqual(5);
    }
    const small = syntheticMusic({ seed: 3, train: 5, valid: 2, test: 1, minLength: 10, maxLength: 12 });
    expect([small.train.length, small.valid.length, small.test.length]).toEqual([5, 2, 1]);
    expect(small.train.every((s) => s.length >= 10 && s.length <= 12)).toBe(true);
  });

  it('is deterministic for a seed (pinned fingerprint), different across seeds', () => {
    const a = syntheticMusic({ seed: 1 });
    expect(syntheticMusic({ seed: 1 })).toEqual(a);
    expect(fingerprint(syntheticMusic({ seed: 2 }))).not.toBe(fingerprint(a));
    // Pinned: the same data on every platform and run. A change here changes every demo number.
    expect(fingerprint(a)).toBe(PINNED_SEED1);
  });

  it('gives each split its own stream: resizing train leaves valid and test alone', () => {
    const a = syntheticMusic({ seed: 4, train: 10 });
    const b = syntheticMusic({ seed: 4, train: 30 });
    expect(b.valid).toEqual(a.valid);
    expect(b.test).toEqual(a.test);
    expect(b.train.slice(0, 10)).toEqual(a.train);
  });

  it('has structure: knowing the previous frame predicts far better than note frequencies', () => {
    const ds = syntheticMusic({ seed: 1 });
    const { marginal, previous } = baselines(ds.train, ds.test);
    // independent coin flips would score 88·ln 2 = 61 nats per frame
    expect(marginal).toBeLessThan(15);
    expect(previous).toBeLessThan(0.85 * marginal); // measured: 9.76 → 7.67 (seed 1)
  });

  it('refuses bad options', () => {
    expect(() => syntheticMusic({ seed: -1 })).toThrow(ConfigError);
    expect(() => syntheticMusic({ minLength: 1 })).toThrow(ConfigError);
    expect(() => syntheticMusic({ minLength: 50, maxLength: 40 })).toThrow(ConfigError);
    expect(() => syntheticMusic({ train: 0 })).toThrow(/train count 0/);
  });
});

const PINNED_SEED1 = 'd44e9b2f';
