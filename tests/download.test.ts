// The cached download, against a local node:http server (the real host is not reachable from
// here): first fetch writes the cache atomically, the second never asks the server, and every
// failure leaves the cache without a file under the real name.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createServer, type Server } from 'node:http';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { downloadCached, originalPickleUrl, defaultCacheDir, ORIGINAL_BASE_URL } from '../bindings/data/download-node.js';
import { ConfigError, FormatError, NotFoundError } from '../bindings/errors.js';

const BODY = new Uint8Array(200_000).map((_, i) => (i * 7919) % 251);
const SHA = createHash('sha256').update(BODY).digest('hex');

describe('downloadCached', () => {
  let server: Server;
  let base: string;
  let cache: string;
  const hits: string[] = [];

  beforeAll(async () => {
    cache = await mkdtemp(join(tmpdir(), 'gatedrnn-cache-'));
    server = createServer((req, res) => {
      hits.push(req.url ?? '');
      const url = decodeURIComponent(req.url ?? '');
      if (url === '/JSB Chorales.pickle' || url === '/file.bin') {
        res.writeHead(200, { 'content-length': String(BODY.length) });
        // in pieces, so the client streams
        res.write(BODY.subarray(0, 50_000));
        setTimeout(() => res.end(BODY.subarray(50_000)), 5);
      } else if (url === '/cut.bin') {
        res.writeHead(200, { 'content-length': String(BODY.length) });
        res.write(BODY.subarray(0, 1000));
        setTimeout(() => res.socket?.destroy(), 5);
      } else if (url === '/moved') {
        res.writeHead(302, { location: '/file.bin' });
        res.end();
      } else {
        res.writeHead(404);
        res.end('no');
      }
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    await new Promise((ok) => server.close(ok));
    await rm(cache, { recursive: true, force: true });
  });

  const names = async () => (await readdir(cache)).sort();

  it('knows the original pickle URLs (the file names have spaces)', () => {
    expect(originalPickleUrl('jsb')).toBe(`${ORIGINAL_BASE_URL}JSB%20Chorales.pickle`);
    expect(originalPickleUrl('piano-midi', 'http://h/x')).toBe('http://h/x/Piano-midi.de.pickle');
    expect(() => originalPickleUrl('speech')).toThrow(ConfigError);
  });

  it('downloads once into the cache and answers from the cache afterwards', async () => {
    const url = originalPickleUrl('jsb', base);
    const first = await downloadCached(url, cache, 'JSB Chorales.pickle', { sha256: SHA });
    expect(first).toMatchObject({ cached: false, bytes: BODY.length });
    expect(new Uint8Array(await readFile(first.path))).toEqual(BODY);
    const n = hits.length;
    const second = await downloadCached(url, cache, 'JSB Chorales.pickle');
    expect(second).toEqual({ path: first.path, cached: true, bytes: BODY.length });
    expect(hits.length).toBe(n);
    expect(await names()).toEqual(['JSB Chorales.pickle']); // no temporary file left
  });

  it('follows a redirect', async () => {
    const r = await downloadCached(base + 'moved', cache, 'moved.bin');
    expect(r.bytes).toBe(BODY.length);
  });

  it('caches nothing on 404, a broken-off body, a size over the limit or a wrong checksum', async () => {
    const before = await names();
    await expect(downloadCached(base + 'missing.pickle', cache, 'a.bin')).rejects.toThrow(NotFoundError);
    await expect(downloadCached(base + 'missing.pickle', cache, 'a.bin')).rejects.toThrow(/404.*put it at/);
    await expect(downloadCached(base + 'cut.bin', cache, 'b.bin')).rejects.toThrow(/broke off|announced/);
    await expect(downloadCached(base + 'file.bin', cache, 'c.bin', { maxBytes: 1000 })).rejects.toThrow(FormatError);
    await expect(downloadCached(base + 'file.bin', cache, 'd.bin', { sha256: '0'.repeat(64) })).rejects.toThrow(/SHA-256/);
    expect(await names()).toEqual(before);
  });

  it('says how to get the file when the host cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((ok) => closed.listen(0, '127.0.0.1', ok));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((ok) => closed.close(ok));
    await expect(downloadCached(`http://127.0.0.1:${port}/x.pickle`, cache, 'x.pickle', { timeoutMs: 5000 }))
      .rejects.toThrow(/could not download .*ECONNREFUSED.*put it at/);
  });

  it('refuses a cache name that is a path', async () => {
    await expect(downloadCached(base + 'file.bin', cache, '../escape.bin')).rejects.toThrow(ConfigError);
  });

  it('picks the cache folder from the environment', () => {
    expect(defaultCacheDir({ GATEDRNN_CACHE: '/c' })).toBe('/c');
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/gatedrnn');
  });
});
