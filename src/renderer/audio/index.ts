/** The renderer's audio: engine, clocks, and the test hook. */
export { AudioEngine, TrackLoadError, channelMatrix } from './engine';
export type {
  AudioEngineComponents,
  AudioEngineInit,
  AudioEngineSnapshot,
  EngineStatus,
  OutputSettings,
  StartRecord,
} from './engine';
export { GroupClock, performanceClock } from './group-clock';
export type {
  ClockProbeBridge,
  GroupClockInit,
  GroupClockStats,
  GroupTimeReading,
  GroupTimeSource,
  LocalClock,
} from './group-clock';
export { ClockMap } from './clock-map';
export type { ClockMapFit, ClockMapInit } from './clock-map';
export type { PlaybackAnchor, PlaybackSchedule, DriftPolicy } from './timeline';
export { installAudioTestHook } from './test-hook';
export type { FireflyAudioTestHook } from './test-hook';
export { useAudioEngineSnapshot } from './use-audio-engine';
