/**
 * What the engine shows the rest of the page: its status, its fast-changing snapshot for
 * `useSyncExternalStore`, what it started last and its recent events (for the test hook and the
 * benchmarks). Kept apart from the audio plumbing in `stream-engine.ts`.
 */
import type { SpeakerChannel } from '../../shared/bridge/payloads';
import type { ClockMapFit } from './clock-map';
import type { PlacedSegment } from './player/segment';
import { startRecordOf, type StatusReading } from './player/status-reading';
import { TypedEventTarget } from '../../shared/events';
import { consoleLogger } from '../console-logger';

/** Per-device output settings. */
export interface OutputSettings {
  /** 0..1. */
  volume: number;
  /** Extra latency of this device's speakers (ms) that the engine plays early to hide. */
  outputOffsetMs: number;
  channel: SpeakerChannel;
}

/** Where the engine is; 'decoding': the whole-file fallback decoder is at work on the current track. */
export type EngineStatus =
  'idle' | 'loading' | 'decoding' | 'waiting' | 'playing' | 'paused' | 'ended' | 'error';

/** Fast-changing engine values; a new object only when something changed. */
export interface AudioEngineSnapshot {
  status: EngineStatus;
  trackId: string | null;
  /** Track position (s) the room is at, per group time (the pause position when paused). */
  positionSec: number;
  durationSec: number | null;
  /** Last measured gap between this device and the group timeline (ms; + = ahead). */
  syncErrorMs: number | null;
  /** Bound on how wrong that measurement can be (ms): clock error of both hops plus map noise. */
  syncBoundMs: number | null;
  playbackRate: number;
  contextState: AudioContextState | 'none';
  error: string | null;
  /** What is wrong with the live stream this window plays, in words (it stalled, it reconnects), or null. */
  liveTrouble: string | null;
}

/** The engine's last start (the test hook shows it). */
export interface StartRecord {
  trackId: string;
  /** Context time (s) of the first frame heard. */
  contextWhen: number;
  /** Group time (ms) at which `offsetSec` is meant to be heard. */
  groupTimeMs: number;
  offsetSec: number;
  /** Performance time (ms) at which `contextWhen` was expected to leave the output. */
  performanceMs: number;
  outputOffsetMs: number;
  sampleRate: number;
}

/** One of the engine's starts or corrections, for diagnostics. */
export interface EngineEvent {
  /** Performance time (ms). */
  atMs: number;
  what: string;
}

/** Chromium's `AudioContext.playbackStats` (not in the DOM typings yet). */
interface PlaybackStats {
  underrunEvents: number;
  underrunDuration: number;
}

/** Status, snapshot, settings and diagnostics shared by the engine's public face. */
export abstract class EngineState {
  protected status: EngineStatus = 'idle';
  protected error: string | null = null;
  protected liveTrouble: string | null = null;
  protected syncErrorMs: number | null = null;
  protected syncBoundMs: number | null = null;
  protected startRecord: StartRecord | null = null;
  protected startCount = 0;
  protected correctionCount = 0;
  private readonly eventLog: EngineEvent[] = [];
  /** Underruns the browser had counted at the last look (`AudioContext.playbackStats`, where it exists). */
  private underrunsSeen: { events: number; durationSec: number } | null = null;
  /** One signal, `snapshot:changed`, for `useSyncExternalStore`. */
  private readonly changes = new TypedEventTarget<{ 'snapshot:changed': undefined }>(
    consoleLogger.forComponent('firefly:audio'),
  );
  private snapshot: AudioEngineSnapshot | undefined;

  constructor(protected settings: OutputSettings) {}

  /** Track position (s) the room is at right now. */
  abstract positionNow(): number;
  protected abstract durationSec(): number | null;
  protected abstract contextState(): AudioContextState | 'none';
  protected abstract currentTrackId(): string | null;
  protected abstract currentRatio(): number;

  /** Current output settings. */
  getSettings(): OutputSettings {
    return { ...this.settings };
  }

  /** Subscribes to snapshot changes (for `useSyncExternalStore`). */
  subscribe = (listener: () => void): (() => void) => {
    return this.changes.on('snapshot:changed', listener);
  };

  /** The current snapshot (same object until something changes). */
  getSnapshot = (): AudioEngineSnapshot => (this.snapshot ??= this.buildSnapshot());

  /** What the engine started last, or null. */
  get lastStart(): StartRecord | null {
    return this.startRecord;
  }

  /** How many starts the engine has made. */
  get starts(): number {
    return this.startCount;
  }

  /** How many corrections (re-positions) it has made. */
  get corrections(): number {
    return this.correctionCount;
  }

  /** The engine's last 100 starts and corrections, with their reasons. */
  get events(): readonly EngineEvent[] {
    return this.eventLog;
  }

  protected readonly emit = (): void => {
    const next = this.buildSnapshot();
    if (next === this.snapshot) return;
    this.snapshot = next;
    this.changes.emit('snapshot:changed', undefined);
  };

  protected setStatus(status: EngineStatus, error: string | null = null): void {
    this.status = status;
    this.error = error;
    this.emit();
  }

  /**
   * Records what a player status said (`player/status-reading.ts`): its notes, a first sound (the start
   * record, from `segment` and the output clock map `fit`), re-positions, the sync error and the status.
   * Returns the context frame at which the track's last frame was rendered, if this status says so.
   */
  protected recordReading(
    reading: StatusReading,
    segment: PlacedSegment,
    fit: ClockMapFit | null,
    rate: number,
  ): number | null {
    for (const line of reading.notes) this.note(line);
    if (reading.started) {
      this.startRecord = startRecordOf(segment, reading.started, rate, fit, this.settings.outputOffsetMs);
      this.startCount++;
      this.note(`start at ${this.startRecord.offsetSec.toFixed(3)} s of the track`);
    }
    this.correctionCount += reading.repositions;
    this.syncErrorMs = reading.syncErrorMs;
    if (reading.status) this.setStatus(reading.status);
    return reading.renderedEndAt;
  }

  protected note(what: string): void {
    this.eventLog.push({ atMs: performance.now(), what });
    if (this.eventLog.length > 100) this.eventLog.shift();
  }

  /**
   * Notes glitches the browser counted since the last call: blocks its audio render thread did not deliver
   * in time (Chromium's `playbackStats`). Such a stall may also move the output, which then shows as an
   * output clock step; a stall further down (the audio service, the sound server) shows only as that step,
   * so the note tells where a jump came from.
   */
  protected noteUnderruns(context: AudioContext | null): void {
    const stats = (context as (AudioContext & { playbackStats?: PlaybackStats }) | null)?.playbackStats;
    if (!stats || !Number.isFinite(stats.underrunEvents)) return;
    const seen = this.underrunsSeen;
    this.underrunsSeen = { events: stats.underrunEvents, durationSec: stats.underrunDuration };
    if (seen && stats.underrunEvents > seen.events) {
      const ms = (stats.underrunDuration - seen.durationSec) * 1000;
      this.note(`render underrun: ${stats.underrunEvents - seen.events} glitches, ${ms.toFixed(1)} ms`);
    }
  }

  private buildSnapshot(): AudioEngineSnapshot {
    const next: AudioEngineSnapshot = {
      status: this.status,
      trackId: this.currentTrackId(),
      positionSec: Math.round(this.positionNow() * 10) / 10,
      durationSec: this.durationSec(),
      syncErrorMs: this.syncErrorMs === null ? null : Math.round(this.syncErrorMs * 100) / 100,
      syncBoundMs: this.syncBoundMs === null ? null : Math.round(this.syncBoundMs * 100) / 100,
      playbackRate: this.currentRatio(),
      contextState: this.contextState(),
      error: this.error,
      liveTrouble: this.liveTrouble,
    };
    const prev = this.snapshot;
    if (prev && (Object.keys(next) as (keyof AudioEngineSnapshot)[]).every((k) => prev[k] === next[k]))
      return prev;
    return next;
  }
}
