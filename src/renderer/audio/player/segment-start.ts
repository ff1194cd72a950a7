/**
 * Where a waiting segment starts: the track frame it will need first (so the decoder delivers it), and
 * when it starts inside one output block. The decision is the subtle part of a start (a segment due
 * mid-block, a stop that comes first, a track already over, frames not decoded yet) and holds no
 * player state, so it lives apart from the player's render loop and is tested on its own.
 */
import type { FrameQueue } from './frame-queue';
import {
  contextFrameAtGroupMs,
  desiredTrackFrame,
  idealRatio,
  type ClockLine,
  type PlacedSegment,
} from './segment';

/** What a waiting segment does in a block; `at` is the block index it happens at. */
export type BlockStart =
  /** Not due within this block. */
  | { kind: 'later' }
  /** Its stop came before its start. */
  | { kind: 'stopped' }
  /** The timeline is past the track's end: it ends at once, with the head where it would be. */
  | { kind: 'ended'; at: number; head: number }
  /** Due, but its frame is not decoded yet: silence, and the start moves on with the timeline. */
  | { kind: 'starved'; at: number }
  /** It starts at `at` with its head at track frame `head`, read at `ratio` frames per output frame. */
  | { kind: 'start'; at: number; head: number; ratio: number };

/** What deciding a start needs to know of the player. */
export interface BlockStartInput {
  segment: PlacedSegment;
  line: ClockLine;
  queue: FrameQueue;
  stopAtGroupMs: number | null;
  sampleRate: number;
}

/** The first track frame a waiting `segment` will play, seen from context frame `contextFrame` (its anchor's without a clock line). */
export function startFrame(
  segment: PlacedSegment,
  line: ClockLine | null,
  contextFrame: number,
  sampleRate: number,
): number {
  if (!line) return Math.max(0, Math.floor(segment.anchorFrame));
  return Math.max(0, Math.floor(desiredTrackFrame(segment, line, contextFrame, sampleRate)));
}

/** Where `input.segment` starts in the block at context frame `contextFrame`, looking from index `k` of `n`. */
export function blockStart(input: BlockStartInput, contextFrame: number, k: number, n: number): BlockStart {
  const { segment, line, queue, stopAtGroupMs, sampleRate } = input;
  const ideal = idealRatio(line, sampleRate);
  let desired = desiredTrackFrame(segment, line, contextFrame + k, sampleRate);
  if (desired < segment.anchorFrame) {
    // Starts later: at the first output frame whose track frame is at or past the anchor's.
    const wait = Math.ceil((segment.anchorFrame - desired) / ideal - 1e-6);
    if (k + wait >= n) return { kind: 'later' };
    k += wait;
    // (Rounding may leave it a hair before the anchor frame, whose frame is the first one decoded.)
    desired = Math.max(segment.anchorFrame, desired + wait * ideal);
  }
  if (stopAtGroupMs !== null && contextFrame + k >= contextFrameAtGroupMs(line, stopAtGroupMs))
    return { kind: 'stopped' };
  const end = queue.endFrame;
  // (Where the head would be: a gapless next track carries on from there.)
  if (end !== null && desired >= end) return { kind: 'ended', at: k, head: desired };
  if (!queue.frame(Math.floor(desired))) return { kind: 'starved', at: k };
  return { kind: 'start', at: k, head: desired, ratio: ideal };
}
