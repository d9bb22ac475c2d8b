// A piano roll as an SVG picture: time left to right (one column per frame), pitch bottom to
// top, one bar per note (a run of consecutive frames, as midi-write.ts writes it), a grey band
// for each black key, a labelled line at every C. The rows shown span the notes used (at least
// two octaves). Notes from `splitAt` on are drawn in a second colour (where generation took over
// from the primer). Written by hand: rectangles need no plotting library.
import { esc } from './format.js';
import { validateSequence, NOTE_MIN, NOTE_MAX, type NoteSequence } from '../data/pianoroll.js';

export interface PianoRollSvgOptions {
  width?: number;
  height?: number;
  title?: string;
  /** Frames from here on are drawn in the second colour. */
  splitAt?: number;
}

const BLACK = new Set([1, 3, 6, 8, 10]);

/** SVG text of the roll (see the module comment). */
export function pianoRollSvg(seq: NoteSequence, o: PianoRollSvgOptions = {}): string {
  validateSequence(seq, 'notes');
  const W = o.width ?? 800, H = o.height ?? 300, top = o.title ? 28 : 8, left = 34, bottom = 22;
  let lo = NOTE_MAX, hi = NOTE_MIN;
  for (const step of seq) for (const n of step) { lo = Math.min(lo, n); hi = Math.max(hi, n); }
  if (lo > hi) { lo = 48; hi = 72; }
  // at least two octaves, centred on what is used, inside the piano
  const pad = Math.max(0, 24 - (hi - lo)) / 2;
  lo = Math.max(NOTE_MIN, Math.floor(lo - pad - 1));
  hi = Math.min(NOTE_MAX, Math.ceil(hi + pad + 1));
  const rows = hi - lo + 1, T = seq.length, plotW = W - left - 4, plotH = H - top - bottom;
  const rowH = plotH / rows, colW = plotW / T;
  const yOf = (n: number) => top + (hi - n) * rowH, xOf = (t: number) => left + t * colW;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
  ];
  if (o.title) out.push(`<text x="8" y="18" font-size="13" font-family="sans-serif" fill="#111">${esc(o.title)}</text>`);
  for (let n = lo; n <= hi; n++) {
    const y = yOf(n).toFixed(1);
    if (BLACK.has(n % 12)) out.push(`<rect x="${left}" y="${y}" width="${plotW}" height="${rowH.toFixed(2)}" fill="#f2f2f2"/>`);
    if (n % 12 === 0) {
      const yb = (yOf(n) + rowH).toFixed(1);
      out.push(`<line x1="${left}" x2="${left + plotW}" y1="${yb}" y2="${yb}" stroke="#ccc"/>`);
      out.push(`<text x="${left - 4}" y="${yb}" font-size="10" font-family="sans-serif" text-anchor="end" fill="#555">C${n / 12 - 1}</text>`);
    }
  }
  const bars = ['', ''];
  for (let t = 0; t < T; t++) {
    const prev = t > 0 ? new Set(seq[t - 1]) : undefined;
    for (const n of seq[t]) {
      if (prev?.has(n) && !(o.splitAt === t)) continue; // drawn from where the run started
      let e = t + 1;
      while (e < T && seq[e].includes(n) && e !== o.splitAt) e++;
      const which = o.splitAt !== undefined && t >= o.splitAt ? 1 : 0;
      bars[which] += `<rect x="${xOf(t).toFixed(1)}" y="${yOf(n).toFixed(1)}" width="${Math.max(1, (e - t) * colW - 0.5).toFixed(1)}" height="${Math.max(1, rowH - 0.5).toFixed(1)}"/>`;
    }
  }
  out.push(`<g fill="#1f77b4">${bars[0]}</g>`, `<g fill="#d62728">${bars[1]}</g>`);
  if (o.splitAt !== undefined && o.splitAt > 0 && o.splitAt < T) {
    const x = xOf(o.splitAt).toFixed(1);
    out.push(`<line x1="${x}" x2="${x}" y1="${top}" y2="${top + plotH}" stroke="#333" stroke-dasharray="3 3"/>`);
  }
  // a frame axis with 4 to 10 ticks at 1, 2 or 5 × 10^k frames
  const raw = Math.max(1, T / 8), mag = Math.pow(10, Math.floor(Math.log10(raw))), r = raw / mag;
  const step = mag * (r > 5 ? 10 : r > 2 ? 5 : r > 1 ? 2 : 1);
  const ticks: string[] = [];
  for (let t = 0; t <= T; t += step) {
    const x = xOf(t).toFixed(1);
    ticks.push(`<line x1="${x}" x2="${x}" y1="${top + plotH}" y2="${top + plotH + 4}" stroke="#555"/><text x="${x}" y="${H - 6}" font-size="10" text-anchor="middle" fill="#333">${t}</text>`);
  }
  out.push(`<g font-family="sans-serif">${ticks.join('')}</g>`, '</svg>', '');
  return out.join('\n');
}
