/**
 * `window.__fireflyAudio`: a read-only view of the engine for end-to-end tests, which compare
 * across windows when each one will play the same frame.
 */
import type { AudioEngine } from './engine';
import type { AudioEngineSnapshot, EngineEvent, StartRecord } from './engine-state';
import type { ClockMapFit } from './clock-map';
import type { GroupClock, GroupTimeReading } from './group-clock';

/** What tests read from a window. */
export interface FireflyAudioTestHook {
  /** What the engine scheduled last, or null. */
  readonly lastStart: StartRecord | null;
  /** Sources started so far (re-anchors and silent refinements included). */
  readonly starts: number;
  /** How many of `starts` were the engine's own corrections (re-anchors, refinements before a start). */
  readonly corrections: number;
  snapshot(): AudioEngineSnapshot;
  /** The engine's recent starts and corrections with their reasons, oldest first. */
  events(): EngineEvent[];
  /** Group time (ms) at which frame `frame` of the current track is heard, or null. */
  groupTimeOfFrame(frame: number): number | null;
  /** Group time now per this window's clocks, or null before the first estimate. */
  groupNow(): GroupTimeReading | null;
  /** Whether this window takes its host's clock as its own (same machine, every probe agreeing). */
  sameClock(): boolean;
  /** The performance → context time map in use, or null before the output runs. */
  outputClock(): ClockMapFit | null;
  /** The AudioContext's sample rate, reported latencies and current time (s), or null before start. */
  context(): {
    sampleRate: number;
    baseLatency: number;
    outputLatency: number;
    currentTime: number;
    state: AudioContextState;
  } | null;
  /** A raw reading of the output now, for benches that study it; null before the output runs. */
  outputReading(): {
    epochMs: number;
    currentTime: number;
    contextTime: number;
    performanceEpochMs: number;
    outputLatency: number;
    baseLatency: number;
    underrunSec: number | null;
    underruns: number | null;
    syncErrorMs: number | null;
    mapOffsetMs: number | null;
  } | null;
}

declare global {
  interface Window {
    __fireflyAudio?: FireflyAudioTestHook;
  }
}

/** What the hook reads from the engine. */
export type HookedEngine = Pick<
  AudioEngine,
  | 'lastStart'
  | 'starts'
  | 'corrections'
  | 'getSnapshot'
  | 'events'
  | 'groupTimeOfFrame'
  | 'outputClock'
  | 'audioContext'
>;

/** Installs the hook on `target` (the window by default); returns a function removing it. */
export function installAudioTestHook(
  engine: HookedEngine,
  groupClock: GroupClock,
  target: Window = window,
): () => void {
  const outputReading: FireflyAudioTestHook['outputReading'] = () => {
    const ctx = engine.audioContext;
    if (!ctx) return null;
    const ts = ctx.getOutputTimestamp();
    const stats = (
      ctx as AudioContext & { playbackStats?: { underrunDuration: number; underrunEvents: number } }
    ).playbackStats;
    return {
      epochMs: performance.timeOrigin + performance.now(),
      currentTime: ctx.currentTime,
      contextTime: ts.contextTime ?? NaN,
      performanceEpochMs: performance.timeOrigin + (ts.performanceTime ?? NaN),
      outputLatency: ctx.outputLatency,
      baseLatency: ctx.baseLatency,
      underrunSec: stats?.underrunDuration ?? null,
      underruns: stats?.underrunEvents ?? null,
      syncErrorMs: engine.getSnapshot().syncErrorMs,
      mapOffsetMs: engine.outputClock()?.offsetMs ?? null,
    };
  };
  const hook: FireflyAudioTestHook = {
    outputReading,
    get lastStart() {
      return engine.lastStart;
    },
    get starts() {
      return engine.starts;
    },
    get corrections() {
      return engine.corrections;
    },
    snapshot: () => engine.getSnapshot(),
    events: () => [...engine.events],
    groupTimeOfFrame: (frame) => engine.groupTimeOfFrame(frame),
    groupNow: () => groupClock.groupNow(),
    sameClock: () => groupClock.sameClock,
    outputClock: () => engine.outputClock(),
    context: () => {
      const ctx = engine.audioContext;
      if (!ctx) return null;
      return {
        sampleRate: ctx.sampleRate,
        baseLatency: ctx.baseLatency,
        outputLatency: ctx.outputLatency,
        currentTime: ctx.currentTime,
        state: ctx.state,
      };
    },
  };
  target.__fireflyAudio = hook;
  return () => {
    if (target.__fireflyAudio === hook) delete target.__fireflyAudio;
  };
}
