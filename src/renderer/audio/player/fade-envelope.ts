/**
 * The player's fade envelope (0–1), the gain that shapes starts that join late, re-positions, stops
 * and gaps: it moves toward its target by one fade's slope a frame (full range in `fadeFrames`), and
 * can be held down so it reaches 0 by the time the frames held ahead run out. One concept the render
 * loop steers; separate from the segment's own gain (`segment-level.ts`).
 */

/** A linear fade toward `target`, `fadeFrames` for the full range; `value` is the gain now. */
export class FadeEnvelope {
  value = 0;
  target = 0;
  private readonly step: number;

  constructor(private readonly fadeFrames: number) {
    this.step = 1 / fadeFrames;
  }

  /** One frame on: `value` moves one step toward `target`. */
  advance(): void {
    if (this.value < this.target) this.value = Math.min(this.target, this.value + this.step);
    else if (this.value > this.target) this.value = Math.max(this.target, this.value - this.step);
  }

  /** Holds `value` low enough to fade out over the `framesLeft` frames left before a gap. */
  fadeBefore(framesLeft: number): void {
    this.value = Math.min(this.value, Math.max(0, framesLeft / this.fadeFrames));
  }
}
