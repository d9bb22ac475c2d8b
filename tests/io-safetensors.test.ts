import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors, type Tensor } from '../bindings/io/safetensors.js';
import { FormatError, ShapeError, ValueError } from '../bindings/errors.js';

const enc = new TextEncoder();

/** A file from a header string and a data buffer; `len` overrides the header length field. */
function raw(header: string, data: Uint8Array | number = new Uint8Array(0), len?: bigint): Uint8Array {
  const h = enc.encode(header);
  const d = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + h.length + d.length);
  new DataView(out.buffer).setBigUint64(0, len ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(d, 8 + h.length);
  return out;
}

function f32bytes(values: number[]): Uint8Array {
  const b = new Uint8Array(values.length * 4);
  const v = new DataView(b.buffer);
  values.forEach((x, i) => v.setFloat32(4 * i, x, true));
  return b;
}

function expectFormat(bytes: Uint8Array, pattern: RegExp, limits?: Parameters<typeof decodeSafetensors>[1]): void {
  let err: unknown;
  try { decodeSafetensors(bytes, limits); } catch (e) { err = e; }
  expect(err, `expected a FormatError matching ${pattern}`).toBeInstanceOf(FormatError);
  expect((err as FormatError).code).toBe('E_FORMAT');
  expect((err as Error).message).toMatch(pattern);
}

describe('safetensors round trip', () => {
  it('encodes and decodes tensors and metadata exactly', () => {
    const w = new Float32Array([1, -2.5, 3e-30, -0, Infinity, -Infinity, NaN, 65504.125, 1 / 3, 7, 8, 9]);
    const tensors = new Map<string, Tensor>([
      ['rnn.W_0', { shape: [3, 4], data: w }],
      ['scalar', { shape: [], data: new Float32Array([42]) }],
      ['empty', { shape: [0, 5], data: new Float32Array(0) }],
      ['ünïcode ♪', { shape: [2], data: new Float32Array([0.5, 0.25]) }],
      ['0', { shape: [1], data: new Float32Array([-1]) }],
    ]);
    const metadata: Record<string, string> = { format: 'gatedrnn', 'config json': '{"unit":"gru"}', ['__proto__']: 'x' };
    const bytes = encodeSafetensors(tensors, metadata);

    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    expect(bytes.length).toBe(8 + n + 4 * (12 + 1 + 0 + 2 + 1));

    const back = decodeSafetensors(bytes);
    expect([...back.tensors.keys()].sort()).toEqual([...tensors.keys()].sort());
    for (const [name, t] of tensors) {
      const got = back.tensors.get(name)!;
      expect(got.shape).toEqual(t.shape);
      expect(got.data).toBeInstanceOf(Float32Array);
      expect(got.data.byteOffset % 4).toBe(0);
      // bit-exact, including -0 and NaN
      expect(new Uint32Array(got.data.buffer, got.data.byteOffset, got.data.length))
        .toEqual(new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length));
    }
    expect(Object.getPrototypeOf(back.metadata)).toBe(Object.prototype);
    expect(Object.keys(back.metadata).sort()).toEqual(Object.keys(metadata).sort());
    expect(back.metadata.format).toBe('gatedrnn');
    expect(back.metadata['config json']).toBe('{"unit":"gru"}');
    expect(Object.getOwnPropertyDescriptor(back.metadata, '__proto__')?.value).toBe('x');
  });

  it('is deterministic: the same bytes whatever the insertion order, data in name order', () => {
    const a = { shape: [2], data: new Float32Array([1, 2]) };
    const b = { shape: [1, 1], data: new Float32Array([3]) };
    const x = encodeSafetensors(new Map([['b', b], ['a', a]]), { z: '1', y: '2' });
    const y = encodeSafetensors({ a, b }, { y: '2', z: '1' });
    expect(x).toEqual(y);
    const n = Number(new DataView(x.buffer).getBigUint64(0, true));
    const header = new TextDecoder().decode(x.subarray(8, 8 + n));
    expect(header.trimEnd()).toBe(
      '{"__metadata__":{"y":"2","z":"1"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},' +
      '"b":{"dtype":"F32","shape":[1,1],"data_offsets":[8,12]}}');
    expect(/^ *$/.test(header.slice(header.trimEnd().length))).toBe(true);
    expect(x.subarray(8 + n)).toEqual(f32bytes([1, 2, 3]));
  });

  it('encodes a view into a larger buffer (offset data) correctly', () => {
    const big = new Float32Array([9, 9, 1, 2, 3, 9]);
    const bytes = encodeSafetensors({ v: { shape: [3], data: big.subarray(2, 5) } });
    expect(Array.from(decodeSafetensors(bytes).tensors.get('v')!.data)).toEqual([1, 2, 3]);
  });

  it('decodes a hand-written file from the specification, with an unaligned input buffer', () => {
    const header = '{"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},"a":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]},"__metadata__":{"k":"v"}}';
    const file = raw(header, f32bytes([1.5, -2, 3, 4.25]));
    const shifted = new Uint8Array(file.length + 1);
    shifted.set(file, 1);
    const out = decodeSafetensors(shifted.subarray(1));
    expect([...out.tensors.keys()]).toEqual(['a', 'b']); // data order
    expect(out.tensors.get('a')!.shape).toEqual([1, 2]);
    expect(Array.from(out.tensors.get('a')!.data)).toEqual([1.5, -2]);
    expect(Array.from(out.tensors.get('b')!.data)).toEqual([3, 4.25]);
    expect(out.metadata).toEqual({ k: 'v' });
  });

  it('accepts an empty file body ({}), and no metadata', () => {
    const out = decodeSafetensors(encodeSafetensors({}));
    expect(out.tensors.size).toBe(0);
    expect(out.metadata).toEqual({});
  });
});

describe('safetensors encode rejects bad input', () => {
  it('shape that does not match the data', () => {
    expect(() => encodeSafetensors({ w: { shape: [2, 3], data: new Float32Array(5) } })).toThrow(ShapeError);
    expect(() => encodeSafetensors({ w: { shape: [2, 3], data: new Float32Array(5) } })).toThrow(/"w".*6 elements.*5/);
    expect(() => encodeSafetensors({ w: { shape: [-1], data: new Float32Array(0) } })).toThrow(ShapeError);
    expect(() => encodeSafetensors({ w: { shape: [1.5], data: new Float32Array(0) } })).toThrow(ShapeError);
  });
  it('reserved or empty names, non-Float32 data, non-string metadata', () => {
    const t = { shape: [1], data: new Float32Array(1) };
    expect(() => encodeSafetensors({ __metadata__: t })).toThrow(ValueError);
    expect(() => encodeSafetensors({ '': t })).toThrow(ValueError);
    expect(() => encodeSafetensors({ w: { shape: [1], data: new Float64Array(1) as unknown as Float32Array } })).toThrow(ValueError);
    expect(() => encodeSafetensors({ w: t }, { n: 3 as unknown as string })).toThrow(/metadata value for key "n"/);
  });
});

describe('safetensors decode refuses every malformed file', () => {
  const ok = (name = 'w', shape = '[2]', off = '[0,8]') => `{"${name}":{"dtype":"F32","shape":${shape},"data_offsets":${off}}}`;
  const eight = f32bytes([1, 2]);

  it('file shorter than 8 bytes', () => {
    expectFormat(new Uint8Array(0), /0 bytes, shorter than the 8-byte/);
    expectFormat(new Uint8Array(7), /7 bytes, shorter than the 8-byte/);
  });
  it('header length larger than the file (truncated file)', () => {
    const good = raw(ok(), eight);
    expectFormat(good.subarray(0, 20), /header length \d+ is larger than the 12 bytes/);
    expectFormat(raw('{}', 0, 1000n), /header length 1000 is larger than the 2 bytes/);
  });
  it('header length above the limit, including a u64 beyond 2^32', () => {
    expectFormat(raw(ok(), eight), /exceeds the limit of 16 bytes/, { maxHeaderBytes: 16 });
    expectFormat(raw('{}', 0, 1n << 40n), /header length 1099511627776 exceeds the limit of 100000000/);
    expectFormat(raw('{}', 0, 0xffffffffffffffffn), /exceeds the limit/);
  });
  it('header length too small', () => {
    expectFormat(raw('', 0), /too small/);
  });
  it('header that is not UTF-8', () => {
    const bytes = raw('{"\u0000":1}');
    bytes[10] = 0xff;
    expectFormat(bytes, /not valid UTF-8/);
    const overlong = raw('{"ab":1}');
    overlong.set([0xc0, 0xaf], 10); // overlong encoding of '/'
    expectFormat(overlong, /not valid UTF-8/);
  });
  it('header that is not JSON, or not an object', () => {
    expectFormat(raw('{"w":{"dtype":"F32",'), /invalid JSON at character 20: expected a string key/);
    expectFormat(raw('{"w":'), /invalid JSON at character 5: unexpected end of input/);
    expectFormat(raw('{"w":{"dtype":F32}}'), /invalid JSON at character 14/);
    expectFormat(raw('{"a":1} x'), /trailing characters/);
    expectFormat(raw('[1,2,3]'), /does not start with '\{'/);
    expectFormat(raw('  {}'), /does not start with '\{'/);
    expectFormat(raw('{"a":[' + '['.repeat(50) + ']'.repeat(51) + '}'), /nesting deeper than 8/);
  });
  it('duplicate tensor names (JSON.parse would silently keep the last)', () => {
    const h = '{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}';
    expectFormat(raw(h, eight), /duplicate key "w"/);
    expectFormat(raw('{"__metadata__":{"a":"1","a":"2"}}'), /duplicate key "a"/);
  });
  it('entries that are not objects, and unexpected fields', () => {
    expectFormat(raw('{"w":5}'), /tensor "w": entry is not an object/);
    expectFormat(raw('{"w":[0,8]}', eight), /tensor "w": entry is not an object/);
    expectFormat(raw('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"extra":1}}', eight), /tensor "w": unexpected field "extra"/);
    expectFormat(raw('{"":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', eight), /empty name/);
  });
  it('missing, unknown or unsupported dtype', () => {
    expectFormat(raw('{"w":{"shape":[2],"data_offsets":[0,8]}}', eight), /tensor "w": dtype is missing/);
    expectFormat(raw('{"w":{"dtype":"Q7","shape":[2],"data_offsets":[0,8]}}', eight), /tensor "w": unknown dtype "Q7"/);
    expectFormat(raw('{"w":{"dtype":"F16","shape":[4],"data_offsets":[0,8]}}', eight), /tensor "w": dtype F16 is not supported \(this reader decodes F32 only\)/);
    expectFormat(raw('{"w":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}', eight), /dtype F64 is not supported/);
  });
  it('shapes with bad dimensions', () => {
    expectFormat(raw(ok('w', '[-2]'), eight), /tensor "w": shape\[0\] = -2 is not a non-negative integer/);
    expectFormat(raw(ok('w', '[1.5]'), eight), /shape\[0\] = 1.5 is not a non-negative integer/);
    expectFormat(raw(ok('w', '["2"]'), eight), /shape\[0\] = "2" is not/);
    expectFormat(raw(ok('w', '[1, null]'), eight), /shape\[1\] = null/);
    expectFormat(raw(ok('w', '[1e300]'), eight), /shape\[0\] = 1e\+300 is not/);
    expectFormat(raw(ok('w', '[4294967296]'), eight), /shape\[0\] = 4294967296 is larger than 2147483647/);
    expectFormat(raw(ok('w', '[65536, 65536, 0]'), 0), /shape \[65536, 65536, 0\]|data_offsets/);
    expectFormat(raw(ok('w', '[2147483647, 2147483647]'), eight), /needs \d+ bytes, more than the 8-byte data buffer/);
    expectFormat(raw(ok('w', '2'), eight), /tensor "w": shape is missing or not an array/);
    expectFormat(raw(ok('w', `[${new Array(17).fill(1).join(',')}]`), eight), /rank 17 exceeds the limit of 16/);
  });
  it('data_offsets out of range or malformed', () => {
    expectFormat(raw(ok('w', '[2]', '[0,16]'), eight), /tensor "w": data_offsets \[0, 16\] run past the end of the 8-byte data buffer/);
    expectFormat(raw(ok('w', '[0]', '[8,4]'), eight), /tensor "w": data_offsets \[8, 4\] has begin > end/);
    expectFormat(raw(ok('w', '[2]', '[-8,0]'), eight), /data_offsets begin = -8 is not a non-negative integer/);
    expectFormat(raw(ok('w', '[2]', '[0,8.5]'), eight), /data_offsets end = 8.5/);
    expectFormat(raw(ok('w', '[2]', '[0]'), eight), /data_offsets must be an array \[begin, end\]/);
    expectFormat(raw(ok('w', '[2]', '"0,8"'), eight), /data_offsets must be an array/);
  });
  it('byte length that does not match the shape', () => {
    expectFormat(raw(ok('w', '[3]', '[0,8]'), f32bytes([1, 2, 3])), /tensor "w": data_offsets \[0, 8\] span 8 bytes but shape \[3\] of F32 needs 12/);
    expectFormat(raw(ok('w', '[1]', '[0,8]'), eight), /span 8 bytes but shape \[1\] of F32 needs 4/);
  });
  it('overlapping tensors', () => {
    const h = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}';
    expectFormat(raw(h, eight), /tensor "b": data_offsets \[4, 8\] overlap tensor "a" \[0, 8\]/);
    const same = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
    expectFormat(raw(same, eight), /overlap tensor/);
  });
  it('gaps between tensors (non-contiguous) and a first tensor that does not start at 0', () => {
    const h = '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}';
    expectFormat(raw(h, f32bytes([1, 2, 3])), /tensor "b": data_offsets \[8, 12\] leave a gap of 4 bytes after offset 4/);
    expectFormat(raw(ok('w', '[1]', '[4,8]'), eight), /leave a gap of 4 bytes after offset 0/);
  });
  it('trailing bytes after the last tensor', () => {
    expectFormat(raw(ok('w', '[1]', '[0,4]'), eight), /4 trailing bytes after the last tensor/);
    expectFormat(raw('{}', 3), /3 trailing bytes/);
    const good = encodeSafetensors({ w: { shape: [2], data: new Float32Array(2) } });
    const longer = new Uint8Array(good.length + 1);
    longer.set(good);
    expectFormat(longer, /1 trailing bytes/);
  });
  it('metadata that is not an object of strings', () => {
    expectFormat(raw('{"__metadata__":{"epoch":3}}'), /metadata value for key "epoch" is 3, not a string/);
    expectFormat(raw('{"__metadata__":{"a":null}}'), /key "a" is null/);
    expectFormat(raw('{"__metadata__":["a"]}'), /"__metadata__" must be an object of strings/);
    expectFormat(raw('{"__metadata__":"a"}'), /"__metadata__" must be an object of strings/);
  });
  it('too many tensors for the limit', () => {
    const h = '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}';
    expect(decodeSafetensors(raw(h, eight)).tensors.size).toBe(2);
    expectFormat(raw(h, eight), /more than 1 tensors/, { maxTensors: 1 });
  });
  it('every truncation of a valid file is refused with a FormatError', () => {
    const good = encodeSafetensors({ a: { shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) }, b: { shape: [3], data: new Float32Array(3) } }, { m: 'x' });
    for (let n = 0; n < good.length; n++) {
      expect(() => decodeSafetensors(good.subarray(0, n)), `truncated to ${n} bytes`).toThrow(FormatError);
    }
    expect(decodeSafetensors(good).tensors.size).toBe(2);
  });
  it('refuses non-Uint8Array input with a ValueError', () => {
    expect(() => decodeSafetensors([1, 2, 3] as unknown as Uint8Array)).toThrow(ValueError);
  });
});
