/**
 * The engine's side of gapless and crossfaded track changes: the track the room placed after the
 * playing one (`PlaybackSchedule.next`) is given to the player as a second segment, and its head to
 * the decoder, `NEXT_PREPARE_SEC` before it is due (not at once: a decode at a track's start loads the
 * machine while that start settles). When the room's state reaches it (same track on the same
 * timeline) or the player reports it playing, the engine takes it as its play without restarting.
 * It is placed at its own gain (`next.gainDb`), which follows the state while it waits.
 */
import type { PlacedSegment } from './player/segment';
import { linearGain, sameTimeline, type PlaybackSchedule } from './timeline';

/** How long before it is due the next track is prepared (s): its decode window (10 s) and some. */
export const NEXT_PREPARE_SEC = 20;

/** What placing the next track needs from the engine. */
export interface NextTrackHost {
  /** The context's sample rate. */
  rate(): number;
  /** Group time now (ms), or null before the clock has an estimate. */
  groupNowMs(): number | null;
  /** A new generation number, not used before. */
  newGeneration(): number;
  /** Starts decoding `segment` beside the play; false when it cannot be fed that way. */
  startNext(generation: number, segment: PlacedSegment): boolean;
  /** Places `segment` in the player after the playing one, overlapping it by `overlapFrames`. */
  queue(segment: PlacedSegment, overlapFrames: number): void;
  /** Sets the gain of the placed segment of `generation` in the player. */
  setGain(generation: number, gain: number): void;
  /** Forgets the placed segment in the player and the feed. */
  drop(): void;
}

/** Whether `segment` plays what `schedule` asks: the same track on the same timeline, playing. */
export function segmentPlays(segment: PlacedSegment, schedule: PlaybackSchedule, rate: number): boolean {
  if (schedule.paused || schedule.live || schedule.trackId !== segment.trackId) return false;
  const anchor = { groupTimeMs: segment.anchorGroupMs, positionSec: segment.anchorFrame / rate };
  return sameTimeline(schedule.anchor, anchor);
}

const keyOf = (next: NonNullable<PlaybackSchedule['next']>): string =>
  `${next.trackId}|${next.anchor.groupTimeMs}|${next.anchor.positionSec}|${next.overlapSec}`;

/** The segment placed after the engine's play; see the file comment. */
export class NextTrack {
  private placed: { segment: PlacedSegment; key: string } | null = null;
  /** A placement the feed refused (it starts as a play of its own); not asked again. */
  private refused: string | null = null;
  /**
   * The placement last taken as the play: a state from before the change still names it as next until
   * the room's next state comes, and it must not be placed after itself.
   */
  private taken: string | null = null;

  constructor(private readonly host: NextTrackHost) {}

  /** The placed segment, or null. */
  get segment(): PlacedSegment | null {
    return this.placed?.segment ?? null;
  }

  /**
   * Places, moves or drops the next segment as `schedule` says, once it is due within
   * `NEXT_PREPARE_SEC`; `playing` is false while nothing plays that it could follow.
   */
  follow(schedule: PlaybackSchedule | null, playing: boolean): void {
    const want = playing && schedule && !schedule.paused && !schedule.live ? schedule.next : undefined;
    const key = want ? keyOf(want) : null;
    if (this.placed && this.placed.key !== key) {
      this.host.drop();
      this.placed = null;
    }
    if (want && this.placed) this.followGain(linearGain(want.gainDb));
    if (!want || key === null || this.placed || this.refused === key || this.taken === key) return;
    const now = this.host.groupNowMs();
    if (now === null || want.anchor.groupTimeMs - now > NEXT_PREPARE_SEC * 1000) return;
    const segment: PlacedSegment = {
      generation: this.host.newGeneration(),
      trackId: want.trackId,
      anchorGroupMs: want.anchor.groupTimeMs,
      anchorFrame: Math.round(want.anchor.positionSec * this.host.rate()),
      gain: linearGain(want.gainDb),
    };
    if (!this.host.startNext(segment.generation, segment)) {
      this.refused = key;
      return;
    }
    this.host.queue(segment, Math.round(want.overlapSec * this.host.rate()));
    this.placed = { segment, key };
  }

  /** The placed segment's gain changed (its track's loudness became known, or the room's setting changed). */
  private followGain(gain: number): void {
    const placed = this.placed!;
    if ((placed.segment.gain ?? 1) === gain) return;
    placed.segment = { ...placed.segment, gain };
    this.host.setGain(placed.segment.generation, gain);
  }

  /** Whether `schedule` plays the placed segment: the same track on the same timeline. */
  reached(schedule: PlaybackSchedule): boolean {
    const segment = this.placed?.segment;
    return !!segment && segmentPlays(segment, schedule, this.host.rate());
  }

  /** Takes the placed segment, which is now the engine's play; null if none. */
  take(): PlacedSegment | null {
    const segment = this.placed?.segment ?? null;
    this.taken = this.placed?.key ?? this.taken;
    this.placed = null;
    this.refused = null;
    return segment;
  }

  /** Forgets the placed segment without telling anyone (a new play drops it in the player and feed). */
  clear(): void {
    this.placed = null;
    this.refused = null;
    this.taken = null;
  }
}
