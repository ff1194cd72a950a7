/**
 * Entry of a standalone page for acoustic tests of the engine (bundled by the test itself, not
 * part of the app). There is no peer: the "host" answering clock probes is this page's own
 * `performance.timeOrigin + performance.now()`, shifted by `?hostOffsetMs=` if given, which
 * browsers on one machine share. Tracks are fetched from `/media/track/<id>` like in the app; the
 * engine's decoder worker and player worklet load from `/stream/decoder-worker.js` and
 * `/stream/player-worklet.js`.
 */
import type { ClockProbeReply } from '../../shared/bridge/payloads';
import { AudioEngine } from './engine';
import type { OutputSettings } from './engine-state';
import { GroupClock, performanceClock } from './group-clock';
import type { PlaybackSchedule } from './timeline';
import { installAudioTestHook } from './test-hook';

/** What the acoustic test drives through `page.evaluate`. */
export interface AcousticHarnessApi {
  /** Starts the engine and the group clock; resolves when both can schedule. */
  start(settings?: Partial<OutputSettings>): Promise<void>;
  groupNowMs(): number | null;
  preload(trackId: string): Promise<void>;
  schedule(state: PlaybackSchedule | null): void;
  setSettings(patch: Partial<OutputSettings>): void;
  /** Sync reports received so far (what the app would send to its host). */
  reports(): { errorMs: number; boundMs: number }[];
  /** Raw getOutputTimestamp readings taken every 40 ms since start: [performanceMs, contextSec]. */
  rawTimestamps(): [number, number][];
}

declare global {
  interface Window {
    __acousticHarness?: AcousticHarnessApi;
  }
}

const params = new URLSearchParams(location.search);
const hostOffsetMs = Number(params.get('hostOffsetMs') ?? 0);
const local = performanceClock();
const bridge = {
  clock: {
    probe: async (): Promise<ClockProbeReply> => {
      const t = local.nowMs() + hostOffsetMs;
      return { t2: t, t3: t, groupOffsetMs: -hostOffsetMs, groupErrorMs: 0 };
    },
  },
};
const groupClock = new GroupClock({ bridge, clock: local }, { probeIntervalMs: 500 });
const reports: { errorMs: number; boundMs: number }[] = [];
const raw: [number, number][] = [];
const onSyncReport = (errorMs: number, boundMs: number) => reports.push({ errorMs, boundMs });
const engine = new AudioEngine(
  {
    groupClock,
    createDecoder: () => new Worker('/stream/decoder-worker.js', { type: 'module' }),
    playerWorkletUrl: '/stream/player-worklet.js',
  },
  { onSyncReport },
);
installAudioTestHook(engine, groupClock);

window.__acousticHarness = {
  async start(settings) {
    if (settings) engine.setSettings(settings);
    groupClock.start();
    await engine.start();
    setInterval(() => {
      const ts = engine.audioContext?.getOutputTimestamp();
      if (ts?.performanceTime && ts.contextTime) raw.push([ts.performanceTime, ts.contextTime]);
    }, 40);
    await groupClock.ready();
  },
  groupNowMs: () => groupClock.groupNow()?.groupMs ?? null,
  preload: (trackId) => engine.preload(trackId),
  schedule: (state) => engine.schedule(state),
  setSettings: (patch) => engine.setSettings(patch),
  reports: () => [...reports],
  rawTimestamps: () => [...raw],
};
document.title = 'acoustic harness ready';
