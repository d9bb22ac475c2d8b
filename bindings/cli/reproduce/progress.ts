// Progress of a grid on stderr: a bar per running trial and one for the grid (on a terminal),
// or one line per finished trial (otherwise), or with --progress log (--verbose) one log line
// per start, epoch and finish, or nothing.
import cliProgress from 'cli-progress';
import type { TrialSpec, TrialResult, TrialEpoch } from '../../experiment/trial.js';
import type { ReproduceOptions } from './options.js';

/** What a running trial reports. */
export interface TrialProgress {
  epoch(e: TrialEpoch): void;
  batch(epoch: number, done: number, total: number): void;
  start(epochs: number, batches: number): void;
  finish(r: TrialResult | undefined, error?: string): void;
  /** The trial's checkpoint of `epochs` finished epochs is on disk (a queue worker uploads it). */
  checkpoint?(epochs: number): void;
}

/** The progress of one data set's grid: `total` trials of which `skipped` finished before. */
export class Progress {
  private readonly multi?: cliProgress.MultiBar;
  private readonly overall?: cliProgress.SingleBar;
  private readonly log: boolean;
  /** Only the finish line of each trial (auto mode, not on a terminal). */
  private readonly brief: boolean;
  private readonly t0 = performance.now();
  private finished = 0;
  private finishedSeconds = 0;
  private readonly running = new Map<string, number>(); // id → start time

  constructor(private readonly dataset: string, private readonly total: number, private readonly skipped: number, private readonly workers: number, mode: ReproduceOptions['progress']) {
    const tty = process.stderr.isTTY === true;
    const bars = mode === 'bars' || (mode === 'auto' && tty);
    this.log = mode === 'log';
    this.brief = mode === 'auto' && !tty;
    if (bars) {
      this.multi = new cliProgress.MultiBar({
        format: '{name} |{bar}| {info}', barsize: 24, hideCursor: true, clearOnComplete: false, stopOnComplete: false,
        autopadding: true, etaBuffer: 20, fps: 5,
      }, cliProgress.Presets.shades_classic);
      this.overall = this.multi.create(total, skipped, { name: `${dataset} grid`.padEnd(22), info: this.overallInfo() });
    }
  }

  private overallInfo(): string {
    const done = this.skipped + this.finished;
    const elapsed = (performance.now() - this.t0) / 1000;
    let eta = 'ETA estimating…';
    if (this.finished > 0) {
      const per = this.finishedSeconds / this.finished;
      const now = performance.now();
      const runningLeft = [...this.running.values()].reduce((a, t) => a + Math.max(0, per - (now - t) / 1000), 0);
      const queued = this.total - done - this.running.size;
      eta = `ETA ${fmtDuration((queued * per + runningLeft) / Math.max(1, this.workers))}`;
    }
    return `${done}/${this.total} trials (${this.skipped} from before) | ${fmtDuration(elapsed)} | ${eta}`;
  }

  private say(s: string): void {
    if (this.log) process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${s}\n`);
  }

  trial(spec: TrialSpec): TrialProgress {
    this.running.set(spec.id, performance.now());
    const name = `${spec.id}`.padEnd(22);
    const bar = this.multi?.create(1, 0, { name, info: `lr ${spec.lr.toExponential(1)} starting` });
    let epochs = spec.epochs, batches = 1, best = Infinity, last = NaN, ep = 0;
    const info = () => `lr ${spec.lr.toExponential(1)} | epoch ${ep}/${epochs} | valid ${fmtN(last)} | best ${fmtN(best)}`;
    this.say(`start ${this.dataset}/${spec.id} lr ${spec.lr.toExponential(3)}`);
    return {
      start: (e, b) => { epochs = e; batches = b; bar?.setTotal(e * b); bar?.update(0, { info: info() }); },
      batch: (epoch, done) => { bar?.update(epoch * batches + done, { info: info() }); this.overall?.update({ info: this.overallInfo() }); },
      epoch: (r) => {
        ep = r.epoch + 1; last = r.validNll; best = Math.min(best, r.validNll);
        bar?.update(ep * batches, { info: info() });
        this.say(`${this.dataset}/${spec.id} epoch ${ep}: train ${fmtN(r.trainNll)} valid ${fmtN(r.validNll)}${r.best ? ' *' : ''} (${r.trainSeconds.toFixed(1)} s)`);
      },
      finish: (r, error) => {
        const started = this.running.get(spec.id)!;
        this.running.delete(spec.id);
        if (r) { this.finished++; this.finishedSeconds += (performance.now() - started) / 1000; }
        if (bar) { this.multi!.remove(bar); }
        const msg = r
          ? `done  ${this.dataset}/${spec.id} lr ${spec.lr.toExponential(2)}: valid ${fmtN(r.bestValidNll)} test ${fmtN(r.testNll)} after ${r.history.length} epochs (${r.stopped}, ${r.seconds.toFixed(0)} s)`
          : `FAILED ${this.dataset}/${spec.id}: ${error}`;
        if (this.multi) this.multi.log(msg + '\n');
        if (this.brief) process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
        this.say(msg);
        this.overall?.update(this.skipped + this.finished, { info: this.overallInfo() });
      },
    };
  }

  /** Ends the bars (call once, also after a failure). */
  stop(): void { this.multi?.stop(); }
}

function fmtN(x: number): string { return Number.isFinite(x) ? x.toFixed(3) : '—'; }

/** Seconds as `1h05m`, `3m07s` or `42s`. */
export function fmtDuration(s: number): string {
  if (!Number.isFinite(s)) return '—';
  s = Math.round(s);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}
