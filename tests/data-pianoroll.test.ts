import { describe, expect, it } from 'vitest';
import {
  framesToNotes, notesToFrames, PIANO_UNITS, splitStats, validatePianoRollDataset, validateSequence,
} from '../bindings/data/pianoroll.js';
import { EmptyError, FormatError, ValueError } from '../bindings/errors.js';

const good = () => ({
  train: [[[60, 64, 67], [], [21, 108]], [[62]]],
  valid: [[[55], [55, 59]]],
  test: [[[48, 52]]],
});

function expectErr(fn: () => unknown, cls: typeof FormatError, pattern: RegExp): void {
  let err: unknown;
  try { fn(); } catch (e) { err = e; }
  expect(err, `expected ${cls.name} matching ${pattern}`).toBeInstanceOf(cls);
  expect((err as Error).message).toMatch(pattern);
}

describe('validatePianoRollDataset', () => {
  it('accepts a well-formed data set and returns it', () => {
    const ds = good();
    expect(validatePianoRollDataset(ds, 'toy')).toBe(ds);
  });

  it('refuses a wrong structure with FormatError naming dataset and split', () => {
    expectErr(() => validatePianoRollDataset(null, 'jsb'), FormatError, /^jsb: expected an object \{train, valid, test\}, got null/);
    expectErr(() => validatePianoRollDataset([1], 'jsb'), FormatError, /got an array of length 1/);
    expectErr(() => validatePianoRollDataset('x', 'jsb'), FormatError, /got the string "x"/);
    const { valid: _v, ...noValid } = good();
    expectErr(() => validatePianoRollDataset(noValid, 'jsb'), FormatError, /jsb: split "valid" is missing/);
    expectErr(() => validatePianoRollDataset({ ...good(), extra: [] }, 'jsb'), FormatError, /jsb: unexpected key "extra"/);
    expectErr(() => validatePianoRollDataset({ ...good(), test: {} }, 'jsb'), FormatError, /jsb\.test: expected an array of sequences, got an object/);
    expectErr(() => validatePianoRollDataset({ ...good(), train: [[[60]], 5] }, 'jsb'), FormatError, /jsb\.train\[1\]: expected a sequence .* got number 5/);
    expectErr(() => validatePianoRollDataset({ ...good(), train: [[[60], 60]] }, 'jsb'), FormatError, /jsb\.train\[0\] step 1: expected an array of MIDI notes, got number 60/);
  });

  it('refuses empty splits and empty sequences with EmptyError', () => {
    expectErr(() => validatePianoRollDataset({ ...good(), valid: [] }, 'nott'), EmptyError, /nott\.valid: has no sequences/);
    expectErr(() => validatePianoRollDataset({ ...good(), test: [[[60]], []] }, 'nott'), EmptyError, /nott\.test\[1\]: sequence has no time steps/);
  });

  it('refuses bad notes with ValueError naming split, sequence, step and value', () => {
    const bad = (step: unknown[]) => ({ ...good(), train: [[[60], [62]], [[60], step]] });
    expectErr(() => validatePianoRollDataset(bad([20]), 'muse'), ValueError, /^muse\.train\[1\] step 1: note 20 is outside 21\.\.108$/);
    expectErr(() => validatePianoRollDataset(bad([60, 109]), 'muse'), ValueError, /muse\.train\[1\] step 1: note 109 is outside/);
    expectErr(() => validatePianoRollDataset(bad([60.5]), 'muse'), ValueError, /note 0 is number 60\.5, not an integer/);
    expectErr(() => validatePianoRollDataset(bad(['60']), 'muse'), ValueError, /note 0 is the string "60", not an integer/);
    expectErr(() => validatePianoRollDataset(bad([NaN]), 'muse'), ValueError, /note 0 is number NaN/);
    expectErr(() => validatePianoRollDataset(bad([null]), 'muse'), ValueError, /note 0 is null/);
    expectErr(() => validatePianoRollDataset(bad([64, 60]), 'muse'), ValueError, /step 1: notes are not sorted ascending \(64 before 60\)/);
    expectErr(() => validatePianoRollDataset(bad([60, 60]), 'muse'), ValueError, /step 1: note 60 appears twice/);
  });

  it('validateSequence on its own', () => {
    expect(validateSequence([[], [21]], 'seq')).toEqual([[], [21]]);
    expectErr(() => validateSequence({}, 'seq'), FormatError, /seq: expected a sequence/);
  });
});

describe('frames', () => {
  it('notesToFrames sets unit n - 21 and round-trips with framesToNotes', () => {
    const seq = [[21, 60, 108], [], [64]];
    const f = notesToFrames(seq);
    expect(f.length).toBe(3 * PIANO_UNITS);
    expect(f[0]).toBe(1);
    expect(f[39]).toBe(1);
    expect(f[87]).toBe(1);
    expect(f.reduce((a, b) => a + b, 0)).toBe(4);
    expect(f[2 * 88 + 43]).toBe(1);
    expect(framesToNotes(f)).toEqual(seq);
  });
  it('refuses a note outside a narrower roll', () => {
    expect(() => notesToFrames([[60]], 61, 10)).toThrow(ValueError);
    expect(() => notesToFrames([[60.5]])).toThrow(/note 60.5 does not fit/);
    expect(() => notesToFrames([[NaN]])).toThrow(/note NaN does not fit/);
    expect(() => framesToNotes(new Float32Array(5))).toThrow(/not a whole number of 88-unit frames/);
  });
  it('splitStats counts steps, notes, silence and polyphony', () => {
    const st = splitStats(good().train);
    expect(st).toMatchObject({ sequences: 2, steps: 4, minLength: 1, maxLength: 3, minNote: 21, maxNote: 108, emptySteps: 1, maxPolyphony: 3, predictedFrames: 2 });
  });
});
