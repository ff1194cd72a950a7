/**
 * Stamps sound captured in a window (a microphone, line-in, system audio) in group time (#22), as
 * the window's encoder reads it, 48 kHz.
 *
 * The first frame is heard at its capture time + the live delay; every frame after it follows by
 * count (`anchor + n / 48000`), so the stream is sample-continuous however the batches arrive. The
 * capture time of a batch is only an estimate (the batch's arrival, less its length), and batches
 * arrive with jitter, which must not move the stream. What does move it is a sound card whose clock
 * runs apart from group time (tens of ppm: ms per minute) or a window that was held up: when the
 * count stays more than `maxDriftMs` (20 ms) off `capture + delay` for `settleMs` (1 s), either way,
 * or leaves less than half the delay for the room to receive it, the stream is re-anchored and a new
 * run begins (the encoder starts afresh; listeners hear a short gap or overlap, never late audio).
 * A card that cannot be paced (unlike a FIFO's writer) is thus corrected now and then rather than
 * resampled; at 50 ppm that is once every 7 minutes.
 */

/** Where a batch goes. */
export interface CaptureStamp {
  /** Group time at which its first frame is heard. */
  groupMs: number;
  /** Whether it starts a new run (the first batch, or a re-anchor): what came before ends there. */
  newRun: boolean;
}

/** Options; each has a default. */
export interface CaptureStamperInit {
  delayMs?: number;
  sampleRate?: number;
  maxDriftMs?: number;
  settleMs?: number;
}

/** Turns captured batches (their length and estimated capture time) into group-time stamps. */
export class CaptureStamper {
  readonly #delayMs: number;
  readonly #rate: number;
  readonly #maxDriftMs: number;
  readonly #settleMs: number;
  #anchorMs: number | null = null;
  #frames = 0;
  #offSinceMs: number | null = null;
  /** Times the stream was re-anchored after it had started. */
  reanchors = 0;

  constructor(init: CaptureStamperInit = {}) {
    this.#delayMs = init.delayMs ?? 300;
    this.#rate = init.sampleRate ?? 48_000;
    this.#maxDriftMs = init.maxDriftMs ?? 20;
    this.#settleMs = init.settleMs ?? 1000;
  }

  /** Stamps a batch of `frames` whose first frame was captured at group time `capturedGroupMs`. */
  push(frames: number, capturedGroupMs: number): CaptureStamp {
    const dueMs = capturedGroupMs + this.#delayMs;
    const counted = this.#anchorMs === null ? null : this.#anchorMs + (this.#frames * 1000) / this.#rate;
    if (counted !== null && Math.abs(counted - dueMs) > this.#maxDriftMs)
      this.#offSinceMs ??= capturedGroupMs;
    else this.#offSinceMs = null;
    const tooLate = counted !== null && counted < capturedGroupMs + this.#delayMs / 2;
    const staysOff = this.#offSinceMs !== null && capturedGroupMs - this.#offSinceMs >= this.#settleMs;
    let stamp: CaptureStamp;
    if (counted === null || tooLate || staysOff) {
      if (counted !== null) this.reanchors++;
      this.#anchorMs = dueMs;
      this.#frames = 0;
      this.#offSinceMs = null;
      stamp = { groupMs: dueMs, newRun: true };
    } else stamp = { groupMs: counted, newRun: false };
    this.#frames += frames;
    return stamp;
  }

  /** Forgets the anchor: the next batch starts a new run. */
  reset(): void {
    this.#anchorMs = null;
    this.#frames = 0;
    this.#offSinceMs = null;
  }
}
