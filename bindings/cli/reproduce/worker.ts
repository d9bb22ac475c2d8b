// Worker-thread entry of `gatedrnn reproduce`: runs one trial (workerData) with its own model
// and WebAssembly instance, and reports progress and the result to the parent by messages.
// Bundled to dist/reproduce-worker.js next to dist/cli.js (scripts/bundle.mjs); pool.ts starts it.
import { parentPort, workerData } from 'node:worker_threads';
import { enableRelaxedSimd } from '../../core-node.js';
import { runTrial, errorInfo, type TrialSpec, type TrialEpoch, type TrialResult, type TrialData, type TrialContinuation } from '../../experiment/trial.js';
import type { BuildKind } from '../../wasm.js';

export interface WorkerInput {
  spec: TrialSpec; data: TrialData; build?: BuildKind;
  /** save the trial's best model here */ modelPath?: string;
  /** checkpoint every epoch here, and resume from it if it is there */ checkpointPath?: string;
  /** else go on from this shorter trial's last checkpoint (successive halving) */ continueFrom?: TrialContinuation;
}

export type WorkerMessage =
  | { type: 'start'; epochs: number; batches: number }
  | { type: 'batch'; epoch: number; done: number; total: number }
  | { type: 'epoch'; record: TrialEpoch }
  | { type: 'checkpoint'; epochs: number }
  | { type: 'done'; result: TrialResult }
  | { type: 'error'; error: ReturnType<typeof errorInfo> };

// V8 flags are per process, but set it here too so the worker stands on its own.
enableRelaxedSimd();

const port = parentPort;
if (!port) throw new Error('the reproduce worker must run in a worker thread');
const input = workerData as WorkerInput;
const send = (m: WorkerMessage) => port.postMessage(m);
let lastBatch = 0;
try {
  const result = await runTrial(input.spec, input.data, input.build, {
    onStart: (epochs, batches) => send({ type: 'start', epochs, batches }),
    onBatch: (epoch, done, total) => {
      // at most ~10 messages a second
      const now = performance.now();
      if (done === total || now - lastBatch > 100) { lastBatch = now; send({ type: 'batch', epoch, done, total }); }
    },
    onEpoch: (record) => send({ type: 'epoch', record }),
    onCheckpoint: (epochs) => send({ type: 'checkpoint', epochs }),
  }, { modelPath: input.modelPath, checkpointPath: input.checkpointPath, continueFrom: input.continueFrom });
  send({ type: 'done', result });
} catch (e) {
  send({ type: 'error', error: errorInfo(e) });
}
