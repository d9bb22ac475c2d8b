// PyTorch contender: scripts/bench_torch.py under Debian's /usr/bin/python3 (python3-torch),
// one thread, driven over JSON lines so it interleaves with the in-process contenders. Timing
// happens inside the Python process around the calls only.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RMSPROP } from '../lib/workloads.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
export const TORCH_SCRIPT = join(root, 'scripts', 'bench_torch.py');

/** Belt and braces next to torch.set_num_threads(1): one OpenMP / BLAS thread. */
export const ONE_THREAD_ENV = { ...process.env, OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' };

class Server {
  constructor() {
    this.proc = spawn(PYTHON, [TORCH_SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'], env: ONE_THREAD_ENV });
    this.waiting = [];
    this.stderr = '';
    this.proc.stderr.on('data', (b) => { this.stderr += b; });
    this.proc.on('exit', (code) => { for (const w of this.waiting.splice(0)) w.reject(new Error(`python exited (${code}): ${this.stderr.slice(-500)}`)); });
    createInterface({ input: this.proc.stdout }).on('line', (line) => {
      const w = this.waiting.shift();
      if (!w) return;
      const m = JSON.parse(line);
      if (m.error) w.reject(new Error(m.error)); else w.resolve(m);
    });
  }
  call(msg) {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.proc.stdin.write(JSON.stringify(msg) + '\n');
    });
  }
  close() { try { this.proc.stdin.write('{"cmd":"quit"}\n'); this.proc.stdin.end(); } catch { /* gone */ } }
}

/** The JSON setup message for a workload (also used by the memory probe). */
export function torchSetup(id, s, p, d) {
  const arr = (a) => Array.from(a);
  return {
    cmd: 'setup', id, unit: s.unit, I: s.I, H: s.H, O: s.O, T: s.T, B: s.B,
    params: { W: arr(p.W), U: arr(p.U), bih: arr(p.bih), bhh: arr(p.bhh), V: arr(p.V), c: arr(p.c) },
    x: arr(d.x), y: arr(d.y), rmsprop: RMSPROP,
  };
}

let nextId = 1;

export const torch = {
  id: 'pytorch', label: 'PyTorch (CPU)', note: '',
  server: null,
  version: null,
  async load() {
    if (!existsSync(PYTHON)) return `${PYTHON} not found (install Debian's python3-torch)`;
    try {
      this.server = new Server();
      const h = await this.server.call({ cmd: 'hello' });
      this.version = h.torch;
      this.note = `torch ${h.torch}, ${h.threads} thread`;
      return null;
    } catch (e) {
      this.server = null;
      return `PyTorch not usable with ${PYTHON}: ${e.message.split('\n').slice(-2).join(' ')}`;
    }
  },
  supports(v) {
    if (v.peepholes) return 'nn.LSTM has no peepholes';
    if (v.unit === 'gru' && v.resetAfter === false) return 'nn.GRU is reset-after only';
    return null;
  },
  async create(s, p, d) {
    const id = nextId++;
    await this.server.call(torchSetup(id, s, p, d));
    const srv = this.server;
    return {
      time: async (what, minTime, maxIters) => srv.call({ cmd: 'time', id, what, min_time: minTime, max_iters: maxIters }),
      infer: async () => Float32Array.from((await srv.call({ cmd: 'infer_out', id })).p),
      dispose: async () => { await srv.call({ cmd: 'free', id }); },
    };
  },
  close() { this.server?.close(); },
};
