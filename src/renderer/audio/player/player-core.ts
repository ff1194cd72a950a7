/**
 * The player's per-block frame math, free of the AudioWorklet so it runs under Vitest: which track
 * frames go into each block of output, read at a fractional position (cubic Hermite interpolation)
 * that the drift controller steers along the group's timeline, with gain ramps for starts that join
 * late, re-positions, switches and stops. One play head at a time: a switch first renders the old
 * sound's short fade-out, then the new segment starts, never both at once. A gap in the frames ahead
 * (a live source that stalls, a decoder behind) is faded into over its last frames rather than cut
 * (a click), and faded out of when frames come again.
 * A gapless change of track hands the play head on to the next track's player (`continueFrom`), so
 * one head runs through both. Every output frame is also scaled by the segment's own gain (its loudness
 * normalisation, `segment-level.ts`), which ramps when it changes while the segment plays.
 * Its parts: where a waiting segment starts (`segment-start.ts`), the fade envelope, the keep-alive
 * sample and the counters a status reports (`fade-envelope.ts`, `keep-alive.ts`, `generation-stats.ts`).
 */
import { defaultDriftPolicy, steer, type DriftPolicy } from './drift';
import { FadeEnvelope } from './fade-envelope';
import { FadeTail } from './fade-tail';
import { FrameQueue } from './frame-queue';
import { FrameReader } from './frame-reader';
import { GenerationStats } from './generation-stats';
import { KeepAlive } from './keep-alive';
import type { PlayerInit } from './player-options';
import type { PlayerPhase, PlayerStatus } from './protocol';
import { SegmentLevel } from './segment-level';
import { blockStart, startFrame } from './segment-start';
import {
  contextFrameAtGroupMs,
  desiredTrackFrame,
  idealRatio,
  type ClockLine,
  type PlacedSegment,
} from './segment';

/** How long after a move of the output an error past the drift policy's `repositionMs` is re-positioned on (s). */
const MOVE_CREDIT_SEC = 2;

/** Renders a segment's frames into output blocks; see the file comment. */
export class PlayerCore {
  readonly queue: FrameQueue;
  readonly reader: FrameReader;
  readonly sampleRate: number;
  /** Index in the last rendered block at which the track ended (its last frame played), or null. */
  endedAt: number | null = null;
  private readonly policy: DriftPolicy;
  private readonly fadeFrames: number;
  private readonly keepAlive: KeepAlive;
  private line: ClockLine | null = null;
  private segment: PlacedSegment | null = null;
  private phaseValue: PlayerPhase = 'idle';
  private head = 0;
  private ratio = 1;
  /** The fade envelope (0–1): starts, stops, re-positions, gaps. */
  private readonly fade: FadeEnvelope;
  private readonly level: SegmentLevel;
  private jumpPending = false;
  private stopAtGroupMs: number | null = null;
  /** The old sound's fade-out, rendered when a new segment replaced it, still to be output. */
  private tail: FadeTail | null = null;
  private errorFrames: number | null = null;
  private readonly stats = new GenerationStats();
  private lastContextFrame = 0;
  /** The clock line's count of output moves last seen. */
  private moves = 0;
  /** Output frames for which an error past `repositionMs` may still be re-positioned on: a move was seen. */
  private moveCreditFrames = 0;

  constructor(init: PlayerInit) {
    this.sampleRate = init.sampleRate;
    this.queue = new FrameQueue(init.capacityFrames ?? 30 * init.sampleRate);
    this.reader = new FrameReader(this.queue);
    this.policy = { ...defaultDriftPolicy, ...init.drift };
    this.fadeFrames = Math.max(1, Math.round(((init.fadeMs ?? 5) * init.sampleRate) / 1000));
    this.fade = new FadeEnvelope(this.fadeFrames);
    this.keepAlive = new KeepAlive((init.keepAliveSec ?? 10) * init.sampleRate);
    this.level = new SegmentLevel(Math.round(((init.gainRampMs ?? 20) * init.sampleRate) / 1000));
  }

  get phase(): PlayerPhase {
    return this.phaseValue;
  }

  /** The segment playing or waiting, or null. */
  get placed(): PlacedSegment | null {
    return this.segment;
  }

  /** The clock line in use, or null before the first. */
  get clock(): ClockLine | null {
    return this.line;
  }

  /** Takes a new clock line (the engine refines it several times a second). */
  setClock(line: ClockLine): void {
    if (this.line && (line.moves ?? 0) !== this.moves) this.outputMoved();
    this.moves = line.moves ?? 0;
    this.line = line;
  }

  /**
   * The output is known to have moved (a confirmed step of its clock map, a changed output offset, a gap in
   * the render clock): for the next `MOVE_CREDIT_SEC`, an error past `repositionMs` is re-positioned on.
   */
  outputMoved(): void {
    this.moveCreditFrames = Math.round(MOVE_CREDIT_SEC * this.sampleRate);
  }

  /** Plays `segment` from now on; what was audible fades out first. */
  play(segment: PlacedSegment): void {
    this.fadeOutNow();
    this.segment = segment;
    this.level.set(segment.gain ?? 1);
    this.queue.reset(segment.generation);
    this.reader.unlink();
    this.phaseValue = 'waiting';
    this.stopAtGroupMs = null;
    this.jumpPending = false;
    this.errorFrames = null;
    this.stats.reset();
  }

  /** Sets the segment's gain: at once if it is not audible yet, else over the gain ramp. */
  setGain(gain: number): void {
    if (!this.segment) return;
    this.segment = { ...this.segment, gain };
    if (this.phaseValue === 'playing') this.level.rampTo(gain);
    else this.level.set(gain);
  }

  /** Goes silent at once, without a fade (the mix has already faded it out, or it ended). */
  halt(): void {
    this.toIdle();
    this.tail = null;
    this.fade.value = 0;
  }

  /**
   * Gapless: takes over the play head of `prev`, whose track just ended, so the head runs on into
   * this track without a seam (same read ratio, same level); the first frames read back into
   * `prev`'s ring for the interpolation.
   */
  continueFrom(prev: PlayerCore, contextFrame: number): void {
    const end = prev.queue.endFrame ?? Math.ceil(prev.head);
    this.reader.before = { queue: prev.queue, offset: end };
    // (The old head ends within a rounding tolerance short of its end: never before this track's frame 0.)
    this.head = Math.max(0, prev.head - end);
    this.ratio = prev.ratio;
    this.fade.value = prev.fade.value;
    this.fade.target = 1;
    this.errorFrames = 0;
    this.phaseValue = 'playing';
    this.stats.started = { contextFrame, trackFrame: this.head };
    if (this.line === null) this.line = prev.line;
  }

  /** Fades out at group time `atGroupMs` (now if null or past) and goes silent. */
  stop(atGroupMs: number | null): void {
    if ((this.phaseValue !== 'playing' && this.phaseValue !== 'waiting') || atGroupMs === null) {
      this.fadeOutNow();
      this.phaseValue = 'idle';
      this.segment = null;
      return;
    }
    this.stopAtGroupMs = atGroupMs;
  }

  /** Track frame the player needs next: its play head, or where it will start; null when idle. */
  wantedFrame(): number | null {
    if (this.phaseValue === 'playing') return Math.floor(this.head);
    if (this.phaseValue !== 'waiting' || !this.segment) return null;
    return startFrame(this.segment, this.line, this.lastContextFrame, this.sampleRate);
  }

  /** Fills one block of output that starts at context frame `contextFrame`, from index `from` on. */
  render(left: Float32Array, right: Float32Array, contextFrame: number, from = 0): void {
    const n = left.length;
    this.lastContextFrame = contextFrame;
    this.endedAt = null;
    left.fill(0, from);
    right.fill(0, from);
    let k = from;
    if (from === 0 && this.tail) {
      k = this.tail.drain(left, right);
      if (this.tail.done) this.tail = null;
    }
    if (this.line && this.segment) {
      if (this.phaseValue === 'waiting' && k < n) k = this.tryStart(contextFrame, k, n);
      if (this.phaseValue === 'playing' && k < n) this.renderPlaying(left, right, contextFrame, k);
    }
    if (this.phaseValue === 'playing') this.queue.dropBefore(Math.floor(this.head) - 2);
    this.keepAlive.afterBlock(left, this.phaseValue === 'playing');
    this.moveCreditFrames = Math.max(0, this.moveCreditFrames - (n - from));
  }

  /** What the engine is told after a block that ended at context frame `contextFrame`. */
  status(contextFrame: number): PlayerStatus {
    const playing = this.phaseValue === 'playing';
    return {
      type: 'status',
      generation: this.segment?.generation ?? this.queue.generation,
      phase: this.phaseValue,
      contextFrame,
      headFrame: playing ? this.head : null,
      errorFrames: playing ? this.errorFrames : null,
      ratio: this.ratio,
      ...this.stats.snapshot(),
      bufferedFrames: playing ? this.queue.contiguousFrom(this.head) : this.queue.size,
      overruns: this.queue.overruns,
    };
  }

  /** Starts the segment within this block if it is due and its first frame is here; returns the next frame to fill. */
  private tryStart(contextFrame: number, k: number, n: number): number {
    const { queue, sampleRate, stopAtGroupMs } = this;
    const input = { segment: this.segment!, line: this.line!, queue, sampleRate, stopAtGroupMs };
    const start = blockStart(input, contextFrame, k, n);
    if (start.kind === 'later') return n;
    if (start.kind === 'stopped') {
      this.toIdle();
      return n;
    }
    if (start.kind === 'ended') {
      this.head = start.head;
      this.phaseValue = 'ended';
      this.endedAt = start.at;
      return n;
    }
    if (start.kind === 'starved') {
      this.stats.starvedFrames += n - start.at;
      return n;
    }
    this.phaseValue = 'playing';
    this.head = start.head;
    this.ratio = start.ratio;
    this.errorFrames = 0;
    // From the top the track starts at full level; joining mid-track (or mid-sound) fades in.
    this.fade.value = start.head < 1 ? 1 : 0;
    this.fade.target = 1;
    this.stats.started = { contextFrame: contextFrame + start.at, trackFrame: start.head };
    return start.at;
  }

  private renderPlaying(left: Float32Array, right: Float32Array, contextFrame: number, k: number): void {
    const n = left.length;
    const line = this.line!;
    const ideal = idealRatio(line, this.sampleRate);
    const desired = desiredTrackFrame(this.segment!, line, contextFrame + k, this.sampleRate);
    this.errorFrames = this.head - desired;
    if (!this.jumpPending) {
      const steering = steer(
        this.errorFrames,
        ideal,
        this.sampleRate,
        this.policy,
        this.moveCreditFrames > 0,
      );
      if (steering.kind === 'reposition') {
        this.moveCreditFrames = 0;
        this.jumpPending = true;
        this.fade.target = 0;
        this.stats.repositioned(this.errorFrames);
      } else {
        this.ratio = steering.ratio;
      }
    }
    const stopAt = this.stopAtGroupMs === null ? Infinity : contextFrameAtGroupMs(line, this.stopAtGroupMs);
    const end = this.queue.endFrame ?? Infinity;
    // Where the frames held ahead of the head run out; short of the track's end, that is a gap to fade into.
    let heldEnd = -1;
    for (let i = k; i < n; i++) {
      const stopping = contextFrame + i >= stopAt;
      if (stopping) this.fade.target = 0;
      if (this.fade.value === 0) {
        if (stopping) return this.toIdle();
        if (this.jumpPending) {
          // Silent now: move the play head to where the timeline is, sample-exactly, and fade back in.
          this.head = desired + (i - k) * ideal;
          this.ratio = ideal;
          this.jumpPending = false;
          this.fade.target = 1;
        }
      }
      // (The head adds up ratios: allow for rounding, or the last frame plays twice.)
      if (this.head >= end - 1e-6) {
        this.phaseValue = 'ended';
        this.endedAt = i;
        return;
      }
      if (this.head >= heldEnd) heldEnd = Math.floor(this.head) + this.queue.contiguousFrom(this.head);
      if (heldEnd < end - 1) this.fade.fadeBefore(heldEnd - 1 - this.head);
      const g = this.fade.value * this.level.next();
      if (this.reader.read(this.head)) {
        left[i] = this.reader.left * g;
        right[i] = this.reader.right * g;
      } else {
        // Underrun: silence now, a fade back in once the frames are here; the head keeps time.
        this.stats.starvedFrames++;
        this.fade.value = 0;
      }
      this.head += this.ratio;
      this.fade.advance();
    }
  }

  /** Done with the segment: nothing plays, nothing waits, no stop pending. */
  private toIdle(): void {
    this.phaseValue = 'idle';
    this.segment = null;
    this.stopAtGroupMs = null;
  }

  /** Renders the audible sound's fade-out into `tail` so a new segment can take the ring at once. */
  private fadeOutNow(): void {
    if (this.phaseValue !== 'playing' || this.fade.value === 0) return;
    const from = { head: this.head, ratio: this.ratio, gain: this.fade.value, level: this.level.value };
    const faded = FadeTail.render(this.reader, from, this.fadeFrames);
    this.tail = faded.tail;
    this.head = faded.head;
    this.fade.value = 0;
  }
}

export { hermite } from './frame-reader';
