// The shared command-line parsers (bindings/cli/parse.ts): strict about empty and blank values
// (Number('') is 0, which must not pass as a value), and every rejection is commander's
// InvalidArgumentError, so commander reports it and exits with code 1.
import { describe, it, expect } from 'vitest';
import { InvalidArgumentError } from 'commander';
import { int, num, intList, nameList, hiddenList, range } from '../bindings/cli/parse.js';
import { main } from '../bindings/cli/main.js';

describe('command-line parsers', () => {
  it('int takes non-negative integers and rejects empty, blank, negative, fractional and non-numeric values', () => {
    expect(int('0')).toBe(0);
    expect(int('60')).toBe(60);
    expect(int(' 7 ')).toBe(7);
    for (const bad of ['', ' ', '\t', '-1', '1.5', 'ten', 'NaN', 'Infinity']) {
      expect(() => int(bad), JSON.stringify(bad)).toThrow(InvalidArgumentError);
    }
    expect(() => int('')).toThrow(/'' is not a non-negative integer/);
  });

  it('num takes finite numbers and rejects empty, blank and non-finite values', () => {
    expect(num('1e-3')).toBe(1e-3);
    expect(num('-0.5')).toBe(-0.5);
    expect(num('0')).toBe(0);
    for (const bad of ['', ' ', '  \n', 'x', 'NaN', 'Infinity', '-Infinity', '1,5']) {
      expect(() => num(bad), JSON.stringify(bad)).toThrow(InvalidArgumentError);
    }
    expect(() => num(' ')).toThrow(/' ' is not a number/);
  });

  it('intList splits on commas and rejects an empty item', () => {
    expect(intList('1')).toEqual([1]);
    expect(intList('1, 2,3')).toEqual([1, 2, 3]);
    for (const bad of ['', '1,,2', '1,', '1,x', '1,-2']) expect(() => intList(bad), bad).toThrow(InvalidArgumentError);
  });

  it('nameList trims and lower-cases, and rejects an empty name', () => {
    expect(nameList('tanh, GRU,lstm')).toEqual(['tanh', 'gru', 'lstm']);
    for (const bad of ['', 'gru,', ' , ']) expect(() => nameList(bad), bad).toThrow(InvalidArgumentError);
  });

  it('hiddenList reads unit=size (or unit:size) pairs', () => {
    expect(hiddenList('tanh=100, gru:46,lstm = 36')).toEqual({ tanh: 100, gru: 46, lstm: 36 });
    for (const bad of ['', 'lstm', 'lstm=', 'lstm=x', 'lstm=-3', 'lstm=1.5', 'tanh=1,']) expect(() => hiddenList(bad), bad).toThrow(InvalidArgumentError);
  });

  it('range reads min,max or min..max with min ≤ max', () => {
    expect(range('30,120')).toEqual([30, 120]);
    expect(range(' 5..5 ')).toEqual([5, 5]);
    for (const bad of ['', '30', '30,', 'a,b', '120,30', '1,2,3']) expect(() => range(bad), bad).toThrow(InvalidArgumentError);
  });

  it('the commands refuse an empty number instead of reading it as 0', async () => {
    const err = console.error;
    const write = process.stderr.write;
    let said = '';
    process.stderr.write = ((s: string) => { said += s; return true; }) as never;
    console.error = (...a: unknown[]) => { said += a.join(' ') + '\n'; };
    try {
      // exit code 1 is commander's for a bad option value; the message says it was the parser
      expect(await main(['train', '--unit', 'gru', '--hidden', ''])).toBe(1);
      expect(said).toMatch(/'--hidden <n>' argument '' is invalid\. '' is not a non-negative integer/);
      expect(await main(['demo', '--seconds', ' '])).toBe(1);
      expect(said).toMatch(/'--seconds <s>' argument ' ' is invalid\. ' ' is not a number/);
      expect(await main(['reproduce', '--epochs', ''])).toBe(1);
      expect(await main(['reproduce', '--clip', ' '])).toBe(1);
      expect(said).toMatch(/'--clip <x>' argument ' ' is invalid/);
      expect(said).not.toMatch(/ConfigError/);
    } finally {
      console.error = err;
      process.stderr.write = write;
    }
  });
});
