// The trial grid on a job queue: BullMQ on Redis. `reproduce --queue redis://host:port` is the
// coordinator: every trial still to run becomes one job (its id is the trial's identity, so
// running the command again never adds work twice), and it waits for the results, showing the
// same progress as a local run and writing the output folder itself, exactly as a local run
// does. `gatedrnn worker --queue …` on any machine pulls jobs and runs each trial on a worker
// thread of its own (one WebAssembly instance per concurrent trial), with its own data
// directory: the queue carries trial descriptions, progress, checkpoints and results — data and
// never code — and every job is checked as untrusted input before it runs.
//
// Failures. A worker killed mid-trial stops renewing its job's lock; once the lock expires
// (--lock-seconds) BullMQ's stalled check gives the job to another worker, which resumes it from
// the checkpoint the trial uploaded after its last epoch (Redis key gatedrnn:ckpt:<job id>), so
// the numbers are those of an uninterrupted run. A trial that throws is retried (--attempts in
// all, 2 s apart) and then reported as failed with its error; a job that is not valid (or whose
// data differ from the coordinator's) fails at once, without retries. The coordinator can be
// killed and restarted: it finds the same jobs by id and waits for them (a failed one is
// retried); jobs and their checkpoints are removed once their result is on disk — except a
// successive-halving rung's checkpoint, kept until the draw's longer trial (whose job names it
// in continueFrom) has run, so that trial goes on from it instead of repeating its epochs.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker as ThreadWorker } from 'node:worker_threads';
import { Queue, QueueEvents, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { ConfigError, GatedRnnError, QueueError } from '../../errors.js';
import type { BuildKind } from '../../wasm.js';
import { type TrialContinuation, type TrialData, type TrialResult, type TrialSpec } from '../../experiment/trial.js';
import { canonical, parseJson, toJson } from './plan.js';
import { validateTrialSpec } from './spec-check.js';
import { workerRunner, withWorkers, type TrialRunner } from './pool.js';
import type { TrialProgress } from './progress.js';
import { defaultOptions, type ReproduceOptions } from './options.js';
import { loadReproduceData } from './data.js';

/** The BullMQ queue every coordinator and worker uses (several grids can share it: jobs are
 *  named by their data set, settings and trial). */
export const QUEUE_NAME = 'gatedrnn-trials';
/** The Redis password, read from the environment so that it never shows in a process list. */
export const PASSWORD_ENV = 'GATEDRNN_REDIS_PASSWORD';
const JOB_KIND = 'gatedrnn-trial', JOB_VERSION = 1;
/** Most bytes of one checkpoint kept in Redis (a speech model's is a few MB). */
const MAX_CHECKPOINT_BYTES = 256 * 1024 * 1024;

// ------------------------------------------------------------------------- connection

/** ioredis options from `redis://[user@]host[:port][/db]` or `rediss://…` (TLS, verified
 *  against the system's CAs and NODE_EXTRA_CA_CERTS); the password from $GATEDRNN_REDIS_PASSWORD
 *  (or the URL, which shows in process lists). */
export function redisOptions(url: string, what = '--queue'): RedisOptions & { where: string } {
  let u: URL;
  try { u = new URL(url); } catch { throw new ConfigError(`${what} ${JSON.stringify(url)} is not a URL: give redis://host:port or rediss://host:port`); }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new ConfigError(`${what} ${url}: the scheme must be redis:// or rediss:// (TLS), not ${u.protocol}//`);
  if (!u.hostname) throw new ConfigError(`${what} ${url}: no host`);
  const port = u.port === '' ? 6379 : Number(u.port);
  const db = u.pathname === '' || u.pathname === '/' ? 0 : Number(u.pathname.slice(1));
  if (!Number.isInteger(db) || db < 0 || db > 1e6) throw new ConfigError(`${what} ${url}: the path must be a database number, e.g. /0`);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const password = process.env[PASSWORD_ENV] || (u.password ? decodeURIComponent(u.password) : undefined);
  return {
    where: `${u.protocol}//${host}:${port}/${db}`,
    host, port, db, ...(u.username ? { username: decodeURIComponent(u.username) } : {}), ...(password ? { password } : {}),
    ...(u.protocol === 'rediss:' ? { tls: { servername: host } } : {}),
    maxRetriesPerRequest: null, // BullMQ's workers block on Redis; they must not give up a command
  };
}

/** QueueError in one line when Redis cannot be reached or refuses us (wrong password, …),
 *  before any work starts. */
export async function checkRedis(opts: RedisOptions & { where: string }): Promise<void> {
  const { where, ...o } = opts;
  const c = new Redis({ ...o, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false, connectTimeout: 5000 });
  let cause: Error | undefined; // the socket's error (ECONNREFUSED, ENOTFOUND …): connect() only says it closed
  c.on('error', (e: Error) => { cause ??= e; });
  try {
    await c.connect();
    await c.ping();
  } catch (e) {
    const msg = cause?.message || (e as Error).message || String(e);
    throw new QueueError(`cannot reach Redis at ${where}: ${msg}${/NOAUTH|WRONGPASS/.test(msg) ? ` (set $${PASSWORD_ENV})` : ''}`);
  } finally {
    c.disconnect();
  }
}

/** The options as BullMQ takes them (it types its own, looser, view of ioredis's). */
function connection(opts: RedisOptions & { where: string }): ConnectionOptions & RedisOptions {
  const { where: _w, ...o } = opts;
  return o as ConnectionOptions & RedisOptions;
}

// ------------------------------------------------------------------------- jobs

/** Where a job's data come from: the worker loads the named data set itself (from its own data
 *  directory); synthetic data are generated from these sizes. Never a path. */
export interface JobSource { syntheticTrain?: number; syntheticLength?: [number, number] }

/** A job's payload. `shape` is the data's shape (sequences and steps per split): a worker whose
 *  copy of the data set differs refuses the job instead of computing other numbers. */
export interface TrialJob {
  kind: typeof JOB_KIND;
  version: typeof JOB_VERSION;
  dataset: string;
  spec: TrialSpec;
  source: JobSource;
  shape: DataShape;
  build?: BuildKind;
  /** Successive halving: go on from the last checkpoint of the draw's shorter trial, the job
   *  `job` (trial id `trial`, `epochs` epochs), if the worker finds it and it is a true prefix
   *  (runTrial checks). Not part of the job id: it changes no number. */
  continueFrom?: { job: string; trial: string; epochs: number };
}

/** Sequences and time steps (samples for speech) per split. */
export type DataShape = Record<'train' | 'valid' | 'test', [number, number]>;

export function dataShape(d: TrialData): DataShape {
  const of = (seqs: { length: number }[]): [number, number] => [seqs.length, seqs.reduce((n, s) => n + s.length, 0)];
  const s = d as { train: { length: number }[]; valid: { length: number }[]; test: { length: number }[] };
  return { train: of(s.train), valid: of(s.valid), test: of(s.test) };
}

/** The job id: data set, trial and a hash of everything that decides its numbers. */
export function jobIdOf(job: Pick<TrialJob, 'dataset' | 'spec' | 'source' | 'shape'>): string {
  const h = createHash('sha256').update(canonical({ dataset: job.dataset, spec: job.spec, source: job.source, shape: job.shape })).digest('hex').slice(0, 20);
  return `${job.dataset}.${job.spec.id}.${h}`;
}

const ckptKey = (jobId: string) => `gatedrnn:ckpt:${jobId}`;

const DATASETS = ['jsb', 'nottingham', 'musedata', 'piano-midi', 'synthetic', 'speech'];

/** A job's payload checked as untrusted input: only the fields this library writes, each of its
 *  type and in range (QueueError naming the field). */
export function validateTrialJob(x: unknown): TrialJob {
  const bad = (m: string): never => { throw new QueueError(`invalid trial job: ${m}`); };
  if (!x || typeof x !== 'object' || Array.isArray(x)) bad('not an object');
  const j = x as Record<string, unknown>;
  for (const k of Object.keys(j)) if (!['kind', 'version', 'dataset', 'spec', 'source', 'shape', 'build', 'continueFrom'].includes(k)) bad(`unknown field ${JSON.stringify(k)}`);
  if (j.kind !== JOB_KIND || j.version !== JOB_VERSION) bad(`kind/version must be ${JOB_KIND}/${JOB_VERSION}`);
  if (typeof j.dataset !== 'string' || !DATASETS.includes(j.dataset)) bad(`dataset must be one of ${DATASETS.join(', ')}`);
  let spec: TrialSpec;
  try { spec = validateTrialSpec(j.spec); } catch (e) { return bad((e as Error).message); }
  if (spec!.dataset !== j.dataset) bad(`spec.dataset ${JSON.stringify(spec!.dataset)} is not the job's ${JSON.stringify(j.dataset)}`);
  if ((spec!.task === 'speech') !== (j.dataset === 'speech')) bad('spec.task must be "speech" exactly for the speech data set');
  const s = j.source;
  if (!s || typeof s !== 'object' || Array.isArray(s)) bad('source must be an object');
  const src = s as Record<string, unknown>;
  for (const k of Object.keys(src)) if (k !== 'syntheticTrain' && k !== 'syntheticLength') bad(`source: unknown field ${JSON.stringify(k)}`);
  if (j.dataset === 'synthetic') {
    const n = src.syntheticTrain, len = src.syntheticLength;
    if (!Number.isInteger(n) || (n as number) < 4 || (n as number) > 100_000) bad('source.syntheticTrain must be an integer in 4..100000');
    if (!Array.isArray(len) || len.length !== 2 || !len.every((v) => Number.isInteger(v)) || !(len[0] >= 2 && len[0] <= len[1] && len[1] <= 100_000)) bad('source.syntheticLength must be [min, max] with 2 ≤ min ≤ max ≤ 100000');
  } else if (Object.keys(src).length) bad('source is only for synthetic data');
  const sh = j.shape as Record<string, unknown> | undefined;
  if (!sh || typeof sh !== 'object' || Object.keys(sh).sort().join() !== 'test,train,valid') bad('shape must be { train, valid, test }');
  for (const k of ['train', 'valid', 'test']) {
    const v = sh![k];
    if (!Array.isArray(v) || v.length !== 2 || !v.every((n) => Number.isSafeInteger(n) && n >= 0)) bad(`shape.${k} must be [sequences, steps]`);
  }
  if (j.build !== undefined && j.build !== 'relaxed' && j.build !== 'simd' && j.build !== 'debug') bad('build must be relaxed, simd or debug');
  if (j.continueFrom !== undefined) {
    const c = j.continueFrom as Record<string, unknown>;
    if (!c || typeof c !== 'object' || Array.isArray(c) || Object.keys(c).sort().join() !== 'epochs,job,trial') bad('continueFrom must be { job, trial, epochs }');
    const id = /^[\w.-]{1,300}$/;
    if (typeof c.job !== 'string' || !id.test(c.job) || typeof c.trial !== 'string' || !id.test(c.trial)) bad('continueFrom.job and .trial must be ids (letters, digits, . _ -)');
    if (!Number.isInteger(c.epochs) || (c.epochs as number) < 1 || (c.epochs as number) > spec!.epochs) bad(`continueFrom.epochs must be an integer in 1..${spec!.epochs}`);
  }
  return j as unknown as TrialJob;
}

/** A worker's result checked before the coordinator writes it: a trial result of this very
 *  spec, with a history. */
function checkResult(text: unknown, spec: TrialSpec, id: string): TrialResult {
  if (typeof text !== 'string' || text.length > 64 * 1024 * 1024) throw new QueueError(`job ${id}: the result is not a trial result's JSON`);
  let r: TrialResult;
  try { r = parseJson<TrialResult>(text); } catch { throw new QueueError(`job ${id}: the result is not valid JSON`); }
  if (!r || typeof r !== 'object' || !Array.isArray(r.history) || canonical(r.spec) !== canonical(spec)) throw new QueueError(`job ${id}: the result is not the trial ${spec.id} that was asked for`);
  return r;
}

// ------------------------------------------------------------------------- coordinator

/** The coordinator's side of one data set: a TrialRunner that puts a trial on the queue and
 *  resolves with its result, and `done` to remove a trial's job and checkpoint once its result
 *  is written (also for trials found finished, whose clean-up a killed coordinator missed). */
export interface QueueCoordinator {
  runner: TrialRunner;
  /** Its result is on disk: remove the job, and its checkpoint unless a longer trial of
   *  successive halving will go on from it (then dropCheckpoint, later). */
  done(spec: TrialSpec, keepCheckpoint?: boolean): Promise<void>;
  dropCheckpoint(spec: TrialSpec): Promise<void>;
  close(): Promise<void>;
}

export async function openCoordinator(url: string, dataset: string, data: TrialData, o: ReproduceOptions, continueFrom?: (spec: TrialSpec) => TrialContinuation | undefined): Promise<QueueCoordinator> {
  const opts = redisOptions(url);
  await checkRedis(opts);
  const conn = connection(opts);
  const attempts = o.queueAttempts ?? 3;
  const queue = new Queue(QUEUE_NAME, { connection: conn, defaultJobOptions: { attempts, backoff: { type: 'fixed', delay: 2000 }, removeOnComplete: false, removeOnFail: false } });
  const events = new QueueEvents(QUEUE_NAME, { connection: conn });
  const redis = new Redis(conn);
  for (const c of [queue, events, redis]) (c as { on(e: 'error', f: (e: Error) => void): unknown }).on('error', () => { /* ioredis reconnects; a lost Redis shows as no progress */ });
  // one waitUntilFinished (and its listeners) per trial of the grid at once
  queue.setMaxListeners(0);
  events.setMaxListeners(0);
  await events.waitUntilReady();
  const listening = new Map<string, TrialProgress>();
  events.on('progress', ({ jobId, data }) => relayProgress(listening.get(jobId), data));
  const source: JobSource = dataset === 'synthetic' ? { syntheticTrain: o.syntheticTrain, syntheticLength: [o.syntheticLength[0], o.syntheticLength[1]] } : {};
  const shape = dataShape(data);
  const payload = (spec: TrialSpec): TrialJob => ({ kind: JOB_KIND, version: JOB_VERSION, dataset, spec, source, shape, ...(o.build ? { build: o.build } : {}) });
  const runner: TrialRunner = async (spec, p) => {
    const job = payload(spec), id = jobIdOf(job), from = continueFrom?.(spec);
    if (from?.spec) job.continueFrom = { job: jobIdOf(payload(from.spec)), trial: from.trial, epochs: from.epochs };
    listening.set(id, p);
    try {
      let j: Job | undefined = await queue.getJob(id);
      if (j && (await j.getState()) === 'failed') await j.retry('failed'); // a rerun retries what failed
      if (!j) j = await queue.add('trial', job, { jobId: id });
      try {
        return checkResult(await j.waitUntilFinished(events), spec, id);
      } catch (e) {
        if (e instanceof GatedRnnError) throw e;
        const again = await queue.getJob(id);
        throw new QueueError(`trial ${spec.id} failed on the queue after ${again?.attemptsMade ?? '?'} attempt(s): ${(e as Error).message}`);
      }
    } finally {
      listening.delete(id);
    }
  };
  return {
    runner,
    async done(spec, keepCheckpoint = false) {
      const id = jobIdOf(payload(spec));
      await queue.remove(id).catch(() => { /* already gone */ });
      if (!keepCheckpoint) await redis.del(ckptKey(id));
    },
    async dropCheckpoint(spec) { await redis.del(ckptKey(jobIdOf(payload(spec)))); },
    async close() { await events.close(); await queue.close(); redis.disconnect(); },
  };
}

/** A worker's progress message, checked, to the trial's progress display. */
function relayProgress(p: TrialProgress | undefined, d: unknown): void {
  if (!p || !d || typeof d !== 'object') return;
  const m = d as Record<string, unknown>;
  const ok = (...v: unknown[]) => v.every((x) => typeof x === 'number' && Number.isFinite(x) && x >= 0);
  if (m.type === 'start' && ok(m.epochs, m.batches)) p.start(m.epochs as number, m.batches as number);
  else if (m.type === 'batch' && ok(m.epoch, m.done, m.total)) p.batch(m.epoch as number, m.done as number, m.total as number);
  else if (m.type === 'epoch' && m.record && typeof m.record === 'object' && ok((m.record as { epoch: unknown }).epoch)) {
    p.epoch(parseJson(JSON.stringify(m.record)));
  }
}

// ------------------------------------------------------------------------- worker

export interface QueueWorkerOptions {
  queue: string;
  /** Trials at once, each on its own thread and WebAssembly instance. */
  concurrency: number;
  /** The worker's data directory (default $GATEDRNN_DATA) and download cache. */
  data?: string;
  cache?: string;
  build?: BuildKind;
  /** A job whose lock is not renewed for this long is given to another worker. */
  lockSeconds: number;
  /** The reproduce worker script (default: next to the bundled CLI). */
  workerUrl: URL;
  /** One line per job started and finished (default: console.log). */
  log?: (line: string) => void;
}

/** Runs jobs until SIGINT or SIGTERM. */
export async function runQueueWorker(o: QueueWorkerOptions): Promise<void> {
  const opts = redisOptions(o.queue);
  await checkRedis(opts);
  const conn = connection(opts);
  const log = o.log ?? ((l: string) => console.log(l));
  const name = `${hostname()}:${process.pid}`;
  const scratch = await mkdtemp(join(tmpdir(), 'gatedrnn-worker-'));
  const redis = new Redis(conn);
  redis.on('error', () => { /* reconnects */ });
  const datasets = new Map<string, Promise<TrialData>>();
  const dataFor = (j: TrialJob) => {
    const key = canonical({ dataset: j.dataset, source: j.source });
    if (!datasets.has(key)) {
      const ro = defaultOptions({
        dataset: j.dataset, data: o.data, cache: o.cache, progress: 'none',
        ...(j.source.syntheticTrain !== undefined ? { syntheticTrain: j.source.syntheticTrain } : {}),
        ...(j.source.syntheticLength ? { syntheticLength: j.source.syntheticLength } : {}),
      });
      const p = loadReproduceData(j.dataset, ro);
      p.catch(() => datasets.delete(key)); // a failed load is tried again by the next job
      datasets.set(key, p);
    }
    return datasets.get(key)!;
  };
  await withWorkers(async (active: Set<ThreadWorker>) => {
    const worker = new Worker(QUEUE_NAME, async (job: Job) => {
      let j: TrialJob;
      try { j = validateTrialJob(job.data); } catch (e) { throw new UnrecoverableError((e as Error).message); }
      if (job.id !== jobIdOf(j)) throw new UnrecoverableError(`invalid trial job: its id ${job.id} is not the one its payload gives (${jobIdOf(j)})`);
      const data = await dataFor(j);
      if (canonical(dataShape(data)) !== canonical(j.shape)) {
        throw new UnrecoverableError(`this worker's ${j.dataset} data differ from the coordinator's: ${canonical(dataShape(data))} here, ${canonical(j.shape)} there (sequences, steps per split)`);
      }
      const dir = join(scratch, job.id!);
      await mkdir(dir, { recursive: true });
      const ckPath = join(dir, `${j.spec.id}.safetensors`);
      const saved = await redis.getBuffer(ckptKey(job.id!));
      if (saved) await writeFile(ckPath, saved);
      // successive halving: the shorter trial's last checkpoint, which runTrial uses only if it is a true prefix
      let from: TrialContinuation | undefined;
      const shorter = !saved && j.continueFrom ? await redis.getBuffer(ckptKey(j.continueFrom.job)) : null;
      if (shorter && shorter.length <= MAX_CHECKPOINT_BYTES) {
        from = { path: join(dir, 'continue-from.safetensors'), trial: j.continueFrom!.trial, epochs: j.continueFrom!.epochs };
        await writeFile(from.path, shorter);
      }
      log(`${name} job ${job.id} started${saved ? ' (resuming from its checkpoint)' : from ? ` (going on from ${from.trial})` : ''}`);
      const run = workerRunner(data, o.build ?? j.build, o.workerUrl, active, { checkpointDir: dir, continueFrom: () => from });
      let lastBatch = 0;
      const push = (d: unknown) => { void job.updateProgress(d as object).catch(() => { /* progress is best effort */ }); };
      let upload = Promise.resolve();
      const p: TrialProgress = {
        start: (epochs, batches) => push({ type: 'start', epochs, batches }),
        batch: (epoch, done, total) => { const t = performance.now(); if (done === total || t - lastBatch > 500) { lastBatch = t; push({ type: 'batch', epoch, done, total }); } },
        epoch: (record) => push({ type: 'epoch', record: JSON.parse(toJson(record, 0)) }),
        checkpoint: () => {
          upload = upload.then(async () => {
            const bytes = await readFile(ckPath);
            if (bytes.length <= MAX_CHECKPOINT_BYTES) await redis.set(ckptKey(job.id!), bytes);
          }).catch(() => { /* the next epoch uploads again */ });
        },
        finish: () => { /* the coordinator shows it */ },
      };
      try {
        const r = await run(j.spec, p);
        await upload;
        log(`${name} job ${job.id} done (test NLL ${r.testNll})`);
        return toJson(r, 0);
      } catch (e) {
        log(`${name} job ${job.id} failed: ${(e as Error).message}`);
        throw e;
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }, { connection: conn, concurrency: o.concurrency, lockDuration: o.lockSeconds * 1000, stalledInterval: o.lockSeconds * 1000, maxStalledCount: 20, name });
    worker.on('error', () => { /* connection trouble: ioredis reconnects */ });
    log(`${name} waiting for trials on ${opts.where} (${o.concurrency} at a time)`);
    await new Promise<void>((stop) => {
      const quit = () => { stop(); };
      process.once('SIGINT', quit);
      process.once('SIGTERM', quit);
    });
    for (const t of active) void t.terminate();
    await worker.close(true);
  });
  redis.disconnect();
  await rm(scratch, { recursive: true, force: true });
}
