// What the fuzz suite runs each input through — the library's own entry points, as a user
// reaches them — and how it judges the outcome. A case passes when the parser returns, or
// throws a GatedRnnError (a typed error with its `code`); anything else thrown (a raw
// RangeError, TypeError, a string, a trap) is an "untyped" failure, and a valid input whose
// parse differs from what it encodes is a "mismatch".
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatedRnnError } from '../../bindings/errors.js';
import { parseModelFile } from '../../bindings/model/file.js';
import { loadPianoRollDataset, loadPianoRollPickle } from '../../bindings/data/load-node.js';
import { midiToNoteSequence } from '../../bindings/data/midi.js';
import { decodeWav } from '../../bindings/io/wav.js';
import { decodeTorchPt } from '../../bindings/io/torch-pt.js';
import type { ParserName } from './generators.js';

/** A scratch folder for the parsers that read files (pickle, json.gz). */
export interface TargetContext { dir: string; dispose(): void }

export function createContext(base = tmpdir()): TargetContext {
  const dir = mkdtempSync(join(base, 'gatedrnn-fuzz-'));
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes a case's file. Removed first: rewriting a file in place (a truncation) makes ext4
 *  flush it, 3 ms a case; a new file costs a twentieth of that. */
function writeCase(path: string, bytes: Uint8Array): void {
  try { unlinkSync(path); } catch { /* absent */ }
  writeFileSync(path, bytes);
}

/** Runs one input through `parser`'s entry point; returns the parse in plain (JSON-able) form. */
export async function runTarget(parser: ParserName, bytes: Uint8Array, ctx: TargetContext): Promise<unknown> {
  switch (parser) {
    case 'safetensors': {
      const r = parseModelFile(bytes);
      return { config: r.config, tensors: r.tensors, ...(r.data !== undefined ? { data: r.data } : {}) };
    }
    case 'pickle': {
      const path = join(ctx.dir, 'piano-roll.pickle');
      writeCase(path, bytes);
      return await loadPianoRollPickle(path, 'fuzz');
    }
    case 'midi':
      return midiToNoteSequence(bytes, 'fuzz.mid');
    case 'jsongz':
      writeCase(join(ctx.dir, 'jsb-chorales.json.gz'), bytes);
      return await loadPianoRollDataset(ctx.dir, 'jsb');
    case 'wav':
      return decodeWav(bytes);
    case 'torchpt': {
      const r = decodeTorchPt(bytes);
      return { tensors: r.tensors, skipped: r.skipped };
    }
  }
}

export type Status = 'ok' | 'typed' | 'untyped' | 'mismatch';

export interface ErrorInfo { name: string; code?: string; message: string; stack?: string }

/** A GatedRnnError with a string code and its class's name; anything else is untyped. */
export function isTyped(e: unknown): e is GatedRnnError {
  return e instanceof GatedRnnError && typeof e.code === 'string' && e.code.length > 0 && e.name === e.constructor.name;
}

export function errorInfo(e: unknown): ErrorInfo {
  if (e instanceof Error) {
    const info: ErrorInfo = { name: e.name, message: e.message.slice(0, 500) };
    const code = (e as Error & { code?: unknown }).code;
    if (typeof code === 'string') info.code = code;
    // the first line of a stack is the message, which can be megabytes (an input echoed back)
    if (e.stack) info.stack = e.stack.split('\n', 8).map((l) => l.slice(0, 300)).join('\n');
    return info;
  }
  return { name: typeof e, message: String(e).slice(0, 500) };
}

/** JSON with sorted keys, typed arrays and Maps as plain arrays and objects; for comparisons. */
export function canonical(v: unknown): string {
  const norm = (x: unknown): unknown => {
    if (ArrayBuffer.isView(x)) return Array.from(x as unknown as ArrayLike<number>);
    if (x instanceof Map) return norm(Object.fromEntries(x));
    if (Array.isArray(x)) return x.map(norm);
    if (x && typeof x === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(x).sort()) Object.defineProperty(out, k, { value: norm((x as Record<string, unknown>)[k]), enumerable: true });
      return out;
    }
    return x;
  };
  return JSON.stringify(norm(v));
}

export interface Outcome {
  status: Status;
  ms: number;
  error?: ErrorInfo;
}

/** Runs one input and judges it; `expected` (valid inputs) is compared as canonical JSON. */
export async function judge(parser: ParserName, bytes: Uint8Array, expected: unknown, ctx: TargetContext): Promise<Outcome> {
  const t0 = performance.now();
  let value: unknown;
  try {
    value = await runTarget(parser, bytes, ctx);
  } catch (e) {
    const ms = performance.now() - t0;
    const error = errorInfo(e);
    if (isTyped(e) && expected !== undefined) return { status: 'mismatch', ms, error: { ...error, message: `a valid input was refused: ${error.message}` } };
    if (isTyped(e)) return { status: 'typed', ms, error };
    return { status: 'untyped', ms, error };
  }
  const ms = performance.now() - t0;
  if (expected !== undefined) {
    const got = canonical(value), want = canonical(expected);
    if (got !== want) return { status: 'mismatch', ms, error: { name: 'Mismatch', message: `parsed ${got.slice(0, 200)} but the input encodes ${want.slice(0, 200)}` } };
  }
  return { status: 'ok', ms };
}
