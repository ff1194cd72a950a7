/**
 * The player's queue of placed segments: the track playing and the one placed after it, each with
 * its own ring and play head (`PlayerCore`), and the change from one to the other at the exact
 * frame the timeline says.
 *
 * - Gapless (no overlap): the next track starts where the current one's last frame was played. The
 *   current track's play head runs on into the next track's ring (the same head, so no seam, no
 *   fade); reads across the seam interpolate between the two tracks' real frames.
 * - Crossfade: both play over the overlap, each on its own head, mixed with equal-power gains that
 *   are functions of the incoming track's frame position (`mix-gain.ts`), so every peer mixes alike.
 *
 * Each side plays at its own segment's gain (`PlayerCore`), so at a gapless seam the gain changes on
 * the seam's frame and over a crossfade each track keeps its own.
 *
 * When the change is done, the next track's player becomes the current one and the old one is kept
 * as the spare for the track after.
 */
import { equalPowerGains, overlapProgress } from './mix-gain';
import { PlayerCore } from './player-core';
import type { PlayerInit } from './player-options';
import type { PcmChunk, PlayerStatus } from './protocol';
import { desiredTrackFrame, type ClockLine, type PlacedSegment } from './segment';

/** A play head the decoder should keep its window ahead of. */
export interface Playhead {
  generation: number;
  headFrame: number;
}

/** The current and the next placed segment, mixed; see the file comment. */
export class PlayerMix {
  private current: PlayerCore;
  private next: PlayerCore | null = null;
  private spare: PlayerCore;
  private overlapFrames = 0;
  private scratchLeft = new Float32Array(128);
  private scratchRight = new Float32Array(128);

  constructor(init: PlayerInit) {
    this.current = new PlayerCore(init);
    this.spare = new PlayerCore(init);
  }

  get sampleRate(): number {
    return this.current.sampleRate;
  }

  /** The current track's player (its status is the engine's view). */
  get playing(): PlayerCore {
    return this.current;
  }

  /** The generation placed after the current one, or null. */
  get nextGeneration(): number | null {
    return this.next?.placed?.generation ?? null;
  }

  /** The output is known to have moved (a gap in the render clock): see `PlayerCore.outputMoved`. */
  outputMoved(): void {
    this.current.outputMoved();
    this.next?.outputMoved();
  }

  setClock(line: ClockLine): void {
    this.current.setClock(line);
    this.next?.setClock(line);
    this.spare.setClock(line);
  }

  /** Plays `segment` from now on (what plays fades out first); a placed next segment is dropped. */
  play(segment: PlacedSegment): void {
    this.dropNext();
    this.current.play(segment);
  }

  /**
   * Places `segment` after the current one, overlapping its end by `overlapFrames` (0: gapless).
   * The same generation again only updates the overlap.
   */
  queueNext(segment: PlacedSegment, overlapFrames: number): void {
    if (this.next && this.next.placed?.generation !== segment.generation) this.dropNext();
    if (!this.next) {
      const core = this.spare;
      core.play(segment);
      this.next = core;
    }
    this.overlapFrames = Math.max(0, overlapFrames);
    this.current.reader.before = null;
    this.current.reader.after = this.overlapFrames === 0 ? this.next.queue : null;
  }

  /** Forgets the placed next segment. */
  dropNext(): void {
    const next = this.next;
    if (!next) return;
    next.halt();
    this.current.reader.after = null;
    this.spare = next;
    this.next = null;
  }

  /** Sets the gain of the segment of `generation` (the playing one ramps to it); false if neither. */
  setGain(generation: number, gain: number): boolean {
    const core = this.coreOf(generation);
    core?.setGain(gain);
    return core !== null;
  }

  /** Fades out at group time `atGroupMs` (now if null); the next segment is dropped. */
  stop(atGroupMs: number | null): void {
    this.dropNext();
    this.current.stop(atGroupMs);
  }

  /** Takes PCM for whichever segment's generation it belongs to; false if for neither. */
  push(chunk: PcmChunk): boolean {
    const core = this.coreOf(chunk.generation);
    if (!core) return false;
    core.queue.push(chunk);
    return true;
  }

  /** Marks where the track of `generation` ends. */
  end(generation: number, totalFrames: number): void {
    this.coreOf(generation)?.queue.end(generation, totalFrames);
  }

  /** The play heads of both segments, for the decoder. */
  playheads(): Playhead[] {
    const heads: Playhead[] = [];
    for (const core of [this.current, this.next]) {
      const wanted = core?.wantedFrame();
      if (core && wanted !== null && wanted !== undefined)
        heads.push({ generation: core.queue.generation, headFrame: wanted });
    }
    return heads;
  }

  status(contextFrame: number): PlayerStatus {
    return this.current.status(contextFrame);
  }

  /** Fills one block of output that starts at context frame `contextFrame`. */
  render(left: Float32Array, right: Float32Array, contextFrame: number): void {
    // The current track is over (or never started) before the next one's time: the next one plays alone.
    if (this.next && (this.current.phase === 'idle' || this.current.phase === 'ended')) this.promote();
    this.current.render(left, right, contextFrame);
    const next = this.next;
    if (!next) return;
    if (this.overlapFrames === 0) {
      const at = this.current.endedAt;
      if (at === null || next.phase !== 'waiting') return;
      next.continueFrom(this.current, contextFrame + at);
      next.render(left, right, contextFrame, at);
      this.promote();
      return;
    }
    this.renderCrossfade(left, right, contextFrame, next);
  }

  private renderCrossfade(
    left: Float32Array,
    right: Float32Array,
    contextFrame: number,
    next: PlayerCore,
  ): void {
    const n = left.length;
    if (this.scratchLeft.length !== n) {
      this.scratchLeft = new Float32Array(n);
      this.scratchRight = new Float32Array(n);
    }
    const nl = this.scratchLeft;
    const nr = this.scratchRight;
    next.render(nl, nr, contextFrame);
    const segment = next.placed;
    const line = next.clock;
    if (!segment || !line) return;
    let x = 0;
    for (let i = 0; i < n; i++) {
      const frame = desiredTrackFrame(segment, line, contextFrame + i, this.sampleRate);
      x = overlapProgress(frame, segment.anchorFrame, this.overlapFrames);
      const g = equalPowerGains(x);
      left[i] = left[i]! * g.outgoing + nl[i]! * g.incoming;
      right[i] = right[i]! * g.outgoing + nr[i]! * g.incoming;
    }
    if (x >= 1) this.promote();
  }

  /** The next segment becomes the current one; the old one is silenced and kept as the spare. */
  private promote(): void {
    const next = this.next;
    if (!next) return;
    const old = this.current;
    old.halt();
    old.reader.unlink();
    this.current = next;
    this.next = null;
    this.spare = old;
  }

  private coreOf(generation: number): PlayerCore | null {
    if (this.current.queue.generation === generation) return this.current;
    if (this.next && this.next.queue.generation === generation) return this.next;
    return null;
  }
}
