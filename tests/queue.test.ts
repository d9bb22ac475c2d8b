// `reproduce --queue` on a real Redis (Debian's redis-server, started here on a free port) with
// two `gatedrnn worker` processes: one worker is SIGKILLed mid-trial (after its trial uploaded a
// checkpoint) and the coordinator is SIGKILLed and restarted; every trial still finishes exactly
// once, the killed one resumed from its checkpoint, and the trial files equal a local run's for
// the same seeds. Then the failures: Redis unreachable, a hostile job, a trial that throws.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { defaultOptions, reproduce, type ReproduceOptions } from '../bindings/cli/reproduce/index.js';
import { jobIdOf, QUEUE_NAME, type TrialJob } from '../bindings/cli/reproduce/queue.js';
import { planTrials } from '../bindings/cli/reproduce/plan.js';
import { dataDir, inCI } from './helpers/env.js';
import { bundleCli } from './helpers/bundle.js';

const REDIS_SERVER = process.env.GATEDRNN_REDIS_SERVER ?? '/usr/bin/redis-server';
const haveRedis = existsSync(REDIS_SERVER);
if (!haveRedis) {
  if (inCI) throw new Error(`GATEDRNN_CI is set but ${REDIS_SERVER} is missing (apt-get install redis-server)`);
  console.warn(`[skip] queue tests: need ${REDIS_SERVER} (apt-get install redis-server)`);
}

let tmp = '', port = 0, url = '', redisProc: ChildProcess | undefined, redis: Redis;

const freePort = () => new Promise<number>((ok) => {
  const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => ok(p)); });
});

interface Child { proc: ChildProcess; out: string[]; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> }

function start(script: string, args: string[], env: Record<string, string> = {}): Child {
  const proc = spawn(process.execPath, [join(tmp, 'dist', script), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const out: string[] = [];
  let buf = '';
  const take = (d: Buffer) => { buf += d; const lines = buf.split('\n'); buf = lines.pop()!; out.push(...lines); };
  proc.stdout!.on('data', take);
  proc.stderr!.on('data', take);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => proc.once('exit', (code, signal) => r({ code, signal })));
  return { proc, out, exited };
}

const until = async (what: string, ok: () => boolean | Promise<boolean>, ms = 120_000) => {
  const t0 = Date.now();
  while (!(await ok())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

beforeAll(async () => {
  if (!haveRedis) return;
  tmp = await bundleCli('gatedrnn-queue-');
  port = await freePort();
  url = `redis://127.0.0.1:${port}`;
  redisProc = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  redis = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: null });
  redis.on('error', () => { /* until it is up */ });
  await until('redis-server', async () => { try { await redis.connect(); return (await redis.ping()) === 'PONG'; } catch { return false; } }, 20_000);
}, 180_000);
afterAll(async () => {
  redis?.disconnect();
  redisProc?.kill('SIGKILL');
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** 3 units × 2 draws of a small synthetic grid. */
const grid = (out: string, over: Partial<ReproduceOptions> = {}): ReproduceOptions => defaultOptions({
  dataset: 'synthetic', out, trials: 2, epochs: 6, patience: 6, batchSize: 4, workers: 1,
  hidden: { tanh: 10, gru: 8, lstm: 7 }, syntheticTrain: 100, syntheticLength: [20, 40],
  progress: 'none', workerUrl: pathToFileURL(join(tmp, 'dist', 'reproduce-worker.js')).href, command: 'queue test grid', cache: join(tmp, 'no-cache'), ...over,
});

/** A trial file without what differs between runs (clocks; whether it was resumed). */
const untimed = (json: string) => {
  const r = JSON.parse(json);
  for (const k of ['seconds', 'startedAt', 'finishedAt', 'resumedAfterEpoch']) delete r[k];
  for (const h of r.history) { delete h.trainSeconds; delete h.elapsed; delete h.trainSecondsTotal; }
  return r;
};

describe.skipIf(!haveRedis)('reproduce on a BullMQ queue with two workers', () => {
  it('finishes every trial once despite a killed worker and a killed coordinator, with the local run\'s numbers', async () => {
    const refOut = join(tmp, 'local');
    await reproduce(grid(refOut));
    const names = (await readdir(join(refOut, 'synthetic', 'trials'))).sort();
    expect(names).toHaveLength(6);

    const empty = join(tmp, 'empty-data');
    await mkdir(empty, { recursive: true });
    const workerArgs = ['worker', '--queue', url, '--lock-seconds', '2', '--cache', join(tmp, 'no-cache')];
    const env = { GATEDRNN_DATA: empty };
    const a = start('cli.mjs', workerArgs, env), b = start('cli.mjs', workerArgs, env);
    await until('both workers', () => [a, b].every((w) => w.out.some((l) => l.includes('waiting for trials'))));

    const out = join(tmp, 'queued');
    const opts = JSON.stringify(grid(out, { queue: url }));
    let coord = start('reproduce.mjs', [opts]);
    // kill worker a once a trial it runs has uploaded a checkpoint (it is mid-trial)
    let victim = '';
    await until('a mid-trial checkpoint on worker a', async () => {
      const started = a.out.filter((l) => / started/.test(l)).map((l) => /job (\S+) started/.exec(l)![1]);
      const done = new Set(a.out.filter((l) => / done /.test(l)).map((l) => /job (\S+) done/.exec(l)![1]));
      for (const id of started) if (!done.has(id) && (await redis.exists(`gatedrnn:ckpt:${id}`))) { victim = id; return true; }
      return false;
    });
    a.proc.kill('SIGKILL');
    await a.exited;
    // then the coordinator, once at least one trial file is written, and start it again
    const files = async () => (await readdir(join(out, 'synthetic', 'trials')).catch(() => [] as string[])).filter((f) => f.endsWith('.json'));
    await until('a first result', async () => (await files()).length >= 1);
    coord.proc.kill('SIGKILL');
    await coord.exited;
    coord = start('reproduce.mjs', [opts]);
    const end = await coord.exited;
    expect(end.code, coord.out.join('\n')).toBe(0);

    expect((await files()).sort()).toEqual(names);
    for (const n of names) {
      const [ref, got] = await Promise.all([readFile(join(refOut, 'synthetic', 'trials', n), 'utf8'), readFile(join(out, 'synthetic', 'trials', n), 'utf8')]);
      expect(untimed(got), n).toEqual(untimed(ref));
    }
    // the killed worker's trial went on from its checkpoint on the other worker
    const resumed = b.out.filter((l) => l.includes(`job ${victim} started (resuming from its checkpoint)`));
    expect(resumed, b.out.join('\n')).toHaveLength(1);
    const victimSpec = names.find((n) => victim.includes(`.${n.replace(/\.json$/, '')}.`))!;
    expect(JSON.parse(await readFile(join(out, 'synthetic', 'trials', victimSpec), 'utf8')).resumedAfterEpoch).toBeGreaterThanOrEqual(1);
    // every trial was finished exactly once (by a or b), and nothing is left on the queue
    const doneIds = [...a.out, ...b.out].filter((l) => / done /.test(l)).map((l) => /job (\S+) done/.exec(l)![1]);
    expect(doneIds.length, [...a.out, ...b.out].join('\n')).toBe(6);
    expect(new Set(doneIds).size).toBe(6);
    expect(await redis.keys('gatedrnn:ckpt:*')).toEqual([]);
    const q = new Queue(QUEUE_NAME, { connection: { host: '127.0.0.1', port, maxRetriesPerRequest: null } });
    const counts = await q.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed');
    await q.close();
    expect(counts).toEqual({ waiting: 0, active: 0, completed: 0, failed: 0, delayed: 0 });
    b.proc.kill('SIGTERM');
    expect((await b.exited).code).toBe(0);
  }, 300_000);

  it('successive halving on the queue: the survivors go on from their rung\'s checkpoint, with the local run\'s numbers', async () => {
    const over = { trials: 6, units: ['gru'], schedule: 'halving' } as const; // 6 draws at 2 epochs, the best 2 at 6
    const refOut = join(tmp, 'halving-local');
    await reproduce(grid(refOut, over));
    const names = (await readdir(join(refOut, 'synthetic', 'trials'))).sort();
    expect(names).toHaveLength(8);
    await mkdir(join(tmp, 'empty-data'), { recursive: true });
    const w = start('cli.mjs', ['worker', '--queue', url, '--cache', join(tmp, 'no-cache')], { GATEDRNN_DATA: join(tmp, 'empty-data') });
    await until('the worker', () => w.out.some((l) => l.includes('waiting for trials')));
    const out = join(tmp, 'halving-queued');
    const coord = start('reproduce.mjs', [JSON.stringify(grid(out, { ...over, queue: url }))]);
    expect((await coord.exited).code, coord.out.join('\n')).toBe(0);
    for (const n of names) {
      const [ref, got] = await Promise.all([readFile(join(refOut, 'synthetic', 'trials', n), 'utf8'), readFile(join(out, 'synthetic', 'trials', n), 'utf8')]);
      expect(untimed(got), n).toEqual(untimed(ref));
    }
    const going = w.out.filter((l) => / started \(going on from gru-seed1-trial\d-rung0\)/.test(l));
    expect(going, w.out.join('\n')).toHaveLength(2);
    for (const n of names.filter((x) => !x.includes('rung'))) expect(JSON.parse(await readFile(join(out, 'synthetic', 'trials', n), 'utf8')).continuedFrom.epochs).toBe(2);
    expect(await redis.keys('gatedrnn:ckpt:*')).toEqual([]);
    w.proc.kill('SIGTERM');
    expect((await w.exited).code).toBe(0);
  }, 300_000);

  it('refuses a hostile job at once and retries a trial that throws, then reports it failed', async () => {
    const empty = join(tmp, 'empty-data-2');
    await mkdir(empty, { recursive: true });
    const w = start('cli.mjs', ['worker', '--queue', url, '--lock-seconds', '2', '--cache', join(tmp, 'no-cache')], { GATEDRNN_DATA: empty });
    await until('the worker', () => w.out.some((l) => l.includes('waiting for trials')));
    const q = new Queue(QUEUE_NAME, { connection: { host: '127.0.0.1', port, maxRetriesPerRequest: null } });
    try {
      const evil = await q.add('trial', { kind: 'gatedrnn-trial', version: 1, dataset: 'jsb', spec: { id: 'x', code: 'process.exit()' } }, { jobId: 'evil-1', attempts: 3 });
      // a valid job for a data set this worker does not have: it throws (NotFoundError) each time
      const spec = planTrials('jsb', defaultOptions({ dataset: 'jsb', trials: 1, units: ['gru'], epochs: 1 }))[0];
      const job: TrialJob = { kind: 'gatedrnn-trial', version: 1, dataset: 'jsb', spec, source: {}, shape: { train: [1, 1], valid: [1, 1], test: [1, 1] } };
      const missing = await q.add('trial', job, { jobId: jobIdOf(job), attempts: 2, backoff: { type: 'fixed', delay: 100 } });
      await until('both jobs failed', async () => (await evil.getState()) === 'failed' && (await missing.getState()) === 'failed', 60_000);
      const [e, m] = await Promise.all([q.getJob('evil-1'), q.getJob(jobIdOf(job))]);
      expect(e!.failedReason).toMatch(/invalid trial job: spec: unknown field "code"/);
      expect(e!.attemptsMade).toBe(1); // not retried
      expect(m!.failedReason).toMatch(/data set "jsb"/);
      expect(m!.attemptsMade).toBe(2);
      await q.obliterate({ force: true });
    } finally {
      await q.close();
      w.proc.kill('SIGTERM');
      await w.exited;
    }
  }, 120_000);

  it('the coordinator reports a trial that keeps throwing as failed, with its error (exit code 1)', async () => {
    const data = dataDir(); // the coordinator reads JSB; the worker below has no data at all
    if (!data) return;
    const empty = join(tmp, 'empty-data-3');
    await mkdir(empty, { recursive: true });
    const w = start('cli.mjs', ['worker', '--queue', url, '--lock-seconds', '2', '--cache', join(tmp, 'no-cache')], { GATEDRNN_DATA: empty });
    await until('the worker', () => w.out.some((l) => l.includes('waiting for trials')));
    try {
      const c = start('cli.mjs', ['reproduce', '--dataset', 'jsb', '--data', data, '--units', 'gru', '--trials', '1', '--epochs', '1', '--attempts', '2', '--progress', 'none', '--queue', url, '--out', join(tmp, 'failing')]);
      const r = await c.exited;
      expect(r.code, c.out.join('\n')).toBe(1);
      expect(c.out.join('\n')).toMatch(/TrialFailedError.*1 trial\(s\) failed.*gru-seed1-trial0: QueueError: trial gru-seed1-trial0 failed on the queue after 2 attempt\(s\): data set "jsb"/);
    } finally {
      w.proc.kill('SIGTERM');
      await w.exited;
      const q = new Queue(QUEUE_NAME, { connection: { host: '127.0.0.1', port, maxRetriesPerRequest: null } });
      await q.obliterate({ force: true });
      await q.close();
    }
  }, 120_000);

  it('Redis unreachable: one typed line, exit code 1, before any work', async () => {
    const closed = await freePort();
    for (const args of [['reproduce', '--dataset', 'synthetic', '--queue', `redis://127.0.0.1:${closed}`, '--out', join(tmp, 'never')], ['worker', '--queue', `redis://127.0.0.1:${closed}`]]) {
      const c = start('cli.mjs', args);
      const r = await c.exited;
      expect(r.code, c.out.join('\n')).toBe(1);
      expect(c.out.filter((l) => l.trim())).toEqual([expect.stringMatching(new RegExp(`^gatedrnn: QueueError \\(E_QUEUE\\): cannot reach Redis at redis://127\\.0\\.0\\.1:${closed}/0: .*ECONNREFUSED`))]);
    }
    expect(existsSync(join(tmp, 'never'))).toBe(false);
    const bad = start('cli.mjs', ['reproduce', '--queue', 'http://x', '--out', join(tmp, 'never')]);
    expect((await bad.exited).code).toBe(1);
    expect(bad.out.join('\n')).toMatch(/ConfigError \(E_CONFIG\): --queue http:\/\/x: the scheme must be redis:\/\/ or rediss:\/\//);
  }, 60_000);
});
