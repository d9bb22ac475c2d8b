// Number formatting and Markdown tables shared by the reports.

/** x with d decimals, or '—' when absent or not finite. */
export const f = (x: number | undefined, d = 2): string => (x !== undefined && Number.isFinite(x) ? x.toFixed(d) : '—');

/** x with an explicit sign (+, −, ±) and d decimals. */
export const signed = (x: number, d = 2): string => (Number.isFinite(x) ? (x > 0 ? '+' : x < 0 ? '−' : '±') + Math.abs(x).toFixed(d) : '—');

/** A Markdown table; the first row is the header. */
export function mdTable(rows: string[][]): string {
  const line = (r: string[]) => '| ' + r.join(' | ') + ' |';
  return [line(rows[0]), '|' + rows[0].map(() => '---').join('|') + '|', ...rows.slice(1).map(line)].join('\n');
}

export function mean(xs: number[]): number { return xs.reduce((a, b) => a + b, 0) / xs.length; }

/** Sample standard deviation (NaN for fewer than 2 values). */
export function sd(xs: number[]): number {
  if (xs.length < 2) return NaN;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
}

/** Text made safe inside SVG/HTML elements and attributes. */
export const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]!));
