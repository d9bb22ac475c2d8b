// The live NLL chart: per-epoch training and validation NLL (clean weights) as lines with dots,
// and the running training loss within the epoch as a faint line ahead of them, so that the
// first epoch already shows movement. Drawn on a canvas at the device's pixel ratio; redraws are
// coalesced into one per animation frame.
import type { EpochPoint } from './protocol.js';

const COLORS = { train: '#2f6fdb', valid: '#e0702a', running: 'rgba(47, 111, 219, 0.35)', grid: '#e6e8ee', text: '#5b6270', axis: '#9aa1ad' };

/** Round tick values covering [lo, hi], about `n` of them. */
function ticks(lo: number, hi: number, n: number): number[] {
  const span = hi - lo || 1, raw = span / n, mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.round(v / step) * step);
  return out;
}

export class NllChart {
  private points: EpochPoint[] = [];
  private running: { x: number; y: number }[] = [];
  private epochs = 1;
  private pending = false;

  constructor(private readonly canvas: HTMLCanvasElement) {
    new ResizeObserver(() => this.request()).observe(canvas);
    this.request();
  }

  /** Starts a new run of `epochs` epochs (the x axis). */
  reset(epochs: number): void {
    this.points = [];
    this.running = [];
    this.epochs = Math.max(1, epochs);
    this.request();
  }

  /** The running mean training loss at fractional epoch x (0 = start). */
  addRunning(x: number, y: number): void {
    if (Number.isFinite(y)) this.running.push({ x, y });
    this.request();
  }

  addEpoch(p: EpochPoint): void {
    this.points.push(p);
    this.request();
  }

  get hasData(): boolean { return this.points.length > 0; }

  private request(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => { this.pending = false; this.draw(); });
  }

  private draw(): void {
    const c = this.canvas, dpr = window.devicePixelRatio || 1;
    const w = c.clientWidth, h = c.clientHeight;
    if (w === 0 || h === 0) return;
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) { c.width = Math.round(w * dpr); c.height = Math.round(h * dpr); }
    const g = c.getContext('2d')!;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    g.font = '12px system-ui, sans-serif';

    const pad = { l: 44, r: 12, t: 14, b: 30 };
    const pw = w - pad.l - pad.r, ph = h - pad.t - pad.b;
    // The running loss of epoch 1 starts near 61 nats (an untrained model) and falls fast; once
    // epochs are scored the axis follows them and the running line is clipped at the top.
    const after = this.points.length ? this.points[this.points.length - 1].epoch : 0;
    const run = this.running.filter((r) => r.x >= after - 1e-9);
    const ys = this.points.flatMap((p) => [p.trainNll, p.validNll]).filter(Number.isFinite);
    const runYs = run.map((r) => r.y);
    if (ys.length === 0 && runYs.length === 0) {
      g.fillStyle = COLORS.text;
      g.textAlign = 'center';
      g.fillText('NLL per frame (nats) appears here while training', pad.l + pw / 2, pad.t + ph / 2);
      return;
    }
    let lo = Math.min(...ys, ...runYs), hi = ys.length ? Math.max(...ys) : Math.max(...runYs);
    const margin = (hi - lo) * 0.08 || 0.5;
    lo = Math.max(0, lo - margin);
    hi += margin;
    const X = (e: number) => pad.l + (e / this.epochs) * pw;
    const Y = (v: number) => pad.t + (1 - (Math.min(v, hi) - lo) / (hi - lo)) * ph;

    // grid and axes
    g.strokeStyle = COLORS.grid;
    g.lineWidth = 1;
    g.fillStyle = COLORS.text;
    g.textAlign = 'right';
    g.textBaseline = 'middle';
    for (const v of ticks(lo, hi, 5)) {
      const y = Math.round(Y(v)) + 0.5;
      g.beginPath(); g.moveTo(pad.l, y); g.lineTo(pad.l + pw, y); g.stroke();
      g.fillText(String(+v.toFixed(2)), pad.l - 6, y);
    }
    g.textAlign = 'center';
    g.textBaseline = 'top';
    for (const e of ticks(0, this.epochs, Math.min(this.epochs, 8)).filter((e) => Number.isInteger(e))) {
      g.fillText(String(e), X(e), pad.t + ph + 6);
    }
    g.strokeStyle = COLORS.axis;
    g.beginPath(); g.moveTo(pad.l + 0.5, pad.t); g.lineTo(pad.l + 0.5, pad.t + ph + 0.5); g.lineTo(pad.l + pw, pad.t + ph + 0.5); g.stroke();
    g.textAlign = 'right';
    g.fillText('epoch', pad.l + pw, pad.t + ph + 18);

    g.save();
    g.beginPath(); g.rect(pad.l, pad.t - 2, pw + 2, ph + 4); g.clip();
    // the running loss, only ahead of the last scored epoch
    if (run.length > 1) {
      g.strokeStyle = COLORS.running;
      g.lineWidth = 2;
      g.beginPath();
      run.forEach((r, i) => (i ? g.lineTo(X(r.x), Y(r.y)) : g.moveTo(X(r.x), Y(r.y))));
      g.stroke();
    }
    for (const [key, color] of [['trainNll', COLORS.train], ['validNll', COLORS.valid]] as const) {
      const pts = this.points.filter((p) => Number.isFinite(p[key]));
      g.strokeStyle = color;
      g.fillStyle = color;
      g.lineWidth = 2;
      g.beginPath();
      pts.forEach((p, i) => (i ? g.lineTo(X(p.epoch), Y(p[key])) : g.moveTo(X(p.epoch), Y(p[key]))));
      g.stroke();
      for (const p of pts) { g.beginPath(); g.arc(X(p.epoch), Y(p[key]), p.best && key === 'validNll' ? 4 : 2.5, 0, Math.PI * 2); g.fill(); }
    }
    g.restore();

    // legend
    g.textAlign = 'left';
    g.textBaseline = 'middle';
    let lx = pad.l + 10;
    for (const [label, color] of [['train', COLORS.train], ['valid', COLORS.valid], ['running loss', COLORS.running]] as const) {
      g.fillStyle = color;
      g.fillRect(lx, pad.t + 4, 14, 3);
      g.fillStyle = COLORS.text;
      g.fillText(label, lx + 19, pad.t + 6);
      lx += 19 + g.measureText(label).width + 16;
    }
  }
}
