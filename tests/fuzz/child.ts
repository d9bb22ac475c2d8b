// The process scripts/fuzz.mjs runs the cases in (bundled with esbuild; one process per range of
// cases, restarted after a crash, a hang or a case over the memory bound). It reports on file
// descriptor 3, one line per event, written synchronously so the line naming a case is in the
// pipe before the case runs — if the process then dies, the supervisor knows which case it was:
//   G <i>                         generating case i
//   S <i>                         parsing case i
//   E <i> <o|t|u|m> <ms> [code]   case i finished: ok, typed error (its code), untyped, mismatch
//   R <json>                      details of an untyped error or a mismatch
//   M <json>                      case i pushed the peak RSS over the bound (then exit 3)
//   X <json>                      the generator failed on case i (a bug of the suite)
//   D                             every case of the range is done
// Exit 4: the peak RSS was over the bound before case i ran (after a large generated input), so
// its memory could not be judged; the supervisor starts a fresh process at case i.
import { readFileSync, writeSync } from 'node:fs';
import { generateCase, type ParserName } from './generators.js';
import { createContext, judge } from './targets.js';
import type { Scale } from './common.js';

interface Job { parser: ParserName; seed: number; from: number; to: number; scale: Scale; rssMb: number; tmp?: string; replay?: string }

const job = JSON.parse(process.argv[2]) as Job;

function out(line: string): void {
  const b = Buffer.from(line + '\n');
  let off = 0;
  while (off < b.length) {
    try { off += writeSync(3, b, off); } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
    }
  }
}

const peakMb = (): number => process.resourceUsage().maxRSS / 1024;

async function main(): Promise<void> {
  const ctx = createContext(job.tmp); // inside the supervisor's folder, removed by it if this process is killed
  try {
    if (job.replay !== undefined) {
      const bytes = new Uint8Array(readFileSync(job.replay));
      out('S 0');
      const r = await judge(job.parser, bytes, undefined, ctx);
      out(`E 0 ${r.status[0]} ${r.ms.toFixed(3)}${r.error?.code ? ' ' + r.error.code : ''}`);
      out(`R ${JSON.stringify({ i: 0, status: r.status, error: r.error, how: `replay of ${job.replay}`, size: bytes.length, peakMb: peakMb() })}`);
      out('D');
      return;
    }
    for (let i = job.from; i < job.to; i++) {
      out(`G ${i}`);
      let c;
      try { c = generateCase(job.parser, job.seed, i, job.scale); } catch (e) {
        out(`X ${JSON.stringify({ i, error: { name: (e as Error).name, message: (e as Error).message, stack: (e as Error).stack } })}`);
        continue;
      }
      const before = peakMb();
      // the peak is over the bound already (an earlier large input): start afresh, unless this
      // process is fresh (then the input itself is that large; its memory is not judged)
      if (before > job.rssMb && i !== job.from) { ctx.dispose(); process.exit(4); }
      out(`S ${i}`);
      const r = await judge(job.parser, c.bytes, c.expected, ctx);
      out(`E ${i} ${r.status[0]} ${r.ms.toFixed(3)}${r.error?.code ? ' ' + r.error.code : ''}`);
      if (r.status === 'untyped' || r.status === 'mismatch') {
        out(`R ${JSON.stringify({ i, status: r.status, error: r.error, how: c.how, kind: c.kind, size: c.bytes.length })}`);
      }
      const after = peakMb();
      if (after > job.rssMb && before <= job.rssMb) {
        out(`M ${JSON.stringify({ i, peakMb: Math.round(after), beforeMb: Math.round(before), how: c.how, size: c.bytes.length })}`);
        ctx.dispose();
        process.exit(3);
      }
    }
    out('D');
  } finally {
    ctx.dispose();
  }
}

main().then(() => process.exit(0), (e) => { process.stderr.write(`fuzz child: ${(e as Error).stack ?? String(e)}\n`); process.exit(2); });
