/**
 * Measures of a recorded tone: whether a sine runs on unbroken (gapless playback) and how loud a
 * tone is in a stretch (a crossfade's overlap).
 */

/** What `continuity` finds in one channel. */
export interface Continuity {
  /** Frames from the first to the last sample of the tone. */
  lengthFrames: number;
  /** Its peak level. */
  amplitude: number;
  /** The largest step between neighbouring samples, and where (frames from the tone's start). */
  maxStep: number;
  maxStepAt: number;
  /** The largest step a sine of that amplitude and frequency takes: A · 2 sin(π f / rate). */
  sineStep: number;
  /** The lowest peak level of any 1 ms window inside the tone (a gap shows as a quiet window). */
  minWindowPeak: number;
}

/** The tone's peak, and its first and last samples above 2% of it (the span it runs in). */
function toneSpan(x: Float32Array): { peak: number; first: number; last: number } {
  let peak = 0;
  for (const v of x) peak = Math.max(peak, Math.abs(v));
  const floor = peak * 0.02;
  const first = x.findIndex((v) => Math.abs(v) > floor);
  let last = x.length - 1;
  while (last > first && Math.abs(x[last]!) <= floor) last--;
  return { peak, first, last };
}

/** Where a sine of `hz` runs in `x`, and how smoothly; `x` must hold it once, between silences. */
export function continuity(x: Float32Array, rate: number, hz: number): Continuity {
  const { peak, first, last } = toneSpan(x);
  let maxStep = 0;
  let maxStepAt = 0;
  for (let i = first + 2; i <= last; i++) {
    const step = Math.abs(x[i]! - x[i - 1]!);
    if (step > maxStep) {
      maxStep = step;
      maxStepAt = i - first;
    }
  }
  const window = Math.round(rate / 1000);
  let minWindowPeak = Infinity;
  for (let at = first + window; at + 2 * window <= last; at += window) {
    let p = 0;
    for (let i = at; i < at + window; i++) p = Math.max(p, Math.abs(x[i]!));
    minWindowPeak = Math.min(minWindowPeak, p);
  }
  return {
    lengthFrames: first < 0 ? 0 : last - first + 1,
    amplitude: peak,
    maxStep,
    maxStepAt,
    sineStep: peak * 2 * Math.sin((Math.PI * hz) / rate),
    minWindowPeak,
  };
}

/** The amplitude of the `hz` component of `x` (a single-bin DFT, Goertzel's recurrence). */
export function toneLevel(x: Float32Array, rate: number, hz: number): number {
  const w = (2 * Math.PI * hz) / rate;
  const coeff = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  for (const v of x) {
    const s = v + coeff * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return (2 * Math.sqrt(Math.max(0, power))) / x.length;
}

/** A break in a recorded sine: a step above the limit or a quiet 1 ms window, at frames from the tone's start. */
export interface SineFault {
  atFrame: number;
  kind: 'step' | 'quiet';
}

/**
 * Every break in the sine of `x` (the span `continuity` measures): steps above `stepLimit` and 1 ms windows
 * whose peak is under `quietLevel`, at frames from the tone's start; breaks within 5 ms of the one before
 * are one break. Also where the tone starts in `x`.
 */
export function sineFaults(
  x: Float32Array,
  rate: number,
  stepLimit: number,
  quietLevel: number,
): { startFrame: number; faults: SineFault[] } {
  const { first, last } = toneSpan(x);
  const found: SineFault[] = [];
  for (let i = first + 2; i <= last; i++)
    if (Math.abs(x[i]! - x[i - 1]!) > stepLimit) found.push({ atFrame: i - first, kind: 'step' });
  const window = Math.round(rate / 1000);
  for (let at = first + window; at + 2 * window <= last; at += window) {
    let p = 0;
    for (let i = at; i < at + window; i++) p = Math.max(p, Math.abs(x[i]!));
    if (p < quietLevel) found.push({ atFrame: at - first, kind: 'quiet' });
  }
  found.sort((a, b) => a.atFrame - b.atFrame);
  const faults: SineFault[] = [];
  const near = Math.round(rate * 0.005);
  let lastAt = -Infinity;
  for (const f of found) {
    if (f.atFrame - lastAt > near) faults.push(f);
    lastAt = f.atFrame;
  }
  return { startFrame: first, faults };
}
