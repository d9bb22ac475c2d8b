// The progress of `train` and `demo`, kept short: one bar per run on stderr when stderr is a
// terminal (it ends as that run's summary line), one line per epoch on stdout only with
// --verbose, and otherwise nothing while training (the commands print their result lines).
// `reproduce` has its own grid display (reproduce/progress.ts).
import cliProgress from 'cli-progress';
import type { EpochRecord } from '../train/trainer.js';
import { f } from '../report/format.js';

export type ProgressMode = 'bar' | 'epochs' | 'none';

/** --verbose: a line per epoch; else a bar on a terminal; else nothing. */
export function progressMode(verbose: boolean | undefined): ProgressMode {
  if (verbose) return 'epochs';
  return process.stderr.isTTY === true ? 'bar' : 'none';
}

/** x with d decimals, or '—' (the reports' formatter). */
export const fmt = f;

/** The progress of one training run: `epochs` at most, `seconds` of training at most. */
export class RunProgress {
  private readonly bar?: cliProgress.SingleBar;
  private epochsDone = 0;
  private batchFrac = 0;
  private trainSeconds = 0;
  private best = Infinity;
  private last = NaN;

  constructor(label: string, private readonly mode: ProgressMode, private readonly epochs: number, private readonly seconds: number,
    private readonly epochLine: (r: EpochRecord) => string) {
    if (mode === 'bar') {
      this.bar = new cliProgress.SingleBar({
        format: '{label} |{bar}| {info}', barsize: 24, stream: process.stderr, fps: 5, clearOnComplete: false, hideCursor: false, gracefulExit: false,
      }, cliProgress.Presets.shades_classic);
      this.bar.start(1000, 0, { label, info: this.info() });
    }
  }

  private info(): string {
    return `epoch ${this.epochsDone}/${this.epochs} | valid ${fmt(this.last, 3)} | best ${fmt(this.best, 3)} | ${this.trainSeconds.toFixed(1)} s`;
  }

  private fraction(): number {
    const byEpochs = (this.epochsDone + this.batchFrac) / this.epochs;
    const byTime = Number.isFinite(this.seconds) ? this.trainSeconds / this.seconds : 0;
    return Math.min(1, Math.max(byEpochs, byTime));
  }

  /** TrainConfig.onBatch */
  readonly onBatch = (done: number, total: number): void => {
    if (!this.bar) return;
    this.batchFrac = done / total;
    this.bar.update(Math.round(1000 * this.fraction()), { info: this.info() });
  };

  /** TrainConfig.onEpoch */
  readonly onEpoch = (r: EpochRecord): void => {
    this.epochsDone = r.epoch + 1;
    this.batchFrac = 0;
    this.trainSeconds = r.trainSecondsTotal;
    this.last = r.validNll;
    if (r.best) this.best = r.validNll;
    if (this.mode === 'epochs') console.log(this.epochLine(r));
    this.bar?.update(Math.round(1000 * this.fraction()), { info: this.info() });
  };

  /** Ends the bar with `why` (e.g. 'stopped: patience'); call once, also after a failure. */
  stop(why?: string): void {
    if (!this.bar) return;
    this.bar.update(why === undefined ? Math.round(1000 * this.fraction()) : 1000, { info: this.info() + (why ? ` | ${why}` : '') });
    this.bar.stop();
  }
}
