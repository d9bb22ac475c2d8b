// A waveform as an SVG picture: for each pixel column the min and max of its samples as one
// vertical stroke (the usual "peak" view of audio editors), with a time axis in seconds.
// Written by hand: a few hundred path commands need no plotting library.
import { esc } from './format.js';

export interface WaveformOptions {
  width?: number;
  height?: number;
  title?: string;
  /** Samples from here on are drawn in the second colour (e.g. where generation took over). */
  splitAt?: number;
}


/** SVG text of int16 `samples` at `sampleRate`. */
export function waveformSvg(samples: Int16Array, sampleRate: number, o: WaveformOptions = {}): string {
  const W = o.width ?? 800, H = o.height ?? 200, top = o.title ? 28 : 8, bottom = 24, plotH = H - top - bottom;
  const n = samples.length, cols = Math.max(1, Math.min(W, n)), mid = top + plotH / 2;
  const y = (v: number) => (mid - (v / 32768) * (plotH / 2)).toFixed(1);
  const paths = ['', ''];
  for (let c = 0; c < cols; c++) {
    const a = Math.floor((c * n) / cols), b = Math.max(a + 1, Math.floor(((c + 1) * n) / cols));
    let lo = 32767, hi = -32768;
    for (let i = a; i < b && i < n; i++) { if (samples[i] < lo) lo = samples[i]; if (samples[i] > hi) hi = samples[i]; }
    const x = ((c + 0.5) * W) / cols;
    paths[o.splitAt !== undefined && a >= o.splitAt ? 1 : 0] += `M${x.toFixed(1)} ${y(hi)}V${y(lo === hi ? lo - 64 : lo)}`;
  }
  const seconds = n / sampleRate, ticks: string[] = [];
  const step = seconds > 4 ? 1 : seconds > 1 ? 0.25 : 0.1;
  for (let t = 0; t <= seconds + 1e-9; t += step) {
    const x = ((t / seconds) * W).toFixed(1);
    ticks.push(`<line x1="${x}" x2="${x}" y1="${top + plotH}" y2="${top + plotH + 4}" stroke="#555"/><text x="${x}" y="${H - 6}" font-size="10" text-anchor="middle" fill="#333">${t.toFixed(step < 1 ? 2 : 0)} s</text>`);
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    o.title ? `<text x="8" y="18" font-size="13" font-family="sans-serif" fill="#111">${esc(o.title)}</text>` : '',
    `<line x1="0" x2="${W}" y1="${mid}" y2="${mid}" stroke="#ddd"/>`,
    `<path d="${paths[0]}" stroke="#1f77b4" stroke-width="1" fill="none"/>`,
    paths[1] ? `<path d="${paths[1]}" stroke="#d62728" stroke-width="1" fill="none"/>` : '',
    `<g font-family="sans-serif">${ticks.join('')}</g>`,
    '</svg>', '',
  ].join('\n');
}
