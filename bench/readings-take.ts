/**
 * A take of `bench:sync` with each page's raw output readings kept (`--dump-readings DIR`; from the moment
 * the page opened when the room was started with `sampleReadings`, else from the take's start): every 10 ms,
 * each page's `getOutputTimestamp()`, `currentTime`, glitch counters, its engine's sync error and its
 * output map's offset (`window.__fireflyAudio.outputReading()`), and each channel's click onsets placed on
 * the machine's clock. `bench/readings-report.ts` reads the file. What it is for: telling readings that
 * moved with the sound from readings that moved without it (docs/sync.md, "What the measurements say").
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { findOnsets, measureOffsets, type OffsetReport } from '../test/support/acoustic/analyze';
import type { PeerRoom, WatchReport } from '../test/support/acoustic/peer-room';
import { recordTimed, type AcousticRig } from '../test/support/acoustic/rig';
import {
  startReadingsSampler,
  type OutputReading,
  type SamplingWindow,
} from '../test/support/acoustic/readings-sampler';

/** What a dump file holds. */
export interface ReadingsDump {
  clickTimesSec: readonly number[];
  /** Per page (holder, follower): readings every 10 ms (null before its output ran). */
  samples: (OutputReading | null)[][];
  /** Per channel: click onsets (ms, this process's `performance.timeOrigin + now()`). */
  onsetsEpochMs: number[][];
  /** The recording's time base may be early by up to this much (the sink's render-ahead, ms). */
  renderAheadMs: number | null;
  events: [string[], string[]];
}

export type { OutputReading };

/** Records `action` and what follows it as `take` does, keeping the readings; writes them to `dir`. */
export async function takeWithReadings(
  rig: AcousticRig,
  room: PeerRoom,
  action: () => Promise<unknown>,
  clickTimesSec: readonly number[],
  dir: string,
): Promise<{ report: OffsetReport; watch: WatchReport }> {
  const startedAt = Date.now();
  await Promise.all(room.pages.map((page) => page.evaluate(startReadingsSampler)));
  let watch: WatchReport | null = null;
  const timed = await recordTimed(rig, async () => {
    watch = await action().then(() =>
      room.waitPosition(clickTimesSec.at(-1)! + 0.3, {
        intervalMs: 100,
        timeoutMs: (clickTimesSec.at(-1)! + 60) * 1000,
      }),
    );
  });
  const samples = await Promise.all(
    room.pages.map((page) => page.evaluate(() => (window as unknown as SamplingWindow).__readings ?? [])),
  );
  const rate = timed.audio.sampleRate;
  const events = await room.events(startedAt);
  const dump: ReadingsDump = {
    clickTimesSec,
    samples,
    onsetsEpochMs: timed.audio.channels.map((c) =>
      findOnsets(c, rate).map((i) => timed.startMs + (i / rate) * 1000),
    ),
    renderAheadMs: timed.renderAheadMs,
    events,
  };
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `take-${startedAt}.json`);
  writeFileSync(file, JSON.stringify(dump));
  console.log(`    readings: ${file}`);
  const [a, b] = timed.audio.channels as [Float32Array, Float32Array];
  return { report: measureOffsets(a, b, rate), watch: { ...watch!, events } };
}
