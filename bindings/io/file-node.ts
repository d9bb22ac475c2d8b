// Node-only file helpers: an atomic write (a reader sees the old file or the new one, never a
// half-written one), a read with a size bound (a corrupt or hostile file cannot make us
// allocate gigabytes), and the check of an output path before long work starts.
import { open, rename, unlink, stat, access, constants } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { ConfigError, FormatError, NotFoundError, ValueError } from '../errors.js';

/**
 * Writes `bytes` to `path` atomically: the data goes to a temporary file in the same
 * directory, which is fsynced and then renamed over `path` (rename within one file system is
 * atomic on POSIX and replaces the target on Windows). The directory is fsynced afterwards
 * where the platform allows it, so the rename itself survives a crash. On any error the
 * temporary file is removed and `path` is left as it was.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  if (!(bytes instanceof Uint8Array)) throw new ValueError('writeFileAtomic: bytes must be a Uint8Array');
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let handle;
  try {
    handle = await open(tmp, 'wx', 0o644);
    let written = 0;
    while (written < bytes.length) {
      const { bytesWritten } = await handle.write(bytes, written, bytes.length - written, written);
      written += bytesWritten;
    }
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(tmp, path);
  } catch (err) {
    if (handle) await handle.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new NotFoundError(`cannot write ${path}: directory ${dir} does not exist`);
    throw err;
  }
  // Persist the directory entry; not every platform can open a directory for fsync.
  try {
    const d = await open(dir, 'r');
    try { await d.sync(); } finally { await d.close(); }
  } catch { /* best effort (e.g. Windows) */ }
}

/**
 * Reads a whole file, refusing (FormatError) one larger than `maxBytes` before reading it and
 * and refusing a file that grows while it is read. NotFoundError when it is absent.
 */
export async function readFileLimited(path: string, maxBytes: number): Promise<Uint8Array> {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new ValueError(`readFileLimited: maxBytes ${maxBytes} must be a non-negative integer`);
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new NotFoundError(`file not found: ${path}`);
    throw err;
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new FormatError(`${path} is not a regular file`);
    if (st.size > maxBytes) throw new FormatError(`${path} is ${st.size} bytes, larger than the limit of ${maxBytes} bytes`);
    const buf = new Uint8Array(Math.min(st.size, maxBytes) + 1);
    let got = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, got, buf.length - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
      if (got > maxBytes) throw new FormatError(`${path} grew past the limit of ${maxBytes} bytes while being read`);
      if (got === buf.length) throw new FormatError(`${path} changed size while being read`);
    }
    return buf.subarray(0, got);
  } finally {
    await handle.close();
  }
}

/** Refuses an output path whose folder does not exist or cannot be written, before any work. */
export async function checkOutputPath(path: string, ext: string, what: string): Promise<string> {
  const p = resolve(path);
  if (!p.toLowerCase().endsWith(ext)) throw new ConfigError(`${what} ${path} must end in ${ext}`);
  const dir = dirname(p);
  let st;
  try { st = await stat(dir); } catch { throw new NotFoundError(`${what} ${path}: the folder ${dir} does not exist`); }
  if (!st.isDirectory()) throw new ConfigError(`${what} ${path}: ${dir} is not a folder`);
  try { await access(dir, constants.W_OK); } catch { throw new ConfigError(`${what} ${path}: the folder ${dir} is not writable`); }
  try { if ((await stat(p)).isDirectory()) throw new ConfigError(`${what} ${path} is a folder`); } catch (e) { if (e instanceof ConfigError) throw e; }
  return p;
}
