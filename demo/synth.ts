// A small WebAudio synth for piano rolls: each note run (consecutive steps of one note, see
// roll.ts) is one triangle oscillator with an attack–decay–sustain–release envelope, all
// scheduled up front on the audio clock, through a low-pass filter and a compressor so that a
// dense chord does not clip. The AudioContext is made on the first play (browsers start audio
// only from a user gesture).
import type { NoteSequence } from '../bindings/data/pianoroll.js';
import { noteRuns } from './roll.js';

const ATTACK = 0.008, DECAY = 0.12, SUSTAIN = 0.55, RELEASE = 0.09;

export class Synth {
  private ctx: AudioContext | null = null;
  private out: AudioNode | null = null;
  private voices: OscillatorNode[] = [];
  private t0 = 0;
  private stepSeconds = 0;
  private steps = 0;
  private endTimer = 0;

  /** Plays `seq` at `bpm` quarter notes per minute, `stepsPerQuarter` steps per beat; calls
   *  `onEnd` when it has finished (not when stopped). */
  async play(seq: NoteSequence, bpm: number, onEnd: () => void, stepsPerQuarter = 2): Promise<void> {
    this.stop();
    if (!this.ctx) {
      const Ctx = window.AudioContext ?? (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
      if (!Ctx) throw new Error('this browser has no Web Audio');
      this.ctx = new Ctx();
      const filter = this.ctx.createBiquadFilter();
      filter.type = 'lowpass';
      filter.frequency.value = 3200;
      const comp = this.ctx.createDynamicsCompressor();
      const master = this.ctx.createGain();
      master.gain.value = 0.6;
      filter.connect(comp).connect(master).connect(this.ctx.destination);
      this.out = filter;
    }
    const ctx = this.ctx;
    if (ctx.state === 'suspended') await ctx.resume();
    this.stepSeconds = 60 / bpm / stepsPerQuarter;
    this.steps = seq.length;
    this.t0 = ctx.currentTime + 0.06;
    // quieter the more notes sound at once, so chords and solo lines sit at similar loudness
    const poly = Math.max(1, ...seq.map((s) => s.length));
    const peak = 0.5 / Math.sqrt(poly);
    for (const r of noteRuns(seq)) {
      const start = this.t0 + r.start * this.stepSeconds, end = this.t0 + r.end * this.stepSeconds;
      const osc = ctx.createOscillator(), env = ctx.createGain();
      osc.type = 'triangle';
      osc.frequency.value = 440 * 2 ** ((r.note - 69) / 12);
      env.gain.setValueAtTime(0, start);
      env.gain.linearRampToValueAtTime(peak, start + ATTACK);
      env.gain.setTargetAtTime(peak * SUSTAIN, start + ATTACK, DECAY / 3);
      env.gain.setTargetAtTime(0, Math.max(end - 0.01, start + ATTACK), RELEASE / 3);
      osc.connect(env).connect(this.out!);
      osc.start(start);
      osc.stop(end + RELEASE * 2);
      this.voices.push(osc);
    }
    const total = (this.steps * this.stepSeconds + RELEASE * 2 + 0.06) * 1000;
    this.endTimer = window.setTimeout(() => { this.voices = []; this.steps = 0; onEnd(); }, total);
  }

  stop(): void {
    clearTimeout(this.endTimer);
    for (const v of this.voices) { try { v.stop(); v.disconnect(); } catch { /* already stopped */ } }
    this.voices = [];
    this.steps = 0;
  }

  get playing(): boolean { return this.steps > 0; }

  /** Where playback is, in (fractional) steps; −1 when nothing plays. */
  position(): number {
    if (!this.ctx || this.steps === 0) return -1;
    const s = (this.ctx.currentTime - this.t0) / this.stepSeconds;
    return s < 0 ? 0 : s > this.steps ? -1 : s;
  }
}
