// Where tests find what lives outside the repository, and whether they may skip without it.
// In CI (.ci/run sets GATEDRNN_CI=1) nothing may be skipped: a missing data set or PyTorch is
// a failure, not a skip.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';

export const inCI = process.env.GATEDRNN_CI === '1';

/** The data directory (GATEDRNN_DATA) if it holds the music sets, else undefined (and in CI: throws). */
export function dataDir(): string | undefined {
  const dir = process.env.GATEDRNN_DATA;
  const ok = !!dir && existsSync(join(dir, 'jsb-chorales.json.gz'));
  if (!ok && inCI) throw new Error(`GATEDRNN_CI is set but GATEDRNN_DATA (${dir}) does not hold the data sets`);
  if (!ok) console.warn(`[skip] real-data tests: set GATEDRNN_DATA to the folder holding jsb-chorales.json.gz (now: ${dir ?? 'unset'})`);
  return ok ? dir : undefined;
}

/** The speech folder ($GATEDRNN_DATA/speech) if it holds index.json, else undefined (and in CI: throws). */
export function speechDir(): string | undefined {
  const dir = process.env.GATEDRNN_DATA;
  const speech = dir ? join(dir, 'speech') : undefined;
  const ok = !!speech && existsSync(join(speech, 'index.json'));
  if (!ok && inCI) throw new Error(`GATEDRNN_CI is set but GATEDRNN_DATA (${dir}) has no speech/index.json`);
  if (!ok) console.warn(`[skip] real speech tests: set GATEDRNN_DATA to the folder holding speech/index.json (now: ${dir ?? 'unset'})`);
  return ok ? speech : undefined;
}

/** /usr/bin/python3 with torch importable, else undefined (and in CI: throws). */
export function torchPython(): string | undefined {
  const py = process.env.GATEDRNN_TORCH_PYTHON ?? '/usr/bin/python3';
  let ok = false;
  try { execFileSync(py, ['-c', 'import torch'], { stdio: 'ignore' }); ok = true; } catch { ok = false; }
  if (!ok && inCI) throw new Error(`GATEDRNN_CI is set but ${py} cannot import torch (apt-get install python3-torch)`);
  if (!ok) console.warn(`[skip] PyTorch tests: ${py} cannot import torch (install Debian's python3-torch)`);
  return ok ? py : undefined;
}
