// Node-only file helpers: an atomic write (a reader sees the old file or the new one, never a
// half-written one), a read with a size bound (a corrupt or hostile file cannot make us
// allocate gigabytes), the check of an output path before long work starts, and the removal
// of the temporary files a killed atomic write leaves behind.
import { open, rename, unlink, stat, lstat, access, readdir, constants } from 'node:fs/promises';
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
  const tmp = join(dir, tempName(basename(path)));
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

/** The name of writeFileAtomic's temporary file for `name`: `.<name>.<pid>.<12 hex>.tmp`. */
function tempName(name: string): string {
  return `.${name}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
}

/** What tempName gives, for any name and pid. */
const TEMP_NAME = /^\..+\.(\d+)\.[0-9a-f]{12}\.tmp$/;

/** False only when the system says no process has this id (ESRCH). */
function processAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code !== 'ESRCH'; }
}

/**
 * Removes the temporary files writeFileAtomic left in `dir` when its process was killed
 * mid-write: regular files named as tempName names them whose process is no longer running
 * (a live writer's file, this process's own included, is left alone; so is anything else).
 * Returns the paths removed; a folder that cannot be read gives an empty list.
 */
export async function removeStaleTemps(dir: string): Promise<string[]> {
  let names: string[];
  try { names = await readdir(dir); } catch { return []; }
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || processAlive(pid)) continue;
    const path = join(dir, name);
    try {
      if (!(await lstat(path)).isFile()) continue;
      await unlink(path);
      removed.push(path);
    } catch { /* gone meanwhile, or not ours to remove */ }
  }
  return removed;
}

/**
 * Reads a whole file, refusing (FormatError) one larger than `maxBytes` before reading it and
 * and refusing a file that grows while it is read. NotFoundError when it is absent.
 */
export async function readFileLimited(path: string, maxBytes: number): Promise<Uint8Array> {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new ValueError(`readFileLimited: maxBytes ${maxBytes} must be a non-negative integer`);
  let handle;
  try {
    // O_NONBLOCK: opening a named pipe (FIFO) without a writer would otherwise wait forever
    // (and keep the process from exiting); a regular file reads the same either way.
    handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new NotFoundError(`file not found: ${path}`);
    // a socket (ENXIO), a directory where the platform refuses to open one, a symlink loop
    if (e.code === 'ENXIO' || e.code === 'EISDIR' || e.code === 'ELOOP') throw new FormatError(`${path} is not a regular file (${e.code}); only regular files are read`);
    throw err;
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new FormatError(`${path} is not a regular file (it is ${fileKind(st)}); only regular files are read`);
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

/** What a file that is not a regular one is, for messages. */
function fileKind(st: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSymbolicLink(): boolean }): string {
  return st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a named pipe' : st.isSocket() ? 'a socket'
    : st.isCharacterDevice() ? 'a character device' : st.isBlockDevice() ? 'a block device' : st.isSymbolicLink() ? 'a symbolic link' : 'of another kind';
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
