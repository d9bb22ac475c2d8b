// Parsers of command-line values, shared by every command. Each takes the text commander got
// and returns the value or throws commander's InvalidArgumentError (commander then prints the
// message and exits with code 1). The rules are strict: an empty or blank value is an error,
// never 0 (which is what Number('') and Number(' ') would give).
import { InvalidArgumentError } from 'commander';

function blank(v: string): boolean { return v.trim() === ''; }

/** A non-negative integer: `--epochs 60`. */
export function int(v: string): number {
  const n = Number(v);
  if (blank(v) || !Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`'${v}' is not a non-negative integer`);
  return n;
}

/** A finite number: `--lr 1e-3`. */
export function num(v: string): number {
  const n = Number(v);
  if (blank(v) || !Number.isFinite(n)) throw new InvalidArgumentError(`'${v}' is not a number`);
  return n;
}

/** Comma-separated non-negative integers: `--seeds 1,2,3`. */
export function intList(v: string): number[] {
  return v.split(',').map((s) => int(s.trim()));
}

/** Comma-separated names, trimmed and lower-cased: `--units tanh,GRU`. */
export function nameList(v: string): string[] {
  const names = v.split(',').map((s) => s.trim().toLowerCase());
  if (names.some((s) => s === '')) throw new InvalidArgumentError(`'${v}' has an empty name`);
  return names;
}

/** Sizes by unit key: `--hidden tanh=100,gru=46` (also `tanh:100`). */
export function hiddenList(v: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of v.split(',')) {
    const m = /^\s*(\w+)\s*[=:]\s*(\d+)\s*$/.exec(part);
    if (!m) throw new InvalidArgumentError(`'${part}' is not unit=size (e.g. tanh=100,gru=46,lstm=36)`);
    out[m[1]] = Number(m[2]);
  }
  return out;
}

/** An integer range `min,max` (or `min..max`) with min ≤ max. */
export function range(v: string): [number, number] {
  const m = /^\s*(\d+)\s*(?:,|\.\.)\s*(\d+)\s*$/.exec(v);
  if (!m) throw new InvalidArgumentError(`'${v}' is not min,max`);
  const r: [number, number] = [Number(m[1]), Number(m[2])];
  if (r[0] > r[1]) throw new InvalidArgumentError(`'${v}': min ${r[0]} is above max ${r[1]}`);
  return r;
}

/** A pair of numbers `min,max` with min < max (e.g. `-12,-6`). */
export function numPair(v: string): [number, number] {
  const parts = v.split(',');
  if (parts.length !== 2) throw new InvalidArgumentError(`'${v}' is not min,max`);
  const r = parts.map((p) => num(p.trim())) as [number, number];
  if (!(r[0] < r[1])) throw new InvalidArgumentError(`'${v}': min ${r[0]} is not below max ${r[1]}`);
  return r;
}
