/**
 * What the engine makes of a status from the player: a first sound to record, re-positions and
 * underruns to note, the sync error, and the engine status it implies. Pure, so it is tested without
 * a browser.
 */
import type { ClockMapFit } from '../clock-map';
import { contextToPerformance } from '../clock-map';
import type { EngineStatus, StartRecord } from '../engine-state';
import type { PlayerStatus } from './protocol';
import { groupMsOfTrackFrame, type PlacedSegment } from './segment';

/** What changed between two statuses of one generation. */
export interface StatusReading {
  /** Lines for the engine's event log. */
  notes: string[];
  /** The first sound, when it is new in this status. */
  started: NonNullable<PlayerStatus['started']> | null;
  /** Re-positions since the last status. */
  repositions: number;
  syncErrorMs: number | null;
  /** The engine status this implies, or null for no change. */
  status: EngineStatus | null;
  /** The track's last frame was rendered at this context frame (heard an output latency later). */
  renderedEndAt: number | null;
}

const ms = (frames: number, rate: number) => (frames * 1000) / rate;

/** Reads `status` against the one before it, for an engine whose status is `engineStatus`. */
export function readStatus(
  before: PlayerStatus | null,
  status: PlayerStatus,
  rate: number,
  engineStatus: EngineStatus,
): StatusReading {
  const notes: string[] = [];
  const started =
    status.started && (!before?.started || before.started.contextFrame !== status.started.contextFrame)
      ? status.started
      : null;
  const repositions = Math.max(0, status.repositions - (before?.repositions ?? 0));
  if (repositions > 0)
    notes.push(`re-positioned (error ${ms(status.repositionErrorFrames ?? 0, rate).toFixed(2)} ms)`);
  if (
    status.phase === 'playing' &&
    before?.phase === 'playing' &&
    status.starvedFrames > before.starvedFrames
  )
    notes.push(
      `underrun: ${ms(status.starvedFrames - before.starvedFrames, rate).toFixed(1)} ms without decoded audio`,
    );
  const gaps = (status.renderClock?.gaps ?? 0) - (before?.renderClock?.gaps ?? 0);
  if (before?.renderClock && gaps > 0)
    notes.push(
      `render clock: ${gaps} block(s) off the one before, the last by ${status.renderClock!.lastGapFrames} frames`,
    );
  const stale = (status.renderClock?.stale ?? 0) - (before?.renderClock?.stale ?? 0);
  if (before?.renderClock && stale > 0)
    notes.push(`render clock: ${stale} block(s) with a stale currentFrame, counted on`);
  let next: EngineStatus | null = null;
  let renderedEndAt: number | null = null;
  if (engineStatus !== 'error' && engineStatus !== 'ended') {
    if (status.phase === 'playing') next = 'playing';
    else if (status.phase === 'ended' && engineStatus === 'playing') renderedEndAt = status.contextFrame;
    else if (status.phase === 'waiting' && engineStatus === 'loading' && status.bufferedFrames > 0)
      next = 'waiting';
  }
  return {
    notes,
    started,
    repositions,
    syncErrorMs: status.errorFrames === null ? null : ms(status.errorFrames, rate),
    status: next === engineStatus ? null : next,
    renderedEndAt,
  };
}

/** The start record of a first sound at `started` of `segment`. */
export function startRecordOf(
  segment: PlacedSegment,
  started: NonNullable<PlayerStatus['started']>,
  rate: number,
  fit: ClockMapFit | null,
  outputOffsetMs: number,
): StartRecord {
  const contextWhen = started.contextFrame / rate;
  return {
    trackId: segment.trackId,
    contextWhen,
    groupTimeMs: groupMsOfTrackFrame(segment, started.trackFrame, rate),
    offsetSec: started.trackFrame / rate,
    performanceMs: fit ? contextToPerformance(fit, contextWhen) : NaN,
    outputOffsetMs,
    sampleRate: rate,
  };
}
