// The demo's Web Worker (a module worker): it owns the data, the model and the WebAssembly core,
// and answers the page's requests (protocol.ts). Training runs here so that the page keeps
// drawing and playing while the core is busy.
//
// Training is a plain loop over the public API (Batcher.epoch/fill, Model.trainStepInPlace,
// evaluateInPlace), not the library's synchronous train(): the loop hands the thread back to
// the event loop every few tens of milliseconds, so a Stop request is seen within one batch,
// and it posts progress as it goes. Like train(), it scores the training and validation sets on
// clean weights after every epoch and ends with the parameters of the best validation epoch.
//
// The cores are fetched from this bundle's own folder (scripts/demo-server.mjs copies them into
// dist/demo/): an explicit wasmBase, so a missing file is a clear CoreLoadError rather than a
// silent fallback.
import {
  Batcher, DivergedError, PAPER_RMSPROP, PAPER_UNITS, PIANO_UNITS, createModel, midiToNoteSequence, modelFromSafetensors,
  modelToSafetensors, syntheticMusic, validatePianoRollDataset, browserDefaultBuild,
  type Model, type ModelConfig, type NoteSequence,
} from '../bindings/browser.js';
import type {
  DataSource, DataSummary, EpochPoint, Envelope, ModelInfo, Replies, Request, SampleOutcome, SampleSettings,
  TrainOutcome, TrainSettings, WorkerMessage,
} from './protocol.js';

const scope = self as unknown as {
  postMessage(message: WorkerMessage, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (e: MessageEvent<Envelope>) => void): void;
};
const post = (m: WorkerMessage, transfer: Transferable[] = []) => scope.postMessage(m, transfer);
const CORE = { wasmBase: new URL('./', import.meta.url) };

/** A problem with what the user gave (shown as it is, without a stack). */
class UserError extends Error { override name = 'UserError'; }

interface Data { name: string; train: NoteSequence[]; valid: NoteSequence[]; skipped: string[] }

let data: Data | null = null;
let model: Model | null = null;
let info: ModelInfo | null = null;
let training = false;
let stopRequested = false;

// --------------------------------------------------------------------------------- data

function summary(d: Data): DataSummary {
  return {
    name: d.name, trainPieces: d.train.length, validPieces: d.valid.length,
    trainFrames: d.train.reduce((n, s) => n + s.length - 1, 0), skipped: d.skipped,
  };
}

function synthetic(): Data {
  const ds = syntheticMusic();
  return { name: 'synthetic music', train: ds.train, valid: ds.valid, skipped: [] };
}

/** MIDI files → pieces; the unreadable ones are listed, not fatal. Sorted by name, the last
 *  fifth (at least one) validates; a single piece is cut in time instead, 80 / 20. */
function fromMidi(files: { name: string; bytes: Uint8Array }[]): Data {
  const pieces: { name: string; seq: NoteSequence }[] = [], skipped: string[] = [];
  for (const f of [...files].sort((a, b) => a.name.localeCompare(b.name))) {
    try {
      // notes beyond the 88 keys are dropped rather than refusing the whole file
      const seq = midiToNoteSequence(f.bytes, f.name, { outOfRange: 'drop' });
      if (seq.length < 2) skipped.push(`${f.name}: only ${seq.length} step; a piece needs at least 2 to predict anything`);
      else pieces.push({ name: f.name, seq });
    } catch (e) {
      skipped.push(messageOf(e));
    }
  }
  const label = files.length === 1 ? files[0].name : `${pieces.length} MIDI files`;
  if (pieces.length === 0) {
    throw new UserError(`none of the ${files.length} file(s) could be used:\n${skipped.join('\n')}`);
  }
  if (pieces.length === 1) {
    const s = pieces[0].seq, cut = Math.floor(s.length * 0.8);
    if (s.length < 5) throw new UserError(`${pieces[0].name} has ${s.length} steps; one piece must have at least 5 to be split into training and validation parts (or drop more files)`);
    return { name: `${label} (first 80 % trains, the rest validates)`, train: [s.slice(0, cut + 1)], valid: [s.slice(cut)], skipped };
  }
  const nValid = Math.max(1, Math.round(pieces.length * 0.2));
  const seqs = pieces.map((p) => p.seq);
  return { name: label, train: seqs.slice(0, -nValid), valid: seqs.slice(-nValid), skipped };
}

const MAX_JSON_BYTES = 512 * 1024 * 1024;

/** The bytes of a .json or .json.gz file as text; gzip is recognised by its magic number. */
async function jsonText(bytes: Uint8Array, name: string): Promise<string> {
  let raw = bytes;
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    const chunks: Uint8Array[] = [];
    let total = 0;
    try {
      const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
      const reader = stream.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.length;
        if (total > MAX_JSON_BYTES) { await reader.cancel(); throw new UserError(`${name}: more than ${MAX_JSON_BYTES >> 20} MiB once decompressed; too large for this page`); }
        chunks.push(value);
      }
    } catch (e) {
      if (e instanceof UserError) throw e;
      throw new UserError(`${name}: not a valid gzip file (${messageOf(e)})`);
    }
    raw = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) { raw.set(c, at); at += c.length; }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw new UserError(`${name}: not UTF-8 text; expected the piano-roll JSON {train, valid, test} (or it gzipped)`);
  }
}

async function fromDataset(name: string, bytes: Uint8Array): Promise<Data> {
  const text = await jsonText(bytes, name);
  let obj: unknown;
  try { obj = JSON.parse(text); } catch (e) {
    throw new UserError(`${name}: not valid JSON (${messageOf(e)})`);
  }
  const ds = validatePianoRollDataset(obj, name); // FormatError / ValueError / EmptyError name the place
  return { name, train: ds.train, valid: ds.valid, skipped: [] };
}

async function setData(source: DataSource): Promise<DataSummary> {
  const next = source.kind === 'synthetic' ? synthetic()
    : source.kind === 'midi' ? fromMidi(source.files)
      : await fromDataset(source.name, source.bytes);
  data = next;
  return summary(next);
}

// --------------------------------------------------------------------------------- model

function modelConfig(s: TrainSettings): ModelConfig {
  const form = PAPER_UNITS.find((u) => u.key === s.unit);
  if (!form) throw new UserError(`unknown unit ${JSON.stringify(s.unit)}`);
  const c: ModelConfig = { unit: form.unit, hiddenSize: s.hiddenSize, inputSize: PIANO_UNITS, head: { type: 'bernoulli', size: PIANO_UNITS }, seed: s.seed };
  // the paper's variants: peephole LSTM, reset-before GRU (experiment/paper.ts)
  if (form.peepholes !== undefined) c.peepholes = form.peepholes;
  if (form.resetAfter !== undefined) c.resetAfter = form.resetAfter;
  return c;
}

function describeModel(m: Model, origin: string, validNll?: number): ModelInfo {
  const c = m.config;
  return { unit: c.unit, hiddenSize: c.hiddenSize, layers: c.layers, params: m.recurrentParamCount(), origin, validNll };
}

function replaceModel(m: Model, i: ModelInfo): void {
  if (model && model !== m) model.dispose();
  model = m;
  info = i;
}

function checkSettings(s: TrainSettings): void {
  const int = (v: number, lo: number, hi: number, what: string) => {
    if (!Number.isInteger(v) || v < lo || v > hi) throw new UserError(`${what} must be a whole number in ${lo}..${hi}, got ${v}`);
  };
  int(s.hiddenSize, 1, 1024, 'hidden size');
  int(s.epochs, 1, 10000, 'epochs');
  int(s.batchSize, 1, 1024, 'batch size');
  int(s.seed, 0, 2 ** 31 - 1, 'seed');
  if (!(s.lr > 0 && s.lr <= 1)) throw new UserError(`learning rate must be in (0, 1], got ${s.lr}`);
}

// A macrotask boundary without the ≥ 4 ms clamp of nested setTimeout: lets queued messages
// (Stop) run between batches.
const tick = new MessageChannel();
const waiting: (() => void)[] = [];
tick.port1.onmessage = () => waiting.shift()?.();
const breathe = () => new Promise<void>((resolve) => { waiting.push(resolve); tick.port2.postMessage(0); });

const SLICE_MS = 40; // longest stretch of compute between two looks at the message queue
const PROGRESS_MS = 250;

/** Mean NLL per predicted frame over a whole batcher (clean weights), yielding as it goes. */
async function nll(m: Model, b: Batcher): Promise<number> {
  let loss = 0, frames = 0, slice = performance.now();
  for (const plan of b.epoch(0)) {
    b.fill(plan, m.batchViews(plan.T, plan.B) as { x: Float32Array; y: Float32Array; mask: Float32Array });
    const r = m.evaluateInPlace(plan.T, plan.B);
    loss += r.loss;
    frames += r.frames;
    if (performance.now() - slice > SLICE_MS) { await breathe(); slice = performance.now(); }
    if (stopRequested) return NaN;
  }
  return loss / frames;
}

async function train(s: TrainSettings): Promise<TrainOutcome> {
  checkSettings(s);
  if (!data) data = synthetic();
  const d = data;
  training = true; // from here on, other requests are refused until the run ends
  stopRequested = false;
  let m: Model | undefined;
  try {
    m = await createModel(modelConfig(s), CORE);
    return await trainModel(m, s, d);
  } catch (e) {
    if (m && m !== model) m.dispose();
    throw e;
  } finally {
    training = false;
    stopRequested = false;
  }
}

async function trainModel(m: Model, s: TrainSettings, d: Data): Promise<TrainOutcome> {
  const trainB = Batcher.fromNotes(d.train, { batchSize: s.batchSize, seed: s.seed, sortBuckets: 4 });
  const validB = Batcher.fromNotes(d.valid, { batchSize: s.batchSize, shuffle: false });
  if (trainB.predictedFrames === 0 || validB.predictedFrames === 0) throw new UserError('the data have no predicted frames (every piece is a single step)');
  // RMSProp as in the paper's code (decay 0.95, momentum 0.9, RMS floor 0.01: PAPER_RMSPROP)
  m.setOptimizer(s.optimizer === 'adam' ? { type: 'adam', lr: s.lr } : { ...PAPER_RMSPROP, lr: s.lr });
  const epochs: EpochPoint[] = [];
  let best = { epoch: -1, nll: Infinity, params: m.snapshotParams() };
  let stopped: TrainOutcome['stopped'] = 'epochs', message: string | undefined;
  epochLoop: for (let e = 0; e < s.epochs; e++) {
    const plans = trainB.epoch(e);
    let loss = 0, frames = 0, busy = 0, slice = performance.now(), shown = slice;
    for (let i = 0; i < plans.length; i++) {
      if (stopRequested) { stopped = 'user'; break epochLoop; }
      const p = plans[i], t0 = performance.now();
      trainB.fill(p, m.batchViews(p.T, p.B) as { x: Float32Array; y: Float32Array; mask: Float32Array });
      try {
        const r = m.trainStepInPlace(p.T, p.B, { clipNorm: 1 });
        loss += r.loss;
        frames += r.frames;
      } catch (err) {
        if (!(err instanceof DivergedError)) throw err;
        stopped = 'diverged';
        message = `training diverged in epoch ${e + 1} (${err.message}); try a smaller learning rate`;
        break epochLoop;
      }
      const now = performance.now();
      busy += now - t0;
      if (now - shown > PROGRESS_MS || i === plans.length - 1) {
        post({ type: 'progress', epoch: e, batch: i + 1, batches: plans.length, framesPerSecond: frames / (busy / 1000), runningLoss: loss / frames });
        shown = now;
      }
      if (now - slice > SLICE_MS) { await breathe(); slice = performance.now(); }
    }
    const validNll = await nll(m, validB);
    const trainNll = await nll(m, trainB);
    if (stopRequested) { stopped = 'user'; break; }
    const isBest = validNll < best.nll;
    if (isBest) best = { epoch: e, nll: validNll, params: m.snapshotParams() };
    const point: EpochPoint = { epoch: e + 1, trainNll, validNll, seconds: busy / 1000, best: isBest };
    epochs.push(point);
    post({ type: 'epoch', point });
  }
  const outcome = { epochs, bestEpoch: best.epoch + 1, bestValidNll: best.epoch >= 0 ? best.nll : NaN, stopped, message };
  if (best.epoch < 0) {
    m.dispose(); // nothing learnt: keep the model we had
    return { ...outcome, info: null };
  }
  m.restoreParams(best.params);
  const i = describeModel(m, `trained on ${d.name}, ${epochs.length} epoch${epochs.length === 1 ? '' : 's'}`, best.nll);
  replaceModel(m, i);
  return { ...outcome, info: i };
}

function current(): Model {
  if (!model) throw new UserError('no model yet: train one, or load a .safetensors file');
  return model;
}

function sample(s: SampleSettings): SampleOutcome {
  let primer: NoteSequence | undefined;
  if (s.primer > 0) {
    // a validation piece of the current data, picked by the seed, cut to the primer length
    const pool = (data ??= synthetic()).valid;
    primer = pool[s.seed % pool.length].slice(0, s.primer);
  }
  const r = current().sample({ frames: s.frames, seed: s.seed, temperature: s.temperature, maxNotes: s.maxNotes, primer });
  if (!r.notes) throw new UserError('this model does not draw piano rolls (88 notes), so there is nothing to play');
  return { notes: r.notes, primerFrames: r.primerFrames, frames: r.frames };
}

async function load(name: string, bytes: Uint8Array, origin?: string, validNll?: number): Promise<ModelInfo> {
  const m = await modelFromSafetensors(bytes, CORE); // FormatError on anything that is not a model file
  const c = m.config;
  if (c.inputSize !== PIANO_UNITS || c.head.type !== 'bernoulli' || c.head.outputs !== PIANO_UNITS) {
    m.dispose();
    throw new UserError(`${name} is a ${c.unit} model with ${c.inputSize} inputs and a ${c.head.type} head of ${c.head.outputs}; ` +
      `this page plays piano-roll models (${PIANO_UNITS} inputs, a bernoulli head of ${PIANO_UNITS})`);
  }
  const i = describeModel(m, origin ?? `file ${name}`, validNll);
  replaceModel(m, i);
  return i;
}

function probabilities(x: Float32Array, T: number): Replies['probabilities'] {
  const m = current();
  const out = m.forward({ T, B: 1, x, y: new Float32Array(T * m.config.head.targetWidth) }).outputs;
  return { outputs: out, build: m.build };
}

// --------------------------------------------------------------------------------- dispatch

function messageOf(e: unknown): string { return e instanceof Error ? e.message : String(e); }

async function handle(r: Request): Promise<{ value: unknown; transfer?: Transferable[] }> {
  if (r.type === 'stop') { if (training) stopRequested = true; return { value: {} }; }
  if (training) throw new UserError('training is running: stop it first');
  switch (r.type) {
    case 'setData': return { value: await setData(r.source) };
    case 'train': return { value: await train(r.settings) };
    case 'sample': return { value: sample(r.settings) };
    case 'save': {
      return { value: { bytes: modelToSafetensors(current()), info: info! } };
    }
    case 'load': return { value: await load(r.name, r.bytes, r.origin, r.validNll) };
    case 'probabilities': {
      const v = probabilities(r.x, r.T);
      return { value: v, transfer: [v.outputs.buffer] };
    }
  }
}

scope.addEventListener('message', (e) => {
  const { id, ...req } = e.data;
  handle(req as Request).then(
    ({ value, transfer }) => post({ type: 'reply', id, ok: true, value }, transfer),
    (err: unknown) => {
      const x = err as { name?: string; code?: string };
      post({ type: 'reply', id, ok: false, error: { name: x?.name ?? 'Error', code: x?.code, message: messageOf(err) } });
    },
  );
});

// Compile the core once up front, so that a core that does not load is reported when the page
// opens rather than at the first click.
createModel({ unit: 'tanh', inputSize: 1, hiddenSize: 1, head: { type: 'bernoulli', size: 1 } }, CORE).then(
  (m) => { m.dispose(); post({ type: 'ready', build: browserDefaultBuild() }); },
  (e: unknown) => post({ type: 'fatal', message: messageOf(e) }),
);
