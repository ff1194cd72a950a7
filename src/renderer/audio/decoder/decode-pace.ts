/**
 * How fast a decode run fills its window ahead of the play head. The first `freeSec` ahead of the
 * head are decoded as fast as the decoder goes (a start, a late join, a seek need them at once); the
 * rest of the window at `speed` times real time, so a run's start is not a burst of a whole window's
 * decoding (10 s of MP3 is about 0.6 s of one core on the 2-core machine) while the output that is
 * just starting settles. The pace restarts when the play head comes back within `freeSec` of what is
 * decoded (the decoder fell behind: it catches up at full speed).
 */

/** Seconds ahead of the play head decoded at full speed. */
export const FREE_AHEAD_SEC = 2;
/** Audio seconds decoded per wall-clock second beyond them. */
export const FILL_SPEED = 4;

export class DecodePace {
  /** Where the paced part began: the frame decoded up to and the wall time then. */
  private since: { frame: number; atMs: number } | null = null;

  constructor(
    private readonly rate: number,
    private readonly freeSec = FREE_AHEAD_SEC,
    private readonly speed = FILL_SPEED,
  ) {}

  /**
   * After a chunk: decoded up to `producedFrame`, the play head at `headFrame`, wall time `nowMs`.
   * Returns how long to wait (ms) before decoding the next chunk; 0 to go on at once.
   */
  afterChunk(producedFrame: number, headFrame: number, nowMs: number): number {
    if (producedFrame - headFrame <= this.freeSec * this.rate) {
      this.since = null;
      return 0;
    }
    if (!this.since) {
      this.since = { frame: producedFrame, atMs: nowMs };
      return 0;
    }
    const dueMs = this.since.atMs + ((producedFrame - this.since.frame) / this.rate / this.speed) * 1000;
    return Math.max(0, dueMs - nowMs);
  }
}
