/** The calibration click test: a short click on every second of group time, played through Web Audio on this device. */
import { clicksToSchedule, contextTimeFor } from './schedule';

/** Where group time comes from (the page's group clock; this device's clock as a fallback). */
export type GroupNow = () => number;

const LOOKAHEAD_MS = 25;

/** Plays the click train until stopped; the output offset can change while it runs. */
export class ClickTrain {
  #context: AudioContext | null = null;
  #timer: ReturnType<typeof setInterval> | null = null;
  #lastGroupMs: number | null = null;
  #outputOffsetMs: number;

  constructor(
    private readonly groupNow: GroupNow,
    outputOffsetMs: number,
    private readonly volume = 0.6,
  ) {
    this.#outputOffsetMs = outputOffsetMs;
  }

  /** Whether clicks are playing. */
  get running(): boolean {
    return this.#timer !== null;
  }

  /** Starts clicking (call from a user gesture, so the browser lets the AudioContext run). */
  async start(): Promise<void> {
    if (this.#timer) return;
    this.#context ??= new AudioContext({ latencyHint: 'interactive' });
    await this.#context.resume();
    this.#lastGroupMs = null;
    this.#timer = setInterval(() => this.#tick(), LOOKAHEAD_MS);
    this.#tick();
  }

  /** Changes the offset; clicks not yet scheduled use the new value. */
  setOutputOffsetMs(ms: number): void {
    this.#outputOffsetMs = ms;
  }

  /** Stops clicking and releases the audio device. */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    const context = this.#context;
    this.#context = null;
    void context?.close().catch(() => undefined);
  }

  #tick(): void {
    const ctx = this.#context;
    if (!ctx) return;
    const groupMs = this.groupNow();
    const latencySec = ctx.outputLatency || ctx.baseLatency || 0;
    for (const click of clicksToSchedule(groupMs, this.#lastGroupMs)) {
      const when = contextTimeFor(click.groupMs, groupMs, ctx.currentTime, latencySec, this.#outputOffsetMs);
      this.#lastGroupMs = click.groupMs;
      if (when <= ctx.currentTime) continue;
      this.#click(ctx, when, click.accent);
    }
  }

  #click(ctx: AudioContext, when: number, accent: boolean): void {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.frequency.value = accent ? 1760 : 1320;
    // A fast attack and a 30 ms decay: a sharp click that is easy to line up by ear.
    gain.gain.setValueAtTime(0, when);
    gain.gain.linearRampToValueAtTime(accent ? this.volume : this.volume * 0.6, when + 0.001);
    gain.gain.exponentialRampToValueAtTime(0.0001, when + 0.03);
    osc.connect(gain).connect(ctx.destination);
    osc.start(when);
    osc.stop(when + 0.04);
  }
}
