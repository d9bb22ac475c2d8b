// A small input shrinker for failures that reproduce quickly (untyped errors, mismatches):
// removes ever smaller slices of the input while `fails` still holds, then tries to lower each
// byte. Not for hangs (each try would take the time bound).

export async function shrink(input: Uint8Array, fails: (b: Uint8Array) => Promise<boolean>, maxTries = 3000): Promise<Uint8Array> {
  let cur = input;
  let tries = 0;
  for (let size = Math.max(1, cur.length >> 1); size >= 1 && tries < maxTries; size = size === 1 ? 0 : Math.max(1, size >> 1)) {
    let at = 0;
    while (at < cur.length && tries < maxTries) {
      const next = new Uint8Array(cur.length - Math.min(size, cur.length - at));
      next.set(cur.subarray(0, at));
      next.set(cur.subarray(at + size), at);
      tries++;
      if (next.length < cur.length && (await fails(next))) cur = next;
      else at += size;
    }
  }
  for (let i = 0; i < cur.length && tries < maxTries; i++) {
    for (const v of [0, 0x30, 0x20]) {
      if (cur[i] === v || cur[i] < v) continue;
      const next = cur.slice();
      next[i] = v;
      tries++;
      if (await fails(next)) { cur = next; break; }
    }
  }
  return cur;
}

/** The kind of an error, for grouping failures: its name and message with numbers removed. */
export function signature(e: { name: string; message: string } | undefined): string {
  if (!e) return 'none';
  return `${e.name}: ${e.message.replace(/\d+/g, 'N').replace(/"[^"]*"/g, '"…"').slice(0, 120)}`;
}
