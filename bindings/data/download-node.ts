// Node-only: downloads into a local cache. A file is fetched once; later calls return the cached
// path without touching the network. The body streams into a temporary file in the cache
// folder, bounded in size, optionally checked against a SHA-256, fsynced and renamed into place,
// so the cache never holds a partial file under the real name (a crash or a cut connection
// leaves at most a stray *.tmp, which is ignored).
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve, basename } from 'node:path';
import { ConfigError, FormatError, NotFoundError } from '../errors.js';

/** Where Boulanger-Lewandowski published the original piano-roll pickles (ICML 2012 page). */
export const ORIGINAL_BASE_URL = 'http://www-etud.iro.umontreal.ca/~boulanni/';

/** The original pickle of each data set, as named on that page. */
export const ORIGINAL_PICKLES: Record<string, string> = {
  jsb: 'JSB Chorales.pickle',
  nottingham: 'Nottingham.pickle',
  musedata: 'MuseData.pickle',
  'piano-midi': 'Piano-midi.de.pickle',
};

/** The URL of a data set's original pickle. */
export function originalPickleUrl(name: string, base = ORIGINAL_BASE_URL): string {
  const file = ORIGINAL_PICKLES[name];
  if (!file) throw new ConfigError(`no original pickle is known for data set ${JSON.stringify(name)}; known: ${Object.keys(ORIGINAL_PICKLES).join(', ')}`);
  return new URL(encodeURIComponent(file), base.endsWith('/') ? base : base + '/').href;
}

/** The cache folder: $GATEDRNN_CACHE, else $XDG_CACHE_HOME/gatedrnn, else ~/.cache/gatedrnn. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GATEDRNN_CACHE) return resolve(env.GATEDRNN_CACHE);
  if (env.XDG_CACHE_HOME) return join(resolve(env.XDG_CACHE_HOME), 'gatedrnn');
  return join(homedir(), '.cache', 'gatedrnn');
}

export interface DownloadOptions {
  /** Refuse a body larger than this (default 256 MiB; the largest pickle is ~25 MB). */
  maxBytes?: number;
  /** Give up after this many milliseconds without completing (default 120 s). */
  timeoutMs?: number;
  /** Expected SHA-256 (hex) of the file; a mismatch is a FormatError and nothing is cached. */
  sha256?: string;
  /** Called as bytes arrive (received, total or NaN when the server does not say). */
  onProgress?: (received: number, total: number) => void;
}

export interface Downloaded {
  path: string;
  /** True when the file was already in the cache (no request was made). */
  cached: boolean;
  bytes: number;
}

/** Fetches `url` into `<cacheDir>/<fileName>` unless it is already there. */
export async function downloadCached(url: string, cacheDir: string, fileName: string, opts: DownloadOptions = {}): Promise<Downloaded> {
  if (fileName !== basename(fileName) || fileName === '' || fileName.startsWith('.')) {
    throw new ConfigError(`cache file name ${JSON.stringify(fileName)} must be a plain file name`);
  }
  const maxBytes = opts.maxBytes ?? 256 * 1024 * 1024;
  const dir = resolve(cacheDir);
  const path = join(dir, fileName);
  try {
    const s = await stat(path);
    if (s.isFile()) return { path, cached: true, bytes: s.size };
  } catch { /* not cached yet */ }
  await mkdir(dir, { recursive: true });
  const signal = AbortSignal.timeout(opts.timeoutMs ?? 120_000);
  const hint = `Download it by hand and put it at ${path}.`;
  let res: Response;
  try {
    res = await fetch(url, { signal, redirect: 'follow' });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new NotFoundError(`could not download ${url} (${cause?.code ?? cause?.message ?? (e as Error).message}). ${hint}`);
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel().catch(() => {});
    throw new NotFoundError(`could not download ${url}: the server answered ${res.status} ${res.statusText}. ${hint}`);
  }
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await res.body.cancel().catch(() => {});
    throw new FormatError(`${url} is ${declared} bytes, more than the limit of ${maxBytes}`);
  }
  const tmp = join(dir, `.${fileName}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const hash = createHash('sha256');
  const fh = await open(tmp, 'wx', 0o644);
  let received = 0;
  try {
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        received += chunk.length;
        if (received > maxBytes) throw new FormatError(`${url} is larger than the limit of ${maxBytes} bytes`);
        hash.update(chunk);
        let at = 0;
        while (at < chunk.length) at += (await fh.write(chunk, at, chunk.length - at)).bytesWritten;
        opts.onProgress?.(received, declared);
      }
    } catch (e) {
      if (e instanceof FormatError) throw e;
      throw new NotFoundError(`the download of ${url} broke off after ${received} bytes (${(e as Error).message}). ${hint}`);
    }
    if (Number.isFinite(declared) && received !== declared) {
      throw new FormatError(`${url}: received ${received} bytes but the server announced ${declared}`);
    }
    const digest = hash.digest('hex');
    if (opts.sha256 && digest !== opts.sha256.toLowerCase()) {
      throw new FormatError(`${url}: SHA-256 ${digest} does not match the expected ${opts.sha256}`);
    }
    await fh.sync();
    await fh.close();
    await rename(tmp, path);
  } catch (e) {
    await fh.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw e;
  }
  return { path, cached: false, bytes: received };
}
