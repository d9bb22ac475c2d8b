// The demo page: wires the controls of index.html to the worker (worker.ts, which owns the
// library), the chart (chart.ts), the piano roll (roll.ts), the synth (synth.ts) and the model
// store (store.ts). No framework: a handful of elements looked up once, a `refresh()` that sets
// what is enabled from a few state flags, and one message box per card for what went wrong.
//
// The page thread never trains or samples: it only posts requests and draws what comes back,
// so it keeps animating while the worker is busy (tests/demo.test.ts counts its frames).
import { PAPER_UNITS } from '../bindings/experiment/paper.js';
import { noteSequenceToMidi } from '../bindings/data/midi-write.js';
import type { NoteSequence } from '../bindings/data/pianoroll.js';
import type {
  DataSource, DataSummary, EpochPoint, ModelInfo, Replies, Request, SampleOutcome, SampleSettings, TrainOutcome, TrainSettings, UnitKey, WorkerMessage,
} from './protocol.js';
import { NllChart } from './chart.js';
import { PianoRoll } from './roll.js';
import { Synth } from './synth.js';
import { ModelStore, type StoredModel } from './store.js';

// --------------------------------------------------------------------------------- elements

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`index.html has no #${id}`);
  return el as T;
};
const el = {
  core: $('core'), fatal: $('fatal'),
  srcSynthetic: $<HTMLButtonElement>('src-synthetic'), srcMidi: $('src-midi'), srcDataset: $('src-dataset'),
  midiFile: $<HTMLInputElement>('midi-file'), datasetFile: $<HTMLInputElement>('dataset-file'),
  dataSummary: $('data-summary'), dataMsg: $('data-msg'),
  unit: $<HTMLSelectElement>('unit'), hidden: $<HTMLInputElement>('hidden'), optimizer: $<HTMLSelectElement>('optimizer'),
  lr: $<HTMLInputElement>('lr'), epochs: $<HTMLInputElement>('epochs'), batch: $<HTMLInputElement>('batch'),
  train: $<HTMLButtonElement>('train'), stop: $<HTMLButtonElement>('stop'), trainMsg: $('train-msg'),
  stEpoch: $('st-epoch'), stValid: $('st-valid'), stBest: $('st-best'), stFps: $('st-fps'), bar: $('bar'),
  chart: $<HTMLCanvasElement>('chart'), roll: $<HTMLCanvasElement>('roll'),
  frames: $<HTMLInputElement>('frames'), temperature: $<HTMLInputElement>('temperature'), seed: $<HTMLInputElement>('seed'),
  maxNotes: $<HTMLInputElement>('max-notes'), primer: $<HTMLSelectElement>('primer'), sample: $<HTMLButtonElement>('sample'), sampleInfo: $('sample-info'), sampleMsg: $('sample-msg'),
  play: $<HTMLButtonElement>('play'), tempo: $<HTMLInputElement>('tempo'), tempoOut: $<HTMLOutputElement>('tempo-out'),
  downloadMidi: $<HTMLButtonElement>('download-midi'),
  modelInfo: $('model-info'), modelFile: $<HTMLInputElement>('model-file'), modelFileLabel: $('model-file-label'), downloadModel: $<HTMLButtonElement>('download-model'),
  saveForm: $<HTMLFormElement>('save-form'), saveName: $<HTMLInputElement>('save-name'), save: $<HTMLButtonElement>('save'),
  stored: $<HTMLUListElement>('stored'), modelsMsg: $('models-msg'),
};

// --------------------------------------------------------------------------------- worker

class WorkerError extends Error {
  constructor(readonly kind: string, readonly code: string | undefined, message: string) { super(message); this.name = kind; }
}

type Pending = { resolve: (v: unknown) => void; reject: (e: unknown) => void };

/** Requests to the worker as promises; events (progress, epochs) go to `onEvent`. */
class Client {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  onEvent: (m: WorkerMessage) => void = () => {};

  constructor() {
    this.worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'gatedrnn' });
    this.worker.onmessage = (e: MessageEvent<WorkerMessage>) => {
      const m = e.data;
      if (m.type !== 'reply') return this.onEvent(m);
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.value);
      else p.reject(new WorkerError(m.error.name, m.error.code, m.error.message));
    };
    // a worker script that does not load (404, a syntax error) or crashes
    this.worker.onerror = (e) => {
      e.preventDefault();
      fatal(`The training worker failed: ${e.message || 'it could not be loaded'}. Reload the page; if it persists, rebuild the demo (npm run demo).`);
      for (const p of this.pending.values()) p.reject(new Error('the worker stopped'));
      this.pending.clear();
    };
  }

  call<K extends Request['type']>(req: Extract<Request, { type: K }>, transfer: Transferable[] = []): Promise<Replies[K]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...req, id }, transfer);
    });
  }
}

// --------------------------------------------------------------------------------- state

const state = {
  ready: false,
  training: false,
  busy: false, // a data, sample or load request in flight
  model: null as ModelInfo | null,
  sample: null as (SampleOutcome & { settings: SampleSettings }) | null,
  epochs: 0,
  lastTraining: null as TrainOutcome | null,
};

const client = new Client();
const chart = new NllChart(el.chart);
const roll = new PianoRoll(el.roll);
const synth = new Synth();
let store: ModelStore | null = null;

function refresh(): void {
  const idle = state.ready && !state.training && !state.busy;
  for (const b of [el.srcSynthetic, el.train]) b.disabled = !idle;
  for (const l of [el.srcMidi, el.srcDataset, el.modelFileLabel]) l.classList.toggle('disabled', !idle);
  el.midiFile.disabled = el.datasetFile.disabled = el.modelFile.disabled = !idle;
  el.stop.disabled = !state.training;
  el.sample.disabled = !idle || !state.model;
  el.downloadModel.disabled = el.save.disabled = !idle || !state.model;
  el.play.disabled = !state.sample;
  el.downloadMidi.disabled = !state.sample;
  el.play.textContent = synth.playing ? '■ Stop' : '▶ Play';
  for (const b of el.stored.querySelectorAll('button')) b.disabled = !idle;
}

// --------------------------------------------------------------------------------- messages

function messageOf(e: unknown): string { return e instanceof Error ? e.message : String(e); }

function show(box: HTMLElement, text: string, tone: 'error' | 'note' | 'good' = 'error'): void {
  box.textContent = text;
  box.className = tone === 'error' ? 'msg' : `msg ${tone}`;
  box.hidden = false;
}
function clear(box: HTMLElement): void { box.hidden = true; box.textContent = ''; }

function fatal(text: string): void {
  el.fatal.textContent = text;
  el.fatal.hidden = false;
  el.core.textContent = 'core not loaded';
  el.core.classList.remove('ok');
}

/** Runs an action with the page marked busy; its error, if any, goes to `box`. True if it
 *  succeeded. */
async function act(box: HTMLElement, what: string, f: () => Promise<void>): Promise<boolean> {
  clear(box);
  state.busy = true;
  refresh();
  try {
    await f();
    return true;
  } catch (e) {
    show(box, `${what}: ${messageOf(e)}`);
    return false;
  } finally {
    state.busy = false;
    refresh();
  }
}

// --------------------------------------------------------------------------------- numbers

/** A number field's value, or an error naming the field and its range. */
function num(input: HTMLInputElement, label: string, integer: boolean): number {
  const v = Number(input.value), lo = input.min === '' ? -Infinity : Number(input.min), hi = input.max === '' ? Infinity : Number(input.max);
  if (input.value.trim() === '' || !Number.isFinite(v) || (integer && !Number.isInteger(v)) || v < lo || v > hi) {
    const range = hi === Infinity ? `≥ ${lo}` : `${lo}..${hi}`;
    throw new Error(`${label} must be ${integer ? 'a whole number' : 'a number'} in ${range}, not “${input.value}”`);
  }
  return v;
}

const fmt = (x: number | undefined, d = 2) => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d));
const plural = (n: number, w: string) => `${n.toLocaleString('en')} ${w}${n === 1 ? '' : 's'}`;

// --------------------------------------------------------------------------------- data

const UNIT_NAMES: Record<string, string> = { tanh: 'tanh-RNN', gru: 'GRU', lstm: 'LSTM' };

function showData(s: DataSummary, active: HTMLElement): void {
  el.dataSummary.textContent = `${s.name}: ${plural(s.trainPieces, 'training piece')}, ${plural(s.validPieces, 'validation piece')}, ` +
    `${s.trainFrames.toLocaleString('en')} training frames`;
  for (const b of [el.srcSynthetic, el.srcMidi, el.srcDataset]) b.classList.toggle('on', b === active);
  if (s.skipped.length) show(el.dataMsg, `Skipped ${plural(s.skipped.length, 'file')}:\n${s.skipped.join('\n')}`, 'note');
}

/** Makes `source()` the data (it reads the files inside the busy section, so the page is
 *  marked busy from the moment a file is picked). */
async function setData(what: string, active: HTMLElement, source: () => Promise<{ source: DataSource; transfer?: Transferable[] }>): Promise<boolean> {
  return act(el.dataMsg, what, async () => {
    const s = await source();
    showData(await client.call({ type: 'setData', source: s.source }, s.transfer), active);
  });
}

const useSynthetic = () => setData('Could not make the synthetic data', el.srcSynthetic, async () => ({ source: { kind: 'synthetic' } }));

const useMidi = (files: File[]) => setData('Could not use these MIDI files', el.srcMidi, async () => {
  const list = await Promise.all(files.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
  return { source: { kind: 'midi', files: list }, transfer: list.map((f) => f.bytes.buffer) };
});

const useDataset = (file: File) => setData('Could not use this data set', el.srcDataset, async () => {
  const bytes = new Uint8Array(await file.arrayBuffer());
  return { source: { kind: 'dataset', name: file.name, bytes }, transfer: [bytes.buffer] };
});

// --------------------------------------------------------------------------------- training

function settings(): TrainSettings {
  return {
    unit: el.unit.value as UnitKey,
    hiddenSize: num(el.hidden, 'Hidden units', true),
    optimizer: el.optimizer.value === 'adam' ? 'adam' : 'rmsprop',
    lr: num(el.lr, 'Learning rate', false),
    epochs: num(el.epochs, 'Epochs', true),
    batchSize: num(el.batch, 'Batch size', true),
    seed: 1,
  };
}

function showEpoch(p: EpochPoint, best: number): void {
  el.stEpoch.textContent = `${p.epoch} / ${state.epochs}`;
  el.stValid.textContent = fmt(p.validNll);
  el.stBest.textContent = fmt(best);
}

let bestSoFar = Infinity;

client.onEvent = (m) => {
  switch (m.type) {
    case 'ready':
      state.ready = true;
      el.core.textContent = `core ready · ${m.build === 'relaxed' ? 'relaxed SIMD' : 'SIMD'}`;
      el.core.classList.add('ok');
      refresh();
      void useSynthetic();
      break;
    case 'fatal':
      fatal(`The WebAssembly core did not load, so nothing can be trained: ${m.message}`);
      break;
    case 'progress': {
      const x = m.epoch + m.batch / m.batches;
      chart.addRunning(x, m.runningLoss);
      el.stFps.textContent = Math.round(m.framesPerSecond).toLocaleString('en');
      if (chart.hasData === false) el.stEpoch.textContent = `${m.epoch + 1} / ${state.epochs}`;
      el.bar.style.width = `${(100 * x) / state.epochs}%`;
      break;
    }
    case 'epoch':
      if (m.point.validNll < bestSoFar) bestSoFar = m.point.validNll;
      chart.addEpoch(m.point);
      showEpoch(m.point, bestSoFar);
      break;
  }
};

async function startTraining(): Promise<void> {
  clear(el.trainMsg);
  let s: TrainSettings;
  try { s = settings(); } catch (e) { show(el.trainMsg, messageOf(e)); return; }
  state.training = true;
  state.epochs = s.epochs;
  bestSoFar = Infinity;
  chart.reset(s.epochs);
  for (const b of [el.stEpoch, el.stValid, el.stBest, el.stFps]) b.textContent = '–';
  el.bar.style.width = '0';
  el.bar.parentElement!.classList.add('busy');
  refresh();
  try {
    const r = await client.call({ type: 'train', settings: s });
    state.lastTraining = r;
    if (r.info) setModel(r.info);
    const kept = r.info ? `the model keeps epoch ${r.bestEpoch} (valid NLL ${fmt(r.bestValidNll)})`
      : `no epoch finished, so ${state.model ? 'the previous model stays' : 'there is no model yet'}`;
    if (r.stopped === 'user') show(el.trainMsg, `Stopped after ${plural(r.epochs.length, 'epoch')}; ${kept}.`, 'note');
    else if (r.stopped === 'diverged') show(el.trainMsg, `${r.message ?? 'training diverged'}; ${kept}.`);
    else show(el.trainMsg, `Done: ${plural(r.epochs.length, 'epoch')}; ${kept}.`, 'good');
    el.bar.style.width = '100%';
    if (r.info) { state.training = false; await drawSample(); }
  } catch (e) {
    show(el.trainMsg, `Training failed: ${messageOf(e)}`);
  } finally {
    state.training = false;
    el.bar.parentElement!.classList.remove('busy');
    refresh();
  }
}

// --------------------------------------------------------------------------------- models

function setModel(info: ModelInfo): void {
  state.model = info;
  const what = `${UNIT_NAMES[info.unit] ?? info.unit} with ${info.hiddenSize} units${info.layers > 1 ? ` × ${info.layers} layers` : ''}`;
  el.modelInfo.textContent = `${what} (${info.params.toLocaleString('en')} recurrent parameters), ${info.origin}` +
    (info.validNll !== undefined ? `; valid NLL ${fmt(info.validNll)}` : '');
  el.saveName.placeholder = `${UNIT_NAMES[info.unit] ?? info.unit} ${info.hiddenSize}`;
}

async function loadModelBytes(name: string, bytes: Uint8Array, origin?: string, validNll?: number): Promise<void> {
  setModel(await client.call({ type: 'load', name, bytes, origin, validNll }));
  show(el.modelsMsg, `Loaded ${name}.`, 'good');
}

async function loadModelFile(file: File): Promise<void> {
  const ok = await act(el.modelsMsg, `Could not load ${file.name}`, async () => {
    await loadModelBytes(file.name, new Uint8Array(await file.arrayBuffer()));
  });
  if (ok) await drawSample();
}

function download(bytes: Uint8Array, name: string, type: string): void {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

async function renderStored(): Promise<void> {
  if (!store) return;
  const list = await store.list();
  el.stored.replaceChildren();
  if (list.length === 0) {
    const li = document.createElement('li');
    li.className = 'empty';
    li.textContent = 'Models you keep appear here (stored in this browser only).';
    el.stored.append(li);
  }
  for (const m of list) el.stored.append(storedItem(m));
  refresh();
}

function storedItem(m: StoredModel): HTMLLIElement {
  const li = document.createElement('li');
  li.dataset.testid = 'stored-model';
  li.dataset.id = String(m.id);
  const what = document.createElement('span');
  what.className = 'what';
  const small = document.createElement('small');
  small.textContent = `${UNIT_NAMES[m.info.unit] ?? m.info.unit} ${m.info.hiddenSize}${m.info.validNll !== undefined ? ` · valid ${fmt(m.info.validNll)}` : ''} · ` +
    `${(m.bytes.length / 1024).toFixed(0)} KiB · ${new Date(m.savedAt).toLocaleString()}`;
  what.append(m.name, small);
  what.title = m.info.origin;
  const load = document.createElement('button');
  load.type = 'button';
  load.textContent = 'Load';
  load.dataset.testid = 'stored-load';
  load.onclick = () => act(el.modelsMsg, `Could not load “${m.name}”`, async () => {
    const rec = await store!.get(m.id);
    if (!rec) throw new Error('it is no longer stored (deleted in another tab?)');
    await loadModelBytes(rec.name, rec.bytes, rec.info.origin, rec.info.validNll);
  }).then((ok) => { if (ok) void drawSample(); });
  const del = document.createElement('button');
  del.type = 'button';
  del.textContent = 'Delete';
  del.dataset.testid = 'stored-delete';
  del.onclick = () => act(el.modelsMsg, `Could not delete “${m.name}”`, async () => {
    await store!.delete(m.id);
    await renderStored();
  });
  li.append(what, load, del);
  return li;
}

// --------------------------------------------------------------------------------- sampling

function sampleSettings(): SampleSettings {
  return {
    frames: num(el.frames, 'Frames', true),
    temperature: num(el.temperature, 'Temperature', false),
    seed: num(el.seed, 'Seed', true),
    maxNotes: num(el.maxNotes, 'Max notes', true),
    primer: Number(el.primer.value) || 0,
  };
}

async function drawSample(): Promise<void> {
  if (!state.model) return;
  let s: SampleSettings;
  try { s = sampleSettings(); } catch (e) { show(el.sampleMsg, messageOf(e)); return; }
  await act(el.sampleMsg, 'Could not sample', async () => {
    const r = await client.call({ type: 'sample', settings: s });
    stopPlaying();
    state.sample = { ...r, settings: s };
    roll.show(r.notes, r.primerFrames);
    const notes = r.notes.reduce((n, step) => n + step.length, 0);
    const primed = r.primerFrames ? ` after ${plural(r.primerFrames, 'primer step')} (grey)` : '';
    el.sampleInfo.textContent = `${plural(r.frames, 'frame')}${primed}, ${plural(notes, 'note-frame')}, seed ${s.seed}, temperature ${s.temperature}`;
  });
}

function bpm(): number { return Number(el.tempo.value) || 120; }

function stopPlaying(): void {
  synth.stop();
  roll.setPlayhead(-1);
  refresh();
}

function animatePlayhead(): void {
  const p = synth.position();
  roll.setPlayhead(p);
  if (synth.playing) requestAnimationFrame(animatePlayhead);
}

async function play(): Promise<void> {
  if (synth.playing) { stopPlaying(); return; }
  if (!state.sample) return;
  try {
    await synth.play(state.sample.notes, bpm(), () => { roll.setPlayhead(-1); refresh(); });
    refresh();
    requestAnimationFrame(animatePlayhead);
  } catch (e) {
    show(el.sampleMsg, `Could not play: ${messageOf(e)}`);
  }
}

function midiOf(notes: NoteSequence): Uint8Array {
  return noteSequenceToMidi(notes, { stepsPerQuarter: 2, bpm: bpm(), name: 'gatedrnn sample' });
}

// --------------------------------------------------------------------------------- wiring

el.unit.onchange = () => {
  const u = PAPER_UNITS.find((x) => x.key === el.unit.value);
  if (u) el.hidden.value = String(u.hiddenSize);
};
el.optimizer.onchange = () => { el.lr.value = el.optimizer.value === 'adam' ? '0.01' : '0.003'; };
el.srcSynthetic.onclick = () => { clear(el.dataMsg); void useSynthetic(); };
el.midiFile.onchange = () => {
  const files = [...(el.midiFile.files ?? [])];
  el.midiFile.value = '';
  if (files.length) void useMidi(files);
};
el.datasetFile.onchange = () => {
  const f = el.datasetFile.files?.[0];
  el.datasetFile.value = '';
  if (f) void useDataset(f);
};
el.train.onclick = () => void startTraining();
el.stop.onclick = () => { el.stop.disabled = true; void client.call({ type: 'stop' }); };
el.sample.onclick = () => void drawSample();
el.play.onclick = () => void play();
el.tempo.oninput = () => {
  el.tempoOut.value = el.tempo.value;
  if (synth.playing && state.sample) { synth.stop(); void play(); }
};
el.downloadMidi.onclick = () => {
  if (!state.sample) return;
  try {
    download(midiOf(state.sample.notes), `gatedrnn-sample-seed${state.sample.settings.seed}.mid`, 'audio/midi');
  } catch (e) { show(el.sampleMsg, `Could not write the MIDI file: ${messageOf(e)}`); }
};
el.modelFile.onchange = () => {
  const f = el.modelFile.files?.[0];
  el.modelFile.value = '';
  if (f) void loadModelFile(f);
};
el.downloadModel.onclick = () => act(el.modelsMsg, 'Could not save the model', async () => {
  const { bytes, info } = await client.call({ type: 'save' });
  download(bytes, `gatedrnn-${info.unit}${info.hiddenSize}.safetensors`, 'application/octet-stream');
});
el.saveForm.onsubmit = (e) => {
  e.preventDefault();
  void act(el.modelsMsg, 'Could not keep the model', async () => {
    if (!store) throw new Error('IndexedDB is not available in this browser (a private window?)');
    const { bytes, info } = await client.call({ type: 'save' });
    const name = el.saveName.value.trim() || el.saveName.placeholder || 'model';
    await store.put(name, info, bytes);
    el.saveName.value = '';
    await renderStored();
    show(el.modelsMsg, `Kept “${name}” in this browser.`, 'good');
  });
};

// Drag and drop anywhere: files are sorted by name into MIDI, data sets and models.
let dragDepth = 0;
document.addEventListener('dragenter', (e) => { if (e.dataTransfer?.types.includes('Files')) { dragDepth++; document.body.classList.add('dragging'); } });
document.addEventListener('dragleave', () => { if (--dragDepth <= 0) { dragDepth = 0; document.body.classList.remove('dragging'); } });
document.addEventListener('dragover', (e) => { if (e.dataTransfer?.types.includes('Files')) e.preventDefault(); });
document.addEventListener('drop', (e) => {
  e.preventDefault();
  dragDepth = 0;
  document.body.classList.remove('dragging');
  void dropped([...(e.dataTransfer?.files ?? [])]);
});

async function dropped(files: File[]): Promise<void> {
  if (files.length === 0) return;
  if (!state.ready || state.training || state.busy) { show(el.dataMsg, 'Busy: wait for the current job (or stop training) before dropping files.'); return; }
  const midi = files.filter((f) => /\.(midi?|kar)$/i.test(f.name));
  const sets = files.filter((f) => /\.(json|gz)$/i.test(f.name));
  const models = files.filter((f) => /\.safetensors$/i.test(f.name));
  const other = files.filter((f) => !midi.includes(f) && !sets.includes(f) && !models.includes(f));
  if (sets.length > 1) { show(el.dataMsg, `Drop one data set at a time (got ${sets.map((f) => f.name).join(', ')}).`); return; }
  if (midi.length && sets.length) { show(el.dataMsg, 'Drop either MIDI files or a data set, not both.'); return; }
  if (midi.length) await useMidi(midi);
  else if (sets.length) await useDataset(sets[0]);
  if (models.length) await loadModelFile(models[0]);
  if (other.length) {
    // after the actions above, which clear the box: added to what they reported
    const text = `Not used (by their names, neither MIDI, a data set nor a model): ${other.map((f) => f.name).join(', ')}`;
    if (el.dataMsg.hidden) show(el.dataMsg, text, 'note');
    else el.dataMsg.textContent += `\n${text}`;
  }
}

// --------------------------------------------------------------------------------- start

refresh();
ModelStore.open().then(
  (s) => { store = s; return renderStored(); },
  (e: unknown) => show(el.modelsMsg, `Models cannot be kept in this browser: ${messageOf(e)}`, 'note'),
);

// A small, clearly named hook for tests/demo.test.ts (the page itself never uses it): the
// current model's output distribution for given input frames, computed in the worker, and the
// last sample's notes.
(window as unknown as { gatedrnnDemoTest: unknown }).gatedrnnDemoTest = {
  async probabilities(x: number[], T: number): Promise<{ outputs: number[]; build: string }> {
    const r = await client.call({ type: 'probabilities', x: Float32Array.from(x), T });
    return { outputs: Array.from(r.outputs), build: r.build };
  },
  lastSample: (): NoteSequence | null => state.sample?.notes ?? null,
  lastTraining: (): TrainOutcome | null => state.lastTraining,
  midiOfLastSample: (): number[] | null => (state.sample ? Array.from(midiOf(state.sample.notes)) : null),
  get state() { return { ready: state.ready, training: state.training, busy: state.busy, model: state.model }; },
};
