import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileLimited, writeFileAtomic } from '../bindings/io/file-node.js';
import { decodeSafetensors, encodeSafetensors } from '../bindings/io/safetensors.js';
import { FormatError, NotFoundError } from '../bindings/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'gatedrnn-io-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('writes, then replaces, and leaves no temporary file behind', async () => {
    const p = join(dir, 'model.safetensors');
    const a = encodeSafetensors({ w: { shape: [2], data: new Float32Array([1, 2]) } });
    await writeFileAtomic(p, a);
    expect(new Uint8Array(readFileSync(p))).toEqual(a);
    const b = encodeSafetensors({ w: { shape: [3], data: new Float32Array([3, 4, 5]) } });
    await writeFileAtomic(p, b);
    expect(Array.from(decodeSafetensors(new Uint8Array(readFileSync(p))).tensors.get('w')!.data)).toEqual([3, 4, 5]);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('writes a large buffer completely', async () => {
    const p = join(dir, 'big.bin');
    const data = new Uint8Array(3 * 1024 * 1024 + 7);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31) & 255;
    await writeFileAtomic(p, data);
    const back = readFileSync(p);
    expect(back.length).toBe(data.length);
    expect(Buffer.compare(back, Buffer.from(data.buffer))).toBe(0);
  });

  it('fails with NotFoundError when the directory is missing, creating nothing', async () => {
    const p = join(dir, 'no-such-dir', 'x.bin');
    await expect(writeFileAtomic(p, new Uint8Array(4))).rejects.toThrow(NotFoundError);
    await expect(writeFileAtomic(p, new Uint8Array(4))).rejects.toThrow(/no-such-dir does not exist/);
  });

  it('on a failed rename keeps the old target and removes its temporary file', async () => {
    const sub = join(dir, 'rename-fail');
    mkdirSync(sub);
    const target = join(sub, 'occupied');
    mkdirSync(target); // a directory cannot be replaced by a file
    writeFileSync(join(target, 'keep.txt'), 'keep');
    await expect(writeFileAtomic(target, new Uint8Array([1, 2, 3]))).rejects.toThrow();
    expect(readdirSync(sub)).toEqual(['occupied']);
    expect(readFileSync(join(target, 'keep.txt'), 'utf8')).toBe('keep');
  });
});

describe('readFileLimited', () => {
  it('reads a file within the limit', async () => {
    const p = join(dir, 'small.bin');
    writeFileSync(p, Buffer.from([1, 2, 3, 4, 5]));
    expect(Array.from(await readFileLimited(p, 5))).toEqual([1, 2, 3, 4, 5]);
    expect(Array.from(await readFileLimited(p, 100))).toEqual([1, 2, 3, 4, 5]);
  });
  it('reads an empty file', async () => {
    const p = join(dir, 'empty.bin');
    writeFileSync(p, Buffer.alloc(0));
    expect((await readFileLimited(p, 10)).length).toBe(0);
  });
  it('refuses a file over the limit without reading it', async () => {
    const p = join(dir, 'six.bin');
    writeFileSync(p, Buffer.alloc(6));
    await expect(readFileLimited(p, 5)).rejects.toThrow(FormatError);
    await expect(readFileLimited(p, 5)).rejects.toThrow(/6 bytes, larger than the limit of 5 bytes/);
  });
  it('NotFoundError for a missing file, FormatError for a directory', async () => {
    await expect(readFileLimited(join(dir, 'absent'), 10)).rejects.toThrow(NotFoundError);
    await expect(readFileLimited(dir, 10)).rejects.toThrow(/not a regular file/);
  });
});
