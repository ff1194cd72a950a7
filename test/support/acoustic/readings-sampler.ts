/**
 * A page's raw output readings every 10 ms (`window.__fireflyAudio.outputReading()`), kept in the page for
 * `bench/readings-take.ts`; started when the page opens (`PeerRoomOptions.sampleReadings`) so that a dump
 * holds the seconds before the first play too, or when the take starts.
 */
import type { FireflyAudioTestHook } from '../../../src/renderer/audio/test-hook';

/** One reading of a page. */
export type OutputReading = NonNullable<ReturnType<FireflyAudioTestHook['outputReading']>>;

/** The page's globals the sampler uses. */
export interface SamplingWindow {
  __readings?: (OutputReading | null)[];
  __fireflyAudio?: { outputReading(): OutputReading | null };
}

/** Runs in the page (`page.evaluate`): starts sampling unless it already runs. */
export function startReadingsSampler(): void {
  const w = window as unknown as SamplingWindow;
  if (w.__readings) return;
  const readings: (OutputReading | null)[] = [];
  w.__readings = readings;
  setInterval(() => readings.push(w.__fireflyAudio?.outputReading() ?? null), 10);
}
