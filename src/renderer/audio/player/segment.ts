/**
 * The player's timeline math: which track frame belongs to which output frame.
 *
 * A segment places a track in group time ("track frame `anchorFrame` is heard at group time
 * `anchorGroupMs`, and the track runs at group speed from there"). A clock line, refreshed by the
 * engine several times a second from the output clock map and the group clock, says at which group
 * time an output frame of the AudioContext is heard. Together they give, for every output frame,
 * the track frame it should carry; the player steers its play head toward that.
 */

/** A track placed in group time. */
export interface PlacedSegment {
  /** Grows with every new segment sent to the player; PCM of older generations is dropped. */
  generation: number;
  trackId: string;
  anchorGroupMs: number;
  /** Track frame (at the context rate) heard at `anchorGroupMs`. */
  anchorFrame: number;
  /** Linear gain of its every frame (loudness normalisation; default 1). */
  gain?: number;
}

/**
 * Group time at which an output frame of the context is heard: `groupMs` at context frame
 * `contextFrame`, `msPerFrame` group ms per context frame (1000 / sampleRate, times the device's drift).
 */
export interface ClockLine {
  contextFrame: number;
  groupMs: number;
  msPerFrame: number;
  /**
   * How many times the output is known to have moved (a confirmed step of the output clock map, a changed
   * output offset): a new count lets the player re-position on an error it would otherwise slew away.
   */
  moves?: number;
}

/** Group time (ms) at which context frame `frame` is heard. */
export function groupMsAtContextFrame(line: ClockLine, frame: number): number {
  return line.groupMs + (frame - line.contextFrame) * line.msPerFrame;
}

/** Context frame (fractional) heard at group time `groupMs`. */
export function contextFrameAtGroupMs(line: ClockLine, groupMs: number): number {
  return line.contextFrame + (groupMs - line.groupMs) / line.msPerFrame;
}

/** Track frame (fractional) that should be heard at group time `groupMs`. */
export function trackFrameAtGroupMs(segment: PlacedSegment, groupMs: number, sampleRate: number): number {
  return segment.anchorFrame + ((groupMs - segment.anchorGroupMs) * sampleRate) / 1000;
}

/** Group time (ms) at which track frame `frame` should be heard. */
export function groupMsOfTrackFrame(segment: PlacedSegment, frame: number, sampleRate: number): number {
  return segment.anchorGroupMs + ((frame - segment.anchorFrame) * 1000) / sampleRate;
}

/** Track frame (fractional) that output frame `contextFrame` should carry. */
export function desiredTrackFrame(
  segment: PlacedSegment,
  line: ClockLine,
  contextFrame: number,
  sampleRate: number,
): number {
  // Epoch-sized group times have a resolution of 0.24 µs; subtracting them first keeps the small terms whole.
  const sinceAnchorMs =
    line.groupMs - segment.anchorGroupMs + (contextFrame - line.contextFrame) * line.msPerFrame;
  return segment.anchorFrame + (sinceAnchorMs * sampleRate) / 1000;
}

/** Track frames per output frame that keep a play head on the group's timeline (1 ± the device's drift). */
export function idealRatio(line: ClockLine, sampleRate: number): number {
  return (line.msPerFrame * sampleRate) / 1000;
}

/**
 * A clock line through two instants: context time `contextSec` heard at group time `groupMs`, and
 * `spanSec` later at `laterGroupMs`. The engine takes both from its clock maps.
 */
export function clockLineThrough(
  contextSec: number,
  groupMs: number,
  spanSec: number,
  laterGroupMs: number,
  sampleRate: number,
): ClockLine {
  return {
    contextFrame: contextSec * sampleRate,
    groupMs,
    msPerFrame: (laterGroupMs - groupMs) / (spanSec * sampleRate),
  };
}

/**
 * The track frame the room is at, at group time `nowGroupMs` (null: not known yet, so the anchor): a
 * start in the past joins there; one in the future starts at the anchor and the player waits for it.
 */
export function joinFrameAt(segment: PlacedSegment, nowGroupMs: number | null, sampleRate: number): number {
  if (nowGroupMs === null) return segment.anchorFrame;
  return Math.max(segment.anchorFrame, Math.floor(trackFrameAtGroupMs(segment, nowGroupMs, sampleRate)));
}
