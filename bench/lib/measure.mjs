// The measurement shared by both sides of bench/browser.mjs: Node imports this file and hands
// it dist/node.js's namespace; the Chromium page imports the same file over HTTP and hands it
// dist/browser.js's. No Node built-ins and no DOM here, so both sides run exactly this code.
//
//   const r = createRunner(g);                       // g: the library's namespace
//   const { id, check } = await r.prepare({ unit: 'gru', B: 32, mode: 'train', T: 100, build: 'relaxed' });
//   const s = r.sample(id, 0.5);                     // { calls, frames, sec } of one timed window
//   r.dispose(id);
//
// Modes (a frame = one time step of one sequence):
//   train    model.trainStep(batch, { clipNorm: 1, weightNoise: 0.075 }) with the paper's RMSProp:
//            forward, BPTT, Bernoulli head, clipping, weight noise, update; T·B frames a call
//   forward  model.forward(batch): loss and the output distribution (copied out); T·B frames
//   stream   model.stream(1).step(frame): one frame in, the next-frame distribution out; 1 frame

/** Piano-roll width (inputs and outputs of the music models). */
export const IO = 88;

/** Options of every update, as the music grid trains (bin/gatedrnn.js reproduce defaults). */
export const TRAIN_OPTS = { clipNorm: 1, weightNoise: 0.075 };

/** The cases of a run: per paper unit, training and forward at B = 32 and 1, streaming at 1. */
export function listCases(g) {
  const out = [];
  for (const u of g.PAPER_UNITS) {
    for (const [mode, B] of [['train', 32], ['train', 1], ['forward', 32], ['forward', 1], ['stream', 1]]) {
      out.push({ unit: u.key, name: `${u.name}-${u.hiddenSize}`, H: u.hiddenSize, mode, B });
    }
  }
  return out;
}

function musicConfig(u, seed) {
  const c = { unit: u.unit, hiddenSize: u.hiddenSize, inputSize: IO, head: { type: 'bernoulli', size: IO }, seed };
  if (u.peepholes !== undefined) c.peepholes = u.peepholes;
  if (u.resetAfter !== undefined) c.resetAfter = u.resetAfter;
  return c;
}

/** A seeded piano roll of T + 1 frames for B sequences, about 4 notes of 88 on a frame;
 *  y is x shifted by one frame (next-frame prediction), layout (T, B, 88). */
function pianoBatch(g, T, B, seed) {
  const rng = new g.Rng(seed);
  const roll = new Float32Array((T + 1) * B * IO);
  for (let k = 0; k < roll.length; k++) roll[k] = rng.uniform() < 4 / IO ? 1 : 0;
  return { T, B, x: roll.subarray(0, T * B * IO), y: roll.subarray(B * IO) };
}

const now = () => performance.now();

export function createRunner(g) {
  const live = new Map();
  let next = 1;
  return {
    /** Builds the model and its call; returns an id and a check value of the first call
     *  (train: its loss; forward: the loss; stream: the sum of the first distribution). */
    async prepare(spec) {
      const u = g.PAPER_UNITS.find((x) => x.key === spec.unit);
      if (!u) throw new Error(`unknown unit ${spec.unit}`);
      const model = await g.createModel(musicConfig(u, 7), { build: spec.build });
      const T = spec.mode === 'stream' ? 1 : spec.T;
      const batch = pianoBatch(g, spec.T, spec.B, 11);
      let call, frames, check;
      if (spec.mode === 'train') {
        model.setOptimizer({ ...g.PAPER_RMSPROP, lr: 1e-4 });
        call = () => model.trainStep(batch, TRAIN_OPTS).loss;
        frames = T * spec.B;
        check = call();
      } else if (spec.mode === 'forward') {
        call = () => model.forward(batch).loss;
        frames = T * spec.B;
        check = call();
      } else if (spec.mode === 'stream') {
        if (spec.B !== 1) throw new Error('stream is measured at B = 1');
        check = 0;
        for (const v of model.stream(1).step(batch.x.subarray(0, IO))) check += v;
        // One long stream over the roll's frames in a cycle, as sampling feeds each drawn
        // frame back in (the state is never reset).
        const s = model.stream(1);
        const steps = Array.from({ length: spec.T }, (_, t) => batch.x.subarray(t * IO, (t + 1) * IO));
        let t = 0;
        call = () => {
          const p = s.step(steps[t]);
          if (++t === steps.length) t = 0;
          return p[0];
        };
        frames = 1;
      } else {
        throw new Error(`unknown mode ${spec.mode}`);
      }
      const id = next++;
      live.set(id, { model, call, frames });
      return { id, check, build: model.build, framesPerCall: frames };
    },

    /** One timed window of at least minTime seconds. Calls run in chunks that grow until one
     *  takes ≥ 5 ms, so the clock is read rarely even for a single streamed frame. */
    sample(id, minTime) {
      const x = live.get(id);
      if (!x) throw new Error(`no prepared case ${id}`);
      const { call } = x;
      let calls = 0, chunk = 1, sink = 0;
      const t0 = now();
      let el = 0;
      while (el < minTime * 1000) {
        const c0 = now();
        for (let i = 0; i < chunk; i++) sink += call();
        calls += chunk;
        const t = now();
        el = t - t0;
        if (t - c0 < 5 && chunk < 1 << 20) chunk *= 2;
      }
      if (Number.isNaN(sink)) throw new Error('a call returned NaN');
      return { calls, frames: calls * x.frames, sec: el / 1000 };
    },

    dispose(id) {
      const x = live.get(id);
      if (x) { x.model.dispose(); live.delete(id); }
    },
  };
}
