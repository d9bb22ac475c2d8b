// The piano-roll picture of a sample: time to the right, pitch up, a bar per note (a run of
// consecutive steps in which the note sounds, as the MIDI writer and the synth treat it), the
// black keys shaded, C's labelled, the primer (if any) tinted, and a playhead while it plays.
import type { NoteSequence } from '../bindings/data/pianoroll.js';

export interface NoteRun { note: number; start: number; end: number }

/** Notes as runs of consecutive steps [start, end). */
export function noteRuns(seq: NoteSequence): NoteRun[] {
  const runs: NoteRun[] = [], open = new Map<number, number>();
  for (let t = 0; t <= seq.length; t++) {
    const now = new Set(t < seq.length ? seq[t] : []);
    for (const [note, start] of open) if (!now.has(note)) { runs.push({ note, start, end: t }); open.delete(note); }
    for (const n of now) if (!open.has(n)) open.set(n, t);
  }
  return runs.sort((a, b) => a.start - b.start || a.note - b.note);
}

const BLACK = new Set([1, 3, 6, 8, 10]);
const NAMES = ['C', 'C♯', 'D', 'D♯', 'E', 'F', 'F♯', 'G', 'G♯', 'A', 'A♯', 'B'];

export class PianoRoll {
  private seq: NoteSequence = [];
  private runs: NoteRun[] = [];
  private primer = 0;
  private playhead = -1;
  private pending = false;

  constructor(private readonly canvas: HTMLCanvasElement) {
    new ResizeObserver(() => this.request()).observe(canvas);
    this.request();
  }

  show(seq: NoteSequence, primerFrames = 0): void {
    this.seq = seq;
    this.runs = noteRuns(seq);
    this.primer = primerFrames;
    this.playhead = -1;
    this.request();
  }

  /** The playhead at a fractional step, or −1 to hide it. */
  setPlayhead(step: number): void {
    this.playhead = step;
    this.request();
  }

  get empty(): boolean { return this.seq.length === 0; }

  private request(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => { this.pending = false; this.draw(); });
  }

  private draw(): void {
    const c = this.canvas, dpr = window.devicePixelRatio || 1, w = c.clientWidth, h = c.clientHeight;
    if (w === 0 || h === 0) return;
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) { c.width = Math.round(w * dpr); c.height = Math.round(h * dpr); }
    const g = c.getContext('2d')!;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    g.font = '11px system-ui, sans-serif';
    if (this.seq.length === 0) {
      g.fillStyle = '#5b6270';
      g.textAlign = 'center';
      g.textBaseline = 'middle';
      g.fillText('a sample appears here', w / 2, h / 2);
      return;
    }
    let lo = Infinity, hi = -Infinity;
    for (const r of this.runs) { lo = Math.min(lo, r.note); hi = Math.max(hi, r.note); }
    if (!Number.isFinite(lo)) { lo = 60; hi = 72; }
    // at least two octaves, centred on what is played
    const spanMin = 24;
    if (hi - lo + 1 < spanMin) { const extra = spanMin - (hi - lo + 1); lo -= Math.floor(extra / 2); hi += Math.ceil(extra / 2); }
    lo -= 1; hi += 1;
    const left = 30, keys = hi - lo + 1, rowH = h / keys, colW = (w - left) / this.seq.length;
    const Y = (n: number) => (hi - n) * rowH;

    for (let n = lo; n <= hi; n++) {
      g.fillStyle = BLACK.has(((n % 12) + 12) % 12) ? '#eef0f5' : '#fafbfc';
      g.fillRect(left, Y(n), w - left, rowH);
      if (n % 12 === 0) {
        g.fillStyle = '#d6d9e0';
        g.fillRect(left, Y(n) + rowH - 1, w - left, 1);
        g.fillStyle = '#5b6270';
        g.textAlign = 'right';
        g.textBaseline = 'middle';
        if (rowH * 3 > 10 && Y(n) + rowH / 2 > 6) g.fillText(`${NAMES[0]}${n / 12 - 1}`, left - 4, Y(n) + rowH / 2);
      }
    }
    if (this.primer > 0) {
      g.fillStyle = 'rgba(120, 130, 150, 0.12)';
      g.fillRect(left, 0, this.primer * colW, h);
    }
    // bar lines every 8 steps (4/4 on the eighth-note grid)
    g.fillStyle = '#e1e4ea';
    for (let t = 8; t < this.seq.length; t += 8) g.fillRect(left + t * colW, 0, 1, h);

    const inset = Math.min(1, rowH * 0.12);
    for (const r of this.runs) {
      g.fillStyle = r.start < this.primer ? '#8a93a6' : r.note >= 60 ? '#e0702a' : '#2f6fdb';
      const x = left + r.start * colW, y = Y(r.note) + inset;
      g.beginPath();
      g.roundRect(x + 0.5, y, Math.max(1, (r.end - r.start) * colW - 1), Math.max(1, rowH - 2 * inset), Math.min(3, rowH / 3));
      g.fill();
    }
    if (this.playhead >= 0) {
      g.fillStyle = '#1b1f27';
      g.fillRect(left + this.playhead * colW, 0, 2, h);
    }
  }
}
