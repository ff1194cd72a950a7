/**
 * The player's per-block frame math, free of the AudioWorklet so it runs under Vitest: which track
 * frames go into each block of output, read at a fractional position (cubic Hermite interpolation)
 * that the drift controller steers along the group's timeline, with gain ramps for starts that join
 * late, re-positions, switches and stops. One play head at a time: a switch first renders the old
 * sound's short fade-out, then the new segment starts, never both at once. A gap in the frames ahead
 * (a live source that stalls, a decoder behind) is faded into over its last frames rather than cut
 * (a click), and faded out of when frames come again.
 */
import { defaultDriftPolicy, steer, type DriftPolicy } from './drift';
import { FrameQueue } from './frame-queue';
import type { PlayerPhase, PlayerStatus } from './protocol';
import {
  contextFrameAtGroupMs,
  desiredTrackFrame,
  idealRatio,
  type ClockLine,
  type PlacedSegment,
} from './segment';

/** Options of the player; each has a default. */
export interface PlayerInit {
  sampleRate: number;
  /** Most frames the ring holds (default 30 s). */
  capacityFrames?: number;
  /** Length of fades (ms). */
  fadeMs?: number;
  drift?: Partial<DriftPolicy>;
  /** Silence after which one inaudible sample keeps the device stream running (s). */
  keepAliveSec?: number;
}

/**
 * Level of the sample that keeps the output running (2^-24, below the least significant bit of 24-bit
 * audio). After 30 s of all-zero output Chromium swaps in a timer-driven fake sink and pauses the device
 * stream; the next play then restarts it, and for seconds its output timestamps jump and drift by
 * milliseconds (measured: starts 6-39 ms apart after a minute of silence).
 */
export const KEEP_ALIVE_LEVEL = 2 ** -24;

/** Renders a segment's frames into output blocks; see the file comment. */
export class PlayerCore {
  readonly queue: FrameQueue;
  readonly sampleRate: number;
  private readonly policy: DriftPolicy;
  private readonly fadeFrames: number;
  private readonly keepAliveFrames: number;
  private line: ClockLine | null = null;
  private segment: PlacedSegment | null = null;
  private phaseValue: PlayerPhase = 'idle';
  private head = 0;
  private ratio = 1;
  private gain = 0;
  private targetGain = 0;
  private jumpPending = false;
  private stopAtGroupMs: number | null = null;
  /** The old sound's fade-out, rendered when a new segment replaced it, still to be output. */
  private tail: { left: Float32Array; right: Float32Array; at: number } | null = null;
  private errorFrames: number | null = null;
  private starvedFrames = 0;
  private repositions = 0;
  private repositionErrorFrames: number | null = null;
  private started: PlayerStatus['started'] = null;
  private silentFrames = 0;
  private lastContextFrame = 0;

  constructor(init: PlayerInit) {
    this.sampleRate = init.sampleRate;
    this.queue = new FrameQueue(init.capacityFrames ?? 30 * init.sampleRate);
    this.policy = { ...defaultDriftPolicy, ...init.drift };
    this.fadeFrames = Math.max(1, Math.round(((init.fadeMs ?? 5) * init.sampleRate) / 1000));
    this.keepAliveFrames = (init.keepAliveSec ?? 10) * init.sampleRate;
  }

  get phase(): PlayerPhase {
    return this.phaseValue;
  }

  /** Takes a new clock line (the engine refines it several times a second). */
  setClock(line: ClockLine): void {
    this.line = line;
  }

  /** Plays `segment` from now on; what was audible fades out first. */
  play(segment: PlacedSegment): void {
    this.fadeOutNow();
    this.segment = segment;
    this.queue.reset(segment.generation);
    this.phaseValue = 'waiting';
    this.stopAtGroupMs = null;
    this.jumpPending = false;
    this.errorFrames = null;
    this.starvedFrames = 0;
    this.repositions = 0;
    this.repositionErrorFrames = null;
    this.started = null;
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
    if (!this.line) return Math.max(0, Math.floor(this.segment.anchorFrame));
    const desired = desiredTrackFrame(this.segment, this.line, this.lastContextFrame, this.sampleRate);
    return Math.max(0, Math.floor(desired));
  }

  /** Fills one block of output that starts at context frame `contextFrame`. */
  render(left: Float32Array, right: Float32Array, contextFrame: number): void {
    const n = left.length;
    this.lastContextFrame = contextFrame;
    left.fill(0);
    right.fill(0);
    let k = this.renderTail(left, right);
    if (this.line && this.segment) {
      if (this.phaseValue === 'waiting' && k < n) k = this.tryStart(contextFrame, k, n);
      if (this.phaseValue === 'playing' && k < n) this.renderPlaying(left, right, contextFrame, k);
    }
    if (this.phaseValue === 'playing') {
      this.silentFrames = 0;
      this.queue.dropBefore(Math.floor(this.head) - 2);
    } else if ((this.silentFrames += n) >= this.keepAliveFrames) {
      this.silentFrames = 0;
      left[n - 1] = KEEP_ALIVE_LEVEL;
    }
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
      starvedFrames: this.starvedFrames,
      repositions: this.repositions,
      repositionErrorFrames: this.repositionErrorFrames,
      started: this.started,
      bufferedFrames: playing ? this.queue.contiguousFrom(this.head) : this.queue.size,
      overruns: this.queue.overruns,
    };
  }

  /** Starts the segment within this block if it is due and its first frame is here; returns the next frame to fill. */
  private tryStart(contextFrame: number, k: number, n: number): number {
    const segment = this.segment!;
    const line = this.line!;
    const ideal = idealRatio(line, this.sampleRate);
    let desired = desiredTrackFrame(segment, line, contextFrame + k, this.sampleRate);
    if (desired < segment.anchorFrame) {
      // Starts later: at the first output frame whose track frame is at or past the anchor's.
      const wait = Math.ceil((segment.anchorFrame - desired) / ideal - 1e-6);
      if (k + wait >= n) return n;
      k += wait;
      // (Rounding may leave it a hair before the anchor frame, whose frame is the first one decoded.)
      desired = Math.max(segment.anchorFrame, desired + wait * ideal);
    }
    const stopAt = this.stopAtGroupMs;
    if (stopAt !== null && contextFrame + k >= contextFrameAtGroupMs(line, stopAt)) {
      // Stopped before it started.
      this.phaseValue = 'idle';
      this.segment = null;
      this.stopAtGroupMs = null;
      return n;
    }
    const end = this.queue.endFrame;
    if (end !== null && desired >= end) {
      this.phaseValue = 'ended';
      return n;
    }
    if (!this.queue.frame(Math.floor(desired))) {
      // Not decoded yet: silence, and the start moves on with the timeline (it joins late).
      this.starvedFrames += n - k;
      return n;
    }
    this.phaseValue = 'playing';
    this.head = desired;
    this.ratio = ideal;
    this.errorFrames = 0;
    // From the top the track starts at full level; joining mid-track (or mid-sound) fades in.
    this.gain = desired < 1 ? 1 : 0;
    this.targetGain = 1;
    this.started = { contextFrame: contextFrame + k, trackFrame: desired };
    return k;
  }

  private renderPlaying(left: Float32Array, right: Float32Array, contextFrame: number, k: number): void {
    const n = left.length;
    const line = this.line!;
    const ideal = idealRatio(line, this.sampleRate);
    const desired = desiredTrackFrame(this.segment!, line, contextFrame + k, this.sampleRate);
    this.errorFrames = this.head - desired;
    if (!this.jumpPending) {
      const steering = steer(this.errorFrames, ideal, this.sampleRate, this.policy);
      if (steering.kind === 'reposition') {
        this.jumpPending = true;
        this.targetGain = 0;
        this.repositions++;
        this.repositionErrorFrames = this.errorFrames;
      } else {
        this.ratio = steering.ratio;
      }
    }
    const stopAt = this.stopAtGroupMs === null ? Infinity : contextFrameAtGroupMs(line, this.stopAtGroupMs);
    const step = 1 / this.fadeFrames;
    const end = this.queue.endFrame ?? Infinity;
    // Where the frames held ahead of the head run out; short of the track's end, that is a gap to fade into.
    let heldEnd = -1;
    for (let i = k; i < n; i++) {
      const stopping = contextFrame + i >= stopAt;
      if (stopping) this.targetGain = 0;
      if (this.gain === 0) {
        if (stopping) {
          this.phaseValue = 'idle';
          this.segment = null;
          this.stopAtGroupMs = null;
          return;
        }
        if (this.jumpPending) {
          // Silent now: move the play head to where the timeline is, sample-exactly, and fade back in.
          this.head = desired + (i - k) * ideal;
          this.ratio = ideal;
          this.jumpPending = false;
          this.targetGain = 1;
        }
      }
      // (The head adds up ratios: allow for rounding, or the last frame plays twice.)
      if (this.head >= end - 1e-6) {
        this.phaseValue = 'ended';
        return;
      }
      if (this.head >= heldEnd) heldEnd = Math.floor(this.head) + this.queue.contiguousFrom(this.head);
      if (heldEnd < end - 1)
        this.gain = Math.min(this.gain, Math.max(0, (heldEnd - 1 - this.head) / this.fadeFrames));
      if (this.sampleAt(this.head)) {
        left[i] = this.queue.left * this.gain;
        right[i] = this.queue.right * this.gain;
      } else {
        // Underrun: silence now, a fade back in once the frames are here; the head keeps time.
        this.starvedFrames++;
        this.gain = 0;
      }
      this.head += this.ratio;
      if (this.gain < this.targetGain) this.gain = Math.min(this.targetGain, this.gain + step);
      else if (this.gain > this.targetGain) this.gain = Math.max(this.targetGain, this.gain - step);
    }
  }

  /** Renders the audible sound's fade-out into `tail` so a new segment can take the ring at once. */
  private fadeOutNow(): void {
    if (this.phaseValue !== 'playing' || this.gain === 0) return;
    const frames = Math.ceil(this.gain * this.fadeFrames);
    const tail = { left: new Float32Array(frames), right: new Float32Array(frames), at: 0 };
    for (let i = 0; i < frames; i++) {
      const g = this.gain * (1 - (i + 1) / frames);
      if (this.sampleAt(this.head)) {
        tail.left[i] = this.queue.left * g;
        tail.right[i] = this.queue.right * g;
      }
      this.head += this.ratio;
    }
    this.tail = tail;
    this.gain = 0;
  }

  private renderTail(left: Float32Array, right: Float32Array): number {
    const tail = this.tail;
    if (!tail) return 0;
    const count = Math.min(left.length, tail.left.length - tail.at);
    left.set(tail.left.subarray(tail.at, tail.at + count));
    right.set(tail.right.subarray(tail.at, tail.at + count));
    tail.at += count;
    if (tail.at >= tail.left.length) this.tail = null;
    return count;
  }

  /**
   * Loads the frame at fractional position `position` into `queue.left/right` by cubic Hermite
   * interpolation of the four frames around it; false if the frame at or before it is missing.
   * (Missing neighbours at the edges of the ring repeat the nearest frame.)
   */
  private sampleAt(position: number): boolean {
    const q = this.queue;
    const f = Math.floor(position);
    const t = position - f;
    if (!q.frame(f)) return false;
    const l1 = q.left;
    const r1 = q.right;
    if (t === 0) return true;
    let l0 = l1;
    let r0 = r1;
    if (q.frame(f - 1)) {
      l0 = q.left;
      r0 = q.right;
    }
    let l2 = l1;
    let r2 = r1;
    if (q.frame(f + 1)) {
      l2 = q.left;
      r2 = q.right;
    }
    let l3 = l2;
    let r3 = r2;
    if (q.frame(f + 2)) {
      l3 = q.left;
      r3 = q.right;
    }
    q.left = hermite(l0, l1, l2, l3, t);
    q.right = hermite(r0, r1, r2, r3, t);
    return true;
  }
}

/** Catmull-Rom cubic through y1 (t = 0) and y2 (t = 1). */
export function hermite(y0: number, y1: number, y2: number, y3: number, t: number): number {
  const c1 = 0.5 * (y2 - y0);
  const c2 = y0 - 2.5 * y1 + 2 * y2 - 0.5 * y3;
  const c3 = 0.5 * (y3 - y0) + 1.5 * (y1 - y2);
  return ((c3 * t + c2) * t + c1) * t + y1;
}
