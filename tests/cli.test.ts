// The command line in-process: train → file → eval, and bad arguments give exit codes with
// a typed message instead of a stack trace.
import { describe, it, expect, vi } from 'vitest';
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../bindings/cli/main.js';

function capture() {
  const out: string[] = [], err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a) => { out.push(a.join(' ')); });
  const error = vi.spyOn(console, 'error').mockImplementation((...a) => { err.push(a.join(' ')); });
  const write = vi.spyOn(process.stdout, 'write').mockImplementation(((s: string) => { out.push(String(s)); return true; }) as never);
  return { out, err, restore: () => { log.mockRestore(); error.mockRestore(); write.mockRestore(); } };
}

describe('gatedrnn CLI', () => {
  it('trains, saves atomically and evaluates a model', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatedrnn-cli-'));
    const file = join(dir, 'lstm.safetensors');
    const c = capture();
    try {
      expect(await main(['train', '--unit', 'lstm', '--peepholes', '--hidden', '8', '--epochs', '2', '--batch-size', '16', '--out', file])).toBe(0);
      expect(existsSync(file)).toBe(true);
      expect(await main(['eval', file, '--split', 'valid'])).toBe(0);
    } finally { c.restore(); }
    expect(c.out.join('\n')).toMatch(/best epoch \d+: valid \d+\.\d+/);
    expect(c.out.join('\n')).toMatch(/synthetic valid: \d+\.\d+ nats per frame/);
  });
  it('answers bad input with an exit code and a typed message', async () => {
    const c = capture();
    try {
      expect(await main(['train', '--unit', 'gru', '--hidden', '0'])).toBe(1);
      expect(await main(['eval', join(tmpdir(), 'no-such-model.safetensors')])).toBe(1);
      expect(await main(['train', '--unit', 'relu', '--hidden', '4'])).not.toBe(0);
      expect(await main(['demo', '--dataset', 'jsb', '--data', join(tmpdir(), 'no-data-here')])).toBe(1);
    } finally { c.restore(); }
    const err = c.err.join('\n');
    expect(err).toMatch(/ConfigError \(E_CONFIG\): --hidden must be an integer in 1\.\.8192, got 0/);
    expect(err).toMatch(/NotFoundError/);
  });
});
