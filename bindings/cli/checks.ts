// The checks every command makes before it works: option values in range (a ConfigError naming
// the option, one line), folders that exist and are folders, output paths that can be written
// (with the stale temporary files of a killed atomic write removed next to them). A command
// calls these first, so that a mistake costs a second, not a training run.
import { stat, access, constants } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ConfigError, NotFoundError } from '../errors.js';
import { DATA_ENV } from '../data/load-node.js';
import { checkOutputPath, removeStaleTemps } from '../io/file-node.js';

/** An integer option in [min, max]. */
export function intIn(v: number, flag: string, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new ConfigError(`${flag} must be an integer ${max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `in ${min}..${max}`}, got ${v}`);
  }
}

/** A number option above 0 (Infinity allowed where `infinite`, e.g. a time budget). */
export function positive(v: number, flag: string, infinite = false): void {
  if (!(v > 0) || (!infinite && !Number.isFinite(v))) throw new ConfigError(`${flag} must be a number above 0, got ${v}`);
}

/** A finite number option ≥ 0 (`zero` says what 0 means, for the message). */
export function nonNegative(v: number, flag: string, zero?: string): void {
  if (!(v >= 0) || !Number.isFinite(v)) throw new ConfigError(`${flag} must be a number ≥ 0${zero ? ` (0: ${zero})` : ''}, got ${v}`);
}

/** A finite number option in [lo, hi], or (lo, hi] when `loOpen`. */
export function numIn(v: number, flag: string, lo: number, hi: number, loOpen = false): void {
  if (!((loOpen ? v > lo : v >= lo) && v <= hi)) throw new ConfigError(`${flag} must be in ${loOpen ? '(' : '['}${lo}, ${hi}], got ${v}`);
}

/** A seed: an integer in 0..2^53−1 (the model's and the data's seeds take any of them). */
export function seed(v: number, flag = '--seed'): void { intIn(v, flag, 0); }

async function statOrUndefined(path: string) {
  try { return await stat(path); } catch { return undefined; }
}

/**
 * A folder the command reads: NotFoundError when nothing is there, ConfigError when it is a
 * file. `what` names where it came from (`--data`, `$GATEDRNN_DATA`, `--wav`, …).
 */
export async function checkInputFolder(path: string, what: string): Promise<string> {
  const p = resolve(path);
  const st = await statOrUndefined(p);
  if (!st) throw new NotFoundError(`${what} ${path}: no such folder`);
  if (!st.isDirectory()) throw new ConfigError(`${what} ${path} is a file, not a folder`);
  try { await access(p, constants.R_OK | constants.X_OK); } catch { throw new ConfigError(`${what} ${path}: the folder cannot be read`); }
  return p;
}

/** A file the command reads: NotFoundError when absent, ConfigError when it is a folder. */
export async function checkInputFile(path: string, what: string): Promise<string> {
  const p = resolve(path);
  const st = await statOrUndefined(p);
  if (!st) throw new NotFoundError(`${what} ${path}: no such file`);
  if (st.isDirectory()) throw new ConfigError(`${what} ${path} is a folder, not a file`);
  return p;
}

/**
 * The data folder of a data set that needs files (anything but `synthetic`): --data, else
 * $GATEDRNN_DATA, checked to be a folder. Nothing to check for synthetic data, or when neither is
 * set (the loader then says how to get the data).
 */
export async function checkDataFolder(dataset: string, data: string | undefined): Promise<void> {
  if (data !== undefined && data !== '') { await checkInputFolder(data, '--data'); return; }
  const env = process.env[DATA_ENV];
  if (dataset !== 'synthetic' && env !== undefined && env !== '') await checkInputFolder(env, `$${DATA_ENV}`);
}

/**
 * An output file: checkOutputPath (the extension, the folder exists, is a folder and can be
 * written, the target is not a folder), then the stale temporary files of our atomic writes in
 * that folder removed. Returns the absolute path.
 */
export async function prepareOutputFile(path: string, ext: string, what: string): Promise<string> {
  const p = await checkOutputPath(path, ext, what);
  await removeStaleTemps(dirname(p));
  return p;
}

/**
 * An output folder the command creates if needed (reproduce --out): an existing one must be a
 * folder that can be written; a new one needs its nearest existing parent to be one.
 */
export async function checkOutputFolder(path: string, what: string): Promise<string> {
  const p = resolve(path);
  for (let d = p; ; d = dirname(d)) {
    const st = await statOrUndefined(d);
    if (st) {
      if (!st.isDirectory()) throw new ConfigError(d === p ? `${what} ${path} is a file, not a folder` : `${what} ${path}: ${d} is a file, not a folder`);
      try { await access(d, constants.W_OK | constants.X_OK); } catch {
        throw new ConfigError(d === p ? `${what} ${path}: the folder is not writable` : `${what} ${path}: cannot create it, ${d} is not writable`);
      }
      return p;
    }
    if (dirname(d) === d) throw new NotFoundError(`${what} ${path}: no existing parent folder`);
  }
}
