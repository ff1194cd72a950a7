/** The renderer's audio: engine, clocks, and the test hook. */
export { AudioEngine, TrackLoadError } from './engine';
export { channelMatrix } from './output-graph';
export type { AudioEngineComponents, AudioEngineInit, TrackFailure } from './engine-options';
export type { AudioEngineSnapshot, EngineStatus, OutputSettings, StartRecord } from './engine-state';
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
export type { PlaybackAnchor, PlaybackSchedule } from './timeline';
export { installAudioTestHook } from './test-hook';
export type { FireflyAudioTestHook } from './test-hook';
export { useAudioEngineSnapshot } from './use-audio-engine';
