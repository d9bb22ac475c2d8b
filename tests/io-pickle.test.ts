import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { decodePickle, type PickleValue } from '../bindings/io/pickle.js';
import { loadPianoRollPickle } from '../bindings/data/load-node.js';
import { FormatError } from '../bindings/errors.js';

// Fixtures written by tests/fixtures/data/gen_pickle_fixtures.py (CPython's own pickler).
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`./fixtures/data/${name}`, import.meta.url)));
const fixturePath = (name: string) => new URL(`./fixtures/data/${name}`, import.meta.url).pathname;
const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

function expectFormat(b: Uint8Array, pattern: RegExp): void {
  let err: unknown;
  try { decodePickle(b); } catch (e) { err = e; }
  expect(err, `expected a FormatError matching ${pattern}`).toBeInstanceOf(FormatError);
  expect((err as Error).message).toMatch(pattern);
}

/** kitchen.json encodes what JSON cannot hold: {"float": "inf" | "-inf" | "-0"} and {"bytes": [...]}. */
function fromJson(v: unknown): PickleValue {
  if (Array.isArray(v)) return v.map(fromJson);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if ('float' in o) return o.float === 'inf' ? Infinity : o.float === '-inf' ? -Infinity : -0;
    if ('bytes' in o) return Uint8Array.from(o.bytes as number[]);
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, fromJson(x)]));
  }
  return v as PickleValue;
}

const dataset = {
  train: [[[60, 64, 67], [], [62, 65, 69]], [[48], [50, 53], [], [108]]],
  valid: [[[21, 45], []]],
  test: [[[72], [74], [76]]],
};

describe('decodePickle reads plain data written by CPython', () => {
  for (const p of [0, 2, 4]) {
    it(`the piano-roll data set, protocol ${p}, with the memo shared step`, () => {
      const v = decodePickle(fixture(`tiny-dataset.p${p}.pickle`)) as typeof dataset;
      expect(JSON.parse(JSON.stringify(v))).toEqual(dataset);
      expect(Object.getPrototypeOf(v)).toBe(null);
      expect(v.train[0][1]).toBe(v.valid[0][1]); // the one `silence` list, through PUT/GET
    });
  }

  const want = fromJson(JSON.parse(readFileSync(new URL('./fixtures/data/kitchen.json', import.meta.url), 'utf8'))) as Record<string, PickleValue>;
  for (const p of [0, 1, 2, 3, 4, 5]) {
    it(`every supported type, protocol ${p}`, () => {
      const got = decodePickle(fixture(`kitchen.p${p}.pickle`)) as Record<string, PickleValue>;
      const expected = { ...want };
      if (p < 3) delete expected.raw;
      expect({ ...got, nested: JSON.parse(JSON.stringify(got.nested)) }).toEqual(expected);
      expect(Object.is((got.floats as number[])[1], -0)).toBe(true);
    });
  }

  it('Python 2 style pickles: protocol 0 STRING and protocol 2 SHORT_BINSTRING, float notes', () => {
    const p0 = "(dp0\nS'train'\np1\n(lp2\n(lp3\n(lp4\nI60\naI64\naa(lp5\naasS'valid'\np6\n(lp7\n(lp8\n(lp9\nF62.0\naaasS'test'\np10\n(lp11\n(lp12\ng5\naas.";
    const v = decodePickle(bytes(p0)) as typeof dataset;
    expect(JSON.parse(JSON.stringify(v))).toEqual({ train: [[[60, 64], []]], valid: [[[62]]], test: [[[]]] });
    expect(v.test[0][0]).toBe(v.train[0][1]);
    const p2 = '\x80\x02}q\x00U\x05trainq\x01]q\x02]q\x03]q\x04(K<K@eaas.';
    expect(JSON.parse(JSON.stringify(decodePickle(bytes(p2))))).toEqual({ train: [[[60, 64]]] });
    expect(decodePickle(bytes("S'a\\'b\\\\c\\x41\\n\\101'\n."))).toBe("a'b\\cA\nA");
    expect(decodePickle(bytes('V\\u266a x\\U0001F600\n.'))).toBe('\u266a x\u{1F600}');
    expect(decodePickle(bytes('I01\n.'))).toBe(true);
    expect(decodePickle(bytes('L-12345678901234L\n.'))).toBe(-12345678901234);
    expect(decodePickle(bytes('\x8a\x02\x00\x80.'))).toBe(-32768); // LONG1, two's complement
    expect(decodePickle(bytes('\x8a\x00.'))).toBe(0);
    expect(decodePickle(bytes('Fnan\n.'))).toBeNaN();
  });

  it('loadPianoRollPickle validates the data set', async () => {
    const ds = await loadPianoRollPickle(fixturePath('tiny-dataset.p2.pickle'), 'tiny');
    expect(ds.train.length).toBe(2);
    await expect(loadPianoRollPickle(fixturePath('kitchen.p2.pickle'), 'kitchen')).rejects.toThrow(/kitchen: unexpected key "none"/);
  });
});

describe('decodePickle refuses code and malformed pickles', () => {
  it('a malicious pickle calling os.system through __reduce__ (GLOBAL, protocols 0 and 2)', () => {
    for (const p of [0, 2]) expectFormat(fixture(`evil-reduce.p${p}.pickle`), /GLOBAL at byte \d+: refused \("posix\.system"\).*nothing is ever executed/);
  });
  it('the same through STACK_GLOBAL (protocol 4)', () => {
    expectFormat(fixture('evil-reduce.p4.pickle'), /STACK_GLOBAL at byte \d+: refused \("posix\.system"\)/);
  });
  it('loadPianoRollPickle refuses it too', async () => {
    await expect(loadPianoRollPickle(fixturePath('evil-reduce.p2.pickle'), 'evil')).rejects.toThrow(/GLOBAL.*refused/);
  });
  it('every opcode that imports or calls Python objects, on its own', () => {
    const cases: [string, RegExp][] = [
      ['cos\nsystem\n.', /^pickle: GLOBAL at byte 0: refused \("os\.system"\)/],
      ["\x80\x02N)R.", /REDUCE at byte 4: refused/],
      ['}}b.', /BUILD at byte 2: refused/],
      ['(ios\nsystem\n.', /INST at byte 1: refused \("os\.system"\)/],
      ['(N)o.', /OBJ at byte 3: refused/],
      ['\x80\x02N)\x81.', /NEWOBJ at byte 4: refused/],
      ['\x80\x04N)}\x92.', /NEWOBJ_EX at byte 5: refused/],
      ['\x80\x02\x82\x01.', /EXT1 at byte 2: refused/],
      ['\x80\x02\x83\x01\x00.', /EXT2 at byte 2: refused/],
      ['\x80\x02\x84\x01\x00\x00\x00.', /EXT4 at byte 2: refused/],
      ['P1\n.', /PERSID at byte 0: refused/],
      ['K\x01Q.', /BINPERSID at byte 2: refused/],
      ['\x80\x05\x97.', /NEXT_BUFFER at byte 2: refused/],
      ['\x80\x05N\x98.', /READONLY_BUFFER at byte 3: refused/],
    ];
    for (const [src, pattern] of cases) expectFormat(bytes(src), pattern);
  });
  it('sets, unknown opcodes and newer protocols', () => {
    expectFormat(bytes('\x80\x04\x8f.'), /EMPTY_SET at byte 2: sets are not supported/);
    expectFormat(bytes('\x80\x04(K\x01\x91.'), /FROZENSET.*sets are not supported/);
    expectFormat(bytes('\xff.'), /opcode 0xff at byte 0: unknown opcode/);
    expectFormat(bytes('\x80\x06N.'), /protocol 6 is newer than 5/);
  });
  it('truncation anywhere, missing STOP and trailing bytes', () => {
    const good = fixture('tiny-dataset.p2.pickle');
    for (let n = 0; n < good.length; n++) {
      expect(() => decodePickle(good.subarray(0, n)), `truncated to ${n} bytes`).toThrow(FormatError);
    }
    expectFormat(bytes('N'), /truncated: no STOP opcode/);
    expectFormat(bytes('X\x10\x00\x00\x00abc.'), /BINUNICODE at byte 0: truncated: needs 16 more bytes, 4 left/);
    expectFormat(bytes('N.N'), /1 trailing bytes after STOP/);
    expectFormat(bytes('I12'), /INT at byte 0: truncated: missing end of line/);
  });
  it('stack and mark errors', () => {
    expectFormat(bytes('a.'), /APPEND at byte 0: stack underflow/);
    expectFormat(bytes(']N(a.'), /APPEND at byte 3: stack underflow/); // cannot reach below the MARK
    expectFormat(bytes('NNa.'), /APPEND at byte 2: APPEND needs a list below it, found None/);
    expectFormat(bytes('e.'), /APPENDS at byte 0: no MARK on the stack/);
    expectFormat(bytes('(N.'), /STOP at byte 2: MARK left open at STOP/);
    expectFormat(bytes('NN.'), /stack holds 2 values at STOP, expected 1/);
    expectFormat(bytes('.'), /stack holds 0 values at STOP/);
    expectFormat(bytes('(K\x01d.'), /odd number of items for a dict/);
  });
  it('memo errors', () => {
    expectFormat(bytes('h\x03.'), /BINGET at byte 0: memo index 3 was never stored/);
    expectFormat(bytes('Np99999999999\n.'), /PUT at byte 1: memo index 99999999999 is outside 0\.\.2000000/);
    expectFormat(bytes('g-1\n.'), /memo index -1 was never stored/);
    expectFormat(bytes('gx\n.'), /"x" is not a decimal integer/);
  });
  it('values out of range or of the wrong type', () => {
    expectFormat(bytes('\x8a\x08\xff\xff\xff\xff\xff\xff\xff\x7f.'), /LONG1 at byte 0: integer 9223372036854775807 is outside ±2\^53/);
    expectFormat(bytes('\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\x01.'), /integer of 9 bytes/);
    expectFormat(bytes('L99999999999999999999L\n.'), /outside ±2\^53/);
    expectFormat(bytes('I9999999999999999\n.'), /integer 9999999999999999 is outside ±2\^53/);
    expect(decodePickle(bytes('I-900719925474099\n.'))).toBe(-900719925474099);
    expectFormat(bytes('}K\x01K\x02s.'), /SETITEM at byte 5: dict key number 1 is not a string/);
    expectFormat(bytes('X\x02\x00\x00\x00\xc3\x28.'), /BINUNICODE at byte 0: string is not valid UTF-8/);
    expectFormat(bytes('Fabc\n.'), /"abc" is not a float/);
    expectFormat(bytes('Sabc\n.'), /is not a quoted string/);
    expectFormat(bytes("S'\\q'\n."), /bad escape \\q/);
  });
  it('a list that contains itself', () => {
    expectFormat(fixture('evil-cycle.p2.pickle'), /contains itself/);
  });
  it('deep MARK nesting is bounded', () => {
    expectFormat(bytes('('.repeat(20_000) + '.'), /more than 10000 nested MARKs/);
  });
});
